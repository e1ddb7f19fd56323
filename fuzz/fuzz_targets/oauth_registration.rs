#![no_main]
//! Fuzz target `oauth_registration`: the check in fuzz/src/checks/ of the same name.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    (dovecote_fuzz::checks::check("oauth_registration").expect("a listed target"))(data)
});
