//! The audit trail: append-only entries (time, event, actor, client, outcome, address) kept
//! 90 days in one `AuditLog` Durable Object, and the recent ones for operators. Never a
//! secret: callers pass identifiers and outcomes only. Recording never blocks the action it
//! records; a failure to record is logged.

use serde::{Deserialize, Serialize};

use crate::objects::{ask, Answer, Ask, Instance, ObjectClass};
use crate::platform::{Objects, PlatformError, Sql, SqlError, SqlValue};

/// The Durable Object binding (and class).
pub const BINDING: &str = "AUDIT_LOG";
/// The one instance's name.
const INSTANCE: &str = "audit";
/// How long entries are kept.
pub const RETENTION_MS: u64 = 90 * 24 * 3600 * 1000;
/// Most entries one read returns.
pub const MAX_READ: usize = 500;

/// One audited event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// When, in milliseconds since the epoch (set by the log).
    #[serde(default)]
    pub at_ms: u64,
    /// What happened, e.g. `signin`, `consent`, `token`, `refresh`, `revoke`, `admin`, `tool_refused`.
    pub event: String,
    /// Who: a user id, `admin`, or `anonymous`.
    pub actor: String,
    /// The OAuth client involved, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `success`, `failure`, `denied`, …
    pub outcome: String,
    /// The caller's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// A short, secret-free detail.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl Entry {
    /// An entry for `event` by `actor` with `outcome`.
    pub fn new(event: &str, actor: &str, outcome: &str) -> Self {
        Self {
            at_ms: 0,
            event: event.into(),
            actor: actor.into(),
            client_id: None,
            outcome: outcome.into(),
            ip: None,
            detail: String::new(),
        }
    }

    /// With the client involved.
    pub fn client(mut self, client_id: &str) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// With the caller's address.
    pub fn ip(mut self, ip: Option<&str>) -> Self {
        self.ip = ip.map(str::to_owned);
        self
    }

    /// With a detail.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// The class: one instance, `audit`.
pub struct AuditLog;

#[async_trait::async_trait(?Send)]
impl ObjectClass for AuditLog {
    const BINDING: &'static str = BINDING;
    type Request = Request;

    fn serve(at: Instance<'_>, request: Request, _payload: &[u8]) -> Answer {
        match request {
            Request::Append(op) => Append::answer(append(at.sql, at.now_ms, op.entry)),
            Request::Recent(op) => Recent::answer(read(at.sql, op.limit)),
            Request::Purge(Purge {}) => Purge::answer(expire(at.sql, at.now_ms)),
        }
    }
}

crate::objects::operations!(AuditLog, Request {
    Append => (),
    Recent => Vec<Entry>,
    Purge => u64,
});

/// Appends an entry.
#[derive(Serialize, Deserialize)]
pub struct Append {
    entry: Entry,
}

/// The most recent entries, newest first.
#[derive(Serialize, Deserialize)]
pub struct Recent {
    limit: usize,
}

/// Removes entries older than the retention.
#[derive(Serialize, Deserialize)]
pub struct Purge {}

/// Appends `entry`; failures are logged, never raised.
pub async fn record(objects: &dyn Objects, entry: Entry) {
    if let Err(e) = ask(objects, INSTANCE, Append { entry }).await {
        crate::log::internal("audit", &e.to_string());
    }
}

/// The most recent entries, newest first.
pub async fn recent(objects: &dyn Objects, limit: usize) -> Result<Vec<Entry>, PlatformError> {
    let op = Recent {
        limit: limit.min(MAX_READ),
    };
    Ok(ask(objects, INSTANCE, op).await?)
}

/// Removes entries older than the retention (appends remove them too, but a quiet gateway
/// appends rarely); returns how many went.
pub async fn purge(objects: &dyn Objects) -> Result<u64, PlatformError> {
    Ok(ask(objects, INSTANCE, Purge {}).await?)
}

const SCHEMA: [&str; 2] = [
    "CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, entry TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS entries_at ON entries (at_ms)",
];

fn append(sql: &dyn Sql, now_ms: u64, mut entry: Entry) -> Result<(), SqlError> {
    SCHEMA.iter().try_for_each(|s| sql.exec(s, &[]).map(drop))?;
    entry.at_ms = now_ms;
    let text = serde_json::to_string(&entry).map_err(|e| SqlError(e.to_string()))?;
    sql.exec(
        "INSERT INTO entries (at_ms, entry) VALUES (?, ?)",
        &[SqlValue::Integer(now_ms as i64), text.into()],
    )?;
    expire(sql, now_ms)?;
    Ok(())
}

/// Deletes the entries older than the retention; returns how many.
fn expire(sql: &dyn Sql, now_ms: u64) -> Result<u64, SqlError> {
    SCHEMA.iter().try_for_each(|s| sql.exec(s, &[]).map(drop))?;
    let horizon = now_ms.saturating_sub(RETENTION_MS) as i64;
    let removed = sql.exec(
        "DELETE FROM entries WHERE at_ms < ? RETURNING 1",
        &[SqlValue::Integer(horizon)],
    )?;
    Ok(removed.len() as u64)
}

fn read(sql: &dyn Sql, limit: usize) -> Result<Vec<Entry>, SqlError> {
    SCHEMA.iter().try_for_each(|s| sql.exec(s, &[]).map(drop))?;
    let rows = sql.exec(
        "SELECT entry FROM entries ORDER BY id DESC LIMIT ?",
        &[SqlValue::Integer(limit as i64)],
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| r[0].as_str().and_then(|t| serde_json::from_str(t).ok()))
        .collect())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::objects::host::LocalObjects;
    use crate::platform::native::ManualClock;

    #[test]
    fn entries_are_kept_ninety_days_and_read_newest_first() {
        let clock = ManualClock::new(1_800_000_000_000);
        let objects = LocalObjects::new(&clock);
        pollster::block_on(record(
            &objects,
            Entry::new("signin", "owner", "success").ip(Some("203.0.113.9")),
        ));
        clock.advance_ms(RETENTION_MS);
        pollster::block_on(record(
            &objects,
            Entry::new("token", "owner", "success").client("c1"),
        ));
        let entries = pollster::block_on(recent(&objects, 10)).unwrap();
        assert_eq!(
            entries.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(),
            ["token", "signin"]
        );
        clock.advance_ms(1);
        pollster::block_on(record(&objects, Entry::new("revoke", "owner", "success")));
        let entries = pollster::block_on(recent(&objects, 10)).unwrap();
        assert_eq!(
            entries.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(),
            ["revoke", "token"],
            "the 90-day-old entry is gone"
        );
        assert_eq!(entries[0].at_ms, 1_800_000_000_000 + RETENTION_MS + 1);
    }

    #[test]
    fn a_purge_removes_old_entries_without_an_append() {
        let clock = ManualClock::new(1_800_000_000_000);
        let objects = LocalObjects::new(&clock);
        pollster::block_on(record(&objects, Entry::new("signin", "owner", "success")));
        assert_eq!(pollster::block_on(purge(&objects)).unwrap(), 0);
        clock.advance_ms(RETENTION_MS + 1);
        assert_eq!(pollster::block_on(purge(&objects)).unwrap(), 1);
        assert!(pollster::block_on(recent(&objects, 10)).unwrap().is_empty());
    }
}
