//! Streamable HTTP on `/mcp`: method, size, media types, the JSON-RPC envelope, which
//! generation a request belongs to (its checks are in `admit.rs`), one dispatch, and the
//! reply as JSON or SSE.

use super::admit::{self, Admission};
use super::asking;
use super::catalog::Catalog;
use super::dispatch::{self, meta, Call, Reply, SessionInputs};
use super::jsonrpc::{self, Message, RequestId, RpcError, INVALID_REQUEST};
use super::model::{ResultMeta, Stateless};
use super::request_state::StateKeys;
use super::subscriptions;
use super::version::{ProtocolVersion, SESSION_ERA_HEADERS};
use crate::config::Config;
use crate::http::{HttpRequest, HttpResponse};
use crate::platform::Platform;
use crate::ratelimit::Leases;
use crate::sessions::{FeedStream, SessionStream};
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
    /// The rate-limit leases this isolate holds (high rates are taken from them).
    pub leases: &'a Leases,
}

impl McpServer<'_> {
    /// The dispatch of `method` with `params` by `principal` in `version`, asking over a
    /// session with `session` when it can.
    pub(super) fn call<'c>(
        &'c self,
        version: ProtocolVersion,
        method: &'c str,
        params: &'c serde_json::Map<String, serde_json::Value>,
        principal: &'c Principal,
        session: Option<SessionInputs>,
    ) -> Call<'c> {
        Call {
            version,
            method,
            params,
            principal,
            platform: &self.platform,
            config: self.config,
            toolbox: self.toolbox,
            catalog: self.catalog,
            challenge: self.challenge,
            leases: self.leases,
            state_keys: self.signing_key.map(|current| StateKeys {
                current,
                previous: self.previous_signing_key,
            }),
            session,
            subscriber: None,
        }
    }
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

