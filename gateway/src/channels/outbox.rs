//! The outbox: one `Outbox` Durable Object per channel (SQLite + alarm) holds every
//! notification from acceptance to its end — sent with its message ids, or failed with the
//! reason — so its state can be read by id, and what a service could not take now is retried
//! with backoff until it expires.
//!
//! Delivery once: a notification's parts are sent in order and each part delivered is
//! recorded, so a retry resumes after the last confirmed part. A request that accepted a
//! notification holds it under a lease; the alarm takes it over only when the lease has run
//! out (the request died mid-way), and then may repeat the part whose outcome was unknown —
//! Telegram, Discord and Slack offer no idempotency key; generic webhooks get
//! `Idempotency-Key`. Messages of one channel go out in the order they were accepted.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::objects::{Answer, Ask, Instance, ObjectClass};
use crate::platform::{Platform, Sql, SqlError, SqlValue};

/// The Durable Object binding (and class).
pub const BINDING: &str = "OUTBOX";
/// How long a request that accepted a notification owns it before the alarm may take over.
pub const LEASE_MS: u64 = 60_000;
/// How long finished notifications stay readable by id.
pub const KEEP_FINISHED_MS: u64 = 7 * 24 * 3600 * 1000;
/// The first retry's wait; it doubles with each attempt.
pub const FIRST_BACKOFF_MS: u64 = 5_000;
/// The longest wait between retries.
pub const MAX_BACKOFF_MS: u64 = 3600 * 1000;
/// Most notifications one alarm delivers before it lets the object breathe.
const ALARM_BATCH: usize = 20;

/// A notification's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being sent by the request that accepted it.
    Sending,
    /// Waiting for its next attempt.
    Queued,
    /// Delivered.
    Sent,
    /// Refused by the service, expired, or its channel is gone.
    Failed,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Sending => "sending",
            State::Queued => "queued",
            State::Sent => "sent",
            State::Failed => "failed",
        }
    }

    fn parse(s: &str) -> State {
        match s {
            "sending" => State::Sending,
            "queued" => State::Queued,
            "sent" => State::Sent,
            _ => State::Failed,
        }
    }
}

/// What the outbox knows of a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Status {
    /// Its id.
    pub id: String,
    /// The channel.
    pub channel: String,
    /// Where it is.
    pub state: State,
    /// Parts delivered, of `parts`.
    pub sent_parts: usize,
    /// How many messages it was split into.
    pub parts: usize,
    /// The services' ids of the delivered messages.
    pub message_ids: Vec<String>,
    /// Attempts so far.
    pub attempts: u32,
    /// Why it failed, or why the last attempt did not get through.
    pub reason: Option<String>,
    /// When it will be tried next (ms since the epoch), while queued.
    pub next_attempt_ms: Option<u64>,
    /// When it was accepted.
    pub created_ms: u64,
    /// When it stops being retried.
    pub expires_ms: u64,
}

/// The class: one object per channel, named by the channel id.
pub struct Outbox;

#[async_trait::async_trait(?Send)]
impl ObjectClass for Outbox {
    const BINDING: &'static str = BINDING;
    type Request = Request;

    fn serve(at: Instance<'_>, request: Request, _payload: &[u8]) -> Answer {
        let (sql, now_ms) = (at.sql, at.now_ms);
        // The tables, created once per instance (the instance's memory says they exist).
        if let Err(e) = at
            .memory
            .once(crate::platform::Memory::TABLES, || schema(sql))
        {
            return Answer::failed(e);
        }
        match request {
            Request::Accept(op) => Accept::answer(accept(sql, now_ms, op)),
            Request::Report(op) => Report::answer(report(sql, now_ms, op)),
            Request::GetStatus(op) => GetStatus::answer(status(sql, &op.id)),
            Request::Watch(op) => Watch::answer(steer::view(sql, now_ms, op.limit)),
            Request::Steer(op) => {
                Steer::answer(steer::steer(sql, now_ms, &op.id, op.action, &op.by))
            }
        }
    }

    fn wanted_alarm(at: Instance<'_>) -> Option<u64> {
        next_wake(at.sql)
    }

    async fn alarm(at: Instance<'_>, platform: &Platform<'_>) -> Option<u64> {
        run_due(at.sql, platform, crate::channels::CHANNELS).await
    }
}

crate::objects::operations!(Outbox, Request {
    Accept => Accepted,
    Report => (),
    GetStatus => Option<Status>,
    Watch => steer::View,
    Steer => steer::Steered,
});

