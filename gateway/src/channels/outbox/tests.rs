//! The outbox over real SQLite with a settable clock: order, backoff that honours the
//! service's wait, resumption after the last delivered part, expiry, and the alarm's schedule.

use std::borrow::Cow;

use serde_json::json;

use super::*;
use crate::channels::instance::{Credential, Instance, Target};
use crate::objects::host::LocalObjects;
use crate::platform::native::{
    CannedFetch, ManualClock, MapSecrets, MemoryKv, OsRandom, SoftDigests,
};
use crate::platform::{Fetched, Platform};

const START: u64 = 1_800_000_000_000;
const URL: &str = "https://discord.com/api/webhooks/1/tok3nt0ken";
const SENT_URL: &str = "https://discord.com/api/webhooks/1/tok3nt0ken?wait=true";

fn discord() -> Instance {
    Instance {
        id: Cow::Borrowed("deploys"),
        name: Cow::Borrowed("Deploys"),
        description: None,
        credential: Credential::Secret(Cow::Borrowed("HOOK")),
        api_base: None,
        allow_any_host: false,
        confirm: false,
        target: Target::Discord {
            thread_id: None,
            username: None,
            avatar_url: None,
        },
    }
}

struct World {
    clock: ManualClock,
    fetch: CannedFetch,
    secrets: MapSecrets,
}

impl World {
    fn new() -> Self {
        let secrets = MapSecrets::default();
        secrets.set("HOOK", URL);
        Self {
            clock: ManualClock::new(START),
            fetch: CannedFetch::default(),
            secrets,
        }
    }

    fn answer(&self, status: u16, body: serde_json::Value, retry_after: Option<&str>) {
        let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        if let Some(r) = retry_after {
            headers.push(("retry-after".into(), r.into()));
        }
        self.fetch.answer(
            SENT_URL,
            Fetched {
                status,
                headers,
                body: body.to_string().into_bytes(),
            },
        );
    }
}

fn call<A: crate::objects::Ask<Object = Outbox>>(objects: &LocalObjects<'_>, op: A) -> A::Reply {
    pollster::block_on(crate::objects::ask(objects, "discord-deploys", op)).unwrap()
}

fn accept(objects: &LocalObjects<'_>, id: &str, parts: usize, expires_ms: u64) -> bool {
    let parts = (0..parts)
        .map(|i| json!({"content": format!("part {i}")}))
        .collect();
    let answer = call(
        objects,
        Accept {
            id: id.into(),
            channel: "discord-deploys".into(),
            actor: "owner".into(),
            client: Some("client-1".into()),
            parts,
            expires_ms,
            defer: false,
            follower: None,
        },
    );
    answer.send_now
}

fn queue(objects: &LocalObjects<'_>, id: &str, retry_after_ms: Option<u64>) {
    call(
        objects,
        Report {
            id: id.into(),
            sent: 0,
            message_ids: vec![],
            state: State::Queued,
            reason: Some("Discord: 503".into()),
            retry_after_ms,
        },
    );
}

fn status(objects: &LocalObjects<'_>, id: &str) -> Status {
    call(objects, GetStatus { id: id.into() }).unwrap()
}

fn run(w: &World, objects: &LocalObjects<'_>) -> Option<u64> {
    let kv = MemoryKv::new(&w.clock);
    let platform = Platform {
        kv: &kv,
        objects,
        clock: &w.clock,
        random: &OsRandom,
        fetch: &w.fetch,
        secrets: &w.secrets,
        digests: &SoftDigests,
    };
    let db = objects.database(BINDING, "discord-deploys");
    pollster::block_on(run_due(&*db, &platform, &[discord()]))
}

#[test]
fn a_queued_notification_waits_as_long_as_the_service_asked_then_goes_out_once() {
    let w = World::new();
    let objects = LocalObjects::new(&w.clock);
    let expires = START + 24 * 3_600_000;
    assert!(accept(&objects, "discord-deploys:1", 1, expires));
    // The request's attempt got a 429 asking for 30 s.
    queue(&objects, "discord-deploys:1", Some(30_000));
    // A later notification queues behind it rather than overtaking.
    assert!(!accept(&objects, "discord-deploys:2", 1, expires));
    let first = status(&objects, "discord-deploys:1");
    assert_eq!(first.state, State::Queued);
    assert_eq!(first.next_attempt_ms, Some(START + 30_000));
    assert_eq!(
        next_wake(&*objects.database(BINDING, "discord-deploys")),
        Some(START + 30_000)
    );

    w.clock.advance_ms(29_999);
    w.answer(200, json!({"id": "m1"}), None);
    assert_eq!(run(&w, &objects), Some(START + 30_000), "not due yet");
    assert!(w.fetch.sent().is_empty());

    w.clock.advance_ms(1);
    assert_eq!(run(&w, &objects), None, "both delivered, nothing left");
    let sent: Vec<String> = w
        .fetch
        .sent()
        .iter()
        .map(|r| String::from_utf8(r.body.clone().unwrap()).unwrap())
        .collect();
    assert_eq!(sent.len(), 2, "each delivered once, in order: {sent:?}");
    assert!(sent[0].contains("part 0"));
    for id in ["discord-deploys:1", "discord-deploys:2"] {
        let s = status(&objects, id);
        assert_eq!(
            (s.state, s.message_ids.clone(), s.sent_parts),
            (State::Sent, vec!["m1".to_owned()], 1)
        );
    }
    // Another alarm finds nothing to resend.
    w.clock.advance_ms(3_600_000);
    run(&w, &objects);
    assert_eq!(w.fetch.sent().len(), 2);
}

