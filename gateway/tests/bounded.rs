//! Unauthenticated writes on a budget, in process: `/token` and `/revoke` with unknown or
//! malformed codes and tokens create no Durable Object, `/register` answers 429 past its
//! per-address rate and its global budget, and a failing random-number source fails the
//! request with 503. Each floods, then checks what was stored.

mod support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use dovecote_gateway::grants::BINDING as GRANTS;
use support::*;

/// Codes and tokens a stranger can send: malformed ones, and well-formed ones naming grants
/// that do not exist (in the shape of a real one, and longer).
fn forged(real: &str, i: u32) -> Vec<String> {
    let (real_id, secret) = real.split_once('.').unwrap();
    let mut id_bytes = [0u8; 16];
    id_bytes[..4].copy_from_slice(&i.to_be_bytes());
    let short = B64.encode(id_bytes);
    let mut long_bytes = [0u8; 32];
    long_bytes[..4].copy_from_slice(&i.to_be_bytes());
    let long = B64.encode(long_bytes);
    let mut flipped = real_id.to_owned().into_bytes();
    flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    vec![
        format!("{short}.{secret}"),
        format!("{long}.{secret}"),
        format!("{flipped}.{secret}"),
        format!("{}.{secret}", "a".repeat(64)),
        format!("{i}.{secret}"),
        format!("../{i}.x"),
        format!("{real_id}x.{secret}"),
        "no-dot-at-all".into(),
        ".starts-with-a-dot".into(),
    ]
}

#[test]
fn unknown_or_malformed_codes_and_tokens_never_create_a_grant_object() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (_, refresh) = s.tokens(&client);
    let before = s.objects.names(GRANTS);
    assert_eq!(before.len(), 1, "the real grant's object");
    for i in 0..50 {
        for token in forged(&refresh, i) {
            let r = s.exchange(&client, &token, VERIFIER);
            assert_eq!(r.status, 400, "{token}: {}", r.body);
            assert_eq!(r.json()["error"], "invalid_grant", "{token}");
            let r = s.refresh(&client, &token);
            assert_eq!(r.status, 400, "{token}: {}", r.body);
            assert_eq!(r.json()["error"], "invalid_grant", "{token}");
            let r = s.form(
                "/revoke",
                &[("token", token.as_str()), ("client_id", client.as_str())],
                &[],
            );
            assert_eq!(r.status, 200, "{token}: {}", r.body);
        }
    }
    assert_eq!(s.objects.names(GRANTS), before, "no object was created");
    let r = s.refresh(&client, &refresh);
    assert_eq!(r.status, 200, "the real grant still works: {}", r.body);
}

/// Keys of `session`'s KV under `prefix`.
fn stored(s: &Session<'_>, prefix: &str) -> Vec<String> {
    pollster::block_on(dovecote_gateway::platform::Kv::list(&s.kv, prefix, 1000)).unwrap()
}

fn unavailable(r: &Reply, what: &str) {
    assert_eq!(r.status, 503, "{what}: {}", r.body);
    assert_eq!(r.json()["error"], "temporarily_unavailable", "{what}");
}

#[test]
fn a_failing_random_source_fails_the_request_with_503_and_stores_nothing() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let code = s.code(&client);
    let clients = stored(&s, "oauth:client:");
    let grants = s.objects.names(GRANTS);
    s.random_fails.set(true);
    let meta = r#"{"redirect_uris":["http://127.0.0.1:9999/callback"],"token_endpoint_auth_method":"none","client_name":"T"}"#;
    let r = s.send(
        "POST",
        "/register",
        &[("Content-Type", "application/json")],
        meta,
    );
    unavailable(&r, "/register");
    assert_eq!(stored(&s, "oauth:client:"), clients, "no client was stored");
    let r = s.exchange(&client, &code, VERIFIER);
    unavailable(&r, "/token");
    assert!(
        stored(&s, "oauth:access:").is_empty(),
        "no token was stored"
    );
    let (page, _) = s.authorize_page(&client, &[]);
    assert_eq!(page.status, 503, "/authorize: {}", page.body);
    assert!(page.header("Set-Cookie").is_none());
    assert_eq!(s.objects.names(GRANTS), grants, "no grant was made");
    // The source recovers: the code was not spent by the failed exchange.
    s.random_fails.set(false);
    assert_eq!(s.exchange(&client, &code, VERIFIER).status, 200);
}

