//! What of the GitHub App's installations a signed-in user reaches, read with their token at
//! sign-in and at each renewal: per installation, the repositories their token can access and
//! whether they administer the account (their own account, or an organization where their
//! membership's role is `admin` — the App needs the "Members: read" permission to ask).

use super::{GitHubApi, GitHubError, User};
use crate::toolbox::Reach;

/// Every installation the user can access, with what they reach of it.
pub async fn read(api: &GitHubApi<'_>, token: &str, user: u64) -> Result<Vec<Reach>, GitHubError> {
    let mut reaches = Vec::new();
    for installation in api.installations(token).await? {
        let account = installation.account;
        let admin = match account.kind.as_str() {
            "Organization" => api.administers(token, &account.login).await?,
            _ => account.id == user,
        };
        let repositories = api
            .installation_repositories(token, installation.id)
            .await?
            .into_iter()
            .map(|r| r.to_ascii_lowercase())
            .collect();
        reaches.push(Reach {
            installation: installation.id,
            account_id: account.id,
            login: account.login,
            admin,
            repositories,
        });
    }
    Ok(reaches)
}

/// `read`, for the user the token belongs to.
pub async fn read_for(api: &GitHubApi<'_>, token: &str) -> Result<Vec<Reach>, GitHubError> {
    let user: User = api.user(token).await?;
    read(api, token, user.id).await
}
