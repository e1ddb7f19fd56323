//! The notification tools in process: channels from the JSON secrets, the services answered
//! by `CannedFetch`, the outbox and the audit trail over real SQLite. (End-to-end runs against
//! local stand-ins of the services are in e2e/channels.test.mjs.)

use dovecote_gateway::audit;
use dovecote_gateway::objects::host::LocalObjects;
use dovecote_gateway::platform::native::{MemoryKv, OsRandom, SoftDigests};
use dovecote_gateway::platform::Platform;
use dovecote_gateway::toolbox::{CallToolResult, Role, ScopeGrant};
use dovecote_gateway::tools::TOOLBOX;
use serde_json::json;

const TOKEN: &str = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678";
const SEND_URL: &str =
    "https://api.telegram.org/bot123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678/sendMessage";

#[path = "support/tool_world.rs"]
mod tool_world;
use tool_world::{json_answer, World};

fn world() -> World {
    let instances = format!(r#"[{{"id":"ops","botToken":"{TOKEN}","chatId":-100123}}]"#);
    World::new(
        &TOOLBOX,
        &[("TELEGRAM_INSTANCES", &instances)],
        &["dovecote:notify"],
        Some("client-1"),
    )
}

#[test]
fn the_tools_are_declared_under_dovecote_notify() {
    for name in [
        "list_channels",
        "send_notification",
        "get_notification_status",
    ] {
        let entry = TOOLBOX.tools.iter().find(|t| t.def.name == name).unwrap();
        assert_eq!(entry.policy.scope, "dovecote:notify", "{name}");
        assert!(entry.policy.enabled);
    }
    let notify = TOOLBOX.scopes.iter().find(|s| s.name == "dovecote:notify");
    assert_eq!(notify.unwrap().grant, ScopeGrant::Operators);
}

#[test]
fn the_tools_themselves_refuse_a_member_whatever_scope_reached_them() {
    let w = world();
    let objects = LocalObjects::new(&w.clock);
    for (tool, args) in [
        ("list_channels", json!({})),
        (
            "send_notification",
            json!({"channel": "telegram-ops", "text": "hi"}),
        ),
        ("get_notification_status", json!({"id": "telegram-ops.x"})),
    ] {
        let r = w.call_as(Role::Member, &objects, tool, args);
        assert!(r.is_error, "{tool}");
        assert!(
            r.content[0].as_text().unwrap().contains("Only an operator"),
            "{tool}: {r:?}"
        );
    }
    assert!(w.fetch.sent().is_empty(), "nothing was sent");
}

#[test]
fn a_send_is_delivered_audited_and_readable_by_id() {
    let w = world();
    let objects = LocalObjects::new(&w.clock);
    w.fetch.answer(
        SEND_URL,
        json_answer(200, &json!({"ok": true, "result": {"message_id": 77}})),
    );
    let result = w.call(
        &objects,
        "send_notification",
        json!({"channel": "telegram-ops", "text": "hi"}),
    );
    assert!(!result.is_error, "{:?}", result.content);
    let out = result.structured_content.unwrap();
    assert_eq!(out["outcome"], "sent");
    assert_eq!(out["message_ids"], json!(["77"]));
    let id = out["id"].as_str().unwrap().to_owned();

    let entries = pollster::block_on(audit::recent(&objects, 10)).unwrap();
    let entry = entries.iter().find(|e| e.event == "notify").unwrap();
    assert_eq!(
        (entry.actor.as_str(), entry.outcome.as_str()),
        ("password:owner", "sent")
    );
    assert_eq!(entry.client_id.as_deref(), Some("client-1"));
    assert_eq!(entry.detail, format!("{id} to telegram-ops, 1/1 parts"));
    assert!(
        entries.iter().all(|e| !e.detail.contains("ABCdef")),
        "no secret in the audit trail"
    );

    let status = w.call(&objects, "get_notification_status", json!({"id": id}));
    let status = status.structured_content.unwrap();
    assert_eq!(
        (status["state"].as_str(), status["message_ids"].clone()),
        (Some("sent"), json!(["77"]))
    );
}

#[test]
fn an_outage_queues_and_the_alarm_delivers_it_later() {
    let w = world();
    let objects = LocalObjects::new(&w.clock);
    w.fetch.answer(
        SEND_URL,
        json_answer(
            502,
            &json!({"ok": false, "error_code": 502, "description": "Bad Gateway"}),
        ),
    );
    let result = w.call(
        &objects,
        "send_notification",
        json!({"channel": "telegram-ops", "text": "hi"}),
    );
    let out = result.structured_content.unwrap();
    assert_eq!(out["outcome"], "queued");
    assert_eq!(out["reason"], "Telegram: Bad Gateway");
    assert_eq!(
        w.fetch.sent().len(),
        3,
        "two short retries within the request"
    );

    w.fetch.answer(
        SEND_URL,
        json_answer(200, &json!({"ok": true, "result": {"message_id": 5}})),
    );
    let db = objects.database("OUTBOX", "telegram-ops");
    let kv = MemoryKv::new(&w.clock);
    let platform = Platform {
        kv: &kv,
        objects: &objects,
        clock: &w.clock,
        random: &OsRandom,
        fetch: &w.fetch,
        secrets: &w.secrets,
        digests: &SoftDigests,
    };
    let next = dovecote_gateway::channels::outbox::next_wake(&*db).unwrap();
    w.clock
        .advance_ms(next - dovecote_gateway::platform::Clock::now_ms(&w.clock));
    let after = pollster::block_on(dovecote_gateway::channels::outbox::run_due(
        &*db,
        &platform,
        &[],
    ));
    assert_eq!(after, None);
    let status = w.call(
        &objects,
        "get_notification_status",
        json!({"id": out["id"]}),
    );
    assert_eq!(status.structured_content.unwrap()["state"], "sent");
    assert_eq!(w.fetch.sent().len(), 4);
}

#[test]
fn unknown_channels_bad_ids_and_missing_secrets_are_tool_errors() {
    let w = world();
    let objects = LocalObjects::new(&w.clock);
    let text = |r: CallToolResult| {
        assert!(r.is_error);
        r.content[0].as_text().unwrap().to_owned()
    };
    assert_eq!(
        text(w.call(
            &objects,
            "send_notification",
            json!({"channel": "discord-x", "text": "hi"})
        )),
        "Unknown channel `discord-x`. Channels: telegram-ops"
    );
    assert!(text(w.call(
        &objects,
        "get_notification_status",
        json!({"id": "telegram-ops:zz"})
    ))
    .starts_with("`id` is not"));
    assert!(text(w.call(
        &objects,
        "get_notification_status",
        json!({"id": "telegram-ops:000000000000000000000000"})
    ))
    .starts_with("No notification"));
    w.secrets.set("NOTIFY_EXPIRY_HOURS", "forever");
    assert!(text(w.call(
        &objects,
        "send_notification",
        json!({"channel": "telegram-ops", "text": "hi"})
    ))
    .contains("NOTIFY_EXPIRY_HOURS"));
    assert!(w.fetch.sent().is_empty());
}

#[test]
fn a_timeout_is_queued_without_an_immediate_retry() {
    let w = world();
    let objects = LocalObjects::new(&w.clock);
    w.fetch.time_out(SEND_URL);
    let result = w.call(
        &objects,
        "send_notification",
        json!({"channel": "telegram-ops", "text": "hi"}),
    );
    let out = result.structured_content.unwrap();
    assert_eq!(out["outcome"], "queued");
    assert_eq!(out["reason"], "telegram: no answer within 5 s");
    assert_eq!(
        w.fetch.sent().len(),
        1,
        "the outcome is unknown: no quick repeat"
    );
}
