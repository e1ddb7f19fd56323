#![no_main]
//! Fuzz target `discord`: the check in fuzz/src/checks/ of the same name.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    (dovecote_fuzz::checks::check("discord").expect("a listed target"))(data)
});
