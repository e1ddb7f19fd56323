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
        .map(|(i, a)| {
            json!({"id": i + 1, "account": {"login": a, "id": 1000 + i, "type": "Organization"}})
        })
        .collect();
    s.fetch.answer_json(
        &format!("{API}/user/installations?per_page=100"),
        200,
        &json!({"total_count": installations.len(), "installations": installations}),
    );
    // Each installation: one repository the user reaches, and an admin's membership.
    for (i, a) in accounts.iter().enumerate() {
        s.fetch.answer_json(
            &format!(
                "{API}/user/installations/{}/repositories?per_page=100",
                i + 1
            ),
            200,
            &json!({"total_count": 1, "repositories": [{"full_name": format!("{a}/repo")}]}),
        );
        s.fetch.answer_json(
            &format!("{API}/user/memberships/orgs/{a}"),
            200,
            &json!({"state": "active", "role": "admin", "organization": {"login": a}}),
        );
    }
}

/// Signs `login` (GitHub id `id`) in through GitHub asking for `scope` (`None`: no `scope`
/// parameter); returns the consent page's body and the token response.
pub fn github_sign_in(
    s: &Session<'_>,
    login: &str,
    id: u64,
    scope: Option<&str>,
) -> (String, Value) {
    github_user_answers(s, login, id, &format!("ghu_{login}"), &[]);
    let client = s.register();
    let extra = [("scope", scope.unwrap_or(""))];
    let (page, q) = s.authorize_page(&client, &extra);
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = hidden(&page.body, "csrf");
    let mut pairs = borrowed(&q);
    pairs.extend([("csrf", csrf.as_str()), ("decision", "approve")]);
    let r = s.form("/authorize", &pairs, &[("Cookie", &page.cookie())]);
    assert_eq!(r.status, 302, "{}", r.body);
    let state = r.location().get("state").unwrap().unwrap().to_owned();
    let back = s.send(
        "GET",
        &format!("/callback?code=c&state={state}"),
        &[("Cookie", &r.cookie())],
        "",
    );
    assert_eq!(back.status, 302, "{}", back.body);
    let back = back.location();
    let Some(code) = back.get("code").unwrap() else {
        let error = back.get("error").unwrap().unwrap_or_default().to_owned();
        let why = back.get("error_description").unwrap().unwrap_or_default();
        return (page.body, json!({"error": error, "error_description": why}));
    };
    let t = s.exchange(&client, code, VERIFIER);
    assert_eq!(t.status, 200, "{}", t.body);
    let mut tokens = t.json();
    tokens["client_id"] = json!(client);
    (page.body, tokens)
}