/// The HTTP response carrying `err`, echoing `id`.
pub(super) fn error(err: &RpcError, id: Option<&RequestId>) -> HttpResponse {
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

/// What `/mcp` answers: a whole response, or a stream held open on a session.
pub enum McpAnswer {
    /// A whole response.
    Whole(HttpResponse),
    /// The head of an SSE stream, and the stream.
    Stream(HttpResponse, SessionStream),
    /// The head of a `subscriptions/listen` stream, and the stream.
    Listen(HttpResponse, FeedStream),
}

impl McpAnswer {
    /// The answer as one response (native callers): a stream's opening as its body.
    pub fn whole(self) -> HttpResponse {
        match self {
            Self::Whole(r) => r,
            Self::Stream(head, stream) => head.with_body(stream.opening),
            Self::Listen(head, stream) => head.with_body(stream.opening),
        }
    }
}

impl From<HttpResponse> for McpAnswer {
    fn from(r: HttpResponse) -> Self {
        Self::Whole(r)
    }
}

/// The status and headers of an SSE response.
pub fn sse_head() -> HttpResponse {
    HttpResponse::empty(200)
        .with_header("Content-Type", "text/event-stream")
        .with_header("Cache-Control", "no-cache")
        .with_header("X-Accel-Buffering", "no")
}

/// Serves one `POST` on `/mcp` (the route table answers other methods and caps the body).
pub async fn handle(server: &McpServer<'_>, req: &HttpRequest, principal: &Principal) -> McpAnswer {
    match post(server, req, principal).await {
        Ok(answer) => answer,
        Err(response) => McpAnswer::Whole(response),
    }
}

async fn post(
    server: &McpServer<'_>,
    req: &HttpRequest,
    principal: &Principal,
) -> Result<McpAnswer, HttpResponse> {
    if !req.content_type_is("application/json") {
        let e = RpcError::new(
            INVALID_REQUEST,
            415,
            "Send the message with Content-Type: application/json",
        );
        return Err(error(&e, None));
    }
    let accepts = accepts(req);
    if !accepts.json && !accepts.sse {
        let e = RpcError::new(
            INVALID_REQUEST,
            406,
            "Accept must include application/json or text/event-stream",
        );
        return Err(error(&e, None));
    }
    let message = match jsonrpc::parse(&req.body) {
        Ok(m) => m,
        Err((e, id)) => return Err(error(&e, id.as_ref())),
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
    let admission = if session_era {
        admit::session(server, req, principal, message).await
    } else {
        admit::stateless(server, req, message)
    };
    let request = match admission {
        Admission::Request(r) => r,
        Admission::Answered(response) => return Err(response),
        Admission::Response { held, id, outcome } => {
            let answered = asking::answer(
                server,
                principal,
                held.session,
                held.capabilities,
                id,
                outcome,
            )
            .await;
            return Ok(McpAnswer::Whole(answered));
        }
    };
    // A session-era client can be asked over its session when it reads SSE.
    let held = request.session.clone().filter(|_| accepts.sse);
    let session = held.as_ref().map(|h| SessionInputs {
        capabilities: h.capabilities.clone(),
        answers: Default::default(),
    });
    let mut call = server.call(
        request.version,
        &request.method,
        &request.params,
        principal,
        session,
    );
    call.subscriber = request.session.as_ref().map(|h| h.session.clone());
    let id = &request.id;
    if request.method == "subscriptions/listen" && !session_era {
        if !accepts.sse {
            let e = RpcError::new(
                INVALID_REQUEST,
                406,
                "subscriptions/listen answers with an event stream: send Accept: text/event-stream",
            );
            return Err(error(&e, Some(id)));
        }
        return match subscriptions::listen(&call, id).await {
            Ok(stream) => Ok(McpAnswer::Listen(sse_head(), stream)),
            Err(e) => Err(error(&e, Some(id))),
        };
    }
    let outcome = match (dispatch::dispatch(&call).await, held) {
        (Ok(reply), Some(held)) if reply.deferred && reply.asked.is_empty() => {
            return asking::deferred(server, &held.session, id, &reply)
                .await
                .map(McpAnswer::Whole)
                .map_err(|e| error(&e, Some(id)));
        }
        (Ok(reply), Some(held)) if !reply.asked.is_empty() => {
            return match asking::start(server, held.session, &call, id, &reply).await {
                Ok(stream) => Ok(McpAnswer::Stream(sse_head(), stream)),
                Err(e) => Err(error(&e, Some(id))),
            };
        }
        (Ok(reply), _) => reply_response(id, &reply, request.version, accepts),
        (Err(e), _) => Err(e),
    };
    let response = match outcome {
        Ok(response) => response,
        Err(e) if !session_era => error(&e, Some(id)),
        // Session-era clients treat any non-2xx answer to a POST as a transport failure, so
        // JSON-RPC errors travel with 200 there; except a refusal for want of scope, which
        // the client must see to ask for it.
        Err(e) if e.status == 403 => error(&e, Some(id)),
        Err(e) => error(&e.with_status(200), Some(id)),
    };
    Ok(McpAnswer::Whole(match request.issued_session {
        Some(session_id) => response.with_header("Mcp-Session-Id", &session_id),
        None => response,
    }))
}

fn reply_response(
    id: &RequestId,
    reply: &Reply<'_>,
    version: ProtocolVersion,
    accepts: Accepts,
) -> Result<HttpResponse, RpcError> {
    let body = if version.is_session_era() {
        jsonrpc::result_body(id, &reply.result)?
    } else {
        let framed = Stateless {
            result: &reply.result,
            result_type: reply.result.result_type(),
            meta: ResultMeta {
                server_info: dispatch::server_info(),
            },
        };
        jsonrpc::result_body(id, &framed)?
    };
    let use_sse = accepts.sse && (!accepts.json || !reply.notifications.is_empty());
    if !use_sse {
        return Ok(HttpResponse::json(200, body));
    }
    let mut stream = String::new();
    for n in &reply.notifications {
        stream.push_str("event: message\ndata: ");
        stream.push_str(&jsonrpc::notification_body(n)?);
        stream.push_str("\n\n");
    }
    stream.push_str("event: message\ndata: ");
    stream.push_str(&body);
    stream.push_str("\n\n");
    Ok(sse_head().with_body(stream))
}
