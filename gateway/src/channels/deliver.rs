//! Delivery: a message rendered into a service's parts (request bodies without credentials,
//! safe to store), and the parts sent in order, with short waits retried inline.

use serde_json::{json, Value};

use super::instance::{Instance, Target};
use super::message::{Attempt, Message};
use super::registry::Resolved;
use super::{discord, slack, telegram, webhook};
use crate::platform::{Clock, Fetch, NO_ANSWER};

/// The longest wait a request retries after inline; longer ones go to the outbox.
pub const INLINE_WAIT_MAX_MS: u64 = 2000;
/// Retries within one request, after the first attempt.
pub const INLINE_RETRIES: u32 = 2;
/// The pause before an inline retry when the service named none.
const DEFAULT_INLINE_WAIT_MS: u64 = 500;

/// The parts `message` becomes on `instance`'s service, in order.
pub fn render(instance: &Instance, message: &Message) -> Vec<Value> {
    match &instance.target {
        Target::Telegram { .. } => telegram::render(message)
            .into_iter()
            .map(|text| json!({"text": text, "silent": message.silent}))
            .collect(),
        Target::Discord {
            username,
            avatar_url,
            ..
        } => discord::render(message, username.as_deref(), avatar_url.as_deref()),
        Target::Slack { .. } => slack::render(message),
        Target::Webhook { .. } => webhook::render(message),
    }
}

/// Sends one part.
pub async fn send_part(
    fetch: &dyn Fetch,
    instance: &Instance,
    resolved: &Resolved,
    part: &Value,
    notification_id: &str,
) -> Attempt {
    let credential = resolved.credential.expose();
    let api_base = instance.api_base.as_deref();
    let (request, classify): (_, fn(&crate::platform::Fetched) -> Attempt) = match &instance.target
    {
        Target::Telegram { chat_id, topic_id } => (
            telegram::request(
                api_base,
                credential,
                chat_id,
                *topic_id,
                part["silent"] == json!(true),
                part["text"].as_str().unwrap_or_default(),
            ),
            telegram::classify,
        ),
        Target::Discord { thread_id, .. } => (
            discord::request(credential, api_base, thread_id.as_deref(), part),
            discord::classify,
        ),
        Target::Slack {
            channel: Some(channel),
        } => (
            slack::post_message_request(api_base, credential, channel, part),
            slack::classify,
        ),
        Target::Slack { channel: None } => {
            (slack::webhook_request(credential, part), slack::classify)
        }
        Target::Webhook {
            signature_header, ..
        } => {
            let signing = resolved
                .signing_key
                .as_ref()
                .map(|k| (signature_header.as_ref(), k.expose().as_bytes()));
            (
                webhook::request(
                    credential,
                    part,
                    notification_id,
                    &instance.channel_id(),
                    signing,
                ),
                webhook::classify,
            )
        }
    };
    match fetch.send(&request).await {
        Ok(answer) => match classify(&answer) {
            Attempt::Permanent(reason) => Attempt::Permanent(resolved.credential.redact(&reason)),
            Attempt::Transient {
                reason,
                retry_after_ms,
            } => Attempt::Transient {
                reason: resolved.credential.redact(&reason),
                retry_after_ms,
            },
            sent => sent,
        },
        // The platform's reason may quote the URL, which holds the credential: say only what kind.
        Err(e) if e.0.starts_with(NO_ANSWER) => Attempt::Unanswered(format!(
            "{}: no answer within {} s",
            instance.service().as_str(),
            super::SEND_TIMEOUT_MS / 1000
        )),
        Err(_) => Attempt::Transient {
            reason: format!("{}: could not connect", instance.service().as_str()),
            retry_after_ms: None,
        },
    }
}

/// How far a delivery got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Parts delivered so far (from the start of the message).
    pub sent: usize,
    /// The services' message ids of the parts delivered, in order.
    pub message_ids: Vec<String>,
    /// Why it stopped before the end: a permanent or transient failure. `None`: all sent.
    pub stopped: Option<Attempt>,
}

/// Sends `parts[progress.sent..]` in order; a transient failure whose wait is short is retried
/// up to `retries` times, pausing on `clock`.
#[allow(clippy::too_many_arguments)]
pub async fn deliver(
    fetch: &dyn Fetch,
    clock: &dyn Clock,
    instance: &Instance,
    resolved: &Resolved,
    parts: &[Value],
    notification_id: &str,
    mut progress: Progress,
    retries: u32,
) -> Progress {
    let mut retries_left = retries;
    while let Some(part) = parts.get(progress.sent) {
        match send_part(fetch, instance, resolved, part, notification_id).await {
            Attempt::Sent(id) => {
                progress.sent += 1;
                progress.message_ids.extend(id);
                progress.stopped = None;
            }
            Attempt::Transient { retry_after_ms, .. }
                if retries_left > 0
                    && retry_after_ms.unwrap_or(DEFAULT_INLINE_WAIT_MS) <= INLINE_WAIT_MAX_MS =>
            {
                retries_left -= 1;
                clock
                    .sleep_ms(retry_after_ms.unwrap_or(DEFAULT_INLINE_WAIT_MS))
                    .await;
            }
            stopped => {
                progress.stopped = Some(stopped);
                return progress;
            }
        }
    }
    progress
}
