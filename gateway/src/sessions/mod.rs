//! Sessions of the 2025 protocol generation and of the legacy HTTP+SSE transport: one
//! `McpSession` Durable Object per session id (`MCP_SESSIONS`), where a call that asks the
//! client something meets the client's answer, whichever isolate each arrives on. It keeps the
//! session (owner, revision, the client's capabilities, expiry), an append-only log of the
//! events sent on each stream (ids `<stream>-<seq>`, so a client that reconnects with
//! `Last-Event-ID` gets what it missed), and the calls waiting for answers with the answers so
//! far. It stores strings and JSON; what they mean is `mcp`'s.

mod store;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::objects::tagged::need;
use crate::objects::{ask, Answer, Ask, Instance, ObjectClass};
use crate::platform::{Objects, Platform, PlatformError};

pub use store::MAX_EVENTS;

/// The Durable Object binding (and class) of sessions.
pub const BINDING: &str = "MCP_SESSIONS";
/// How long a call waits for the client's answers before it ends with a result saying so.
pub const ANSWER_TIMEOUT_MS: u64 = 5 * 60 * 1000;
/// How often an open stream asks its session for new events.
pub const POLL_MS: u64 = 500;
/// The reconnection delay a stream suggests to its client (`retry:`).
pub const RETRY_MS: u64 = 1000;
/// Most resources one session (or one `subscriptions/listen` stream) may subscribe to.
pub const MAX_SUBSCRIPTIONS: usize = 100;
/// Longest accepted `Last-Event-ID`.
pub const MAX_EVENT_ID_LEN: usize = 128;

/// The class: one object per session id.
pub struct McpSession;

/// A live session as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Live {
    /// The principal it belongs to.
    pub owner: String,
    /// The revision negotiated.
    pub version: String,
    /// The capabilities the client declared at `initialize` (null when unknown).
    pub capabilities: Value,
}

/// What a session id leads to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", try_from = "TouchedRead")]
pub enum Touched {
    /// A live session.
    Live(Live),
    /// Ended (`DELETE`), expired, or another caller's.
    Gone,
}

/// One event of a stream's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Its id, `<stream>-<seq>`.
    pub id: String,
    /// The JSON-RPC message it carries.
    pub data: String,
    /// Whether it ends its stream (the response to the stream's call).
    pub last: bool,
}

/// A question for the client: a request the server sends, answered under `key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// The key the tool asked under.
    pub key: String,
    /// The request's method.
    pub method: String,
    /// Its params.
    pub params: Value,
}

/// What an answer did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case", try_from = "AnsweredRead")]
pub enum Answered {
    /// No call waits for that id (already answered, timed out, never asked).
    Unknown,
    /// Recorded; the call still waits for other answers.
    Waiting,
    /// The last answer: the call is now this caller's to run again.
    Ready {
        /// The call's key.
        key: String,
        /// The call's stream.
        stream: String,
        /// The call as stored.
        call: String,
        /// Every answer so far, by key.
        answers: BTreeMap<String, Value>,
    },
    /// The client answered with an error: the call is this caller's to end.
    Refused {
        /// The call's key.
        key: String,
        /// The call's stream.
        stream: String,
        /// The call as stored.
        call: String,
        /// The client's error object.
        error: Value,
    },
}

/// A `Touched` as it is read (see `objects::tagged`): the live session's fields beside the tag.
#[derive(Deserialize)]
struct TouchedRead {
    state: TouchedTag,
    owner: Option<String>,
    version: Option<String>,
    capabilities: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum TouchedTag {
    Live,
    Gone,
}

impl TryFrom<TouchedRead> for Touched {
    type Error = String;

