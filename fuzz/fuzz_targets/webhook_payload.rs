#![no_main]
//! Fuzz target `webhook_payload`: the check in fuzz/src/checks/ of the same name.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    (dovecote_fuzz::checks::check("webhook_payload").expect("a listed target"))(data)
});
