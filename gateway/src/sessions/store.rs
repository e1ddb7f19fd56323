//! One session's storage inside its `McpSession` object: the session row, the append-only log
//! of outgoing stream events, and the calls waiting for the client's answers. Every function
//! runs without awaiting, so each is atomic in the object.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Answered, Event, Live, Question, Touched};
use crate::platform::{Memory, Sql, SqlError, SqlValue};

const SCHEMA: [&str; 4] = [
    "CREATE TABLE IF NOT EXISTS session (one INTEGER PRIMARY KEY CHECK (one = 1), \
     owner TEXT NOT NULL, version TEXT NOT NULL, capabilities TEXT NOT NULL, \
     created_ms INTEGER NOT NULL, used_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, \
     ended INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, \
     stream TEXT NOT NULL, data TEXT NOT NULL, last INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS calls (key TEXT PRIMARY KEY, stream TEXT NOT NULL, call TEXT NOT NULL, \
     answers TEXT NOT NULL, waiting TEXT NOT NULL, timeout TEXT NOT NULL, \
     deadline_ms INTEGER NOT NULL, running INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS subscriptions (uri TEXT PRIMARY KEY, mark TEXT NOT NULL)",
];
/// Most events one session keeps; older ones are dropped (a client that fell this far behind
/// cannot resume, and starts over).
pub const MAX_EVENTS: i64 = 1000;

fn ensure(sql: &dyn Sql, memory: &Memory) -> Result<(), SqlError> {
    memory.once(Memory::TABLES, || {
        SCHEMA.iter().try_for_each(|s| sql.exec(s, &[]).map(drop))
    })
}

fn int(v: u64) -> SqlValue {
    SqlValue::Integer(i64::try_from(v).unwrap_or(i64::MAX))
}

