//! `GITHUB_*` configuration.

use crate::config::ConfigError;

/// Where GitHub's sign-in pages live, unless `GITHUB_OAUTH_URL` says otherwise.
pub const DEFAULT_OAUTH_URL: &str = "https://github.com";
/// Where GitHub's REST API lives, unless `GITHUB_API_URL` says otherwise.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// Most usernames `ALLOWED_USERNAMES` may list.
const MAX_ALLOWED_USERNAMES: usize = 1000;

/// `ALLOWED_USERNAMES`: which GitHub accounts may sign in as members (operators, named in
/// `OPERATORS`, always may).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowList {
    /// Unset: no member may sign in (fail closed).
    Nobody,
    /// `*`: every GitHub account.
    Everyone,
    /// These logins, lower-cased, compared case-insensitively.
    Logins(Vec<String>),
}

impl AllowList {
    /// Whether `login` may sign in as a member.
    pub fn allows(&self, login: &str) -> bool {
        match self {
            Self::Nobody => false,
            Self::Everyone => true,
            Self::Logins(names) => names.iter().any(|n| n.eq_ignore_ascii_case(login)),
        }
    }

    /// Whether it lets nobody in.
    pub fn is_nobody(&self) -> bool {
        *self == Self::Nobody
    }
}

/// GitHub sign-in, configured by `GITHUB_CLIENT_ID` and `GITHUB_CLIENT_SECRET`.
#[derive(Clone)]
pub struct GitHubSettings {
    /// `GITHUB_CLIENT_ID`: the GitHub App's (or OAuth App's) client id.
    pub client_id: String,
    /// `GITHUB_CLIENT_SECRET`.
    pub client_secret: String,
    /// `ALLOWED_USERNAMES`: comma-separated logins allowed to sign in, or `*` for everyone;
    /// unset lets no member in.
    pub allowed: AllowList,
    /// `GITHUB_OAUTH_URL`: origin of `/login/oauth/authorize` and `/login/oauth/access_token`.
    pub oauth_url: String,
    /// `GITHUB_API_URL`: origin of the REST API.
    pub api_url: String,
}

impl std::fmt::Debug for GitHubSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubSettings")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("allowed", &self.allowed)
            .field("oauth_url", &self.oauth_url)
            .field("api_url", &self.api_url)
            .finish()
    }
}

fn base_url(name: &str, value: Option<String>, default: &str) -> Result<String, ConfigError> {
    let Some(v) = value.map(|v| v.trim().trim_end_matches('/').to_owned()) else {
        return Ok(default.to_owned());
    };
    if v.is_empty() {
        return Ok(default.to_owned());
    }
    let scheme_ok = v.starts_with("https://") || v.starts_with("http://");
    let rest = v.split_once("://").map_or("", |(_, r)| r);
    if !scheme_ok || rest.is_empty() || v.contains(['?', '#', ' ']) {
        return Err(ConfigError(format!(
            "{name} is `{v}`; it takes an http(s) origin such as {default}"
        )));
    }
    Ok(v)
}

impl GitHubSettings {
    /// Reads GitHub sign-in settings; `None` when `GITHUB_CLIENT_ID` is unset.
    pub fn from_vars(var: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let non_empty = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let Some(client_id) = non_empty("GITHUB_CLIENT_ID") else {
            return Ok(None);
        };
        let client_secret = non_empty("GITHUB_CLIENT_SECRET").ok_or_else(|| {
            ConfigError(
                "GITHUB_CLIENT_ID is set but GITHUB_CLIENT_SECRET is not; set both (wrangler secret put GITHUB_CLIENT_SECRET)".into(),
            )
        })?;
        let allowed = match non_empty("ALLOWED_USERNAMES").as_deref().map(str::trim) {
            None => AllowList::Nobody,
            Some("*") => AllowList::Everyone,
            Some(list) => {
                let names: Vec<String> = list
                    .split(',')
                    .map(|n| n.trim().to_ascii_lowercase())
                    .filter(|n| !n.is_empty())
                    .collect();
                if names.is_empty()
                    || names.len() > MAX_ALLOWED_USERNAMES
                    || !names.iter().all(|n| crate::oauth::roles::is_login(n))
                {
                    return Err(ConfigError(
                        "ALLOWED_USERNAMES takes comma-separated GitHub logins, e.g. `octocat,hubot`, or `*` for every GitHub account".into(),
                    ));
                }
                AllowList::Logins(names)
            }
        };
        Ok(Some(Self {
            client_id: client_id.trim().to_owned(),
            client_secret,
            allowed,
            oauth_url: base_url(
                "GITHUB_OAUTH_URL",
                var("GITHUB_OAUTH_URL"),
                DEFAULT_OAUTH_URL,
            )?,
            api_url: base_url("GITHUB_API_URL", var("GITHUB_API_URL"), DEFAULT_API_URL)?,
        }))
    }

