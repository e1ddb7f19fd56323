//! GitHub as the upstream identity provider: who signs in is whoever GitHub says, limited to
//! `ALLOWED_USERNAMES` and `OPERATORS` (neither set: nobody). With a GitHub App's client credentials the user token can
//! list the user's installations (which decide the webhook tenants they see); it expires, so
//! its refresh token is kept, sealed in the grant, and used when our own tokens are refreshed.
//! An OAuth App's credentials work for sign-in alone.

pub mod api;
pub mod reach;
mod settings;

pub use api::{GitHubApi, GitHubError, Installation, Repository, UpstreamTokens, User};
pub use settings::{AllowList, GitHubSettings, DEFAULT_API_URL, DEFAULT_OAUTH_URL};
