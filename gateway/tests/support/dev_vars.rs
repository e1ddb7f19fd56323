//! What the repository says about the Worker's variables: the entries of `.dev.vars.example`
//! and the names the gateway's code reads. Shared by `deployment.rs` and `docs/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dovecote_gateway::health;

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).to_path_buf()
}

/// `(name, tag)` for each entry of `.dev.vars.example`, the tag being what its `[…]` says:
/// `var`, `secret`, `secret, required` or `secret, sign-in`.
pub fn example_entries() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join(".dev.vars.example")).unwrap();
    let mut kind = None;
    let mut out = Vec::new();
    for line in text.lines() {
        let bare = line.trim_start_matches('#').trim();
        if let Some(tag) = bare
            .strip_prefix('[')
            .and_then(|rest| rest.split(']').next())
            .filter(|t| t.starts_with("secret") || t.starts_with("var"))
        {
            kind = Some(tag.to_owned());
            continue;
        }
        let Some((name, _)) = bare.split_once('=') else {
            continue;
        };
        if is_variable_name(name) {
            let kind = kind.take().unwrap_or_else(|| {
                panic!("{name} in .dev.vars.example has no [secret] or [var] line above it")
            });
            out.push((name.to_owned(), kind));
        }
    }
    out
}

/// Whether `name` is spelled as the Worker's variables are: `UPPER_CASE` with digits.
pub fn is_variable_name(name: &str) -> bool {
    !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Upper-case names in string literals of the gateway's non-test code: what it reads from
/// its env (and its binding names).
pub fn names_in_source() -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                let code = code.split("#[cfg(all(test").next().unwrap_or_default();
                for piece in code.split('"').skip(1).step_by(2) {
                    if piece.len() > 3 && piece.contains('_') && is_variable_name(piece) {
                        out.insert(piece.to_owned());
                    }
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&root().join("gateway/src"), &mut out);
    out
}

/// The variables and secrets the gateway's code reads: `names_in_source` without its binding
/// names and the build-time names.
pub fn variables_in_source() -> BTreeSet<String> {
    let not_variables = ["CARGO_PKG_VERSION", "DOVECOTE_BUILD"];
    names_in_source()
        .into_iter()
        .filter(|n| !not_variables.contains(&n.as_str()))
        .filter(|n| !health::bindings().any(|b| b == n))
        .collect()
}