    fn try_from(read: TouchedRead) -> Result<Self, String> {
        Ok(match read.state {
            TouchedTag::Gone => Self::Gone,
            TouchedTag::Live => Self::Live(Live {
                owner: need(read.owner, "live", "owner")?,
                version: need(read.version, "live", "version")?,
                // Unknown capabilities are written `null`, which an `Option` reads as `None`.
                capabilities: read.capabilities.unwrap_or(Value::Null),
            }),
        })
    }
}

/// An `Answered` as it is read (see `objects::tagged`).
#[derive(Deserialize)]
struct AnsweredRead {
    outcome: AnsweredTag,
    key: Option<String>,
    stream: Option<String>,
    call: Option<String>,
    answers: Option<BTreeMap<String, Value>>,
    error: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum AnsweredTag {
    Unknown,
    Waiting,
    Ready,
    Refused,
}

impl TryFrom<AnsweredRead> for Answered {
    type Error = String;

    fn try_from(read: AnsweredRead) -> Result<Self, String> {
        let AnsweredRead {
            outcome,
            key,
            stream,
            call,
            answers,
            error,
        } = read;
        let variant = match outcome {
            AnsweredTag::Unknown => return Ok(Self::Unknown),
            AnsweredTag::Waiting => return Ok(Self::Waiting),
            AnsweredTag::Ready => "ready",
            AnsweredTag::Refused => "refused",
        };
        let (key, stream, call) = (
            need(key, variant, "key")?,
            need(stream, variant, "stream")?,
            need(call, variant, "call")?,
        );
        Ok(match outcome {
            AnsweredTag::Ready => Self::Ready {
                key,
                stream,
                call,
                answers: need(answers, variant, "answers")?,
            },
            // `refused` (the others returned above). An error of `null` reads as `None`.
            _ => Self::Refused {
                key,
                stream,
                call,
                error: error.unwrap_or(Value::Null),
            },
        })
    }
}

#[async_trait::async_trait(?Send)]
impl ObjectClass for McpSession {
    const BINDING: &'static str = BINDING;
    type Request = Request;

    fn serve(at: Instance<'_>, request: Request, _payload: &[u8]) -> Answer {
        let (sql, memory, now) = (at.sql, at.memory, at.now_ms);
        match request {
            Request::Open(op) => {
                Open::answer(store::open(sql, memory, now, &op.live, op.expires_ms))
            }
            Request::Touch(op) => {
                Touch::answer(store::touch(sql, memory, now, &op.known, op.expires_ms))
            }
            Request::Learn(op) => Learn::answer(store::set_capabilities(
                sql,
                memory,
                &op.owner,
                &op.capabilities,
                &op.version,
            )),
            Request::End(op) => End::answer(store::end(sql, memory, &op.owner)),
            Request::Pose(op) => Pose::answer(store::ask(
                sql,
                memory,
                &op.owner,
                &op.key,
                &op.stream,
                &op.call,
                &op.answers,
                &op.before,
                &op.questions,
                &op.timeout,
                op.deadline_ms,
            )),
            Request::Reply(op) => {
                Reply::answer(store::answer(sql, memory, &op.owner, &op.id, op.outcome))
            }
            Request::Finish(op) => Finish::answer(store::finish(
                sql,
                memory,
                &op.owner,
                &op.stream,
                op.key.as_deref(),
                &op.frames,
                op.last,
            )),
            Request::Read(op) => Read::answer(store::read(
                sql, memory, now, &op.owner, &op.stream, op.after,
            )),
            Request::Subscribe(op) => Subscribe::answer(store::subscribe(
                sql,
                memory,
                &op.owner,
                &op.uri,
                op.mark.as_deref(),
                op.moved,
                MAX_SUBSCRIPTIONS,
            )),
            Request::Subscriptions(op) => {
                Subscriptions::answer(store::subscriptions(sql, memory, &op.owner))
            }
        }
    }

    fn wanted_alarm(at: Instance<'_>) -> Option<u64> {
        store::expires(at.sql, at.memory)
    }

