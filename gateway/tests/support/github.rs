//! GitHub sign-in in the in-process world: GitHub's origins, a world that signs in with it, and
//! GitHub's canned answers for one user.

use super::*;
use serde_json::{json, Value};

pub const GH: &str = "https://gh.test";
pub const API: &str = "https://api.gh.test";

/// A world that signs in with GitHub, letting in `allowed` (`ALLOWED_USERNAMES`; empty: unset).
pub fn github_world(allowed: &str) -> World {
    github_world_with(&[("ALLOWED_USERNAMES", allowed)])
}

/// A world that signs in with GitHub, with `extra` variables.
pub fn github_world_with(extra: &[(&str, &str)]) -> World {
    world_with(&github_vars(extra))
}

/// The settings of a GitHub world with `extra` variables (to change the configuration of a
/// running world: `w.settings.replace(github_settings(&[…]))`).
pub fn github_settings(extra: &[(&str, &str)]) -> dovecote_gateway::oauth::Settings {
    settings_with(&github_vars(extra))
}

fn github_vars<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut vars = vec![
        ("GITHUB_CLIENT_ID", "Iv1.dovecote"),
        ("GITHUB_CLIENT_SECRET", "github-client-secret"),
        ("GITHUB_OAUTH_URL", GH),
        ("GITHUB_API_URL", API),
    ];
    vars.extend_from_slice(extra);
    vars
}

/// GitHub as it answers a GitHub App with expiring user tokens, for octocat's id.
pub fn github_answers(s: &Session<'_>, login: &str, token: &str, accounts: &[&str]) {
    github_user_answers(s, login, 583231, token, accounts);
}

/// GitHub's answers for the user `login` with account id `id`.
pub fn github_user_answers(s: &Session<'_>, login: &str, id: u64, token: &str, accounts: &[&str]) {
    s.fetch.answer_json(
        &format!("{GH}/login/oauth/access_token"),
        200,
        &json!({"access_token": token, "expires_in": 28800, "refresh_token": format!("ghr_{token}"),
                "refresh_token_expires_in": 15_897_600, "token_type": "bearer", "scope": ""}),
    );
    s.fetch.answer_json(
        &format!("{API}/user"),
        200,
        &json!({"login": login, "id": id, "name": "The Octocat", "type": "User"}),
    );
    let installations: Vec<Value> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| json!({"id": i + 1, "account": {"login": a, "type": "Organization"}}))
        .collect();
    s.fetch.answer_json(
        &format!("{API}/user/installations?per_page=100"),
        200,
        &json!({"total_count": installations.len(), "installations": installations}),
    );
}
