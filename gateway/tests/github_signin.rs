//! Sign-in with GitHub, in process: the consent page hands over to GitHub with PKCE, the
//! callback is bound to the browser and used once, the user is checked against
//! `ALLOWED_USERNAMES`, their installations become their webhook tenants, their GitHub token
//! stays sealed in the gateway and is renewed when the client refreshes. GitHub is a table of
//! canned answers here; `e2e/github.test.mjs` runs the same flow against a local stand-in.

mod support;

use dovecote_gateway::oauth::s256;
use dovecote_gateway::oauth::CodeVerifier;
use dovecote_gateway::platform::HttpMethod;
use dovecote_gateway::web::form::Form;
use serde_json::{json, Value};
use support::github::*;
use support::*;

const HOUR: u64 = 3_600_000;

/// Where the consent page sent the browser: GitHub's sign-in, with our `state`, and the
/// cookie that binds the callback to this browser.
struct AtGitHub {
    query: Form,
    state: String,
    cookie: String,
}

/// Approves the consent page.
fn to_github(s: &Session<'_>, client: &str) -> AtGitHub {
    let scope = [("scope", "dovecote:read github:read")];
    let (page, q) = s.authorize_page(client, &scope);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("sign in with GitHub") && !page.body.contains("type=\"password\""));
    let csrf_cookie = page.cookie();
    let csrf = hidden(&page.body, "csrf");
    let mut pairs = borrowed(&q);
    pairs.extend([("csrf", csrf.as_str()), ("decision", "approve")]);
    let r = s.form("/authorize", &pairs, &[("Cookie", &csrf_cookie)]);
    assert_eq!(r.status, 302, "{}", r.body);
    let location = r.header("Location").unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{GH}/login/oauth/authorize?")),
        "{location}"
    );
    let cookie = r.header("Set-Cookie").unwrap();
    assert!(
        cookie.starts_with("__Host-dovecote-github=")
            && cookie.contains("HttpOnly")
            && cookie.contains("Secure")
    );
    let query = r.location();
    let state = query.get("state").unwrap().unwrap().to_owned();
    AtGitHub {
        query,
        state,
        cookie: r.cookie(),
    }
}

fn callback(s: &Session<'_>, query: &str, cookie: &str) -> Reply {
    s.send(
        "GET",
        &format!("/callback?{query}"),
        &[("Cookie", cookie)],
        "",
    )
}

/// The whole sign-in; returns our access and refresh tokens.
fn sign_in(s: &Session<'_>, client: &str) -> (String, String) {
    let AtGitHub { state, cookie, .. } = to_github(s, client);
    let r = callback(s, &format!("code=gh-code&state={state}"), &cookie);
    assert_eq!(r.status, 302, "{}", r.body);
    let back = r.location();
    assert_eq!(back.get("state").unwrap(), Some("st4te"));
    assert_eq!(back.get("iss").unwrap(), Some(ORIGIN));
    let code = back.get("code").unwrap().unwrap().to_owned();
    let t = s.exchange(client, &code, VERIFIER);
    assert_eq!(t.status, 200, "{}", t.body);
    assert!(
        !t.body.contains("ghu_") && !t.body.contains("ghr_"),
        "GitHub tokens leaked: {}",
        t.body
    );
    let j = t.json();
    (
        j["access_token"].as_str().unwrap().into(),
        j["refresh_token"].as_str().unwrap().into(),
    )
}