#[test]
fn retries_back_off_and_resume_after_the_last_delivered_part() {
    let w = World::new();
    let objects = LocalObjects::new(&w.clock);
    assert!(accept(
        &objects,
        "discord-deploys:1",
        3,
        START + 24 * 3_600_000
    ));
    // The request delivered part 0, then the service went down.
    call(
        &objects,
        Report {
            id: "discord-deploys:1".into(),
            sent: 1,
            message_ids: vec!["m0".into()],
            state: State::Queued,
            reason: Some("Discord: could not connect".into()),
            retry_after_ms: None,
        },
    );
    assert_eq!(
        status(&objects, "discord-deploys:1").next_attempt_ms,
        Some(START + FIRST_BACKOFF_MS)
    );
    w.clock.advance_ms(FIRST_BACKOFF_MS);
    w.answer(502, json!({"message": "Bad Gateway"}), None);
    assert_eq!(
        run(&w, &objects),
        Some(START + FIRST_BACKOFF_MS + 2 * FIRST_BACKOFF_MS),
        "backoff doubles"
    );
    let s = status(&objects, "discord-deploys:1");
    assert_eq!(
        (s.state, s.attempts, s.reason.as_deref()),
        (State::Queued, 2, Some("Discord: Bad Gateway"))
    );

    w.clock.advance_ms(2 * FIRST_BACKOFF_MS);
    w.answer(200, json!({"id": "m"}), None);
    assert_eq!(run(&w, &objects), None);
    let bodies: Vec<String> = w
        .fetch
        .sent()
        .iter()
        .map(|r| String::from_utf8(r.body.clone().unwrap()).unwrap())
        .collect();
    assert!(
        bodies.iter().all(|b| !b.contains("part 0")),
        "part 0 is never sent again"
    );
    assert_eq!(
        bodies.iter().filter(|b| b.contains("part 1")).count(),
        2,
        "once failed, once delivered"
    );
    assert_eq!(bodies.iter().filter(|b| b.contains("part 2")).count(), 1);
    let s = status(&objects, "discord-deploys:1");
    assert_eq!(
        (s.state, s.sent_parts, s.message_ids),
        (State::Sent, 3, vec!["m0".into(), "m".into(), "m".into()])
    );
}

#[test]
fn a_notification_expires_and_a_permanent_refusal_fails_at_once() {
    let w = World::new();
    let objects = LocalObjects::new(&w.clock);
    assert!(accept(&objects, "discord-deploys:1", 1, START + 3_600_000));
    queue(&objects, "discord-deploys:1", Some(2 * 3_600_000));
    w.clock.advance_ms(2 * 3_600_000);
    w.answer(200, json!({"id": "m"}), None);
    assert_eq!(run(&w, &objects), None);
    assert!(
        w.fetch.sent().is_empty(),
        "an expired notification is not sent"
    );
    let s = status(&objects, "discord-deploys:1");
    assert_eq!(s.state, State::Failed);
    assert_eq!(
        s.reason.as_deref(),
        Some("expired: not delivered within 1 h (Discord: 503)")
    );

    assert!(accept(
        &objects,
        "discord-deploys:2",
        1,
        START + 48 * 3_600_000
    ));
    queue(&objects, "discord-deploys:2", None);
    w.clock.advance_ms(FIRST_BACKOFF_MS);
    w.answer(
        404,
        json!({"message": "Unknown Webhook", "code": 10015}),
        None,
    );
    assert_eq!(run(&w, &objects), None);
    let s = status(&objects, "discord-deploys:2");
    assert_eq!(
        (s.state, s.reason.as_deref()),
        (State::Failed, Some("Discord: Unknown Webhook"))
    );
}

#[test]
fn a_request_that_died_mid_send_is_taken_over_after_its_lease() {
    let w = World::new();
    let objects = LocalObjects::new(&w.clock);
    assert!(accept(
        &objects,
        "discord-deploys:1",
        1,
        START + 24 * 3_600_000
    ));
    w.answer(200, json!({"id": "m"}), None);
    assert_eq!(
        run(&w, &objects),
        Some(START + LEASE_MS),
        "the accepting request owns it"
    );
    assert!(w.fetch.sent().is_empty());
    w.clock.advance_ms(LEASE_MS);
    assert_eq!(run(&w, &objects), None);
    assert_eq!(w.fetch.sent().len(), 1);
    assert_eq!(status(&objects, "discord-deploys:1").state, State::Sent);
}

