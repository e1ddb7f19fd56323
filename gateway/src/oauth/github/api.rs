//! The few GitHub calls Dovecote makes: exchanging a sign-in code and refreshing a user token
//! (`/login/oauth/access_token`), and reading the user, their App installations and their
//! repositories from the REST API. Answers are parsed into types; GitHub's own error text is
//! kept (trimmed) for the user, never a token.

use serde::{Deserialize, Serialize};

use crate::platform::{Fetch, Fetched, Outbound};

/// Largest answer read from GitHub.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// How long a GitHub call may take.
const TIMEOUT_MS: u64 = 10_000;
/// Most characters of GitHub's own error text passed on.
const MAX_MESSAGE_CHARS: usize = 200;
/// Installations read at sign-in (one page, GitHub's maximum).
const INSTALLATIONS_PER_PAGE: usize = 100;
/// Repositories per page of an installation's list (GitHub's maximum).
const REPOSITORIES_PER_PAGE: usize = 100;
/// Most pages of an installation's repositories read (10,000 repositories); the rest are not
/// visible to the user until the lists shrink.
const MAX_REPOSITORY_PAGES: usize = 100;
/// GitHub asks API clients to name themselves.
const USER_AGENT: &str = concat!("dovecote/", env!("CARGO_PKG_VERSION"));

/// Why a GitHub call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitHubError {
    /// GitHub refused: bad or revoked credentials, a used code, no permission.
    Refused(String),
    /// GitHub could not be reached or answered 5xx; try again later.
    Unavailable(String),
}

impl std::fmt::Display for GitHubError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(m) => write!(f, "GitHub refused: {m}"),
            Self::Unavailable(m) => write!(f, "GitHub is unavailable: {m}"),
        }
    }
}

/// The user's GitHub tokens. Kept sealed in the grant; never sent to a client.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamTokens {
    /// The user access token.
    pub access_token: String,
    /// When it expires (ms since the epoch); `None` for tokens that do not expire.
    #[serde(default)]
    pub expires_ms: Option<u64>,
    /// The refresh token (GitHub App user tokens with expiry on).
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// When the refresh token expires.
    #[serde(default)]
    pub refresh_expires_ms: Option<u64>,
}

impl std::fmt::Debug for UpstreamTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamTokens")
            .field("expires_ms", &self.expires_ms)
            .field("refresh_expires_ms", &self.refresh_expires_ms)
            .finish_non_exhaustive()
    }
}

/// The signed-in GitHub user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    /// Numeric id: stable across renames.
    pub id: u64,
    /// Login.
    pub login: String,
    /// Display name, when set.
    #[serde(default)]
    pub name: Option<String>,
}

/// An installation of the GitHub App that the user can access.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Installation {
    /// Installation id.
    pub id: u64,
    /// The account it is installed on.
    pub account: Account,
}

/// A GitHub account (user or organization).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Account {
    /// Login.
    pub login: String,
    /// Numeric id: stable across renames.
    pub id: u64,
    /// `User` or `Organization`.
    #[serde(rename = "type", default)]
    pub kind: String,
}

/// A repository, as `get_github_repos` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Repository {
    /// `owner/name`.
    pub full_name: String,
    /// Whether it is private.
    #[serde(default)]
    pub private: bool,
    /// Its page on GitHub.
    pub html_url: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// Its default branch.
    #[serde(default)]
    pub default_branch: Option<String>,
    /// When it was last updated.
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<u64>,
    refresh_token: Option<String>,
    refresh_token_expires_in: Option<u64>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct Installations {
    installations: Vec<Installation>,
}

#[derive(Deserialize)]
struct InstallationRepositories {
    repositories: Vec<FullName>,
}

#[derive(Deserialize)]
struct FullName {
    full_name: String,
}

#[derive(Deserialize)]
struct Membership {
    state: String,
    role: String,
}

/// The `rel="next"` URL of a `Link` header, as GitHub paginates.
fn next_page(link: Option<&str>) -> Option<String> {
    link?.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
    })
}

fn trimmed(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_MESSAGE_CHARS)
        .collect();
    clean.trim().to_owned()
}

