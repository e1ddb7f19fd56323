//! Revocation that holds, in process. The token endpoint has its grant's object record a new
//! access token, then writes the token's record to KV; these tests drive a revocation into
//! the gap between the two, in that order, and check that no token of the grant is written
//! again or accepted afterwards. A revoked-grant marker turns away a record that lands late,
//! and a KV error during a revocation is answered, not ignored.

mod support;

use std::cell::Cell;

use async_trait::async_trait;
use dovecote_gateway::oauth::hash_secret;
use dovecote_gateway::platform::{Kv, Objects, PlatformError};
use serde_json::json;
use support::*;

/// The grant objects of `session`, with one revocation sent through the gateway right after
/// the first `refresh` or `redeem_code` a grant's object answers: after the object recorded
/// the new tokens, before the token endpoint writes the access token's record to KV.
struct RevokeAfterCommit<'s, 'w> {
    session: &'s Session<'w>,
    /// The `/revoke` form to send, once.
    revocation: std::cell::RefCell<Option<Vec<(String, String)>>>,
    revoked: Cell<Option<u16>>,
}

#[async_trait(?Send)]
impl Objects for RevokeAfterCommit<'_, '_> {
    async fn call(
        &self,
        class: &str,
        name: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, PlatformError> {
        let answer = self.session.objects.call(class, name, request).await?;
        let text = String::from_utf8_lossy(request);
        let issued = text.contains(r#""op":"refresh""#) || text.contains(r#""op":"redeem_code""#);
        if class == "GRANTS" && issued {
            let form = self.revocation.borrow_mut().take();
            if let Some(form) = form {
                let body: Vec<String> = form
                    .iter()
                    .map(|(k, v)| format!("{k}={}", dovecote_gateway::web::form::encode(v)))
                    .collect();
                let headers = [("Content-Type", "application/x-www-form-urlencoded")];
                let s = self.session;
                let r = s
                    .send_via(
                        &s.kv,
                        &s.objects,
                        "POST",
                        "/revoke",
                        &headers,
                        &body.join("&"),
                    )
                    .await;
                self.revoked.set(Some(r.status));
            }
        }
        Ok(answer)
    }
}

fn access_keys(s: &Session<'_>) -> Vec<String> {
    pollster::block_on(s.kv.list("oauth:access:", 100)).unwrap()
}

#[test]
fn a_revocation_between_the_objects_commit_and_the_kv_write_holds() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (access, refresh) = s.tokens(&client);
    assert_eq!(access_keys(&s).len(), 1);
    let interleaved = RevokeAfterCommit {
        session: &s,
        revocation: std::cell::RefCell::new(Some(vec![
            ("token".into(), access.clone()),
            ("client_id".into(), client.clone()),
        ])),
        revoked: Cell::new(None),
    };
    // 1. The refresh's object records the new access token; 2. the client's /revoke runs to
    // its end; 3. the token endpoint goes on to write the new token's record.
    let body = format!("grant_type=refresh_token&refresh_token={refresh}&client_id={client}");
    let r = pollster::block_on(s.send_via(
        &s.kv,
        &interleaved,
        "POST",
        "/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &body,
    ));
    assert_eq!(
        interleaved.revoked.get(),
        Some(200),
        "the revocation ran in the gap"
    );
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (400, json!("invalid_grant")),
        "a token of a grant revoked before its record was written is not handed out: {}",
        r.body
    );
    assert_eq!(
        access_keys(&s),
        Vec::<String>::new(),
        "no token of the revoked grant is left in KV"
    );
    assert_eq!(s.mcp(Some(&access), "tools/list", json!({})).status, 401);
    assert_eq!(
        s.refresh(&client, &refresh).json()["error"],
        "invalid_grant"
    );
}