    async fn alarm(at: Instance<'_>, _platform: &Platform<'_>) -> Option<u64> {
        if let Err(e) = store::purge(at.sql, at.memory, at.now_ms) {
            crate::log::internal("session purge", &e.0);
        }
        store::expires(at.sql, at.memory).filter(|at_ms| *at_ms > at.now_ms)
    }
}

crate::objects::operations!(McpSession, Request {
    Open => (),
    Touch => Touched,
    Learn => (),
    End => bool,
    Pose => Option<Vec<Event>>,
    Reply => Answered,
    Finish => Vec<Event>,
    Read => Option<Vec<Event>>,
    Subscribe => Option<bool>,
    Subscriptions => Option<Vec<(String, String)>>,
});

/// Adds a resource to the session's subscriptions (watched from `mark`), or removes it.
#[derive(Serialize, Deserialize)]
pub struct Subscribe {
    owner: String,
    uri: String,
    mark: Option<String>,
    #[serde(default)]
    moved: bool,
}

/// The session's subscriptions.
#[derive(Serialize, Deserialize)]
pub struct Subscriptions {
    owner: String,
}

/// Creates a session.
#[derive(Serialize, Deserialize)]
pub struct Open {
    live: Live,
    expires_ms: u64,
}

/// Looks a session up for its owner (creating the row of an id issued before sessions were
/// stored).
#[derive(Serialize, Deserialize)]
pub struct Touch {
    known: Live,
    expires_ms: u64,
}

/// Records the client's capabilities and revision.
#[derive(Serialize, Deserialize)]
pub struct Learn {
    owner: String,
    version: String,
    capabilities: Value,
}

/// Ends a session.
#[derive(Serialize, Deserialize)]
pub struct End {
    owner: String,
}

/// Sends questions on a stream and records the call waiting for them.
#[derive(Serialize, Deserialize)]
pub struct Pose {
    owner: String,
    key: String,
    stream: String,
    call: String,
    answers: BTreeMap<String, Value>,
    before: Vec<String>,
    questions: Vec<Question>,
    timeout: String,
    deadline_ms: u64,
}

/// Records an answer.
#[derive(Serialize, Deserialize)]
pub struct Reply {
    owner: String,
    id: String,
    outcome: Result<Value, Value>,
}

/// Appends a stream's final events.
#[derive(Serialize, Deserialize)]
pub struct Finish {
    owner: String,
    stream: String,
    key: Option<String>,
    frames: Vec<String>,
    last: bool,
}

/// Reads a stream's events after a sequence number.
#[derive(Serialize, Deserialize)]
pub struct Read {
    owner: String,
    stream: String,
    after: u64,
}

/// The id of event `seq` of `stream`.
pub fn event_id(stream: &str, seq: u64) -> String {
    format!("{stream}-{seq}")
}

/// A `Last-Event-ID` read back: the stream and the sequence number after which to resume.
pub fn parse_event_id(id: &str) -> Option<(&str, u64)> {
    if id.len() > MAX_EVENT_ID_LEN {
        return None;
    }
    let (stream, seq) = id.rsplit_once('-')?;
    let valid = !stream.is_empty()
        && stream
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    Some((stream, seq.parse().ok()?)).filter(|_| valid)
}

/// A new stream id: 16 random hex digits.
pub fn new_stream(platform: &Platform<'_>) -> Result<String, PlatformError> {
    let mut bytes = [0u8; 8];
    platform
        .random
        .fill(&mut bytes)
        .map_err(|e| PlatformError(e.to_string()))?;
    Ok(crate::hex::lower(&bytes))
}

/// A session's handle for the Worker: its id (the object's name) and owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRef {
    /// The session id.
    pub id: String,
    /// Its owner's principal id.
    pub owner: String,
}

impl SessionRef {
    /// Creates the session as `live`, expiring at `expires_ms`.
    pub async fn open(
        &self,
        objects: &dyn Objects,
        live: Live,
        expires_ms: u64,
    ) -> Result<(), PlatformError> {
        Ok(ask(objects, &self.id, Open { live, expires_ms }).await?)
    }

