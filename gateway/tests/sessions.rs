//! Sessions of the 2025 generation across gateways: two gateway instances that share only
//! Durable Object storage (each with its own KV, leases and memory, as two isolates have). A
//! call that asks starts on one; the client's answer arrives through the other; the call
//! completes on the stream the first one holds. Also `GET`/`DELETE /mcp` and resuming with
//! `Last-Event-ID`.

use dovecote_gateway::body::Chunks;
use dovecote_gateway::config::{Config, Environment};
use dovecote_gateway::handlers::Answer;
use dovecote_gateway::http::{Headers, HttpRequest, HttpResponse};
use dovecote_gateway::log::Trace;
use dovecote_gateway::mcp::SessionStream;
use dovecote_gateway::objects::host::LocalObjects;
use dovecote_gateway::platform::native::{
    CannedFetch, ManualClock, MapSecrets, MemoryKv, OsRandom, SoftDigests,
};
use dovecote_gateway::platform::Platform;
use dovecote_gateway::ratelimit::Leases;
use dovecote_gateway::router::{serve, Gateway};
use dovecote_gateway::sessions::ANSWER_TIMEOUT_MS;
use serde_json::{json, Value};

const KEY: &[u8] = b"an HMAC key of thirty-two bytes!";

/// One gateway instance: its own KV and leases; the objects are the shared storage.
struct Instance<'a> {
    clock: &'a ManualClock,
    objects: &'a LocalObjects<'a>,
    kv: MemoryKv<'a>,
    leases: Leases,
    config: Config,
}

impl<'a> Instance<'a> {
    fn new(clock: &'a ManualClock, objects: &'a LocalObjects<'a>) -> Self {
        Self {
            clock,
            objects,
            kv: MemoryKv::new(clock),
            leases: Leases::default(),
            config: Config {
                environment: Environment::Development,
                ..Config::default()
            },
        }
    }

    fn send(&self, req: HttpRequest) -> Answer {
        let fetch = CannedFetch::default();
        let secrets = MapSecrets::default();
        let platform = Platform {
            kv: &self.kv,
            objects: self.objects,
            clock: self.clock,
            random: &OsRandom,
            fetch: &fetch,
            secrets: &secrets,
            digests: &SoftDigests,
        };
        let gateway = Gateway {
            config: &self.config,
            platform,
            signing_key: Some(KEY),
            previous_signing_key: None,
            oauth: None,
            leases: &self.leases,
        };
        let mut head = req;
        let body = std::mem::take(&mut head.body);
        let trace = Trace::default();
        pollster::block_on(serve(
            &gateway,
            None,
            head,
            Box::new(Chunks::new(vec![body])),
            &trace,
        ))
    }

    fn whole(&self, req: HttpRequest) -> HttpResponse {
        pollster::block_on(self.send(req).whole(self.objects))
    }

    fn stream(&self, req: HttpRequest) -> (HttpResponse, SessionStream) {
        match self.send(req) {
            Answer::Session(head, s) => (head, s),
            Answer::Whole(r) => panic!(
                "no stream: {} {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            ),
            Answer::Stream(..) | Answer::Listen(..) | Answer::Export(..) => {
                panic!("not a session's stream")
            }
        }
    }

    /// What the held stream reads from the session now.
    fn poll(&self, s: &mut SessionStream) -> String {
        let bytes = pollster::block_on(s.stream.poll(self.objects)).unwrap();
        String::from_utf8(bytes).unwrap()
    }
}

fn request(method: &str, headers: &[(&str, &str)], body: &Value) -> HttpRequest {
    let mut h = Headers::default();
    for (k, v) in headers {
        h.push(k, v);
    }
    h.push("Host", "127.0.0.1:8787");
    h.push("Content-Type", "application/json");
    h.push("Accept", "application/json, text/event-stream");
    let body = if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    HttpRequest::new(method, "http://127.0.0.1:8787/mcp", h, body)
}

fn initialize(gw: &Instance<'_>, capabilities: Value) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": capabilities,
                   "clientInfo": {"name": "t", "version": "1"}}});
    let r = gw.whole(request("POST", &[], &init));
    assert_eq!(r.status, 200);
    r.header("Mcp-Session-Id").unwrap().to_owned()
}

fn create_untitled(sid: &str) -> HttpRequest {
    let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "create_document", "arguments": {"content": "body text"}}});
    request(
        "POST",
        &[
            ("Mcp-Session-Id", sid),
            ("MCP-Protocol-Version", "2025-11-25"),
        ],
        &call,
    )
}

/// The JSON-RPC messages of SSE frames, with their event ids.
fn messages(frames: &str) -> Vec<(String, Value)> {
    frames
        .split("\n\n")
        .filter_map(|frame| {
            let id = frame.lines().find_map(|l| l.strip_prefix("id: "))?;
            let data = frame.lines().find_map(|l| l.strip_prefix("data: "))?;
            let data = serde_json::from_str(data).ok()?;
            Some((id.to_owned(), data))
        })
        .collect()
}

