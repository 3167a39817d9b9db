//! Example in-process plugin written in Rust with the Chauffeur SDK.
