//! Discord webhooks: one embed per message (description up to 4,096 characters, 6,000 per
//! embed in all), colour from severity, `?wait=true` so the answer carries the message id.
//! Not idempotent: webhooks take no nonce, so a retry after an unknown outcome may post twice.

use serde_json::{json, Value};

use super::markdown::{self, Dialect, Style};
use super::message::{retry_after_header, trim_reason, Attempt, Message};
use super::split::{self, measure};
use crate::platform::{Fetched, Outbound};

/// Longest embed description.
pub const DESCRIPTION_LIMIT: usize = 4096;
/// Most characters in one embed (title, description, fields, footer).
pub const EMBED_LIMIT: usize = 6000;
/// Longest embed title.
pub const TITLE_LIMIT: usize = 256;
/// `SUPPRESS_NOTIFICATIONS`.
const SILENT_FLAG: u32 = 1 << 12;

/// Discord's Markdown, with its special characters backslash-escaped.
pub struct DiscordMarkdown;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '<' | '#' | '[' | ']' | '@'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `url` with the characters that would end a Markdown link target percent-encoded.
fn link_target(url: &str) -> String {
    url.replace('(', "%28")
        .replace(')', "%29")
        .replace(' ', "%20")
}

impl Dialect for DiscordMarkdown {
    fn escape(&self, text: &str) -> String {
        escape(text)
    }

    fn marks(&self, style: Style) -> (&'static str, &'static str) {
        match style {
            Style::Bold => ("**", "**"),
            Style::Italic => ("*", "*"),
            Style::Strike => ("~~", "~~"),
        }
    }

    fn code(&self, code: &str) -> String {
        let code = code.replace('`', "ˋ");
        format!("`{code}`")
    }

    fn link(&self, url: &str, text: &str) -> String {
        format!("[{text}]({})", link_target(url))
    }

    fn code_block(&self, language: Option<&str>, code: &str) -> String {
        let code = code.replace("```", "`\u{200b}``");
        format!("```{}\n{code}\n```", language.unwrap_or(""))
    }
}

/// The webhook bodies for `message`, in order: the title on the first, the fields and
/// link-bearing footer on the last.
pub fn render(message: &Message, username: Option<&str>, avatar_url: Option<&str>) -> Vec<Value> {
    let title: Option<String> = message.title.as_ref().map(|t| {
        let mark = message
            .severity
            .map(|s| format!("{} ", s.emoji()))
            .unwrap_or_default();
        format!("{mark}{t}").chars().take(TITLE_LIMIT).collect()
    });
    let fields: Vec<Value> = message
        .fields
        .iter()
        .map(|f| json!({"name": f.name, "value": f.value, "inline": f.value.chars().count() <= 40}))
        .collect();
    let fields_len: usize = message
        .fields
        .iter()
        .map(|f| measure(&f.name) + measure(&f.value))
        .sum();
    let title_len = title.as_deref().map_or(0, measure);
    let limit = DESCRIPTION_LIMIT.min(EMBED_LIMIT.saturating_sub(title_len + fields_len + 16));
    let blocks = markdown::render(&message.text, &DiscordMarkdown);
    let chunks = split::pack(&blocks, &DiscordMarkdown, limit);
    let count = chunks.len();
    let color = message
        .severity
        .map_or(super::message::Severity::Info.color(), |s| s.color());
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, description)| {
            let mut embed = json!({"description": description, "color": color});
            if i == 0 {
                if let Some(t) = &title {
                    embed["title"] = json!(t);
                }
                if let Some(l) = &message.link {
                    embed["url"] = json!(l);
                }
            }
            if i + 1 == count && !fields.is_empty() {
                embed["fields"] = json!(fields);
            }
            if count > 1 {
                embed["footer"] = json!({"text": format!("{}/{}", i + 1, count)});
            }
            let mut body = json!({
                "embeds": [embed],
                // Never ping @everyone, roles or users from an agent's text.
                "allowed_mentions": {"parse": []},
            });
            if let Some(u) = username {
                body["username"] = json!(u);
            }
            if let Some(a) = avatar_url {
                body["avatar_url"] = json!(a);
            }
            if message.silent {
                body["flags"] = json!(SILENT_FLAG);
            }
            body
        })
        .collect()
}

/// The request for one part: the webhook URL (its origin replaced by `api_base` when set) with
/// `?wait=true` and the thread.
pub fn request(
    webhook_url: &str,
    api_base: Option<&str>,
    thread_id: Option<&str>,
    body: &Value,
) -> Outbound {
    let mut url = match (api_base, super::rules::split_url(webhook_url)) {
        (Some(base), Ok(parts)) => format!("{}{}", base.trim_end_matches('/'), parts.rest),
        _ => webhook_url.to_owned(),
    };
    url.push(if url.contains('?') { '&' } else { '?' });
    url.push_str("wait=true");
    if let Some(thread) = thread_id {
        url.push_str("&thread_id=");
        url.push_str(thread);
    }
    Outbound::post(
        &url,
        "application/json",
        body.to_string().into_bytes(),
        super::MAX_ANSWER_BYTES,
        super::SEND_TIMEOUT_MS,
    )
}

/// What a webhook's answer means.
pub fn classify(answer: &Fetched) -> Attempt {
    let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    let message = body["message"]
        .as_str()
        .map(trim_reason)
        .unwrap_or_else(|| format!("HTTP {}", answer.status));
    match answer.status {
        200..=299 => Attempt::Sent(body["id"].as_str().map(str::to_owned)),
        429 => Attempt::Transient {
            reason: format!("Discord: {message}"),
            retry_after_ms: body["retry_after"]
                .as_f64()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| (s * 1000.0).ceil() as u64)
                .or_else(|| retry_after_header(answer)),
        },
        500..=599 => Attempt::Transient {
            reason: format!("Discord: {message}"),
            retry_after_ms: retry_after_header(answer),
        },
        _ => Attempt::Permanent(format!("Discord: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::message::Field;

    #[test]
    fn agent_text_never_pings_anyone() {
        let hostile =
            "@everyone @here <@80351110224678912> <@!80351110224678912> <@&165511591545143296> \
                       <#222197033908436994> <!channel> <https://evil.example|bank>";
        let message = Message::new(
            hostile.into(),
            Some("@everyone look".into()),
            None,
            None,
            vec![Field {
                name: "@here".into(),
                value: "<@&165511591545143296>".into(),
            }],
            false,
        )
        .unwrap();
        let bodies = render(&message, Some("@everyone"), None);
        assert_eq!(bodies.len(), 1);
        let body = &bodies[0];
        // Discord itself parses no mention from any part of the message (title, fields,
        // username included): the list of kinds it may ping is empty.
        assert_eq!(body["allowed_mentions"], json!({"parse": []}));
        let description = body["embeds"][0]["description"].as_str().unwrap();
        // And the text shows the characters instead of mention syntax.
        for (at, c) in description.char_indices() {
            if matches!(c, '@' | '<' | '#') {
                assert_eq!(
                    &description[at - 1..at],
                    "\\",
                    "unescaped {c} in {description}"
                );
            }
        }
        assert!(description.starts_with("\\@everyone \\@here \\<\\@80351110224678912\\>"));
    }
}