fn answer(sid: &str, id: &Value, result: Value) -> HttpRequest {
    let body = json!({"jsonrpc": "2.0", "id": id, "result": result});
    request(
        "POST",
        &[
            ("Mcp-Session-Id", sid),
            ("MCP-Protocol-Version", "2025-11-25"),
        ],
        &body,
    )
}

#[test]
fn a_call_asked_on_one_gateway_completes_with_the_answer_given_to_another() {
    let clock = ManualClock::new(1_800_000_000_000);
    let objects = LocalObjects::new(&clock);
    let (a, b) = (
        Instance::new(&clock, &objects),
        Instance::new(&clock, &objects),
    );
    let sid = initialize(&a, json!({"elicitation": {}}));

    let (head, mut held) = a.stream(create_untitled(&sid));
    assert_eq!(head.header("Content-Type"), Some("text/event-stream"));
    let opening = String::from_utf8(held.opening.clone()).unwrap();
    assert!(
        opening.starts_with("id: ") && opening.contains("retry: "),
        "{opening}"
    );
    let asked = messages(&opening);
    let (_, question) = asked.last().expect("a question");
    assert_eq!(question["method"], "elicitation/create");
    assert!(
        a.poll(&mut held).is_empty(),
        "nothing new before the answer"
    );

    // The answer reaches the other gateway, which has never seen the call.
    let r = b.whole(answer(
        &sid,
        &question["id"],
        json!({"action": "accept", "content": {"title": "Minutes"}}),
    ));
    assert_eq!(r.status, 202);
    let completed = messages(&a.poll(&mut held));
    let (_, response) = completed.last().expect("the call's response");
    assert_eq!(response["id"], 7);
    assert_eq!(response["result"]["structuredContent"]["title"], "Minutes");
    assert!(held.stream.done, "the call's stream ends with its response");

    // The same answer again changes nothing.
    let again = b.whole(answer(
        &sid,
        &question["id"],
        json!({"action": "accept", "content": {"title": "Twice"}}),
    ));
    assert_eq!(again.status, 202);
}

#[test]
fn a_client_that_reconnects_with_last_event_id_gets_what_it_missed() {
    let clock = ManualClock::new(1_800_000_000_000);
    let objects = LocalObjects::new(&clock);
    let (a, b) = (
        Instance::new(&clock, &objects),
        Instance::new(&clock, &objects),
    );
    let sid = initialize(&a, json!({"elicitation": {}}));
    let (_, held) = a.stream(create_untitled(&sid));
    let opening = String::from_utf8(held.opening).unwrap();
    let (last_id, question) = messages(&opening).pop().unwrap();
    // The connection dropped: the held stream is gone.
    b.whole(answer(
        &sid,
        &question["id"],
        json!({"action": "accept", "content": {"title": "Resumed"}}),
    ));
    let get = request(
        "GET",
        &[
            ("Mcp-Session-Id", &sid),
            ("MCP-Protocol-Version", "2025-11-25"),
            ("Last-Event-ID", &last_id),
            ("Accept", "text/event-stream"),
        ],
        &Value::Null,
    );
    let (head, resumed) = b.stream(get);
    assert_eq!(head.status, 200);
    assert!(resumed.stream.done, "the whole rest came at once");
    let replayed = messages(&String::from_utf8(resumed.opening).unwrap());
    assert_eq!(
        replayed.len(),
        1,
        "only what came after {last_id}: {replayed:?}"
    );
    assert_eq!(
        replayed[0].1["result"]["structuredContent"]["title"],
        "Resumed"
    );
}

