#![no_main]
//! Fuzz target `channels_manifest`: the check in fuzz/src/checks/ of the same name.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    (dovecote_fuzz::checks::check("channels_manifest").expect("a listed target"))(data)
});
