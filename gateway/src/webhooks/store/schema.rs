//! The event store's tables. `seq` orders events in arrival order and is the position the
//! `/events` stream resumes from; `id` is the delivery id, unique, so a redelivery is a no-op.
//! `digests` holds each kept event's (type, SHA-256 of its body), so a captured delivery
//! re-posted under a new id is a no-op too. Tables are only ever added (`CREATE … IF NOT
//! EXISTS`), so a store written by an older release gains the new ones on first use.

use crate::platform::{Memory, Sql, SqlError, SqlValue};

/// Payloads are stored in chunks of this size: a Durable Object SQLite value holds at most
/// 2 MB.
pub const CHUNK_BYTES: usize = 1024 * 1024;

const SCHEMA: [&str; 9] = [
    "CREATE TABLE IF NOT EXISTS events (\
        seq INTEGER PRIMARY KEY AUTOINCREMENT, \
        id TEXT NOT NULL UNIQUE, \
        type TEXT NOT NULL, \
        received_at INTEGER NOT NULL, \
        processed_at INTEGER, \
        trigger_status TEXT, \
        last_triggered_at INTEGER, \
        summary TEXT NOT NULL, \
        size INTEGER NOT NULL)",
    // Pending events newest first, processed ones by age: both lists and both purges.
    "CREATE INDEX IF NOT EXISTS events_by_state ON events (processed_at, seq)",
    "CREATE TABLE IF NOT EXISTS chunks (seq INTEGER NOT NULL, n INTEGER NOT NULL, \
        data BLOB NOT NULL, PRIMARY KEY (seq, n))",
    // Kept in step with `events`, so the status never counts 100,000 rows.
    "CREATE TABLE IF NOT EXISTS pending_types (type TEXT PRIMARY KEY, n INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS quota (one INTEGER PRIMARY KEY CHECK (one = 0), \
        window_start INTEGER NOT NULL, n INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    // Added after the first release: older stores gain it (empty) on first use.
    "CREATE TABLE IF NOT EXISTS digests (type TEXT NOT NULL, digest BLOB NOT NULL, \
        seq INTEGER NOT NULL UNIQUE, PRIMARY KEY (type, digest))",
    // Added for event routes: each notification a route sends for an event, until they have
    // all ended (`triggered.rs`).
    "CREATE TABLE IF NOT EXISTS triggers (notification TEXT PRIMARY KEY, \
        seq INTEGER NOT NULL, state TEXT NOT NULL, mark INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS triggers_by_event ON triggers (seq)",
];

/// The tables of events and their counts (all but `settings`), emptied together when a store
/// is wiped or erased.
pub const EVENT_TABLES: [&str; 6] = [
    "chunks",
    "digests",
    "triggers",
    "events",
    "pending_types",
    "quota",
];

/// Creates the tables if this object has none yet. One probe of the tables added since the first
/// release decides, once per instance: later requests ask only the instance's memory.
pub fn ensure(sql: &dyn Sql, memory: &Memory) -> Result<(), SqlError> {
    memory.once(Memory::TABLES, || {
        if sql
            .exec("SELECT 1 FROM digests, tally, triggers LIMIT 0", &[])
            .is_err()
        {
            SCHEMA.iter().try_for_each(|s| sql.exec(s, &[]).map(drop))?;
            // Added for the console: deliveries by hour and outcome.
            sql.exec(&super::tally::schema(), &[])?;
        }
        Ok(())
    })
}

/// A stored setting (retention, wipe time), if set.
pub fn setting(sql: &dyn Sql, key: &str) -> Result<Option<i64>, SqlError> {
    let rows = sql.exec("SELECT value FROM settings WHERE key = ?", &[key.into()])?;
    Ok(rows.first().and_then(|r| r[0].as_i64()))
}

/// Stores a setting.
pub fn set_setting(sql: &dyn Sql, key: &str, value: i64) -> Result<(), SqlError> {
    sql.exec(
        "INSERT INTO settings (key, value) VALUES (?, ?) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[key.into(), SqlValue::Integer(value)],
    )
    .map(drop)
}

/// Removes a setting.
pub fn clear_setting(sql: &dyn Sql, key: &str) -> Result<(), SqlError> {
    sql.exec("DELETE FROM settings WHERE key = ?", &[key.into()])
        .map(drop)
}

/// Adjusts the pending count of `event_type` by `delta`, dropping it at zero.
pub fn count_pending(sql: &dyn Sql, event_type: &str, delta: i64) -> Result<(), SqlError> {
    sql.exec(
        "INSERT INTO pending_types (type, n) VALUES (?, ?) \
         ON CONFLICT (type) DO UPDATE SET n = n + excluded.n",
        &[event_type.into(), SqlValue::Integer(delta)],
    )?;
    if delta < 0 {
        sql.exec("DELETE FROM pending_types WHERE n <= 0", &[])?;
    }
    Ok(())
}
