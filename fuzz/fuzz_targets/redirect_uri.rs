#![no_main]
//! Fuzz target `redirect_uri`: the check in fuzz/src/checks/ of the same name.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    (dovecote_fuzz::checks::check("redirect_uri").expect("a listed target"))(data)
});
