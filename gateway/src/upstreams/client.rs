//! The MCP client Dovecote speaks to an upstream: one JSON-RPC request over Streamable HTTP,
//! in the upstream's protocol generation. 2026-07-28 is stateless: every request carries the
//! version in `_meta` and the `MCP-Protocol-Version`/`Mcp-Method`/`Mcp-Name` headers. The
//! session era (2025-*) needs `initialize` first; the session it opens is kept **per isolate**
//! (`session.rs`) and opened again once when the upstream has forgotten it (404). An answer is
//! read as JSON or as a `text/event-stream` carrying the response; everything else is a
//! `Failure`. Only the upstream's own `bearer_secret` is ever sent: never the caller's token.

use serde_json::{json, Map, Value};

use super::session;
use super::Upstream;
use crate::platform::{Fetched, Outbound, Platform, NO_ANSWER, TOO_LARGE};

/// The one stateless revision.
pub const STATELESS: &str = "2026-07-28";

/// Why an upstream gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No connection, or it dropped.
    Unreachable,
    /// No full answer before the deadline.
    Timeout(u64),
    /// An answer larger than the upstream's `max_bytes`.
    TooLarge(u64),
    /// An HTTP status other than success.
    Status(u16),
    /// An answer that is not a JSON-RPC response to the request.
    Garbage(&'static str),
    /// A JSON-RPC error: its code and (cut) message.
    Rpc(i64, String),
    /// The upstream's `bearer_secret` is not set.
    NoSecret(&'static str),
}

impl Failure {
    /// A short, secret-free word for the audit.
    pub fn audit(&self) -> String {
        match self {
            Self::Unreachable => "unreachable".into(),
            Self::Timeout(_) => "timeout".into(),
            Self::TooLarge(_) => "too large".into(),
            Self::Status(s) => format!("http {s}"),
            Self::Garbage(_) => "garbage".into(),
            Self::Rpc(code, _) => format!("error {code}"),
            Self::NoSecret(_) => "secret unset".into(),
        }
    }

    /// What the caller reads: what happened and what to do.
    pub fn explain(&self, upstream: &str) -> String {
        let who = format!("The upstream MCP server `{upstream}`");
        match self {
            Self::Unreachable => format!("{who} could not be reached. It may be down; try again in a little while."),
            Self::Timeout(ms) => format!("{who} did not answer within {ms} ms. It may be slow or down; try again later."),
            Self::TooLarge(max) => format!("{who} answered with more than {max} bytes, more than this gateway reads from it. Ask for less."),
            Self::Status(401 | 403) => format!("{who} refused the gateway's credentials. The operator must check its `bearer_secret`."),
            Self::Status(429) => format!("{who} is rate limiting the gateway. Wait before calling it again."),
            Self::Status(s) => format!("{who} answered HTTP {s}. This is on its side; try again later."),
            Self::Garbage(what) => format!("{who} answered with {what}, not an MCP response. Tell the operator."),
            Self::Rpc(code, message) => format!("{who} refused the call ({code}): {message}"),
            Self::NoSecret(name) => format!("{who} needs the secret `{name}`, which is not set. Nothing was sent; tell the operator (wrangler secret put {name})."),
        }
    }
}

/// A request's budget: when it must be answered by.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at_ms: u64,
    total_ms: u64,
}

impl Deadline {
    /// `ms` from now.
    pub fn after(platform: &Platform<'_>, ms: u64) -> Self {
        Self {
            at_ms: platform.clock.now_ms() + ms,
            total_ms: ms,
        }
    }

    fn left(&self, platform: &Platform<'_>) -> Result<u64, Failure> {
        match self.at_ms.checked_sub(platform.clock.now_ms()) {
            Some(ms) if ms > 0 => Ok(ms),
            _ => Err(Failure::Timeout(self.total_ms)),
        }
    }
}

/// The longest error message quoted from an upstream, in characters.
const QUOTED_CHARS: usize = 300;

/// Sends `method` with `params` and returns its result.
pub async fn request(
    upstream: &Upstream,
    platform: &Platform<'_>,
    method: &str,
    params: Map<String, Value>,
    deadline: Deadline,
) -> Result<Value, Failure> {
    if upstream.protocol == STATELESS {
        return stateless(upstream, platform, method, params, deadline).await;
    }
    let mut session = match session::get(upstream.name) {
        Some(s) => s,
        None => initialize(upstream, platform, deadline).await?,
    };
    let mut answer = in_session(upstream, platform, &session, method, &params, deadline).await;
    if matches!(answer, Err(Failure::Status(404))) && session.id.is_some() {
        // The upstream forgot the session (restarted, expired): open another, once.
        session::forget(upstream.name);
        session = initialize(upstream, platform, deadline).await?;
        answer = in_session(upstream, platform, &session, method, &params, deadline).await;
    }
    answer
}

