//! The one protocol between the Worker and its Durable Objects. A class implements
//! `ObjectClass` (its binding, its request type, how it serves a request, its alarm); each
//! operation is a type implementing `Ask`, which names the class it goes to and the type of
//! its reply. The Worker side calls `ask` (or `ask_with`, for a request carrying a large
//! payload), and every failure on the way is one `ObjectError`.
//!
//! On the wire a request is the JSON of the class's request, its operation's name first
//! (`{"op":"ingest",…}`), optionally followed by a newline and the payload's raw bytes (JSON
//! never holds a raw newline, so the first one ends it). An answer is one byte, `+` (done: the
//! reply's JSON follows) or `!` (failed: why follows).

use async_trait::async_trait;
use serde::{de::DeserializeOwned, Serialize};

use crate::platform::{Memory, Objects, Platform, PlatformError, Sql};

/// What an answer starts with when the object did what was asked.
pub const DONE: u8 = b'+';
/// What an answer starts with when it failed.
const FAILED: u8 = b'!';

/// One instance of a class, for the length of one request or alarm: its storage, what it
/// remembers between requests, and the time.
#[derive(Clone, Copy)]
pub struct Instance<'a> {
    /// The instance's SQLite database.
    pub sql: &'a dyn Sql,
    /// What the instance remembers between requests (emptied when it is evicted).
    pub memory: &'a Memory,
    /// Milliseconds since the epoch.
    pub now_ms: u64,
}

/// A Durable Object class: the logic behind one binding, the same inside workerd and, in
/// native tests, over rusqlite.
#[async_trait(?Send)]
pub trait ObjectClass: 'static {
    /// The binding that reaches the class, as `wrangler.toml` declares it.
    const BINDING: &'static str;
    /// Everything the class can be asked (one variant per `Ask`).
    type Request: ObjectRequest;

    /// Serves one request; `payload` is what followed the request's JSON (usually nothing).
    fn serve(at: Instance<'_>, request: Self::Request, payload: &[u8]) -> Answer;

    /// When the instance wants its alarm, after a request; `None` when it needs none.
    fn wanted_alarm(_at: Instance<'_>) -> Option<u64> {
        None
    }

    /// Runs the alarm and says when the next one is due.
    async fn alarm(_at: Instance<'_>, _platform: &Platform<'_>) -> Option<u64> {
        None
    }
}

/// A class's request type, as `operations!` declares it: written with its operation's name
/// first, under `op`, and read back by that name.
pub trait ObjectRequest: Serialize + Sized {
    /// The request for the operation named `op` (a JSON string, quotes included), from
    /// `fields`: the JSON object of the operation's own fields.
    fn read(op: &[u8], fields: &[u8]) -> Result<Self, String>;
}

