//! `GET /mcp` and `DELETE /mcp` of the session era: a `GET` with `Last-Event-ID` resumes the
//! stream that event belongs to (what the client missed, then what comes, until the call's
//! response); a `GET` without one opens the session's standalone stream; `DELETE` ends the
//! session. Both need the id of a live session: 400 without one, 404 for one that is unknown,
//! expired or ended.

use super::admit;
use super::jsonrpc::{RpcError, INVALID_REQUEST};
use super::transport::{error, sse_head, McpAnswer, McpServer};
use crate::http::{HttpRequest, HttpResponse};
use crate::sessions::{self, OpenStream, SessionRef, SessionStream};
use crate::toolbox::Principal;

/// The name of a session's standalone stream (what the server sends outside any call).
pub const STANDALONE: &str = "standalone";

async fn session(
    server: &McpServer<'_>,
    req: &HttpRequest,
    principal: &Principal,
) -> Result<SessionRef, HttpResponse> {
    if server.signing_key.is_none() {
        return Err(HttpResponse::empty(405).with_header("Allow", "POST"));
    }
    let Some(id) = req.headers.get("mcp-session-id") else {
        let e = RpcError::new(
            INVALID_REQUEST,
            400,
            "Mcp-Session-Id is required: send the id the initialize response carried",
        );
        return Err(error(&e, None));
    };
    admit::live_session(server, principal, id.trim())
        .await
        .map(|(session, _, _)| session)
        .map_err(|e| error(&e, None))
}

/// `GET /mcp`: resumes a stream after `Last-Event-ID`, or opens the standalone stream.
pub async fn get(server: &McpServer<'_>, req: &HttpRequest, principal: &Principal) -> McpAnswer {
    let wants_sse = req.headers.get("accept").is_some_and(|a| {
        a.split(',').any(|m| {
            let m = m.split(';').next().unwrap_or("").trim();
            m.eq_ignore_ascii_case("text/event-stream") || m == "*/*"
        })
    });
    if !wants_sse {
        let e = RpcError::new(
            INVALID_REQUEST,
            406,
            "GET /mcp opens an event stream: send Accept: text/event-stream",
        );
        return error(&e, None).into();
    }
    let session = match session(server, req, principal).await {
        Ok(s) => s,
        Err(response) => return response.into(),
    };
    let last = req.headers.get("last-event-id").map(str::trim);
    let (stream, after, ends) = match last {
        None | Some("") => (STANDALONE.to_owned(), 0, false),
        Some(id) => match sessions::parse_event_id(id) {
            Some((stream, after)) => (stream.to_owned(), after, stream != STANDALONE),
            None => {
                let e = RpcError::new(
                    INVALID_REQUEST,
                    400,
                    "Last-Event-ID is not an event id this server sent; reconnect without it",
                );
                return error(&e, None).into();
            }
        },
    };
    // The standalone stream carries the session's subscriptions.
    let feed = (!ends)
        .then(|| super::subscriptions::session_feed(server, principal, session.clone(), &stream));
    let mut open = OpenStream {
        session,
        stream,
        after,
        ends,
        done: false,
    };
    let mut opening = sessions::priming(&open.stream, after).into_bytes();
    match open.poll(server.platform.objects).await {
        Ok(frames) => opening.extend(frames),
        Err(e) => {
            crate::log::internal("session stream", &e.0);
            let e = RpcError::new(
                super::jsonrpc::INTERNAL_ERROR,
                503,
                "The session is unavailable just now; reconnect in a few seconds",
            );
            return error(&e, None).into();
        }
    }
    McpAnswer::Stream(
        sse_head(),
        SessionStream {
            opening,
            stream: open,
            feed,
        },
    )
}

/// `DELETE /mcp`: ends the session; its id is refused from now on.
pub async fn delete(server: &McpServer<'_>, req: &HttpRequest, principal: &Principal) -> McpAnswer {
    let session = match session(server, req, principal).await {
        Ok(s) => s,
        Err(response) => return response.into(),
    };
    match session.end(server.platform.objects).await {
        Ok(_) => HttpResponse::empty(204).into(),
        Err(e) => {
            crate::log::internal("session end", &e.0);
            let e = RpcError::new(
                super::jsonrpc::INTERNAL_ERROR,
                503,
                "The session could not be ended just now; try again in a few seconds",
            );
            error(&e, None).into()
        }
    }
}
