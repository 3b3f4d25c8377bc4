//! Fuzz target `device_detect`: the invariants live in `authwalk_fuzz::device_detect` (fuzz/src/lib.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authwalk_fuzz::device_detect(data));
