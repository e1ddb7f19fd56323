//! GitHub webhooks in process: `POST /webhooks/github` through the router (the order of its
//! checks, signatures and rotation, tenants and installations, quotas, sizes), the event tools
//! and REST endpoints for callers who see different tenants, and `/events` resumption — over
//! real SQLite objects and a clock that moves only when told. `e2e/webhooks.test.mjs` repeats
//! the delivery path in workerd with GitHub's own payloads and signing code.

use dovecote_gateway::config::Config;
use dovecote_gateway::http::{Headers, HttpRequest, HttpResponse};
use dovecote_gateway::objects::host::LocalObjects;
use dovecote_gateway::platform::native::{
    CannedFetch, ManualClock, MapSecrets, MemoryKv, OsRandom, SoftDigests,
};
use dovecote_gateway::platform::Platform;
use dovecote_gateway::ratelimit::Leases;
use dovecote_gateway::router::{open_stream, route, Gateway};
use dovecote_gateway::toolbox::{
    CallToolResult, Principal, Reach, Role, TenantAccess, ToolContext,
};
use dovecote_gateway::tools::TOOLBOX;
use dovecote_gateway::webhooks::rest;
use dovecote_gateway::webhooks::signature::sign;
use serde_json::{json, Value};

const SECRET: &str = "current webhook secret";
const OLD_SECRET: &str = "previous webhook secret";
const GITHUB_IP: &str = "140.82.115.1";
/// On an hour boundary, so quota windows line up with the test's arithmetic.
const START: u64 = 1_800_000_000_000;

struct World {
    clock: ManualClock,
    config: Config,
    fetch: CannedFetch,
    secrets: MapSecrets,
    leases: Leases,
}

