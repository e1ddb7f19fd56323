//! Asking the client over a session (the 2025 generation and the legacy SSE transport): a
//! tool that asks (`ctx.elicit`, `sample`, `roots`) stops as it does in 2026-07-28; its
//! questions go out as requests on the call's stream, through the session object, which also
//! keeps the call. The client answers each with a POST, which may reach any isolate; the one
//! that records the last answer runs the tool again with every answer so far (exactly as a
//! 2026-07-28 retry does) and appends the result, or the next questions, to the stream. Whoever
//! holds or reopens the stream (`Last-Event-ID`) reads them from the session object. A call
//! nobody answers within `sessions::ANSWER_TIMEOUT_MS` ends with a result saying so.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::dispatch::{self, Call, Reply, SessionInputs};
use super::jsonrpc::{self, RequestId, RpcError};
use super::model::{CallToolResult, ServerResult};
use super::transport::McpServer;
use super::version::ProtocolVersion;
use crate::http::HttpResponse;
use crate::sessions::{self, Answered, Event, OpenStream, Question, SessionRef, SessionStream};
use crate::toolbox::Principal;

/// A call waiting for answers, as its session stores it.
#[derive(Serialize, Deserialize)]
struct StoredCall {
    /// The client's request id, echoed in the final response.
    id: Value,
    /// The revision the session speaks.
    version: String,
    /// The `tools/call` params.
    params: Map<String, Value>,
}

fn internal(why: &str, e: &crate::platform::PlatformError) -> RpcError {
    crate::log::internal(why, &e.0);
    RpcError::new(
        jsonrpc::INTERNAL_ERROR,
        503,
        "The session is unavailable just now; call again in a few seconds",
    )
}

/// The messages that end a call: its notifications, then its response.
pub(super) fn final_frames(id: &RequestId, outcome: Result<&Reply<'_>, &RpcError>) -> Vec<String> {
    let mut frames = Vec::new();
    let response = match outcome {
        Ok(reply) => {
            for n in &reply.notifications {
                frames.extend(jsonrpc::notification_body(n).ok());
            }
            jsonrpc::result_body(id, &reply.result).unwrap_or_else(|e| e.to_body(Some(id)))
        }
        Err(e) => e.to_body(Some(id)),
    };
    frames.push(response);
    frames
}

fn result_frame(id: &RequestId, result: CallToolResult) -> String {
    let result = ServerResult::CallTool(result);
    jsonrpc::result_body(id, &result).unwrap_or_else(|e| e.to_body(Some(id)))
}

/// Sends what `reply` asked on `stream` and records the call under `key` (with `answers` so
/// far).
#[allow(clippy::too_many_arguments)] // the parts of one question round
pub(super) async fn pose(
    server: &McpServer<'_>,
    session: &SessionRef,
    key: &str,
    stream: &str,
    call: &Call<'_>,
    id: &RequestId,
    answers: BTreeMap<String, Value>,
    reply: &Reply<'_>,
) -> Result<Vec<Event>, RpcError> {
    let stored = StoredCall {
        id: id.to_json().clone(),
        version: call.version.as_str().to_owned(),
        params: call.params.clone(),
    };
    let before = reply
        .notifications
        .iter()
        .filter_map(|n| jsonrpc::notification_body(n).ok())
        .collect();
    let questions = reply
        .asked
        .iter()
        .filter_map(|(key, request)| {
            let Ok(Value::Object(mut asked)) = serde_json::to_value(request) else {
                return None;
            };
            Some(Question {
                key: key.clone(),
                method: asked.remove("method")?.as_str()?.to_owned(),
                params: asked.remove("params").unwrap_or(Value::Null),
            })
        })
        .collect();
    let minutes = sessions::ANSWER_TIMEOUT_MS / 60_000;
    let timeout = result_frame(
        id,
        CallToolResult::error(format!(
            "No answer came from your client within {minutes} minutes, so the call ended without \
             doing anything; call the tool again"
        )),
    );
    let call_json = serde_json::to_string(&stored).unwrap_or_default();
    session
        .pose(
            &server.platform,
            key,
            stream,
            call_json,
            answers,
            before,
            questions,
            timeout,
        )
        .await
        .map_err(|e| internal("session pose", &e))
}

