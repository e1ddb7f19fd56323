//! Admission on `/mcp`: the checks a parsed message must pass in its protocol generation
//! before it is dispatched — `_meta`, headers and version for 2026-07-28; the session id (or
//! issuing one at `initialize`) for the session era — and the request it then becomes.

use serde_json::{Map, Value};

use super::catalog::Catalog;
use super::dispatch::{self, meta};
use super::headers;
use super::jsonrpc::{self, Message, RequestId, RpcError, INVALID_PARAMS, INVALID_REQUEST};
use super::model::UnsupportedVersionData;
use super::session::{self, SessionError};
use super::transport::{error, McpServer};
use super::version::ProtocolVersion;
use crate::http::{HttpRequest, HttpResponse};
use crate::toolbox::Principal;

/// A request that passed its generation's checks, ready to dispatch.
pub(super) struct Admitted {
    /// Its id, echoed in the answer.
    pub id: RequestId,
    /// The method.
    pub method: String,
    /// Its params.
    pub params: Map<String, Value>,
    /// The revision it speaks.
    pub version: ProtocolVersion,
    /// A session id issued by this `initialize`, sent back in `Mcp-Session-Id`.
    pub issued_session: Option<String>,
}

/// What a generation's checks make of a message: a request to run, or the answer already.
pub(super) enum Admission {
    /// Passed: run it.
    Request(Admitted),
    /// Refused, or a notification: this is the whole answer.
    Answered(HttpResponse),
}

/// 2026-07-28: `_meta`, then the version header, then the version, then `Mcp-Method`/`Mcp-Name`.
pub(super) fn stateless(server: &McpServer<'_>, req: &HttpRequest, message: Message) -> Admission {
    let (id, method, params) = match message {
        Message::Request { id, method, params } => (id, method, params),
        Message::Notification { .. } => return Admission::Answered(HttpResponse::empty(202)),
        Message::Response => {
            let e = RpcError::new(
                INVALID_REQUEST,
                400,
                "Clients of 2026-07-28 do not send responses",
            );
            return Admission::Answered(error(&e, None));
        }
    };
    match stateless_version(req, &method, &params, server.catalog) {
        Ok(version) => Admission::Request(Admitted {
            id,
            method,
            params,
            version,
            issued_session: None,
        }),
        Err(e) => Admission::Answered(error(&e, Some(&id))),
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
            .with_data(UnsupportedVersionData {
                supported: ProtocolVersion::all_strings(),
                requested: requested.to_owned(),
            })
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
pub(super) fn session(
    server: &McpServer<'_>,
    req: &HttpRequest,
    principal: &Principal,
    message: Message,
) -> Admission {
    let (id, method, params) = match message {
        Message::Request { id, method, params } => (id, method, params),
        Message::Notification { .. } | Message::Response => {
            return Admission::Answered(match session_of(server, req, principal) {
                Ok(_) => HttpResponse::empty(202),
                Err(e) => error(&e, None),
            })
        }
    };
    let mut issued_session = None;
    let version = if method == "initialize" {
        let version = dispatch::negotiated_version(&params);
        if let Some(key) = server.signing_key {
            let mut nonce = [0u8; 16];
            if server.platform.random.fill(&mut nonce).is_err() {
                return Admission::Answered(crate::http::error(
                    503,
                    "temporarily_unavailable",
                    "the server cannot start a session just now (its random-number source \
                     failed); try again",
                ));
            }
            issued_session = Some(session::issue(
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
            Err(e) => return Admission::Answered(error(&e, Some(&id))),
        }
    };
    Admission::Request(Admitted {
        id,
        method,
        params,
        version,
        issued_session,
    })
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
