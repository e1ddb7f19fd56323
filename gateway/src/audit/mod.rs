//! The audit trail: append-only entries (time, event, actor, client, outcome, address) kept
//! 90 days in one `AuditLog` Durable Object, and the recent ones for operators. Never a
//! secret: callers pass identifiers and outcomes only. Recording never blocks the action it
//! records; a failure to record is logged. Bounded, so a flood cannot bury real entries:
//! failures of one kind from one address within [`FAILURE_WINDOW_MS`] are one counted entry,
//! and past [`MAX_ENTRIES`] the oldest entries go first.

mod find;

pub use find::{find, Filter, Found};

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
/// Most entries kept: past it, the oldest go first.
pub const MAX_ENTRIES: usize = 10_000;
/// Failures of one kind from one address within this window are one counted entry.
pub const FAILURE_WINDOW_MS: u64 = 10 * 60 * 1000;

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
    /// How many times it happened: failures of one kind from one address within
    /// [`FAILURE_WINDOW_MS`] are one entry (set by the log).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub count: u64,
    /// When the last of `count` happened, if more than one did (set by the log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ms: Option<u64>,
}

fn one() -> u64 {
    1
}

fn is_one(n: &u64) -> bool {
    *n == 1
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
            count: 1,
            last_ms: None,
        }
    }

    /// With the client involved.
    pub fn client(mut self, client_id: &str) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// With the client involved, when known.
    pub fn client_if(mut self, client_id: Option<&str>) -> Self {
        self.client_id = client_id.map(str::to_owned);
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
        // The tables, created once per instance (the instance's memory says they exist).
        if let Err(e) = at
            .memory
            .once(crate::platform::Memory::TABLES, || ensure(at.sql))
        {
            return Answer::failed(e);
        }
        match request {
            Request::Append(op) => Append::answer(append(at.sql, at.now_ms, op.entry)),
            Request::Recent(op) => Recent::answer(read(at.sql, op.limit)),
            Request::Purge(Purge {}) => Purge::answer(expire(at.sql, at.now_ms)),
            Request::Find(op) => find::Find::answer(find::run(at.sql, &op.0)),
        }
    }
}

crate::objects::operations!(AuditLog, Request {
    Append => (),
    Recent => Vec<Entry>,
    Purge => u64,
    Find => Vec<Found>,
});

use find::Find;

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

const SCHEMA: [&str; 4] = [
    "CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, entry TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS entries_at ON entries (at_ms)",
    // The open run of each kind of failure from one address: the entry that counts it.
    "CREATE TABLE IF NOT EXISTS failure_runs (key TEXT PRIMARY KEY, entry_id INTEGER NOT NULL, until_ms INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS failure_runs_until ON failure_runs (until_ms)",
];

/// The outcomes counted into one entry when repeated from one address.
const FAILURE_OUTCOMES: [&str; 2] = ["failure", "denied"];

/// What makes failures "the same" for counting: everything but the time and the detail.
fn run_key(entry: &Entry) -> Option<String> {
    let ip = entry.ip.as_deref()?;
    // Only refusals of someone unproven (a wrong password, an unknown code, a denied admin
    // call): a tool's own outcomes (`sent`, `queued`, `failed`) each stay an entry.
    FAILURE_OUTCOMES.contains(&entry.outcome.as_str()).then(|| {
        let client = entry.client_id.as_deref().unwrap_or_default();
        serde_json::json!([entry.event, entry.outcome, entry.actor, client, ip]).to_string()
    })
}

/// Counts `entry` into the open run of its kind, if there is one; returns whether it did.
fn count_into_run(sql: &dyn Sql, now_ms: u64, key: &str) -> Result<bool, SqlError> {
    let run = sql.exec(
        "SELECT e.id, e.entry FROM failure_runs r JOIN entries e ON e.id = r.entry_id \
         WHERE r.key = ? AND r.until_ms > ?",
        &[key.into(), SqlValue::Integer(now_ms as i64)],
    )?;
    let Some([id, text]) = run.first().map(|r| [&r[0], &r[1]]) else {
        return Ok(false);
    };
    let Some(mut counted) = text.as_str().and_then(stored_entry) else {
        return Ok(false);
    };
    counted.count += 1;
    counted.last_ms = Some(now_ms);
    let text = serde_json::to_string(&counted).map_err(|e| SqlError(e.to_string()))?;
    sql.exec(
        "UPDATE entries SET entry = ? WHERE id = ?",
        &[text.into(), id.clone()],
    )?;
    Ok(true)
}

fn append(sql: &dyn Sql, now_ms: u64, mut entry: Entry) -> Result<(), SqlError> {
    let key = run_key(&entry);
    if let Some(key) = &key {
        if count_into_run(sql, now_ms, key)? {
            return Ok(());
        }
    }
    entry.at_ms = now_ms;
    entry.count = 1;
    entry.last_ms = None;
    let text = serde_json::to_string(&entry).map_err(|e| SqlError(e.to_string()))?;
    let id = sql.exec(
        "INSERT INTO entries (at_ms, entry) VALUES (?, ?) RETURNING id",
        &[SqlValue::Integer(now_ms as i64), text.into()],
    )?;
    let id = id.first().and_then(|r| r[0].as_i64()).unwrap_or_default();
    if let Some(key) = key {
        sql.exec(
            "INSERT OR REPLACE INTO failure_runs (key, entry_id, until_ms) VALUES (?, ?, ?)",
            &[
                key.into(),
                SqlValue::Integer(id),
                SqlValue::Integer((now_ms + FAILURE_WINDOW_MS) as i64),
            ],
        )?;
    }
    // Ids only grow, so everything `MAX_ENTRIES` or more before this one is the oldest.
    sql.exec(
        "DELETE FROM entries WHERE id <= ?",
        &[SqlValue::Integer(id - MAX_ENTRIES as i64)],
    )?;
    expire(sql, now_ms)?;
    Ok(())
}

