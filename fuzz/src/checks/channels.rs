//! Markdown rendering and splitting for each service, through each service's whole `render`:
//! every part within the service's limits, and nothing an agent writes becomes markup the
//! service acts on (a tag, a mention, a disguised link).

use dovecote_gateway::channels::message::{Field, Message, Severity};
use dovecote_gateway::channels::split::measure;
use dovecote_gateway::channels::{discord, slack, telegram};
use serde_json::{json, Value};

/// A message from the input: fields separated by U+001F — text, title, link, then name/value
/// pairs. Severity and silence follow the input's length. `None` when the tool would refuse it.
fn message(data: &[u8]) -> Option<Message> {
    let text = super::text(data)?;
    let mut parts = text.split('\u{1f}');
    let body = parts.next().unwrap_or_default().to_owned();
    let title = parts.next().filter(|t| !t.is_empty()).map(str::to_owned);
    let link = parts.next().filter(|l| !l.is_empty()).map(str::to_owned);
    let rest: Vec<&str> = parts.collect();
    let fields = rest
        .chunks(2)
        .map(|pair| Field {
            name: pair[0].to_owned(),
            value: pair.get(1).copied().unwrap_or("-").to_owned(),
        })
        .collect();
    let severity = [
        None,
        Some(Severity::Info),
        Some(Severity::Success),
        Some(Severity::Warning),
        Some(Severity::Error),
    ][data.len() % 5];
    Message::new(body, title, link, severity, fields, data.len() % 2 == 1).ok()
}

/// Telegram: parts within 4,096, only the tags `Html` writes, properly nested and closed,
/// links only to http(s) or mailto, and every `&` a whole entity.
pub fn telegram(data: &[u8]) {
    let Some(message) = message(data) else {
        return;
    };
    for part in telegram::render(&message) {
        assert!(
            measure(&part) <= telegram::LIMIT,
            "{} > limit",
            measure(&part)
        );
        check_telegram_html(&part);
    }
}

fn check_telegram_html(html: &str) {
    let mut open: Vec<&str> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(['<', '&']) {
        rest = &rest[at..];
        if rest.starts_with('&') {
            let entity = ["&amp;", "&lt;", "&gt;", "&quot;", "&#x"]
                .iter()
                .any(|e| rest.starts_with(e));
            assert!(entity, "a cut or unknown entity: {:?}", head(rest));
            rest = &rest[1..];
            continue;
        }
        let end = rest
            .find('>')
            .unwrap_or_else(|| panic!("unclosed tag {:?}", head(rest)));
        let tag = &rest[1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop(), Some(name), "misnested </{name}> in {html:?}");
        } else {
            let name = tag.split(' ').next().unwrap_or_default();
            let known = match name {
                "b" | "i" | "s" | "pre" => tag == name,
                "code" => tag == "code" || tag.starts_with("code class=\"language-"),
                "a" => ["a href=\"http://", "a href=\"https://", "a href=\"mailto:"]
                    .iter()
                    .any(|p| tag.to_ascii_lowercase().starts_with(p)),
                _ => false,
            };
            assert!(known, "a tag Html does not write: <{tag}> in {html:?}");
            open.push(name);
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "unclosed {open:?} in {html:?}");
}

fn head(text: &str) -> String {
    text.chars().take(24).collect()
}

/// Discord: descriptions within 4,096 and each embed within 6,000 characters in all, and no
/// body lets Discord parse a mention.
pub fn discord(data: &[u8]) {
    let Some(message) = message(data) else {
        return;
    };
    for body in discord::render(&message, Some("Dovecote"), None) {
        assert_eq!(body["allowed_mentions"], json!({"parse": []}));
        let embed = &body["embeds"][0];
        let description = embed["description"].as_str().expect("a description");
        assert!(measure(description) <= discord::DESCRIPTION_LIMIT);
        let text = |v: &Value| v.as_str().map_or(0, measure);
        let fields: usize = embed["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| text(&f["name"]) + text(&f["value"]))
            .sum();
        let total =
            text(&embed["title"]) + measure(description) + fields + text(&embed["footer"]["text"]);
        assert!(total <= discord::EMBED_LIMIT, "an embed of {total}");
    }
}

/// Slack: sections within 3,000, and in every text Slack reads as mrkdwn — the fallback
/// `text` too — a `<` only ever opens a link to http(s) or mailto, never `<!channel>` or
/// `<@user>`; the fallback holds no `<` at all.
pub fn slack(data: &[u8]) {
    let Some(message) = message(data) else {
        return;
    };
    for body in slack::render(&message) {
        let fallback = body["text"].as_str().expect("a fallback text");
        assert!(!fallback.contains(['<', '>']), "{fallback:?}");
        for block in body["blocks"].as_array().expect("blocks") {
            match block["type"].as_str() {
                Some("header") => {
                    let header = block["text"]["text"].as_str().unwrap_or_default();
                    assert!(header.chars().count() <= 150);
                }
                Some("section") if block["text"].is_object() => {
                    let text = block["text"]["text"].as_str().expect("a section text");
                    assert!(measure(text) <= slack::SECTION_LIMIT);
                    only_links(text);
                }
                _ => {}
            }
            let parts = block["fields"].as_array().into_iter().flatten();
            for part in parts.chain(block["elements"].as_array().into_iter().flatten()) {
                only_links(part["text"].as_str().unwrap_or_default());
            }
        }
    }
}

fn only_links(mrkdwn: &str) {
    for (at, _) in mrkdwn.match_indices('<') {
        let rest = mrkdwn[at + 1..].to_ascii_lowercase();
        let link = ["http://", "https://", "mailto:"]
            .iter()
            .any(|p| rest.starts_with(p));
        assert!(link, "a control sequence: {:?}", head(&mrkdwn[at..]));
    }
}
