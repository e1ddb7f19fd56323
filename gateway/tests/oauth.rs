//! The authorization server in process: registration, sign-in and consent, tokens, refresh,
//! revocation and `/mcp` behind them — and the attacks each step must refuse — over the
//! native platform with a moving clock. `e2e/` repeats the flow in workerd with real clients.

mod support;

use base64::Engine;
use dovecote_gateway::platform::Fetched;
use serde_json::json;
use support::*;

#[test]
fn discovery_documents_name_this_server_and_its_mcp_resource() {
    let w = world();
    let s = Session::new(&w);
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let prm = s.send("GET", path, &[], "").json();
        assert_eq!(prm["resource"], "http://127.0.0.1:8787/mcp");
        assert_eq!(prm["authorization_servers"], json!([ORIGIN]));
    }
    let asm = s
        .send("GET", "/.well-known/oauth-authorization-server", &[], "")
        .json();
    assert_eq!(asm["issuer"], ORIGIN);
    assert_eq!(asm["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(asm["authorization_response_iss_parameter_supported"], true);
    assert_eq!(
        asm["registration_endpoint"],
        "http://127.0.0.1:8787/register"
    );
    assert!(!asm["scopes_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("offline_access")));
}

#[test]
fn mcp_without_a_token_is_challenged_toward_discovery() {
    let w = world();
    let s = Session::new(&w);
    let r = s.mcp(None, "tools/list", json!({}));
    assert_eq!(r.status, 401);
    let challenge = r.header("WWW-Authenticate").unwrap();
    assert!(
        challenge.contains(
            r#"resource_metadata="http://127.0.0.1:8787/.well-known/oauth-protected-resource/mcp""#
        ),
        "{challenge}"
    );
    assert!(challenge.contains("scope=\""), "{challenge}");
    let r = s.mcp(Some("dva_forged"), "tools/list", json!({}));
    assert_eq!(r.status, 401);
    assert!(r
        .header("WWW-Authenticate")
        .unwrap()
        .contains("invalid_token"));
}

#[test]
fn the_whole_flow_signs_in_calls_tools_refreshes_and_revokes() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (access, refresh) = s.tokens(&client);
    let list = s.mcp(Some(&access), "tools/list", json!({}));
    assert_eq!(list.status, 200, "{}", list.body);
    let names: Vec<String> = list.json()["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        ["get_user_info", "calculate"],
        "only the granted scope's tools"
    );
    let me = s.mcp(
        Some(&access),
        "tools/call",
        json!({"name": "get_user_info", "arguments": {}}),
    );
    let who = me.json()["result"]["structuredContent"].clone();
    assert_eq!(
        (
            who["id"].clone(),
            who["authenticated"].clone(),
            who["client_id"].clone()
        ),
        (json!("password:owner"), json!(true), json!(client))
    );
    assert_eq!(
        (who["name"].clone(), who["identity_provider"].clone()),
        (json!("Owner"), json!("password"))
    );

    let refused = s.mcp(
        Some(&access),
        "tools/call",
        json!({"name": "create_document", "arguments": {"title": "t", "content": "c"}}),
    );
    assert_eq!(refused.status, 403);
    let challenge = refused.header("WWW-Authenticate").unwrap();
    assert!(
        challenge.contains("insufficient_scope") && challenge.contains("kb:write"),
        "{challenge}"
    );

    let r = s.form(
        "/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &client),
        ],
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let new_access = r.json()["access_token"].as_str().unwrap().to_owned();
    let new_refresh = r.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, refresh, "refresh tokens rotate");
    assert_eq!(
        s.mcp(Some(&new_access), "tools/list", json!({})).status,
        200
    );

    let r = s.form(
        "/revoke",
        &[("token", &new_refresh), ("client_id", &client)],
        &[],
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        s.mcp(Some(&new_access), "tools/list", json!({})).status,
        401,
        "revocation reaches access tokens"
    );
    assert_eq!(s.mcp(Some(&access), "tools/list", json!({})).status, 401);
}

#[test]
fn a_replayed_code_fails_and_revokes_the_tokens_it_issued() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let code = s.code(&client);
    let first = s.exchange(&client, &code, VERIFIER);
    let access = first.json()["access_token"].as_str().unwrap().to_owned();
    let replay = s.exchange(&client, &code, VERIFIER);
    assert_eq!(
        (replay.status, replay.json()["error"].clone()),
        (400, json!("invalid_grant"))
    );
    assert_eq!(s.mcp(Some(&access), "tools/list", json!({})).status, 401);
}

