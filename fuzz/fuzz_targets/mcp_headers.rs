#![no_main]
//! Fuzz target `mcp_headers`: the check in fuzz/src/checks/ of the same name.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    (dovecote_fuzz::checks::check("mcp_headers").expect("a listed target"))(data)
});
