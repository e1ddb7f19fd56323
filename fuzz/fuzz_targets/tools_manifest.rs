#![no_main]
//! Fuzz target `tools_manifest`: the check in fuzz/src/checks/ of the same name.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    (dovecote_fuzz::checks::check("tools_manifest").expect("a listed target"))(data)
});
