//! `/mcp` end to end in-process: the router, both protocol generations, sessions, limits and
//! rate limiting, over the native platform (in-memory KV, SQLite objects, a settable clock).
//! These run without sign-in (`oauth: None`, as the conformance build does) to isolate the
//! protocol; `tests/oauth.rs` covers `/mcp` behind tokens. The same code runs in workerd,
//! where `e2e/` checks it with real clients.

use dovecote_gateway::config::{Config, Environment};
use dovecote_gateway::http::{Headers, HttpRequest, HttpResponse};
use dovecote_gateway::mcp::{self, session::SESSION_TTL_MS, Catalog, McpServer};
use dovecote_gateway::objects::host::LocalObjects;
use dovecote_gateway::platform::native::{
    CannedFetch, ManualClock, MapSecrets, MemoryKv, OsRandom, SoftDigests,
};
use dovecote_gateway::platform::Platform;
use dovecote_gateway::ratelimit::Leases;
use dovecote_gateway::router::{route, Gateway};
use dovecote_gateway::toolbox::{CallToolResult, Principal, ToolContext};
use serde_json::{json, Value};

const KEY: &[u8] = b"an HMAC key of thirty-two bytes!";
const MODERN: &str = "2026-07-28";

struct World {
    clock: ManualClock,
    config: Config,
    keys: std::cell::Cell<(&'static [u8], Option<&'static [u8]>)>,
}

impl World {
    fn new() -> Self {
        let config = Config {
            environment: Environment::Development,
            ..Config::default()
        };
        Self {
            clock: ManualClock::new(1_800_000_000_000),
            config,
            keys: std::cell::Cell::new((KEY, None)),
        }
    }

    fn send(&self, objects: &LocalObjects<'_>, req: HttpRequest) -> HttpResponse {
        let kv = MemoryKv::new(&self.clock);
        let platform = Platform {
            kv: &kv,
            objects,
            clock: &self.clock,
            random: &OsRandom,
            fetch: &CannedFetch::default(),
            secrets: &MapSecrets::default(),
            digests: &SoftDigests,
        };
        let gateway = Gateway {
            config: &self.config,
            platform,
            signing_key: Some(self.keys.get().0),
            previous_signing_key: self.keys.get().1,
            oauth: None,
            leases: &Leases::default(),
        };
        pollster::block_on(route(&gateway, &req))
    }
}

fn request(headers: &[(&str, &str)], body: &str) -> HttpRequest {
    let mut h = Headers::default();
    for (k, v) in headers {
        h.push(k, v);
    }
    // Defaults go after the test's own, so a test's header is the one read.
    h.push("Host", "127.0.0.1:8787");
    h.push("Content-Type", "application/json");
    h.push("Accept", "application/json, text/event-stream");
    HttpRequest::new(
        "POST",
        "http://127.0.0.1:8787/mcp",
        h,
        body.as_bytes().to_vec(),
    )
}

fn modern_body(id: u64, method: &str, mut params: Value) -> String {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string()
}

fn modern(method: &str, params: Value) -> HttpRequest {
    let name = params
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut headers = vec![("MCP-Protocol-Version", MODERN), ("Mcp-Method", method)];
    if let Some(name) = name.as_deref() {
        headers.push(("Mcp-Name", name));
    }
    request(&headers, &modern_body(1, method, params))
}

fn body(r: &HttpResponse) -> Value {
    serde_json::from_slice(&r.body)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&r.body)))
}

fn objects(clock: &ManualClock) -> LocalObjects<'_> {
    LocalObjects::new(clock)
}

