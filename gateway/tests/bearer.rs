//! The bearer check's reads. An access token names its grant (`dva_<grant id>.<secret>`), so
//! the check reads the token's record and the grant's revocation marker in one KV read; a
//! token of an earlier release (no grant in it) still works with two; a token whose record
//! belongs to another grant than the one it names is refused. An open `/events` stream's
//! periodic check of its token reads the same way.

mod support;

use std::cell::Cell;

use async_trait::async_trait;
use dovecote_gateway::oauth::hash_secret;
use dovecote_gateway::platform::{Kv, PlatformError};
use serde_json::{json, Value};
use support::*;

/// The session's KV, counting the reads it is asked for (a bulk read counts once), and
/// running `meanwhile` once while a read is on its way back: after KV answered, before the
/// gateway sees the answer.
struct CountingReads<'s, 'w> {
    session: &'s Session<'w>,
    reads: Cell<usize>,
    meanwhile: std::cell::RefCell<Option<Box<dyn FnOnce() + 's>>>,
}

impl<'s, 'w> CountingReads<'s, 'w> {
    fn of(session: &'s Session<'w>) -> Self {
        Self {
            session,
            reads: Cell::new(0),
            meanwhile: std::cell::RefCell::new(None),
        }
    }

    /// Counts a read that found `found`, and runs what was to happen meanwhile.
    fn read<T>(&self, found: T) -> T {
        self.reads.set(self.reads.get() + 1);
        if let Some(meanwhile) = self.meanwhile.take() {
            meanwhile();
        }
        found
    }
}

#[async_trait(?Send)]
impl Kv for CountingReads<'_, '_> {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PlatformError> {
        let found = self.session.kv.get(key).await;
        self.read(found)
    }
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<Vec<u8>>>, PlatformError> {
        let found = self.session.kv.get_many(keys).await;
        self.read(found)
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
        self.session.kv.delete(key).await
    }
    async fn list(&self, prefix: &str, limit: usize) -> Result<Vec<String>, PlatformError> {
        self.session.kv.list(prefix, limit).await
    }
}

/// `tools/list` with `token`: its status and how many KV reads it took.
fn list_tools(s: &Session<'_>, token: &str) -> (u16, usize) {
    let kv = CountingReads::of(s);
    (list_tools_through(s, &kv, token), kv.reads.get())
}

/// The status of `tools/list` with `token`, the gateway reading KV through `kv`.
fn list_tools_through(s: &Session<'_>, kv: &dyn Kv, token: &str) -> u16 {
    let bearer = format!("Bearer {token}");
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    }}});
    let headers = [
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
        ("MCP-Protocol-Version", "2026-07-28"),
        ("Mcp-Method", "tools/list"),
        ("Authorization", bearer.as_str()),
    ];
    let r =
        pollster::block_on(s.send_via(kv, &s.objects, "POST", "/mcp", &headers, &body.to_string()));
    r.status
}

/// The stored record of `token`.
fn record_of(s: &Session<'_>, token: &str) -> Vec<u8> {
    let key = format!("oauth:access:{}", hash_secret(token));
    pollster::block_on(s.kv.get(&key))
        .unwrap()
        .expect("the token's record")
}

/// Stores `record` as the record of `token`.
fn store_as(s: &Session<'_>, token: &str, record: &[u8]) {
    let key = format!("oauth:access:{}", hash_secret(token));
    pollster::block_on(s.kv.put(&key, record, Some(3600))).unwrap();
}

/// A token as earlier releases issued them: `dva_` and 43 characters, naming no grant.
const EARLIER: &str = "dva_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// A client signed in on `s`: its id, its access token, and that token's record, stored as
/// the record of [`EARLIER`] too.
fn signed_in_with_an_earlier_token(s: &Session<'_>) -> (String, String, Vec<u8>) {
    let client = s.register();
    let (access, _) = s.tokens(&client);
    let record = record_of(s, &access);
    store_as(s, EARLIER, &record);
    (client, access, record)
}

#[test]
fn an_access_token_names_its_grant_and_is_checked_in_one_read() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (access, _) = s.tokens(&client);
    let record: Value = serde_json::from_slice(&record_of(&s, &access)).unwrap();
    let grant = record["grant_id"].as_str().unwrap();
    assert!(
        access.starts_with(&format!("dva_{grant}.")),
        "{access} names {grant}"
    );
    assert_eq!(list_tools(&s, &access), (200, 1));
    // Revoked: the same single read finds the marker.
    let r = s.form(
        "/revoke",
        &[("token", &access), ("client_id", &client)],
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    store_as(&s, &access, &serde_json::to_vec(&record).unwrap());
    assert_eq!(list_tools(&s, &access), (401, 1));
}