/// The operator's view of the channel's outbox.
#[derive(Debug, Serialize, Deserialize)]
pub struct Watch {
    /// Most notifications listed of each kind.
    pub limit: usize,
}

/// An operator's "retry now" or "drop".
#[derive(Debug, Serialize, Deserialize)]
pub struct Steer {
    /// The notification id.
    pub id: String,
    /// What to do.
    pub action: steer::Action,
    /// Who asked (kept in the reason of a dropped one).
    pub by: String,
}

/// Stores a new notification; answers whether the caller may send it now.
#[derive(Debug, Serialize, Deserialize)]
pub struct Accept {
    /// The notification id.
    pub id: String,
    /// The channel id.
    pub channel: String,
    /// Who sent it, for the audit trail of later attempts.
    pub actor: String,
    /// The OAuth client they used, likewise.
    #[serde(default)]
    pub client: Option<String>,
    /// The parts to send.
    pub parts: Vec<Value>,
    /// When to give up.
    pub expires_ms: u64,
    /// Leave every attempt to the alarm: the caller does not send it (an event route, whose
    /// webhook answer never waits for a channel).
    #[serde(default)]
    pub defer: bool,
    /// The event store to tell how each attempt ended (see `follow`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follower: Option<String>,
}

/// The outcome of the accepting request's attempt.
#[derive(Debug, Serialize, Deserialize)]
pub struct Report {
    /// The notification id.
    pub id: String,
    /// Parts delivered.
    pub sent: usize,
    /// Their message ids.
    pub message_ids: Vec<String>,
    /// `sent`, `failed` or `queued`.
    pub state: State,
    /// Why it did not get through.
    pub reason: Option<String>,
    /// The service's requested wait, for a queued one.
    pub retry_after_ms: Option<u64>,
}

/// The status of a notification.
#[derive(Debug, Serialize, Deserialize)]
pub struct GetStatus {
    /// The notification id.
    pub id: String,
}

/// The answer to `Accept`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Accepted {
    /// Send it now (nothing of this channel is waiting before it).
    pub send_now: bool,
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    actor TEXT NOT NULL,
    client TEXT,
    parts TEXT NOT NULL,
    state TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    message_ids TEXT NOT NULL DEFAULT '[]',
    attempts INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    next_ms INTEGER,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL)";

fn schema(sql: &dyn Sql) -> Result<(), SqlError> {
    sql.exec(SCHEMA, &[])?;
    steer::schema(sql)?;
    follow::schema(sql)?;
    sql.exec(
        "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_ms)",
        &[],
    )?;
    Ok(())
}

fn int(v: u64) -> SqlValue {
    SqlValue::Integer(i64::try_from(v).unwrap_or(i64::MAX))
}

/// The wait before attempt number `attempts + 1`: doubling from `FIRST_BACKOFF_MS`, never less
/// than the service asked for, never more than `MAX_BACKOFF_MS` unless the service asked.
pub fn backoff_ms(attempts: u32, retry_after_ms: Option<u64>) -> u64 {
    let doubling = FIRST_BACKOFF_MS.saturating_mul(1u64 << attempts.min(20));
    doubling
        .min(MAX_BACKOFF_MS)
        .max(retry_after_ms.unwrap_or(0))
}

/// Stores a new notification: sent now when nothing of its channel waits, else queued behind.
fn accept(sql: &dyn Sql, now_ms: u64, op: Accept) -> Result<Accepted, SqlError> {
    let Accept {
        id,
        channel,
        actor,
        client,
        parts,
        expires_ms,
        defer,
        follower,
    } = op;
    sql.exec(
        "DELETE FROM outbox WHERE state IN ('sent', 'failed') AND updated_ms < ?",
        &[int(now_ms.saturating_sub(KEEP_FINISHED_MS))],
    )?;
    let waiting = sql.exec(
        "SELECT min(next_ms) FROM outbox WHERE state IN ('sending', 'queued')",
        &[],
    )?;
    let earliest = waiting
        .first()
        .and_then(|r| r[0].as_i64())
        .map(|t| t.max(0) as u64);
    let send_now = earliest.is_none() && !defer;
    let (state, next_ms) = match earliest {
        None if send_now => (State::Sending, now_ms + LEASE_MS),
        // Left to the alarm, which runs now.
        None => (State::Queued, now_ms),
        // Behind the others, in order: the alarm takes it after them.
        Some(t) => (State::Queued, t.max(now_ms)),
    };
    if let Some(object) = &follower {
        follow::follow(sql, &id, object)?;
    }
    let parts = serde_json::to_string(&parts).map_err(|e| SqlError(e.to_string()))?;
    sql.exec(
            "INSERT INTO outbox (id, channel, actor, client, parts, state, next_ms, created_ms, expires_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                id.into(),
                channel.into(),
                actor.into(),
                client.map_or(SqlValue::Null, SqlValue::from),
                parts.into(),
                state.as_str().into(),
                int(next_ms),
                int(now_ms),
                int(expires_ms),
                int(now_ms),
            ],
        )?;
    Ok(Accepted { send_now })
}

