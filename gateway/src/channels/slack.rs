//! Slack: Block Kit with mrkdwn, one section of up to 3,000 characters per message, through an
//! incoming webhook or `chat.postMessage` with a bot token. Neither is idempotent: a retry
//! after an unknown outcome may post twice. Incoming webhooks return no message id.

use serde_json::{json, Value};

use super::markdown::{self, Dialect, Style};
use super::message::{retry_after_header, trim_reason, Attempt, Message};
use super::split;
use crate::platform::{Fetched, Outbound};

/// Longest section text.
pub const SECTION_LIMIT: usize = 3000;
/// Longest header text.
const HEADER_LIMIT: usize = 150;
/// How much of the text the fallback `text` shows when there is no title.
const FALLBACK_CHARS: usize = 150;
/// The Web API's base.
pub const DEFAULT_API_BASE: &str = "https://slack.com/api";

/// Slack's mrkdwn: `&`, `<` and `>` escaped (it has no escape for `*`, `_` or `~`).
pub struct Mrkdwn;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Dialect for Mrkdwn {
    fn escape(&self, text: &str) -> String {
        escape(text)
    }

    fn marks(&self, style: Style) -> (&'static str, &'static str) {
        match style {
            Style::Bold => ("*", "*"),
            Style::Italic => ("_", "_"),
            Style::Strike => ("~", "~"),
        }
    }

    fn code(&self, code: &str) -> String {
        format!("`{}`", escape(&code.replace('`', "ˋ")))
    }

    fn link(&self, url: &str, text: &str) -> String {
        let url = url
            .replace('|', "%7C")
            .replace('<', "%3C")
            .replace('>', "%3E");
        format!("<{url}|{}>", text.replace('|', "∣"))
    }

    fn code_block(&self, _language: Option<&str>, code: &str) -> String {
        format!("```{}```", escape(&code.replace("```", "`\u{200b}``")))
    }
}

/// The message bodies for `message`, in order, without the channel (added when sending): a
/// header with the title on the first; the fields, link and severity on the last.
pub fn render(message: &Message) -> Vec<Value> {
    let blocks = markdown::render(&message.text, &Mrkdwn);
    let chunks = split::pack(&blocks, &Mrkdwn, SECTION_LIMIT);
    let count = chunks.len();
    // Slack shows `text` in notifications and reads mrkdwn in it: escaped like the blocks, so
    // an agent's `<!channel>` or `<https://evil|bank>` stays text. Cut first, so no entity is.
    let fallback = escape(&match &message.title {
        Some(t) => t.clone(),
        None => message.text.chars().take(FALLBACK_CHARS).collect(),
    });
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let mut blocks = Vec::new();
            if i == 0 {
                if let Some(title) = &message.title {
                    let mark = message.severity.map(|s| format!("{} ", s.emoji())).unwrap_or_default();
                    let header: String = format!("{mark}{title}").chars().take(HEADER_LIMIT).collect();
                    blocks.push(json!({"type": "header", "text": {"type": "plain_text", "text": header, "emoji": true}}));
                }
            }
            blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": text}}));
            if i + 1 == count {
                if !message.fields.is_empty() {
                    let fields: Vec<Value> = message
                        .fields
                        .iter()
                        .map(|f| json!({"type": "mrkdwn", "text": format!("*{}*\n{}", escape(&f.name), escape(&f.value))}))
                        .collect();
                    blocks.push(json!({"type": "section", "fields": fields}));
                }
                let mut context = Vec::new();
                if let Some(s) = message.severity {
                    context.push(json!({"type": "mrkdwn", "text": format!("{} {}", s.emoji(), s.label())}));
                }
                if let Some(l) = &message.link {
                    context.push(json!({"type": "mrkdwn", "text": Mrkdwn.link(l, &escape(l))}));
                }
                if !context.is_empty() {
                    blocks.push(json!({"type": "context", "elements": context}));
                }
            }
            let text = if count > 1 {
                format!("{fallback} ({}/{count})", i + 1)
            } else {
                fallback.clone()
            };
            json!({"text": text, "blocks": blocks, "unfurl_links": false})
        })
        .collect()
}

/// The request for one part through an incoming webhook.
pub fn webhook_request(url: &str, body: &Value) -> Outbound {
    Outbound::post(
        url,
        "application/json",
        body.to_string().into_bytes(),
        super::MAX_ANSWER_BYTES,
        super::SEND_TIMEOUT_MS,
    )
}