impl World {
    fn new(vars: &[(&str, &str)]) -> Self {
        let mut all = vec![
            ("DOVECOTE_ENV", "development"),
            ("GITHUB_WEBHOOK_SECRET", SECRET),
            ("GITHUB_WEBHOOK_SECRET_PREVIOUS", OLD_SECRET),
            ("WEBHOOK_IP_ALLOWLIST", "github"),
            ("WEBHOOK_DEFAULT_TENANT", "Plain-Org"),
            ("WEBHOOK_DEFAULT_TENANT_USERS", "alice"),
        ];
        all.extend_from_slice(vars);
        let config = Config::from_vars(|k| {
            all.iter()
                .rev()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
        .unwrap();
        Self {
            clock: ManualClock::new(START),
            config,
            fetch: CannedFetch::default(),
            secrets: MapSecrets::default(),
            leases: Leases::default(),
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

    fn send(&self, objects: &LocalObjects<'_>, req: HttpRequest) -> HttpResponse {
        let kv = MemoryKv::new(&self.clock);
        let gateway = Gateway {
            config: &self.config,
            platform: self.platform(objects, &kv),
            signing_key: None,
            previous_signing_key: None,
            oauth: None,
            leases: &self.leases,
        };
        pollster::block_on(route(&gateway, &req))
    }
}

struct Delivery<'a> {
    event: &'a str,
    id: &'a str,
    body: String,
    ip: &'a str,
    signature: Option<String>,
}

impl<'a> Delivery<'a> {
    fn new(event: &'a str, id: &'a str, body: Value) -> Self {
        let body = body.to_string();
        Self {
            event,
            id,
            signature: Some(sign(SECRET.as_bytes(), body.as_bytes())),
            body,
            ip: GITHUB_IP,
        }
    }

    fn request(&self) -> HttpRequest {
        let mut h = Headers::default();
        h.push("Host", "127.0.0.1:8787");
        h.push("Content-Type", "application/json");
        h.push("CF-Connecting-IP", self.ip);
        h.push("X-GitHub-Event", self.event);
        h.push("X-GitHub-Delivery", self.id);
        if let Some(s) = &self.signature {
            h.push("X-Hub-Signature-256", s);
        }
        HttpRequest::new(
            "POST",
            "http://127.0.0.1:8787/webhooks/github",
            h,
            self.body.clone().into_bytes(),
        )
    }
}

fn json_of(r: &HttpResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|_| {
        panic!(
            "not JSON ({}): {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        )
    })
}

fn issue(n: u64) -> Value {
    json!({"action": "opened", "issue": {"number": n, "title": format!("Issue {n}"),
        "html_url": format!("https://github.com/o/r/issues/{n}")},
        "repository": {"full_name": "o/r"}, "sender": {"login": "octocat"}})
}

/// An `installation` delivery; the account's id is the installation's plus 1000.
fn installed(id: u64, account: &str, action: &str) -> Value {
    json!({"action": action, "installation": {"id": id,
        "account": {"login": account, "id": id + 1000, "type": "Organization"}},
        "sender": {"login": account}})
}

fn app_issue(installation: u64, n: u64) -> Value {
    let mut v = issue(n);
    v["installation"] = json!({"id": installation});
    v
}

/// A member who administers the accounts of `installations` and reaches their repository `o/r`.
fn github_user(login: &str, installations: &[u64]) -> Principal {
    Principal {
        id: format!("github:{login}"),
        authenticated: true,
        name: Some(login.into()),
        identity_provider: Some("github".into()),
        client_id: Some("c".into()),
        scopes: vec![rest::READ_SCOPE.into(), rest::WRITE_SCOPE.into()],
        address: None,
        tenants: TenantAccess::Installations(
            installations
                .iter()
                .map(|&installation| Reach {
                    installation,
                    account_id: installation + 1000,
                    login: format!("account-{installation}"),
                    admin: true,
                    repositories: vec!["o/r".into()],
                })
                .collect(),
        ),
        github: None,
        role: Role::Member,
    }
}

fn operator() -> Principal {
    Principal {
        tenants: TenantAccess::All,
        name: Some("owner".into()),
        role: Role::Operator,
        ..github_user("owner", &[])
    }
}

fn call(
    w: &World,
    objects: &LocalObjects<'_>,
    who: &Principal,
    tool: &str,
    args: Value,
) -> CallToolResult {
    let kv = MemoryKv::new(&w.clock);
    let platform = w.platform(objects, &kv);
    let ctx = ToolContext::new(who, &platform, None, None).with_config(&w.config);
    let entry = TOOLBOX.get(tool).unwrap();
    pollster::block_on((entry.def.call)(&ctx, args))
}

fn structured(r: &CallToolResult) -> &Value {
    assert!(!r.is_error, "{:?}", r.content);
    r.structured_content.as_ref().unwrap()
}

fn ids(v: &Value) -> Vec<String> {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn intake_checks_address_then_rate_then_signature() {
    let w = World::new(&[("WEBHOOK_IP_RATE", "2/minute")]);
    let objects = LocalObjects::new(&w.clock);
    let mut stranger = Delivery::new("issues", "d-1", issue(1));
    stranger.ip = "203.0.113.7";
    let r = w.send(&objects, stranger.request());
    assert_eq!(
        (r.status, json_of(&r)["error"].as_str()),
        (403, Some("forbidden_address"))
    );
    let mut forged = Delivery::new("issues", "d-1", issue(1));
    forged.signature = Some(sign(b"wrong", forged.body.as_bytes()));
    let r = w.send(&objects, forged.request());
    assert_eq!(
        (r.status, json_of(&r)["error"].as_str()),
        (403, Some("invalid_signature"))
    );
    let r = w.send(&objects, Delivery::new("issues", "d-1", issue(1)).request());
    assert_eq!(r.status, 202);
    // The third delivery from this address is over its rate before its signature is read.
    let r = w.send(&objects, forged.request());
    assert_eq!(r.status, 429);
    assert!(r.header("Retry-After").is_some());
    let mut elsewhere = Delivery::new("issues", "d-2", issue(2));
    elsewhere.ip = "140.82.115.2";
    assert_eq!(
        w.send(&objects, elsewhere.request()).status,
        202,
        "another address has its own rate"
    );
}

#[test]
fn signatures_are_required_and_either_rotation_secret_verifies() {
    let w = World::new(&[]);
    let objects = LocalObjects::new(&w.clock);
    let mut old = Delivery::new("issues", "old-1", issue(1));
    old.signature = Some(sign(OLD_SECRET.as_bytes(), old.body.as_bytes()));
    assert_eq!(w.send(&objects, old.request()).status, 202);
    let good = Delivery::new("issues", "x-1", issue(1)).signature.unwrap();
    for bad in [
        None,
        Some(good[..good.len() - 2].to_owned()),
        Some(good.replace("sha256=", "sha1=")),
    ] {
        let mut d = Delivery::new("issues", "x-1", issue(2));
        d.signature = bad;
        let r = w.send(&objects, d.request());
        assert_eq!(r.status, 403, "{}", String::from_utf8_lossy(&r.body));
    }
    let unconfigured = World::new(&[
        ("GITHUB_WEBHOOK_SECRET", ""),
        ("GITHUB_WEBHOOK_SECRET_PREVIOUS", ""),
    ]);
    let r = unconfigured.send(&objects, Delivery::new("issues", "y-1", issue(1)).request());
    assert_eq!(
        (r.status, json_of(&r)["error"].as_str()),
        (503, Some("webhook_secret_missing")),
        "fails closed"
    );
    let unsigned = World::new(&[
        ("GITHUB_WEBHOOK_SECRET", ""),
        ("GITHUB_WEBHOOK_SECRET_PREVIOUS", ""),
        ("WEBHOOK_ALLOW_UNSIGNED", "true"),
    ]);
    let mut d = Delivery::new("issues", "z-1", issue(1));
    d.signature = None;
    assert_eq!(
        unsigned.send(&objects, d.request()).status,
        202,
        "explicitly allowed in development"
    );
}

#[test]
fn installations_route_events_to_their_account_until_removed() {
    let w = World::new(&[]);
    let objects = LocalObjects::new(&w.clock);
    let r = w.send(
        &objects,
        Delivery::new("issues", "before", app_issue(77, 1)).request(),
    );
    assert_eq!(
        (r.status, json_of(&r)["error"].as_str()),
        (404, Some("unknown_installation"))
    );
    let created = Delivery::new("installation", "inst-1", installed(77, "Octo", "created"));
    assert_eq!(w.send(&objects, created.request()).status, 202);
    assert_eq!(
        w.send(
            &objects,
            Delivery::new("issues", "after", app_issue(77, 2)).request()
        )
        .status,
        202
    );
    let octo = github_user("bob", &[77]);
    let listed = call(&w, &objects, &octo, "list_pending_events", json!({}));
    assert_eq!(ids(structured(&listed)), ["after", "inst-1"]);
    let removed = Delivery::new("installation", "inst-2", installed(77, "Octo", "deleted"));
    assert_eq!(w.send(&objects, removed.request()).status, 202);
    let r = w.send(
        &objects,
        Delivery::new("issues", "later", app_issue(77, 3)).request(),
    );
    assert_eq!(r.status, 404, "a removed installation's events are refused");
    let before = call(&w, &objects, &operator(), "get_pending_status", json!({}));
    assert_eq!(
        structured(&before)["pending_count"],
        3,
        "kept during the grace period"
    );
    let member = call(&w, &objects, &octo, "get_pending_status", json!({}));
    assert_eq!(
        structured(&member)["pending_count"],
        0,
        "a member reaches a store only through a live installation"
    );
}

#[test]
fn quotas_count_per_tenant_skip_installation_events_and_recover() {
    let w = World::new(&[
        ("WEBHOOK_TENANT_QUOTA", "2"),
        ("WEBHOOK_TENANT_QUOTA_WINDOW_SECS", "3600"),
    ]);
    let objects = LocalObjects::new(&w.clock);
    for i in 0..2 {
        let id = format!("q{i}");
        assert_eq!(
            w.send(&objects, Delivery::new("issues", &id, issue(i)).request())
                .status,
            202
        );
    }
    let r = w.send(&objects, Delivery::new("issues", "q1", issue(1)).request());
    assert_eq!(
        (r.status, json_of(&r)["duplicate"].as_bool()),
        (202, Some(true)),
        "redelivery acknowledged"
    );
    let r = w.send(&objects, Delivery::new("issues", "q2", issue(2)).request());
    assert_eq!((r.status, r.header("Retry-After")), (429, Some("3600")));
    let inst = Delivery::new("installation", "i1", installed(5, "other", "created"));
    assert_eq!(
        w.send(&objects, inst.request()).status,
        202,
        "installation events skip the quota"
    );
    w.clock.advance_ms(3_600_000);
    assert_eq!(
        w.send(&objects, Delivery::new("issues", "q2", issue(2)).request())
            .status,
        202
    );
}

#[test]
fn bodies_are_capped_and_a_payload_over_two_megabytes_is_stored_whole() {
    let w = World::new(&[
        ("WEBHOOK_MAX_BODY_BYTES", "3000000"),
        ("EVENTS_TOOL_PAYLOAD_BYTES", "1000000"),
    ]);
    let objects = LocalObjects::new(&w.clock);
    let mut big = issue(9);
    big["issue"]["body"] = json!("b".repeat(2 * 1024 * 1024 + 1));
    let d = Delivery::new("issues", "big", big);
    assert!(d.body.len() > 2 * 1024 * 1024);
    assert_eq!(w.send(&objects, d.request()).status, 202);
    let got = call(
        &w,
        &objects,
        &operator(),
        "get_event",
        json!({"event_id": "big"}),
    );
    let got = structured(&got);
    assert!(got["payload"].is_null(), "over the tool's payload cap");
    assert!(got["note"].as_str().unwrap().contains("GET /event"));
    assert_eq!(got["payload_bytes"], d.body.len());
    let mut huge = issue(10);
    huge["issue"]["body"] = json!("b".repeat(3_000_000));
    let r = w.send(&objects, Delivery::new("issues", "huge", huge).request());
    assert_eq!(
        (r.status, json_of(&r)["error"].as_str()),
        (413, Some("payload_too_large"))
    );
    let small = World::new(&[
        ("EVENTS_TOOL_PAYLOAD_BYTES", "4000000"),
        ("WEBHOOK_MAX_BODY_BYTES", "3000000"),
    ]);
    let whole = call(
        &small,
        &objects,
        &operator(),
        "get_event",
        json!({"event_id": "big"}),
    );
    assert_eq!(
        structured(&whole)["payload"]["issue"]["body"]
            .as_str()
            .unwrap()
            .len(),
        2 * 1024 * 1024 + 1
    );
}

#[test]
fn bad_requests_get_precise_refusals_and_ping_is_answered() {
    let w = World::new(&[]);
    let objects = LocalObjects::new(&w.clock);
    let ping = Delivery::new(
        "ping",
        "p-1",
        json!({"zen": "Design for failure.", "hook_id": 1}),
    );
    let r = w.send(&objects, ping.request());
    assert_eq!((r.status, json_of(&r)["ping"].as_bool()), (200, Some(true)));
    let mut d = Delivery::new("issues", "../etc", issue(1));
    assert_eq!(w.send(&objects, d.request()).status, 400);
    d.id = "ok-id";
    d.event = "Issues!";
    assert_eq!(w.send(&objects, d.request()).status, 400);
    let not_json = Delivery {
        signature: Some(sign(SECRET.as_bytes(), b"[1,2]")),
        body: "[1,2]".into(),
        ..Delivery::new("issues", "arr", json!(null))
    };
    let r = w.send(&objects, not_json.request());
    assert_eq!(
        (r.status, json_of(&r)["error"].as_str()),
        (400, Some("invalid_payload"))
    );
    let nowhere = World::new(&[("WEBHOOK_DEFAULT_TENANT", "")]);
    let r = nowhere.send(&objects, Delivery::new("issues", "n-1", issue(1)).request());
    assert_eq!(
        (r.status, json_of(&r)["error"].as_str()),
        (404, Some("unknown_tenant"))
    );
    let mut get = Delivery::new("issues", "g", issue(1)).request();
    get.method = "GET".into();
    assert_eq!(w.send(&objects, get).status, 405);
}

#[test]
fn each_caller_sees_only_its_tenants_through_tools_and_rest() {
    let w = World::new(&[]);
    let objects = LocalObjects::new(&w.clock);
    for (n, inst, account) in [(1, 11, "octo"), (2, 22, "acme")] {
        let id = format!("inst-{n}");
        w.send(
            &objects,
            Delivery::new("installation", &id, installed(inst, account, "created")).request(),
        );
    }
    for (id, body) in [
        ("octo-1", app_issue(11, 1)),
        ("acme-1", app_issue(22, 2)),
        ("plain-1", issue(3)),
    ] {
        w.clock.advance_ms(10);
        assert_eq!(
            w.send(&objects, Delivery::new("issues", id, body).request())
                .status,
            202
        );
    }
    for (inst, _) in [(1, 0), (2, 0)] {
        let id = format!("inst-{inst}");
        let op = operator();
        call(&w, &objects, &op, "mark_processed", json!({"event_id": id}));
    }
    let bob = github_user("bob", &[11]);
    let alice = github_user("alice", &[22]);
    let list = |who: &Principal| {
        ids(structured(&call(
            &w,
            &objects,
            who,
            "list_pending_events",
            json!({"limit": 100}),
        )))
    };
    assert_eq!(list(&bob), ["octo-1"]);
    assert_eq!(
        list(&alice),
        ["plain-1", "acme-1"],
        "alice is named for the plain-webhook tenant"
    );
    assert_eq!(list(&operator()), ["plain-1", "acme-1", "octo-1"]);
    let stranger = call(
        &w,
        &objects,
        &bob,
        "get_event",
        json!({"event_id": "acme-1"}),
    );
    assert!(stranger.is_error, "another tenant's event is not found");
    let marked = call(
        &w,
        &objects,
        &bob,
        "mark_processed",
        json!({"event_id": "acme-1"}),
    );
    assert!(marked.is_error);
    assert_eq!(
        list(&alice),
        ["plain-1", "acme-1"],
        "bob could not mark alice's event"
    );
    let full = call(&w, &objects, &alice, "get_webhook_events", json!({}));
    let full = structured(&full);
    assert_eq!(full["events"][0]["payload"]["issue"]["number"], 3);
    assert_eq!(
        full["events"][1]["tenant"], "account-22",
        "named by its account's login"
    );
    assert_eq!(full["events"][1]["account_id"], 1022);
    for bad in [json!({"limit": 0}), json!({"limit": 101})] {
        assert!(call(&w, &objects, &bob, "list_pending_events", bad).is_error);
    }
    let status = call(&w, &objects, &alice, "get_pending_status", json!({}));
    assert_eq!(structured(&status)["pending_count"], 2);
    assert_eq!(structured(&status)["types"]["issues"], 2);

    let kv = MemoryKv::new(&w.clock);
    let platform = w.platform(&objects, &kv);
    let refuse = |_: &str| HttpResponse::empty(403);
    let rest = |who: &Principal, method: &str, url: &str, body: &str| {
        let mut h = Headers::default();
        h.push("Content-Type", "application/json");
        let req = HttpRequest::new(
            method,
            &format!("http://127.0.0.1:8787{url}"),
            h,
            body.into(),
        );
        pollster::block_on(rest::serve(
            &w.config.webhooks,
            &platform,
            who,
            &req,
            &refuse,
        ))
    };
    let r = rest(&bob, "GET", "/pending-events?limit=5", "");
    assert_eq!(ids(&json_of(&r)), ["octo-1"]);
    assert_eq!(rest(&bob, "GET", "/event?id=acme-1", "").status, 404);
    let r = rest(&alice, "GET", "/event?id=acme-1", "");
    assert_eq!(json_of(&r)["payload"]["issue"]["number"], 2);
    assert_eq!(
        json_of(&rest(&alice, "GET", "/webhook-events", ""))["events"][0]["payload"]["issue"]
            ["number"],
        3
    );
    assert_eq!(
        json_of(&rest(&bob, "GET", "/pending-status", ""))["pending_count"],
        1
    );
    assert_eq!(rest(&bob, "GET", "/pending-events?limit=0", "").status, 400);
    assert_eq!(
        rest(&bob, "POST", "/mark-processed", r#"{"event_id":"acme-1"}"#).status,
        404
    );
    let r = rest(
        &alice,
        "POST",
        "/mark-processed",
        r#"{"event_id":"acme-1"}"#,
    );
    assert_eq!(json_of(&r)["success"], true);
    assert_eq!(rest(&alice, "POST", "/mark-processed", "{nope").status, 400);
    let reader = Principal {
        scopes: vec![rest::READ_SCOPE.into()],
        ..alice.clone()
    };
    assert_eq!(
        rest(
            &reader,
            "POST",
            "/mark-processed",
            r#"{"event_id":"plain-1"}"#
        )
        .status,
        403
    );
}

#[test]
fn the_event_stream_resumes_from_last_event_id_without_gaps_or_repeats() {
    let w = World::new(&[]);
    let objects = LocalObjects::new(&w.clock);
    w.send(
        &objects,
        Delivery::new("installation", "i-1", installed(1, "octo", "created")).request(),
    );
    let open = |last: Option<&str>| {
        let kv = MemoryKv::new(&w.clock);
        let gateway = Gateway {
            config: &w.config,
            platform: w.platform(&objects, &kv),
            signing_key: None,
            previous_signing_key: None,
            oauth: None,
            leases: &w.leases,
        };
        let mut h = Headers::default();
        h.push("Host", "127.0.0.1:8787");
        if let Some(l) = last {
            h.push("Last-Event-ID", l);
        }
        let req = HttpRequest::new("GET", "http://127.0.0.1:8787/events", h, vec![]);
        let start = pollster::block_on(open_stream(&gateway, &req))
            .ok()
            .unwrap();
        String::from_utf8(start.opening).unwrap()
    };
    let fresh = open(None);
    assert!(fresh.starts_with("retry: "));
    assert!(
        !fresh.contains("github_event"),
        "a new listener starts at the newest event"
    );
    w.send(
        &objects,
        Delivery::new("issues", "e-1", app_issue(1, 1)).request(),
    );
    w.send(&objects, Delivery::new("issues", "e-2", issue(2)).request());
    let first = open(Some("-1001:1,plain-org:0"));
    let frames: Vec<&str> = first
        .split("\n\n")
        .filter(|f| f.contains("github_event"))
        .collect();
    assert_eq!(frames.len(), 2, "{first}");
    assert!(frames[0].contains("\"id\":\"e-1\"") && frames[0].contains("\"tenant\":\"octo\""));
    let last_id = frames[1]
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .unwrap()
        .to_owned();
    assert_eq!(last_id, "-1001:2,plain-org:1");
    w.send(
        &objects,
        Delivery::new("issues", "e-3", app_issue(1, 3)).request(),
    );
    let resumed = open(Some(&last_id));
    let frames: Vec<&str> = resumed
        .split("\n\n")
        .filter(|f| f.contains("github_event"))
        .collect();
    assert_eq!(
        frames.len(),
        1,
        "only what arrived while disconnected: {resumed}"
    );
    assert!(frames[0].contains("\"id\":\"e-3\""));
    assert!(
        open(Some("garbage,,::")).starts_with("retry: "),
        "a bad id starts afresh"
    );
}

#[test]
fn a_stream_carries_only_the_callers_tenants_whatever_last_event_id_claims() {
    use dovecote_gateway::webhooks::{access, stream};
    let w = World::new(&[]);
    let objects = LocalObjects::new(&w.clock);
    for (inst, account) in [(11, "octo"), (22, "acme")] {
        let id = format!("inst-{inst}");
        let d = Delivery::new("installation", &id, installed(inst, account, "created"));
        assert_eq!(w.send(&objects, d.request()).status, 202);
    }
    for (id, body) in [("octo-1", app_issue(11, 1)), ("acme-1", app_issue(22, 2))] {
        assert_eq!(
            w.send(&objects, Delivery::new("issues", id, body).request())
                .status,
            202
        );
    }
    let kv = MemoryKv::new(&w.clock);
    let platform = w.platform(&objects, &kv);
    let bob = github_user("bob", &[11]);
    let tenants =
        pollster::block_on(access::tenants_of(&bob, &w.config.webhooks, &platform)).unwrap();
    assert_eq!(tenants.len(), 1);
    // A forged id naming acme at position 0 would replay acme's events if it were trusted.
    let mut cursor =
        pollster::block_on(stream::start(&platform, &tenants, Some("-1011:0,-1022:0"))).unwrap();
    let frames =
        String::from_utf8(pollster::block_on(stream::poll(&platform, &mut cursor)).unwrap())
            .unwrap();
    assert!(
        frames.contains("\"id\":\"octo-1\"") && frames.contains("\"id\":\"inst-11\""),
        "{frames}"
    );
    assert!(!frames.contains("acme"), "{frames}");
    assert_eq!(cursor.encode(), "-1011:2");
}

/// A member of installation 11 who reaches only `repositories`, and is an admin or not.
fn member(login: &str, repositories: &[&str], admin: bool) -> Principal {
    let mut p = github_user(login, &[11]);
    if let TenantAccess::Installations(reach) = &mut p.tenants {
        reach[0].admin = admin;
        reach[0].repositories = repositories.iter().map(|r| r.to_string()).collect();
    }
    p
}

fn repo_issue(repo: &str, n: u64) -> Value {
    let mut v = app_issue(11, n);
    v["repository"] = json!({"full_name": repo});
    v
}

#[test]
fn members_see_the_repositories_their_token_reaches_and_account_events_as_admins() {
    use dovecote_gateway::webhooks::{access, stream};
    for (mode, whole) in [("repository", false), ("account", true)] {
        let w = World::new(&[("WEBHOOK_VISIBILITY", mode)]);
        let objects = LocalObjects::new(&w.clock);
        let d = Delivery::new("installation", "inst", installed(11, "octo", "created"));
        assert_eq!(w.send(&objects, d.request()).status, 202);
        for (id, event, body) in [
            ("public-1", "issues", repo_issue("octo/public", 1)),
            ("secret-1", "issues", repo_issue("octo/secret", 2)),
            (
                "org-1",
                "organization",
                json!({"action": "member_added", "installation": {"id": 11},
                    "organization": {"login": "octo"}}),
            ),
        ] {
            w.clock.advance_ms(10);
            let r = w.send(&objects, Delivery::new(event, id, body).request());
            assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
        }
        let reader = member("reader", &["Octo/Public"], false);
        let admin = member("admin", &[], true);
        let list = |who: &Principal| {
            let r = call(
                &w,
                &objects,
                who,
                "list_pending_events",
                json!({"limit": 100}),
            );
            ids(structured(&r))
        };
        let everything = ["org-1", "secret-1", "public-1", "inst"];
        if whole {
            assert_eq!(list(&reader), everything, "{mode}: the account whole");
            continue;
        }
        assert_eq!(list(&reader), ["public-1"], "{mode}");
        assert_eq!(list(&admin), ["org-1", "inst"], "{mode}");
        assert_eq!(list(&operator()), everything);
        let got = |who: &Principal, id: &str| {
            !call(&w, &objects, who, "get_event", json!({"event_id": id})).is_error
        };
        assert!(got(&reader, "public-1") && !got(&reader, "secret-1") && !got(&reader, "org-1"));
        let status = call(&w, &objects, &reader, "get_pending_status", json!({}));
        assert_eq!(structured(&status)["pending_count"], 1);
        let kv = MemoryKv::new(&w.clock);
        let platform = w.platform(&objects, &kv);
        let refuse = |_: &str| HttpResponse::json(403, "{}".to_string());
        let rest = |method: &str, url: &str, body: &str| {
            let mut h = Headers::default();
            h.push("Content-Type", "application/json");
            let url = format!("http://127.0.0.1:8787{url}");
            let req = HttpRequest::new(method, &url, h, body.into());
            pollster::block_on(rest::serve(
                &w.config.webhooks,
                &platform,
                &reader,
                &req,
                &refuse,
            ))
        };
        assert_eq!(rest("GET", "/event?id=secret-1", "").status, 404);
        assert_eq!(rest("GET", "/event?id=public-1", "").status, 200);
        let marked = rest("POST", "/mark-processed", r#"{"event_id":"secret-1"}"#);
        assert_eq!(marked.status, 404, "a hidden event cannot be marked");
        let events = json_of(&rest("GET", "/webhook-events?limit=100", ""));
        assert_eq!(ids(&events), ["public-1"]);
        let tenants =
            pollster::block_on(access::tenants_of(&reader, &w.config.webhooks, &platform)).unwrap();
        let mut cursor =
            pollster::block_on(stream::start(&platform, &tenants, Some("-1011:0"))).unwrap();
        let frames =
            String::from_utf8(pollster::block_on(stream::poll(&platform, &mut cursor)).unwrap())
                .unwrap();
        assert!(frames.contains("\"id\":\"public-1\""), "{frames}");
        assert!(
            !frames.contains("secret-1") && !frames.contains("org-1"),
            "{frames}"
        );
    }
}

#[test]
fn the_operator_exports_a_tenant_as_json_lines_and_deletes_it_whole() {
    use dovecote_gateway::webhooks::admin;
    let w = World::new(&[]);
    let objects = LocalObjects::new(&w.clock);
    let d = Delivery::new("installation", "inst", installed(11, "octo", "created"));
    assert_eq!(w.send(&objects, d.request()).status, 202);
    for (id, n) in [("a-1", 1), ("a-2", 2)] {
        let r = w.send(
            &objects,
            Delivery::new("issues", id, app_issue(11, n)).request(),
        );
        assert_eq!(r.status, 202);
    }
    let kv = MemoryKv::new(&w.clock);
    let platform = w.platform(&objects, &kv);
    let admin = |method: &str, path: &str| {
        let url = format!("http://127.0.0.1:8787{path}");
        let req = HttpRequest::new(method, &url, Headers::default(), vec![]);
        pollster::block_on(async {
            let served = admin::serve(&w.config.webhooks, &platform, &req, None).await;
            served.gather(&objects).await
        })
    };
    let listed = json_of(&admin("GET", "/admin/tenants"));
    assert_eq!(listed["tenants"][0]["name"], "-1011");
    assert_eq!(listed["tenants"][0]["account_id"], 1011);
    let export = admin("GET", "/admin/tenants/-1011/export");
    assert_eq!(export.status, 200);
    let text = String::from_utf8(export.body.clone()).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["inst", "a-1", "a-2"], "oldest first, every event");
    let seqs: Vec<i64> = lines.iter().map(|l| l["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        [1, 2, 3],
        "each line names where a resumed export starts"
    );
    assert_eq!(
        lines[2]["payload"]["issue"]["number"], 2,
        "with its payload"
    );
    let resumed = admin("GET", "/admin/tenants/-1011/export?after=2");
    assert_eq!(String::from_utf8(resumed.body).unwrap().lines().count(), 1);
    assert_eq!(
        admin("GET", "/admin/tenants/-1011/export?after=x").status,
        400
    );
    assert_eq!(admin("GET", "/admin/tenantsX").status, 404);
    assert_eq!(admin("DELETE", "/admin/tenants/-1011").status, 200);
    let gone = admin("GET", "/admin/tenants/-1011/export");
    assert!(gone.body.is_empty(), "every event deleted");
    assert_eq!(
        json_of(&admin("GET", "/admin/tenants"))["tenants"][0]["name"],
        "plain-org"
    );
    let r = w.send(
        &objects,
        Delivery::new("issues", "a-3", app_issue(11, 3)).request(),
    );
    assert_eq!(r.status, 404, "its installation is forgotten too");
}
