//! Who may sign in and who is an operator, decided from an identity and the configuration the
//! isolate runs with now: at sign-in, on every bearer check and on every refresh. The password
//! owner is an operator; a GitHub account is one when `OPERATORS` names its login or its id,
//! and a member when `ALLOWED_USERNAMES` lets it in (`*`: every account). With neither
//! variable set, GitHub sign-in lets nobody in.

use super::props::{IDP_GITHUB, IDP_PASSWORD};
use super::Settings;
use crate::config::ConfigError;
use crate::toolbox::Role;

/// Most entries `OPERATORS` may list.
pub const MAX_OPERATORS: usize = 1000;
/// GitHub logins are at most this long.
const MAX_LOGIN_LEN: usize = 39;

/// One `OPERATORS` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Operator {
    /// A GitHub login, lower-cased (compared case-insensitively).
    Login(String),
    /// `id:<number>`: a GitHub account id, which survives a rename.
    Id(u64),
}

/// `OPERATORS`: the GitHub accounts that are operators, by login or `id:<number>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Operators(Vec<Operator>);

/// Whether `login` has the shape of a GitHub login.
pub(crate) fn is_login(login: &str) -> bool {
    (1..=MAX_LOGIN_LEN).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl Operators {
    /// Parses `OPERATORS` (unset or empty: nobody but the password owner).
    pub fn parse(value: Option<&str>) -> Result<Self, ConfigError> {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(Self::default());
        };
        let bad = || {
            ConfigError(format!(
                "OPERATORS takes at most {MAX_OPERATORS} comma-separated GitHub logins or \
                 `id:<number>` entries, e.g. `octocat,id:583231`"
            ))
        };
        let mut entries = Vec::new();
        for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let parsed = match entry.strip_prefix("id:") {
                Some(id) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => {
                    Operator::Id(id.parse().map_err(|_| bad())?)
                }
                Some(_) => return Err(bad()),
                None if is_login(entry) => Operator::Login(entry.to_ascii_lowercase()),
                None => return Err(bad()),
            };
            entries.push(parsed);
        }
        if entries.is_empty() || entries.len() > MAX_OPERATORS {
            return Err(bad());
        }
        Ok(Self(entries))
    }

    /// Whether no GitHub account is an operator.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the GitHub account `id` (its numeric id, as text) with `login` is named.
    pub fn include(&self, id: &str, login: &str) -> bool {
        let id: Option<u64> = id.parse().ok();
        self.0.iter().any(|entry| match entry {
            Operator::Id(n) => id == Some(*n),
            Operator::Login(l) => l.eq_ignore_ascii_case(login),
        })
    }
}

impl Settings {
    /// The role of the user `subject` (`login` as display name) who signed in with `idp`, as
    /// the configuration says now; `None` when they may not sign in (any more).
    pub fn role_of(&self, idp: &str, subject: &str, login: &str) -> Option<Role> {
        match idp {
            IDP_PASSWORD => Some(Role::Operator),
            IDP_GITHUB if self.operators.include(subject, login) => Some(Role::Operator),
            IDP_GITHUB => self
                .github
                .as_ref()
                .filter(|g| g.allows(login))
                .map(|_| Role::Member),
            _ => None,
        }
    }

    /// Whether GitHub sign-in is configured but names nobody who may sign in (neither
    /// `ALLOWED_USERNAMES` nor `OPERATORS`): then it lets nobody in.
    pub fn github_admits_nobody(&self) -> bool {
        self.github
            .as_ref()
            .is_some_and(|g| g.allowed.is_nobody() && self.operators.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_vars(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    fn github(pairs: &[(&str, &str)]) -> Settings {
        let mut all = vec![
            ("GITHUB_CLIENT_ID", "Iv1.abc"),
            ("GITHUB_CLIENT_SECRET", "s3cret"),
        ];
        all.extend_from_slice(pairs);
        settings(&all).unwrap()
    }

    #[test]
    fn operators_are_logins_case_insensitively_or_ids_exactly() {
        let ops = Operators::parse(Some(" Octocat , id:2 ,")).unwrap();
        assert!(ops.include("583231", "octocat"));
        assert!(ops.include("583231", "OCTOCAT"));
        assert!(ops.include("2", "renamed-hubot"), "an id survives a rename");
        assert!(!ops.include("3", "hubot"));
        assert!(!ops.include("2x", "mallory"));
        assert!(Operators::parse(None).unwrap().is_empty());
        assert!(Operators::parse(Some("  ")).unwrap().is_empty());
        let long = "a".repeat(40);
        for bad in [
            "id:",
            "id:12a",
            "octo cat",
            "<script>",
            "id:-1",
            ",,",
            long.as_str(),
        ] {
            let e = Operators::parse(Some(bad)).unwrap_err();
            assert!(e.0.contains("OPERATORS"), "{bad}: {e}");
            assert!(!e.0.contains("script"), "no echo: {e}");
        }
    }

    #[test]
    fn the_password_owner_is_an_operator_and_github_accounts_follow_the_configuration() {
        let s = github(&[
            ("OPERATORS", "octocat,id:7"),
            ("ALLOWED_USERNAMES", "hubot"),
        ]);
        assert_eq!(
            s.role_of("password", "owner", "Owner"),
            Some(Role::Operator)
        );
        assert_eq!(s.role_of("github", "1", "Octocat"), Some(Role::Operator));
        assert_eq!(s.role_of("github", "7", "anyone"), Some(Role::Operator));
        assert_eq!(s.role_of("github", "2", "hubot"), Some(Role::Member));
        assert_eq!(s.role_of("github", "3", "mallory"), None);
        assert_eq!(s.role_of("other", "1", "octocat"), None);
        let open = github(&[("ALLOWED_USERNAMES", "*")]);
        assert_eq!(open.role_of("github", "3", "mallory"), Some(Role::Member));
        assert!(!open.github_admits_nobody());
    }

    #[test]
    fn github_sign_in_without_allowed_usernames_or_operators_admits_nobody() {
        let closed = github(&[]);
        assert!(closed.github_admits_nobody());
        assert_eq!(closed.role_of("github", "1", "octocat"), None);
        let operators_only = github(&[("OPERATORS", "octocat")]);
        assert!(!operators_only.github_admits_nobody());
        assert_eq!(
            operators_only.role_of("github", "1", "octocat"),
            Some(Role::Operator)
        );
        assert_eq!(operators_only.role_of("github", "2", "hubot"), None);
        assert!(!settings(&[("OAUTH_PASSWORD", "pw")])
            .unwrap()
            .github_admits_nobody());
    }
}
