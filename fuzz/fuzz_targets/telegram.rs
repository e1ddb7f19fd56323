#![no_main]
//! Fuzz target `telegram`: the check in fuzz/src/checks/ of the same name.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    (dovecote_fuzz::checks::check("telegram").expect("a listed target"))(data)
});
