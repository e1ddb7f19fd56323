//! Retention, run by the object's alarm: processed events are purged a configurable time after
//! they were processed (3 days by default), pending ones after they arrived (90 days), and a
//! removed installation's events all at once after its grace period. Plain functions over SQL
//! and a time, so tests fire them by moving a clock.

use super::schema::{self, clear_setting, set_setting, setting};
use crate::platform::{Memory, Sql, SqlError, SqlValue};
use crate::webhooks::settings::Retention;

/// The alarm runs at least this often while the store holds events.
pub const PURGE_INTERVAL_MS: u64 = 3600 * 1000;
/// Most events one alarm purges; the next alarm follows at once when there are more.
pub const PURGE_BATCH: usize = 5000;
/// How soon the alarm runs again after a full batch.
const BATCH_FOLLOW_UP_MS: u64 = 1000;

const PROCESSED_KEY: &str = "retain_processed_ms";
const PENDING_KEY: &str = "retain_pending_ms";
const WIPE_KEY: &str = "wipe_at_ms";

/// Stores the retention the Worker is configured with (the alarm has no configuration);
/// writes only when it changed, and reads storage once per instance.
pub fn remember(sql: &dyn Sql, memory: &Memory, wanted: Retention) -> Result<(), SqlError> {
    let wanted = (wanted.processed_ms as i64, wanted.pending_ms as i64);
    let known = (memory.get(PROCESSED_KEY), memory.get(PENDING_KEY));
    if known == (Some(wanted.0), Some(wanted.1)) {
        return Ok(());
    }
    let stored = (setting(sql, PROCESSED_KEY)?, setting(sql, PENDING_KEY)?);
    if stored != (Some(wanted.0), Some(wanted.1)) {
        set_setting(sql, PROCESSED_KEY, wanted.0)?;
        set_setting(sql, PENDING_KEY, wanted.1)?;
    }
    memory.set(PROCESSED_KEY, wanted.0);
    memory.set(PENDING_KEY, wanted.1);
    Ok(())
}

fn retention(sql: &dyn Sql) -> Result<Retention, SqlError> {
    let d = crate::webhooks::WebhookSettings::default().retention;
    Ok(Retention {
        processed_ms: setting(sql, PROCESSED_KEY)?.map_or(d.processed_ms, |v| v as u64),
        pending_ms: setting(sql, PENDING_KEY)?.map_or(d.pending_ms, |v| v as u64),
    })
}

/// The instance's memory: it holds events (set as one is stored, forgotten whenever events are
/// deleted, so that storage is asked again).
const HAS_EVENTS: &str = "has_events";
/// The instance's memory of [`WIPE_KEY`]: the time, or -1 for none.
const WIPE_KNOWN: &str = "wipe_known";

/// Notes in the instance's memory that it holds an event (one was just stored).
pub fn note_event(memory: &Memory) {
    memory.set(HAS_EVENTS, 1);
}

/// Forgets what the instance remembers of its settings and events, as they are deleted.
pub fn forget_known(memory: &Memory) {
    for fact in [PROCESSED_KEY, PENDING_KEY, HAS_EVENTS, WIPE_KNOWN] {
        memory.forget(fact);
    }
}

/// Sets (or with `None` cancels) the time at which every event is deleted.
pub fn schedule_wipe(sql: &dyn Sql, memory: &Memory, at_ms: Option<u64>) -> Result<(), SqlError> {
    memory.forget(WIPE_KNOWN);
    match at_ms {
        Some(at) => set_setting(sql, WIPE_KEY, at as i64)?,
        None => clear_setting(sql, WIPE_KEY)?,
    }
    memory.set(WIPE_KNOWN, at_ms.map_or(-1, |at| at as i64));
    Ok(())
}

/// The scheduled wipe: from the instance's memory, or storage once.
fn wipe_at(sql: &dyn Sql, memory: &Memory) -> Result<Option<u64>, SqlError> {
    if let Some(known) = memory.get(WIPE_KNOWN) {
        return Ok((known >= 0).then_some(known as u64));
    }
    let at = setting(sql, WIPE_KEY)?;
    memory.set(WIPE_KNOWN, at.unwrap_or(-1));
    Ok(at.map(|at| at as u64))
}

