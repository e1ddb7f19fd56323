//! `tools.toml` and `channels.toml`, through the validation modules of the macro crate (the
//! build reads them; a mistake must fail it with a line and a fix, never a panicking macro).

use crate::manifest::ManifestError;

/// Every error points at a line of the file and ends in its fix (`problem — fix`).
fn located(source: &str, errors: &[ManifestError]) {
    let lines = source.matches('\n').count() + 1;
    for e in errors {
        assert!((1..=lines).contains(&e.line), "line {} of {lines}", e.line);
        assert!(e.message.contains(" — "), "no fix in {:?}", e.message);
    }
}

/// `tools.toml`: a manifest without mistakes has a policy for every tool, naming a declared
/// scope.
pub fn tools(data: &[u8]) {
    let Some(source) = super::text(data) else {
        return;
    };
    match crate::manifest::parse(source) {
        Ok((manifest, errors)) => {
            located(source, &errors);
            if errors.is_empty() {
                for tool in &manifest.tools {
                    let policy = tool.policy.as_ref().expect("a valid tool has a policy");
                    assert!(manifest.scopes.iter().any(|s| s.name == policy.scope));
                }
            }
        }
        Err(e) => located(source, &[e]),
    }
}

/// `channels.toml`: instances come out only with their secret named, never inline.
pub fn channels(data: &[u8]) {
    let Some(source) = super::text(data) else {
        return;
    };
    match crate::channels::manifest::parse(source) {
        Ok((instances, errors)) => {
            located(source, &errors);
            for (_, declared) in &instances {
                assert!(crate::channels::rules::check_secret_name(&declared.secret).is_ok());
            }
        }
        Err(e) => located(source, &[e]),
    }
}
