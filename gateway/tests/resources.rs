//! MCP resources in process, through `/mcp` as signed-in callers reach it: GitHub events and
//! pending summaries per account, knowledge-base documents, channels for operators; who sees
//! what, resource-not-found for foreign and missing alike, paging, scopes and rates, in both
//! protocol generations. Real SQLite objects and a clock that moves only when told;
//! `e2e/resources.test.mjs` repeats the main path in workerd with the official SDK clients.

use dovecote_gateway::config::Config;
use dovecote_gateway::http::{Headers, HttpRequest, HttpResponse};
use dovecote_gateway::knowledge::{self, NewDocument};
use dovecote_gateway::mcp::{self, McpServer};
use dovecote_gateway::objects::host::LocalObjects;
use dovecote_gateway::platform::native::{
    CannedFetch, ManualClock, MapSecrets, MemoryKv, OsRandom, SoftDigests,
};
use dovecote_gateway::platform::Platform;
use dovecote_gateway::platform::{Sql, SqlValue};
use dovecote_gateway::toolbox::{Principal, Reach, Role, TenantAccess};
use dovecote_gateway::tools::{catalog, TOOLBOX};
use dovecote_gateway::webhooks::store::{self, Incoming};
use dovecote_gateway::webhooks::Tenant;
use serde_json::{json, Value};

const MODERN: &str = "2026-07-28";

struct World {
    clock: ManualClock,
    config: Config,
    fetch: CannedFetch,
    secrets: MapSecrets,
}

impl World {
    fn new(page_size: usize) -> Self {
        let mut config =
            Config::from_vars(|k| (k == "DOVECOTE_ENV").then(|| "development".into())).unwrap();
        config.tools_page_size = page_size;
        Self {
            clock: ManualClock::new(1_800_000_000_000),
            config,
            fetch: CannedFetch::default(),
            secrets: MapSecrets::default(),
        }
    }

    fn platform<'a>(&'a self, objects: &'a LocalObjects<'a>, kv: &'a MemoryKv<'a>) -> Platform<'a> {
        Platform {
            kv,
            objects,
            clock: &self.clock,
            random: &OsRandom,
            fetch: &self.fetch,
            secrets: &self.secrets,
            digests: &SoftDigests,
        }
    }

    /// Sends `method` with `params` as `who`, in the stateless generation or the session era.
    fn ask(
        &self,
        objects: &LocalObjects<'_>,
        who: &Principal,
        modern: bool,
        method: &str,
        params: Value,
    ) -> (u16, Value) {
        let r: HttpResponse = self.answer(objects, who, modern, method, params).whole();
        let v = serde_json::from_slice(&r.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&r.body)));
        (r.status, v)
    }

    /// What `/mcp` answers `method` with `params` from `who`, streams as they are.
    fn answer(
        &self,
        objects: &LocalObjects<'_>,
        who: &Principal,
        modern: bool,
        method: &str,
        mut params: Value,
    ) -> mcp::McpAnswer {
        let kv = MemoryKv::new(&self.clock);
        let server = McpServer {
            config: &self.config,
            platform: self.platform(objects, &kv),
            toolbox: &TOOLBOX,
            catalog: catalog(),
            signing_key: None,
            previous_signing_key: None,
            challenge: None,
            leases: &dovecote_gateway::ratelimit::Leases::default(),
        };
        let mut h = Headers::default();
        h.push("Host", "127.0.0.1:8787");
        h.push("Content-Type", "application/json");
        h.push("Accept", "application/json, text/event-stream");
        if modern {
            params["_meta"] = json!({
                "io.modelcontextprotocol/protocolVersion": MODERN,
                "io.modelcontextprotocol/clientCapabilities": {},
            });
            h.push("MCP-Protocol-Version", MODERN);
            h.push("Mcp-Method", method);
            let name = params.get("uri").or_else(|| params.get("name"));
            if let Some(name) = name.and_then(Value::as_str) {
                h.push("Mcp-Name", name);
            }
        } else {
            h.push("MCP-Protocol-Version", "2025-06-18");
        }
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let req = HttpRequest::new(
            "POST",
            "http://127.0.0.1:8787/mcp",
            h,
            body.to_string().into_bytes(),
        );
        if let TenantAccess::Installations(reach) = &who.tenants {
            reach.iter().for_each(|r| installed(objects, &r.login));
        }
        pollster::block_on(mcp::handle(&server, &req, who))
    }

    fn deliver(&self, objects: &LocalObjects<'_>, account: &str, id: &str, payload: &Value) {
        let incoming = Incoming {
            id: dovecote_gateway::webhooks::DeliveryId::parse(id).unwrap(),
            event_type: "issues".into(),
            summary: Default::default(),
            quota: None,
            retention: self.config.webhooks.retention,
            triggers: Vec::new(),
            mark_processed: false,
            digest: None,
        };
        let tenant = Tenant::parse(account).unwrap();
        let bytes = payload.to_string().into_bytes();
        pollster::block_on(store::ingest(objects, &tenant, incoming, &bytes)).unwrap();
        self.clock.advance_ms(10);
    }
}

