#![no_main]
//! Fuzz target `jsonrpc`: the check in fuzz/src/checks/ of the same name.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    (dovecote_fuzz::checks::check("jsonrpc").expect("a listed target"))(data)
});
