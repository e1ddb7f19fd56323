//! Admission on `/mcp`: the checks a parsed message must pass in its protocol generation
//! before it is dispatched — `_meta`, headers and version for 2026-07-28; the session id (or
//! issuing one at `initialize`) for the session era — and the request it then becomes.

use serde_json::{Map, Value};

use super::catalog::Catalog;
use super::dispatch::{self, meta};
use super::headers;
use super::jsonrpc::{
    self, Message, RequestId, RpcError, INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST,
};
use super::model::UnsupportedVersionData;
use super::session;
use super::transport::{error, McpServer};
use super::version::ProtocolVersion;
use crate::http::{HttpRequest, HttpResponse};
use crate::sessions::{Live, SessionRef, Touched};
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
    /// The session it belongs to (session era, with sessions on), and what the client declared.
    pub session: Option<Held>,
}

/// The session a session-era message came with.
#[derive(Debug, Clone)]
pub(super) struct Held {
    /// The session.
    pub session: SessionRef,
    /// The capabilities its client declared at `initialize`.
    pub capabilities: Option<Value>,
}

/// What a generation's checks make of a message: a request to run, or the answer already.
pub(super) enum Admission {
    /// Passed: run it.
    Request(Admitted),
    /// Refused, or a notification: this is the whole answer.
    Answered(HttpResponse),
    /// The client's answer to a request the server sent over `session`.
    Response {
        /// The session, and what its client declared.
        held: Held,
        /// The id of the server's request.
        id: RequestId,
        /// The answer.
        outcome: Result<Value, Value>,
    },
}