#[test]
fn a_grant_outlives_the_key_that_signed_its_id() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (_, refresh) = s.tokens(&client);
    // Two rotations later neither key signed the grant's id: KV's summary vouches for it.
    w.signing_key.set(b"a new signing key, thirty-two b!");
    w.previous_signing_key
        .set(Some(b"the key in between, thirty-two b"));
    let r = s.refresh(&client, &refresh);
    assert_eq!(r.status, 200, "{}", r.body);
    let refresh = r.json()["refresh_token"].as_str().unwrap().to_owned();
    let revoked = s.form(
        "/revoke",
        &[("token", refresh.as_str()), ("client_id", client.as_str())],
        &[],
    );
    assert_eq!(revoked.status, 200);
    // Revoked, the grant's summary is gone: its tokens no longer reach the object.
    let grants = s.objects.names(GRANTS);
    assert_eq!(s.refresh(&client, &refresh).status, 400);
    assert_eq!(s.objects.names(GRANTS), grants);
}

fn register_from(s: &Session<'_>, ip: &str) -> Reply {
    let meta = r#"{"redirect_uris":["http://127.0.0.1:9999/callback"],"token_endpoint_auth_method":"none","client_name":"Flood"}"#;
    s.send(
        "POST",
        "/register",
        &[
            ("Content-Type", "application/json"),
            ("CF-Connecting-IP", ip),
        ],
        meta,
    )
}

fn limited(r: &Reply) -> u64 {
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.json()["error"], "invalid_request");
    let retry = r.header("Retry-After").expect("Retry-After");
    retry.parse::<u64>().expect("Retry-After in seconds")
}

#[test]
fn registration_has_a_per_address_rate_and_a_global_budget() {
    let w = world_with(&[
        ("REGISTER_RATE_PER_ADDRESS", "3/hour"),
        ("REGISTER_BUDGET", "5/day"),
    ]);
    let s = Session::new(&w);
    for _ in 0..3 {
        assert_eq!(register_from(&s, "203.0.113.1").status, 201);
    }
    for _ in 0..20 {
        let wait = limited(&register_from(&s, "203.0.113.1"));
        assert!((1..=1200).contains(&wait), "{wait}");
    }
    assert_eq!(
        stored(&s, "oauth:client:").len(),
        3,
        "the flood stored nothing"
    );
    assert_eq!(register_from(&s, "203.0.113.2").status, 201);
    assert_eq!(register_from(&s, "203.0.113.3").status, 201);
    for i in 4..40 {
        limited(&register_from(&s, &format!("203.0.113.{i}")));
    }
    assert_eq!(
        stored(&s, "oauth:client:").len(),
        5,
        "the budget holds across addresses"
    );
    w.clock.advance_ms(24 * 3600 * 1000);
    assert_eq!(register_from(&s, "203.0.113.1").status, 201, "a day later");
}
#[test]
fn registration_budgets_have_defaults_and_refuse_nonsense() {
    let settings = settings();
    assert_eq!(settings.register_rate_per_address.to_string(), "10/hour");
    assert_eq!(settings.register_budget.to_string(), "1000/day");
    for (name, value) in [
        ("REGISTER_RATE_PER_ADDRESS", "lots"),
        ("REGISTER_BUDGET", "0/day"),
    ] {
        let vars = |n: &str| (n == name).then(|| value.to_owned());
        let e = dovecote_gateway::oauth::Settings::from_vars(vars)
            .err()
            .unwrap();
        assert!(e.0.contains(name), "{}", e.0);
    }
}