/// The request for one part through `chat.postMessage`.
pub fn post_message_request(
    api_base: Option<&str>,
    token: &str,
    channel: &str,
    body: &Value,
) -> Outbound {
    let base = api_base.unwrap_or(DEFAULT_API_BASE).trim_end_matches('/');
    let mut body = body.clone();
    body["channel"] = json!(channel);
    Outbound::post(
        &format!("{base}/chat.postMessage"),
        "application/json; charset=utf-8",
        body.to_string().into_bytes(),
        super::MAX_ANSWER_BYTES,
        super::SEND_TIMEOUT_MS,
    )
    .header("authorization", &format!("Bearer {token}"))
}

/// Web API errors worth retrying; every other `error` is permanent.
const TRANSIENT_ERRORS: [&str; 5] = [
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
];

/// What an answer means: the Web API's `{ok, error, ts}` or an incoming webhook's plain text.
pub fn classify(answer: &Fetched) -> Attempt {
    let text = String::from_utf8_lossy(&answer.body);
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let error = body["error"]
        .as_str()
        .map(trim_reason)
        .unwrap_or_else(|| match text.trim() {
            "" => format!("HTTP {}", answer.status),
            t => trim_reason(t),
        });
    if answer.status == 429 {
        return Attempt::Transient {
            reason: format!("Slack: {error}"),
            retry_after_ms: retry_after_header(answer),
        };
    }
    if answer.status >= 500 {
        return Attempt::Transient {
            reason: format!("Slack: {error}"),
            retry_after_ms: retry_after_header(answer),
        };
    }
    if (200..300).contains(&answer.status) {
        if body.is_object() {
            if body["ok"] == json!(true) {
                return Attempt::Sent(body["ts"].as_str().map(str::to_owned));
            }
            if TRANSIENT_ERRORS.contains(&error.as_str()) {
                return Attempt::Transient {
                    reason: format!("Slack: {error}"),
                    retry_after_ms: retry_after_header(answer),
                };
            }
            return Attempt::Permanent(format!("Slack: {error}"));
        }
        // An incoming webhook answers `ok` as text.
        return Attempt::Sent(None);
    }
    Attempt::Permanent(format!("Slack: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::message::Field;

    /// What an agent might write to ping everyone or disguise a link, in Slack's own syntax.
    const HOSTILE: [&str; 6] = [
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U024BE7LH>",
        "<!subteam^SAZ94GDB8>",
        "<https://evil.example|bank>",
    ];

    fn message(text: &str, title: Option<&str>) -> Message {
        let fields = vec![Field {
            name: "<!here>".into(),
            value: "<https://evil.example|bank>".into(),
        }];
        Message::new(
            text.into(),
            title.map(str::to_owned),
            None,
            None,
            fields,
            false,
        )
        .unwrap()
    }

    /// Every string Slack reads as mrkdwn in `body`: the fallback `text` and each block's text.
    fn mrkdwn_texts(body: &Value) -> Vec<String> {
        let mut texts = vec![body["text"].as_str().unwrap().to_owned()];
        for block in body["blocks"].as_array().unwrap() {
            if block["text"]["type"] == "mrkdwn" {
                texts.push(block["text"]["text"].as_str().unwrap().to_owned());
            }
            for part in block["fields"].as_array().into_iter().flatten() {
                texts.push(part["text"].as_str().unwrap().to_owned());
            }
        }
        texts
    }

    #[test]
    fn agent_text_never_becomes_a_mention_or_a_disguised_link() {
        let text = HOSTILE.join(" and ");
        for title in [None, Some(HOSTILE.join(" ").as_str())] {
            let bodies = render(&message(&text, title));
            assert_eq!(bodies.len(), 1);
            let texts = mrkdwn_texts(&bodies[0]);
            for shown in &texts {
                for hostile in HOSTILE {
                    assert!(
                        !shown.contains(hostile),
                        "{hostile} reaches Slack in {shown:?}"
                    );
                }
                for sequence in ["<!", "<@", "<#", "|bank>"] {
                    assert!(!shown.contains(sequence), "{sequence} in {shown:?}");
                }
            }
            // The fallback is plain text: none of Slack's `<…>` control sequences at all.
            assert!(!texts[0].contains('<'), "{}", texts[0]);
            // The fallback shows the same words, escaped as the blocks are.
            assert!(texts[0].starts_with("&lt;!"), "{}", texts[0]);
            assert!(
                texts[0].contains("&lt;https://evil.example|bank&gt;"),
                "{}",
                texts[0]
            );
        }
    }

    #[test]
    fn the_fallback_is_cut_before_it_is_escaped() {
        let text = format!("{}<!channel>", "a".repeat(145));
        let fallback = render(&message(&text, None))[0]["text"]
            .as_str()
            .unwrap()
            .to_owned();
        // 150 characters of the text, then escaped: no entity is cut in half.
        assert_eq!(fallback, format!("{}&lt;!cha", "a".repeat(145)));
    }
}
