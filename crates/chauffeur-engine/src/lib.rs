//! Chauffeur's engine: the provider registry, concurrent capture under deadlines, restore plans and runs, auto-snapshots.
