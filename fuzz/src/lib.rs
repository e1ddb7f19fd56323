//! The checks behind each fuzz target, and the module tree they need: the gateway's parsers
//! come from its public API; the manifest parsers live in the proc-macro crate, which cannot
//! export functions, so their files are compiled in here by path rather than copied.
//! gateway/tests/fuzz_corpus.rs compiles this same file to replay the corpus in `make test`.

#[path = "../../macros/src"]
// The macro crate uses the rest of these modules; the checks call only their parsers.
#[allow(dead_code, unused_imports)]
mod macros_src {
    pub mod manifest;
    pub mod template;
    pub mod channels {
        #[path = "../../../gateway/src/address.rs"]
        pub mod address;
        pub mod manifest;
        #[path = "../../../gateway/src/channels/rules.rs"]
        pub mod rules;
    }
}

// The manifest modules reach their siblings from the crate root (`crate::manifest`,
// `crate::template`), as in the macro crate.
pub(crate) use macros_src::{channels, manifest, template};

pub mod checks;
