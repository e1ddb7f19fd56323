//! `get_github_repos`: the signed-in user's GitHub repositories, read with their own GitHub
//! token (GitHub sign-in only). The token never leaves the gateway.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::oauth::github::{GitHubApi, GitHubError, Repository};
use crate::tool;
use crate::toolbox::{ToolContext, ToolError};

/// Repositories returned when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 10;
/// Most repositories one call returns (GitHub's page size).
pub const MAX_LIMIT: usize = 100;

fn default_limit() -> usize {
    DEFAULT_LIMIT
}

/// Arguments of `get_github_repos`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GitHubReposArgs {
    /// How many repositories to return, most recently updated first (1–100, default 10).
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 100))]
    pub limit: usize,
}

/// The user's repositories.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GitHubRepos {
    /// The GitHub login they belong to.
    pub login: String,
    /// The repositories, most recently updated first.
    pub repositories: Vec<Repository>,
}

/// Lists the GitHub repositories of the signed-in user (most recently updated first), read
/// with their own GitHub sign-in. Needs GitHub sign-in.
#[tool(
    title = "My GitHub repositories",
    read_only,
    idempotent,
    open_world = true
)]
pub async fn get_github_repos(
    ctx: &ToolContext<'_>,
    args: GitHubReposArgs,
) -> Result<GitHubRepos, ToolError> {
    if !(1..=MAX_LIMIT).contains(&args.limit) {
        return Err(ToolError::new(format!(
            "`limit` must be between 1 and {MAX_LIMIT}; it was {}",
            args.limit
        )));
    }
    let principal = ctx.principal();
    let Some(github) = principal.github.as_ref() else {
        return Err(ToolError::new(
            "this tool reads GitHub as you, so it needs GitHub sign-in; this session signed in another way",
        ));
    };
    let api = GitHubApi {
        fetch: ctx.platform().fetch,
        oauth_url: "",
        api_url: &github.api_url,
    };
    match api.repositories(&github.token, args.limit).await {
        Ok(repositories) => Ok(GitHubRepos {
            login: principal.name.clone().unwrap_or_default(),
            repositories,
        }),
        Err(GitHubError::Refused(why)) => Err(ToolError::new(format!(
            "GitHub refused to list your repositories ({why}); sign in again if this persists"
        ))),
        Err(GitHubError::Unavailable(why)) => {
            crate::log::internal("get_github_repos: GitHub", &why);
            Err(ToolError::new(format!(
                "GitHub is unavailable ({why}); try again in a minute"
            )))
        }
    }
}