    /// The session, if live; `known` is what its signed id says.
    pub async fn touch(
        &self,
        objects: &dyn Objects,
        known: Live,
        expires_ms: u64,
    ) -> Result<Touched, PlatformError> {
        Ok(ask(objects, &self.id, Touch { known, expires_ms }).await?)
    }

    /// Records the client's capabilities and revision.
    pub async fn learn(
        &self,
        objects: &dyn Objects,
        version: &str,
        capabilities: Value,
    ) -> Result<(), PlatformError> {
        let op = Learn {
            owner: self.owner.clone(),
            version: version.to_owned(),
            capabilities,
        };
        Ok(ask(objects, &self.id, op).await?)
    }

    /// Ends the session; whether it was live.
    pub async fn end(&self, objects: &dyn Objects) -> Result<bool, PlatformError> {
        let op = End {
            owner: self.owner.clone(),
        };
        Ok(ask(objects, &self.id, op).await?)
    }

    /// Sends `before` and `questions` on `stream` for `call`, kept under `key` (with
    /// `answers` so far); `timeout` ends the call if no answer comes within
    /// `ANSWER_TIMEOUT_MS`.
    #[allow(clippy::too_many_arguments)] // the parts of one question round
    pub async fn pose(
        &self,
        platform: &Platform<'_>,
        key: &str,
        stream: &str,
        call: String,
        answers: BTreeMap<String, Value>,
        before: Vec<String>,
        questions: Vec<Question>,
        timeout: String,
    ) -> Result<Vec<Event>, PlatformError> {
        let op = Pose {
            owner: self.owner.clone(),
            key: key.to_owned(),
            stream: stream.to_owned(),
            call,
            answers,
            before,
            questions,
            timeout,
            deadline_ms: platform.clock.now_ms() + ANSWER_TIMEOUT_MS,
        };
        ask(platform.objects, &self.id, op)
            .await?
            .ok_or_else(|| PlatformError("the session has ended".into()))
    }

    /// Records the client's answer to request `id`.
    pub async fn reply(
        &self,
        objects: &dyn Objects,
        id: &str,
        outcome: Result<Value, Value>,
    ) -> Result<Answered, PlatformError> {
        let op = Reply {
            owner: self.owner.clone(),
            id: id.to_owned(),
            outcome,
        };
        Ok(ask(objects, &self.id, op).await?)
    }

    /// Appends `frames` to `stream`, the last of them ending its call when `last`; forgets
    /// the call `key`, if given.
    pub async fn finish(
        &self,
        objects: &dyn Objects,
        stream: &str,
        key: Option<&str>,
        frames: Vec<String>,
        last: bool,
    ) -> Result<Vec<Event>, PlatformError> {
        let op = Finish {
            owner: self.owner.clone(),
            stream: stream.to_owned(),
            key: key.map(str::to_owned),
            frames,
            last,
        };
        Ok(ask(objects, &self.id, op).await?)
    }

    /// Subscribes the session to `uri`, watched from `mark` (`Some`), or unsubscribes it;
    /// `None` once the session is gone, `Some(false)` when it already holds
    /// `MAX_SUBSCRIPTIONS`.
    pub async fn subscribe(
        &self,
        objects: &dyn Objects,
        uri: &str,
        mark: Option<String>,
    ) -> Result<Option<bool>, PlatformError> {
        let op = Subscribe {
            owner: self.owner.clone(),
            uri: uri.to_owned(),
            mark,
            moved: false,
        };
        Ok(ask(objects, &self.id, op).await?)
    }

    /// Moves the mark of the subscription to `uri`, if it still exists: a stream opened later
    /// starts from there.
    pub async fn moved(
        &self,
        objects: &dyn Objects,
        uri: &str,
        mark: String,
    ) -> Result<(), PlatformError> {
        let op = Subscribe {
            owner: self.owner.clone(),
            uri: uri.to_owned(),
            mark: Some(mark),
            moved: true,
        };
        ask(objects, &self.id, op).await?;
        Ok(())
    }

