//! The platform seam: the few things the gateway needs from its host — key-value storage with
//! TTLs, Durable Objects with SQL, a clock, randomness, outbound HTTP, secrets, hashing of
//! bodies. Workers implements them in `workers` (wasm only); `native` implements them in
//! memory and with real SQLite for `cargo test`. Nothing here imports the rest of the gateway.

#[cfg(not(target_arch = "wasm32"))]
pub mod native;
#[cfg(target_arch = "wasm32")]
pub mod workers;

use async_trait::async_trait;

/// A failure of the host platform (storage unreachable, object crashed). Internal: callers
/// log it and answer with a generic message, never its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformError(pub String);

impl std::fmt::Display for PlatformError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Eventually consistent key-value storage with expiry (Workers KV).
#[async_trait(?Send)]
pub trait Kv {
    /// The value at `key`, unless absent or expired.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PlatformError>;
    /// The values at `keys` (UTF-8 text values), in their order, in one read where the host
    /// can (Workers KV's bulk get).
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<Vec<u8>>>, PlatformError> {
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            values.push(self.get(key).await?);
        }
        Ok(values)
    }
    /// Stores `value`; with `ttl_secs` it expires after that many seconds (KV's minimum is 60).
    async fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl_secs: Option<u64>,
    ) -> Result<(), PlatformError>;
    /// Removes `key`.
    async fn delete(&self, key: &str) -> Result<(), PlatformError>;
    /// The live keys starting with `prefix`, at most `limit`, in key order.
    async fn list(&self, prefix: &str, limit: usize) -> Result<Vec<String>, PlatformError>;

    /// Whether the namespace is bound at all (a deployment without it fails every use).
    fn bound(&self) -> bool {
        true
    }
}

/// A value bound to or read from SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// NULL.
    Null,
    /// INTEGER.
    Integer(i64),
    /// REAL.
    Real(f64),
    /// TEXT.
    Text(String),
    /// BLOB.
    Blob(Vec<u8>),
}

impl SqlValue {
    /// The integer, if this is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The text, if this is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        Self::Integer(v)
    }
}

impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

/// Durable Object SQL limits, enforced by the native adapter too so tests cannot pass on code
/// that fails in production.
pub mod sql_limits {
    /// Largest string, BLOB or row, in bytes.
    pub const MAX_VALUE_BYTES: usize = 2 * 1024 * 1024;
}

/// A SQL error: the statement or its values were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError(pub String);

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Durable Object's SQLite database. Synchronous, as in Workers: statements between two
/// awaits commit together, so a handler that does not await is atomic. `BEGIN`, `COMMIT` and
/// `SAVEPOINT` are refused.
pub trait Sql {
    /// Runs one statement with positional `?` parameters and returns its rows.
    fn exec(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>, SqlError>;
}

/// What one Durable Object instance remembers between its requests: facts its storage would
/// otherwise be asked for on every request (the schema exists, a setting's value). The runtime
/// may evict an instance at any time, which empties it, so it only ever mirrors what storage
/// holds: set a fact after the write it mirrors has succeeded, and read storage when absent.
#[derive(Debug, Default)]
pub struct Memory {
    facts: std::cell::RefCell<std::collections::HashMap<&'static str, i64>>,
}

impl Memory {
    /// The fact every class remembers once its tables exist (see [`Memory::once`]).
    pub const TABLES: &'static str = "schema";

    /// The remembered value of `fact`, if any.
    pub fn get(&self, fact: &'static str) -> Option<i64> {
        self.facts.borrow().get(fact).copied()
    }

    /// Remembers `fact` as `value`.
    pub fn set(&self, fact: &'static str, value: i64) {
        self.facts.borrow_mut().insert(fact, value);
    }

    /// Forgets `fact`.
    pub fn forget(&self, fact: &'static str) {
        self.facts.borrow_mut().remove(fact);
    }

    /// Whether `fact` is remembered (as any value).
    pub fn knows(&self, fact: &'static str) -> bool {
        self.facts.borrow().contains_key(fact)
    }

    /// Runs `work` unless `fact` is remembered, and remembers it once `work` succeeded: what an
    /// instance needs done once, not on every request (creating its tables).
    pub fn once<E>(
        &self,
        fact: &'static str,
        work: impl FnOnce() -> Result<(), E>,
    ) -> Result<(), E> {
        if !self.knows(fact) {
            work()?;
            self.set(fact, 1);
        }
        Ok(())
    }
}

/// Named Durable Objects: one instance per (class, name), each with its own SQL database.
#[async_trait(?Send)]
pub trait Objects {
    /// Whether `class` is bound at all (a deployment without it fails every call).
    fn bound(&self, _class: &str) -> bool {
        true
    }

    /// Sends `request` to the object `name` of `class` and returns its answer.
    async fn call(&self, class: &str, name: &str, request: &[u8])
        -> Result<Vec<u8>, PlatformError>;

    /// Sends `head` followed by `body` as one request. The Workers implementation copies both
    /// straight into the outgoing request, so a large body is not first joined in memory.
    async fn call_parts(
        &self,
        class: &str,
        name: &str,
        head: &[u8],
        body: &[u8],
    ) -> Result<Vec<u8>, PlatformError> {
        let mut joined = Vec::with_capacity(head.len() + body.len());
        joined.extend_from_slice(head);
        joined.extend_from_slice(body);
        self.call(class, name, &joined).await
    }
}

/// An answer to an outbound request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fetched {
    /// Status code (redirects are returned, not followed).
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body, at most the requested number of bytes.
    pub body: Vec<u8>,
}

