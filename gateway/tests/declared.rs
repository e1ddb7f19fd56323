//! Tools declared in `tools.toml` without Rust (`fixtures/declared_tools.toml`): compiled by
//! `toolbox!`, described and called through the generated `TOOLBOX`, against `CannedFetch`
//! (end-to-end runs against a local HTTP stand-in are in e2e/declared.test.mjs).

use dovecote_gateway::audit;
use dovecote_gateway::mcp::catalog::descriptor as catalog_descriptor;
use dovecote_gateway::objects::host::LocalObjects;
use dovecote_gateway::platform::{Fetched, HttpMethod};
use dovecote_gateway::toolbox;
use dovecote_gateway::toolbox::{CallToolResult, Role, ToolEntry};
use serde_json::{json, Value};

toolbox! {
    manifest = "fixtures/declared_tools.toml",
    channels = "fixtures/declared_channels.toml",
    tools = [],
}

const ITEM_URL: &str = "https://api.example.com/v1/items/a%2F..%3Fb?fields=short&key=k-123";

#[path = "support/tool_world.rs"]
mod tool_world;
use tool_world::{json_answer, World};

fn world() -> World {
    let secrets = [("ITEMS_TOKEN", "tok-secret-value"), ("ITEMS_KEY", "k-123")];
    World::new(&TOOLBOX, &secrets, &[], None)
}

fn entry(name: &str) -> &'static ToolEntry {
    TOOLBOX.tools.iter().find(|t| t.def.name == name).unwrap()
}

fn text(result: &CallToolResult) -> &str {
    result.content[0].as_text().unwrap()
}

#[test]
fn a_declared_tool_is_listed_with_its_schema_annotations_and_policy() {
    let tool = catalog_descriptor(entry("get_item"));
    let tool = serde_json::to_value(&tool).unwrap();
    assert_eq!(tool["name"], "get_item");
    assert_eq!(tool["title"], "Get an item");
    assert_eq!(tool["description"], "Reads one item of the example API.");
    assert_eq!(tool["annotations"]["readOnlyHint"], true);
    assert_eq!(tool["annotations"]["idempotentHint"], true);
    let schema = &tool["inputSchema"];
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["required"], json!(["id"]));
    assert_eq!(schema["properties"]["id"]["maxLength"], 40);
    assert_eq!(schema["properties"]["fields"]["default"], "short");
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(entry("get_item").policy.scope, "items:read");
    assert_eq!(entry("get_item").policy.rate.to_string(), "60/minute");
    let preset = serde_json::to_value(catalog_descriptor(entry("deploy_finished"))).unwrap();
    assert_eq!(preset["outputSchema"]["type"], "object");
    assert!(preset["outputSchema"]["properties"]["notifications"].is_object());
}

#[test]
fn an_http_tool_encodes_each_value_for_where_it_goes_and_returns_its_pointers() {
    let world = world();
    let objects = LocalObjects::new(&world.clock);
    world.fetch.answer(
        ITEM_URL,
        json_answer(
            200,
            &json!({"item": {"name": "Lamp", "price": 12, "secret": "x"}}),
        ),
    );
    let r = world.call(
        &objects,
        "get_item",
        json!({"id": "a/..?b", "trace": "t-1"}),
    );
    assert!(!r.is_error, "{}", text(&r));
    assert_eq!(
        r.structured_content,
        Some(json!({"name": "Lamp", "price": 12}))
    );
    let sent = world.fetch.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, HttpMethod::Get);
    assert_eq!(sent[0].url, ITEM_URL);
    assert_eq!(sent[0].timeout_ms, 2000);
    assert_eq!(sent[0].max_bytes, 1000);
    let header = |n: &str| {
        sent[0]
            .headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        header("authorization").as_deref(),
        Some("Bearer tok-secret-value")
    );
    assert_eq!(header("x-trace").as_deref(), Some("t-1"));
    // Audited, without the secret or the path.
    let entries = pollster::block_on(audit::recent(&objects, 10)).unwrap();
    let e = entries.iter().find(|e| e.event == "http_tool").unwrap();
    assert_eq!(
        (e.outcome.as_str(), e.actor.as_str()),
        ("ok", "password:owner")
    );
    assert_eq!(e.detail, "get_item → api.example.com: 200");
}