#[test]
fn a_call_nobody_answers_ends_with_a_result_saying_so() {
    let clock = ManualClock::new(1_800_000_000_000);
    let objects = LocalObjects::new(&clock);
    let a = Instance::new(&clock, &objects);
    let sid = initialize(&a, json!({"elicitation": {}}));
    let (_, mut held) = a.stream(create_untitled(&sid));
    clock.advance_ms(ANSWER_TIMEOUT_MS);
    let ended = messages(&a.poll(&mut held));
    let (_, response) = ended.last().unwrap();
    assert_eq!(response["id"], 7);
    assert_eq!(response["result"]["isError"], true);
    assert!(response["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("No answer came"));
    assert!(held.stream.done);
}

#[test]
fn a_client_that_cannot_be_asked_gets_the_tool_s_own_answer() {
    let clock = ManualClock::new(1_800_000_000_000);
    let objects = LocalObjects::new(&clock);
    let a = Instance::new(&clock, &objects);
    let sid = initialize(&a, json!({}));
    let r = a.whole(create_untitled(&sid));
    assert_eq!(r.status, 200);
    let text = String::from_utf8(r.body).unwrap();
    assert!(text.contains("`title` is required"), "{text}");
}

#[test]
fn get_and_delete_need_a_live_session_and_delete_ends_it() {
    let clock = ManualClock::new(1_800_000_000_000);
    let objects = LocalObjects::new(&clock);
    let (a, b) = (
        Instance::new(&clock, &objects),
        Instance::new(&clock, &objects),
    );
    let sse = ("Accept", "text/event-stream");
    let no_session = a.whole(request("GET", &[sse], &Value::Null));
    assert_eq!(no_session.status, 400);
    let unknown = a.whole(request(
        "GET",
        &[sse, ("Mcp-Session-Id", "s1.nope")],
        &Value::Null,
    ));
    assert_eq!(unknown.status, 404);
    let sid = initialize(&a, json!({}));
    let (head, standalone) = b.stream(request(
        "GET",
        &[sse, ("Mcp-Session-Id", &sid)],
        &Value::Null,
    ));
    assert_eq!(head.status, 200);
    assert!(!standalone.stream.done, "the standalone stream stays open");
    let not_sse = a.whole(request(
        "GET",
        &[("Accept", "application/json"), ("Mcp-Session-Id", &sid)],
        &Value::Null,
    ));
    assert_eq!(not_sse.status, 406);
    assert_eq!(
        a.whole(request(
            "DELETE",
            &[("Mcp-Session-Id", "s1.nope")],
            &Value::Null
        ))
        .status,
        404
    );
    assert_eq!(
        b.whole(request("DELETE", &[("Mcp-Session-Id", &sid)], &Value::Null))
            .status,
        204
    );
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    let after = a.whole(request("POST", &[("Mcp-Session-Id", &sid)], &ping));
    assert_eq!(
        after.status, 404,
        "an ended session is gone on every gateway"
    );
}

fn legacy_post(url: &str, body: &Value) -> HttpRequest {
    let mut req = request("POST", &[], body);
    req = HttpRequest::new("POST", url, req.headers, req.body);
    req
}

#[test]
fn the_legacy_sse_transport_answers_on_its_stream_and_asks_over_it() {
    let clock = ManualClock::new(1_800_000_000_000);
    let objects = LocalObjects::new(&clock);
    let (a, b) = (
        Instance::new(&clock, &objects),
        Instance::new(&clock, &objects),
    );
    let mut open = request("GET", &[("Accept", "text/event-stream")], &Value::Null);
    open = HttpRequest::new("GET", "http://127.0.0.1:8787/sse", open.headers, Vec::new());
    let (head, mut held) = a.stream(open);
    assert_eq!(head.header("Content-Type"), Some("text/event-stream"));
    let opening = String::from_utf8(held.opening.clone()).unwrap();
    let endpoint = opening
        .strip_prefix("event: endpoint\ndata: ")
        .and_then(|rest| rest.strip_suffix("\n\n"))
        .unwrap_or_else(|| panic!("{opening}"));
    assert!(endpoint.starts_with("/messages?sessionId="), "{endpoint}");
    let url = format!("http://127.0.0.1:8787{endpoint}");

    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2024-11-05", "capabilities": {"elicitation": {}},
                   "clientInfo": {"name": "old", "version": "1"}}});
    assert_eq!(b.whole(legacy_post(&url, &init)).status, 202);
    let answered = messages(&a.poll(&mut held));
    assert_eq!(answered[0].1["id"], 1);
    assert!(answered[0].1["result"]["protocolVersion"].is_string());

    // Two calls wait on the one stream at once; each completes with its own answer.
    let call = |id: u64| {
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "create_document", "arguments": {"content": format!("text {id}")}}})
    };
    assert_eq!(b.whole(legacy_post(&url, &call(2))).status, 202);
    assert_eq!(b.whole(legacy_post(&url, &call(3))).status, 202);
    let asked = messages(&a.poll(&mut held));
    assert_eq!(asked.len(), 2, "{asked:?}");
    for (title, (_, question)) in ["Second", "Third"].iter().zip(&asked).rev() {
        assert_eq!(question["method"], "elicitation/create");
        let reply = json!({"jsonrpc": "2.0", "id": question["id"],
            "result": {"action": "accept", "content": {"title": title}}});
        assert_eq!(a.whole(legacy_post(&url, &reply)).status, 202);
    }
    let done = messages(&a.poll(&mut held));
    let titles: Vec<(Value, Value)> = done
        .iter()
        .map(|(_, m)| {
            (
                m["id"].clone(),
                m["result"]["structuredContent"]["title"].clone(),
            )
        })
        .collect();
    assert_eq!(
        titles,
        [(json!(3), json!("Third")), (json!(2), json!("Second"))],
        "answered in the other order"
    );
    assert!(
        !held.stream.done,
        "the legacy stream stays open for the next message"
    );

    let foreign = legacy_post("http://127.0.0.1:8787/messages?sessionId=s1.nope", &call(4));
    assert_eq!(b.whole(foreign).status, 404);
    let missing = legacy_post("http://127.0.0.1:8787/messages", &call(4));
    assert_eq!(b.whole(missing).status, 400);
}