#[test]
fn the_stateless_protocol_validates_meta_then_headers_then_version() {
    let w = World::new();
    let o = objects(&w.clock);
    let bare =
        json!({"jsonrpc": "2.0", "id": 7, "method": "server/discover", "params": {}}).to_string();
    let r = w.send(
        &o,
        request(
            &[
                ("MCP-Protocol-Version", MODERN),
                ("Mcp-Method", "server/discover"),
            ],
            &bare,
        ),
    );
    assert_eq!(
        (
            r.status,
            body(&r)["error"]["code"].clone(),
            body(&r)["id"].clone()
        ),
        (400, json!(-32602), json!(7))
    );

    let mismatched = modern_body(2, "tools/list", json!({})).replace(MODERN, "v999");
    let r = w.send(
        &o,
        request(
            &[
                ("MCP-Protocol-Version", MODERN),
                ("Mcp-Method", "tools/list"),
            ],
            &mismatched,
        ),
    );
    assert_eq!(
        (r.status, body(&r)["error"]["code"].clone()),
        (400, json!(-32020))
    );

    let r = w.send(
        &o,
        request(
            &[
                ("MCP-Protocol-Version", "v999"),
                ("Mcp-Method", "tools/list"),
            ],
            &mismatched,
        ),
    );
    let e = &body(&r)["error"];
    assert_eq!(
        (r.status, e["code"].clone(), e["data"]["requested"].clone()),
        (400, json!(-32022), json!("v999"))
    );
    assert!(e["data"]["supported"]
        .as_array()
        .unwrap()
        .contains(&json!(MODERN)));

    let r = w.send(
        &o,
        request(
            &[
                ("MCP-Protocol-Version", MODERN),
                ("Mcp-Method", "tools/call"),
            ],
            &modern_body(3, "tools/list", json!({})),
        ),
    );
    assert_eq!(body(&r)["error"]["code"], -32020);

    for removed in ["initialize", "ping", "logging/setLevel", "no/such/method"] {
        let r = w.send(&o, modern(removed, json!({})));
        assert_eq!(
            (r.status, body(&r)["error"]["code"].clone()),
            (404, json!(-32601)),
            "{removed}"
        );
    }
}

#[test]
fn discover_and_tools_list_carry_result_type_server_info_and_caching() {
    let w = World::new();
    let o = objects(&w.clock);
    let d = body(&w.send(&o, modern("server/discover", json!({}))))["result"].clone();
    assert_eq!(d["resultType"], "complete");
    assert_eq!(
        d["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "dovecote"
    );
    assert!(d["supportedVersions"]
        .as_array()
        .unwrap()
        .contains(&json!("2025-03-26")));
    assert!(d["ttlMs"].is_u64() && d["cacheScope"] == "public");
    let l = body(&w.send(&o, modern("tools/list", json!({}))))["result"].clone();
    assert_eq!(l["cacheScope"], "private");
    let names: Vec<&str> = l["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "get_user_info",
            "calculate",
            "search_knowledge_base",
            "create_document",
            "get_github_repos",
            "get_pending_status",
            "list_pending_events",
            "get_event",
            "get_webhook_events",
            "mark_processed"
        ]
    );
}

#[test]
fn tools_list_pages_follow_the_cursor_and_refuse_a_forged_one() {
    let mut w = World::new();
    w.config.tools_page_size = 5;
    let o = objects(&w.clock);
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let params = match &cursor {
            Some(c) => json!({ "cursor": c }),
            None => json!({}),
        };
        let page = body(&w.send(&o, modern("tools/list", params)))["result"].clone();
        let tools = page["tools"].as_array().unwrap();
        assert!(!tools.is_empty() && tools.len() <= 5);
        names.extend(tools.iter().map(|t| t["name"].as_str().unwrap().to_owned()));
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let all: Vec<&str> = member_tools().collect();
    assert_eq!(names, all, "every tool once, in order, across pages");
    for forged in ["nope", "MDAwMDAwMDA6MQ", ""] {
        let r = w.send(&o, modern("tools/list", json!({"cursor": forged})));
        assert_eq!(body(&r)["error"]["code"], -32602, "{forged}");
    }
}

#[test]
fn session_era_issues_signed_sessions_and_refuses_forged_or_expired_ones() {
    let w = World::new();
    let o = objects(&w.clock);
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2024-01-01", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let r = w.send(&o, request(&[], &init.to_string()));
    assert_eq!(
        body(&r)["result"]["protocolVersion"],
        "2025-11-25",
        "unknown versions get our latest"
    );
    let sid = r.header("Mcp-Session-Id").unwrap().to_owned();
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).to_string();
    let ok = w.send(
        &o,
        request(
            &[
                ("Mcp-Session-Id", &sid),
                ("MCP-Protocol-Version", "2025-11-25"),
            ],
            &list,
        ),
    );
    let listed = body(&ok)["result"]["tools"].as_array().unwrap().len();
    assert_eq!(listed, member_tools().count());
    assert!(body(&ok)["result"].get("resultType").is_none());

    let ping = json!({"jsonrpc": "2.0", "id": 3, "method": "ping"}).to_string();
    let r = w.send(&o, request(&[("Mcp-Session-Id", &sid)], &ping));
    assert_eq!(body(&r)["result"], json!({}), "ping answers exactly {{}}");

    let forged = format!("{}x", &sid[..sid.len() - 1]);
    assert_eq!(
        w.send(&o, request(&[("Mcp-Session-Id", &forged)], &list))
            .status,
        404
    );
    assert_eq!(
        w.send(
            &o,
            request(&[("MCP-Protocol-Version", "2025-11-25")], &list)
        )
        .status,
        400
    );
    let wrong_version = w.send(
        &o,
        request(
            &[
                ("Mcp-Session-Id", &sid),
                ("MCP-Protocol-Version", "2025-06-18"),
            ],
            &list,
        ),
    );
    assert_eq!(wrong_version.status, 400);
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string();
    let r = w.send(&o, request(&[("Mcp-Session-Id", &sid)], &note));
    assert_eq!((r.status, r.body.len()), (202, 0));
    w.clock.advance_ms(SESSION_TTL_MS + 1);
    assert_eq!(
        w.send(&o, request(&[("Mcp-Session-Id", &sid)], &list))
            .status,
        404
    );
}

