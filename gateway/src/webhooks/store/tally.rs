//! Deliveries counted as they happen, by hour and outcome (accepted, duplicate, over quota),
//! for the console's charts: one upsert per delivery, read back as at most 31 days of hourly
//! rows, so a chart costs the same for an account with ten events as with 100,000. Rows older
//! than [`KEPT_HOURS`] go as new ones are written.

use serde::{Deserialize, Serialize};

use super::{read, Ingested, PendingStatus, Stored};
use crate::platform::{Sql, SqlError, SqlValue};

/// How many hours of counts are kept: 31 days, enough for a 30-day chart.
pub const KEPT_HOURS: u64 = 31 * 24;
const HOUR_MS: u64 = 3_600_000;

/// One hour's deliveries, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hour {
    /// The hour, as hours since the epoch.
    pub hour: u64,
    /// Stored as new events.
    pub accepted: u64,
    /// Already stored (redeliveries, replays).
    pub duplicate: u64,
    /// Refused: the account was over its quota.
    pub over_quota: u64,
}

/// What the console shows of one account's store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// The hours with deliveries in the last [`KEPT_HOURS`], oldest first.
    pub hours: Vec<Hour>,
    /// The pending backlog.
    pub pending: PendingStatus,
    /// The newest event, processed or not.
    pub newest: Option<Stored>,
}

fn column(outcome: &Ingested) -> &'static str {
    match outcome {
        Ingested::Stored => "accepted",
        Ingested::Duplicate => "duplicate",
        Ingested::OverQuota { .. } => "over_quota",
    }
}

/// Counts one delivery's `outcome` at `now_ms`, and forgets hours past [`KEPT_HOURS`].
pub fn count(sql: &dyn Sql, now_ms: u64, outcome: &Ingested) -> Result<(), SqlError> {
    let hour = (now_ms / HOUR_MS) as i64;
    sql.exec(
        "INSERT INTO tally (hour, outcome, n) VALUES (?, ?, 1) \
         ON CONFLICT (hour, outcome) DO UPDATE SET n = n + 1",
        &[SqlValue::Integer(hour), column(outcome).into()],
    )?;
    sql.exec(
        "DELETE FROM tally WHERE hour < ?",
        &[SqlValue::Integer(hour - KEPT_HOURS as i64)],
    )
    .map(drop)
}

/// The counts of the last [`KEPT_HOURS`] before `now_ms`, the backlog and the newest event.
pub fn activity(sql: &dyn Sql, now_ms: u64) -> Result<Activity, SqlError> {
    let since = (now_ms / HOUR_MS).saturating_sub(KEPT_HOURS) as i64;
    let rows = sql.exec(
        "SELECT hour, outcome, n FROM tally WHERE hour >= ? ORDER BY hour",
        &[SqlValue::Integer(since)],
    )?;
    let mut hours: Vec<Hour> = Vec::new();
    for row in &rows {
        let (Some(hour), Some(outcome), Some(n)) =
            (row[0].as_i64(), row[1].as_str(), row[2].as_i64())
        else {
            continue;
        };
        let hour = hour as u64;
        if hours.last().is_none_or(|h| h.hour != hour) {
            hours.push(Hour {
                hour,
                ..Hour::default()
            });
        }
        let last = hours.last_mut().expect("pushed above");
        let n = n.max(0) as u64;
        match outcome {
            "accepted" => last.accepted += n,
            "duplicate" => last.duplicate += n,
            "over_quota" => last.over_quota += n,
            _ => {}
        }
    }
    Ok(Activity {
        hours,
        pending: read::status(sql)?,
        newest: read::newest(sql, 1)?.into_iter().next(),
    })
}