/// The installation id the tests give `account`.
fn installation_of(account: &str) -> u64 {
    let lower = account.to_ascii_lowercase();
    lower.bytes().fold(7u64, |h, b| h * 31 + u64::from(b)) % 1_000_000
}

/// The GitHub id the tests give `account`.
fn account_id(account: &str) -> u64 {
    installation_of(account) + 1
}

/// `account`'s installation, as a registry from before accounts had ids holds it: its store is
/// named by the login.
fn installed(objects: &LocalObjects<'_>, account: &str) {
    let registry = objects.database("TENANT_REGISTRY", "registry");
    let account = account.to_ascii_lowercase();
    for statement in [
        "CREATE TABLE IF NOT EXISTS installations \
         (id INTEGER PRIMARY KEY, account TEXT NOT NULL, removed_at INTEGER)",
        "CREATE TABLE IF NOT EXISTS tenants (account TEXT PRIMARY KEY, removed_at INTEGER)",
    ] {
        registry.exec(statement, &[]).unwrap();
    }
    let id = SqlValue::Integer(installation_of(&account) as i64);
    registry
        .exec(
            "INSERT OR IGNORE INTO installations (id, account) VALUES (?, ?)",
            &[id, account.as_str().into()],
        )
        .unwrap();
    registry
        .exec(
            "INSERT OR IGNORE INTO tenants (account) VALUES (?)",
            &[account.as_str().into()],
        )
        .unwrap();
}

/// A member who administers the accounts of `accounts` (their installations, by id).
fn member(login: &str, accounts: &[&str], scopes: &[&str]) -> Principal {
    Principal {
        id: format!("github:{login}"),
        authenticated: true,
        name: Some(login.into()),
        identity_provider: Some("github".into()),
        client_id: Some("c".into()),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        address: None,
        tenants: TenantAccess::Installations(
            accounts
                .iter()
                .map(|a| Reach {
                    installation: installation_of(a),
                    account_id: installation_of(a) + 1,
                    login: a.to_string(),
                    admin: true,
                    repositories: Vec::new(),
                })
                .collect(),
        ),
        github: None,
        role: Role::Member,
    }
}

const READER: &[&str] = &["dovecote:events:read", "kb:read"];

fn uris(result: &Value) -> Vec<String> {
    result["resources"]
        .as_array()
        .unwrap_or_else(|| panic!("no resources: {result}"))
        .iter()
        .map(|r| r["uri"].as_str().unwrap().to_owned())
        .collect()
}