#[test]
fn pkce_redirect_and_resource_mismatches_are_refused() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let wrong = s.exchange(&client, &s.code(&client), &"x".repeat(43));
    assert_eq!(wrong.json()["error"], "invalid_grant");
    assert!(wrong.json()["error_description"]
        .as_str()
        .unwrap()
        .contains("PKCE"));
    let r = s.form(
        "/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &s.code(&client)),
            ("code_verifier", VERIFIER),
            ("redirect_uri", "http://127.0.0.1:9999/other"),
            ("client_id", &client),
        ],
        &[],
    );
    assert_eq!(r.json()["error"], "invalid_grant");
    let r = s.form(
        "/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &s.code(&client)),
            ("code_verifier", VERIFIER),
            ("redirect_uri", REDIRECT),
            ("client_id", &client),
            ("resource", "https://evil.example/mcp"),
        ],
        &[],
    );
    assert_eq!(r.json()["error"], "invalid_target");
    let missing = s.exchange(&client, &s.code(&client), "");
    assert_eq!(missing.json()["error"], "invalid_request");
}

#[test]
fn authorization_requests_are_validated_before_and_after_the_redirect_is_trusted() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let get = |extra: &[(&str, &str)]| s.authorize_page(&client, extra).0;
    // An unregistered redirect URI or client is a page, never a redirect (no open redirect).
    for extra in [
        [("redirect_uri", "https://evil.example/cb")],
        [("client_id", "dvc_unknown")],
    ] {
        let r = get(&extra);
        assert_eq!(r.status, 400);
        assert!(r.header("Location").is_none());
        assert_eq!(r.header("X-Frame-Options"), Some("DENY"));
    }
    // A loopback redirect URI matches on any port.
    assert_eq!(
        get(&[("redirect_uri", "http://127.0.0.1:4321/callback")]).status,
        200
    );
    for (extra, error) in [
        (("code_challenge_method", "plain"), "invalid_request"),
        (("code_challenge_method", ""), "invalid_request"),
        (("code_challenge", ""), "invalid_request"),
        (("response_type", "token"), "unsupported_response_type"),
        (("scope", "admin:everything"), "invalid_scope"),
        (("resource", "https://evil.example/mcp"), "invalid_target"),
    ] {
        let r = get(&[extra]);
        assert_eq!(r.status, 302, "{extra:?}: {}", r.body);
        let l = r.location();
        assert_eq!(l.get("error").unwrap(), Some(error), "{extra:?}");
        assert_eq!(l.get("state").unwrap(), Some("st4te"));
        assert_eq!(l.get("iss").unwrap(), Some(ORIGIN));
    }
}

#[test]
fn the_consent_page_escapes_the_client_name_and_needs_its_csrf_token() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (page, q) = s.authorize_page(&client, &[]);
    assert!(page
        .body
        .contains("Test &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.body.contains("<script>"));
    assert!(page
        .header("Content-Security-Policy")
        .unwrap()
        .contains("frame-ancestors 'none'"));
    let cookie = page.header("Set-Cookie").unwrap();
    assert!(
        cookie.starts_with("__Host-") && cookie.contains("HttpOnly") && cookie.contains("Secure")
    );
    let mut pairs: Vec<(&str, &str)> = q.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    pairs.extend([("password", PASSWORD), ("decision", "approve")]);
    let jar = cookie.split(';').next().unwrap();
    let no_token = s.form("/authorize", &pairs, &[("Cookie", jar)]);
    assert_eq!(no_token.status, 403);
    pairs.push(("csrf", "forged"));
    assert_eq!(s.form("/authorize", &pairs, &[("Cookie", jar)]).status, 403);
    let csrf = hidden(&page.body, "csrf");
    pairs.pop();
    pairs.push(("csrf", &csrf));
    assert_eq!(
        s.form("/authorize", &pairs, &[]).status,
        403,
        "token without its cookie"
    );
}

#[test]
fn denial_wrong_passwords_and_the_sixth_attempt() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let denied = s.sign_in(&client, &[], "", "deny");
    assert_eq!(
        denied.location().get("error").unwrap(),
        Some("access_denied")
    );
    for _ in 0..4 {
        let r = s.sign_in(&client, &[], "wrong", "approve");
        assert_eq!(r.status, 401);
        assert!(r.body.contains("not right"));
    }
    assert_eq!(
        s.sign_in(&client, &[], PASSWORD, "approve").status,
        302,
        "5th attempt in the minute"
    );
    let sixth = s.sign_in(&client, &[], PASSWORD, "approve");
    assert_eq!(sixth.status, 429);
    assert!(sixth.header("Retry-After").is_some());
    w.clock.advance_ms(60_000);
    assert_eq!(s.sign_in(&client, &[], PASSWORD, "approve").status, 302);
}