/// 2026-07-28: `_meta`, then the version header, then the version, then `Mcp-Method`/`Mcp-Name`.
pub(super) fn stateless(server: &McpServer<'_>, req: &HttpRequest, message: Message) -> Admission {
    let (id, method, params) = match message {
        Message::Request { id, method, params } => (id, method, params),
        Message::Notification { .. } => return Admission::Answered(HttpResponse::empty(202)),
        Message::Response { .. } => {
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
            session: None,
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

/// The session era: `initialize` issues a signed session id and opens its session object;
/// later messages must carry the id of a live session.
pub(super) async fn session(
    server: &McpServer<'_>,
    req: &HttpRequest,
    principal: &Principal,
    message: Message,
) -> Admission {
    let (id, method, params) = match message {
        Message::Request { id, method, params } => (id, method, params),
        Message::Notification { .. } => {
            return Admission::Answered(match session_of(server, req, principal).await {
                Ok(_) => HttpResponse::empty(202),
                Err(e) => error(&e, None),
            })
        }
        Message::Response { id, outcome } => {
            return match session_of(server, req, principal).await {
                Ok((_, Some(held))) => Admission::Response { held, id, outcome },
                Ok((_, None)) => Admission::Answered(HttpResponse::empty(202)),
                Err(e) => Admission::Answered(error(&e, None)),
            }
        }
    };
    if method == "initialize" {
        let version = dispatch::negotiated_version(&params);
        let capabilities = params.get("capabilities").cloned().unwrap_or(Value::Null);
        let issued = match open(server, principal, version.as_str(), capabilities).await {
            Ok(issued) => issued,
            Err(e) => return Admission::Answered(error(&e, Some(&id))),
        };
        return Admission::Request(Admitted {
            id,
            method,
            params,
            version,
            issued_session: issued.map(|s| s.id),
            session: None,
        });
    }
    match session_of(server, req, principal).await {
        Ok((version, session)) => Admission::Request(Admitted {
            id,
            method,
            params,
            version,
            issued_session: None,
            session,
        }),
        Err(e) => Admission::Answered(error(&e, Some(&id))),
    }
}

fn unavailable(why: &str) -> RpcError {
    RpcError::new(
        INTERNAL_ERROR,
        503,
        format!("The server cannot {why} just now; try again in a few seconds"),
    )
}

/// Issues a session id for `principal` and opens its session object (none without a signing
/// key). `version` is the revision settled on; `capabilities` what the client declared.
pub(crate) async fn open(
    server: &McpServer<'_>,
    principal: &Principal,
    version: &str,
    capabilities: Value,
) -> Result<Option<SessionRef>, RpcError> {
    let Some(key) = server.signing_key else {
        return Ok(None);
    };
    let mut nonce = [0u8; 16];
    if server.platform.random.fill(&mut nonce).is_err() {
        return Err(unavailable(
            "start a session (its random-number source failed)",
        ));
    }
    let now = server.platform.clock.now_ms();
    let parsed = ProtocolVersion::parse(version).unwrap_or(ProtocolVersion::V2025_03_26);
    let session = SessionRef {
        id: session::issue(key, &principal.id, parsed, now, nonce),
        owner: principal.id.clone(),
    };
    let live = Live {
        owner: principal.id.clone(),
        version: version.to_owned(),
        capabilities,
    };
    let opened = session
        .open(server.platform.objects, live, now + session::SESSION_TTL_MS)
        .await;
    if let Err(e) = opened {
        crate::log::internal("session open", &e.0);
        return Err(unavailable("start a session"));
    }
    Ok(Some(session))
}

/// The revision of a session-era request after `initialize`, and its session: from its
/// verified id and its session object, or from its header when sessions are off.
pub(super) async fn session_of(
    server: &McpServer<'_>,
    req: &HttpRequest,
    principal: &Principal,
) -> Result<(ProtocolVersion, Option<Held>), RpcError> {
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
    if server.signing_key.is_none() {
        return Ok((from_header, None));
    }
    let Some(session_id) = req.headers.get("mcp-session-id") else {
        return Err(RpcError::new(
            INVALID_REQUEST,
            400,
            "Mcp-Session-Id is required: send the id the initialize response carried",
        ));
    };
    let (session, version, capabilities) =
        live_session(server, principal, session_id.trim()).await?;
    if header.is_some() && version != from_header {
        return Err(RpcError::new(
            INVALID_REQUEST,
            400,
            format!(
                "MCP-Protocol-Version must be `{}`, the version this session negotiated",
                version.as_str()
            ),
        ));
    }
    Ok((
        version,
        Some(Held {
            session,
            capabilities,
        }),
    ))
}

/// The live session `session_id` names for `principal`: checked against its signature (either
/// key) first, so a forged id never reaches storage, then against its object, so an ended one
/// is refused. 404 when it is unknown, expired or ended: the client starts a new session.
pub(crate) async fn live_session(
    server: &McpServer<'_>,
    principal: &Principal,
    session_id: &str,
) -> Result<(SessionRef, ProtocolVersion, Option<Value>), RpcError> {
    let gone = || {
        RpcError::new(
            -32001,
            404,
            "Session not found or expired: send initialize to start a new one",
        )
    };
    let Some(key) = server.signing_key else {
        return Err(gone());
    };
    let now = server.platform.clock.now_ms();
    let verified = session::verify(key, &principal.id, session_id, now).or_else(|e| {
        match server.previous_signing_key {
            Some(previous) => session::verify(previous, &principal.id, session_id, now),
            None => Err(e),
        }
    });
    let Ok(signed) = verified else {
        return Err(gone());
    };
    let session = SessionRef {
        id: session_id.to_owned(),
        owner: principal.id.clone(),
    };
    let known = Live {
        owner: principal.id.clone(),
        version: signed.version.as_str().to_owned(),
        capabilities: Value::Null,
    };
    let expires = signed.issued_at_ms + session::SESSION_TTL_MS;
    match session.touch(server.platform.objects, known, expires).await {
        Ok(Touched::Live(live)) => {
            let version = ProtocolVersion::parse(&live.version).unwrap_or(signed.version);
            let capabilities = Some(live.capabilities).filter(|c| !c.is_null());
            Ok((session, version, capabilities))
        }
        Ok(Touched::Gone) => Err(gone()),
        Err(e) => {
            crate::log::internal("session lookup", &e.0);
            Err(unavailable("find this session"))
        }
    }
}