fn read_text(w: &World, o: &LocalObjects<'_>, who: &Principal, uri: &str) -> (String, String) {
    let (status, v) = w.ask(o, who, true, "resources/read", json!({"uri": uri}));
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (
            v["result"]["cacheScope"].as_str(),
            v["result"]["ttlMs"].as_u64()
        ),
        (Some("private"), Some(0))
    );
    let c = &v["result"]["contents"][0];
    assert_eq!(c["uri"], uri);
    (
        c["mimeType"].as_str().unwrap().to_owned(),
        c["text"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn each_caller_reads_its_own_events_and_a_foreign_one_is_not_found_like_a_missing_one() {
    let w = World::new(50);
    let o = LocalObjects::new(&w.clock);
    let payload = json!({"action": "opened", "issue": {"number": 7, "title": "Café ☕"}});
    w.deliver(&o, "Octo", "octo-1", &payload);
    w.deliver(&o, "acme", "acme-1", &json!({"action": "closed"}));
    let bob = member("bob", &["octo"], READER);
    let alice = member("alice", &["acme"], READER);

    let (mime, text) = read_text(&w, &o, &bob, "github://accounts/octo/events/octo-1");
    assert_eq!(mime, "application/json");
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), payload);

    let (_, summary) = read_text(&w, &o, &bob, "github://accounts/octo/pending");
    let summary: Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["account"], "octo");
    assert_eq!(summary["pending_count"], 1);
    // URIs the gateway writes name the account by its GitHub id, which a rename never changes.
    assert_eq!(
        summary["events"][0]["uri"],
        format!("github://accounts/{}/events/octo-1", account_id("octo"))
    );

    // Alice's event through bob's eyes, an event that does not exist, alice's event under
    // bob's account, a URI of no family: the same answer, naming the URI asked for.
    let mut first = None;
    for uri in [
        "github://accounts/acme/events/acme-1",
        "github://accounts/octo/events/nope-1",
        "github://accounts/octo/events/acme-1",
        "nothing://here",
    ] {
        let (status, v) = w.ask(&o, &bob, true, "resources/read", json!({"uri": uri}));
        assert_eq!(status, 400, "{v}");
        let mut error = v["error"].clone();
        assert_eq!(error["data"], json!({"uri": uri}));
        error["data"] = Value::Null;
        assert_eq!(&error, first.get_or_insert_with(|| error.clone()));
        assert_eq!(error["code"], -32602);
        assert_eq!(error["message"], "Resource not found");
    }
    let pending = w.ask(
        &o,
        &bob,
        true,
        "resources/read",
        json!({"uri": "github://accounts/acme/pending"}),
    );
    assert_eq!(pending.1["error"]["message"], "Resource not found");
    // The session era carries the same error with 200.
    let (status, old) = w.ask(
        &o,
        &bob,
        false,
        "resources/read",
        json!({"uri": "github://accounts/acme/events/acme-1"}),
    );
    assert_eq!(status, 200);
    assert_eq!(
        old["error"]["data"]["uri"],
        "github://accounts/acme/events/acme-1"
    );

    let (_, text) = read_text(&w, &o, &alice, "github://accounts/acme/events/acme-1");
    assert_eq!(text, r#"{"action":"closed"}"#, "the payload's own bytes");
}