fn call(s: &Session<'_>, token: &str, tool: &str, args: Value) -> Value {
    let r = s.mcp(
        Some(token),
        "tools/call",
        json!({"name": tool, "arguments": args}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["result"].clone()
}

#[test]
fn github_sign_in_uses_pkce_reads_installations_and_keeps_the_token_inside() {
    let w = github_world("*");
    let s = Session::new(&w);
    github_answers(&s, "octocat", "ghu_first", &["octo-org", "octocat"]);
    let client = s.register();
    let github = to_github(&s, &client).query;
    assert_eq!(github.get("client_id").unwrap(), Some("Iv1.dovecote"));
    assert_eq!(
        github.get("redirect_uri").unwrap(),
        Some("http://127.0.0.1:8787/callback")
    );
    assert_eq!(github.get("code_challenge_method").unwrap(), Some("S256"));
    assert!(github.get("code_challenge").unwrap().is_some());

    let (access, _) = sign_in(&s, &client);
    let exchanges: Vec<_> = s
        .fetch
        .sent()
        .into_iter()
        .filter(|r| r.url.ends_with("/access_token"))
        .collect();
    let body = String::from_utf8(exchanges[0].body.clone().unwrap()).unwrap();
    let form = Form::parse(&body).unwrap();
    assert_eq!(exchanges[0].method, HttpMethod::Post);
    assert_eq!(
        form.get("client_secret").unwrap(),
        Some("github-client-secret")
    );
    assert_eq!(form.get("code").unwrap(), Some("gh-code"));

    let me = call(&s, &access, "get_user_info", json!({}))["structuredContent"].clone();
    assert_eq!(me["id"], "github:583231");
    assert_eq!(me["name"], "octocat");
    assert_eq!(me["identity_provider"], "github");
    assert_eq!(me["github_accounts"], json!(["octo-org", "octocat"]));
    assert!(!me.to_string().contains("ghu_"));

    s.fetch.answer_json(
        &format!("{API}/user/repos?per_page=2&sort=updated"),
        200,
        &json!([{"full_name": "octocat/hello-world", "private": false, "html_url": "https://github.com/octocat/hello-world", "description": "My first repository", "default_branch": "main", "updated_at": "2026-11-01T00:00:00Z", "id": 1296269}]),
    );
    let repos = call(&s, &access, "get_github_repos", json!({"limit": 2}));
    assert_eq!(repos["isError"], json!(null), "{repos}");
    assert_eq!(
        repos["structuredContent"]["repositories"][0]["full_name"],
        "octocat/hello-world"
    );
    let asked = s.fetch.sent().into_iter().last().unwrap();
    assert!(asked
        .headers
        .contains(&("authorization".into(), "Bearer ghu_first".into())));
    let too_many = call(&s, &access, "get_github_repos", json!({"limit": 101}));
    assert_eq!(too_many["isError"], true, "{too_many}");
}

#[test]
fn the_challenge_github_receives_matches_the_verifier_it_is_later_shown() {
    let w = github_world("*");
    let s = Session::new(&w);
    github_answers(&s, "octocat", "ghu_x", &[]);
    let client = s.register();
    let AtGitHub {
        query,
        state,
        cookie,
    } = to_github(&s, &client);
    let challenge = query.get("code_challenge").unwrap().unwrap().to_owned();
    let r = callback(&s, &format!("code=c&state={state}"), &cookie);
    assert_eq!(r.status, 302, "{}", r.body);
    let exchange = s
        .fetch
        .sent()
        .into_iter()
        .find(|r| r.url.ends_with("/access_token"))
        .unwrap();
    let body = String::from_utf8(exchange.body.unwrap()).unwrap();
    let verifier = Form::parse(&body)
        .unwrap()
        .get("code_verifier")
        .unwrap()
        .unwrap()
        .to_owned();
    assert_eq!(
        s256(&CodeVerifier::parse(&verifier).unwrap()).as_str(),
        challenge
    );
}

#[test]
fn a_callback_needs_the_browser_that_started_it_and_works_once() {
    let w = github_world("*");
    let s = Session::new(&w);
    github_answers(&s, "octocat", "ghu_x", &[]);
    let client = s.register();
    let AtGitHub { state, cookie, .. } = to_github(&s, &client);
    let query = format!("code=c&state={state}");
    // Another browser (an attacker's link) has no cookie, or another sign-in's.
    assert_eq!(
        s.send("GET", &format!("/callback?{query}"), &[], "").status,
        400
    );
    assert_eq!(
        callback(&s, &query, "__Host-dovecote-github=someone-elses").status,
        400
    );
    assert_eq!(callback(&s, "code=c", &cookie).status, 400);
    assert_eq!(callback(&s, &query, &cookie).status, 302);
    let replay = callback(&s, &query, &cookie);
    assert_eq!(replay.status, 400);
    assert!(replay.body.contains("already used"), "{}", replay.body);
    assert!(
        replay.header("Location").is_none(),
        "a failed callback must not redirect"
    );
}

#[test]
fn users_outside_allowed_usernames_and_cancelled_sign_ins_are_refused() {
    let w = github_world("octocat,hubot");
    let s = Session::new(&w);
    github_answers(&s, "mallory", "ghu_m", &[]);
    let client = s.register();
    let AtGitHub { state, cookie, .. } = to_github(&s, &client);
    let r = callback(&s, &format!("code=c&state={state}"), &cookie);
    let back = r.location();
    assert_eq!(back.get("error").unwrap(), Some("access_denied"));
    assert!(back
        .get("error_description")
        .unwrap()
        .unwrap()
        .contains("mallory"));
    assert!(back.get("code").unwrap().is_none());

    let AtGitHub { state, cookie, .. } = to_github(&s, &client);
    let r = callback(&s, &format!("error=access_denied&state={state}"), &cookie);
    assert_eq!(r.location().get("error").unwrap(), Some("access_denied"));
    assert_eq!(r.location().get("state").unwrap(), Some("st4te"));
}

#[test]
fn github_refusing_or_unreachable_at_the_exchange_is_told_to_the_client() {
    let w = github_world("*");
    let s = Session::new(&w);
    let client = s.register();
    s.fetch.answer_json(
        &format!("{GH}/login/oauth/access_token"),
        200,
        &json!({"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired."}),
    );
    let AtGitHub { state, cookie, .. } = to_github(&s, &client);
    let back = callback(&s, &format!("code=c&state={state}"), &cookie).location();
    assert_eq!(back.get("error").unwrap(), Some("access_denied"));
    assert!(back
        .get("error_description")
        .unwrap()
        .unwrap()
        .contains("bad_verification_code"));

    let unreachable = Session::new(&w);
    let client = unreachable.register();
    let AtGitHub { state, cookie, .. } = to_github(&unreachable, &client);
    let back = callback(&unreachable, &format!("code=c&state={state}"), &cookie).location();
    assert_eq!(back.get("error").unwrap(), Some("temporarily_unavailable"));
}

#[test]
fn refreshing_renews_the_github_token_and_rereads_installations() {
    let w = github_world("*");
    let s = Session::new(&w);
    github_answers(&s, "octocat", "ghu_first", &["octo-org"]);
    let client = s.register();
    let (_, refresh) = sign_in(&s, &client);
    // Seven and a half hours later GitHub's token has 30 minutes left: less than our hour.
    w.clock.advance_ms(7 * HOUR + HOUR / 2);
    github_answers(&s, "octocat", "ghu_second", &["octo-org", "new-org"]);
    let r = s.refresh(&client, &refresh);
    assert_eq!(r.status, 200, "{}", r.body);
    let renewal = s
        .fetch
        .sent()
        .into_iter()
        .rev()
        .find(|r| r.url.ends_with("/access_token"))
        .unwrap();
    let body = String::from_utf8(renewal.body.unwrap()).unwrap();
    let form = Form::parse(&body).unwrap();
    assert_eq!(form.get("grant_type").unwrap(), Some("refresh_token"));
    assert_eq!(form.get("refresh_token").unwrap(), Some("ghr_ghu_first"));
    let access = r.json()["access_token"].as_str().unwrap().to_owned();
    let me = call(&s, &access, "get_user_info", json!({}))["structuredContent"].clone();
    assert_eq!(me["github_accounts"], json!(["octo-org", "new-org"]));

    // GitHub revoked the app: the next renewal fails and the grant ends.
    let refresh = r.json()["refresh_token"].as_str().unwrap().to_owned();
    w.clock.advance_ms(8 * HOUR);
    s.fetch.answer_json(
        &format!("{GH}/login/oauth/access_token"),
        200,
        &json!({"error": "bad_refresh_token", "error_description": "The refresh token passed is incorrect or expired."}),
    );
    let r = s.refresh(&client, &refresh);
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (400, json!("invalid_grant")),
        "{}",
        r.body
    );
    assert!(r.json()["error_description"]
        .as_str()
        .unwrap()
        .contains("sign in again"));
    let again = s.refresh(&client, &refresh);
    assert_eq!(
        again.json()["error"],
        "invalid_grant",
        "the grant was revoked"
    );
}

#[test]
fn a_refresh_while_github_is_down_can_be_retried_with_the_same_token() {
    let w = github_world("*");
    let s = Session::new(&w);
    github_answers(&s, "octocat", "ghu_first", &[]);
    let client = s.register();
    let (_, refresh) = sign_in(&s, &client);
    w.clock.advance_ms(8 * HOUR);
    s.fetch.answer_json(
        &format!("{GH}/login/oauth/access_token"),
        502,
        &json!({"message": "Bad Gateway"}),
    );
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("client_id", client.as_str()),
    ];
    let r = s.form("/token", &form, &[]);
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (503, json!("temporarily_unavailable"))
    );
    github_answers(&s, "octocat", "ghu_back", &[]);
    let r = s.form("/token", &form, &[]);
    assert_eq!(r.status, 200, "the retry must succeed: {}", r.body);
}

#[test]
fn password_sessions_get_a_clear_error_from_github_tools() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let code = {
        let r = s.sign_in(&client, &[("scope", "github:read")], PASSWORD, "approve");
        r.location().get("code").unwrap().unwrap().to_owned()
    };
    let t = s.exchange(&client, &code, VERIFIER).json();
    let r = call(
        &s,
        t["access_token"].as_str().unwrap(),
        "get_github_repos",
        json!({}),
    );
    assert_eq!(r["isError"], true);
    assert!(
        r["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("needs GitHub sign-in"),
        "{r}"
    );
}
