#![no_main]
//! Fuzz target `oauth_form`: the check in fuzz/src/checks/ of the same name.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    (dovecote_fuzz::checks::check("oauth_form").expect("a listed target"))(data)
});
