//! Fuzz target `domain_parse`: the invariants live in `authwalk_fuzz::domain_parse` (fuzz/src/lib.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authwalk_fuzz::domain_parse(data));
