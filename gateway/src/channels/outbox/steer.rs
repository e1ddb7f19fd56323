//! What an operator sees of one channel's outbox and does to it: attempts counted by hour as
//! they end (sent, queued again, failed), the waiting queue with each one's next attempt and
//! last error, the recent failures; "retry now" (the notification and those before it become
//! due, so order is kept) and "drop" (it fails, with who dropped it).

use serde::{Deserialize, Serialize};

use super::{int, row_status, State, Status, COLUMNS};
use crate::objects::hourly;
use crate::platform::{Sql, SqlError, SqlValue};

pub use hourly::KEPT_HOURS;

const TABLE: &str = "tally";
/// Most notifications one view lists of each kind.
pub const MAX_VIEW: usize = 100;

/// One hour's attempts, by how they ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hour {
    /// The hour, as hours since the epoch.
    pub hour: u64,
    /// Delivered.
    pub sent: u64,
    /// Not delivered this time: queued for another attempt.
    pub queued: u64,
    /// Failed for good (refused, expired, dropped).
    pub failed: u64,
}

/// The operator's view of one channel's outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// Hours with attempts in the last [`KEPT_HOURS`], oldest first.
    pub hours: Vec<Hour>,
    /// Notifications waiting (queued or being sent), in the order they will go.
    pub waiting: Vec<Status>,
    /// The most recent failures, newest first.
    pub failed: Vec<Status>,
}

/// What an operator does to a waiting notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Make it (and those before it) due now.
    Retry,
    /// Give up on it.
    Drop,
}

/// What came of an operator's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Steered {
    /// Done.
    Done,
    /// It is not waiting (sent, failed, or being sent right now).
    NotWaiting,
    /// No such notification.
    NotFound,
}

/// Creates the counts' table.
pub fn schema(sql: &dyn Sql) -> Result<(), SqlError> {
    sql.exec(&hourly::schema(TABLE), &[]).map(drop)
}

/// Counts one attempt that ended in `state` at `now_ms` (`sending` is not an end).
pub fn count(sql: &dyn Sql, now_ms: u64, state: State) -> Result<(), SqlError> {
    let kind = match state {
        State::Sent => "sent",
        State::Queued => "queued",
        State::Failed => "failed",
        State::Sending => return Ok(()),
    };
    hourly::count(sql, TABLE, now_ms, kind)
}

/// The view at `now_ms`, listing at most `limit` of each kind.
pub fn view(sql: &dyn Sql, now_ms: u64, limit: usize) -> Result<View, SqlError> {
    let start = |hour| Hour {
        hour,
        ..Hour::default()
    };
    let put = |h: &mut Hour, kind: &str, n: u64| match kind {
        "sent" => h.sent += n,
        "queued" => h.queued += n,
        "failed" => h.failed += n,
        _ => {}
    };
    let hours = hourly::read(sql, TABLE, now_ms, start, put)?;
    let limit = SqlValue::Integer(limit.min(MAX_VIEW) as i64);
    let list = |query: &str| -> Result<Vec<Status>, SqlError> {
        Ok(sql
            .exec(query, std::slice::from_ref(&limit))?
            .iter()
            .map(|r| row_status(r).0)
            .collect())
    };
    Ok(View {
        hours,
        waiting: list(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE state IN ('sending', 'queued') ORDER BY seq LIMIT ?"
        ))?,
        failed: list(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE state = 'failed' ORDER BY updated_ms DESC LIMIT ?"
        ))?,
    })
}

/// Retries or drops notification `id` at `now_ms`, on `by`'s word.
pub fn steer(
    sql: &dyn Sql,
    now_ms: u64,
    id: &str,
    action: Action,
    by: &str,
) -> Result<Steered, SqlError> {
    let rows = sql.exec("SELECT seq, state FROM outbox WHERE id = ?", &[id.into()])?;
    let Some(row) = rows.first() else {
        return Ok(Steered::NotFound);
    };
    // One being sent right now is leased to whoever sends it: leave it to them.
    if row[1].as_str() != Some("queued") {
        return Ok(Steered::NotWaiting);
    }
    let seq = row[0].clone();
    match action {
        Action::Retry => sql.exec(
            "UPDATE outbox SET next_ms = ? WHERE state = 'queued' AND seq <= ? AND next_ms > ?",
            &[int(now_ms), seq, int(now_ms)],
        )?,
        Action::Drop => {
            count(sql, now_ms, State::Failed)?;
            sql.exec(
                "UPDATE outbox SET state = 'failed', next_ms = NULL, updated_ms = ?, \
                 reason = ? || coalesce(' (last error: ' || reason || ')', '') WHERE seq = ?",
                &[int(now_ms), format!("dropped by {by}").into(), seq],
            )?
        }
    };
    Ok(Steered::Done)
}

/// The operator's view of `channel`'s outbox.
pub async fn watch(
    objects: &dyn crate::platform::Objects,
    channel: &str,
    limit: usize,
) -> Result<View, crate::platform::PlatformError> {
    Ok(crate::objects::ask(objects, channel, super::Watch { limit }).await?)
}

/// Retries or drops notification `id` of `channel` on `by`'s word.
pub async fn act(
    objects: &dyn crate::platform::Objects,
    channel: &str,
    id: &str,
    action: Action,
    by: &str,
) -> Result<Steered, crate::platform::PlatformError> {
    let op = super::Steer {
        id: id.to_owned(),
        action,
        by: by.to_owned(),
    };
    Ok(crate::objects::ask(objects, channel, op).await?)
}
