//! The event store over real SQLite with Durable Objects' limits: redeliveries, quotas,
//! chunked payloads, budgets and retention, with a clock that moves only when told.

use super::retention;
use super::*;
use crate::objects::host::LocalObjects;
use crate::objects::{serve_in_place, Instance};
use crate::platform::native::ManualClock;
use crate::platform::{Clock, Memory, Sql, SqlError};
use crate::webhooks::payload::Summary;

const START: u64 = 1_800_000_000_000;
const HOUR: u64 = 3_600_000;
const DAY: u64 = 24 * HOUR;

fn tenant() -> Tenant {
    Tenant::parse("octo-org").unwrap()
}

fn incoming(id: &str, quota: Option<Quota>) -> Incoming {
    Incoming {
        id: DeliveryId::parse(id).unwrap(),
        event_type: "issues".into(),
        summary: Summary {
            action: Some("opened".into()),
            number: Some(1),
            ..Summary::default()
        },
        quota,
        retention: Retention {
            processed_ms: 3 * DAY,
            pending_ms: 90 * DAY,
        },
        triggers: Vec::new(),
        mark_processed: false,
        digest: None,
    }
}

fn put(objects: &LocalObjects<'_>, id: &str, payload: &[u8]) -> Ingested {
    pollster::block_on(ingest(objects, &tenant(), incoming(id, None), payload)).unwrap()
}

/// A payload of its own for each delivery: the same body twice is a replay.
fn body(id: &str) -> String {
    format!("{{\"delivery\":\"{id}\"}}")
}

fn pending_ids(objects: &LocalObjects<'_>) -> Vec<String> {
    pollster::block_on(pending(objects, &tenant(), 100))
        .unwrap()
        .into_iter()
        .map(|s| s.event.id)
        .collect()
}

