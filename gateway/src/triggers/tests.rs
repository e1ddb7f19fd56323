//! Event routes over the real classes (event store and outbox over SQLite, a settable clock,
//! canned service answers): what matches, the notification written from the templates, sent
//! once by the outbox's alarm, `trigger_status` following each attempt, redeliveries, a channel
//! that is down and comes back, `mark_processed`, a channel that is not configured.

use super::*;
use crate::channels::message::Severity;
use crate::objects::host::TestHost;
use crate::platform::native::ManualClock;
use crate::platform::Fetched;
use crate::webhooks::hook::Triggers;
use crate::webhooks::payload::Summary;
use crate::webhooks::settings::Retention;
use crate::webhooks::store::{self, Incoming, Ingested};
use crate::webhooks::{DeliveryId, Tenant};

const START: u64 = 1_800_000_000_000;
const HOOK: &str = "https://hooks.slack.com/services/T0/B0/routes";
const DAY: u64 = 86_400_000;

const FAILED_MAIN: EventRoute = EventRoute {
    name: "failed_main",
    events: &["workflow_run"],
    actions: &["completed"],
    conditions: &[
        Condition {
            field: "branch",
            any_of: &["main"],
        },
        Condition {
            field: "conclusion",
            any_of: &["failure", "timed_out"],
        },
    ],
    accounts: &[],
    channels: &["slack-ops"],
    title: Some("{repository}: {title} failed"),
    text: "Run *{title}* failed on `{branch}` at {sha}",
    link: Some("{url}"),
    severity: Some(Severity::Error),
    mark_processed: false,
};

fn run(conclusion: &str) -> Summary {
    Summary {
        action: Some("completed".into()),
        repo: Some("octo/repo".into()),
        sender: Some("mona".into()),
        title: Some("CI".into()),
        url: Some("https://github.com/octo/repo/actions/runs/1".into()),
        head_branch: Some("main".into()),
        head_sha: Some("abc123".into()),
        conclusion: Some(conclusion.into()),
        ..Summary::default()
    }
}

fn host(clock: &ManualClock) -> TestHost<'_> {
    let host = TestHost::new(clock);
    host.secrets.set(
        "SLACK_INSTANCES",
        &format!(r#"[{{"id": "ops", "name": "Ops", "webhookUrl": "{HOOK}"}}]"#),
    );
    host
}

fn slack_answers(host: &TestHost<'_>, status: u16) {
    host.fetch.answer(
        HOOK,
        Fetched {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: if status == 200 {
                b"ok".to_vec()
            } else {
                b"unavailable".to_vec()
            },
        },
    );
}

/// Delivers as the intake does: plan, store with the plan, fire when stored.
fn deliver(host: &TestHost<'_>, routes: &Routes, id: &str, summary: &Summary) -> Ingested {
    let platform = host.platform();
    let (tenant, id) = (
        Tenant::parse("acme").unwrap(),
        DeliveryId::parse(id).unwrap(),
    );
    let payload = format!(
        r#"{{"repository":{{"owner":{{"login":"octo"}}}},"c":{:?}}}"#,
        summary.conclusion
    );
    let arrival = Arrival {
        id: &id,
        tenant: &tenant,
        event_type: "workflow_run",
        summary,
        payload: payload.as_bytes(),
    };
    let plan = routes.plan(&platform, &arrival);
    let incoming = Incoming {
        id: id.clone(),
        event_type: "workflow_run".into(),
        summary: summary.clone(),
        quota: None,
        retention: Retention {
            processed_ms: DAY,
            pending_ms: DAY,
        },
        triggers: plan.sends.iter().map(|s| s.notification.clone()).collect(),
        mark_processed: plan.mark_processed,
        digest: None,
    };
    let ingested = pollster::block_on(store::ingest(
        &host.objects,
        &tenant,
        incoming,
        arrival.payload,
    ))
    .unwrap();
    if ingested == Ingested::Stored && !plan.sends.is_empty() {
        pollster::block_on(routes.fire(&platform, &arrival, &plan));
    }
    ingested
}

fn alarm(host: &TestHost<'_>) {
    pollster::block_on(host.objects.alarm("OUTBOX", "slack-ops", &host.platform()));
}

fn event(host: &TestHost<'_>, id: &str) -> store::EventSummary {
    let (tenant, id) = (
        Tenant::parse("acme").unwrap(),
        DeliveryId::parse(id).unwrap(),
    );
    pollster::block_on(store::get(&host.objects, &tenant, &id, 0))
        .unwrap()
        .unwrap()
        .event
}

fn posts(host: &TestHost<'_>) -> Vec<String> {
    host.fetch
        .sent()
        .into_iter()
        .filter(|r| r.url == HOOK)
        .map(|r| String::from_utf8_lossy(r.body.as_deref().unwrap_or_default()).into_owned())
        .collect()
}

