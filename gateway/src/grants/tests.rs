//! The one-answer rules, over real SQLite with a moving clock.

use super::*;
use crate::objects::host::LocalObjects;
use crate::platform::native::ManualClock;

const MINUTE: u64 = 60_000;

fn grant(now: u64) -> Grant {
    Grant {
        id: "g1".into(),
        client_id: "client-a".into(),
        subject: "user:alice".into(),
        scopes: "dovecote:read".into(),
        resource: "http://127.0.0.1:8787/mcp".into(),
        sealed: "sealed-props".into(),
        created_ms: now,
        last_used_ms: now,
    }
}

fn tokens(n: u32, now: u64) -> NewTokens {
    NewTokens {
        access_hash: format!("a{n}"),
        access_expires_ms: now + 60 * MINUTE,
        refresh_hash: format!("r{n}"),
        refresh_expires_ms: now + 30 * 24 * 60 * MINUTE,
    }
}

fn redemption() -> CodeRedemption {
    CodeRedemption {
        code_hash: "c1".into(),
        client_id: "client-a".into(),
        redirect_uri: "http://127.0.0.1:9999/cb".into(),
        challenge_of_verifier: "challenge".into(),
        resource: "http://127.0.0.1:8787/mcp".into(),
    }
}

struct World {
    clock: ManualClock,
}

impl World {
    fn new() -> Self {
        Self {
            clock: ManualClock::new(1_800_000_000_000),
        }
    }
    fn objects(&self) -> LocalObjects<'_> {
        LocalObjects::new(&self.clock)
    }
    fn now(&self) -> u64 {
        use crate::platform::Clock;
        self.clock.now_ms()
    }
}

fn setup(w: &World, o: &LocalObjects<'_>) {
    let g = grant(w.now());
    let exp = w.now() + 5 * MINUTE;
    pollster::block_on(create(
        o,
        g,
        "c1".into(),
        "http://127.0.0.1:9999/cb".into(),
        "challenge".into(),
        exp,
    ))
    .unwrap();
}

fn redeem(o: &LocalObjects<'_>, r: CodeRedemption, t: NewTokens) -> Result<Grant, Refusal> {
    pollster::block_on(redeem_code(o, "g1", r, t)).unwrap()
}

fn rotate(o: &LocalObjects<'_>, hash: &str, t: NewTokens) -> Result<Grant, Refusal> {
    pollster::block_on(refresh(o, "g1", hash.into(), "client-a".into(), t)).unwrap()
}

#[test]
fn a_code_is_redeemed_once_and_a_replay_revokes_what_it_issued() {
    let w = World::new();
    let o = w.objects();
    setup(&w, &o);
    let g = redeem(&o, redemption(), tokens(1, w.now())).unwrap();
    assert_eq!(g.subject, "user:alice");
    match redeem(&o, redemption(), tokens(2, w.now())) {
        Err(Refusal::Revoked { access_hashes, .. }) => assert_eq!(access_hashes, ["a1"]),
        other => panic!("replay not refused: {other:?}"),
    }
    assert!(
        matches!(
            rotate(&o, "r1", tokens(3, w.now())),
            Err(Refusal::Invalid { .. })
        ),
        "refresh after revocation"
    );
}

#[test]
fn each_binding_of_the_code_is_checked_and_a_failed_attempt_spends_it() {
    type Tamper = fn(&mut CodeRedemption);
    let cases: [(Tamper, &str); 4] = [
        (|r| r.client_id = "client-b".into(), "another client"),
        (
            |r| r.redirect_uri = "http://127.0.0.1:9999/other".into(),
            "redirect_uri",
        ),
        (|r| r.challenge_of_verifier = "wrong".into(), "PKCE"),
        (
            |r| r.resource = "https://elsewhere.example/mcp".into(),
            "resource",
        ),
    ];
    for (tamper, expected) in cases {
        let w = World::new();
        let o = w.objects();
        setup(&w, &o);
        let mut r = redemption();
        tamper(&mut r);
        match redeem(&o, r, tokens(1, w.now())) {
            Err(Refusal::Invalid { why }) => assert!(why.contains(expected), "{why}"),
            other => panic!("{expected}: {other:?}"),
        }
        // The legitimate holder can no longer use it either: codes are single-use.
        assert!(redeem(&o, redemption(), tokens(2, w.now())).is_err());
    }
}

