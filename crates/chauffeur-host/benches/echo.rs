//! Placeholder; replaced by the echo round-trip bench.
fn main() {}
