//! Native implementations of the platform seam for `cargo test` and benchmarks: an in-memory
//! KV with TTLs, Durable Objects over real SQLite (rusqlite) with Workers' limits, a settable
//! clock, OS randomness, and hashing by `sha2`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use async_trait::async_trait;
use rusqlite::types::{Value as Sv, ValueRef};

use super::{
    sql_limits, Clock, Digest256, Digests, Fetch, Fetched, Kv, Outbound, PlatformError, Random,
    Secrets, Sql, SqlError, SqlValue,
};

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock(Cell<u64>);

impl ManualClock {
    /// A clock reading `now_ms`.
    pub fn new(now_ms: u64) -> Self {
        Self(Cell::new(now_ms))
    }

    /// Moves the clock forward.
    pub fn advance_ms(&self, ms: u64) {
        self.0.set(self.0.get() + ms);
    }
}

#[async_trait(?Send)]
impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.get()
    }

    async fn sleep_ms(&self, ms: u64) {
        self.advance_ms(ms);
    }
}

/// Randomness from the operating system.
#[derive(Debug, Default)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), super::RandomError> {
        getrandom::getrandom(buf).map_err(|_| super::RandomError)
    }
}

/// SHA-256 and HMAC-SHA256 by the `sha2` and `hmac` crates (what the wasm build did before
/// it used the host's).
#[derive(Debug, Default)]
pub struct SoftDigests;

#[async_trait(?Send)]
impl Digests for SoftDigests {
    async fn sha256(&self, data: &[u8]) -> Result<Digest256, PlatformError> {
        use sha2::Digest;
        Ok(sha2::Sha256::digest(data).into())
    }

    async fn hmac_sha256(&self, key: &[u8], data: &[u8]) -> Result<Digest256, PlatformError> {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<sha2::Sha256>>::new_from_slice(key)
            .map_err(|e| PlatformError(e.to_string()))?;
        mac.update(data);
        Ok(mac.finalize().into_bytes().into())
    }
}

/// Secrets and variables from a table, settable during a test.
#[derive(Debug, Default)]
pub struct MapSecrets(RefCell<HashMap<String, String>>);

impl MapSecrets {
    /// Sets `name` to `value`.
    pub fn set(&self, name: &str, value: &str) {
        self.0
            .borrow_mut()
            .insert(name.to_owned(), value.to_owned());
    }

    /// Removes `name`.
    pub fn remove(&self, name: &str) {
        self.0.borrow_mut().remove(name);
    }
}

impl Secrets for MapSecrets {
    fn get(&self, name: &str) -> Option<String> {
        self.0.borrow().get(name).cloned()
    }
}

/// A stored value and when it expires.
struct KvEntry {
    value: Vec<u8>,
    expires_at_ms: Option<u64>,
}

/// In-memory KV with expiry read from a clock.
pub struct MemoryKv<'c> {
    clock: &'c dyn Clock,
    entries: RefCell<HashMap<String, KvEntry>>,
}

impl<'c> MemoryKv<'c> {
    /// An empty store whose TTLs follow `clock`.
    pub fn new(clock: &'c dyn Clock) -> Self {
        Self {
            clock,
            entries: RefCell::default(),
        }
    }
}

#[async_trait(?Send)]
impl Kv for MemoryKv<'_> {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PlatformError> {
        let now = self.clock.now_ms();
        let mut entries = self.entries.borrow_mut();
        match entries.get(key) {
            Some(e) if e.expires_at_ms.is_some_and(|t| t <= now) => {
                entries.remove(key);
                Ok(None)
            }
            Some(e) => Ok(Some(e.value.clone())),
            None => Ok(None),
        }
    }

    async fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl_secs: Option<u64>,
    ) -> Result<(), PlatformError> {
        let expires_at_ms = ttl_secs.map(|t| self.clock.now_ms() + t * 1000);
        let entry = KvEntry {
            value: value.to_vec(),
            expires_at_ms,
        };
        self.entries.borrow_mut().insert(key.to_owned(), entry);
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), PlatformError> {
        self.entries.borrow_mut().remove(key);
        Ok(())
    }

    async fn list(&self, prefix: &str, limit: usize) -> Result<Vec<String>, PlatformError> {
        let now = self.clock.now_ms();
        let entries = self.entries.borrow();
        let mut keys: Vec<String> = entries
            .iter()
            .filter(|(k, e)| k.starts_with(prefix) && e.expires_at_ms.is_none_or(|t| t > now))
            .map(|(k, _)| k.clone())
            .collect();
        keys.sort();
        keys.truncate(limit);
        Ok(keys)
    }
}

/// An SQLite database that behaves as a Durable Object's does: no explicit transactions,
/// no value over 2 MB.
pub struct SqliteSql(rusqlite::Connection);

impl SqliteSql {
    /// A fresh in-memory database.
    pub fn open() -> Self {
        Self(rusqlite::Connection::open_in_memory().expect("in-memory SQLite opens"))
    }
}

impl Default for SqliteSql {
    fn default() -> Self {
        Self::open()
    }
}

fn refuses_transactions(sql: &str) -> bool {
    let head: String = sql
        .trim_start()
        .chars()
        .take(16)
        .collect::<String>()
        .to_ascii_uppercase();
    ["BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"]
        .iter()
        .any(|kw| head.starts_with(kw))
}

fn value_size(v: &SqlValue) -> usize {
    match v {
        SqlValue::Text(s) => s.len(),
        SqlValue::Blob(b) => b.len(),
        _ => 8,
    }
}