#[test]
fn bad_arguments_are_refused_before_anything_goes_out() {
    let world = world();
    let objects = LocalObjects::new(&world.clock);
    for (args, says) in [
        (json!({}), "`id` is required"),
        (json!({"id": "x", "fields": "all"}), "must be one of"),
        (json!({"id": ".."}), "may not be empty, `.` or `..`"),
        (json!({"id": "x", "trace": "a\r\nx-evil: 1"}), "line break"),
        (json!({"id": "x", "other": 1}), "no argument `other`"),
    ] {
        let r = world.call(&objects, "get_item", args.clone());
        assert!(
            r.is_error && text(&r).contains(says),
            "{args}: {}",
            text(&r)
        );
    }
    assert!(world.fetch.sent().is_empty());
}

#[test]
fn upstream_failures_become_errors_a_model_can_act_on_without_the_secret() {
    let world = world();
    let objects = LocalObjects::new(&world.clock);
    let cases = [
        (
            json_answer(
                404,
                &json!({"error": "no such item", "echo": "tok-secret-value"}),
            ),
            "refused the request (404)",
        ),
        (json_answer(503, &json!({})), "failed (503)"),
        (json_answer(429, &json!({})), "rate limiting (429)"),
        (json_answer(401, &json!({})), "credentials (401)"),
        (
            Fetched {
                status: 302,
                headers: vec![("location".into(), "https://elsewhere.example/".into())],
                body: vec![],
            },
            "redirect",
        ),
        (
            Fetched {
                status: 200,
                headers: vec![("content-type".into(), "text/html".into())],
                body: b"<html>".to_vec(),
            },
            "not JSON (text/html)",
        ),
        (
            json_answer(200, &json!({"big": "x".repeat(2000)})),
            "more than 1000 bytes",
        ),
    ];
    for (answer, says) in cases {
        world.fetch.answer(ITEM_URL, answer);
        let r = world.call(&objects, "get_item", json!({"id": "a/..?b"}));
        let shown = serde_json::to_string(&r).unwrap();
        assert!(
            r.is_error && text(&r).contains(says),
            "{says}: {}",
            text(&r)
        );
        assert!(!shown.contains("tok-secret-value"), "{shown}");
    }
    // A 503 on an idempotent GET is tried once more.
    world.fetch.answer(ITEM_URL, json_answer(503, &json!({})));
    let before = world.fetch.sent().len();
    world.call(&objects, "get_item", json!({"id": "a/..?b"}));
    assert_eq!(world.fetch.sent().len() - before, 2);
    world.fetch.time_out(ITEM_URL);
    let r = world.call(&objects, "get_item", json!({"id": "a/..?b"}));
    assert!(
        r.is_error && text(&r).contains("did not answer within 2000 ms"),
        "{}",
        text(&r)
    );
}

#[test]
fn a_post_sends_typed_json_and_its_origin_follows_the_variable_under_the_same_host_rules() {
    let world = world();
    let objects = LocalObjects::new(&world.clock);
    world.fetch.answer(
        "https://api.example.com/v1/items",
        json_answer(201, &json!({"id": "i-1"})),
    );
    let r = world.call(
        &objects,
        "create_item",
        json!({"name": "Lamp \"L\"", "count": 2}),
    );
    assert!(!r.is_error, "{}", text(&r));
    let sent = world.fetch.sent().pop().unwrap();
    assert_eq!(sent.method, HttpMethod::Post);
    let body: Value = serde_json::from_slice(sent.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"name": "Lamp \"L\"", "count": 2, "label": "item Lamp \"L\""})
    );
    world
        .secrets
        .set("ITEMS_API_BASE", "https://staging.example.com");
    world.fetch.answer(
        "https://staging.example.com/v1/items",
        json_answer(200, &json!({"id": "i-2"})),
    );
    let r = world.call(&objects, "create_item", json!({"name": "a", "count": 1}));
    assert_eq!(r.structured_content, Some(json!({"id": "i-2"})));
    // A private or plain-http origin is refused at run time as at build time.
    for base in [
        "http://127.0.0.1:8080",
        "https://10.0.0.2",
        "https://x.example/path",
    ] {
        world.secrets.set("ITEMS_API_BASE", base);
        let before = world.fetch.sent().len();
        let r = world.call(&objects, "create_item", json!({"name": "a", "count": 1}));
        assert!(
            r.is_error && text(&r).contains("not set up right"),
            "{base}: {}",
            text(&r)
        );
        assert_eq!(world.fetch.sent().len(), before, "{base}");
    }
}