#[test]
fn codes_expire() {
    let w = World::new();
    let o = w.objects();
    setup(&w, &o);
    w.clock.advance_ms(5 * MINUTE);
    match redeem(&o, redemption(), tokens(1, w.now())) {
        Err(Refusal::Invalid { why }) => assert!(why.contains("expired")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn refresh_tokens_rotate_tolerate_one_retry_and_revoke_on_reuse() {
    let w = World::new();
    let o = w.objects();
    setup(&w, &o);
    redeem(&o, redemption(), tokens(1, w.now())).unwrap();
    rotate(&o, "r1", tokens(2, w.now())).unwrap();
    // The response carrying r2 was lost: r1 works once more, replacing r2 with r3.
    rotate(&o, "r1", tokens(3, w.now())).unwrap();
    assert!(
        matches!(
            rotate(&o, "r2", tokens(9, w.now())),
            Err(Refusal::Revoked { .. })
        ),
        "r2 was replaced"
    );
    assert!(
        matches!(
            rotate(&o, "r3", tokens(4, w.now())),
            Err(Refusal::Invalid { .. })
        ),
        "grant is revoked"
    );
}

#[test]
fn reusing_a_rotated_token_after_its_successor_was_used_revokes_the_grant() {
    let w = World::new();
    let o = w.objects();
    setup(&w, &o);
    redeem(&o, redemption(), tokens(1, w.now())).unwrap();
    rotate(&o, "r1", tokens(2, w.now())).unwrap();
    rotate(&o, "r2", tokens(3, w.now())).unwrap();
    match rotate(&o, "r1", tokens(4, w.now())) {
        Err(Refusal::Revoked { access_hashes, .. }) => {
            assert_eq!(
                access_hashes.len(),
                3,
                "a1, a2 and a3 were live: {access_hashes:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(rotate(&o, "r3", tokens(5, w.now())).is_err());
}

#[test]
fn refresh_tokens_expire_and_belong_to_their_client() {
    let w = World::new();
    let o = w.objects();
    setup(&w, &o);
    redeem(&o, redemption(), tokens(1, w.now())).unwrap();
    let other = pollster::block_on(refresh(
        &o,
        "g1",
        "r1".into(),
        "client-b".into(),
        tokens(2, w.now()),
    ))
    .unwrap();
    assert!(matches!(other, Err(Refusal::Invalid { .. })));
    w.clock.advance_ms(30 * 24 * 60 * MINUTE);
    assert!(matches!(
        rotate(&o, "r1", tokens(3, w.now())),
        Err(Refusal::Invalid { .. })
    ));
}

#[test]
fn revocation_reports_live_access_tokens_and_stops_everything() {
    let w = World::new();
    let o = w.objects();
    setup(&w, &o);
    redeem(&o, redemption(), tokens(1, w.now())).unwrap();
    assert_eq!(pollster::block_on(revoke(&o, "g1")).unwrap(), ["a1"]);
    assert!(rotate(&o, "r1", tokens(2, w.now())).is_err());
}

#[test]
fn resealing_replaces_properties_once_and_never_on_a_revoked_grant() {
    let w = World::new();
    let o = w.objects();
    setup(&w, &o);
    let swap = |expected: &str, sealed: &str| {
        pollster::block_on(reseal(&o, "g1", expected.into(), sealed.into())).unwrap()
    };
    assert!(swap("sealed-props", "renewed"));
    // A second renewal from the same starting point lost the race: nothing changes.
    assert!(!swap("sealed-props", "renewed-again"));
    let g = redeem(&o, redemption(), tokens(1, w.now())).unwrap();
    assert_eq!(g.sealed, "renewed");
    pollster::block_on(revoke(&o, "g1")).unwrap();
    assert!(!swap("renewed", "after-revocation"));
}

fn purge_now(o: &LocalObjects<'_>) -> Purged {
    pollster::block_on(purge(o, "g1")).unwrap()
}

#[test]
fn a_purge_drops_expired_tokens_and_codes_but_keeps_the_live_ones_working() {
    let w = World::new();
    let o = w.objects();
    setup(&w, &o);
    redeem(&o, redemption(), tokens(1, w.now())).unwrap();
    w.clock.advance_ms(61 * MINUTE);
    rotate(&o, "r1", tokens(2, w.now())).unwrap();
    rotate(&o, "r2", tokens(3, w.now())).unwrap();
    // Issuing already dropped a1; r1 and r2 are dead but unexpired, so they still count as
    // a reuse; the code is kept a day past its expiry.
    assert_eq!(
        purge_now(&o),
        Purged {
            rows: 0,
            dead: false
        }
    );
    w.clock.advance_ms(24 * 60 * MINUTE);
    assert_eq!(purge_now(&o).rows, 3, "the code, a2 and a3");
    rotate(&o, "r3", tokens(4, w.now())).unwrap();
    w.clock.advance_ms(29 * 24 * 60 * MINUTE);
    assert_eq!(purge_now(&o).rows, 4, "r1, r2, r3 expired, and a4");
    rotate(&o, "r4", tokens(5, w.now())).unwrap();
}

#[test]
fn a_dead_grant_is_removed_whole() {
    let w = World::new();
    let o = w.objects();
    setup(&w, &o);
    redeem(&o, redemption(), tokens(1, w.now())).unwrap();
    w.clock.advance_ms(31 * 24 * 60 * MINUTE);
    let purged = purge_now(&o);
    assert!(purged.dead);
    assert_eq!(purged.rows, 4, "grant, code, access and refresh token");
    assert!(rotate(&o, "r1", tokens(2, w.now())).is_err());
    assert_eq!(
        purge_now(&o),
        Purged {
            rows: 0,
            dead: true
        }
    );
}

#[test]
fn a_revoked_grant_forgets_its_sealed_properties_and_is_purged() {
    let w = World::new();
    let o = w.objects();
    setup(&w, &o);
    redeem(&o, redemption(), tokens(1, w.now())).unwrap();
    pollster::block_on(revoke(&o, "g1")).unwrap();
    assert!(purge_now(&o).dead);

    let sql = crate::platform::native::SqliteSql::default();
    store::create(
        &sql,
        &grant(w.now()),
        "c1",
        "http://127.0.0.1:9999/cb",
        "ch",
        w.now() + MINUTE,
    )
    .unwrap();
    store::revoke(&sql, w.now()).unwrap();
    let rows = crate::platform::Sql::exec(&sql, "SELECT sealed FROM grant_row", &[]).unwrap();
    assert_eq!(
        rows[0][0].as_str(),
        Some(""),
        "the upstream tokens are gone at once"
    );
}

#[test]
fn an_unredeemed_code_keeps_a_new_grant_alive_until_it_expires() {
    let w = World::new();
    let o = w.objects();
    setup(&w, &o);
    assert!(!purge_now(&o).dead);
    w.clock.advance_ms(6 * MINUTE);
    assert!(purge_now(&o).dead);
}

#[test]
fn refusals_read_back_as_written_and_need_their_fields() {
    for refusal in [
        Refusal::Invalid {
            why: "expired".into(),
        },
        Refusal::Revoked {
            why: "replayed".into(),
            access_hashes: vec!["a1".into(), "a2".into()],
        },
    ] {
        let json = serde_json::to_vec(&refusal).unwrap();
        assert_eq!(serde_json::from_slice::<Refusal>(&json).unwrap(), refusal);
    }
    assert_eq!(
        serde_json::to_string(&Refusal::Invalid { why: "w".into() }).unwrap(),
        r#"{"refused":"invalid","why":"w"}"#
    );
    assert!(serde_json::from_str::<Refusal>(r#"{"refused":"revoked","why":"w"}"#).is_err());
    assert!(serde_json::from_str::<Refusal>(r#"{"refused":"invalid"}"#).is_err());
}
