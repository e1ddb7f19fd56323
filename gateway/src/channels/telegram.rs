//! Telegram Bot API: `sendMessage` with `parse_mode: HTML`, split at 4,096 characters.
//! Not idempotent: the API has no request key, so a retry after an unknown outcome (a timeout)
//! may post a message twice.

use serde_json::{json, Value};

use super::markdown::{self, Block, Dialect, Style};
use super::message::{retry_after_header, trim_reason, Attempt, Message};
use super::split;
use crate::platform::{Fetched, Outbound};
use crate::web::html::escape;

/// Longest message text.
pub const LIMIT: usize = 4096;
/// The Bot API's origin.
pub const DEFAULT_API_BASE: &str = "https://api.telegram.org";

/// Telegram's HTML: text escaped as for any HTML page (Telegram reads `&lt;`, `&gt;`, `&amp;`,
/// `&quot;` and numeric entities); the tags it documents.
pub struct Html;

impl Dialect for Html {
    fn escape(&self, text: &str) -> String {
        escape(text)
    }

    fn marks(&self, style: Style) -> (&'static str, &'static str) {
        match style {
            Style::Bold => ("<b>", "</b>"),
            Style::Italic => ("<i>", "</i>"),
            Style::Strike => ("<s>", "</s>"),
        }
    }

    fn code(&self, code: &str) -> String {
        format!("<code>{}</code>", escape(code))
    }

    fn link(&self, url: &str, text: &str) -> String {
        format!("<a href=\"{}\">{text}</a>", escape(url))
    }

    fn code_block(&self, language: Option<&str>, code: &str) -> String {
        match language {
            Some(l) => format!(
                "<pre><code class=\"language-{l}\">{}</code></pre>",
                escape(code)
            ),
            None => format!("<pre>{}</pre>", escape(code)),
        }
    }

    fn quote_prefix(&self) -> &'static str {
        "┃ "
    }
}

/// The `sendMessage` bodies for `message`, in order, without the chat (added when sending).
pub fn render(message: &Message) -> Vec<String> {
    let mut blocks = Vec::new();
    let mark = message.severity.map(|s| s.emoji());
    match (&message.title, mark) {
        (Some(title), mark) => {
            let mark = mark.map(|m| format!("{m} ")).unwrap_or_default();
            blocks.push(Block::Lines(vec![format!(
                "{mark}<b>{}</b>",
                escape(title)
            )]));
        }
        (None, Some(mark)) => blocks.push(Block::Lines(vec![mark.to_owned()])),
        (None, None) => {}
    }
    blocks.extend(markdown::render(&message.text, &Html));
    if !message.fields.is_empty() {
        let lines = message
            .fields
            .iter()
            .map(|f| format!("<b>{}:</b> {}", escape(&f.name), escape(&f.value)))
            .collect();
        blocks.push(Block::Lines(lines));
    }
    if let Some(link) = &message.link {
        blocks.push(Block::Lines(vec![Html.link(link, &escape(link))]));
    }
    split::pack(&blocks, &Html, LIMIT)
}

/// The request for one part.
pub fn request(
    api_base: Option<&str>,
    token: &str,
    chat_id: &str,
    topic_id: Option<i64>,
    silent: bool,
    text: &str,
) -> Outbound {
    let base = api_base.unwrap_or(DEFAULT_API_BASE).trim_end_matches('/');
    let chat: Value = chat_id
        .parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(chat_id));
    let mut body = json!({
        "chat_id": chat,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": true},
    });
    if let Some(topic) = topic_id {
        body["message_thread_id"] = json!(topic);
    }
    if silent {
        body["disable_notification"] = json!(true);
    }
    Outbound::post(
        &format!("{base}/bot{token}/sendMessage"),
        "application/json",
        body.to_string().into_bytes(),
        super::MAX_ANSWER_BYTES,
        super::SEND_TIMEOUT_MS,
    )
}

/// What an answer from `sendMessage` means.
pub fn classify(answer: &Fetched) -> Attempt {
    let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    let description = body["description"]
        .as_str()
        .map(trim_reason)
        .unwrap_or_else(|| format!("HTTP {}", answer.status));
    if (200..300).contains(&answer.status) && body["ok"] == json!(true) {
        let id = body["result"]["message_id"].as_i64().map(|i| i.to_string());
        return Attempt::Sent(id);
    }
    if answer.status == 429 {
        let retry = body["parameters"]["retry_after"]
            .as_u64()
            .map(|s| s * 1000)
            .or_else(|| retry_after_header(answer));
        return Attempt::Transient {
            reason: format!("Telegram: {description}"),
            retry_after_ms: retry,
        };
    }
    if answer.status >= 500 || (200..300).contains(&answer.status) {
        // A 2xx without `ok: true` is not what the API documents: treat as an outage.
        return Attempt::Transient {
            reason: format!("Telegram: {description}"),
            retry_after_ms: None,
        };
    }
    Attempt::Permanent(format!("Telegram: {description}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::message::Field;

    /// The tags `Html` writes; anything else starting with `<` came from the agent.
    const OUR_TAGS: [&str; 11] = [
        "<b>", "</b>", "<i>", "</i>", "<s>", "</s>", "<code>", "</code>", "<pre>", "</pre>", "</a>",
    ];

    #[test]
    fn agent_text_never_becomes_a_mention_a_tag_or_a_disguised_link() {
        let hostile = "<a href=\"tg://user?id=93372553\">@admin</a> <a href=\"https://evil.example\">bank</a> \
                       <https://evil.example|bank> <!channel> @everyone <tg-spoiler>x</tg-spoiler>";
        let message = Message::new(
            hostile.into(),
            Some("<a href=\"https://evil.example\">bank</a>".into()),
            Some("https://ci.example/run/1".into()),
            None,
            vec![Field {
                name: "<b>who</b>".into(),
                value: "<a href=\"tg://user?id=1\">x</a>".into(),
            }],
            false,
        )
        .unwrap();
        let parts = render(&message);
        assert_eq!(parts.len(), 1);
        let text = &parts[0];
        assert!(!text.contains("<a href=\"tg:"), "{text}");
        // Slack's link syntax is an autolink in Markdown: its label is the whole target.
        assert!(
            text.contains("<a href=\"https://evil.example|bank\">https://evil.example|bank</a>")
        );
        assert!(!text.contains("<tg-spoiler>"), "{text}");
        assert!(text.contains("&lt;a href=&quot;https://evil.example&quot;&gt;bank&lt;/a&gt;"));
        for (at, _) in text.match_indices('<') {
            let rest = &text[at..];
            let ours = OUR_TAGS.iter().any(|t| rest.starts_with(t))
                || rest.starts_with("<a href=\"https://");
            assert!(
                ours,
                "a tag from the agent: {:?}",
                &rest[..rest.len().min(40)]
            );
        }
        // Links never unfold into a preview card an agent chose.
        let request = request(None, "1:x", "-100", None, false, text);
        let body: Value = serde_json::from_slice(request.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["link_preview_options"]["is_disabled"], true);
        assert_eq!(body["parse_mode"], "HTML");
    }
}