#[test]
fn a_preset_sends_its_template_to_its_channel_through_the_outbox() {
    let world = world();
    // The build checks the preset's channel against fixtures/declared_channels.toml; at run
    // time the gateway's registry holds channels.toml's and the *_INSTANCES secrets' channels.
    world.secrets.set(
        "TELEGRAM_INSTANCES",
        r#"[{"id":"ops","botToken":"123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678","chatId":-100123}]"#,
    );
    let objects = LocalObjects::new(&world.clock);
    let send = "https://api.telegram.org/bot123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678/sendMessage";
    world.fetch.answer(
        send,
        json_answer(200, &json!({"ok": true, "result": {"message_id": 7}})),
    );
    let r = world.call(
        &objects,
        "deploy_finished",
        json!({"service": "api", "version": "1.2.3", "url": "https://ci.example.com/run/9"}),
    );
    assert!(!r.is_error, "{}", text(&r));
    let out = r.structured_content.unwrap();
    assert_eq!(out["notifications"][0]["channel"], "telegram-ops");
    assert_eq!(out["notifications"][0]["outcome"], "sent");
    let sent = world.fetch.sent().pop().unwrap();
    let body = String::from_utf8(sent.body.unwrap()).unwrap();
    assert!(
        body.contains("Deployed api 1.2.3") && body.contains("1.2.3 is live"),
        "{body}"
    );
    assert!(body.contains("https://ci.example.com/run/9"), "{body}");
    let entries = pollster::block_on(audit::recent(&objects, 10)).unwrap();
    assert!(entries
        .iter()
        .any(|e| e.event == "notify" && e.outcome == "sent"));
    let r = world.call(&objects, "deploy_finished", json!({"service": "api"}));
    assert!(r.is_error && text(&r).contains("`version` is required"));
    // The operator's channels stay an operator power, whatever a token holds.
    let before = world.fetch.sent().len();
    let full = json!({"service": "api", "version": "1"});
    let r = world.call_as(Role::Member, &objects, "deploy_finished", full);
    assert!(r.is_error && text(&r).contains("operator"), "{}", text(&r));
    assert_eq!(world.fetch.sent().len(), before);
}

/// The worked example users copy from, compiled as they would.
mod example {
    dovecote_gateway::toolbox! {
        manifest = "../../examples/tools.toml",
        channels = "../../examples/channels.toml",
        tools = [],
    }
}

#[test]
fn the_worked_example_builds_one_tool_of_each_kind() {
    let names: Vec<&str> = example::TOOLBOX.tools.iter().map(|t| t.def.name).collect();
    assert_eq!(names, ["get_service_status", "deploy_finished"]);
    let status = serde_json::to_value(catalog_descriptor(&example::TOOLBOX.tools[0])).unwrap();
    assert_eq!(status["inputSchema"]["required"], json!(["service"]));
    assert_eq!(status["annotations"]["readOnlyHint"], true);
    if std::env::var_os("SHOW_DESCRIPTORS").is_some() {
        for tool in example::TOOLBOX.tools {
            let d = serde_json::to_string_pretty(&catalog_descriptor(tool)).unwrap();
            println!("{d}");
        }
    }
}