    /// The URIs the session is subscribed to, each with its mark; `None` once the session is
    /// gone.
    pub async fn subscriptions(
        &self,
        objects: &dyn Objects,
    ) -> Result<Option<Vec<(String, String)>>, PlatformError> {
        let op = Subscriptions {
            owner: self.owner.clone(),
        };
        Ok(ask(objects, &self.id, op).await?)
    }

    /// The events of `stream` after `after`; `None` once the session is gone.
    pub async fn read(
        &self,
        objects: &dyn Objects,
        stream: &str,
        after: u64,
    ) -> Result<Option<Vec<Event>>, PlatformError> {
        let op = Read {
            owner: self.owner.clone(),
            stream: stream.to_owned(),
            after,
        };
        Ok(ask(objects, &self.id, op).await?)
    }
}

/// One open stream of a session, as the Worker keeps it: where it is, and whether its last
/// event ends it.
#[derive(Debug, Clone)]
pub struct OpenStream {
    /// The session.
    pub session: SessionRef,
    /// The stream.
    pub stream: String,
    /// The sequence number of the last event sent.
    pub after: u64,
    /// Whether the stream ends after its last event (a call's), or stays open (standalone,
    /// legacy).
    pub ends: bool,
    /// Set once the last event was sent or the session is gone.
    pub done: bool,
}

/// Something a held stream polls besides its session's log (the resources a client
/// subscribed to): each poll, the frames to send now. A feed may instead append its
/// notifications to the session's log, where the stream then reads them with ids to resume
/// from.
#[async_trait::async_trait(?Send)]
pub trait Feed {
    /// What is new since the last poll, as SSE frames.
    async fn poll(&mut self, platform: &Platform<'_>) -> Result<Vec<u8>, PlatformError>;

    /// The last frames of a stream that ends because it is as old as it may be (a graceful
    /// end the client can tell from a dropped connection), if the protocol has one.
    fn closing(&self) -> Option<Vec<u8>> {
        None
    }
}

impl std::fmt::Debug for dyn Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Feed")
    }
}

/// A stream about to be held open: its first bytes, then what the session appends.
#[derive(Debug)]
pub struct SessionStream {
    /// The bytes to send first.
    pub opening: Vec<u8>,
    /// Where the stream is.
    pub stream: OpenStream,
    /// What else it polls (the standalone stream: the session's subscriptions).
    pub feed: Option<Box<dyn Feed>>,
}

/// A stream that is only a feed (2026-07-28's `subscriptions/listen`): its first bytes, then
/// what the feed finds.
#[derive(Debug)]
pub struct FeedStream {
    /// The bytes to send first.
    pub opening: Vec<u8>,
    /// What it polls.
    pub feed: Box<dyn Feed>,
}

/// An SSE frame for `event`.
pub fn frame(event: &Event) -> String {
    format!("id: {}\nevent: message\ndata: {}\n\n", event.id, event.data)
}

/// The priming event a stream opens with: an id to resume from, the retry hint, no data.
pub fn priming(stream: &str, after: u64) -> String {
    format!(
        "id: {}\nretry: {RETRY_MS}\ndata: \n\n",
        event_id(stream, after)
    )
}

impl OpenStream {
    /// Takes in `events`: their frames, and where the stream now is.
    pub fn take(&mut self, events: &[Event]) -> Vec<u8> {
        let mut out = String::new();
        for event in events {
            out.push_str(&frame(event));
            if let Some((_, seq)) = parse_event_id(&event.id) {
                self.after = self.after.max(seq);
            }
            if event.last && self.ends {
                self.done = true;
                break;
            }
        }
        out.into_bytes()
    }

    /// Asks the session for what is new on the stream; its frames.
    pub async fn poll(&mut self, objects: &dyn Objects) -> Result<Vec<u8>, PlatformError> {
        match self.session.read(objects, &self.stream, self.after).await? {
            Some(events) => Ok(self.take(&events)),
            None => {
                self.done = true;
                Ok(Vec::new())
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
