//! Fuzz target `image_normalize`: the invariants live in `authwalk_fuzz::image_normalize` (fuzz/src/lib.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authwalk_fuzz::image_normalize(data));
