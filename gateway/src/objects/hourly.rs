//! Counts by hour and kind in an object's SQLite, for charts: a table of `(hour, kind, n)` that
//! one upsert moves as things happen, that keeps [`KEPT_HOURS`], and that reads back grouped by
//! hour — so a chart costs the same however much the object stores. The event store counts
//! deliveries with it, the outbox attempts, the tenant registry refusals.

use crate::platform::{Memory, Sql, SqlError, SqlValue};

/// Hours kept: 31 days, enough for a 30-day chart.
pub const KEPT_HOURS: u64 = 31 * 24;
/// An hour in milliseconds.
pub const HOUR_MS: u64 = 3_600_000;

fn int(v: u64) -> SqlValue {
    SqlValue::Integer(i64::try_from(v).unwrap_or(i64::MAX))
}

/// The statement creating counts table `table`.
pub fn schema(table: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {table} (hour INTEGER NOT NULL, kind TEXT NOT NULL, \
         n INTEGER NOT NULL, PRIMARY KEY (hour, kind))"
    )
}

/// Adds `n` of `kind` in `hour` (hours since the epoch) to `table`.
pub fn add(sql: &dyn Sql, table: &str, hour: u64, kind: &str, n: u64) -> Result<(), SqlError> {
    sql.exec(
        &format!(
            "INSERT INTO {table} (hour, kind, n) VALUES (?, ?, ?) \
             ON CONFLICT (hour, kind) DO UPDATE SET n = n + excluded.n"
        ),
        &[int(hour), kind.into(), int(n)],
    )
    .map(drop)
}

/// Forgets the hours of `table` more than [`KEPT_HOURS`] before `now_ms`.
pub fn forget_old(sql: &dyn Sql, table: &str, now_ms: u64) -> Result<(), SqlError> {
    let horizon = (now_ms / HOUR_MS).saturating_sub(KEPT_HOURS);
    sql.exec(
        &format!("DELETE FROM {table} WHERE hour < ?"),
        &[int(horizon)],
    )
    .map(drop)
}

/// Forgets the hours of `table` past [`KEPT_HOURS`] once per hour of `now_ms` in an
/// instance: `fact` is where its memory keeps the hour it last did, so a busy object deletes
/// once an hour rather than on every count (hours move out of the window only as the hour
/// turns).
pub fn forget_old_hourly(
    sql: &dyn Sql,
    memory: &Memory,
    fact: &'static str,
    table: &str,
    now_ms: u64,
) -> Result<(), SqlError> {
    let hour = i64::try_from(now_ms / HOUR_MS).unwrap_or(i64::MAX);
    if memory.get(fact).is_some_and(|done| done >= hour) {
        return Ok(());
    }
    forget_old(sql, table, now_ms)?;
    memory.set(fact, hour);
    Ok(())
}

/// Counts one of `kind` at `now_ms`, and forgets old hours.
pub fn count(sql: &dyn Sql, table: &str, now_ms: u64, kind: &str) -> Result<(), SqlError> {
    add(sql, table, now_ms / HOUR_MS, kind, 1)?;
    forget_old(sql, table, now_ms)
}

/// The hours of `table` within [`KEPT_HOURS`] before `now_ms`, oldest first: each hour's value
/// starts as `start(hour)` and takes each of its kinds' counts through `put`.
pub fn read<H>(
    sql: &dyn Sql,
    table: &str,
    now_ms: u64,
    start: impl Fn(u64) -> H,
    put: impl Fn(&mut H, &str, u64),
) -> Result<Vec<H>, SqlError> {
    let since = (now_ms / HOUR_MS).saturating_sub(KEPT_HOURS);
    let rows = sql.exec(
        &format!("SELECT hour, kind, n FROM {table} WHERE hour >= ? ORDER BY hour"),
        &[int(since)],
    )?;
    let mut out: Vec<(u64, H)> = Vec::new();
    for row in &rows {
        let (Some(hour), Some(kind), Some(n)) = (row[0].as_i64(), row[1].as_str(), row[2].as_i64())
        else {
            continue;
        };
        let hour = hour.max(0) as u64;
        if out.last().is_none_or(|(h, _)| *h != hour) {
            out.push((hour, start(hour)));
        }
        if let Some((_, value)) = out.last_mut() {
            put(value, kind, n.max(0) as u64);
        }
    }
    Ok(out.into_iter().map(|(_, v)| v).collect())
}