#[test]
fn method_errors_travel_with_200_in_the_session_era() {
    let w = World::new();
    let o = objects(&w.clock);
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18"}});
    let sid = w
        .send(&o, request(&[], &init.to_string()))
        .header("Mcp-Session-Id")
        .unwrap()
        .to_owned();
    let call =
        json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "nope"}})
            .to_string();
    let r = w.send(&o, request(&[("Mcp-Session-Id", &sid)], &call));
    assert_eq!(
        (
            r.status,
            body(&r)["error"]["code"].clone(),
            body(&r)["id"].clone()
        ),
        (200, json!(-32602), json!(5))
    );
}

#[test]
fn bad_envelopes_get_precise_statuses() {
    let mut w = World::new();
    w.config.max_body_bytes = 64;
    let o = objects(&w.clock);
    assert_eq!(w.send(&o, request(&[], &"x".repeat(65))).status, 413);
    assert_eq!(
        body(&w.send(&o, request(&[], "{not json")))["error"]["code"],
        -32700
    );
    let mut wrong_type = request(&[], "{}");
    wrong_type.headers = Headers::new(vec![
        ("Host".into(), "127.0.0.1".into()),
        ("Content-Type".into(), "text/plain".into()),
    ]);
    assert_eq!(w.send(&o, wrong_type).status, 415);
    assert_eq!(
        w.send(&o, request(&[("Accept", "text/html")], "{}")).status,
        406
    );
    let mut get = request(&[], "");
    get.method = "GET".into();
    assert_eq!(w.send(&o, get).status, 400, "a stream needs a session");
    let mut put = request(&[], "");
    put.method = "PUT".into();
    let r = w.send(&o, put);
    assert_eq!(
        (r.status, r.header("Allow")),
        (405, Some("POST, GET, DELETE, OPTIONS"))
    );
    let r = w.send(&o, request(&[("Origin", "https://evil.example")], "{}"));
    assert_eq!(
        (r.status, body(&r)["error"].clone()),
        (403, json!("forbidden"))
    );
}

#[test]
fn rate_limits_hold_per_caller_and_recover_as_the_clock_moves() {
    let w = World::new();
    let o = objects(&w.clock);
    let call = |ip: &str| {
        let mut req = modern(
            "tools/call",
            json!({"name": "get_user_info", "arguments": {}}),
        );
        req.headers.push("CF-Connecting-IP", ip);
        body(&w.send(&o, req))["result"].clone()
    };
    for _ in 0..60 {
        assert!(call("203.0.113.1").get("isError").is_none());
    }
    let limited = call("203.0.113.1");
    assert_eq!(limited["isError"], true);
    let text = limited["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains(
            "Rate limit reached for `get_user_info`: 60 calls per minute. Retry in 1 second"
        ),
        "{text}"
    );
    assert!(
        call("203.0.113.2").get("isError").is_none(),
        "another caller is not limited"
    );
    w.clock.advance_ms(1_000);
    assert!(call("203.0.113.1").get("isError").is_none());
}

mod notifying {
    use super::*;
    use dovecote_gateway::{tool, toolbox};

    /// Counts to three, reporting progress and logging each step.
    #[tool]
    pub async fn slow_count(ctx: &ToolContext<'_>) -> CallToolResult {
        for step in 1..=3 {
            ctx.progress(f64::from(step), Some(3.0), None);
            ctx.log("info", "count", json!(step));
        }
        CallToolResult::text("3")
    }

    /// The arguments of `regional`.
    #[derive(serde::Deserialize, schemars::JsonSchema)]
    pub struct RegionArgs {
        /// Mirrored in `Mcp-Param-Region`.
        #[schemars(extend("x-mcp-header" = "Region"))]
        pub region: String,
    }

    /// Echoes the region.
    #[tool]
    pub async fn regional(args: RegionArgs) -> CallToolResult {
        CallToolResult::text(args.region)
    }

