//! Durable Objects in process, for native tests and benchmarks: every class of `objects`
//! over its own real SQLite database per (class, name), with the instance memory the runtime
//! keeps and may evict; and `TestHost`, the whole platform of stand-ins over one clock.

use std::cell::RefCell;
use std::collections::HashMap;

use async_trait::async_trait;

use super::Instance;
use crate::platform::native::{
    CannedFetch, ManualClock, MapSecrets, MemoryKv, OsRandom, SoftDigests, SqliteSql,
};
use crate::platform::{Clock, Memory, Objects, Platform, PlatformError};

/// Durable Objects in process: one SQLite database per (class, name), the same handler code
/// as in workerd, and the shared clock.
pub struct LocalObjects<'c> {
    clock: &'c dyn Clock,
    databases: RefCell<HashMap<(String, String), std::rc::Rc<SqliteSql>>>,
    memories: RefCell<HashMap<(String, String), std::rc::Rc<Memory>>>,
    calls: std::cell::Cell<usize>,
}

impl<'c> LocalObjects<'c> {
    /// Every class of `objects`, on `clock`.
    pub fn new(clock: &'c dyn Clock) -> Self {
        Self {
            clock,
            databases: RefCell::default(),
            memories: RefCell::default(),
            calls: std::cell::Cell::new(0),
        }
    }

    /// Evicts an object's instance, as the runtime may at any time: its memory is emptied
    /// and its next request starts from storage alone.
    pub fn evict(&self, class: &str, name: &str) {
        self.memories
            .borrow_mut()
            .remove(&(class.to_owned(), name.to_owned()));
    }

    fn memory(&self, class: &str, name: &str) -> std::rc::Rc<Memory> {
        self.memories
            .borrow_mut()
            .entry((class.to_owned(), name.to_owned()))
            .or_default()
            .clone()
    }

    fn instance<'a>(&self, db: &'a SqliteSql, memory: &'a Memory) -> Instance<'a> {
        Instance {
            sql: db,
            memory,
            now_ms: self.clock.now_ms(),
        }
    }

    /// Runs the alarm of one object, as the runtime would when it is due; returns when the
    /// next one is wanted.
    pub async fn alarm(&self, class: &str, name: &str, platform: &Platform<'_>) -> Option<u64> {
        let db = self.database(class, name);
        let memory = self.memory(class, name);
        memory.forget(super::ALARM_AT);
        super::alarm(class, self.instance(&db, &memory), platform).await
    }

    /// When one object wants its alarm, as the runtime asks after each request.
    pub fn wanted_alarm(&self, class: &str, name: &str) -> Option<u64> {
        let db = self.database(class, name);
        let memory = self.memory(class, name);
        super::wanted_alarm(class, self.instance(&db, &memory))
    }

    /// How many requests the objects have answered.
    pub fn calls(&self) -> usize {
        self.calls.get()
    }

    /// The names of the objects of `class` that exist (have been called), in order.
    pub fn names(&self, class: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .databases
            .borrow()
            .keys()
            .filter(|(c, _)| c == class)
            .map(|(_, n)| n.clone())
            .collect();
        names.sort();
        names
    }

    /// The database of one object, for tests that inspect or corrupt it.
    pub fn database(&self, class: &str, name: &str) -> std::rc::Rc<SqliteSql> {
        self.databases
            .borrow_mut()
            .entry((class.to_owned(), name.to_owned()))
            .or_default()
            .clone()
    }
}

#[async_trait(?Send)]
impl Objects for LocalObjects<'_> {
    async fn call(
        &self,
        class: &str,
        name: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, PlatformError> {
        self.calls.set(self.calls.get() + 1);
        let db = self.database(class, name);
        let memory = self.memory(class, name);
        Ok(super::handle(class, self.instance(&db, &memory), request))
    }
}

/// Every native stand-in over one clock, for a test that needs a whole `Platform`: memory KV,
/// the gateway's Durable Object classes over SQLite, canned answers and settable secrets.
pub struct TestHost<'c> {
    /// The clock everything reads.
    pub clock: &'c ManualClock,
    /// Key-value storage.
    pub kv: MemoryKv<'c>,
    /// Durable Objects.
    pub objects: LocalObjects<'c>,
    /// Outbound HTTP.
    pub fetch: CannedFetch,
    /// Secrets.
    pub secrets: MapSecrets,
}

impl<'c> TestHost<'c> {
    /// A fresh host on `clock`, with the gateway's object classes.
    pub fn new(clock: &'c ManualClock) -> Self {
        Self {
            clock,
            kv: MemoryKv::new(clock),
            objects: LocalObjects::new(clock),
            fetch: CannedFetch::default(),
            secrets: MapSecrets::default(),
        }
    }

    /// The platform over these stand-ins.
    pub fn platform(&self) -> Platform<'_> {
        Platform {
            kv: &self.kv,
            objects: &self.objects,
            clock: self.clock,
            random: &OsRandom,
            fetch: &self.fetch,
            secrets: &self.secrets,
            digests: &SoftDigests,
        }
    }
}

/// The statements `op` costs an object of its class, served twice on one fresh instance at
/// `now_ms`: what the first request ran, then what the second did (tables created once per
/// instance show up in the first only).
pub fn statements_twice<A: super::Ask>(op: impl Fn() -> A, now_ms: u64) -> [Vec<String>; 2] {
    let sql = crate::platform::native::RecordingSql::default();
    let memory = Memory::default();
    let at = Instance {
        sql: &sql,
        memory: &memory,
        now_ms,
    };
    let serve = || {
        // Served, or the statements would count a failed request.
        super::serve_in_place(at, op(), b"").expect("the object serves the request");
        sql.take()
    };
    [serve(), serve()]
}
