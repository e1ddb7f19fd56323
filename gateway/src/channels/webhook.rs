//! Generic JSON webhooks: one POST of the whole notification (never split), signed with
//! HMAC-SHA256 when a key is set, and carrying `Idempotency-Key: <notification id>` so a
//! receiver can drop a retried duplicate — the one service here where delivery can be made
//! exactly-once, by the receiver.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::message::{retry_after_header, trim_reason, Attempt, Message};
use crate::platform::{Fetched, Outbound};

/// The body: the notification as given, Markdown unrendered.
pub fn render(message: &Message) -> Vec<Value> {
    vec![json!({
        "text": message.text,
        "title": message.title,
        "link": message.link,
        "severity": message.severity,
        "fields": message.fields,
        "silent": message.silent,
    })]
}

/// `sha256=<hex of HMAC-SHA256(key, body)>`.
pub fn signature(key: &[u8], body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex = crate::hex::lower(&digest);
    format!("sha256={hex}")
}

/// The request: `body` with the notification's id and channel added.
pub fn request(
    url: &str,
    body: &Value,
    notification_id: &str,
    channel_id: &str,
    signing: Option<(&str, &[u8])>,
) -> Outbound {
    let mut body = body.clone();
    body["id"] = json!(notification_id);
    body["channel"] = json!(channel_id);
    let bytes = body.to_string().into_bytes();
    let mut request = Outbound::post(
        url,
        "application/json",
        bytes.clone(),
        super::MAX_ANSWER_BYTES,
        super::SEND_TIMEOUT_MS,
    )
    .header("idempotency-key", notification_id);
    if let Some((header, key)) = signing {
        request = request.header(header, &signature(key, &bytes));
    }
    request
}

/// Any 2xx is delivered; 408, 425, 429 and 5xx are worth retrying; other statuses are not.
pub fn classify(answer: &Fetched) -> Attempt {
    let reason = || {
        let text = String::from_utf8_lossy(&answer.body);
        match trim_reason(&text) {
            t if t.is_empty() => format!("webhook: HTTP {}", answer.status),
            t => format!("webhook: HTTP {}: {t}", answer.status),
        }
    };
    match answer.status {
        200..=299 => Attempt::Sent(None),
        408 | 425 | 429 | 500..=599 => Attempt::Transient {
            reason: reason(),
            retry_after_ms: retry_after_header(answer),
        },
        _ => Attempt::Permanent(reason()),
    }
}
