//! Streamable HTTP on `/mcp`: method, size, media types, the JSON-RPC envelope, which
//! generation a request belongs to, its headers or session, and the reply as JSON or SSE.

use serde_json::{Map, Value};

use super::catalog::Catalog;
use super::dispatch::{self, meta, Call, Reply};
use super::headers;
use super::jsonrpc::{self, Message, RequestId, RpcError, INVALID_PARAMS, INVALID_REQUEST};
use super::session::{self, SessionError};
use super::version::{ProtocolVersion, SESSION_ERA_HEADERS};
use crate::config::Config;
use crate::http::{HttpRequest, HttpResponse};
use crate::platform::Platform;
use crate::toolbox::{Principal, Toolbox};

/// What `/mcp` needs from the gateway.
pub struct McpServer<'a> {
    /// Configuration.
    pub config: &'a Config,
    /// Host services.
    pub platform: Platform<'a>,
    /// The tools.
    pub toolbox: &'a Toolbox,
    /// Their serialized descriptors.
    pub catalog: &'a Catalog,
    /// Key for signing session ids; without one, no sessions are issued.
    pub signing_key: Option<&'a [u8]>,
    /// The key before a rotation: session ids it signed are still honoured.
    pub previous_signing_key: Option<&'a [u8]>,
    /// Builds the `WWW-Authenticate` value of an `insufficient_scope` refusal for a scope.
    pub challenge: Option<&'a dyn Fn(&str) -> String>,
}

/// Media types the client accepts.
#[derive(Debug, Clone, Copy)]
struct Accepts {
    json: bool,
    sse: bool,
}

fn accepts(req: &HttpRequest) -> Accepts {
    let Some(accept) = req.headers.get("accept") else {
        return Accepts {
            json: true,
            sse: false,
        };
    };
    let mut a = Accepts {
        json: false,
        sse: false,
    };
    for item in accept.split(',') {
        let media = item
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "*/*" => (a.json, a.sse) = (true, true),
            "application/json" | "application/*" => a.json = true,
            "text/event-stream" | "text/*" => a.sse = true,
            _ => {}
        }
    }
    a
}

fn error(err: &RpcError, id: Option<&RequestId>) -> HttpResponse {
    let response = HttpResponse::json(err.status, err.to_body(id));
    match &err.www_authenticate {
        Some(challenge) => response.with_header("WWW-Authenticate", challenge),
        None => response,
    }
}

/// How `/mcp` refuses before the protocol starts (a wrong method, a body over the cap): a
/// JSON-RPC error with `status`, as every other refusal there. (`code` is the HTTP layer's;
/// JSON-RPC has its own.)
pub fn refuse(status: u16, _code: &str, description: &str) -> HttpResponse {
    error(&RpcError::new(INVALID_REQUEST, status, description), None)
}

/// Serves one `POST` on `/mcp` (the route table answers other methods and caps the body).
pub async fn handle(
    server: &McpServer<'_>,
    req: &HttpRequest,
    principal: &Principal,
) -> HttpResponse {
    if !req.content_type_is("application/json") {
        let e = RpcError::new(
            INVALID_REQUEST,
            415,
            "Send the message with Content-Type: application/json",
        );
        return error(&e, None);
    }
    let accepts = accepts(req);
    if !accepts.json && !accepts.sse {
        let e = RpcError::new(
            INVALID_REQUEST,
            406,
            "Accept must include application/json or text/event-stream",
        );
        return error(&e, None);
    }
    let message = match jsonrpc::parse(&req.body) {
        Ok(m) => m,
        Err((e, id)) => return error(&e, id.as_ref()),
    };
    let header_version = req.headers.get("mcp-protocol-version").map(str::trim);
    let params_version = match &message {
        Message::Request { params, .. } => params
            .get("_meta")
            .and_then(|m| m.get(meta::PROTOCOL_VERSION))
            .is_some(),
        _ => false,
    };
    let session_era = match header_version {
        Some(v) => SESSION_ERA_HEADERS.contains(&v),
        None => !params_version,
    };
    if session_era {
        session_request(server, req, principal, message, accepts).await
    } else {
        stateless_request(server, req, principal, message, accepts).await
    }
}