#[test]
fn codes_and_access_tokens_expire_with_the_clock() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let code = s.code(&client);
    w.clock.advance_ms(5 * 60_000);
    assert_eq!(
        s.exchange(&client, &code, VERIFIER).json()["error"],
        "invalid_grant"
    );
    let (access, refresh) = s.tokens(&client);
    w.clock.advance_ms(3_600_000);
    assert_eq!(s.mcp(Some(&access), "tools/list", json!({})).status, 401);
    let r = s.form(
        "/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &client),
        ],
        &[],
    );
    assert_eq!(r.status, 200, "the refresh token outlives the access token");
}

#[test]
fn reusing_a_rotated_refresh_token_revokes_the_grant() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (_, r1) = s.tokens(&client);
    let refresh = |t: &str| {
        s.form(
            "/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", t),
                ("client_id", &client),
            ],
            &[],
        )
    };
    let r2 = refresh(&r1).json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = refresh(&r2);
    let a3 = second.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(refresh(&r1).json()["error"], "invalid_grant");
    assert_eq!(s.mcp(Some(&a3), "tools/list", json!({})).status, 401);
}

#[test]
fn registration_refuses_bad_metadata_precisely() {
    let w = world();
    let s = Session::new(&w);
    for (meta, error) in [
        (
            json!({"redirect_uris": ["https://ok.example/cb#frag"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["http://evil.example/cb"]}),
            "invalid_redirect_uri",
        ),
        (json!({"redirect_uris": []}), "invalid_client_metadata"),
        (
            json!({"redirect_uris": ["https://ok.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
        ),
    ] {
        let r = s.send(
            "POST",
            "/register",
            &[("Content-Type", "application/json")],
            &meta.to_string(),
        );
        assert_eq!(
            (r.status, r.json()["error"].clone()),
            (400, json!(error)),
            "{meta}"
        );
    }
    let r = s.send(
        "POST",
        "/register",
        &[("Content-Type", "application/json")],
        "{not json",
    );
    assert_eq!(r.status, 400);
}

#[test]
fn confidential_clients_authenticate_with_their_secret() {
    let w = world();
    let s = Session::new(&w);
    let meta =
        json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "client_secret_basic"});
    let reg = s
        .send(
            "POST",
            "/register",
            &[("Content-Type", "application/json")],
            &meta.to_string(),
        )
        .json();
    let (id, secret) = (
        reg["client_id"].as_str().unwrap().to_owned(),
        reg["client_secret"].as_str().unwrap().to_owned(),
    );
    let code = s.code(&id);
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("code_verifier", VERIFIER),
        ("redirect_uri", REDIRECT),
    ];
    let bad = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:wrong"))
    );
    let r = s.form("/token", &pairs, &[("Authorization", &bad)]);
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (401, json!("invalid_client"))
    );
    let good = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    );
    // The failed attempt did not spend the code (client authentication comes first).
    assert_eq!(
        s.form("/token", &pairs, &[("Authorization", &good)]).status,
        200
    );
}

const DOC_URL: &str = "https://app.example/oauth/client.json";