fn text(row: &[SqlValue], i: usize) -> String {
    row.get(i)
        .and_then(SqlValue::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn num(row: &[SqlValue], i: usize) -> u64 {
    row.get(i)
        .and_then(SqlValue::as_i64)
        .unwrap_or_default()
        .max(0) as u64
}

fn json_map(text: &str) -> BTreeMap<String, Value> {
    serde_json::from_str(text).unwrap_or_default()
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// Creates the session (an id is never reused: an existing row is left as it is).
pub fn open(
    sql: &dyn Sql,
    memory: &Memory,
    now_ms: u64,
    live: &Live,
    expires_ms: u64,
) -> Result<(), SqlError> {
    ensure(sql, memory)?;
    sql.exec(
        "INSERT INTO session (one, owner, version, capabilities, created_ms, used_ms, expires_ms) \
         VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT (one) DO NOTHING",
        &[
            live.owner.as_str().into(),
            live.version.as_str().into(),
            to_json(&live.capabilities).into(),
            int(now_ms),
            int(now_ms),
            int(expires_ms),
        ],
    )?;
    Ok(())
}

/// The session for `owner`, its last use moved to now. An id issued before sessions were
/// stored (signed, so `known` is what it says) gets its row now, with no capabilities.
pub fn touch(
    sql: &dyn Sql,
    memory: &Memory,
    now_ms: u64,
    known: &Live,
    expires_ms: u64,
) -> Result<Touched, SqlError> {
    ensure(sql, memory)?;
    let rows = sql.exec(
        "SELECT owner, version, capabilities, ended, expires_ms FROM session",
        &[],
    )?;
    let Some(row) = rows.first() else {
        open(sql, memory, now_ms, known, expires_ms)?;
        return Ok(Touched::Live(known.clone()));
    };
    if text(row, 0) != known.owner || num(row, 3) != 0 || num(row, 4) <= now_ms {
        return Ok(Touched::Gone);
    }
    sql.exec("UPDATE session SET used_ms = ?", &[int(now_ms)])?;
    Ok(Touched::Live(Live {
        owner: text(row, 0),
        version: text(row, 1),
        capabilities: serde_json::from_str(&text(row, 2)).unwrap_or(Value::Null),
    }))
}

/// Sets the client's capabilities (the legacy transport learns them after the session opens).
pub fn set_capabilities(
    sql: &dyn Sql,
    memory: &Memory,
    owner: &str,
    capabilities: &Value,
    version: &str,
) -> Result<(), SqlError> {
    ensure(sql, memory)?;
    sql.exec(
        "UPDATE session SET capabilities = ?, version = ? WHERE owner = ? AND ended = 0",
        &[to_json(capabilities).into(), version.into(), owner.into()],
    )?;
    Ok(())
}

/// Ends the session: its events and calls are dropped, the row stays as a tombstone so the id
/// is refused from now on. Whether it was live.
pub fn end(sql: &dyn Sql, memory: &Memory, owner: &str) -> Result<bool, SqlError> {
    ensure(sql, memory)?;
    let ended = sql.exec(
        "UPDATE session SET ended = 1 WHERE owner = ? AND ended = 0 RETURNING one",
        &[owner.into()],
    )?;
    if ended.is_empty() {
        return Ok(false);
    }
    sql.exec("DELETE FROM events", &[])?;
    sql.exec("DELETE FROM calls", &[])?;
    sql.exec("DELETE FROM subscriptions", &[])?;
    Ok(true)
}

fn owns(sql: &dyn Sql, owner: &str) -> Result<bool, SqlError> {
    Ok(!sql
        .exec(
            "SELECT one FROM session WHERE owner = ? AND ended = 0",
            &[owner.into()],
        )?
        .is_empty())
}

fn append(sql: &dyn Sql, stream: &str, data: &str, last: bool) -> Result<Event, SqlError> {
    let rows = sql.exec(
        "INSERT INTO events (stream, data, last) VALUES (?, ?, ?) RETURNING seq",
        &[
            stream.into(),
            data.into(),
            SqlValue::Integer(i64::from(last)),
        ],
    )?;
    let seq = rows.first().map_or(0, |r| num(r, 0));
    sql.exec(
        "DELETE FROM events WHERE seq <= ?",
        &[SqlValue::Integer(seq as i64 - MAX_EVENTS)],
    )?;
    Ok(Event {
        id: super::event_id(stream, seq),
        data: data.to_owned(),
        last,
    })
}

/// Appends `before` (notifications) and one request per question to `stream`, and records the
/// call (under `key`) as waiting for their answers until `deadline_ms`; `timeout` is the
/// call's last event if none come. Returns the events appended.
#[allow(clippy::too_many_arguments)] // one write, its parts named at the one call site
pub fn ask(
    sql: &dyn Sql,
    memory: &Memory,
    owner: &str,
    key: &str,
    stream: &str,
    call: &str,
    answers: &BTreeMap<String, Value>,
    before: &[String],
    questions: &[Question],
    timeout: &str,
    deadline_ms: u64,
) -> Result<Option<Vec<Event>>, SqlError> {
    ensure(sql, memory)?;
    if !owns(sql, owner)? {
        return Ok(None);
    }
    let mut events = Vec::new();
    for data in before {
        events.push(append(sql, stream, data, false)?);
    }
    let mut waiting = BTreeMap::new();
    for q in questions {
        let next = sql
            .exec("SELECT COALESCE(MAX(seq), 0) + 1 FROM events", &[])?
            .first()
            .map_or(1, |r| num(r, 0));
        let id = format!("{key}.{next}");
        let request = serde_json::json!({
            "jsonrpc": "2.0",
            "id": id,
            "method": q.method,
            "params": q.params,
        });
        events.push(append(sql, stream, &request.to_string(), false)?);
        waiting.insert(id, q.key.clone());
    }
    sql.exec(
        "INSERT INTO calls (key, stream, call, answers, waiting, timeout, deadline_ms) \
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET call = excluded.call, \
         answers = excluded.answers, waiting = excluded.waiting, timeout = excluded.timeout, \
         deadline_ms = excluded.deadline_ms, running = 0",
        &[
            key.into(),
            stream.into(),
            call.into(),
            to_json(answers).into(),
            to_json(&waiting).into(),
            timeout.into(),
            int(deadline_ms),
        ],
    )?;
    Ok(Some(events))
}

/// Records the client's answer to request `id`. When it was the last one the call waited for,
/// the call is claimed for whoever runs it again (`Ready`); an error answer ends the wait
/// (`Refused`).
pub fn answer(
    sql: &dyn Sql,
    memory: &Memory,
    owner: &str,
    id: &str,
    outcome: Result<Value, Value>,
) -> Result<Answered, SqlError> {
    ensure(sql, memory)?;
    if !owns(sql, owner)? {
        return Ok(Answered::Unknown);
    }
    let Some((key, _)) = id.rsplit_once('.') else {
        return Ok(Answered::Unknown);
    };
    let rows = sql.exec(
        "SELECT call, answers, waiting, stream FROM calls WHERE key = ? AND running = 0",
        &[key.into()],
    )?;
    let Some(row) = rows.first() else {
        return Ok(Answered::Unknown);
    };
    let (call, mut answers, stream) = (text(row, 0), json_map(&text(row, 1)), text(row, 3));
    let mut waiting: BTreeMap<String, String> =
        serde_json::from_str(&text(row, 2)).unwrap_or_default();
    let Some(asked_under) = waiting.remove(id) else {
        return Ok(Answered::Unknown);
    };
    let value = match outcome {
        Ok(v) => v,
        Err(error) => {
            sql.exec("UPDATE calls SET running = 1 WHERE key = ?", &[key.into()])?;
            return Ok(Answered::Refused {
                key: key.to_owned(),
                stream,
                call,
                error,
            });
        }
    };
    answers.insert(asked_under, value);
    let running = waiting.is_empty();
    sql.exec(
        "UPDATE calls SET answers = ?, waiting = ?, running = ? WHERE key = ?",
        &[
            to_json(&answers).into(),
            to_json(&waiting).into(),
            SqlValue::Integer(i64::from(running)),
            key.into(),
        ],
    )?;
    if !running {
        return Ok(Answered::Waiting);
    }
    Ok(Answered::Ready {
        key: key.to_owned(),
        stream,
        call,
        answers,
    })
}

/// Appends events to `stream` (the last one ends its call when `last`) and forgets the call
/// `key`, if any.
pub fn finish(
    sql: &dyn Sql,
    memory: &Memory,
    owner: &str,
    stream: &str,
    key: Option<&str>,
    frames: &[String],
    last: bool,
) -> Result<Vec<Event>, SqlError> {
    ensure(sql, memory)?;
    if !owns(sql, owner)? {
        return Ok(Vec::new());
    }
    let mut events = Vec::new();
    for (i, data) in frames.iter().enumerate() {
        events.push(append(sql, stream, data, last && i + 1 == frames.len())?);
    }
    if let Some(key) = key {
        sql.exec("DELETE FROM calls WHERE key = ?", &[key.into()])?;
    }
    Ok(events)
}

/// The events of `stream` after `after` (a sequence number); first ends a call whose answers
/// did not come by its deadline with its timeout event.
pub fn read(
    sql: &dyn Sql,
    memory: &Memory,
    now_ms: u64,
    owner: &str,
    stream: &str,
    after: u64,
) -> Result<Option<Vec<Event>>, SqlError> {
    ensure(sql, memory)?;
    if !owns(sql, owner)? {
        return Ok(None);
    }
    let overdue = sql.exec(
        "DELETE FROM calls WHERE stream = ? AND deadline_ms <= ? RETURNING timeout",
        &[stream.into(), int(now_ms)],
    )?;
    for row in &overdue {
        append(sql, stream, &text(row, 0), true)?;
    }
    let rows = sql.exec(
        "SELECT seq, data, last FROM events WHERE stream = ? AND seq > ? ORDER BY seq",
        &[stream.into(), int(after)],
    )?;
    Ok(Some(
        rows.iter()
            .map(|r| Event {
                id: super::event_id(stream, num(r, 0)),
                data: text(r, 1),
                last: num(r, 2) != 0,
            })
            .collect(),
    ))
}

/// Adds `uri` to the session's subscriptions, watched from `mark` (`Some`), or removes it
/// (`None`); `None` once the session is gone, `Some(false)` when adding would pass `max`. A
/// subscription made again keeps its first mark. With `moved`, only moves the mark of a
/// subscription that exists (what the stream has sent updates for).
pub fn subscribe(
    sql: &dyn Sql,
    memory: &Memory,
    owner: &str,
    uri: &str,
    mark: Option<&str>,
    moved: bool,
    max: usize,
) -> Result<Option<bool>, SqlError> {
    ensure(sql, memory)?;
    if !owns(sql, owner)? {
        return Ok(None);
    }
    if let (true, Some(mark)) = (moved, mark) {
        sql.exec(
            "UPDATE subscriptions SET mark = ? WHERE uri = ?",
            &[mark.into(), uri.into()],
        )?;
        return Ok(Some(true));
    }
    let Some(mark) = mark else {
        sql.exec("DELETE FROM subscriptions WHERE uri = ?", &[uri.into()])?;
        return Ok(Some(true));
    };
    let held = sql.exec("SELECT uri FROM subscriptions", &[])?;
    let known = held.iter().any(|r| text(r, 0) == uri);
    if !known && held.len() >= max {
        return Ok(Some(false));
    }
    sql.exec(
        "INSERT INTO subscriptions (uri, mark) VALUES (?, ?) ON CONFLICT (uri) DO NOTHING",
        &[uri.into(), mark.into()],
    )?;
    Ok(Some(true))
}

/// The URIs the session is subscribed to, each with the mark it is watched from, in order;
/// `None` once the session is gone.
pub fn subscriptions(
    sql: &dyn Sql,
    memory: &Memory,
    owner: &str,
) -> Result<Option<Vec<(String, String)>>, SqlError> {
    ensure(sql, memory)?;
    if !owns(sql, owner)? {
        return Ok(None);
    }
    let rows = sql.exec("SELECT uri, mark FROM subscriptions ORDER BY uri", &[])?;
    Ok(Some(
        rows.iter().map(|r| (text(r, 0), text(r, 1))).collect(),
    ))
}

/// When the session expires (for the alarm), if it exists.
pub fn expires(sql: &dyn Sql, memory: &Memory) -> Option<u64> {
    ensure(sql, memory).ok()?;
    sql.exec("SELECT expires_ms FROM session", &[])
        .ok()?
        .first()
        .map(|r| num(r, 0))
}

/// Drops everything once the session has expired.
pub fn purge(sql: &dyn Sql, memory: &Memory, now_ms: u64) -> Result<(), SqlError> {
    ensure(sql, memory)?;
    if expires(sql, memory).is_some_and(|at| at <= now_ms) {
        for table in ["events", "calls", "subscriptions", "session"] {
            sql.exec(&format!("DELETE FROM {table}"), &[])?;
        }
    }
    Ok(())
}