/// GitHub's `message` field of an error body, or the status.
fn message_of(answer: &Fetched) -> String {
    #[derive(Deserialize)]
    struct Message {
        message: String,
    }
    serde_json::from_slice::<Message>(&answer.body)
        .map(|m| trimmed(&m.message))
        .unwrap_or_else(|_| format!("HTTP {}", answer.status))
}

/// A REST answer as `T`, or the error its status means.
fn parse<T: for<'de> Deserialize<'de>>(path: &str, answer: &Fetched) -> Result<T, GitHubError> {
    match answer.status {
        200 => serde_json::from_slice(&answer.body)
            .map_err(|e| GitHubError::Unavailable(format!("{path} answered unexpected JSON: {e}"))),
        429 | 500.. => Err(GitHubError::Unavailable(message_of(answer))),
        _ => Err(GitHubError::Refused(message_of(answer))),
    }
}

/// GitHub's endpoints, at configurable origins.
pub struct GitHubApi<'a> {
    /// Outbound HTTP.
    pub fetch: &'a dyn Fetch,
    /// Origin of the sign-in pages and token endpoint.
    pub oauth_url: &'a str,
    /// Origin of the REST API.
    pub api_url: &'a str,
}

impl GitHubApi<'_> {
    /// The URL that sends the user to GitHub's sign-in.
    pub fn authorize_url(
        &self,
        client_id: &str,
        redirect_uri: &str,
        state: &str,
        code_challenge: &str,
    ) -> String {
        use crate::web::form::encode;
        format!(
            "{}/login/oauth/authorize?client_id={}&redirect_uri={}&state={}&code_challenge={}&code_challenge_method=S256&allow_signup=false",
            self.oauth_url,
            encode(client_id),
            encode(redirect_uri),
            encode(state),
            encode(code_challenge),
        )
    }

    async fn token(
        &self,
        form: &[(&str, &str)],
        now_ms: u64,
    ) -> Result<UpstreamTokens, GitHubError> {
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::web::form::encode(v)))
            .collect();
        let request = Outbound::post(
            &format!("{}/login/oauth/access_token", self.oauth_url),
            "application/x-www-form-urlencoded",
            body.join("&").into_bytes(),
            MAX_ANSWER_BYTES,
            TIMEOUT_MS,
        )
        .header("user-agent", USER_AGENT);
        let answer = self
            .fetch
            .send(&request)
            .await
            .map_err(|e| GitHubError::Unavailable(e.0))?;
        if answer.status >= 500 || answer.status == 429 {
            return Err(GitHubError::Unavailable(format!("HTTP {}", answer.status)));
        }
        let parsed: TokenAnswer = serde_json::from_slice(&answer.body).map_err(|_| {
            GitHubError::Unavailable(format!(
                "the token endpoint answered HTTP {} without JSON",
                answer.status
            ))
        })?;
        // GitHub reports errors here with status 200 and an `error` field.
        if let Some(error) = parsed.error {
            let description = parsed.error_description.unwrap_or_default();
            return Err(GitHubError::Refused(trimmed(&format!(
                "{error}: {description}"
            ))));
        }
        let access_token = parsed
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| GitHubError::Refused("no access_token in the answer".into()))?;
        Ok(UpstreamTokens {
            access_token,
            expires_ms: parsed.expires_in.map(|s| now_ms + s * 1000),
            refresh_token: parsed.refresh_token.filter(|t| !t.is_empty()),
            refresh_expires_ms: parsed.refresh_token_expires_in.map(|s| now_ms + s * 1000),
        })
    }

    /// Exchanges the code GitHub sent to `/callback`.
    pub async fn exchange_code(
        &self,
        client_id: &str,
        client_secret: &str,
        code: &str,
        redirect_uri: &str,
        code_verifier: &str,
        now_ms: u64,
    ) -> Result<UpstreamTokens, GitHubError> {
        self.token(
            &[
                ("client_id", client_id),
                ("client_secret", client_secret),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("code_verifier", code_verifier),
            ],
            now_ms,
        )
        .await
    }

    /// Trades a refresh token for new tokens (GitHub rotates the refresh token too).
    pub async fn refresh(
        &self,
        client_id: &str,
        client_secret: &str,
        refresh_token: &str,
        now_ms: u64,
    ) -> Result<UpstreamTokens, GitHubError> {
        self.token(
            &[
                ("client_id", client_id),
                ("client_secret", client_secret),
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
            now_ms,
        )
        .await
    }

    async fn api_get(&self, path: &str, token: &str) -> Result<Fetched, GitHubError> {
        let url = format!("{}{path}", self.api_url);
        let request = Outbound::get(&url, MAX_ANSWER_BYTES, TIMEOUT_MS)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .header("user-agent", USER_AGENT)
            .header("authorization", &format!("Bearer {token}"));
        self.fetch
            .send(&request)
            .await
            .map_err(|e| GitHubError::Unavailable(e.0))
    }

    async fn get_json<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        token: &str,
    ) -> Result<T, GitHubError> {
        parse(path, &self.api_get(path, token).await?)
    }

    /// The user the token belongs to.
    pub async fn user(&self, token: &str) -> Result<User, GitHubError> {
        self.get_json("/user", token).await
    }

    /// The accounts where the GitHub App is installed and the user has access. An OAuth App's
    /// token cannot list installations (GitHub answers 403): then there are none.
    pub async fn installations(&self, token: &str) -> Result<Vec<Installation>, GitHubError> {
        let path = format!("/user/installations?per_page={INSTALLATIONS_PER_PAGE}");
        let answer = self.api_get(&path, token).await?;
        if answer.status == 403 {
            return Ok(Vec::new());
        }
        parse::<Installations>(&path, &answer).map(|list| list.installations)
    }

    /// `owner/name` of every repository of `installation` the user's token can access,
    /// following GitHub's `Link: rel="next"` pages (only on the API's own origin).
    pub async fn installation_repositories(
        &self,
        token: &str,
        installation: u64,
    ) -> Result<Vec<String>, GitHubError> {
        let mut path = format!(
            "/user/installations/{installation}/repositories?per_page={REPOSITORIES_PER_PAGE}"
        );
        let mut names = Vec::new();
        for _ in 0..MAX_REPOSITORY_PAGES {
            let answer = self.api_get(&path, token).await?;
            let page: InstallationRepositories = parse(&path, &answer)?;
            names.extend(page.repositories.into_iter().map(|r| r.full_name));
            match next_page(answer.header("link")).and_then(|u| {
                u.strip_prefix(self.api_url)
                    .filter(|p| p.starts_with('/'))
                    .map(str::to_owned)
            }) {
                Some(next) => path = next,
                None => break,
            }
        }
        Ok(names)
    }

    /// Whether the user is an active admin of organization `org` (GitHub answers 404 or 403
    /// when they are not a member, or the App lacks "Members: read").
    pub async fn administers(&self, token: &str, org: &str) -> Result<bool, GitHubError> {
        let path = format!("/user/memberships/orgs/{}", crate::web::form::encode(org));
        let answer = self.api_get(&path, token).await?;
        if matches!(answer.status, 403 | 404) {
            return Ok(false);
        }
        let m: Membership = parse(&path, &answer)?;
        Ok(m.state == "active" && m.role == "admin")
    }

    /// The user's repositories, most recently updated first.
    pub async fn repositories(
        &self,
        token: &str,
        limit: usize,
    ) -> Result<Vec<Repository>, GitHubError> {
        self.get_json(&format!("/user/repos?per_page={limit}&sort=updated"), token)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::next_page;

    #[test]
    fn the_next_page_is_read_from_githubs_link_header() {
        let link = r#"<https://api.github.com/user/installations/1/repositories?page=2>; rel="next", <https://api.github.com/user/installations/1/repositories?page=5>; rel="last""#;
        assert_eq!(
            next_page(Some(link)).as_deref(),
            Some("https://api.github.com/user/installations/1/repositories?page=2")
        );
        let last = r#"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=1>; rel="first""#;
        assert_eq!(next_page(None), None);
        assert_eq!(next_page(Some(last)), None);
    }
}