fn document(client_id: &str, cache_control: &str) -> Fetched {
    let body = json!({"client_id": client_id, "client_name": "Doc App", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "private_key_jwt"});
    Fetched {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("cache-control".into(), cache_control.into()),
        ],
        body: body.to_string().into_bytes(),
    }
}

#[test]
fn a_client_id_metadata_document_is_fetched_validated_and_cached() {
    let w = world();
    let s = Session::new(&w);
    s.fetch.answer(DOC_URL, document(DOC_URL, "max-age=600"));
    let (access, _) = s.tokens(DOC_URL);
    assert_eq!(s.mcp(Some(&access), "tools/list", json!({})).status, 200);
    s.code(DOC_URL);
    assert_eq!(s.fetch.requests(), [DOC_URL], "fetched once, then cached");
}

#[test]
fn metadata_documents_that_lie_redirect_away_or_live_on_private_hosts_are_refused() {
    let w = world();
    let s = Session::new(&w);
    let get = |client_id: &str| s.authorize_page(client_id, &[]).0;
    s.fetch.answer(
        DOC_URL,
        document("https://other.example/client.json", "no-store"),
    );
    let r = get(DOC_URL);
    assert_eq!(r.status, 400);
    assert!(r.header("Location").is_none());
    let moved = "https://app.example/moved.json";
    s.fetch.answer(
        moved,
        Fetched {
            status: 302,
            headers: vec![("location".into(), "https://evil.example/c.json".into())],
            body: vec![],
        },
    );
    assert!(get(moved).body.contains("another host"));
    assert!(get("https://10.0.0.5/client.json")
        .body
        .contains("private address"));
    assert!(get("https://app.example/missing.json")
        .body
        .contains("its server could not be reached"));
    // The loopback switch is off by default, even in development.
    let loopback = "http://127.0.0.1:7777/client.json";
    s.fetch.answer(loopback, document(loopback, "no-store"));
    assert!(get(loopback).body.contains("local development"));
    assert!(!s.fetch.requests().contains(&loopback.to_owned()));
}

fn admin(s: &Session<'_>, method: &str, path: &str, token: &str, body: &str) -> Reply {
    let bearer = format!("Bearer {token}");
    s.send(
        method,
        path,
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/json"),
            ("CF-Connecting-IP", "198.51.100.7"),
        ],
        body,
    )
}

#[test]
fn operators_list_and_revoke_grants_and_read_the_audit_trail() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (access, _) = s.tokens(&client);
    let grants = admin(&s, "GET", "/admin/grants", ADMIN, "").json();
    let grant = grants["grants"][0].clone();
    assert_eq!(
        (grant["client_id"].clone(), grant["subject"].clone()),
        (json!(client), json!("password:owner"))
    );
    let clients = admin(&s, "GET", "/admin/clients", ADMIN, "").json();
    assert_eq!(clients["clients"][0]["client_id"], client.as_str());
    let r = admin(
        &s,
        "POST",
        "/admin/revoke",
        ADMIN,
        &json!({"grant_id": grant["grant_id"]}).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(s.mcp(Some(&access), "tools/list", json!({})).status, 401);
    let audit = admin(&s, "GET", "/admin/audit?limit=20", ADMIN, "").json();
    let events: Vec<String> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["event"].as_str().unwrap(),
                e["outcome"].as_str().unwrap()
            )
        })
        .collect();
    for expected in ["consent:success", "token:success", "admin:success"] {
        assert!(
            events.contains(&expected.to_owned()),
            "{expected} missing from {events:?}"
        );
    }
    assert!(
        !audit.to_string().contains(&access),
        "no secret in the audit trail"
    );
    let bad = admin(&s, "POST", "/admin/revoke", ADMIN, "{\"grant_id\": 5}");
    assert_eq!(
        (bad.status, bad.json()["error"].clone()),
        (400, json!("invalid_request"))
    );
}