#[test]
fn lists_hold_entry_points_never_events_and_page_through_documents() {
    let w = World::new(2);
    let o = LocalObjects::new(&w.clock);
    for n in 0..5 {
        w.deliver(&o, "octo", &format!("octo-{n}"), &json!({"n": n}));
    }
    let bob = member("bob", &["octo", "octo-labs"], READER);
    for title in ["One", "Two", "Three"] {
        let doc = NewDocument {
            title: title.into(),
            content: format!("# {title}\n\nNotes."),
            tags: vec![],
        };
        pollster::block_on(knowledge::create(&o, &bob.id, doc)).unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    for page in 0.. {
        assert!(page < 10, "pages end");
        let (status, v) = w.ask(&o, &bob, true, "resources/list", json!({"cursor": cursor}));
        assert_eq!(status, 200, "{v}");
        let r = &v["result"];
        assert_eq!(r["cacheScope"], "private");
        assert!(uris(r).len() <= 2);
        seen.extend(uris(r));
        match r.get("nextCursor") {
            Some(c) => cursor = c.clone(),
            None => break,
        }
    }
    let mut accounts = [account_id("octo"), account_id("octo-labs")];
    accounts.sort_by_key(|id| id.to_string());
    let mut expected: Vec<String> = accounts
        .iter()
        .map(|id| format!("github://accounts/{id}/pending"))
        .collect();
    expected.extend((1..=3).map(|n| format!("dovecote://knowledge/documents/{n}")));
    assert_eq!(seen, expected);
    let (mime, text) = read_text(&w, &o, &bob, "dovecote://knowledge/documents/2");
    assert_eq!(
        (mime.as_str(), text.as_str()),
        ("text/markdown", "# Two\n\nNotes.")
    );

    let alice = member("alice", &[], READER);
    let (_, v) = w.ask(&o, &alice, true, "resources/list", json!({}));
    assert_eq!(
        uris(&v["result"]),
        Vec::<String>::new(),
        "alice has no accounts or documents"
    );
    let (_, v) = w.ask(
        &o,
        &alice,
        true,
        "resources/read",
        json!({"uri": "dovecote://knowledge/documents/2"}),
    );
    assert_eq!(
        v["error"]["message"], "Resource not found",
        "bob's document is not alice's"
    );

    for forged in ["bm9wZQ", "%%", "a25vd2xlZGdlX2RvY3VtZW50CngK"] {
        let (status, v) = w.ask(&o, &bob, true, "resources/list", json!({"cursor": forged}));
        assert_eq!(
            (status, v["error"]["code"].as_i64()),
            (400, Some(-32602)),
            "{forged}: {v}"
        );
    }
    let (_, v) = w.ask(&o, &bob, false, "resources/list", json!({}));
    assert!(
        v["result"].get("cacheScope").is_none(),
        "no caching fields in the session era"
    );
}

#[test]
fn templates_and_families_follow_scopes_and_roles() {
    let w = World::new(50);
    let o = LocalObjects::new(&w.clock);
    let names = |who: &Principal| -> Vec<String> {
        let (_, v) = w.ask(&o, who, true, "resources/templates/list", json!({}));
        assert_eq!(v["result"]["cacheScope"], "private");
        v["result"]["resourceTemplates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["uriTemplate"].as_str().unwrap().to_owned())
            .collect()
    };
    let bob = member("bob", &["octo"], READER);
    assert_eq!(
        names(&bob),
        [
            "github://accounts/{account}/pending",
            "github://accounts/{account}/events/{delivery_id}",
            "dovecote://knowledge/documents/{id}",
        ]
    );
    // A member holding an operator scope (an old token) still sees no channels.
    let notifier = member("bob", &["octo"], &["dovecote:notify"]);
    assert_eq!(names(&notifier), Vec::<String>::new());
    let operator = Principal {
        role: Role::Operator,
        tenants: TenantAccess::All,
        ..member("owner", &[], &["dovecote:notify"])
    };
    assert_eq!(names(&operator), ["dovecote://channels/{channel}"]);

    let events_only = member("carol", &["octo"], &["dovecote:events:read"]);
    let (status, v) = w.ask(
        &o,
        &events_only,
        true,
        "resources/read",
        json!({"uri": "dovecote://knowledge/documents/1"}),
    );
    assert_eq!(status, 403, "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("`kb:read`"));
}

#[test]
fn reads_are_rate_limited_per_caller_and_family() {
    let w = World::new(50);
    let o = LocalObjects::new(&w.clock);
    let bob = member("bob", &["octo"], READER);
    let family = TOOLBOX
        .resource_families()
        .find(|r| r.def.name == "knowledge_document")
        .unwrap();
    let read = |who: &Principal| {
        w.ask(
            &o,
            who,
            true,
            "resources/read",
            json!({"uri": "dovecote://knowledge/documents/1"}),
        )
    };
    for _ in 0..family.policy.rate.count {
        assert_eq!(read(&bob).1["error"]["message"], "Resource not found");
    }
    let (status, v) = read(&bob);
    assert_eq!(
        (status, v["error"]["code"].as_i64()),
        (429, Some(-32029)),
        "{v}"
    );
    let alice = member("alice", &[], READER);
    assert_eq!(
        read(&alice).1["error"]["message"],
        "Resource not found",
        "per caller"
    );
    let (_, v) = w.ask(
        &o,
        &bob,
        true,
        "resources/read",
        json!({"uri": "github://accounts/octo/pending"}),
    );
    assert!(v.get("result").is_some(), "per family: {v}");
    w.clock.advance_ms(family.policy.rate.period.millis());
    assert_eq!(read(&bob).1["error"]["message"], "Resource not found");
}

#[test]
fn prompts_list_by_scope_and_embed_what_the_caller_may_read() {
    let w = World::new(50);
    let o = LocalObjects::new(&w.clock);
    w.deliver(&o, "octo", "octo-1", &json!({"action": "opened"}));
    w.deliver(&o, "acme", "acme-1", &json!({"action": "opened"}));
    let bob = member("bob", &["octo"], READER);

    let (_, v) = w.ask(&o, &bob, true, "prompts/list", json!({}));
    assert_eq!(v["result"]["cacheScope"], "private");
    let prompts = v["result"]["prompts"].as_array().unwrap();
    let names: Vec<&str> = prompts
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["triage_pending_events", "summarize_pull_request"]);
    assert_eq!(
        prompts[0]["arguments"],
        json!([{"name": "account", "description": "The GitHub account (user or organization) whose events to triage", "required": true}])
    );

    for modern in [true, false] {
        let (status, v) = w.ask(
            &o,
            &bob,
            modern,
            "prompts/get",
            json!({"name": "triage_pending_events", "arguments": {"account": "octo"}}),
        );
        assert_eq!(status, 200, "{v}");
        let messages = v["result"]["messages"].as_array().unwrap();
        assert_eq!(messages.len(), 2);
        let embedded = &messages[0]["content"];
        assert_eq!(embedded["type"], "resource");
        assert_eq!(
            embedded["resource"]["uri"],
            "github://accounts/octo/pending"
        );
        assert_eq!(embedded["resource"]["mimeType"], "application/json");
        let summary: Value =
            serde_json::from_str(embedded["resource"]["text"].as_str().unwrap()).unwrap();
        assert_eq!(summary["events"][0]["id"], "octo-1");
        assert_eq!(messages[1]["role"], "user");
        assert!(messages[1]["content"]["text"]
            .as_str()
            .unwrap()
            .contains("events of octo."));
    }

    // A prompt never embeds what resources/read would refuse.
    let (_, v) = w.ask(
        &o,
        &bob,
        true,
        "prompts/get",
        json!({"name": "triage_pending_events", "arguments": {"account": "acme"}}),
    );
    assert_eq!(v["error"]["message"], "Resource not found");
    assert_eq!(v["error"]["data"]["uri"], "github://accounts/acme/pending");

    for (arguments, says) in [
        (json!({}), "needs the argument `account`"),
        (
            json!({"account": "octo", "extra": "x"}),
            "has no argument `extra`",
        ),
        (json!({"account": 7}), "must be a string"),
        (json!({"account": "x".repeat(1001)}), "longer than 1000"),
        (json!(["octo"]), "must be an object"),
    ] {
        let (status, v) = w.ask(
            &o,
            &bob,
            true,
            "prompts/get",
            json!({"name": "triage_pending_events", "arguments": arguments}),
        );
        assert_eq!(
            (status, v["error"]["code"].as_i64()),
            (400, Some(-32602)),
            "{v}"
        );
        assert!(
            v["error"]["message"].as_str().unwrap().contains(says),
            "{v}"
        );
    }
    let (_, v) = w.ask(&o, &bob, true, "prompts/get", json!({"name": "nope"}));
    assert_eq!(v["error"]["message"], "Unknown prompt: nope");

    let notifier = member("bob", &["octo"], &["dovecote:notify"]);
    let (status, v) = w.ask(
        &o,
        &notifier,
        true,
        "prompts/get",
        json!({"name": "draft_notification", "arguments": {"channel": "c", "topic": "t"}}),
    );
    assert_eq!(status, 403, "an operator scope on a member's token: {v}");
}

#[test]
fn completion_suggests_only_what_the_caller_may_read() {
    let w = World::new(50);
    let o = LocalObjects::new(&w.clock);
    w.deliver(&o, "octo", "octo-1", &json!({}));
    // Bodies of their own: the same body again would be a replay, stored once.
    w.deliver(&o, "octo", "octo-2", &json!({"n": 2}));
    w.deliver(&o, "acme", "acme-1", &json!({}));
    let bob = member("bob", &["octo", "octo-labs", "other"], READER);
    let doc = NewDocument {
        title: "Deploy runbook".into(),
        content: "Steps.".into(),
        tags: vec![],
    };
    pollster::block_on(knowledge::create(&o, &bob.id, doc)).unwrap();
    let complete = |who: &Principal, reference: Value, name: &str, value: &str, context: Value| {
        let params = json!({"ref": reference, "argument": {"name": name, "value": value},
            "context": {"arguments": context}});
        let (status, v) = w.ask(&o, who, true, "completion/complete", params);
        assert_eq!(status, 200, "{v}");
        v["result"]["completion"]["values"].clone()
    };
    let triage = json!({"type": "ref/prompt", "name": "triage_pending_events"});
    assert_eq!(
        complete(&bob, triage.clone(), "account", "OC", json!({})),
        json!(["octo", "octo-labs"])
    );
    let alice = member("alice", &["acme"], READER);
    assert_eq!(
        complete(&alice, triage, "account", "oc", json!({})),
        json!([]),
        "not bob's accounts"
    );
    let event =
        json!({"type": "ref/resource", "uri": "github://accounts/{account}/events/{delivery_id}"});
    assert_eq!(
        complete(
            &bob,
            event.clone(),
            "delivery_id",
            "octo",
            json!({"account": "octo"})
        ),
        json!(["octo-2", "octo-1"])
    );
    assert_eq!(
        complete(&bob, event, "delivery_id", "", json!({"account": "acme"})),
        json!([]),
        "another account's events are not suggested"
    );
    let doc = json!({"type": "ref/resource", "uri": "dovecote://knowledge/documents/{id}"});
    assert_eq!(
        complete(&bob, doc.clone(), "id", "runbook", json!({})),
        json!(["1"])
    );
    assert_eq!(complete(&alice, doc, "id", "", json!({})), json!([]));

    let (_, v) = w.ask(&o, &bob, true, "server/discover", json!({}));
    assert_eq!(v["result"]["capabilities"]["completions"], json!({}));
    for bad in [
        json!({"ref": {"type": "ref/prompt", "name": "draft_notification"}, "argument": {"name": "channel", "value": ""}}),
        json!({"ref": {"type": "ref/resource", "uri": "github://nope/{x}"}, "argument": {"name": "x", "value": ""}}),
        json!({"ref": {"type": "ref/prompt", "name": "triage_pending_events"}, "argument": {"name": "nope", "value": ""}}),
        json!({"ref": {"type": "ref/other"}, "argument": {"name": "x", "value": ""}}),
        json!({"ref": {"type": "ref/prompt", "name": "triage_pending_events"}}),
    ] {
        let (status, v) = w.ask(&o, &bob, true, "completion/complete", bad.clone());
        assert_eq!(
            (status, v["error"]["code"].as_i64()),
            (400, Some(-32602)),
            "{bad}: {v}"
        );
    }
}

/// The JSON-RPC messages of SSE frames.
fn messages(frames: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(frames)
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter(|d| !d.is_empty())
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

#[test]
fn a_listen_stream_follows_the_caller_s_pending_summaries_and_nothing_else() {
    let w = World::new(50);
    let o = LocalObjects::new(&w.clock);
    w.deliver(&o, "octo", "octo-1", &json!({"n": 1}));
    w.deliver(&o, "acme", "acme-1", &json!({"n": 1}));
    let bob = member("bob", &["octo"], READER);
    let own = format!("github://accounts/{}/pending", account_id("octo"));
    let filter = json!({"notifications": {
        "resourceSubscriptions": [own, "github://accounts/acme/pending",
            "github://accounts/octo/events/octo-1", "dovecote://knowledge/documents/1"],
        "toolsListChanged": true,
    }});
    let answer = w.answer(&o, &bob, true, "subscriptions/listen", filter);
    let mcp::McpAnswer::Listen(head, mut stream) = answer else {
        panic!("not a listen stream");
    };
    assert_eq!(head.header("content-type"), Some("text/event-stream"));
    // First the acknowledgement: only the caller's own summary, no list-changed type.
    assert_eq!(
        messages(&stream.opening),
        [
            json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged", "params": {
            "notifications": {"resourceSubscriptions": [own]},
            "_meta": {"io.modelcontextprotocol/subscriptionId": 1}}})
        ]
    );
    let kv = MemoryKv::new(&w.clock);
    let p = w.platform(&o, &kv);
    let poll = |stream: &mut dovecote_gateway::mcp::FeedStream| {
        messages(&pollster::block_on(stream.feed.poll(&p)).unwrap())
    };
    assert_eq!(poll(&mut stream), Vec::<Value>::new(), "nothing new yet");
    // Two deliveries between polls: one update. Another account's: none.
    w.deliver(&o, "octo", "octo-2", &json!({"n": 2}));
    w.deliver(&o, "octo", "octo-3", &json!({"n": 3}));
    w.deliver(&o, "acme", "acme-2", &json!({"n": 2}));
    assert_eq!(
        poll(&mut stream),
        [
            json!({"jsonrpc": "2.0", "method": "notifications/resources/updated", "params": {
            "uri": own, "_meta": {"io.modelcontextprotocol/subscriptionId": 1}}})
        ]
    );
    assert_eq!(poll(&mut stream), Vec::<Value>::new());
    // At its maximum age the stream ends with the listen result.
    let closing = messages(&stream.feed.closing().unwrap());
    assert_eq!(closing[0]["id"], 1);
    assert_eq!(closing[0]["result"]["resultType"], "complete");
    assert_eq!(
        closing[0]["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        1
    );
    assert_eq!(
        closing[0]["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "dovecote"
    );
}

#[test]
fn listen_needs_a_filter_and_the_2025_methods_are_gone_from_2026() {
    let w = World::new(50);
    let o = LocalObjects::new(&w.clock);
    let bob = member("bob", &["octo"], READER);
    let (status, v) = w.ask(&o, &bob, true, "subscriptions/listen", json!({}));
    assert_eq!(
        (status, v["error"]["code"].as_i64()),
        (400, Some(-32602)),
        "{v}"
    );
    let (status, v) = w.ask(
        &o,
        &bob,
        true,
        "subscriptions/listen",
        json!({"notifications": {"resourceSubscriptions": "x"}}),
    );
    assert_eq!(
        (status, v["error"]["code"].as_i64()),
        (400, Some(-32602)),
        "{v}"
    );
    for method in ["resources/subscribe", "resources/unsubscribe"] {
        let (status, v) = w.ask(&o, &bob, true, method, json!({"uri": "x://y"}));
        assert_eq!(
            (status, v["error"]["code"].as_i64()),
            (404, Some(-32601)),
            "{v}"
        );
    }
    // In the session era, a subscription needs a session (this gateway keeps none).
    let (status, v) = w.ask(
        &o,
        &bob,
        false,
        "resources/subscribe",
        json!({"uri": "x://y"}),
    );
    assert_eq!(status, 200);
    assert_eq!(v["error"]["code"], -32600, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("session"));
}