/// Deletes the entries older than the retention; returns how many.
fn expire(sql: &dyn Sql, now_ms: u64) -> Result<u64, SqlError> {
    let horizon = now_ms.saturating_sub(RETENTION_MS) as i64;
    let removed = sql.exec(
        "DELETE FROM entries WHERE at_ms < ? RETURNING 1",
        &[SqlValue::Integer(horizon)],
    )?;
    sql.exec(
        "DELETE FROM failure_runs WHERE until_ms <= ?",
        &[SqlValue::Integer(now_ms as i64)],
    )?;
    Ok(removed.len() as u64)
}

/// Creates the tables (run once per instance by `serve`, before any request).
fn ensure(sql: &dyn Sql) -> Result<(), SqlError> {
    SCHEMA.iter().try_for_each(|s| sql.exec(s, &[]).map(drop))
}

/// An entry as stored (its JSON text), or `None` if it does not read. Read as bytes, as the
/// log reads its requests: one decoder of `Entry` in the wasm, not a second for `&str`.
fn stored_entry(text: &str) -> Option<Entry> {
    serde_json::from_slice(text.as_bytes()).ok()
}

fn read(sql: &dyn Sql, limit: usize) -> Result<Vec<Entry>, SqlError> {
    let rows = sql.exec(
        "SELECT entry FROM entries ORDER BY id DESC LIMIT ?",
        &[SqlValue::Integer(limit as i64)],
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| r[0].as_str().and_then(stored_entry))
        .collect())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::objects::host::LocalObjects;
    use crate::platform::native::ManualClock;

    #[test]
    fn the_audit_log_creates_its_tables_once_per_instance_not_per_request() {
        let creates = |s: &[String]| s.iter().filter(|s| s.contains("CREATE")).count();
        let append = || Append {
            entry: Entry::new("signin", "owner", "success"),
        };
        let [first, second] = crate::objects::host::statements_twice(append, 1_800_000_000_000);
        assert_eq!(creates(&first), SCHEMA.len(), "{first:#?}");
        assert_eq!(creates(&second), 0, "{second:#?}");
        let [_, read] =
            crate::objects::host::statements_twice(|| Recent { limit: 10 }, 1_800_000_000_000);
        assert_eq!(read.len(), 1, "a read is one statement: {read:#?}");
    }

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

    #[test]
    fn a_flood_of_failures_from_one_address_is_one_counted_entry() {
        let clock = ManualClock::new(1_800_000_000_000);
        let objects = LocalObjects::new(&clock);
        let record = |entry: Entry| pollster::block_on(record(&objects, entry));
        record(Entry::new("admin", "admin", "success").ip(Some("192.0.2.1")));
        for _ in 0..1_000 {
            clock.advance_ms(10);
            record(
                Entry::new("token", "client", "failure")
                    .ip(Some("203.0.113.9"))
                    .detail("unknown code"),
            );
        }
        record(Entry::new("token", "client", "failure").ip(Some("198.51.100.7")));
        let entries = pollster::block_on(recent(&objects, MAX_READ)).unwrap();
        let shown: Vec<serde_json::Value> = entries
            .iter()
            .map(|e| serde_json::to_value(e).unwrap())
            .collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert_eq!(shown[1]["ip"], "203.0.113.9");
        assert_eq!(shown[1]["count"], 1_000);
        assert_eq!(shown[2]["event"], "admin", "the real entry is still there");
        // After the window, the next failure from that address starts a new entry.
        clock.advance_ms(FAILURE_WINDOW_MS);
        record(Entry::new("token", "client", "failure").ip(Some("203.0.113.9")));
        assert_eq!(
            pollster::block_on(recent(&objects, MAX_READ))
                .unwrap()
                .len(),
            4
        );
    }

    #[test]
    fn the_log_keeps_its_cap_dropping_the_oldest_first() {
        let clock = ManualClock::new(1_800_000_000_000);
        let objects = LocalObjects::new(&clock);
        for i in 0..MAX_ENTRIES + 5 {
            let entry = Entry::new("signin", &format!("user{i}"), "success");
            pollster::block_on(record(&objects, entry));
        }
        let stored = objects
            .database(BINDING, INSTANCE)
            .exec("SELECT count(*) FROM entries", &[])
            .unwrap()[0][0]
            .as_i64();
        assert_eq!(stored, Some(MAX_ENTRIES as i64));
        let newest = pollster::block_on(recent(&objects, 1)).unwrap();
        assert_eq!(newest[0].actor, format!("user{}", MAX_ENTRIES + 4));
        let oldest = objects
            .database(BINDING, INSTANCE)
            .exec("SELECT entry FROM entries ORDER BY id LIMIT 1", &[])
            .unwrap();
        assert!(oldest[0][0].as_str().unwrap().contains("\"user5\""));
    }
}