/// 2026-07-28: `_meta`, then the version header, then the version, then `Mcp-Method`/`Mcp-Name`.
async fn stateless_request(
    server: &McpServer<'_>,
    req: &HttpRequest,
    principal: &Principal,
    message: Message,
    accepts: Accepts,
) -> HttpResponse {
    let (id, method, params) = match message {
        Message::Request { id, method, params } => (id, method, params),
        Message::Notification { .. } => return HttpResponse::empty(202),
        Message::Response => {
            let e = RpcError::new(
                INVALID_REQUEST,
                400,
                "Clients of 2026-07-28 do not send responses",
            );
            return error(&e, None);
        }
    };
    let version = match stateless_version(req, &method, &params, server.catalog) {
        Ok(v) => v,
        Err(e) => return error(&e, Some(&id)),
    };
    let call = Call {
        version,
        method: &method,
        params: &params,
        principal,
        platform: &server.platform,
        config: server.config,
        toolbox: server.toolbox,
        catalog: server.catalog,
        challenge: server.challenge,
    };
    match dispatch::dispatch(&call).await {
        Ok(reply) => reply_response(&id, reply, version, accepts),
        Err(e) => error(&e, Some(&id)),
    }
}

fn stateless_version(
    req: &HttpRequest,
    method: &str,
    params: &Map<String, Value>,
    catalog: &Catalog,
) -> Result<ProtocolVersion, RpcError> {
    let meta = params.get("_meta").and_then(Value::as_object);
    let requested = meta
        .and_then(|m| m.get(meta::PROTOCOL_VERSION))
        .and_then(Value::as_str);
    let Some(requested) = requested else {
        return Err(RpcError::new(
            INVALID_PARAMS,
            400,
            format!(
                "params._meta[\"{}\"] is required (a string)",
                meta::PROTOCOL_VERSION
            ),
        ));
    };
    if !meta.is_some_and(|m| {
        m.get(meta::CLIENT_CAPABILITIES)
            .is_some_and(Value::is_object)
    }) {
        return Err(RpcError::new(
            INVALID_PARAMS,
            400,
            format!(
                "params._meta[\"{}\"] is required (an object)",
                meta::CLIENT_CAPABILITIES
            ),
        ));
    }
    headers::expect(&req.headers, "MCP-Protocol-Version", requested)?;
    let version = ProtocolVersion::parse(requested)
        .filter(|v| !v.is_session_era())
        .ok_or_else(|| {
            RpcError::new(
                jsonrpc::UNSUPPORTED_PROTOCOL_VERSION,
                400,
                format!("Protocol version `{requested}` is not supported"),
            )
            .with_data(serde_json::json!({
                "supported": ProtocolVersion::all_strings(),
                "requested": requested,
            }))
        })?;
    headers::expect(&req.headers, "Mcp-Method", method)?;
    let name_key = match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        _ => None,
    };
    if let Some(key) = name_key {
        match params.get(key).and_then(Value::as_str) {
            Some(name) => headers::expect(&req.headers, "Mcp-Name", name)?,
            None => {
                return Err(RpcError::new(
                    INVALID_PARAMS,
                    400,
                    format!("`{key}` is required"),
                ))
            }
        }
    }
    if method == "tools/call" {
        let name = params
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let arguments = params.get("arguments").and_then(Value::as_object);
        for param in catalog.header_params(name) {
            let value = match arguments.and_then(|a| a.get(&param.property)) {
                None | Some(Value::Null) => continue,
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            };
            headers::expect(&req.headers, &format!("Mcp-Param-{}", param.header), &value)?;
        }
    }
    Ok(version)
}

