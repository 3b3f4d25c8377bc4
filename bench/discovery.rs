//! Discovery benchmarks (being written).
fn main() {}