#[test]
fn a_redelivery_changes_nothing_even_after_processing() {
    let clock = ManualClock::new(START);
    let objects = LocalObjects::new(&clock);
    assert_eq!(put(&objects, "d1", br#"{"a":1}"#), Ingested::Stored);
    let id = DeliveryId::parse("d1").unwrap();
    assert_eq!(
        pollster::block_on(mark(&objects, &tenant(), &id)).unwrap(),
        Marked::Marked
    );
    assert_eq!(put(&objects, "d1", br#"{"a":2}"#), Ingested::Duplicate);
    let event = pollster::block_on(get(&objects, &tenant(), &id, 1 << 20))
        .unwrap()
        .unwrap();
    assert!(
        event.event.processed,
        "the redelivery did not reset processed"
    );
    assert_eq!(event.payload.unwrap().get(), r#"{"a":1}"#);
    assert_eq!(
        pollster::block_on(mark(&objects, &tenant(), &id)).unwrap(),
        Marked::AlreadyProcessed
    );
    let status = pollster::block_on(status(&objects, &tenant())).unwrap();
    assert_eq!(status.pending_count, 0);
    assert!(status.types.is_empty());
}

#[test]
fn the_workers_digest_and_the_stores_own_agree_so_a_replay_across_a_deploy_is_caught() {
    use crate::platform::native::SoftDigests;
    use crate::platform::Digests;
    let clock = ManualClock::new(START);
    let objects = LocalObjects::new(&clock);
    let captured = br#"{"action":"opened","number":2}"#;
    // Stored by a Worker of an earlier release, which sent no digest: the store hashed it.
    assert_eq!(put(&objects, "before-deploy", captured), Ingested::Stored);
    let digest = pollster::block_on(SoftDigests.sha256(captured)).unwrap();
    let from_worker = |id: &str, digest: [u8; 32]| Incoming {
        digest: Some(digest.to_vec()),
        ..incoming(id, None)
    };
    let ingested = |incoming, payload: &[u8]| {
        pollster::block_on(ingest(&objects, &tenant(), incoming, payload)).unwrap()
    };
    assert_eq!(
        ingested(from_worker("replayed-after", digest), captured),
        Ingested::Duplicate,
        "the Worker's digest of the same body is the one the store kept"
    );
    assert_eq!(
        ingested(from_worker("same-digest", digest), br#"{"number":99}"#),
        Ingested::Duplicate,
        "the digest the Worker sends is the one checked, not a hash of the payload"
    );
    let other = br#"{"action":"opened","number":3}"#;
    let other_digest = pollster::block_on(SoftDigests.sha256(other)).unwrap();
    assert_eq!(
        ingested(from_worker("new", other_digest), other),
        Ingested::Stored
    );
    assert_eq!(
        put(&objects, "replayed-by-an-old-worker", other),
        Ingested::Duplicate,
        "and the store's own digest matches the one a Worker sent"
    );
    assert_eq!(pending_ids(&objects), ["new", "before-deploy"]);
}

#[test]
fn a_replayed_body_under_a_new_delivery_id_is_a_duplicate_until_its_event_is_purged() {
    let clock = ManualClock::new(START);
    let objects = LocalObjects::new(&clock);
    let db = objects.database(BINDING, tenant().as_str());
    let captured = br#"{"action":"opened","number":1}"#;
    assert_eq!(put(&objects, "original", captured), Ingested::Stored);
    assert_eq!(
        put(&objects, "replayed", captured),
        Ingested::Duplicate,
        "the same body of the same type under a new X-GitHub-Delivery"
    );
    assert_eq!(pending_ids(&objects), ["original"]);
    let other_type = Incoming {
        event_type: "pull_request".into(),
        ..incoming("other-type", None)
    };
    assert_eq!(
        pollster::block_on(ingest(&objects, &tenant(), other_type, captured)).unwrap(),
        Ingested::Stored,
        "the digest is per event type"
    );
    assert_eq!(
        put(&objects, "original", br#"{"changed":true}"#),
        Ingested::Duplicate,
        "a genuine redelivery still changes nothing"
    );
    pollster::block_on(mark(
        &objects,
        &tenant(),
        &DeliveryId::parse("original").unwrap(),
    ))
    .unwrap();
    clock.advance_ms(3 * DAY + 1);
    retention::run(&*db, &Memory::default(), clock.now_ms()).unwrap();
    assert_eq!(
        put(&objects, "after-retention", captured),
        Ingested::Stored,
        "outside the retention window the body is new again"
    );
}

#[test]
fn status_and_lists_follow_arrivals_and_marks() {
    let clock = ManualClock::new(START);
    let objects = LocalObjects::new(&clock);
    for id in ["a", "b", "c"] {
        put(&objects, id, body(id).as_bytes());
        clock.advance_ms(1000);
    }
    assert_eq!(pending_ids(&objects), ["c", "b", "a"], "newest first");
    pollster::block_on(mark(&objects, &tenant(), &DeliveryId::parse("c").unwrap())).unwrap();
    let s = pollster::block_on(status(&objects, &tenant())).unwrap();
    assert_eq!(s.pending_count, 2);
    assert_eq!(s.types.get("issues"), Some(&2));
    assert_eq!(
        s.latest_received_at.as_deref(),
        Some(crate::webhooks::time::iso8601(START + 1000).as_str())
    );
    let after_a = pollster::block_on(after(&objects, &tenant(), 1, 10)).unwrap();
    assert_eq!(after_a.iter().map(|s| s.seq).collect::<Vec<_>>(), [2, 3]);
    assert_eq!(pollster::block_on(head(&objects, &tenant())).unwrap(), 3);
}

#[test]
fn the_quota_is_windowed_counts_only_new_events_and_recovers() {
    let clock = ManualClock::new(START - START % HOUR);
    let objects = LocalObjects::new(&clock);
    let quota = Some(Quota {
        limit: 2,
        window_ms: HOUR,
    });
    let send = |id: &str| {
        pollster::block_on(ingest(
            &objects,
            &tenant(),
            incoming(id, quota),
            body(id).as_bytes(),
        ))
        .unwrap()
    };
    assert_eq!(send("q1"), Ingested::Stored);
    assert_eq!(
        send("q1"),
        Ingested::Duplicate,
        "a redelivery is not counted"
    );
    assert_eq!(send("q2"), Ingested::Stored);
    clock.advance_ms(HOUR - 10);
    assert_eq!(send("q3"), Ingested::OverQuota { retry_after_ms: 10 });
    assert_eq!(
        send("q1"),
        Ingested::Duplicate,
        "a redelivery over quota is still acknowledged"
    );
    objects.evict(BINDING, tenant().as_str());
    assert_eq!(
        send("q3"),
        Ingested::OverQuota { retry_after_ms: 10 },
        "the count is in storage, not in the instance"
    );
    assert_eq!(
        pending_ids(&objects),
        ["q2", "q1"],
        "a refused delivery is not kept"
    );
    let unquoted = pollster::block_on(ingest(
        &objects,
        &tenant(),
        incoming("inst", None),
        b"{\"i\":1}",
    ));
    assert_eq!(
        unquoted.unwrap(),
        Ingested::Stored,
        "installation events skip the quota"
    );
    clock.advance_ms(10);
    assert_eq!(send("q3"), Ingested::Stored, "a new window");
}

#[test]
fn payloads_over_two_megabytes_are_stored_in_chunks_and_returned_whole() {
    let clock = ManualClock::new(START);
    let objects = LocalObjects::new(&clock);
    let big = format!("{{\"blob\":\"{}\"}}", "x".repeat(2 * 1024 * 1024 + 10));
    assert_eq!(put(&objects, "big", big.as_bytes()), Ingested::Stored);
    let id = DeliveryId::parse("big").unwrap();
    let whole = pollster::block_on(get(&objects, &tenant(), &id, usize::MAX))
        .unwrap()
        .unwrap();
    assert_eq!(whole.payload.unwrap().get(), big);
    assert_eq!(whole.event.payload_bytes, big.len() as u64);
    let capped = pollster::block_on(get(&objects, &tenant(), &id, 1024))
        .unwrap()
        .unwrap();
    assert!(capped.payload.is_none());
    assert!(capped.note.unwrap().contains("GET /event"));
}

#[test]
fn payloads_with_events_stay_within_the_byte_budget() {
    let clock = ManualClock::new(START);
    let objects = LocalObjects::new(&clock);
    let payload = |n: usize| format!("{{\"p\":\"{}\"}}", "y".repeat(n));
    put(&objects, "small-old", payload(100).as_bytes());
    clock.advance_ms(1);
    put(&objects, "large", payload(5000).as_bytes());
    clock.advance_ms(1);
    put(&objects, "small-new", payload(600).as_bytes());
    let events =
        pollster::block_on(pending_with_payloads(&objects, &tenant(), 10, 800, 1000)).unwrap();
    let shape: Vec<(&str, bool)> = events
        .iter()
        .map(|(_, e)| (e.event.id.as_str(), e.payload.is_some()))
        .collect();
    assert_eq!(
        shape,
        [("small-new", true), ("large", false), ("small-old", true)]
    );
    let tight =
        pollster::block_on(pending_with_payloads(&objects, &tenant(), 10, 700, 1000)).unwrap();
    assert!(tight[2].1.payload.is_none(), "the budget ran out");
    assert!(tight[2].1.note.as_deref().unwrap().contains("get_event"));
}

#[test]
fn retention_purges_exactly_at_its_boundaries() {
    let clock = ManualClock::new(START);
    let objects = LocalObjects::new(&clock);
    let db = objects.database(BINDING, tenant().as_str());
    put(&objects, "done", body("done").as_bytes());
    put(&objects, "waiting", body("waiting").as_bytes());
    pollster::block_on(mark(
        &objects,
        &tenant(),
        &DeliveryId::parse("done").unwrap(),
    ))
    .unwrap();
    assert_eq!(
        retention::next_alarm(&*db, &Memory::default(), clock.now_ms()).unwrap(),
        Some(START + retention::PURGE_INTERVAL_MS)
    );
    clock.advance_ms(3 * DAY);
    let r = retention::run(&*db, &Memory::default(), clock.now_ms()).unwrap();
    assert_eq!(
        (r.processed, r.pending),
        (0, 0),
        "exactly three days old is kept"
    );
    clock.advance_ms(1);
    let r = retention::run(&*db, &Memory::default(), clock.now_ms()).unwrap();
    assert_eq!((r.processed, r.pending), (1, 0));
    assert_eq!(pending_ids(&objects), ["waiting"]);
    clock.advance_ms(87 * DAY - 1);
    assert_eq!(
        retention::run(&*db, &Memory::default(), clock.now_ms())
            .unwrap()
            .pending,
        0
    );
    clock.advance_ms(1);
    let r = retention::run(&*db, &Memory::default(), clock.now_ms()).unwrap();
    assert_eq!(r.pending, 1);
    assert_eq!(
        pollster::block_on(status(&objects, &tenant()))
            .unwrap()
            .pending_count,
        0
    );
    assert_eq!(r.next_alarm_ms, None, "an empty store needs no alarm");
}

#[test]
fn a_removed_installations_events_are_wiped_after_the_grace_period_unless_reinstalled() {
    let clock = ManualClock::new(START);
    let objects = LocalObjects::new(&clock);
    let db = objects.database(BINDING, tenant().as_str());
    put(&objects, "e1", b"{}");
    pollster::block_on(schedule_wipe(&objects, &tenant(), Some(START + DAY))).unwrap();
    assert_eq!(
        retention::next_alarm(&*db, &Memory::default(), START).unwrap(),
        Some(START + HOUR)
    );
    clock.advance_ms(DAY - 1);
    assert!(
        !retention::run(&*db, &Memory::default(), clock.now_ms())
            .unwrap()
            .wiped
    );
    assert_eq!(
        retention::next_alarm(&*db, &Memory::default(), clock.now_ms()).unwrap(),
        Some(START + DAY)
    );
    pollster::block_on(schedule_wipe(&objects, &tenant(), None)).unwrap();
    clock.advance_ms(1);
    assert!(
        !retention::run(&*db, &Memory::default(), clock.now_ms())
            .unwrap()
            .wiped,
        "reinstalled in time"
    );
    pollster::block_on(schedule_wipe(&objects, &tenant(), Some(clock.now_ms()))).unwrap();
    assert!(
        retention::run(&*db, &Memory::default(), clock.now_ms())
            .unwrap()
            .wiped
    );
    assert!(pending_ids(&objects).is_empty());
}

#[test]
fn garbled_requests_are_error_answers_not_panics() {
    let clock = ManualClock::new(START);
    let objects = LocalObjects::new(&clock);
    let db = objects.database(BINDING, "x");
    for bad in [
        &b"{nope"[..],
        b"",
        b"{\"op\":\"get\",\"id\":\"../x\",\"max_payload\":1}",
    ] {
        let memory = Memory::default();
        let at = Instance {
            sql: &*db,
            memory: &memory,
            now_ms: START,
        };
        let answer = String::from_utf8(crate::objects::serve::<EventStore>(at, bad)).unwrap();
        assert!(answer.starts_with('!'), "{answer}");
    }
}

/// A store whose disk refuses payload chunks while `full` is set, as a full one would.
struct FullDisk {
    sql: crate::platform::native::SqliteSql,
    full: std::cell::Cell<bool>,
}

impl Sql for FullDisk {
    fn exec(
        &self,
        statement: &str,
        params: &[crate::platform::SqlValue],
    ) -> Result<Vec<Vec<crate::platform::SqlValue>>, SqlError> {
        if self.full.get() && statement.starts_with("INSERT INTO chunks") {
            return Err(SqlError("SQLITE_FULL: database or disk is full".into()));
        }
        self.sql.exec(statement, params)
    }
}

#[test]
fn a_delivery_that_fails_midway_leaves_nothing_so_its_redelivery_is_stored_whole() {
    let disk = FullDisk {
        sql: Default::default(),
        full: std::cell::Cell::new(true),
    };
    let memory = Memory::default();
    fn at<'a>(sql: &'a dyn Sql, memory: &'a Memory) -> Instance<'a> {
        Instance {
            sql,
            memory,
            now_ms: START,
        }
    }
    let ingest = |id: &str| {
        let op = Ingest(Box::new(incoming(id, None)));
        serve_in_place(at(&disk, &memory), op, b"{\"whole\":true}")
    };
    assert!(ingest("torn").is_err());
    let status = |sql: &dyn Sql| {
        serve_in_place(at(sql, &memory), Status {}, b"")
            .unwrap()
            .pending_count
    };
    assert_eq!(status(&disk), 0, "nothing of the failed delivery is kept");
    disk.full.set(false);
    assert_eq!(
        ingest("torn").unwrap(),
        Ingested::Stored,
        "the redelivery is stored, not taken for a duplicate"
    );
    let get = Get {
        id: DeliveryId::parse("torn").unwrap(),
        max_payload: 1024,
    };
    let event = serve_in_place(at(&disk, &memory), get, b"")
        .unwrap()
        .unwrap();
    assert_eq!(
        event.payload.map(|p| p.get().to_owned()).as_deref(),
        Some("{\"whole\":true}")
    );
    assert_eq!(status(&disk), 1);
}

#[test]
fn a_store_written_before_digests_existed_gains_them_and_keeps_its_events() {
    let clock = ManualClock::new(START);
    let objects = LocalObjects::new(&clock);
    let db = objects.database(BINDING, tenant().as_str());
    put(&objects, "old", body("old").as_bytes());
    db.exec("DROP TABLE digests", &[]).unwrap();
    objects.evict(BINDING, tenant().as_str());
    assert_eq!(
        put(&objects, "new", body("new").as_bytes()),
        Ingested::Stored
    );
    assert_eq!(
        pending_ids(&objects),
        ["new", "old"],
        "nothing stored is lost"
    );
    assert_eq!(
        put(&objects, "again", body("new").as_bytes()),
        Ingested::Duplicate
    );
}

#[test]
fn deliveries_are_counted_by_hour_and_outcome_and_old_hours_go() {
    let clock = ManualClock::new(START);
    let objects = LocalObjects::new(&clock);
    let quota = Some(Quota {
        limit: 2,
        window_ms: DAY,
    });
    let take = |id: &str, body: &str| {
        pollster::block_on(ingest(
            &objects,
            &tenant(),
            incoming(id, quota),
            body.as_bytes(),
        ))
        .unwrap()
    };
    assert_eq!(take("a", "1"), Ingested::Stored);
    assert_eq!(take("a", "1"), Ingested::Duplicate);
    clock.advance_ms(HOUR);
    assert_eq!(take("b", "2"), Ingested::Stored);
    assert!(matches!(take("c", "3"), Ingested::OverQuota { .. }));
    let seen = pollster::block_on(activity(&objects, &tenant())).unwrap();
    let hour = START / HOUR;
    assert_eq!(
        seen.hours,
        [
            tally::Hour {
                hour,
                accepted: 1,
                duplicate: 1,
                over_quota: 0
            },
            tally::Hour {
                hour: hour + 1,
                accepted: 1,
                duplicate: 0,
                over_quota: 1
            },
        ]
    );
    assert_eq!(seen.pending.pending_count, 2);
    assert_eq!(seen.newest.map(|n| n.event.id).as_deref(), Some("b"));
    // 31 days on, the first hours are forgotten as the next delivery is counted.
    clock.advance_ms((tally::KEPT_HOURS + 1) * HOUR);
    assert_eq!(take("d", "4"), Ingested::Stored);
    let later = pollster::block_on(activity(&objects, &tenant())).unwrap();
    assert_eq!(later.hours.len(), 1, "{:?}", later.hours);
    assert_eq!(later.hours[0].accepted, 1);
}

#[test]
fn a_busy_store_writes_each_new_delivery_without_lookups_and_answers_its_alarm_from_memory() {
    let disk = crate::platform::native::RecordingSql::default();
    let memory = Memory::default();
    let at = |now_ms| Instance {
        sql: &disk,
        memory: &memory,
        now_ms,
    };
    let quota = Some(Quota {
        limit: 1000,
        window_ms: DAY,
    });
    // What the runtime does for each delivery: the request, then the alarm it wants.
    let deliver = |id: &str, now_ms| {
        let op = Ingest(Box::new(incoming(id, quota)));
        let stored = serve_in_place(at(now_ms), op, body(id).as_bytes()).unwrap();
        let alarm = <EventStore as crate::objects::ObjectClass>::wanted_alarm(at(now_ms));
        (stored, alarm)
    };
    assert_eq!(
        deliver("first", START),
        (Ingested::Stored, Some(START + HOUR))
    );
    disk.take();
    assert_eq!(
        deliver("second", START + 1),
        (Ingested::Stored, Some(START + 1 + HOUR))
    );
    let statements = disk.take();
    let verbs: Vec<&str> = statements
        .iter()
        .map(|s| s.split_whitespace().take(3).last().unwrap_or_default())
        .collect();
    assert_eq!(
        verbs,
        [
            "events",
            "digests",
            "quota",
            "chunks",
            "pending_types",
            "tally"
        ],
        "one write per table and nothing read: {statements:#?}"
    );
    // The hour turns: old hours are forgotten once, by the first delivery of the new hour.
    deliver("third", START + HOUR);
    assert!(
        disk.take()
            .iter()
            .any(|s| s.starts_with("DELETE FROM tally")),
        "the first delivery of an hour forgets hours past the window"
    );
    deliver("fourth", START + HOUR + 1);
    assert!(!disk.take().iter().any(|s| s.starts_with("DELETE")));
    // A wipe scheduled through the instance is the alarm it wants next, without a lookup.
    let wipe = Wipe {
        at_ms: Some(START + HOUR + 60_000),
    };
    serve_in_place(at(START + HOUR + 2), wipe, b"").unwrap();
    assert_eq!(
        <EventStore as crate::objects::ObjectClass>::wanted_alarm(at(START + HOUR + 2)),
        Some(START + HOUR + 60_000)
    );
    let cancel = Wipe { at_ms: None };
    serve_in_place(at(START + HOUR + 3), cancel, b"").unwrap();
    assert_eq!(
        <EventStore as crate::objects::ObjectClass>::wanted_alarm(at(START + HOUR + 3)),
        Some(START + 2 * HOUR + 3)
    );
    // The alarm that empties the store leaves an instance that wants no alarm.
    let mark_all = ["first", "second", "third", "fourth"];
    for id in mark_all {
        let op = Mark {
            id: DeliveryId::parse(id).unwrap(),
        };
        serve_in_place(at(START + HOUR + 4), op, b"").unwrap();
    }
    let later = START + HOUR + 4 + 3 * DAY + 1;
    let purged = retention::run(&disk, &memory, later).unwrap();
    assert_eq!((purged.processed, purged.next_alarm_ms), (4, None));
    assert_eq!(
        <EventStore as crate::objects::ObjectClass>::wanted_alarm(at(later)),
        None
    );
}

#[test]
fn an_erased_store_keeps_the_retention_its_next_delivery_brings() {
    let clock = ManualClock::new(START);
    let objects = LocalObjects::new(&clock);
    let db = objects.database(BINDING, tenant().as_str());
    let short = |id: &str| Incoming {
        retention: Retention {
            processed_ms: HOUR,
            pending_ms: 2 * HOUR,
        },
        ..incoming(id, None)
    };
    let take = |id: &str| {
        let body = body(id);
        pollster::block_on(ingest(&objects, &tenant(), short(id), body.as_bytes())).unwrap()
    };
    assert_eq!(take("before"), Ingested::Stored);
    pollster::block_on(erase(&objects, &tenant())).unwrap();
    // The same retention as before the erase, which deleted the stored copy of it.
    assert_eq!(take("after"), Ingested::Stored);
    clock.advance_ms(2 * HOUR + 1);
    let purged = retention::run(&*db, &Memory::default(), clock.now_ms()).unwrap();
    assert_eq!(
        purged.pending, 1,
        "the retention the deliveries bring, not the default 90 days"
    );
}
