//! Operators and members, in process: GitHub sign-in fails closed, a member never receives an
//! operator scope (narrowed, and the token response says what was granted), the role is
//! checked again on every call and every refresh against the configuration as it is now, and
//! the 401 challenge names only what a member may hold. `e2e/roles.test.mjs` repeats the proof
//! in workerd with a person signing in through Chromium.

mod support;

use serde_json::{json, Value};
use support::github::*;
use support::*;

const OPERATOR_ONLY: [&str; 2] = ["dovecote:env:read", "dovecote:notify"];

fn granted(tokens: &Value) -> Vec<String> {
    tokens["scope"]
        .as_str()
        .unwrap()
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn tool_names(s: &Session<'_>, access: &str) -> Vec<String> {
    let r = s.mcp(Some(access), "tools/list", json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

fn call(s: &Session<'_>, access: &str, tool: &str, args: Value) -> support::Reply {
    s.mcp(
        Some(access),
        "tools/call",
        json!({"name": tool, "arguments": args}),
    )
}

#[test]
fn github_sign_in_with_nobody_named_lets_nobody_in() {
    let w = github_world("");
    let s = Session::new(&w);
    let client = s.register();
    let (page, _) = s.authorize_page(&client, &[]);
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(
        page.body.contains("ALLOWED_USERNAMES") && page.body.contains("OPERATORS"),
        "the page names what to set: {}",
        page.body
    );
    // Even a sign-in started before the configuration closed cannot finish.
    let open = github_world("*");
    let s = Session::new(&open);
    github_answers(&s, "mallory", "ghu_m", &[]);
    let client = s.register();
    let (page, q) = s.authorize_page(&client, &[]);
    let csrf = hidden(&page.body, "csrf");
    let mut pairs = borrowed(&q);
    pairs.extend([("csrf", csrf.as_str()), ("decision", "approve")]);
    let r = s.form("/authorize", &pairs, &[("Cookie", &page.cookie())]);
    let state = r.location().get("state").unwrap().unwrap().to_owned();
    open.settings.replace(github_settings(&[]));
    let back = s.send(
        "GET",
        &format!("/callback?code=c&state={state}"),
        &[("Cookie", &r.cookie())],
        "",
    );
    assert_eq!(back.location().get("error").unwrap(), Some("access_denied"));
    assert!(back.location().get("code").unwrap().is_none());
}

#[test]
fn allowed_usernames_star_opens_sign_in_to_every_github_account_as_a_member() {
    let w = github_world("*");
    let s = Session::new(&w);
    let (_, tokens) = github_sign_in(&s, "mallory", 666, None);
    let scopes = granted(&tokens);
    assert!(scopes.contains(&"dovecote:read".to_owned()), "{tokens}");
    for operator_only in OPERATOR_ONLY {
        assert!(
            !scopes.contains(&operator_only.to_owned()),
            "the default grant of a member holds no operator scope: {tokens}"
        );
    }
}

#[test]
fn a_member_asking_for_operator_scopes_is_narrowed_and_refused_them() {
    let w = github_world_with(&[("ALLOWED_USERNAMES", "*"), ("OPERATORS", "octocat")]);
    let s = Session::new(&w);
    let (page, tokens) = github_sign_in(
        &s,
        "mallory",
        666,
        Some("dovecote:env:read dovecote:notify dovecote:read"),
    );
    assert!(
        page.contains("(operators only)"),
        "the consent page says which scopes only an operator receives: {page}"
    );
    assert_eq!(
        granted(&tokens),
        ["dovecote:read"],
        "RFC 6749 §3.3: {tokens}"
    );
    let access = tokens["access_token"].as_str().unwrap();
    let tools = tool_names(&s, access);
    for hidden_tool in ["get_env", "send_notification", "list_channels"] {
        assert!(!tools.contains(&hidden_tool.to_owned()), "{tools:?}");
    }
    for (tool, args) in [
        ("get_env", json!({"name": "staging"})),
        ("send_notification", json!({"message": "hi"})),
    ] {
        let r = call(&s, access, tool, args);
        assert_eq!(r.status, 403, "{tool}: {}", r.body);
        assert!(r
            .header("WWW-Authenticate")
            .unwrap()
            .contains("insufficient_scope"));
    }
    // Asking only for what a member may not hold gives a token that holds nothing.
    let (_, tokens) = github_sign_in(&s, "mallory", 666, Some("dovecote:notify"));
    assert_eq!(tokens["scope"], "", "{tokens}");
}

#[test]
fn without_operators_named_the_consent_page_does_not_offer_operator_scopes() {
    let w = github_world("*");
    let s = Session::new(&w);
    let client = s.register();
    let (page, _) = s.authorize_page(&client, &[("scope", "dovecote:read dovecote:notify")]);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<code>dovecote:read</code>"));
    assert!(
        !page.body.contains("<code>dovecote:notify</code>"),
        "{}",
        page.body
    );
}

#[test]
fn operators_named_by_login_or_id_get_and_use_operator_scopes() {
    for operators in ["OctoCat", "id:583231"] {
        let w = github_world_with(&[("OPERATORS", operators)]);
        let s = Session::new(&w);
        let (_, tokens) = github_sign_in(
            &s,
            "octocat",
            583231,
            Some("dovecote:env:read dovecote:notify"),
        );
        assert_eq!(
            granted(&tokens),
            ["dovecote:env:read", "dovecote:notify"],
            "{operators}"
        );
        let access = tokens["access_token"].as_str().unwrap();
        let tools = tool_names(&s, access);
        assert!(tools.contains(&"get_env".to_owned()), "{tools:?}");
        let listed = call(&s, access, "list_channels", json!({}));
        assert_eq!(listed.status, 200, "{}", listed.body);
        assert_ne!(listed.json()["result"]["isError"], true, "{}", listed.body);
        // Only operators: a member of the same deployment is refused.
        let (_, member) = github_sign_in(&s, "hubot", 2, Some("dovecote:notify"));
        assert_eq!(member["error"], "access_denied", "{member}");
    }
}

#[test]
fn the_role_is_checked_again_on_every_call_and_every_refresh() {
    let w = github_world_with(&[("ALLOWED_USERNAMES", "*"), ("OPERATORS", "octocat")]);
    let s = Session::new(&w);
    let (_, operator) =
        github_sign_in(&s, "octocat", 583231, Some("dovecote:read dovecote:notify"));
    let (_, member) = github_sign_in(&s, "hubot", 2, Some("dovecote:read"));
    let access = operator["access_token"].as_str().unwrap();
    assert_eq!(call(&s, access, "list_channels", json!({})).status, 200);

    // The operator is removed from OPERATORS; everyone may still sign in as a member.
    w.settings
        .replace(github_settings(&[("ALLOWED_USERNAMES", "*")]));
    assert!(!tool_names(&s, access).contains(&"list_channels".to_owned()));
    let refused = call(&s, access, "list_channels", json!({}));
    assert_eq!(refused.status, 403, "{}", refused.body);
    let client = operator["client_id"].as_str().unwrap();
    let r = s.refresh(client, operator["refresh_token"].as_str().unwrap());
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (400, json!("invalid_grant")),
        "a grant holding operator scopes ends with the role: {}",
        r.body
    );
    let m = s.refresh(
        member["client_id"].as_str().unwrap(),
        member["refresh_token"].as_str().unwrap(),
    );
    assert_eq!(m.status, 200, "a member's grant is unaffected: {}", m.body);
}

#[test]
fn someone_removed_from_allowed_usernames_is_refused_at_the_next_call_and_refresh() {
    let w = github_world("octocat,hubot");
    let s = Session::new(&w);
    let (_, tokens) = github_sign_in(&s, "hubot", 2, Some("dovecote:read"));
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(s.mcp(Some(access), "tools/list", json!({})).status, 200);
    w.settings
        .replace(github_settings(&[("ALLOWED_USERNAMES", "octocat")]));
    assert_eq!(s.mcp(Some(access), "tools/list", json!({})).status, 401);
    let r = s.refresh(
        tokens["client_id"].as_str().unwrap(),
        tokens["refresh_token"].as_str().unwrap(),
    );
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (400, json!("invalid_grant")),
        "{}",
        r.body
    );
    assert!(r.body.contains("hubot"), "{}", r.body);
}

#[test]
fn the_password_owner_is_an_operator() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let r = s.sign_in(&client, &[("scope", "")], PASSWORD, "approve");
    let code = r.location().get("code").unwrap().unwrap().to_owned();
    let tokens = s.exchange(&client, &code, VERIFIER).json();
    let scopes = granted(&tokens);
    assert!(scopes.contains(&"dovecote:notify".to_owned()), "{tokens}");
    assert!(
        !scopes.contains(&"dovecote:env:read".to_owned()),
        "still asked for by name: {tokens}"
    );
    let listed = call(
        &s,
        tokens["access_token"].as_str().unwrap(),
        "list_channels",
        json!({}),
    );
    assert_eq!(listed.status, 200, "{}", listed.body);
}

#[test]
fn the_challenge_names_only_what_a_member_may_hold() {
    for w in [world(), github_world("*")] {
        let s = Session::new(&w);
        let r = s.mcp(None, "tools/list", json!({}));
        assert_eq!(r.status, 401);
        let challenge = r.header("WWW-Authenticate").unwrap().to_owned();
        assert!(challenge.contains("dovecote:read"), "{challenge}");
        for operator_only in OPERATOR_ONLY {
            assert!(!challenge.contains(operator_only), "{challenge}");
        }
    }
}
