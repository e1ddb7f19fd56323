//! The Durable Object classes' logic, by binding name. Each takes bytes and answers bytes over
//! its own SQL; `platform::workers` runs it inside workerd, `platform::native` over rusqlite.

use crate::platform::Sql;

/// Every Durable Object binding, as `wrangler.toml` declares them.
pub const CLASSES: [&str; 3] = [
    crate::ratelimit::BINDING,
    crate::knowledge::BINDING,
    crate::grants::BINDING,
];

/// Answers one request to an object of `class`.
pub fn handle(class: &str, sql: &dyn Sql, now_ms: u64, request: &[u8]) -> Vec<u8> {
    match class {
        crate::ratelimit::BINDING => crate::ratelimit::handle(sql, now_ms, request),
        crate::knowledge::BINDING => crate::knowledge::handle(sql, now_ms, request),
        crate::grants::BINDING => crate::grants::handle(sql, now_ms, request),
        other => format!(r#"{{"error":"no object class {other}"}}"#).into_bytes(),
    }
}