#[test]
fn a_matching_event_is_sent_once_from_its_template_and_its_status_follows() {
    let clock = ManualClock::new(START);
    let host = host(&clock);
    slack_answers(&host, 200);
    let routes = Routes(&[FAILED_MAIN]);
    assert_eq!(
        deliver(&host, &routes, "d-1", &run("failure")),
        Ingested::Stored
    );
    let queued = event(&host, "d-1");
    assert_eq!(queued.trigger_status.as_deref(), Some("queued"));
    assert!(queued.last_triggered_at.is_some());
    assert!(
        posts(&host).is_empty(),
        "the intake never sends; the outbox's alarm does"
    );
    alarm(&host);
    let sent = posts(&host);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("octo/repo: CI failed"), "{}", sent[0]);
    assert!(
        sent[0].contains("failed on `main` at abc123"),
        "{}",
        sent[0]
    );
    let e = event(&host, "d-1");
    assert_eq!(e.trigger_status.as_deref(), Some("sent"));
    assert!(
        !e.processed,
        "routes notify; they do not mark processed unless told"
    );

    assert_eq!(
        deliver(&host, &routes, "d-1", &run("failure")),
        Ingested::Duplicate
    );
    alarm(&host);
    assert_eq!(posts(&host).len(), 1, "a redelivery never triggers twice");

    assert_eq!(
        deliver(&host, &routes, "d-2", &run("success")),
        Ingested::Stored
    );
    alarm(&host);
    assert_eq!(posts(&host).len(), 1);
    assert_eq!(event(&host, "d-2").trigger_status, None);
}

#[test]
fn a_channel_that_is_down_leaves_it_queued_until_it_is_back() {
    let clock = ManualClock::new(START);
    let host = host(&clock);
    slack_answers(&host, 503);
    let routes = Routes(&[FAILED_MAIN]);
    deliver(&host, &routes, "d-1", &run("failure"));
    alarm(&host);
    assert_eq!(posts(&host).len(), 1);
    assert_eq!(
        event(&host, "d-1").trigger_status.as_deref(),
        Some("queued")
    );
    slack_answers(&host, 200);
    clock.advance_ms(crate::channels::outbox::FIRST_BACKOFF_MS);
    alarm(&host);
    assert_eq!(posts(&host).len(), 2);
    assert_eq!(event(&host, "d-1").trigger_status.as_deref(), Some("sent"));
}

#[test]
fn mark_processed_marks_the_event_once_delivered() {
    let clock = ManualClock::new(START);
    let host = host(&clock);
    slack_answers(&host, 200);
    let routes = Routes(&[EventRoute {
        mark_processed: true,
        ..FAILED_MAIN
    }]);
    deliver(&host, &routes, "d-1", &run("failure"));
    assert!(!event(&host, "d-1").processed, "not before it is delivered");
    alarm(&host);
    let e = event(&host, "d-1");
    assert!(e.processed);
    assert_eq!(e.trigger_status.as_deref(), Some("sent"));
}

#[test]
fn a_channel_that_is_not_configured_fails_at_once() {
    let clock = ManualClock::new(START);
    let host = host(&clock);
    let routes = Routes(&[EventRoute {
        channels: &["slack-gone"],
        ..FAILED_MAIN
    }]);
    deliver(&host, &routes, "d-1", &run("failure"));
    assert_eq!(
        event(&host, "d-1").trigger_status.as_deref(),
        Some("failed")
    );
}

#[test]
fn conditions_actions_accounts_and_labels_decide_what_matches() {
    let summary = Summary {
        action: Some("opened".into()),
        repo: Some("octo/repo".into()),
        ..Summary::default()
    };
    let labelled =
        br#"{"repository":{"owner":{"login":"Octo"}},"issue":{"labels":[{"name":"bug"}]}}"#;
    let triage = EventRoute {
        name: "triage",
        events: &["issues"],
        actions: &["opened"],
        conditions: &[Condition {
            field: "label",
            any_of: &["bug", "security"],
        }],
        accounts: &["octo"],
        ..FAILED_MAIN
    };
    assert!(triage.matches(&Event::read("d", "issues", &summary, labelled)));
    let unlabelled = br#"{"repository":{"owner":{"login":"octo"}},"issue":{"labels":[]}}"#;
    assert!(!triage.matches(&Event::read("d", "issues", &summary, unlabelled)));
    let elsewhere =
        br#"{"repository":{"owner":{"login":"other"}},"issue":{"labels":[{"name":"bug"}]}}"#;
    assert!(!triage.matches(&Event::read("d", "issues", &summary, elsewhere)));
    assert!(!triage.matches(&Event::read("d", "pull_request", &summary, labelled)));
    let closed = Summary {
        action: Some("closed".into()),
        ..summary.clone()
    };
    assert!(!triage.matches(&Event::read("d", "issues", &closed, labelled)));
    let any_action = EventRoute {
        actions: &[],
        ..triage
    };
    assert!(any_action.matches(&Event::read("d", "issues", &closed, labelled)));
}
