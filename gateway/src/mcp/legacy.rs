//! The 2024-11-05 HTTP+SSE transport, for the oldest clients: `GET /sse` opens a session and
//! its one stream, whose first event (`endpoint`) names where to post, `/messages?sessionId=…`;
//! each message posted there is answered 202, and its response goes out on the stream. The
//! session is the same `McpSession` object as the 2025 generation's, behind the same sign-in,
//! so a tool asks the person the same way (its questions and, later, its result on the stream).

use serde_json::Value;

use super::admit;
use super::asking;
use super::dispatch::{self, SessionInputs};
use super::jsonrpc::{self, Message, RpcError, INTERNAL_ERROR, INVALID_REQUEST};
use super::transport::{error, sse_head, McpAnswer, McpServer};
use crate::http::{HttpRequest, HttpResponse};
use crate::sessions::{self, OpenStream, SessionRef, SessionStream};
use crate::toolbox::Principal;

/// The path of the stream.
pub const SSE_PATH: &str = "/sse";
/// The path messages are posted to.
pub const MESSAGES_PATH: &str = "/messages";
/// The name of a legacy session's one stream.
pub const STREAM: &str = "legacy";
/// The revision a legacy session starts as, until `initialize` settles one.
const LEGACY_VERSION: &str = "2024-11-05";

fn unavailable(e: &crate::platform::PlatformError, what: &str) -> HttpResponse {
    crate::log::internal("legacy session", &e.0);
    let e = RpcError::new(
        INTERNAL_ERROR,
        503,
        format!("The session could not {what} just now; try again in a few seconds"),
    );
    error(&e, None)
}

/// `GET /sse`: a new session, and its stream opening with the `endpoint` event.
pub async fn open(server: &McpServer<'_>, principal: &Principal) -> McpAnswer {
    let session = match admit::open(server, principal, LEGACY_VERSION, Value::Null).await {
        Ok(Some(session)) => session,
        Ok(None) => {
            let e = RpcError::new(
                INVALID_REQUEST,
                404,
                "This deployment keeps no sessions (no signing key): use /mcp",
            );
            return error(&e, None).into();
        }
        Err(e) => return error(&e, None).into(),
    };
    // The id is base64url and dots: safe in a query as it is.
    let opening = format!(
        "event: endpoint\ndata: {MESSAGES_PATH}?sessionId={}\n\n",
        session.id
    )
    .into_bytes();
    let feed = super::subscriptions::session_feed(server, principal, session.clone(), STREAM);
    McpAnswer::Stream(
        sse_head(),
        SessionStream {
            opening,
            feed: Some(feed),
            stream: OpenStream {
                session,
                stream: STREAM.into(),
                after: 0,
                ends: false,
                done: false,
            },
        },
    )
}

fn session_id(req: &HttpRequest) -> Option<String> {
    let query = req.url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == "sessionId").then(|| v.to_owned())
    })
}

/// `POST /messages?sessionId=…`: the message is handled, its response (if any) goes out on
/// the session's stream, and the post is answered 202.
pub async fn message(
    server: &McpServer<'_>,
    req: &HttpRequest,
    principal: &Principal,
) -> HttpResponse {
    let Some(id) = session_id(req) else {
        let e = RpcError::new(
            INVALID_REQUEST,
            400,
            "sessionId is required: post to the URL the stream's endpoint event named",
        );
        return error(&e, None);
    };
    let (session, version, capabilities) = match admit::live_session(server, principal, &id).await {
        Ok(found) => found,
        Err(e) => return error(&e, None),
    };
    if !req.content_type_is("application/json") {
        let e = RpcError::new(
            INVALID_REQUEST,
            415,
            "Send the message with Content-Type: application/json",
        );
        return error(&e, None);
    }
    let (id, method, params) = match jsonrpc::parse(&req.body) {
        Ok(Message::Request { id, method, params }) => (id, method, params),
        Ok(Message::Notification { .. }) => return HttpResponse::empty(202),
        Ok(Message::Response { id, outcome }) => {
            return asking::answer(server, principal, session, capabilities, id, outcome).await
        }
        Err((e, id)) => return error(&e, id.as_ref()),
    };
    let objects = server.platform.objects;
    let (version, capabilities) = if method == "initialize" {
        let version = dispatch::negotiated_version(&params);
        let declared = params.get("capabilities").cloned().unwrap_or(Value::Null);
        if let Err(e) = session
            .learn(objects, version.as_str(), declared.clone())
            .await
        {
            return unavailable(&e, "be started");
        }
        (version, Some(declared).filter(|c| !c.is_null()))
    } else {
        (version, capabilities)
    };
    let inputs = SessionInputs {
        capabilities,
        answers: Default::default(),
    };
    let mut call = server.call(version, &method, &params, principal, Some(inputs));
    call.subscriber = Some(session.clone());
    let frames = match dispatch::dispatch(&call).await {
        Ok(reply) if !reply.asked.is_empty() => {
            // Each waiting call has a key of its own: several may wait on the one stream.
            let key = match sessions::new_stream(&server.platform) {
                Ok(key) => key,
                Err(e) => return unavailable(&e, "record the call"),
            };
            let posed = asking::pose(
                server,
                &session,
                &key,
                STREAM,
                &call,
                &id,
                Default::default(),
                &reply,
            );
            return match posed.await {
                Ok(_) => HttpResponse::empty(202),
                Err(e) => error(&e, Some(&id)),
            };
        }
        outcome => asking::final_frames(&id, outcome.as_ref()),
    };
    send(objects, &session, frames).await
}

async fn send(
    objects: &dyn crate::platform::Objects,
    session: &SessionRef,
    frames: Vec<String>,
) -> HttpResponse {
    match session.finish(objects, STREAM, None, frames, false).await {
        Ok(_) => HttpResponse::empty(202),
        Err(e) => unavailable(&e, "send the answer"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_id_is_read_from_the_query() {
        let req =
            |url: &str| HttpRequest::new("POST", url, crate::http::Headers::default(), Vec::new());
        assert_eq!(
            session_id(&req("http://h/messages?x=1&sessionId=s1.a.b")),
            Some("s1.a.b".into())
        );
        assert_eq!(session_id(&req("http://h/messages")), None);
    }
}
