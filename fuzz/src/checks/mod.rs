//! One check per fuzz target: it feeds the input to a parser as the outside would and panics
//! when a rule is broken — a panic, an answer outside 4xx, an echo past its limit, a split past
//! a service's limit, an unescaped mention. The fuzz targets call these; so does the corpus
//! replay in `make test`.

mod channels;
mod manifests;
mod mcp;
mod oauth;
mod webhooks;

/// A check: panics when `data` breaks a rule.
pub type Check = fn(&[u8]);

/// Every target: its name (the file in fuzz_targets/ and the folder in corpus/) and check.
pub const TARGETS: &[(&str, Check)] = &[
    ("jsonrpc", mcp::jsonrpc),
    ("mcp_headers", mcp::headers),
    ("oauth_form", oauth::form),
    ("oauth_registration", oauth::registration),
    ("redirect_uri", oauth::redirect_uri),
    ("webhook_payload", webhooks::payload),
    ("telegram", channels::telegram),
    ("discord", channels::discord),
    ("slack", channels::slack),
    ("tools_manifest", manifests::tools),
    ("channels_manifest", manifests::channels),
];

/// The check of `target`, by name.
pub fn check(target: &str) -> Option<Check> {
    TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, f)| *f)
}

/// The input as text, when the parser under test takes text (the HTTP layer hands it UTF-8).
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}