impl Fetched {
    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP method for an outbound request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

/// An outbound HTTP request. Redirects are returned, not followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound {
    /// The method.
    pub method: HttpMethod,
    /// The absolute URL.
    pub url: String,
    /// Request headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
    /// The request fails when the answer's body is longer than this (declared or not: the
    /// body is read no further).
    pub max_bytes: usize,
    /// The request fails when no full answer — headers and body together — arrives within this
    /// many milliseconds.
    pub timeout_ms: u64,
}

impl Outbound {
    /// A GET of `url` that accepts JSON.
    pub fn get(url: &str, max_bytes: usize, timeout_ms: u64) -> Self {
        Self {
            method: HttpMethod::Get,
            url: url.to_owned(),
            headers: vec![("accept".into(), "application/json".into())],
            body: None,
            max_bytes,
            timeout_ms,
        }
    }

    /// A POST of `body` to `url` with content type `content_type`, accepting JSON.
    pub fn post(
        url: &str,
        content_type: &str,
        body: Vec<u8>,
        max_bytes: usize,
        timeout_ms: u64,
    ) -> Self {
        Self {
            method: HttpMethod::Post,
            url: url.to_owned(),
            headers: vec![
                ("accept".into(), "application/json".into()),
                ("content-type".into(), content_type.to_owned()),
            ],
            body: Some(body),
            max_bytes,
            timeout_ms,
        }
    }

    /// Adds (or replaces) header `name`.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.to_owned()));
        self
    }
}

/// How a `Fetch::send` error starts when the timeout ran out (the request may have arrived).
pub const NO_ANSWER: &str = "no answer within";
/// How a `Fetch::send` error starts when the answer's body was longer than allowed.
pub const TOO_LARGE: &str = "body over";

/// Outbound HTTP.
#[async_trait(?Send)]
pub trait Fetch {
    /// Sends `request` without following redirects. Fails (a transient failure: connection
    /// refused or dropped, timeout, body too long) when there is no complete answer; after a
    /// timeout the error's text starts with `NO_ANSWER`, past `max_bytes` with `TOO_LARGE`.
    /// One deadline covers the headers and the body, and the body is read no further than
    /// `max_bytes`: a server that drips or never ends costs at most the deadline.
    async fn send(&self, request: &Outbound) -> Result<Fetched, PlatformError>;

    /// GETs `url`, accepting JSON.
    async fn get(
        &self,
        url: &str,
        max_bytes: usize,
        timeout_ms: u64,
    ) -> Result<Fetched, PlatformError> {
        self.send(&Outbound::get(url, max_bytes, timeout_ms)).await
    }
}

/// Wall-clock time.
#[async_trait(?Send)]
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// Waits `ms` milliseconds (a short pause between retries; a settable clock just moves).
    async fn sleep_ms(&self, ms: u64);
}

/// The random-number source failed: whatever needed its bytes must not go on (the request
/// fails with 503), since an unfilled buffer would make a guessable secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomError;

impl std::fmt::Display for RandomError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the random-number source failed")
    }
}

/// Cryptographically secure randomness.
pub trait Random {
    /// Fills `buf` with random bytes, or fails; on failure `buf` must not be used.
    fn fill(&self, buf: &mut [u8]) -> Result<(), RandomError>;
}

/// The Worker's secrets and variables, read by name at run time (tools that name a secret in
/// their configuration, such as channels, read it here).
pub trait Secrets {
    /// The value of secret or variable `name`, if set.
    fn get(&self, name: &str) -> Option<String>;
}

/// A SHA-256 digest or HMAC-SHA256 tag.
pub type Digest256 = [u8; 32];

/// SHA-256 and HMAC-SHA256 over request bodies, by the host's native code where it has one
/// (Workers' `crypto.subtle`): a webhook body is hashed twice per delivery, which in wasm is
/// about a tenth of the delivery's CPU. Small values (token hashes, PKCE) stay with `sha2`.
#[async_trait(?Send)]
pub trait Digests {
    /// SHA-256 of `data`.
    async fn sha256(&self, data: &[u8]) -> Result<Digest256, PlatformError>;
    /// HMAC-SHA256 of `data` under `key` (a key of any length).
    async fn hmac_sha256(&self, key: &[u8], data: &[u8]) -> Result<Digest256, PlatformError>;
}

/// Everything the host provides, borrowed for one request.
#[derive(Clone, Copy)]
pub struct Platform<'a> {
    /// Key-value storage.
    pub kv: &'a dyn Kv,
    /// Durable Objects.
    pub objects: &'a dyn Objects,
    /// The clock.
    pub clock: &'a dyn Clock,
    /// Randomness.
    pub random: &'a dyn Random,
    /// Outbound HTTP.
    pub fetch: &'a dyn Fetch,
    /// Secrets and variables.
    pub secrets: &'a dyn Secrets,
    /// Hashing of bodies.
    pub digests: &'a dyn Digests,
}
