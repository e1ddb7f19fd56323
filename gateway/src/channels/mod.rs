//! Notification channels: Telegram, Discord, Slack and generic webhooks, declared in
//! `channels.toml` (compiled in by `channels!`) and in the `*_INSTANCES` JSON secrets.
//! A message is Markdown rendered into each service's own markup (`markdown`, one file per
//! service), split within its limits (`split`), sent (`deliver`) and, when a service cannot
//! take it now, kept and retried by the `Outbox` Durable Object (`outbox`).
//! Uses the platform seam (fetch, secrets, objects) and the audit trail; nothing of MCP.

pub mod deliver;
pub mod discord;
pub mod ids;
pub mod instance;
pub mod listing;
pub mod markdown;
pub mod message;
pub mod outbox;
pub mod registry;
pub mod rules;
pub mod secret;
pub mod slack;
pub mod split;
pub mod telegram;
pub mod webhook;

// `rules.rs` reaches the private-address guard as `super::address`, wherever it is compiled.
use crate::address;
pub use instance::{Credential, Instance, Target};

/// Largest answer read from a service.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// How long one request to a service may take before it counts as a transient failure.
pub const SEND_TIMEOUT_MS: u64 = 5_000;
/// How long the outbox retries a notification, unless `NOTIFY_EXPIRY_HOURS` says otherwise.
pub const DEFAULT_EXPIRY_HOURS: u64 = 24;
/// The variable that sets how long queued notifications are retried.
pub const EXPIRY_VAR: &str = "NOTIFY_EXPIRY_HOURS";
/// The longest expiry it may set.
const MAX_EXPIRY_HOURS: u64 = 720;

/// How long queued notifications are retried, from `NOTIFY_EXPIRY_HOURS`.
pub fn expiry_hours(secrets: &dyn crate::platform::Secrets) -> Result<u64, String> {
    match secrets.get(EXPIRY_VAR) {
        None => Ok(DEFAULT_EXPIRY_HOURS),
        Some(v) if v.trim().is_empty() => Ok(DEFAULT_EXPIRY_HOURS),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|h| (1..=MAX_EXPIRY_HOURS).contains(h))
            .ok_or_else(|| {
                format!("The gateway's {EXPIRY_VAR} is not a number of hours from 1 to {MAX_EXPIRY_HOURS}; the operator must fix it before notifications can be sent")
            }),
    }
}

crate::channels! { manifest = "../../../channels.toml" }
