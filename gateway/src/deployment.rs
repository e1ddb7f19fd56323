//! What a deployment's variables and secrets configure, read and checked in one place: the
//! Worker loads it once per isolate and refuses requests while it is unusable, and `/health`
//! reports the same problems, so the two cannot disagree.

use crate::config::{signing_key, Config, ConfigError};
use crate::oauth::Settings;
use crate::platform::Platform;
use crate::ratelimit::Leases;
use crate::router::Gateway;

/// A deployment's configuration, checked.
pub struct Deployment {
    /// The gateway's configuration.
    pub config: Config,
    /// `DOVECOTE_SIGNING_KEY`, decoded; `None` when unset or empty.
    pub signing_key: Option<Vec<u8>>,
    /// `DOVECOTE_SIGNING_KEY_PREVIOUS`, decoded; `None` when unset or empty.
    pub previous_signing_key: Option<Vec<u8>>,
    /// The authorization server's settings; `None` in a build without sign-in.
    pub oauth: Option<Settings>,
}

impl std::fmt::Debug for Deployment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys: only whether each is set.
        f.debug_struct("Deployment")
            .field("config", &self.config)
            .field(
                "signing_key",
                &self.signing_key.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "previous_signing_key",
                &self.previous_signing_key.as_ref().map(|_| "[redacted]"),
            )
            .field("oauth", &self.oauth.as_ref().map(|_| "[settings]"))
            .finish()
    }
}

/// A key secret named `name`: unset and empty are the same (a secret put with no value), a
/// value that is not a usable key is a problem named after it.
fn key(var: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<Option<Vec<u8>>, String> {
    match var(name).filter(|k| !k.trim().is_empty()) {
        None => Ok(None),
        Some(k) => signing_key(&k)
            .map(Some)
            .map_err(|e| e.0.replace("DOVECOTE_SIGNING_KEY", name)),
    }
}

/// The value of `result`, or `None` with its problem noted.
fn noted<T>(problems: &mut Vec<String>, result: Result<T, String>) -> Option<T> {
    result.map_err(|why| problems.push(why)).ok()
}

impl Deployment {
    /// Reads the configuration through `var` (name → value); `sign_in` is false in the
    /// conformance build, which has no authorization server. Every problem is returned, each
    /// naming its variable and never its value.
    pub fn load(var: &dyn Fn(&str) -> Option<String>, sign_in: bool) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let p = &mut problems;
        let config = noted(p, Config::from_vars(var).map_err(|e: ConfigError| e.0));
        let signing_key = noted(p, key(var, "DOVECOTE_SIGNING_KEY"));
        let previous_signing_key = noted(p, key(var, "DOVECOTE_SIGNING_KEY_PREVIOUS"));
        let oauth = if sign_in {
            noted(p, Settings::from_vars(var).map(Some).map_err(|e| e.0))
        } else {
            Some(None)
        };
        match (config, signing_key, previous_signing_key, oauth) {
            (Some(config), Some(signing_key), Some(previous_signing_key), Some(oauth)) => {
                Ok(Self {
                    config,
                    signing_key,
                    previous_signing_key,
                    oauth,
                })
            }
            _ => Err(problems),
        }
    }

    /// The gateway of one request over `platform`.
    pub fn gateway<'a>(&'a self, platform: Platform<'a>, leases: &'a Leases) -> Gateway<'a> {
        Gateway {
            config: &self.config,
            platform,
            signing_key: self.signing_key.as_deref(),
            previous_signing_key: self.previous_signing_key.as_deref(),
            oauth: self.oauth.as_ref(),
            leases,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    fn load(pairs: &[(&str, &str)]) -> Result<Deployment, Vec<String>> {
        let var = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        Deployment::load(&var, true)
    }

    #[test]
    fn an_empty_signing_key_is_unset_not_malformed() {
        let d = load(&[
            ("DOVECOTE_SIGNING_KEY", " "),
            ("DOVECOTE_SIGNING_KEY_PREVIOUS", ""),
        ])
        .unwrap();
        assert!(d.signing_key.is_none() && d.previous_signing_key.is_none());
        let d = load(&[("DOVECOTE_SIGNING_KEY", KEY)]).unwrap();
        assert_eq!(d.signing_key.map(|k| k.len()), Some(32));
    }

    #[test]
    fn a_bad_previous_key_is_named_as_the_previous_one() {
        let problems = load(&[
            ("DOVECOTE_SIGNING_KEY", KEY),
            ("DOVECOTE_SIGNING_KEY_PREVIOUS", "short"),
        ])
        .unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("DOVECOTE_SIGNING_KEY_PREVIOUS must be"),
            "{problems:?}"
        );
        assert!(!problems[0].contains("short"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let problems = load(&[
            ("DOVECOTE_SIGNING_KEY", "short"),
            ("MCP_MAX_BODY_BYTES", "lots"),
        ])
        .unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
