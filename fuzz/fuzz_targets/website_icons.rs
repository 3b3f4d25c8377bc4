//! Fuzz target `website_icons`: the invariants live in `authwalk_fuzz::website_icons` (fuzz/src/lib.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authwalk_fuzz::website_icons(data));
