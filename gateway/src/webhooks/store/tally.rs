//! Deliveries counted as they happen, by hour and outcome (accepted, duplicate, over quota),
//! for the console's charts: one upsert per delivery, read back as at most 31 days of hourly
//! rows, so a chart costs the same for an account with ten events as with 100,000. Rows older
//! than [`KEPT_HOURS`] go as new ones are written.

use serde::{Deserialize, Serialize};

use super::{read, Ingested, PendingStatus, Stored};
use crate::objects::hourly;
use crate::platform::{Memory, Sql, SqlError};

pub use hourly::KEPT_HOURS;

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

const TABLE: &str = "tally";

/// The table's creation.
pub fn schema() -> String {
    hourly::schema(TABLE)
}

/// The instance's memory: the hour it last forgot old hours.
const FORGOTTEN: &str = "tally_forgotten";

/// Counts one delivery's `outcome` at `now_ms`, and forgets hours past [`KEPT_HOURS`] (once
/// an hour per instance).
pub fn count(
    sql: &dyn Sql,
    memory: &Memory,
    now_ms: u64,
    outcome: &Ingested,
) -> Result<(), SqlError> {
    let kind = match outcome {
        Ingested::Stored => "accepted",
        Ingested::Duplicate => "duplicate",
        Ingested::OverQuota { .. } => "over_quota",
    };
    hourly::add(sql, TABLE, now_ms / hourly::HOUR_MS, kind, 1)?;
    hourly::forget_old_hourly(sql, memory, FORGOTTEN, TABLE, now_ms)
}

/// The counts of the last [`KEPT_HOURS`] before `now_ms`, the backlog and the newest event.
pub fn activity(sql: &dyn Sql, now_ms: u64) -> Result<Activity, SqlError> {
    let start = |hour| Hour {
        hour,
        ..Hour::default()
    };
    let put = |h: &mut Hour, kind: &str, n: u64| match kind {
        "accepted" => h.accepted += n,
        "duplicate" => h.duplicate += n,
        "over_quota" => h.over_quota += n,
        _ => {}
    };
    Ok(Activity {
        hours: hourly::read(sql, TABLE, now_ms, start, put)?,
        pending: read::status(sql)?,
        newest: read::newest(sql, 1)?.into_iter().next(),
    })
}