/// Records the outcome of the accepting request's attempt.
fn report(sql: &dyn Sql, now_ms: u64, op: Report) -> Result<(), SqlError> {
    let Report {
        id,
        sent,
        message_ids,
        state,
        reason,
        retry_after_ms,
    } = op;
    let attempts = sql
        .exec(
            "SELECT attempts FROM outbox WHERE id = ?",
            &[id.as_str().into()],
        )?
        .first()
        .and_then(|r| r[0].as_i64())
        .unwrap_or(0) as u32;
    let next_ms = (state == State::Queued).then(|| now_ms + backoff_ms(attempts, retry_after_ms));
    record(
        sql,
        &id,
        now_ms,
        state,
        sent,
        &message_ids,
        reason.as_deref(),
        next_ms,
    )?;
    if matches!(state, State::Sent | State::Failed) {
        // Those accepted behind it while it was being sent go now, not when its lease
        // would have run out.
        sql.exec(
            "UPDATE outbox SET next_ms = ? WHERE state = 'queued' AND attempts = 0 AND next_ms > ?",
            &[int(now_ms), int(now_ms)],
        )?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn record(
    sql: &dyn Sql,
    id: &str,
    now_ms: u64,
    state: State,
    sent: usize,
    message_ids: &[String],
    reason: Option<&str>,
    next_ms: Option<u64>,
) -> Result<(), SqlError> {
    let ids = serde_json::to_string(message_ids).unwrap_or_else(|_| "[]".into());
    sql.exec(
        "UPDATE outbox SET state = ?, sent = ?, message_ids = ?, reason = ?, next_ms = ?, attempts = attempts + 1, updated_ms = ? WHERE id = ?",
        &[
            state.as_str().into(),
            int(sent as u64),
            ids.into(),
            reason.map_or(SqlValue::Null, |r| r.into()),
            next_ms.map_or(SqlValue::Null, int),
            int(now_ms),
            id.into(),
        ],
    )?;
    steer::count(sql, now_ms, state)
}

const COLUMNS: &str = "id, channel, state, sent, parts, message_ids, attempts, reason, next_ms, created_ms, expires_ms, actor, client";

/// Who sent a notification: the actor and their OAuth client.
struct Sender {
    actor: String,
    client: Option<String>,
}

fn row_status(row: &[SqlValue]) -> (Status, Vec<Value>, Sender) {
    let text = |i: usize| row[i].as_str().unwrap_or_default().to_owned();
    let num = |i: usize| row[i].as_i64().unwrap_or(0).max(0) as u64;
    let parts: Vec<Value> = serde_json::from_str(&text(4)).unwrap_or_default();
    let state = State::parse(&text(2));
    let status = Status {
        id: text(0),
        channel: text(1),
        state,
        sent_parts: num(3) as usize,
        parts: parts.len(),
        message_ids: serde_json::from_str(&text(5)).unwrap_or_default(),
        attempts: num(6) as u32,
        reason: row[7].as_str().map(str::to_owned),
        next_attempt_ms: (state == State::Queued).then(|| num(8)),
        created_ms: num(9),
        expires_ms: num(10),
    };
    let sender = Sender {
        actor: text(11),
        client: row[12].as_str().map(str::to_owned),
    };
    (status, parts, sender)
}

fn status(sql: &dyn Sql, id: &str) -> Result<Option<Status>, SqlError> {
    let rows = sql.exec(
        &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?"),
        &[id.into()],
    )?;
    Ok(rows.first().map(|r| row_status(r).0))
}

mod alarm;
pub mod follow;
pub mod steer;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

pub use alarm::{next_wake, run_due, settle};