    /// Answers at once.
    #[tool]
    pub async fn quick() -> CallToolResult {
        CallToolResult::text("ok")
    }

    toolbox! { manifest = "fixtures/notifying.toml", tools = [slow_count, regional, quick] }
}

/// Objects counting the requests to the rate limiter.
struct CountingLimiter<'o> {
    inner: &'o LocalObjects<'o>,
    asked: std::cell::Cell<usize>,
}

#[async_trait::async_trait(?Send)]
impl dovecote_gateway::platform::Objects for CountingLimiter<'_> {
    async fn call(
        &self,
        class: &str,
        name: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, dovecote_gateway::platform::PlatformError> {
        if class == dovecote_gateway::ratelimit::BINDING {
            self.asked.set(self.asked.get() + 1);
        }
        self.inner.call(class, name, request).await
    }
}

#[test]
fn a_tool_rate_of_many_calls_a_second_is_leased_and_a_lower_one_is_asked_per_call() {
    let clock = ManualClock::new(0);
    let inner = objects(&clock);
    let counting = CountingLimiter {
        inner: &inner,
        asked: std::cell::Cell::new(0),
    };
    let kv = MemoryKv::new(&clock);
    let fetch = CannedFetch::default();
    let config = Config::default();
    let catalog = Catalog::build(&notifying::TOOLBOX);
    let leases = Leases::default();
    let server = McpServer {
        config: &config,
        platform: Platform {
            kv: &kv,
            objects: &counting,
            clock: &clock,
            random: &OsRandom,
            fetch: &fetch,
            secrets: &MapSecrets::default(),
            digests: &SoftDigests,
        },
        toolbox: &notifying::TOOLBOX,
        catalog: &catalog,
        signing_key: None,
        previous_signing_key: None,
        challenge: None,
        leases: &leases,
    };
    let principal = Principal::anonymous(None, vec!["test:read".into()]);
    let call = |name: &str| {
        let arguments = if name == "regional" {
            json!({"region": "eu"})
        } else {
            json!({})
        };
        let payload = modern_body(
            1,
            "tools/call",
            json!({"name": name, "arguments": arguments}),
        );
        let mut headers = vec![
            ("MCP-Protocol-Version", MODERN),
            ("Mcp-Method", "tools/call"),
            ("Mcp-Name", name),
        ];
        if name == "regional" {
            headers.push(("Mcp-Param-Region", "eu"));
        }
        let req = request(&headers, &payload);
        let r = pollster::block_on(mcp::handle(&server, &req, &principal)).whole();
        body(&r)["result"].clone()
    };
    // 100 a second: leases of 10 calls (a tenth of the rate), so 30 calls ask 3 times.
    for _ in 0..30 {
        assert_eq!(call("quick")["content"][0]["text"], "ok");
    }
    assert_eq!(counting.asked.get(), 3);
    // The rest of the second's 100 (the object counted every leased call), then refused.
    let mut allowed = 30;
    while call("quick").get("isError").is_none() {
        allowed += 1;
        assert!(allowed <= 100, "more than the rate in one second");
    }
    assert_eq!(allowed, 100);
    // 100 a minute is under 20 a second: each call asks the object.
    let before = counting.asked.get();
    for _ in 0..5 {
        assert!(call("regional").get("isError").is_none());
    }
    assert_eq!(counting.asked.get(), before + 5);
}

/// Serves `req` with the `notifying` toolbox, as a caller holding its scope, without sign-in.
fn handle_notifying(req: &HttpRequest) -> HttpResponse {
    let clock = ManualClock::new(0);
    let o = objects(&clock);
    let kv = MemoryKv::new(&clock);
    let fetch = CannedFetch::default();
    let platform = Platform {
        kv: &kv,
        objects: &o,
        clock: &clock,
        random: &OsRandom,
        fetch: &fetch,
        secrets: &MapSecrets::default(),
        digests: &SoftDigests,
    };
    let config = Config::default();
    let catalog = Catalog::build(&notifying::TOOLBOX);
    let server = McpServer {
        config: &config,
        platform,
        toolbox: &notifying::TOOLBOX,
        catalog: &catalog,
        signing_key: None,
        previous_signing_key: None,
        challenge: None,
        leases: &dovecote_gateway::ratelimit::Leases::default(),
    };
    let principal = Principal::anonymous(None, vec!["test:read".into()]);
    pollster::block_on(mcp::handle(&server, req, &principal)).whole()
}

