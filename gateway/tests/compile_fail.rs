//! Compile-fail tests of `#[tool]` and `toolbox!`: every `tests/ui/*.rs` must fail to build
//! with exactly the diagnostics in its `.stderr` (regenerate with `TRYBUILD=overwrite`, then
//! read each one). Cases that use `toolbox!` name a sibling `.toml` manifest.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
