//! `Message`: what an agent asks to send, checked once at the edge, and `Attempt`: what one
//! request to a service came to.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Longest message text, in characters (split into several messages past a service's limit).
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Longest title.
pub const MAX_TITLE_CHARS: usize = 200;
/// Most fields.
pub const MAX_FIELDS: usize = 10;
/// Longest field name.
pub const MAX_FIELD_NAME_CHARS: usize = 100;
/// Longest field value.
pub const MAX_FIELD_VALUE_CHARS: usize = 1000;
/// Most characters of all fields together (Discord's embed holds 6,000 in all).
pub const MAX_FIELDS_TOTAL_CHARS: usize = 3000;

/// How urgent a notification is: its colour on Discord and its mark elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Neutral (blue).
    Info,
    /// Something worked (green).
    Success,
    /// Needs a look (yellow).
    Warning,
    /// Something failed (red).
    Error,
}

impl Severity {
    /// The mark shown before the title.
    pub fn emoji(self) -> &'static str {
        match self {
            Severity::Info => "ℹ️",
            Severity::Success => "✅",
            Severity::Warning => "⚠️",
            Severity::Error => "🚨",
        }
    }

    /// The word, for Slack's context line.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "Info",
            Severity::Success => "Success",
            Severity::Warning => "Warning",
            Severity::Error => "Error",
        }
    }

    /// Discord's embed colour.
    pub fn color(self) -> u32 {
        match self {
            Severity::Info => 0x3498db,
            Severity::Success => 0x2ecc71,
            Severity::Warning => 0xf1c40f,
            Severity::Error => 0xe74c3c,
        }
    }
}

/// A name/value pair shown under the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The label, e.g. `Build`.
    pub name: String,
    /// The value, e.g. `#1234`.
    pub value: String,
}

/// A notification, valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Markdown.
    pub text: String,
    /// Shown above the text.
    pub title: Option<String>,
    /// An https link the notification is about.
    pub link: Option<String>,
    /// How urgent it is.
    pub severity: Option<Severity>,
    /// Name/value pairs.
    pub fields: Vec<Field>,
    /// Deliver without a sound where the service can.
    pub silent: bool,
}

impl Message {
    /// Checks every limit; `Err` says what is valid.
    pub fn new(
        text: String,
        title: Option<String>,
        link: Option<String>,
        severity: Option<Severity>,
        fields: Vec<Field>,
        silent: bool,
    ) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Err(
                "`text` is empty — write the message (Markdown is formatted for each service)"
                    .into(),
            );
        }
        let chars = text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(format!("`text` is {chars} characters — send at most {MAX_TEXT_CHARS} (longer text is split into several messages up to that)"));
        }
        if let Some(t) = &title {
            if t.trim().is_empty()
                || t.chars().count() > MAX_TITLE_CHARS
                || t.contains(['\n', '\r'])
            {
                return Err(format!(
                    "`title` must be one line of 1 to {MAX_TITLE_CHARS} characters"
                ));
            }
        }
        if let Some(l) = &link {
            let ok = l.len() <= 2048
                && (l.starts_with("https://") || l.starts_with("http://"))
                && super::rules::split_url(l).is_ok();
            if !ok {
                return Err("`link` must be an absolute http(s) URL of at most 2048 characters, without spaces or credentials".into());
            }
        }
        if fields.len() > MAX_FIELDS {
            return Err(format!(
                "{} fields given — send at most {MAX_FIELDS}",
                fields.len()
            ));
        }
        let mut total = 0;
        for (i, f) in fields.iter().enumerate() {
            let (n, v) = (f.name.chars().count(), f.value.chars().count());
            if f.name.trim().is_empty() || n > MAX_FIELD_NAME_CHARS {
                return Err(format!(
                    "field {i}: `name` must be 1 to {MAX_FIELD_NAME_CHARS} characters"
                ));
            }
            if f.value.trim().is_empty() || v > MAX_FIELD_VALUE_CHARS {
                return Err(format!(
                    "field {i}: `value` must be 1 to {MAX_FIELD_VALUE_CHARS} characters"
                ));
            }
            total += n + v;
        }
        if total > MAX_FIELDS_TOTAL_CHARS {
            return Err(format!("the fields hold {total} characters — keep them to {MAX_FIELDS_TOTAL_CHARS} in all, and put the rest in `text`"));
        }
        Ok(Self {
            text,
            title,
            link,
            severity,
            fields,
            silent,
        })
    }
}

/// What one request to a service came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Delivered; the service's message id when it returns one.
    Sent(Option<String>),
    /// Refused for good (bad token, unknown chat or webhook): the service's reason, secret-free.
    Permanent(String),
    /// Worth retrying (429, 5xx, timeout, connection failure): why, and how long the service
    /// asked to wait.
    Transient {
        /// Why.
        reason: String,
        /// The service's `retry_after` / `Retry-After`, in milliseconds.
        retry_after_ms: Option<u64>,
    },
    /// No answer in time: the service may have posted it or not. Retried later by the outbox,
    /// never at once (a quick repeat is the likeliest way to post it twice).
    Unanswered(String),
}

/// `text` trimmed to one line of at most 200 characters, for messages quoting a service.
pub fn trim_reason(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let one_line = one_line.trim();
    let mut out: String = one_line.chars().take(200).collect();
    if out.len() < one_line.len() {
        out.push('…');
    }
    out
}

/// The `Retry-After` header (seconds), in milliseconds.
pub fn retry_after_header(answer: &crate::platform::Fetched) -> Option<u64> {
    let value = answer.header("retry-after")?.trim();
    value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| (s * 1000.0).ceil() as u64)
}