    /// Whether `login` may sign in as a member (`ALLOWED_USERNAMES`).
    pub fn allows(&self, login: &str) -> bool {
        self.allowed.allows(login)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            owned
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn unset_client_id_means_no_github_sign_in() {
        assert!(GitHubSettings::from_vars(&vars(&[])).unwrap().is_none());
    }

    #[test]
    fn a_client_id_without_its_secret_is_refused_without_echoing_secrets() {
        let e = GitHubSettings::from_vars(&vars(&[("GITHUB_CLIENT_ID", "Iv1.abc")])).unwrap_err();
        assert!(e.0.contains("GITHUB_CLIENT_SECRET"), "{e}");
    }

    #[test]
    fn allowed_usernames_match_case_insensitively_and_reject_junk() {
        let s = GitHubSettings::from_vars(&vars(&[
            ("GITHUB_CLIENT_ID", "Iv1.abc"),
            ("GITHUB_CLIENT_SECRET", "s3cret"),
            ("ALLOWED_USERNAMES", " Octocat , hubot"),
        ]))
        .unwrap()
        .unwrap();
        assert!(s.allows("octocat") && s.allows("HUBOT"));
        assert!(!s.allows("mallory"));
        assert!(!format!("{s:?}").contains("s3cret"));
        let bad = GitHubSettings::from_vars(&vars(&[
            ("GITHUB_CLIENT_ID", "Iv1.abc"),
            ("GITHUB_CLIENT_SECRET", "s3cret"),
            ("ALLOWED_USERNAMES", "octo cat;<script>"),
        ]));
        assert!(bad.is_err());
    }

    #[test]
    fn unset_allowed_usernames_lets_nobody_in_and_a_star_everyone() {
        let base = [
            ("GITHUB_CLIENT_ID", "Iv1.abc"),
            ("GITHUB_CLIENT_SECRET", "s"),
        ];
        let closed = GitHubSettings::from_vars(&vars(&base)).unwrap().unwrap();
        assert_eq!(closed.allowed, AllowList::Nobody);
        assert!(!closed.allows("octocat"));
        let mut open = base.to_vec();
        open.push(("ALLOWED_USERNAMES", " * "));
        let open = GitHubSettings::from_vars(&vars(&open)).unwrap().unwrap();
        assert!(open.allows("octocat") && open.allows("anyone-at-all"));
        let mut mixed = base.to_vec();
        mixed.push(("ALLOWED_USERNAMES", "octocat,*"));
        assert!(GitHubSettings::from_vars(&vars(&mixed)).is_err());
    }

    #[test]
    fn base_urls_default_to_github_and_must_be_origins() {
        let s = GitHubSettings::from_vars(&vars(&[
            ("GITHUB_CLIENT_ID", "Iv1.abc"),
            ("GITHUB_CLIENT_SECRET", "s"),
            ("GITHUB_API_URL", "http://127.0.0.1:9999/"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(s.oauth_url, DEFAULT_OAUTH_URL);
        assert_eq!(s.api_url, "http://127.0.0.1:9999");
        assert!(GitHubSettings::from_vars(&vars(&[
            ("GITHUB_CLIENT_ID", "Iv1.abc"),
            ("GITHUB_CLIENT_SECRET", "s"),
            ("GITHUB_OAUTH_URL", "ftp://github.com"),
        ]))
        .is_err());
    }
}
