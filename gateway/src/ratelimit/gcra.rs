//! The generic cell rate algorithm over one SQLite row per key: `count` calls per period,
//! spread evenly, with a burst of up to `count`. Exact, O(1), and atomic because the object
//! runs it without awaiting.

use serde::{Deserialize, Serialize};

use crate::platform::{Memory, Sql, SqlError, SqlValue};

/// Whether a call may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Go ahead.
    Allowed,
    /// Over the limit; the next call is allowed after this many milliseconds.
    Limited {
        /// Milliseconds until a call is allowed again.
        retry_after_ms: u64,
    },
}

const SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS rate_cells (key TEXT PRIMARY KEY, tat_ms INTEGER NOT NULL)";
/// The instance's memory: the table exists.
const SCHEMA_READY: &str = "schema";
/// The instance's memory: when cells in the past were last dropped.
const SWEPT_AT: &str = "swept_at_ms";
/// How often stale cells are dropped: a past cell holds no information, so it may linger.
const SWEEP_EVERY_MS: i64 = 60_000;

/// Takes one call for `key` at `now_ms` under `count` per `period_ms`. One statement decides
/// and counts an allowed call: the theoretical arrival time moves only if the call conforms.
pub fn take(
    sql: &dyn Sql,
    memory: &Memory,
    now_ms: u64,
    key: &str,
    count: u32,
    period_ms: u64,
) -> Result<Decision, SqlError> {
    if !memory.knows(SCHEMA_READY) {
        sql.exec(SCHEMA, &[])?;
        memory.set(SCHEMA_READY, 1);
    }
    let count = u64::from(count.max(1));
    let interval = (period_ms / count).max(1) as i64;
    let tolerance = period_ms.saturating_sub(interval as u64) as i64;
    let now = now_ms as i64;
    let taken = sql.exec(
        "INSERT INTO rate_cells (key, tat_ms) VALUES (?, ?) \
         ON CONFLICT (key) DO UPDATE SET tat_ms = max(tat_ms, ?) + ? \
         WHERE max(tat_ms, ?) - ? <= ? \
         RETURNING tat_ms",
        &[
            key.into(),
            SqlValue::Integer(now + interval),
            SqlValue::Integer(now),
            SqlValue::Integer(interval),
            SqlValue::Integer(now),
            SqlValue::Integer(now),
            SqlValue::Integer(tolerance),
        ],
    )?;
    if taken.is_empty() {
        let tat = sql
            .exec("SELECT tat_ms FROM rate_cells WHERE key = ?", &[key.into()])?
            .first()
            .and_then(|row| row.first().and_then(SqlValue::as_i64))
            .unwrap_or(now);
        return Ok(Decision::Limited {
            retry_after_ms: (tat - now - tolerance).max(1) as u64,
        });
    }
    if memory
        .get(SWEPT_AT)
        .is_none_or(|at| now - at >= SWEEP_EVERY_MS)
    {
        sql.exec(
            "DELETE FROM rate_cells WHERE tat_ms < ?",
            &[SqlValue::Integer(now)],
        )?;
        memory.set(SWEPT_AT, now);
    }
    Ok(Decision::Allowed)
}
