//! The Durable Object classes' logic, by binding name. Each takes bytes and answers bytes over
//! its own SQL; `platform::workers` runs it inside workerd, `platform::native` over rusqlite.
//! Alarms follow one rule for every class: after a request, a class that wants an alarm gets
//! one if none is set, or an earlier one if it wants it sooner (never a later one); an alarm
//! run says when the next one is. `classes` declares the Workers classes over this.

#[cfg(target_arch = "wasm32")]
mod classes;

use crate::platform::{Memory, Platform, Sql};

/// The instance's memory: when its alarm is set (milliseconds since the epoch).
pub const ALARM_AT: &str = "alarm_at";

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
pub async fn alarm(
    class: &str,
    sql: &dyn Sql,
    memory: &Memory,
    platform: &Platform<'_>,
) -> Option<u64> {
    let now_ms = platform.clock.now_ms();
    match class {
        crate::channels::outbox::BINDING => {
            crate::channels::outbox::run_due(sql, platform, crate::channels::CHANNELS).await
        }
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

/// When an object of `class` wants its alarm, after a request; `None` when it needs none.
pub fn wanted_alarm(class: &str, sql: &dyn Sql, memory: &Memory, now_ms: u64) -> Option<u64> {
    match class {
        crate::channels::outbox::BINDING => crate::channels::outbox::next_wake(sql),
        crate::webhooks::store::BINDING => {
            crate::webhooks::store::retention::next_alarm(sql, memory, now_ms).unwrap_or(None)
        }
        _ => None,
    }
}

/// The alarm to set after a request, given the one `set` in storage and the time the class
/// `wanted`: none set, or set later than wanted, moves it to `wanted`; otherwise it stays.
pub fn alarm_to_set(set: Option<u64>, wanted: u64) -> Option<u64> {
    match set {
        Some(at) if at <= wanted => None,
        _ => Some(wanted),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_alarm_is_set_when_none_is_and_only_ever_moved_earlier() {
        use super::alarm_to_set;
        assert_eq!(alarm_to_set(None, 500), Some(500));
        assert_eq!(
            alarm_to_set(Some(900), 500),
            Some(500),
            "a retry due before the lease ends"
        );
        assert_eq!(
            alarm_to_set(Some(300), 500),
            None,
            "the hourly purge is not pushed back"
        );
        assert_eq!(alarm_to_set(Some(500), 500), None);
    }

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