#[test]
fn backoff_doubles_up_to_an_hour_but_never_below_the_services_wait() {
    assert_eq!(backoff_ms(0, None), 5_000);
    assert_eq!(backoff_ms(3, None), 40_000);
    assert_eq!(backoff_ms(30, None), MAX_BACKOFF_MS);
    assert_eq!(backoff_ms(0, Some(90_000)), 90_000);
    assert_eq!(backoff_ms(30, Some(2 * MAX_BACKOFF_MS)), 2 * MAX_BACKOFF_MS);
}

#[test]
fn one_accepted_while_another_was_being_sent_goes_as_soon_as_that_one_is_done() {
    let w = World::new();
    let objects = LocalObjects::new(&w.clock);
    let expires = START + 24 * 3_600_000;
    assert!(accept(&objects, "discord-deploys:1", 1, expires));
    assert!(
        !accept(&objects, "discord-deploys:2", 1, expires),
        "behind the one in flight"
    );
    assert_eq!(
        status(&objects, "discord-deploys:2").next_attempt_ms,
        Some(START + LEASE_MS)
    );
    w.clock.advance_ms(300);
    call(
        &objects,
        Report {
            id: "discord-deploys:1".into(),
            sent: 1,
            message_ids: vec!["m1".into()],
            state: State::Sent,
            reason: None,
            retry_after_ms: None,
        },
    );
    let db = objects.database(BINDING, "discord-deploys");
    assert_eq!(next_wake(&*db), Some(START + 300), "the alarm runs now");
    w.answer(200, json!({"id": "m2"}), None);
    assert_eq!(run(&w, &objects), None);
    assert_eq!(status(&objects, "discord-deploys:2").state, State::Sent);
}

#[test]
fn an_operator_sees_the_queue_retries_it_in_order_and_drops_one() {
    let w = World::new();
    let objects = LocalObjects::new(&w.clock);
    let expires = START + 24 * 3_600_000;
    assert!(accept(&objects, "discord-deploys:1", 1, expires));
    queue(&objects, "discord-deploys:1", Some(600_000));
    assert!(!accept(&objects, "discord-deploys:2", 1, expires));
    assert!(!accept(&objects, "discord-deploys:3", 1, expires));
    let view = call(&objects, Watch { limit: 10 });
    let ids: Vec<&str> = view.waiting.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "discord-deploys:1",
            "discord-deploys:2",
            "discord-deploys:3"
        ]
    );
    assert_eq!(view.waiting[0].reason.as_deref(), Some("Discord: 503"));
    let hour = START / 3_600_000;
    assert_eq!(
        view.hours,
        [steer::Hour {
            hour,
            sent: 0,
            queued: 1,
            failed: 0
        }]
    );

    // "Retry now" on the second makes it and the one before it due, not the third.
    let steer = |id: &str, action| {
        call(
            &objects,
            Steer {
                id: id.into(),
                action,
                by: "octocat".into(),
            },
        )
    };
    assert_eq!(
        steer("discord-deploys:2", steer::Action::Retry),
        steer::Steered::Done
    );
    assert_eq!(
        status(&objects, "discord-deploys:1").next_attempt_ms,
        Some(START)
    );
    assert_eq!(
        status(&objects, "discord-deploys:2").next_attempt_ms,
        Some(START)
    );
    assert_eq!(
        status(&objects, "discord-deploys:3").next_attempt_ms,
        Some(START + 600_000)
    );

    assert_eq!(
        steer("discord-deploys:3", steer::Action::Drop),
        steer::Steered::Done
    );
    let dropped = status(&objects, "discord-deploys:3");
    assert_eq!(dropped.state, State::Failed);
    assert_eq!(dropped.reason.as_deref(), Some("dropped by octocat"));
    assert_eq!(
        steer("discord-deploys:3", steer::Action::Retry),
        steer::Steered::NotWaiting
    );
    assert_eq!(steer("nope", steer::Action::Drop), steer::Steered::NotFound);

    // The retry goes out when the alarm runs: counted as sent.
    w.answer(200, json!({"id": "m1"}), None);
    run(&w, &objects);
    assert_eq!(status(&objects, "discord-deploys:1").state, State::Sent);
    let view = call(&objects, Watch { limit: 10 });
    assert_eq!(view.hours[0].failed, 1, "the drop");
    assert!(view.hours[0].sent >= 1, "{:?}", view.hours);
    assert_eq!(view.failed[0].id, "discord-deploys:3");
}

#[test]
fn the_outbox_creates_its_tables_once_per_instance_not_per_request() {
    let creates = |s: &[String]| s.iter().filter(|s| s.contains("CREATE")).count();
    let ask = || GetStatus {
        id: "discord-deploys:1".into(),
    };
    let [first, second] = crate::objects::host::statements_twice(ask, START);
    assert!(creates(&first) >= 4, "{first:#?}");
    assert_eq!(creates(&second), 0, "{second:#?}");
    assert_eq!(second.len(), 1, "a status is one read: {second:#?}");
}
