//! The generic cell rate algorithm over one SQLite row per key: `count` calls per period,
//! spread evenly, with a burst of up to `count`. Exact, O(1), and atomic because the object
//! runs it without awaiting.

use serde::{Deserialize, Serialize};

use crate::objects::tagged::need;
use crate::platform::{Memory, Sql, SqlError, SqlValue};

/// Whether a call may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case", try_from = "Verdict")]
pub enum Decision {
    /// Go ahead.
    Allowed,
    /// Over the limit; the next call is allowed after this many milliseconds.
    Limited {
        /// Milliseconds until a call is allowed again.
        retry_after_ms: u64,
    },
}

/// What a lease request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case", try_from = "Verdict")]
pub enum Granted {
    /// `granted` calls, taken now.
    Calls {
        /// How many calls were taken (at least one).
        granted: u32,
    },
    /// None; the next call conforms after this many milliseconds.
    Limited {
        /// Milliseconds until a call is allowed again.
        retry_after_ms: u64,
    },
}

/// A `Decision` or a `Granted` as it is read (see `objects::tagged`).
#[derive(Deserialize)]
struct Verdict {
    decision: VerdictTag,
    granted: Option<u32>,
    retry_after_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum VerdictTag {
    Allowed,
    Calls,
    Limited,
}

impl Verdict {
    fn limited(&self) -> Result<u64, String> {
        need(self.retry_after_ms, "limited", "retry_after_ms")
    }
}

impl TryFrom<Verdict> for Decision {
    type Error = String;

    fn try_from(verdict: Verdict) -> Result<Self, String> {
        match verdict.decision {
            VerdictTag::Allowed => Ok(Self::Allowed),
            VerdictTag::Limited => verdict
                .limited()
                .map(|retry_after_ms| Self::Limited { retry_after_ms }),
            VerdictTag::Calls => Err("a lease's `calls` where one call's decision was due".into()),
        }
    }
}

impl TryFrom<Verdict> for Granted {
    type Error = String;

    fn try_from(verdict: Verdict) -> Result<Self, String> {
        match verdict.decision {
            VerdictTag::Calls => {
                need(verdict.granted, "calls", "granted").map(|granted| Self::Calls { granted })
            }
            VerdictTag::Limited => verdict
                .limited()
                .map(|retry_after_ms| Self::Limited { retry_after_ms }),
            VerdictTag::Allowed => Err("one call's `allowed` where a lease was due".into()),
        }
    }
}

/// One key and the rate it is held to.
#[derive(Debug, Clone, Copy)]
pub struct RateCell<'a> {
    /// The key (a tool name, `delivery`).
    pub key: &'a str,
    /// Calls per period.
    pub count: u32,
    /// The period, in milliseconds.
    pub period_ms: u64,
}

impl RateCell<'_> {
    /// The spacing between calls at the steady rate.
    pub fn interval_ms(&self) -> u64 {
        (self.period_ms / u64::from(self.count.max(1))).max(1)
    }

    /// How far ahead of now the theoretical arrival time may be for a call to conform: a burst
    /// of `count` calls.
    fn tolerance_ms(&self) -> i64 {
        self.period_ms.saturating_sub(self.interval_ms()) as i64
    }
}

const SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS rate_cells (key TEXT PRIMARY KEY, tat_ms INTEGER NOT NULL)";
/// The instance's memory: when cells in the past were last dropped.
const SWEPT_AT: &str = "swept_at_ms";
/// How often stale cells are dropped: a past cell holds no information, so it may linger.
const SWEEP_EVERY_MS: i64 = 60_000;

fn ensure_schema(sql: &dyn Sql, memory: &Memory) -> Result<(), SqlError> {
    memory.once(Memory::TABLES, || sql.exec(SCHEMA, &[]).map(drop))
}

/// The stored theoretical arrival time of `key`, or `now` if later or absent.
fn arrival(sql: &dyn Sql, key: &str, now: i64) -> Result<i64, SqlError> {
    Ok(sql
        .exec("SELECT tat_ms FROM rate_cells WHERE key = ?", &[key.into()])?
        .first()
        .and_then(|row| row.first().and_then(SqlValue::as_i64))
        .unwrap_or(now)
        .max(now))
}