/// Splits a request's JSON, `{"op":"name",…}`, into its operation's name (a JSON string, quotes
/// included) and the object of the other fields. Read this way rather than by serde's tagged
/// enums, which buffer every request into a tree before reading it and carry a second copy of
/// each operation's decoder in the wasm for that tree (50 KiB; docs/bench.md).
fn split_op(head: &[u8]) -> Option<(&[u8], Vec<u8>)> {
    let quoted = head.strip_prefix(br#"{"op":"#)?;
    let name = quoted.strip_prefix(b"\"")?;
    let end = name.iter().position(|b| *b == b'"')?;
    // The name with both its quotes, and what follows it.
    let (op, after) = quoted.split_at(end + 2);
    let fields = match after.split_first()? {
        (b'}', []) => b"{}".to_vec(),
        (b',', others) => [&b"{"[..], others].concat(),
        _ => return None,
    };
    Some((op, fields))
}

/// Reads a class's request from its JSON, `head`.
fn read_request<R: ObjectRequest>(head: &[u8]) -> Result<R, String> {
    let (op, fields) = split_op(head).ok_or("it does not start with its operation")?;
    R::read(op, &fields)
}

/// One operation on a class: what is sent, and the type of what comes back.
pub trait Ask: Into<<Self::Object as ObjectClass>::Request> {
    /// The class that answers it.
    type Object: ObjectClass;
    /// What it answers.
    type Reply: Serialize + DeserializeOwned;

    /// The object's side: the answer carrying `result`. The reply's type is this operation's,
    /// so a class cannot answer an operation with another's reply.
    fn answer<E: std::fmt::Display>(result: Result<Self::Reply, E>) -> Answer {
        match result {
            Ok(reply) => {
                let mut bytes = vec![DONE];
                match serde_json::to_writer(&mut bytes, &reply) {
                    Ok(()) => Answer(bytes),
                    Err(e) => Answer::failed(format_args!("reply not encoded: {e}")),
                }
            }
            Err(e) => Answer::failed(e),
        }
    }

    /// The Worker's side: the reply in `answer`, whose first byte is `DONE`.
    fn decode(answer: Vec<u8>) -> Result<Self::Reply, String> {
        serde_json::from_slice(&answer[1..]).map_err(|e| e.to_string())
    }
}

/// What an object answers, encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer(Vec<u8>);

impl Answer {
    /// A failure, with why (internal: logged by the caller, never shown to a client).
    pub fn failed(why: impl std::fmt::Display) -> Self {
        let mut bytes = vec![FAILED];
        bytes.extend_from_slice(why.to_string().as_bytes());
        Self(bytes)
    }

    /// An answer encoded by the class itself; `bytes` must start with `DONE` and be what the
    /// operation's `Ask::decode` reads.
    pub fn encoded(bytes: Vec<u8>) -> Self {
        debug_assert_eq!(bytes.first(), Some(&DONE));
        Self(bytes)
    }

    /// The bytes that go back to the caller.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// Serves one request of class `C` as it arrived: parses it, serves it, encodes the answer.
pub fn serve<C: ObjectClass>(at: Instance<'_>, request: &[u8]) -> Vec<u8> {
    let (head, payload) = match request.iter().position(|b| *b == b'\n') {
        Some(i) => (&request[..i], &request[i + 1..]),
        None => (request, &[][..]),
    };
    match read_request::<C::Request>(head) {
        Ok(request) => C::serve(at, request, payload).into_bytes(),
        Err(e) => Answer::failed(format_args!("bad request: {e}")).into_bytes(),
    }
}

/// Why a call to a Durable Object did not return its reply. Internal: callers log it and
/// answer with a generic message, never its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectError {
    /// The binding called.
    pub binding: &'static str,
    /// What went wrong.
    pub kind: ObjectErrorKind,
}

/// What went wrong in a call to a Durable Object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectErrorKind {
    /// The object could not be reached, or crashed.
    Unreachable(String),
    /// The object answered that it failed (storage refused, a bad request).
    Failed(String),
    /// The answer could not be read as the operation's reply.
    Garbled(String),
}

impl std::fmt::Display for ObjectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            ObjectErrorKind::Unreachable(why) => write!(f, "{} unreachable: {why}", self.binding),
            ObjectErrorKind::Failed(why) => write!(f, "{}: {why}", self.binding),
            ObjectErrorKind::Garbled(why) => write!(f, "{} answered badly: {why}", self.binding),
        }
    }
}

impl std::error::Error for ObjectError {}

impl From<ObjectError> for PlatformError {
    fn from(e: ObjectError) -> Self {
        PlatformError(e.to_string())
    }
}

/// Asks the object `name` of `A`'s class to do `op`, and returns its reply.
pub async fn ask<A: Ask>(
    objects: &dyn Objects,
    name: &str,
    op: A,
) -> Result<A::Reply, ObjectError> {
    let head = encode(op)?;
    let answer = objects.call(A::Object::BINDING, name, &head).await;
    decode::<A>(answer)
}

/// `ask`, with `payload` sent after the request as raw bytes (the Workers implementation
/// copies both straight into the outgoing request, so a large payload is not joined first).
pub async fn ask_with<A: Ask>(
    objects: &dyn Objects,
    name: &str,
    op: A,
    payload: &[u8],
) -> Result<A::Reply, ObjectError> {
    let mut head = encode(op)?;
    head.push(b'\n');
    let answer = objects
        .call_parts(A::Object::BINDING, name, &head, payload)
        .await;
    decode::<A>(answer)
}

/// Serves `op` on the instance `at` as a call would (encoded, served, decoded), with no host
/// in between: for tests over a storage of their own, such as one made to fail.
pub fn serve_in_place<A: Ask>(
    at: Instance<'_>,
    op: A,
    payload: &[u8],
) -> Result<A::Reply, ObjectError> {
    let mut request = encode(op)?;
    request.push(b'\n');
    request.extend_from_slice(payload);
    decode::<A>(Ok(serve::<A::Object>(at, &request)))
}

fn encode<A: Ask>(op: A) -> Result<Vec<u8>, ObjectError> {
    let request: <A::Object as ObjectClass>::Request = op.into();
    serde_json::to_vec(&request).map_err(|e| ObjectError {
        binding: A::Object::BINDING,
        kind: ObjectErrorKind::Garbled(format!("request not encoded: {e}")),
    })
}