async fn stateless(
    upstream: &Upstream,
    platform: &Platform<'_>,
    method: &str,
    mut params: Map<String, Value>,
    deadline: Deadline,
) -> Result<Value, Failure> {
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": STATELESS,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": client_info(),
    });
    params.insert("_meta".into(), meta);
    let name = params
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut headers = vec![
        ("mcp-protocol-version", STATELESS.to_owned()),
        ("mcp-method", method.to_owned()),
    ];
    if let Some(name) = name {
        headers.push(("mcp-name", name));
    }
    let fetched = post(upstream, platform, method, params, &headers, deadline).await?;
    let result = response(&fetched)?;
    match result.get("resultType").and_then(Value::as_str) {
        None | Some("complete") => Ok(result),
        Some(_) => Err(Failure::Rpc(
            -32021,
            "it asked for input from the client, which this gateway does not relay".into(),
        )),
    }
}

/// A session-era session: its id (none when the upstream runs without sessions) and the
/// revision `initialize` settled on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// `Mcp-Session-Id`.
    pub id: Option<String>,
    /// The negotiated revision.
    pub version: String,
}

async fn initialize(
    upstream: &Upstream,
    platform: &Platform<'_>,
    deadline: Deadline,
) -> Result<Session, Failure> {
    let mut params = Map::new();
    params.insert("protocolVersion".into(), upstream.protocol.into());
    params.insert("capabilities".into(), json!({}));
    params.insert("clientInfo".into(), client_info());
    let fetched = post(upstream, platform, "initialize", params, &[], deadline).await?;
    let result = response(&fetched)?;
    let version = result
        .get("protocolVersion")
        .and_then(Value::as_str)
        .ok_or(Failure::Garbage(
            "an initialize result without a protocolVersion",
        ))?;
    let session = Session {
        id: fetched.header("mcp-session-id").map(str::to_owned),
        version: version.chars().take(32).collect(),
    };
    let headers = session_headers(&session);
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let sent = send(
        upstream,
        platform,
        note.to_string().into_bytes(),
        &headers,
        deadline,
    )
    .await?;
    if !(200..300).contains(&sent.status) {
        return Err(Failure::Status(sent.status));
    }
    session::keep(upstream.name, session.clone());
    Ok(session)
}

async fn in_session(
    upstream: &Upstream,
    platform: &Platform<'_>,
    session: &Session,
    method: &str,
    params: &Map<String, Value>,
    deadline: Deadline,
) -> Result<Value, Failure> {
    let headers = session_headers(session);
    let fetched = post(
        upstream,
        platform,
        method,
        params.clone(),
        &headers,
        deadline,
    )
    .await?;
    response(&fetched)
}

fn session_headers(session: &Session) -> Vec<(&'static str, String)> {
    let mut headers = vec![("mcp-protocol-version", session.version.clone())];
    if let Some(id) = &session.id {
        headers.push(("mcp-session-id", id.clone()));
    }
    headers
}

fn client_info() -> Value {
    json!({"name": "dovecote", "version": env!("CARGO_PKG_VERSION")})
}