/// Takes one call of `cell` at `now_ms`. One statement decides and counts an allowed call: the
/// theoretical arrival time moves only if the call conforms.
pub fn take(
    sql: &dyn Sql,
    memory: &Memory,
    now_ms: u64,
    cell: RateCell<'_>,
) -> Result<Decision, SqlError> {
    ensure_schema(sql, memory)?;
    let interval = cell.interval_ms() as i64;
    let tolerance = cell.tolerance_ms();
    let now = now_ms as i64;
    let taken = sql.exec(
        "INSERT INTO rate_cells (key, tat_ms) VALUES (?, ?) \
         ON CONFLICT (key) DO UPDATE SET tat_ms = max(tat_ms, ?) + ? \
         WHERE max(tat_ms, ?) - ? <= ? \
         RETURNING tat_ms",
        &[
            cell.key.into(),
            SqlValue::Integer(now + interval),
            SqlValue::Integer(now),
            SqlValue::Integer(interval),
            SqlValue::Integer(now),
            SqlValue::Integer(now),
            SqlValue::Integer(tolerance),
        ],
    )?;
    if taken.is_empty() {
        let tat = arrival(sql, cell.key, now)?;
        return Ok(Decision::Limited {
            retry_after_ms: (tat - now - tolerance).max(1) as u64,
        });
    }
    sweep(sql, memory, now)?;
    Ok(Decision::Allowed)
}

/// Takes up to `want` calls of `cell` at once (a lease): as many as conform now, or none and
/// how long until one does. Counted exactly as that many single calls would be.
pub fn take_up_to(
    sql: &dyn Sql,
    memory: &Memory,
    now_ms: u64,
    cell: RateCell<'_>,
    want: u32,
) -> Result<Granted, SqlError> {
    ensure_schema(sql, memory)?;
    let interval = cell.interval_ms() as i64;
    let tolerance = cell.tolerance_ms();
    let now = now_ms as i64;
    let tat = arrival(sql, cell.key, now)?;
    if tat - now > tolerance {
        return Ok(Granted::Limited {
            retry_after_ms: (tat - now - tolerance) as u64,
        });
    }
    // The k-th call conforms while tat + (k - 1) * interval - now <= tolerance.
    let conforming = (tolerance - (tat - now)) / interval + 1;
    let granted = conforming.clamp(1, i64::from(want.max(1)));
    sql.exec(
        "INSERT INTO rate_cells (key, tat_ms) VALUES (?, ?) \
         ON CONFLICT (key) DO UPDATE SET tat_ms = excluded.tat_ms",
        &[cell.key.into(), SqlValue::Integer(tat + granted * interval)],
    )?;
    sweep(sql, memory, now)?;
    Ok(Granted::Calls {
        granted: granted as u32,
    })
}

/// Drops cells in the past, at most once every `SWEEP_EVERY_MS` per instance.
fn sweep(sql: &dyn Sql, memory: &Memory, now: i64) -> Result<(), SqlError> {
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, String> {
        serde_json::from_slice(json.as_bytes()).map_err(|e| e.to_string())
    }

    #[test]
    fn replies_read_back_as_written() {
        for decision in [Decision::Allowed, Decision::Limited { retry_after_ms: 7 }] {
            let json = serde_json::to_string(&decision).unwrap();
            assert_eq!(read::<Decision>(&json), Ok(decision), "{json}");
        }
        for granted in [
            Granted::Calls { granted: 64 },
            Granted::Limited { retry_after_ms: 9 },
        ] {
            let json = serde_json::to_string(&granted).unwrap();
            assert_eq!(read::<Granted>(&json), Ok(granted), "{json}");
        }
        // The wire form itself, as objects of earlier releases write it.
        assert_eq!(
            serde_json::to_string(&Decision::Limited { retry_after_ms: 7 }).unwrap(),
            r#"{"decision":"limited","retry_after_ms":7}"#
        );
        assert_eq!(
            read::<Granted>(r#"{"granted":3,"decision":"calls","extra":[1]}"#),
            Ok(Granted::Calls { granted: 3 })
        );
    }

    #[test]
    fn a_reply_without_its_fields_or_of_the_other_kind_is_refused() {
        let missing = read::<Decision>(r#"{"decision":"limited"}"#).unwrap_err();
        assert!(missing.contains("retry_after_ms"), "{missing}");
        assert!(read::<Granted>(r#"{"decision":"calls"}"#)
            .unwrap_err()
            .contains("granted"));
        assert!(read::<Decision>(r#"{"decision":"calls","granted":1}"#).is_err());
        assert!(read::<Granted>(r#"{"decision":"allowed"}"#).is_err());
        assert!(read::<Decision>(r#"{"decision":"maybe"}"#).is_err());
        assert!(read::<Decision>(r#"{"retry_after_ms":1}"#).is_err());
    }
}
