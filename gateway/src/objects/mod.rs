//! The Durable Object classes' logic, by binding name. Each takes bytes and answers bytes over
//! its own SQL; `platform::workers` runs it inside workerd, `platform::native` over rusqlite.

use crate::platform::{Memory, Sql};

/// Every Durable Object binding, as `wrangler.toml` declares them.
pub const CLASSES: [&str; 7] = [
    crate::ratelimit::BINDING,
    crate::knowledge::BINDING,
    crate::grants::BINDING,
    crate::audit::BINDING,
    crate::channels::outbox::BINDING,
    crate::webhooks::store::BINDING,
    crate::webhooks::registry::BINDING,
];

/// Answers one request to an object of `class`; `memory` is the instance's.
pub fn handle(class: &str, sql: &dyn Sql, memory: &Memory, now_ms: u64, request: &[u8]) -> Vec<u8> {
    match class {
        crate::ratelimit::BINDING => crate::ratelimit::handle(sql, memory, now_ms, request),
        crate::knowledge::BINDING => crate::knowledge::handle(sql, now_ms, request),
        crate::grants::BINDING => crate::grants::handle(sql, now_ms, request),
        crate::audit::BINDING => crate::audit::handle(sql, now_ms, request),
        crate::channels::outbox::BINDING => crate::channels::outbox::handle(sql, now_ms, request),
        crate::webhooks::store::BINDING => {
            crate::webhooks::store::handle(sql, memory, now_ms, request)
        }
        crate::webhooks::registry::BINDING => {
            crate::webhooks::registry::handle(sql, now_ms, request)
        }
        other => format!(r#"{{"error":"no object class {other}"}}"#).into_bytes(),
    }
}

/// Runs the alarm of an object of `class` and returns when it should run next. Classes
/// without an alarm never ask for one.
pub fn alarm(class: &str, sql: &dyn Sql, memory: &Memory, now_ms: u64) -> Option<u64> {
    match class {
        crate::webhooks::store::BINDING => {
            match crate::webhooks::store::retention::run(sql, memory, now_ms) {
                Ok(done) => done.next_alarm_ms,
                Err(e) => {
                    crate::log::internal("event retention", &e.0);
                    Some(now_ms + crate::webhooks::store::retention::PURGE_INTERVAL_MS)
                }
            }
        }
        _ => None,
    }
}

/// When an object of `class` that has no alarm set should get one, after a request.
pub fn wanted_alarm(class: &str, sql: &dyn Sql, memory: &Memory, now_ms: u64) -> Option<u64> {
    match class {
        crate::webhooks::store::BINDING => {
            crate::webhooks::store::retention::next_alarm(sql, memory, now_ms).unwrap_or(None)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    /// A class whose binding is missing from wrangler.toml fails only once deployed.
    #[test]
    fn wrangler_toml_binds_every_class_and_creates_them_with_sqlite() {
        let manifest = include_str!("../../../wrangler.toml");
        for binding in super::CLASSES {
            assert!(
                manifest.contains(&format!("name = \"{binding}\"")),
                "{binding} is not bound in wrangler.toml"
            );
        }
        let sqlite_lines: Vec<&str> = manifest
            .lines()
            .filter(|l| l.starts_with("new_sqlite_classes"))
            .collect();
        for class in [
            "RateLimiter",
            "KnowledgeBase",
            "GrantStore",
            "AuditLog",
            "Outbox",
            "EventStore",
            "TenantRegistry",
        ] {
            assert!(
                sqlite_lines
                    .iter()
                    .any(|l| l.contains(&format!("\"{class}\""))),
                "{class} needs a new_sqlite_classes migration"
            );
        }
        assert!(
            !manifest.contains("new_classes"),
            "Durable Objects must be created with SQLite storage"
        );
    }
}