#[test]
fn a_token_of_an_earlier_release_is_still_accepted_and_still_revocable() {
    let w = world();
    let s = Session::new(&w);
    let (client, access, record) = signed_in_with_an_earlier_token(&s);
    let earlier = EARLIER;
    assert_eq!(list_tools(&s, earlier), (200, 2));
    let r = s.form(
        "/revoke",
        &[("token", &access), ("client_id", &client)],
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    store_as(&s, earlier, &record);
    assert_eq!(
        list_tools(&s, earlier).0,
        401,
        "its grant's marker turns it away"
    );
}

#[test]
fn a_token_naming_another_grant_than_its_records_is_refused() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (mine, _) = s.tokens(&client);
    let (theirs, _) = s.tokens(&client);
    let their_grant = theirs
        .strip_prefix("dva_")
        .and_then(|t| t.split_once('.'))
        .unwrap()
        .0;
    // A record of my grant stored under a token that names theirs: whatever wrote it, the
    // token's own grant is what the check reads the revocation of, so the two must agree.
    let forged = format!("dva_{their_grant}.AAAA");
    store_as(&s, &forged, &record_of(&s, &mine));
    assert_eq!(list_tools(&s, &forged).0, 401);
    assert_eq!(list_tools(&s, &mine).0, 200);
    for malformed in ["dva_.secret", "dva_grant.", "dva_gr@nt.secret"] {
        store_as(&s, malformed, &record_of(&s, &mine));
        assert_eq!(
            list_tools(&s, malformed),
            (200, 2),
            "{malformed}: names no grant, so read as an earlier release's token"
        );
    }
}

/// Whether an `/events` stream opened with `token` is still held, and the KV reads it took.
fn held(s: &Session<'_>, w: &World, token: &str) -> (bool, usize) {
    use dovecote_gateway::oauth::bearer::{still_held, Holder};
    use dovecote_gateway::platform::Platform;
    let kv = CountingReads::of(s);
    let platform = Platform {
        kv: &kv,
        ..s.platform()
    };
    let settings = w.settings.borrow();
    let held = pollster::block_on(still_held(&platform, &settings, &Holder::of_token(token)));
    (held, kv.reads.get())
}

#[test]
fn an_open_streams_check_of_its_token_is_one_read_too() {
    let w = world();
    let s = Session::new(&w);
    let (client, access, record) = signed_in_with_an_earlier_token(&s);
    let earlier = EARLIER;
    assert_eq!(held(&s, &w, &access), (true, 1));
    assert_eq!(
        held(&s, &w, earlier),
        (true, 2),
        "an earlier release's token"
    );
    let r = s.form(
        "/revoke",
        &[("token", &access), ("client_id", &client)],
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // A record written again after the revocation, as a late write would: the marker wins.
    store_as(&s, &access, &record);
    store_as(&s, earlier, &record);
    assert_eq!(held(&s, &w, &access), (false, 1));
    assert!(
        !held(&s, &w, earlier).0,
        "an earlier release's token, revoked"
    );
}

/// The grant `token` names.
fn grant_of(token: &str) -> &str {
    token
        .strip_prefix("dva_")
        .and_then(|t| t.split_once('.'))
        .unwrap()
        .0
}

/// Ten seconds, `ACCESS_TOKEN_CACHE_SECS`' default, in milliseconds.
const CACHE_MS: u64 = 10_000;

#[test]
fn a_token_checked_lately_is_not_read_again_until_the_cache_time_is_up() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (access, _) = s.tokens(&client);
    assert_eq!(list_tools(&s, &access), (200, 1));
    assert_eq!(list_tools(&s, &access), (200, 0), "remembered");
    w.clock.advance_ms(CACHE_MS - 1);
    assert_eq!(list_tools(&s, &access), (200, 0), "still remembered");
    w.clock.advance_ms(1);
    assert_eq!(list_tools(&s, &access), (200, 1), "read again");
    assert_eq!(list_tools(&s, &access), (200, 0));
    // Unknown tokens are never remembered: each try is read.
    assert_eq!(list_tools(&s, "dva_never-issued.secret"), (401, 1));
    assert_eq!(list_tools(&s, "dva_never-issued.secret"), (401, 1));
}

#[test]
fn with_no_cache_time_every_check_reads_kv() {
    let w = world_with(&[("ACCESS_TOKEN_CACHE_SECS", "0")]);
    let s = Session::new(&w);
    let client = s.register();
    let (access, _) = s.tokens(&client);
    assert_eq!(list_tools(&s, &access), (200, 1));
    assert_eq!(list_tools(&s, &access), (200, 1));
}

#[test]
fn a_revocation_through_this_isolate_refuses_a_remembered_token_at_once() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (access, _) = s.tokens(&client);
    let (other, _) = s.tokens(&client);
    assert_eq!(list_tools(&s, &access), (200, 1));
    assert_eq!(list_tools(&s, &other), (200, 1));
    let r = s.form(
        "/revoke",
        &[("token", &access), ("client_id", &client)],
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        list_tools(&s, &access),
        (401, 1),
        "forgotten, read, refused"
    );
    assert_eq!(
        list_tools(&s, &other),
        (200, 0),
        "another grant's token is still remembered"
    );
}