#[test]
fn admin_needs_its_token_and_is_rate_limited() {
    let w = world();
    let s = Session::new(&w);
    let r = admin(&s, "GET", "/admin/clients", "wrong", "");
    assert_eq!(r.status, 401);
    for _ in 0..4 {
        admin(&s, "GET", "/admin/clients", ADMIN, "");
    }
    let sixth = admin(&s, "GET", "/admin/clients", ADMIN, "");
    assert_eq!(sixth.status, 429);
    assert!(sixth.header("Retry-After").is_some());
}

#[test]
fn with_registration_closed_clients_come_from_the_operator() {
    let mut w = world();
    w.settings.get_mut().registration_open = false;
    let s = Session::new(&w);
    let meta =
        json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}).to_string();
    assert_eq!(
        s.send(
            "POST",
            "/register",
            &[("Content-Type", "application/json")],
            &meta
        )
        .status,
        404
    );
    assert!(s
        .send("GET", "/.well-known/oauth-authorization-server", &[], "")
        .json()
        .get("registration_endpoint")
        .is_none());
    let made = admin(&s, "POST", "/admin/bootstrap-client", ADMIN, &meta);
    assert_eq!(made.status, 201, "{}", made.body);
    let client = made.json()["client_id"].as_str().unwrap().to_owned();
    let (access, _) = s.tokens(&client);
    assert_eq!(s.mcp(Some(&access), "tools/list", json!({})).status, 200);
    let r = admin(
        &s,
        "POST",
        "/admin/revoke",
        ADMIN,
        &json!({"client_id": client}).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(s.mcp(Some(&access), "tools/list", json!({})).status, 401);
    let page = s.send(
        "GET",
        &format!("/authorize?client_id={client}&response_type=code"),
        &[],
        "",
    );
    assert_eq!(page.status, 400, "a deleted client cannot sign in");
}

#[test]
fn without_an_admin_token_the_admin_endpoints_do_not_exist() {
    let mut w = world();
    w.settings.get_mut().admin_token = None;
    let s = Session::new(&w);
    assert_eq!(admin(&s, "GET", "/admin/clients", ADMIN, "").status, 404);
}

#[test]
fn environment_profiles_need_their_high_privilege_scope_asked_for_by_name() {
    let w = world();
    let s = Session::new(&w);
    let put = admin(
        &s,
        "PUT",
        "/admin/env/staging",
        ADMIN,
        r#"{"region":"eu-west","url":"https://staging.example"}"#,
    );
    assert_eq!(put.status, 200, "{}", put.body);
    let client = s.register();
    // No scope asked: everything but the high-privilege one.
    let default = s.sign_in(&client, &[("scope", "")], PASSWORD, "approve");
    let code = default.location().get("code").unwrap().unwrap().to_owned();
    let tokens = s.exchange(&client, &code, VERIFIER).json();
    assert!(
        !tokens["scope"]
            .as_str()
            .unwrap()
            .contains("dovecote:env:read"),
        "{tokens}"
    );
    let access = tokens["access_token"].as_str().unwrap();
    let refused = s.mcp(
        Some(access),
        "tools/call",
        json!({"name": "get_env", "arguments": {"name": "staging"}}),
    );
    assert_eq!(refused.status, 403);
    // Asked by name: the consent page marks it, and the tool reads the profile.
    let (page, _) = s.authorize_page(&client, &[("scope", "dovecote:env:read")]);
    assert!(page.body.contains("(high privilege)"));
    let r = s.sign_in(
        &client,
        &[("scope", "dovecote:env:read")],
        PASSWORD,
        "approve",
    );
    let code = r.location().get("code").unwrap().unwrap().to_owned();
    let access = s.exchange(&client, &code, VERIFIER).json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let got = s.mcp(
        Some(&access),
        "tools/call",
        json!({"name": "get_env", "arguments": {"name": "staging"}}),
    );
    assert_eq!(
        got.json()["result"]["structuredContent"]["values"]["region"],
        "eu-west"
    );
    let missing = s.mcp(
        Some(&access),
        "tools/call",
        json!({"name": "get_env", "arguments": {"name": "prod"}}),
    );
    assert!(missing.json()["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("Profiles: staging"));
    let audit = admin(&s, "GET", "/admin/audit?limit=50", ADMIN, "")
        .json()
        .to_string();
    assert!(audit.contains("env_read") && audit.contains("profile staging"));
    assert!(
        !audit.contains("eu-west"),
        "values never reach the audit trail"
    );
}

#[test]
fn the_sign_in_form_posts_with_a_null_origin_and_nothing_else_may() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let ok = s.sign_in(&client, &[], PASSWORD, "approve");
    assert_eq!(ok.status, 302);
    // The same form as a browser sends it under no-referrer: still judged by its CSRF token.
    let q = s.authorize_query(&client, &[]);
    let mut pairs: Vec<(&str, &str)> = q.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    pairs.extend([
        ("csrf", "forged"),
        ("password", PASSWORD),
        ("decision", "approve"),
    ]);
    let forged = s.form("/authorize", &pairs, &[("Origin", "null")]);
    assert_eq!(forged.status, 403);
    assert!(
        forged.body.contains("did not come from this page"),
        "{}",
        forged.body
    );
    let elsewhere = s.form(
        "/token",
        &[("grant_type", "refresh_token")],
        &[("Origin", "null")],
    );
    assert_eq!(
        (elsewhere.status, elsewhere.json()["error"].clone()),
        (403, json!("forbidden"))
    );
}

#[test]
fn rotating_the_signing_key_keeps_open_forms_during_the_overlap_and_refuses_them_after() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (page, q) = s.authorize_page(&client, &[]);
    let cookie = page.cookie();
    let csrf = hidden(&page.body, "csrf");
    let mut pairs = borrowed(&q);
    pairs.extend([
        ("csrf", csrf.as_str()),
        ("password", PASSWORD),
        ("decision", "approve"),
    ]);
    // The operator rotates: a new key, the old one kept as previous.
    w.signing_key.set(b"a brand new HMAC key, 32+ bytes!");
    w.previous_signing_key.set(Some(KEY));
    assert_eq!(
        s.form("/authorize", &pairs, &[("Cookie", &cookie)]).status,
        302,
        "open form still accepted"
    );
    // After the overlap the old key is gone: the form is refused cleanly, never a 500.
    w.previous_signing_key.set(None);
    let refused = s.form("/authorize", &pairs, &[("Cookie", &cookie)]);
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("start the sign-in again"));
}