impl Sql for SqliteSql {
    fn exec(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>, SqlError> {
        if refuses_transactions(sql) {
            return Err(SqlError(
                "Durable Object SQL refuses explicit transactions; use the object's atomicity"
                    .into(),
            ));
        }
        if params.iter().map(value_size).sum::<usize>() > sql_limits::MAX_VALUE_BYTES {
            return Err(SqlError(
                "SQLITE_TOOBIG: string, blob or row exceeds 2 MB".into(),
            ));
        }
        let mut stmt = self.0.prepare(sql).map_err(|e| SqlError(e.to_string()))?;
        let bound: Vec<Sv> = params
            .iter()
            .map(|p| match p {
                SqlValue::Null => Sv::Null,
                SqlValue::Integer(i) => Sv::Integer(*i),
                SqlValue::Real(r) => Sv::Real(*r),
                SqlValue::Text(s) => Sv::Text(s.clone()),
                SqlValue::Blob(b) => Sv::Blob(b.clone()),
            })
            .collect();
        let columns = stmt.column_count();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(bound))
            .map_err(|e| SqlError(e.to_string()))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| SqlError(e.to_string()))? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                let v = row.get_ref(i).map_err(|e| SqlError(e.to_string()))?;
                values.push(match v {
                    ValueRef::Null => SqlValue::Null,
                    ValueRef::Integer(i) => SqlValue::Integer(i),
                    ValueRef::Real(r) => SqlValue::Real(r),
                    ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
                });
            }
            if values.iter().map(value_size).sum::<usize>() > sql_limits::MAX_VALUE_BYTES {
                return Err(SqlError("SQLITE_TOOBIG: row exceeds 2 MB".into()));
            }
            out.push(values);
        }
        Ok(out)
    }
}

/// An `SqliteSql` that keeps every statement it runs, for tests of how many a request costs.
#[derive(Default)]
pub struct RecordingSql {
    sql: SqliteSql,
    statements: RefCell<Vec<String>>,
}

impl RecordingSql {
    /// The statements run since the last call, in order.
    pub fn take(&self) -> Vec<String> {
        self.statements.take()
    }
}

impl Sql for RecordingSql {
    fn exec(&self, statement: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>, SqlError> {
        self.statements.borrow_mut().push(statement.to_owned());
        self.sql.exec(statement, params)
    }
}

/// The outside world as a table of canned answers, for unit tests of code that fetches
/// (end-to-end tests use real local servers). URLs not in the table fail to connect.
#[derive(Default)]
pub struct CannedFetch {
    answers: RefCell<HashMap<String, Fetched>>,
    silent: RefCell<Vec<String>>,
    requests: RefCell<Vec<Outbound>>,
}

impl CannedFetch {
    /// Answers requests to `url` (any method) with `answer`.
    pub fn answer(&self, url: &str, answer: Fetched) {
        self.silent.borrow_mut().retain(|u| u != url);
        self.answers.borrow_mut().insert(url.to_owned(), answer);
    }

    /// Answers requests to `url` with `status` and the JSON `body`.
    pub fn answer_json(&self, url: &str, status: u16, body: &serde_json::Value) {
        self.answer(
            url,
            Fetched {
                status,
                headers: vec![("content-type".into(), "application/json".into())],
                body: body.to_string().into_bytes(),
            },
        );
    }

    /// Requests to `url` time out (the error a slow server causes), until it is given an answer.
    pub fn time_out(&self, url: &str) {
        self.answers.borrow_mut().remove(url);
        self.silent.borrow_mut().push(url.to_owned());
    }

    /// The URLs fetched so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .borrow()
            .iter()
            .map(|r| r.url.clone())
            .collect()
    }

    /// The requests sent so far, in order, whole.
    pub fn sent(&self) -> Vec<Outbound> {
        self.requests.borrow().clone()
    }
}

#[async_trait(?Send)]
impl Fetch for CannedFetch {
    async fn send(&self, request: &Outbound) -> Result<Fetched, PlatformError> {
        self.requests.borrow_mut().push(request.clone());
        if self.silent.borrow().contains(&request.url) {
            return Err(PlatformError(format!(
                "{} {} ms",
                super::NO_ANSWER,
                request.timeout_ms
            )));
        }
        let answer = self.answers.borrow().get(&request.url).cloned();
        match answer {
            Some(a) if a.body.len() > request.max_bytes => Err(PlatformError(format!(
                "{} {} bytes",
                super::TOO_LARGE,
                request.max_bytes
            ))),
            Some(a) => Ok(a),
            None => Err(PlatformError(format!(
                "connection refused: {}",
                request.url
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kv_entries_expire_when_the_clock_passes_their_ttl() {
        let clock = ManualClock::new(1_000_000);
        let kv = MemoryKv::new(&clock);
        pollster::block_on(kv.put("k", b"v", Some(60))).unwrap();
        clock.advance_ms(59_999);
        assert_eq!(
            pollster::block_on(kv.get("k")).unwrap(),
            Some(b"v".to_vec())
        );
        clock.advance_ms(1);
        assert_eq!(pollster::block_on(kv.get("k")).unwrap(), None);
    }

    #[test]
    fn sql_refuses_transactions_and_oversized_rows_like_durable_objects() {
        let db = SqliteSql::open();
        db.exec("CREATE TABLE t (v BLOB)", &[]).unwrap();
        assert!(db.exec("begin", &[]).is_err());
        assert!(db.exec("  SAVEPOINT a", &[]).is_err());
        let big = SqlValue::Blob(vec![0; sql_limits::MAX_VALUE_BYTES + 1]);
        assert!(db.exec("INSERT INTO t VALUES (?)", &[big]).is_err());
        let fits = SqlValue::Blob(vec![0; sql_limits::MAX_VALUE_BYTES]);
        db.exec("INSERT INTO t VALUES (?)", &[fits]).unwrap();
        assert_eq!(
            db.exec("SELECT count(*) FROM t", &[]).unwrap()[0][0],
            SqlValue::Integer(1)
        );
    }
}