/// The session era: `initialize` issues a signed session id; later requests must carry it.
async fn session_request(
    server: &McpServer<'_>,
    req: &HttpRequest,
    principal: &Principal,
    message: Message,
    accepts: Accepts,
) -> HttpResponse {
    let (id, method, params) = match message {
        Message::Request { id, method, params } => (id, method, params),
        Message::Notification { .. } | Message::Response => {
            return match session_of(server, req, principal) {
                Ok(_) => HttpResponse::empty(202),
                Err(e) => error(&e, None),
            }
        }
    };
    let mut issued = None;
    let version = if method == "initialize" {
        let version = dispatch::negotiated_version(&params);
        if let Some(key) = server.signing_key {
            let mut nonce = [0u8; 16];
            server.platform.random.fill(&mut nonce);
            issued = Some(session::issue(
                key,
                &principal.id,
                version,
                server.platform.clock.now_ms(),
                nonce,
            ));
        }
        version
    } else {
        match session_of(server, req, principal) {
            Ok(v) => v,
            Err(e) => return error(&e, Some(&id)),
        }
    };
    let call = Call {
        version,
        method: &method,
        params: &params,
        principal,
        platform: &server.platform,
        config: server.config,
        toolbox: server.toolbox,
        catalog: server.catalog,
        challenge: server.challenge,
    };
    // Session-era clients treat any non-2xx answer to a POST as a transport failure, so
    // JSON-RPC errors travel with 200 here.
    let response = match dispatch::dispatch(&call).await {
        Ok(reply) => reply_response(&id, reply, version, accepts),
        // Except a refusal for want of scope, which the client must see to ask for it.
        Err(e) if e.status == 403 => error(&e, Some(&id)),
        Err(e) => error(&e.with_status(200), Some(&id)),
    };
    match issued {
        Some(session_id) => response.with_header("Mcp-Session-Id", &session_id),
        None => response,
    }
}

/// The revision of a session-era request after `initialize`: from its verified session id,
/// or from its header when sessions are off.
fn session_of(
    server: &McpServer<'_>,
    req: &HttpRequest,
    principal: &Principal,
) -> Result<ProtocolVersion, RpcError> {
    let header = req.headers.get("mcp-protocol-version").map(str::trim);
    let from_header = match header {
        None => ProtocolVersion::V2025_03_26,
        Some(v) => ProtocolVersion::parse(v)
            .filter(|v| v.is_session_era())
            .ok_or_else(|| {
                RpcError::new(
                    INVALID_REQUEST,
                    400,
                    format!("Unsupported MCP-Protocol-Version `{v}`"),
                )
            })?,
    };
    let Some(key) = server.signing_key else {
        return Ok(from_header);
    };
    let Some(session_id) = req.headers.get("mcp-session-id") else {
        return Err(RpcError::new(
            INVALID_REQUEST,
            400,
            "Mcp-Session-Id is required: send the id the initialize response carried",
        ));
    };
    let now = server.platform.clock.now_ms();
    let verified = session::verify(key, &principal.id, session_id.trim(), now).or_else(|e| {
        match server.previous_signing_key {
            Some(previous) => session::verify(previous, &principal.id, session_id.trim(), now),
            None => Err(e),
        }
    });
    match verified {
        Ok(s) if header.is_none() || s.version == from_header => Ok(s.version),
        Ok(s) => Err(RpcError::new(
            INVALID_REQUEST,
            400,
            format!(
                "MCP-Protocol-Version must be `{}`, the version this session negotiated",
                s.version.as_str()
            ),
        )),
        Err(SessionError::Unknown | SessionError::Expired) => Err(RpcError::new(
            -32001,
            404,
            "Session not found or expired: send initialize to start a new one",
        )),
    }
}

fn reply_response(
    id: &RequestId,
    mut reply: Reply,
    version: ProtocolVersion,
    accepts: Accepts,
) -> HttpResponse {
    if !version.is_session_era() {
        if let Some(obj) = reply.result.as_object_mut() {
            obj.insert("resultType".into(), Value::from("complete"));
            let meta = obj
                .entry("_meta")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(meta) = meta.as_object_mut() {
                meta.insert(meta::SERVER_INFO.into(), dispatch::server_info());
            }
        }
    }
    let body = jsonrpc::result_body(id, &reply.result_text());
    let use_sse = accepts.sse && (!accepts.json || !reply.notifications.is_empty());
    if !use_sse {
        return HttpResponse::json(200, body);
    }
    let mut stream = String::new();
    for n in &reply.notifications {
        stream.push_str("event: message\ndata: ");
        stream.push_str(&jsonrpc::notification_body(n.method, &n.params));
        stream.push_str("\n\n");
    }
    stream.push_str("event: message\ndata: ");
    stream.push_str(&body);
    stream.push_str("\n\n");
    HttpResponse::empty(200)
        .with_header("Content-Type", "text/event-stream")
        .with_header("Cache-Control", "no-cache")
        .with_header("X-Accel-Buffering", "no")
        .with_body(stream)
}