fn call_notifying(accept: &str, meta: Value) -> HttpResponse {
    let mut params = json!({"name": "slow_count", "arguments": {}});
    let mut body: Value =
        serde_json::from_str(&modern_body(9, "tools/call", params.take())).unwrap();
    body["params"] = json!({"name": "slow_count", "arguments": {}, "_meta": meta});
    let req = request(
        &[
            ("MCP-Protocol-Version", MODERN),
            ("Mcp-Method", "tools/call"),
            ("Mcp-Name", "slow_count"),
            ("Accept", accept),
        ],
        &body.to_string(),
    );
    handle_notifying(&req)
}

#[test]
fn notifications_stream_as_sse_before_the_result_and_logs_need_a_level() {
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/logLevel": "info",
        "progressToken": "p1",
    });
    let r = call_notifying("application/json, text/event-stream", meta.clone());
    assert_eq!(r.header("Content-Type"), Some("text/event-stream"));
    let frames: Vec<Value> = String::from_utf8(r.body.clone())
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    let methods: Vec<&str> = frames
        .iter()
        .map(|f| f["method"].as_str().unwrap_or("result"))
        .collect();
    assert_eq!(
        methods,
        [
            "notifications/progress",
            "notifications/message",
            "notifications/progress",
            "notifications/message",
            "notifications/progress",
            "notifications/message",
            "result"
        ]
    );
    assert_eq!(
        frames[4]["params"],
        json!({"progressToken": "p1", "progress": 3.0, "total": 3.0})
    );
    assert_eq!(frames[6]["id"], 9);

    let mut quiet = meta.clone();
    quiet
        .as_object_mut()
        .unwrap()
        .remove("io.modelcontextprotocol/logLevel");
    quiet.as_object_mut().unwrap().remove("progressToken");
    let r = call_notifying("application/json, text/event-stream", quiet);
    assert_eq!(
        r.header("Content-Type"),
        Some("application/json"),
        "nothing to stream: plain JSON"
    );

    let r = call_notifying("application/json", meta);
    assert_eq!(
        r.header("Content-Type"),
        Some("application/json"),
        "a JSON-only client gets JSON"
    );
}

fn call_regional(region: &str, header: Option<&str>) -> HttpResponse {
    let body = modern_body(
        4,
        "tools/call",
        json!({"name": "regional", "arguments": {"region": region}}),
    );
    let mut headers = vec![
        ("MCP-Protocol-Version", MODERN),
        ("Mcp-Method", "tools/call"),
        ("Mcp-Name", "regional"),
    ];
    if let Some(h) = header {
        headers.push(("Mcp-Param-Region", h));
    }
    handle_notifying(&request(&headers, &body))
}

#[test]
fn arguments_marked_x_mcp_header_must_be_mirrored_in_their_header() {
    assert_eq!(call_regional("Hello", Some("Hello")).status, 200);
    assert_eq!(
        call_regional("Hello", Some("=?base64?SGVsbG8=?=")).status,
        200
    );
    assert_eq!(
        call_regional("=?base64?SGVsbG8=", Some("=?base64?SGVsbG8=")).status,
        200
    );
    for bad in [
        None,
        Some("Goodbye"),
        Some("=?base64?SGVsbG8?="),
        Some("=?base64?SGVs!!!bG8=?="),
    ] {
        let r = call_regional("Hello", bad);
        assert_eq!(
            (r.status, body(&r)["error"]["code"].clone()),
            (400, json!(-32020)),
            "{bad:?}"
        );
    }
}

#[test]
fn session_ids_survive_a_key_rotation_while_the_previous_key_is_kept() {
    let w = World::new();
    let o = objects(&w.clock);
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25"}});
    let sid = w
        .send(&o, request(&[], &init.to_string()))
        .header("Mcp-Session-Id")
        .unwrap()
        .to_owned();
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}).to_string();
    w.keys.set((b"the next HMAC key, 32 bytes long", Some(KEY)));
    assert_eq!(
        w.send(&o, request(&[("Mcp-Session-Id", &sid)], &ping))
            .status,
        200
    );
    w.keys.set((b"the next HMAC key, 32 bytes long", None));
    assert_eq!(
        w.send(&o, request(&[("Mcp-Session-Id", &sid)], &ping))
            .status,
        404,
        "re-initialize after the overlap"
    );
}

/// The tools a caller without sign-in lists: it is a member, so no tool whose scope only
/// operators may hold.
fn member_tools() -> impl Iterator<Item = &'static str> {
    let toolbox = &dovecote_gateway::tools::TOOLBOX;
    toolbox
        .tools
        .iter()
        .filter(|t| toolbox.grantable(t.policy.scope, dovecote_gateway::toolbox::Role::Member))
        .map(|t| t.def.name)
}