/// POSTs one request (id 1) and returns the answer of a success status.
async fn post(
    upstream: &Upstream,
    platform: &Platform<'_>,
    method: &str,
    params: Map<String, Value>,
    headers: &[(&'static str, String)],
    deadline: Deadline,
) -> Result<Fetched, Failure> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let fetched = send(
        upstream,
        platform,
        body.to_string().into_bytes(),
        headers,
        deadline,
    )
    .await?;
    match fetched.status {
        200..=299 => Ok(fetched),
        // A JSON-RPC error may come with a 4xx (an unknown tool, a refused version).
        400..=499
            if fetched
                .header("content-type")
                .is_some_and(|t| t.contains("json")) =>
        {
            match response(&fetched) {
                Err(e @ Failure::Rpc(..)) if fetched.status != 404 => Err(e),
                _ => Err(Failure::Status(fetched.status)),
            }
        }
        s => Err(Failure::Status(s)),
    }
}

async fn send(
    upstream: &Upstream,
    platform: &Platform<'_>,
    body: Vec<u8>,
    headers: &[(&'static str, String)],
    deadline: Deadline,
) -> Result<Fetched, Failure> {
    let max = upstream.max_bytes as usize;
    let mut out = Outbound::post(
        upstream.url,
        "application/json",
        body,
        max,
        deadline.left(platform)?,
    )
    .header("accept", "application/json, text/event-stream");
    if let Some(name) = upstream.bearer_secret {
        let secret = platform
            .secrets
            .get(name)
            .filter(|s| !s.trim().is_empty())
            .ok_or(Failure::NoSecret(name))?;
        out = out.header("authorization", &format!("Bearer {}", secret.trim()));
    }
    for (name, value) in headers {
        out = out.header(name, value);
    }
    platform.fetch.send(&out).await.map_err(|e| {
        if e.0.starts_with(NO_ANSWER) {
            Failure::Timeout(deadline.total_ms)
        } else if e.0.starts_with(TOO_LARGE) {
            Failure::TooLarge(upstream.max_bytes)
        } else {
            Failure::Unreachable
        }
    })
}

/// The result of the JSON-RPC response in `fetched`: a JSON body, or the first response in an
/// event stream.
fn response(fetched: &Fetched) -> Result<Value, Failure> {
    let stream = fetched
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/event-stream"));
    let message: Value = if stream {
        let text = std::str::from_utf8(&fetched.body)
            .map_err(|_| Failure::Garbage("an event stream that is not UTF-8"))?;
        events(text)
            .into_iter()
            .filter_map(|data| serde_json::from_str::<Value>(&data).ok())
            .find(|m| {
                m.get("id").is_some() && (m.get("result").is_some() || m.get("error").is_some())
            })
            .ok_or(Failure::Garbage("an event stream without a response"))?
    } else {
        serde_json::from_slice(&fetched.body)
            .map_err(|_| Failure::Garbage("something that is not JSON"))?
    };
    if let Some(error) = message.get("error") {
        let code = error.get("code").and_then(Value::as_i64).unwrap_or(0);
        let text = error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("no message");
        return Err(Failure::Rpc(
            code,
            text.chars().take(QUOTED_CHARS).collect(),
        ));
    }
    match message.get("result") {
        Some(result @ Value::Object(_)) => Ok(result.clone()),
        _ => Err(Failure::Garbage("JSON without a result")),
    }
}

/// The `data` of each event in an event stream.
fn events(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut data: Option<String> = None;
    for line in text.split('\n').map(|l| l.trim_end_matches('\r')) {
        if line.is_empty() {
            out.extend(data.take());
        } else if let Some(rest) = line.strip_prefix("data:") {
            let rest = rest.strip_prefix(' ').unwrap_or(rest);
            match &mut data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(rest);
                }
                None => data = Some(rest.to_owned()),
            }
        }
    }
    out.extend(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(content_type: &str, body: &str) -> Fetched {
        Fetched {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_response_is_read_from_json_or_from_an_event_stream() {
        let json = answer(
            "application/json",
            r#"{"jsonrpc":"2.0","id":1,"result":{"content":[]}}"#,
        );
        assert_eq!(response(&json).unwrap(), json!({"content": []}));
        let sse = answer(
            "text/event-stream",
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\nid: 7\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\ndata: \"result\":{\"x\":2}}\n\n",
        );
        assert_eq!(
            response(&sse).unwrap(),
            json!({"x": 2}),
            "a notification first, a response over two data lines"
        );
        let none = answer("text/event-stream", ": keep-alive\n\n");
        assert_eq!(
            response(&none),
            Err(Failure::Garbage("an event stream without a response"))
        );
        let sse = answer(
            "text/event-stream",
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"x\":1}}\n\n",
        );
        assert_eq!(response(&sse).unwrap(), json!({"x": 1}));
    }

    #[test]
    fn garbage_and_errors_are_failures_that_say_so() {
        assert_eq!(
            response(&answer("application/json", "{not json")),
            Err(Failure::Garbage("something that is not JSON"))
        );
        assert_eq!(
            response(&answer(
                "application/json",
                r#"{"jsonrpc":"2.0","id":1,"result":3}"#
            )),
            Err(Failure::Garbage("JSON without a result"))
        );
        let rpc = answer(
            "application/json",
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unknown tool"}}"#,
        );
        assert_eq!(
            response(&rpc),
            Err(Failure::Rpc(-32602, "Unknown tool".into()))
        );
        assert!(Failure::Timeout(5000)
            .explain("docs")
            .contains("within 5000 ms"));
    }
}