#[test]
fn a_token_record_that_lands_after_the_revocation_is_not_accepted() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (access, _) = s.tokens(&client);
    let key = format!("oauth:access:{}", hash_secret(&access));
    let record = pollster::block_on(s.kv.get(&key))
        .unwrap()
        .expect("the token's record");
    let r = s.form(
        "/revoke",
        &[("token", &access), ("client_id", &client)],
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // The record is written again after the revocation returned, as a write from another
    // location that KV applies late would do.
    pollster::block_on(s.kv.put(&key, &record, Some(3600))).unwrap();
    assert_eq!(
        s.mcp(Some(&access), "tools/list", json!({})).status,
        401,
        "the revoked-grant marker turns the late record away"
    );
    // The marker lives as long as an access token could: an hour, less a minute, later it
    // still holds.
    w.clock.advance_ms(59 * 60 * 1000);
    assert_eq!(s.mcp(Some(&access), "tools/list", json!({})).status, 401);
}

/// The session's KV, whose deletes fail while `failing` is set.
struct FailingDeletes<'s, 'w> {
    session: &'s Session<'w>,
    failing: Cell<bool>,
}

#[async_trait(?Send)]
impl Kv for FailingDeletes<'_, '_> {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PlatformError> {
        self.session.kv.get(key).await
    }
    async fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl_secs: Option<u64>,
    ) -> Result<(), PlatformError> {
        self.session.kv.put(key, value, ttl_secs).await
    }
    async fn delete(&self, key: &str) -> Result<(), PlatformError> {
        if self.failing.get() {
            return Err(PlatformError("KV is unavailable".into()));
        }
        self.session.kv.delete(key).await
    }
    async fn list(&self, prefix: &str, limit: usize) -> Result<Vec<String>, PlatformError> {
        self.session.kv.list(prefix, limit).await
    }
}

#[test]
fn a_kv_error_during_a_revocation_is_answered_and_the_token_still_dies() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (access, refresh) = s.tokens(&client);
    let kv = FailingDeletes {
        session: &s,
        failing: Cell::new(true),
    };
    let body = format!("token={refresh}&client_id={client}");
    let r = pollster::block_on(s.send_via(
        &kv,
        &s.objects,
        "POST",
        "/revoke",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &body,
    ));
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (500, json!("server_error")),
        "a revocation whose KV delete failed is not reported done: {}",
        r.body
    );
    assert_eq!(
        s.mcp(Some(&access), "tools/list", json!({})).status,
        401,
        "the marker was written first"
    );

    // A reused refresh token revokes the grant: its KV errors are answered too.
    let (_, refresh) = s.tokens(&client);
    let rotated = s.refresh(&client, &refresh);
    assert_eq!(rotated.status, 200);
    let next = rotated.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(s.refresh(&client, &next).status, 200);
    let body = format!("grant_type=refresh_token&refresh_token={refresh}&client_id={client}");
    let reuse = pollster::block_on(s.send_via(
        &kv,
        &s.objects,
        "POST",
        "/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &body,
    ));
    assert_eq!(reuse.status, 500, "{}", reuse.body);
}

#[test]
fn an_open_event_stream_ends_when_its_grant_is_gone_or_its_user_no_longer_allowed() {
    use dovecote_gateway::oauth::bearer::{still_held, Holder};
    let held = |s: &Session<'_>, w: &World, access: &str| {
        let settings = w.settings.borrow();
        pollster::block_on(still_held(
            &s.platform(),
            &settings,
            &Holder::of_token(access),
        ))
    };
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (access, _) = s.tokens(&client);
    assert!(held(&s, &w, &access), "a live grant keeps its stream");
    let r = s.form(
        "/revoke",
        &[("token", &access), ("client_id", &client)],
        &[],
    );
    assert_eq!(r.status, 200);
    assert!(
        !held(&s, &w, &access),
        "a revoked grant's stream ends at its next poll"
    );
    assert!(!held(&s, &w, "dva_never-issued"));

    let w = support::github::github_world("octocat,hubot");
    let s = Session::new(&w);
    let (_, t) = support::github::github_sign_in(&s, "hubot", 2, None);
    let access = t["access_token"].as_str().unwrap().to_owned();
    assert!(held(&s, &w, &access));
    w.settings.replace(support::github::github_settings(&[(
        "ALLOWED_USERNAMES",
        "octocat",
    )]));
    assert!(
        !held(&s, &w, &access),
        "someone no longer allowed loses the stream at its next poll"
    );
}