fn decode<A: Ask>(answer: Result<Vec<u8>, PlatformError>) -> Result<A::Reply, ObjectError> {
    let error = |kind| ObjectError {
        binding: A::Object::BINDING,
        kind,
    };
    let answer = answer.map_err(|e| error(ObjectErrorKind::Unreachable(e.0)))?;
    match answer.first() {
        Some(&DONE) => A::decode(answer).map_err(|e| error(ObjectErrorKind::Garbled(e))),
        Some(&FAILED) => Err(error(ObjectErrorKind::Failed(
            String::from_utf8_lossy(&answer[1..]).into_owned(),
        ))),
        _ => Err(error(ObjectErrorKind::Garbled(format!(
            "{} bytes that are no answer",
            answer.len()
        )))),
    }
}

/// Declares the operations of a class: its request type `$request`, one variant per operation
/// type (`snake_case` under `op` on the wire), and the reply each gets. An operation whose reply
/// the class encodes itself names its decoder after `as`. An operation is a struct with braces
/// (`struct Mumble {}` when it has no fields, never `struct Mumble;`, whose JSON is `null`, not
/// the `{}` its request's fields are read from), or a newtype around one.
macro_rules! operations {
    ($class:ty, $request:ident { $($op:ident => $reply:ty $(as $decode:path)?,)* }) => {
        #[doc = concat!("What `", stringify!($class), "` can be asked, one variant per operation.")]
        #[derive(serde::Serialize)]
        #[serde(tag = "op", rename_all = "snake_case")]
        pub enum $request {
            $(
                #[doc = concat!("`", stringify!($op), "`.")]
                $op($op),
            )*
        }

        impl $crate::objects::ObjectRequest for $request {
            fn read(op: &[u8], fields: &[u8]) -> Result<Self, String> {
                /// The operations' names, as a request's `op` gives them.
                #[derive(serde::Deserialize)]
                #[serde(rename_all = "snake_case")]
                enum Op {
                    $($op,)*
                }
                let op: Op = serde_json::from_slice(op).map_err(|e| e.to_string())?;
                match op {
                    $(Op::$op => serde_json::from_slice(fields).map(Self::$op),)*
                }
                .map_err(|e| e.to_string())
            }
        }
        $(
            impl From<$op> for $request {
                fn from(op: $op) -> Self {
                    Self::$op(op)
                }
            }

            impl $crate::objects::Ask for $op {
                type Object = $class;
                type Reply = $reply;
                $(
                    fn decode(answer: Vec<u8>) -> Result<Self::Reply, String> {
                        $decode(answer)
                    }
                )?
            }
        )*
    };
}
pub(crate) use operations;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::platform::native::SqliteSql;

    /// A class that answers what it is told to: its reply, a failure, or bytes of its own.
    pub struct Parrot;

    #[async_trait::async_trait(?Send)]
    impl ObjectClass for Parrot {
        const BINDING: &'static str = "PARROT";
        type Request = Request;

        fn serve(_at: Instance<'_>, request: Request, payload: &[u8]) -> Answer {
            match request {
                Request::Say(op) if op.fail => Say::answer(Err("disk full")),
                Request::Say(op) => Say::answer(Ok::<_, String>(format!(
                    "{} and {} bytes",
                    op.word,
                    payload.len()
                ))),
                Request::Mumble(Mumble {}) => Answer(b"?".to_vec()),
            }
        }
    }

    operations!(Parrot, Request {
        Say => String,
        Mumble => (),
    });

    #[derive(Serialize, Deserialize)]
    pub struct Say {
        pub word: String,
        pub fail: bool,
    }

    #[derive(Serialize, Deserialize)]
    pub struct Mumble {}

    fn at<'a>(sql: &'a SqliteSql, memory: &'a Memory) -> Instance<'a> {
        Instance {
            sql,
            memory,
            now_ms: 0,
        }
    }

    #[test]
    fn a_reply_comes_back_typed_with_the_payload_that_followed_the_request() {
        let (sql, memory) = (SqliteSql::open(), Memory::default());
        let say = Say {
            word: "line\nbreak".into(),
            fail: false,
        };
        let reply = serve_in_place(at(&sql, &memory), say, b"{\"raw\":\n1}").unwrap();
        assert_eq!(reply, "line\nbreak and 10 bytes");
    }

    #[test]
    fn failures_and_garbled_answers_are_object_errors_naming_the_binding() {
        let (sql, memory) = (SqliteSql::open(), Memory::default());
        let say = Say {
            word: "x".into(),
            fail: true,
        };
        let failed = serve_in_place(at(&sql, &memory), say, b"").unwrap_err();
        assert_eq!(
            failed.kind,
            ObjectErrorKind::Failed("disk full".into()),
            "{failed}"
        );
        assert_eq!(failed.to_string(), "PARROT: disk full");
        let garbled = serve_in_place(at(&sql, &memory), Mumble {}, b"").unwrap_err();
        assert!(
            matches!(garbled.kind, ObjectErrorKind::Garbled(_)),
            "{garbled}"
        );
        let unreachable = decode::<Mumble>(Err(PlatformError("reset".into()))).unwrap_err();
        assert_eq!(unreachable.to_string(), "PARROT unreachable: reset");
    }

    #[test]
    fn a_request_that_is_not_the_class_s_is_answered_as_failed() {
        let (sql, memory) = (SqliteSql::open(), Memory::default());
        let bad: [&[u8]; 17] = [
            b"",
            b"{nope",
            b"{\"op\":\"fly\"}",
            b"\xff\n",
            b"{\"op\":\"say\"}",
            b"{\"op\":\"say\"",
            b"{\"op\":\"say\",}",
            b"{\"op\":\"say\",\"word\":\"x\",\"fail\":false}}",
            b"{\"op\":\"say\",\"word\":\"x\",\"fail\":false",
            b"{\"op\":\"mumble\"}x",
            b"{\"op\":\"\"}",
            b"{\"op\":\"",
            b"{\"op\":\"mum\\\"ble\"}",
            b"{\"op\":1}",
            b"[\"op\",\"mumble\"]",
            // Valid JSON that serde's tagged enums read, but that no Worker writes (its
            // requests come from `encode`): the reader takes the name only from the front.
            b"{ \"op\": \"mumble\" }",
            b"{\"word\":\"x\",\"op\":\"say\",\"fail\":false}",
        ];
        for bad in bad {
            let answer = serve::<Parrot>(at(&sql, &memory), bad);
            assert!(
                answer.starts_with(b"!bad request: "),
                "{} was answered {}",
                String::from_utf8_lossy(bad),
                String::from_utf8_lossy(&answer)
            );
        }
    }

    /// How serde read a class's request before `split_op`: an enum tagged by `op`. Objects and
    /// Workers of the previous release read and write requests this way.
    #[derive(Deserialize)]
    #[serde(tag = "op", rename_all = "snake_case")]
    enum Previous {
        Say(Say),
        Mumble(Mumble),
    }

    #[test]
    fn requests_read_as_the_previous_release_reads_them() {
        let words = [
            "",
            "plain",
            "a\"}b,\"op\":\"mumble\"",
            "line\nbreak",
            "\u{1F54A}",
        ];
        for (word, fail) in words.iter().flat_map(|w| [(*w, false), (*w, true)]) {
            let head = encode(Say {
                word: word.into(),
                fail,
            })
            .unwrap();
            let Ok(Request::Say(now)) = read_request(&head) else {
                panic!("{} not read as say", String::from_utf8_lossy(&head));
            };
            let Previous::Say(before) = serde_json::from_slice(&head).unwrap() else {
                panic!("{} not read as say before", String::from_utf8_lossy(&head));
            };
            assert_eq!((now.word, now.fail), (before.word, before.fail));
        }
        let head = encode(Mumble {}).unwrap();
        assert!(matches!(
            serde_json::from_slice(&head),
            Ok(Previous::Mumble(_))
        ));
        assert!(matches!(read_request(&head), Ok(Request::Mumble(_))));
    }

    #[test]
    fn a_request_is_written_with_its_operation_first_and_read_back_by_it() {
        let say = Say {
            word: "a\"}b,\"op\":\"mumble\"".into(),
            fail: false,
        };
        let head = encode(say).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&head),
            r#"{"op":"say","word":"a\"}b,\"op\":\"mumble\"","fail":false}"#
        );
        let (sql, memory) = (SqliteSql::open(), Memory::default());
        let answer = serve::<Parrot>(at(&sql, &memory), &head);
        assert_eq!(
            String::from_utf8_lossy(&answer),
            r#"+"a\"}b,\"op\":\"mumble\" and 0 bytes""#
        );
        let head = encode(Mumble {}).unwrap();
        assert_eq!(head, br#"{"op":"mumble"}"#);
        assert_eq!(serve::<Parrot>(at(&sql, &memory), &head), b"?");
    }
}
