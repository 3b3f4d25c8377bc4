//! Branding benchmarks (being written).
fn main() {}