#[test]
fn self_registered_clients_expire_unused_and_live_on_while_used() {
    const DAY: u64 = 24 * 3600 * 1000;
    let w = world();
    let s = Session::new(&w);
    let registered = |s: &Session<'_>, client: &str| s.authorize_page(client, &[]).0.status == 200;
    let idle = s.register();
    let used = s.register();
    let (_, mut refresh) = s.tokens(&used);
    let meta =
        json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}).to_string();
    let made = admin(&s, "POST", "/admin/bootstrap-client", ADMIN, &meta);
    let operators = made.json()["client_id"].as_str().unwrap().to_owned();
    // Every 20 days the used client refreshes; the idle one does nothing.
    for _ in 0..3 {
        w.clock.advance_ms(20 * DAY);
        let r = s.refresh(&used, &refresh);
        assert_eq!(r.status, 200, "{}", r.body);
        refresh = r.json()["refresh_token"].as_str().unwrap().to_owned();
    }
    assert!(
        !registered(&s, &idle),
        "60 days unused: a refresh token's life and the grace are over"
    );
    assert!(registered(&s, &used));
    assert!(
        registered(&s, &operators),
        "the operator's clients never expire"
    );
}

#[test]
fn auth_is_an_alias_of_authorize() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let query: Vec<String> = s
        .authorize_query(&client, &[])
        .iter()
        .map(|(k, v)| format!("{k}={}", dovecote_gateway::web::form::encode(v)))
        .collect();
    let page = s.send("GET", &format!("/auth?{}", query.join("&")), &[], "");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Test &lt;script&gt;"),
        "the consent page"
    );
    assert!(page.header("Set-Cookie").unwrap().starts_with("__Host-"));
    let bare = s.send("GET", "/auth", &[], "");
    assert_eq!(bare.status, 400, "validated like /authorize: {}", bare.body);
    assert_eq!(s.send("DELETE", "/auth", &[], "").status, 405);
}
