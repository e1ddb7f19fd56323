//! The generic cell rate algorithm over one SQLite row per key: `count` calls per period,
//! spread evenly, with a burst of up to `count`. Exact, O(1), and atomic because the object
//! runs it without awaiting.

use serde::{Deserialize, Serialize};

use crate::platform::{Sql, SqlError, SqlValue};

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

/// Takes one call for `key` at `now_ms` under `count` per `period_ms`.
pub fn take(
    sql: &dyn Sql,
    now_ms: u64,
    key: &str,
    count: u32,
    period_ms: u64,
) -> Result<Decision, SqlError> {
    sql.exec(SCHEMA, &[])?;
    let count = u64::from(count.max(1));
    let interval = (period_ms / count).max(1);
    let tolerance = period_ms.saturating_sub(interval);
    let now = now_ms as i64;
    let stored = sql
        .exec("SELECT tat_ms FROM rate_cells WHERE key = ?", &[key.into()])?
        .first()
        .and_then(|row| row.first().and_then(SqlValue::as_i64))
        .unwrap_or(now);
    let tat = stored.max(now) as u64;
    if tat - now_ms > tolerance {
        return Ok(Decision::Limited {
            retry_after_ms: tat - now_ms - tolerance,
        });
    }
    sql.exec(
        "INSERT INTO rate_cells (key, tat_ms) VALUES (?, ?) \
         ON CONFLICT(key) DO UPDATE SET tat_ms = excluded.tat_ms",
        &[key.into(), SqlValue::Integer((tat + interval) as i64)],
    )?;
    // Cells in the past hold no information; dropping them keeps the table to live keys.
    sql.exec(
        "DELETE FROM rate_cells WHERE tat_ms < ?",
        &[SqlValue::Integer(now)],
    )?;
    Ok(Decision::Allowed)
}