/// Deletes the events `condition` selects (oldest first, at most a batch); returns how many.
fn purge_where(sql: &dyn Sql, condition: &str, cutoff: i64) -> Result<usize, SqlError> {
    let rows = sql.exec(
        &format!(
            "SELECT seq, type, processed_at IS NULL FROM events WHERE {condition} ORDER BY seq LIMIT ?"
        ),
        &[SqlValue::Integer(cutoff), SqlValue::Integer(PURGE_BATCH as i64)],
    )?;
    for row in &rows {
        let seq = row[0].clone();
        for table in ["chunks", "digests", "triggers"] {
            sql.exec(
                &format!("DELETE FROM {table} WHERE seq = ?"),
                std::slice::from_ref(&seq),
            )?;
        }
        sql.exec("DELETE FROM events WHERE seq = ?", &[seq])?;
        if row[2].as_i64() == Some(1) {
            schema::count_pending(sql, row[1].as_str().unwrap_or_default(), -1)?;
        }
    }
    Ok(rows.len())
}

/// What one alarm did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Purged {
    /// Processed events deleted.
    pub processed: usize,
    /// Pending events deleted.
    pub pending: usize,
    /// Whether the whole store was deleted (its installation's grace period ended).
    pub wiped: bool,
    /// When the alarm should run next, if at all.
    pub next_alarm_ms: Option<u64>,
}

/// Runs retention at `now_ms`. An event exactly at its limit is kept; one millisecond older is
/// purged.
pub fn run(sql: &dyn Sql, memory: &Memory, now_ms: u64) -> Result<Purged, SqlError> {
    schema::ensure(sql, memory)?;
    // The alarm asks storage itself, and what it deletes is asked again afterwards.
    memory.forget(HAS_EVENTS);
    memory.forget(WIPE_KNOWN);
    let mut purged = Purged::default();
    if setting(sql, WIPE_KEY)?.is_some_and(|at| at as u64 <= now_ms) {
        for table in schema::EVENT_TABLES {
            sql.exec(&format!("DELETE FROM {table}"), &[])?;
        }
        clear_setting(sql, WIPE_KEY)?;
        purged.wiped = true;
    } else {
        let r = retention(sql)?;
        purged.processed = purge_where(
            sql,
            "processed_at IS NOT NULL AND processed_at < ?",
            now_ms.saturating_sub(r.processed_ms) as i64,
        )?;
        purged.pending = purge_where(
            sql,
            "processed_at IS NULL AND received_at < ?",
            now_ms.saturating_sub(r.pending_ms) as i64,
        )?;
    }
    let full = purged.processed == PURGE_BATCH || purged.pending == PURGE_BATCH;
    purged.next_alarm_ms = if full {
        Some(now_ms + BATCH_FOLLOW_UP_MS)
    } else {
        next_alarm(sql, memory, now_ms)?
    };
    Ok(purged)
}

/// When the alarm should next run: hourly while there are events, or at a scheduled wipe if
/// sooner; never for an empty store with nothing scheduled. Asked after every request, so a
/// busy instance answers from its memory.
pub fn next_alarm(sql: &dyn Sql, memory: &Memory, now_ms: u64) -> Result<Option<u64>, SqlError> {
    schema::ensure(sql, memory)?;
    let wipe = wipe_at(sql, memory)?.map(|at| at.max(now_ms));
    let has_events =
        memory.knows(HAS_EVENTS) || !sql.exec("SELECT 1 FROM events LIMIT 1", &[])?.is_empty();
    if has_events {
        note_event(memory);
    }
    let hourly = has_events.then_some(now_ms + PURGE_INTERVAL_MS);
    Ok(match (hourly, wipe) {
        (Some(h), Some(w)) => Some(h.min(w)),
        (h, w) => h.or(w),
    })
}
