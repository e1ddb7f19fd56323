//! The Durable Objects: one protocol (`protocol`: the `ObjectClass` trait a class implements,
//! the `Ask` trait of each operation, the typed call `ask`) and the list of classes, declared
//! once below. Each class's logic lives with its part (`grants`, `webhooks::store`, …) and runs
//! the same inside workerd (`classes`, wasm only) and natively over rusqlite (`host`, for
//! tests). Alarms follow one rule for every class: after a request, a class that wants an
//! alarm gets one if none is set, or an earlier one if it wants it sooner (never a later one);
//! an alarm run says when the next one is.

#[cfg(target_arch = "wasm32")]
mod classes;
pub mod follow;
#[cfg(not(target_arch = "wasm32"))]
pub mod host;
pub mod hourly;
mod protocol;
pub mod tagged;

pub(crate) use protocol::operations;
pub use protocol::{
    ask, ask_with, serve, serve_in_place, Answer, Ask, Instance, ObjectClass, ObjectError,
    ObjectErrorKind, ObjectRequest, DONE,
};

use crate::platform::Platform;

/// The instance's memory: when its alarm is set (milliseconds since the epoch).
pub const ALARM_AT: &str = "alarm_at";

/// A class as `wrangler.toml` knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Class {
    /// The class name, as migrated (it never changes).
    pub name: &'static str,
    /// The binding that reaches it.
    pub binding: &'static str,
}

/// Declares every class once: its doc, its Workers name and the type implementing it. From
/// this list come `CLASSES`, the dispatch by binding (`handle`, `alarm`, `wanted_alarm`) and,
/// in wasm, the `#[durable_object]` classes themselves.
macro_rules! classes {
    ($($(#[$doc:meta])* $name:ident = $class:path;)*) => {
        /// Every Durable Object class, as `wrangler.toml` binds and migrates them.
        pub const CLASSES: &[Class] = &[$(Class {
            name: stringify!($name),
            binding: <$class as ObjectClass>::BINDING,
        }),*];

        /// Answers one request to an instance of the class bound as `binding`.
        pub fn handle(binding: &str, at: Instance<'_>, request: &[u8]) -> Vec<u8> {
            $(if binding == <$class as ObjectClass>::BINDING {
                return serve::<$class>(at, request);
            })*
            Answer::failed(format_args!("no object class is bound as {binding}")).into_bytes()
        }

        /// Runs the alarm of an instance of the class bound as `binding`; says when the next
        /// one is.
        pub async fn alarm(
            binding: &str,
            at: Instance<'_>,
            platform: &Platform<'_>,
        ) -> Option<u64> {
            $(if binding == <$class as ObjectClass>::BINDING {
                return <$class as ObjectClass>::alarm(at, platform).await;
            })*
            None
        }

        /// When an instance of the class bound as `binding` wants its alarm, after a request.
        pub fn wanted_alarm(binding: &str, at: Instance<'_>) -> Option<u64> {
            $(if binding == <$class as ObjectClass>::BINDING {
                return <$class as ObjectClass>::wanted_alarm(at);
            })*
            None
        }

        /// The classes as workerd exports them (private: only the runtime names them).
        #[cfg(target_arch = "wasm32")]
        mod exported {
            super::classes::declare! { $($(#[$doc])* $name = $class;)* }
        }
    };
}

classes! {
    /// Per-channel notification outbox (`OUTBOX`); its alarm retries what is due.
    Outbox = crate::channels::outbox::Outbox;
    /// Webhook events of one tenant (`EVENT_STORE`), purged by its alarm.
    EventStore = crate::webhooks::store::EventStore;
    /// GitHub App installations and their accounts (`TENANT_REGISTRY`), one instance.
    TenantRegistry = crate::webhooks::registry::TenantRegistry;
    /// Per-caller rate-limit counters (`RATE_LIMITER`).
    RateLimiter = crate::ratelimit::RateLimiter;
    /// Per-caller knowledge base of the example tools (`KNOWLEDGE_BASE`).
    KnowledgeBase = crate::knowledge::KnowledgeBase;
    /// OAuth grants, one object per grant (`GRANTS`).
    GrantStore = crate::grants::GrantStore;
    /// The audit trail (`AUDIT_LOG`), one instance.
    AuditLog = crate::audit::AuditLog;
    /// One MCP session of the 2025 generation or the legacy SSE transport (`MCP_SESSIONS`).
    McpSession = crate::sessions::McpSession;
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

    #[test]
    fn a_binding_with_no_class_is_answered_as_failed() {
        let sql = crate::platform::native::SqliteSql::open();
        let memory = crate::platform::Memory::default();
        let at = super::Instance {
            sql: &sql,
            memory: &memory,
            now_ms: 0,
        };
        let answer = super::handle("NOPE", at, b"{}");
        assert_eq!(answer, b"!no object class is bound as NOPE");
    }

    /// A class whose binding is missing from wrangler.toml fails only once deployed.
    #[test]
    fn wrangler_toml_binds_every_class_and_creates_them_with_sqlite() {
        let manifest = include_str!("../../../wrangler.toml");
        for class in super::CLASSES {
            let binding = class.binding;
            assert!(
                manifest.contains(&format!(
                    "{{ name = \"{binding}\", class_name = \"{}\" }}",
                    class.name
                )),
                "{binding} is not bound to class {} in wrangler.toml",
                class.name
            );
        }
        let sqlite_lines: Vec<&str> = manifest
            .lines()
            .filter(|l| l.starts_with("new_sqlite_classes"))
            .collect();
        for class in super::CLASSES.iter().map(|c| c.name) {
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