#[test]
fn a_revocation_made_elsewhere_is_seen_within_the_cache_time() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (access, _) = s.tokens(&client);
    assert_eq!(list_tools(&s, &access), (200, 1));
    // Another isolate revokes the grant: its marker lands in KV, this isolate's memory stays.
    let marker = format!("oauth:revoked:{}", grant_of(&access));
    pollster::block_on(s.kv.put(&marker, b"1", Some(3660))).unwrap();
    assert_eq!(
        list_tools(&s, &access),
        (200, 0),
        "accepted from memory until the cache time is up"
    );
    w.clock.advance_ms(CACHE_MS);
    assert_eq!(list_tools(&s, &access), (401, 1));
    assert_eq!(
        list_tools(&s, &access),
        (401, 1),
        "a refusal is not remembered"
    );
}

#[test]
fn a_remembered_token_still_expires_on_time() {
    let w = world_with(&[("ACCESS_TOKEN_TTL_SECS", "60")]);
    let s = Session::new(&w);
    let client = s.register();
    let (access, _) = s.tokens(&client);
    w.clock.advance_ms(55_000);
    assert_eq!(list_tools(&s, &access), (200, 1), "remembered until 65 s");
    w.clock.advance_ms(5_000);
    assert_eq!(
        list_tools(&s, &access),
        (401, 0),
        "expired at 60 s, remembered or not"
    );
}

#[test]
fn a_user_no_longer_allowed_is_refused_with_a_remembered_token() {
    let w = support::github::github_world("octocat,hubot");
    let s = Session::new(&w);
    let (_, t) = support::github::github_sign_in(&s, "hubot", 2, None);
    let access = t["access_token"].as_str().unwrap().to_owned();
    assert_eq!(list_tools(&s, &access), (200, 1));
    w.settings.replace(support::github::github_settings(&[(
        "ALLOWED_USERNAMES",
        "octocat",
    )]));
    assert_eq!(
        list_tools(&s, &access),
        (401, 0),
        "judged again, from memory"
    );
}

#[test]
fn the_cache_time_is_between_0_and_60_seconds() {
    use dovecote_gateway::oauth::Settings;
    let with = |v: &str| {
        let v = v.to_owned();
        Settings::from_vars(move |n| (n == "ACCESS_TOKEN_CACHE_SECS").then(|| v.clone()))
    };
    assert_eq!(with("").map(|s| s.access_cache_secs).ok(), Some(10));
    assert_eq!(with(" 0 ").map(|s| s.access_cache_secs).ok(), Some(0));
    assert_eq!(with("60").map(|s| s.access_cache_secs).ok(), Some(60));
    for wrong in ["61", "-1", "ten", "1.5"] {
        let Err(e) = with(wrong) else {
            panic!("{wrong} accepted")
        };
        assert!(
            e.0.contains("ACCESS_TOKEN_CACHE_SECS") && e.0.contains("from 0"),
            "{wrong}: {}",
            e.0
        );
    }
}

#[test]
fn a_check_that_read_kv_while_its_grant_was_revoked_here_keeps_nothing() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (access, _) = s.tokens(&client);
    let revoked = Cell::new(false);
    let (session, token, revoked_mid_read) = (&s, access.clone(), &revoked);
    let kv = CountingReads::of(&s);
    *kv.meanwhile.borrow_mut() = Some(Box::new(move || {
        let pairs = [("token", token.as_str()), ("client_id", client.as_str())];
        let r = session.form("/revoke", &pairs, &[]);
        assert_eq!(r.status, 200, "{}", r.body);
        revoked_mid_read.set(true);
    }));
    assert_eq!(
        list_tools_through(&s, &kv, &access),
        200,
        "the read began before the revocation: this request is served"
    );
    assert!(revoked.get(), "the revocation ran mid-read");
    assert_eq!(
        list_tools(&s, &access),
        (401, 1),
        "what that read found was not kept: the next check reads KV and is refused"
    );
}

#[test]
fn an_open_streams_check_always_reads_kv() {
    let w = world();
    let s = Session::new(&w);
    let client = s.register();
    let (access, _) = s.tokens(&client);
    assert_eq!(list_tools(&s, &access), (200, 1));
    assert_eq!(held(&s, &w, &access), (true, 1));
    assert_eq!(held(&s, &w, &access), (true, 1));
}

#[test]
fn a_token_lifetime_is_at_least_60_seconds() {
    use dovecote_gateway::oauth::Settings;
    let with = |v: &str| {
        let v = v.to_owned();
        Settings::from_vars(move |n| (n == "ACCESS_TOKEN_TTL_SECS").then(|| v.clone()))
    };
    assert_eq!(with("60").map(|s| s.access_ttl_secs).ok(), Some(60));
    let Err(e) = with("59") else {
        panic!("59 accepted")
    };
    assert!(e.0.contains("at least 60"), "{}", e.0);
}