/// Answers a call on a stream closed at once (SEP-1699): its priming event only, the answer
/// kept in the session's log for the client, which reconnects with `Last-Event-ID`.
pub(super) async fn deferred(
    server: &McpServer<'_>,
    session: &SessionRef,
    id: &RequestId,
    reply: &Reply<'_>,
) -> Result<HttpResponse, RpcError> {
    let stream =
        sessions::new_stream(&server.platform).map_err(|e| internal("session stream", &e))?;
    session
        .finish(
            server.platform.objects,
            &stream,
            None,
            final_frames(id, Ok(reply)),
            true,
        )
        .await
        .map_err(|e| internal("session finish", &e))?;
    Ok(super::transport::sse_head().with_body(sessions::priming(&stream, 0)))
}

/// Opens a new stream for a call that asked: the priming event, then the questions.
pub(super) async fn start(
    server: &McpServer<'_>,
    session: SessionRef,
    call: &Call<'_>,
    id: &RequestId,
    reply: &Reply<'_>,
) -> Result<SessionStream, RpcError> {
    let stream =
        sessions::new_stream(&server.platform).map_err(|e| internal("session stream", &e))?;
    let events = pose(
        server,
        &session,
        &stream,
        &stream,
        call,
        id,
        BTreeMap::new(),
        reply,
    )
    .await?;
    let mut open = OpenStream {
        session,
        stream,
        after: 0,
        ends: true,
        done: false,
    };
    let mut opening = sessions::priming(&open.stream, 0).into_bytes();
    opening.extend(open.take(&events));
    Ok(SessionStream {
        opening,
        stream: open,
        feed: None,
    })
}

/// A client's answer to a request the server sent over `session`: recorded, and when it was
/// the last one its call waited for, the call runs again here. Always 202 for the client.
pub(super) async fn answer(
    server: &McpServer<'_>,
    principal: &Principal,
    session: SessionRef,
    capabilities: Option<Value>,
    id: RequestId,
    outcome: Result<Value, Value>,
) -> HttpResponse {
    let id = match id.to_json() {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let objects = server.platform.objects;
    let answered = match session.reply(objects, &id, outcome).await {
        Ok(answered) => answered,
        Err(e) => return super::transport::error(&internal("session answer", &e), None),
    };
    let (key, stream, stored, answers) = match answered {
        Answered::Unknown | Answered::Waiting => return HttpResponse::empty(202),
        Answered::Refused {
            key,
            stream,
            call,
            error,
        } => {
            if let Ok(stored) = serde_json::from_str::<StoredCall>(&call) {
                let why = error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("no reason given");
                let frame = RequestId::stored(stored.id).map(|id| {
                    result_frame(
                        &id,
                        CallToolResult::error(format!(
                            "Your client could not answer the tool's question ({why}), so the \
                             call ended without doing anything"
                        )),
                    )
                });
                let frames = frame.into_iter().collect();
                let finished = session.finish(objects, &stream, Some(&key), frames, true);
                if let Err(e) = finished.await {
                    crate::log::internal("session finish", &e.0);
                }
            }
            return HttpResponse::empty(202);
        }
        Answered::Ready {
            key,
            stream,
            call,
            answers,
        } => (key, stream, call, answers),
    };
    let Some((stored, request_id)) = serde_json::from_str::<StoredCall>(&stored)
        .ok()
        .and_then(|s| RequestId::stored(s.id.clone()).map(|id| (s, id)))
    else {
        return HttpResponse::empty(202);
    };
    let version = ProtocolVersion::parse(&stored.version).unwrap_or(ProtocolVersion::V2025_03_26);
    let inputs = SessionInputs {
        capabilities,
        answers: answers.clone(),
    };
    let call = server.call(
        version,
        "tools/call",
        &stored.params,
        principal,
        Some(inputs),
    );
    let ran = dispatch::dispatch(&call).await;
    let result = match &ran {
        Ok(reply) if !reply.asked.is_empty() => pose(
            server,
            &session,
            &key,
            &stream,
            &call,
            &request_id,
            answers,
            reply,
        )
        .await
        .map(|_| ()),
        outcome => session
            .finish(
                objects,
                &stream,
                Some(&key),
                final_frames(&request_id, outcome.as_ref()),
                true,
            )
            .await
            .map(|_| ())
            .map_err(|e| internal("session finish", &e)),
    };
    match result {
        Ok(()) => HttpResponse::empty(202),
        Err(e) => super::transport::error(&e, None),
    }
}
