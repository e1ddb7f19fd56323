//! `channels.toml`: read from TOML into typed instances and validated with the same rules the
//! gateway applies at run time (`rules.rs`, shared), every mistake with its line and its fix.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::rules::{self, Service};
use crate::manifest::{in_file_order, kind, line_of, ManifestError};

/// What a service needs beyond the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `chat_id`, `topic_id`.
    Telegram {
        /// `chat_id`.
        chat_id: String,
        /// `topic_id`.
        topic_id: Option<i64>,
    },
    /// `thread_id`, `username`, `avatar_url`.
    Discord {
        /// `thread_id`.
        thread_id: Option<String>,
        /// `username`.
        username: Option<String>,
        /// `avatar_url`.
        avatar_url: Option<String>,
    },
    /// `channel` (bot token) or none (incoming webhook).
    Slack {
        /// `channel`.
        channel: Option<String>,
    },
    /// `signing_secret`, `signature_header`.
    Webhook {
        /// `signing_secret`: a secret name.
        signing_secret: Option<String>,
        /// `signature_header`.
        signature_header: Option<String>,
    },
}

/// One `[<service>.<id>]` table, valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The instance id.
    pub id: String,
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// The name of the secret holding the token or URL.
    pub secret: String,
    /// `api_base`.
    pub api_base: Option<String>,
    /// `allow_any_host`.
    pub allow_any_host: bool,
    /// `confirm`: sending asks the person first.
    pub confirm: bool,
    /// The service's own keys.
    pub target: Target,
}

/// Keys every instance may have.
const COMMON_KEYS: [&str; 4] = ["name", "description", "allow_any_host", "confirm"];

/// The keys of `service`'s instances, besides the common ones.
fn service_keys(service: Service) -> &'static [&'static str] {
    match service {
        Service::Telegram => &["bot_token_secret", "chat_id", "topic_id", "api_base"],
        Service::Discord => &["webhook_url_secret", "thread_id", "username", "avatar_url"],
        Service::Slack => &[
            "webhook_url_secret",
            "bot_token_secret",
            "channel",
            "api_base",
        ],
        Service::Webhook => &["url_secret", "signing_secret", "signature_header"],
    }
}

/// The valid instances, by service, in file order.
pub type Instances = Vec<(Service, Declared)>;

/// Reads `source`: `Err` when it is not valid TOML; otherwise the valid instances and every
/// mistake by line.
pub fn parse(source: &str) -> Result<(Instances, Vec<ManifestError>), ManifestError> {
    let root = DeTable::parse(source).map_err(|e| {
        let problem = e.message().trim_end_matches('.');
        let fix = if problem.contains("duplicate key") {
            "an instance id is declared twice: give each [<service>.<id>] table its own id"
        } else {
            "fix the TOML syntax (each instance is one [<service>.<id>] table)"
        };
        ManifestError {
            line: line_of(source, e.span().map_or(0, |s| s.start)),
            message: format!("{problem} — {fix}"),
        }
    })?;
    let mut reader = Reader {
        source,
        errors: Vec::new(),
    };
    let mut instances = Vec::new();
    for (key, value) in in_file_order(root.get_ref()) {
        let name = &**key.get_ref();
        let Some(service) = Service::parse(name) else {
            reader.error(
                key.span(),
                format!("unknown service `{name}` — the tables are [telegram.<id>], [discord.<id>], [slack.<id>] and [webhook.<id>]"),
            );
            continue;
        };
        let DeValue::Table(table) = value.get_ref() else {
            let found = kind(value.get_ref());
            reader.error(
                value.span(),
                format!(
                    "`{name}` is {found}, not a table — write one [{name}.<id>] table per instance"
                ),
            );
            continue;
        };
        for (id_key, value) in in_file_order(table) {
            let id = id_key.get_ref().to_string();
            if let Err(problem) = rules::check_instance_id(&id) {
                reader.error(id_key.span(), problem);
                continue;
            }
            if let Some(declared) = reader.instance(service, &id, id_key.span(), value) {
                instances.push((service, declared));
            }
        }
    }
    let mut errors = reader.errors;
    errors.sort_by_key(|e| e.line);
    Ok((instances, errors))
}

/// Walks the parsed document, collecting mistakes.
struct Reader<'s> {
    source: &'s str,
    errors: Vec<ManifestError>,
}

/// The keys of one instance table, by name.
type Entries<'t, 'i> = Vec<(
    &'t Spanned<toml::de::DeString<'i>>,
    &'t Spanned<DeValue<'i>>,
)>;

impl Reader<'_> {
    fn error(&mut self, span: Range<usize>, message: String) {
        self.errors.push(ManifestError {
            line: line_of(self.source, span.start),
            message,
        });
    }

    /// One `[<service>.<id>]` table; `None` if anything in it is wrong.
    fn instance(
        &mut self,
        service: Service,
        id: &str,
        key_span: Range<usize>,
        value: &Spanned<DeValue>,
    ) -> Option<Declared> {
        let table_name = format!("{}.{id}", service.as_str());
        let DeValue::Table(table) = value.get_ref() else {
            let found = kind(value.get_ref());
            self.error(
                value.span(),
                format!(
                    "`{table_name}` is {found}, not a table — write [{table_name}] with its keys"
                ),
            );
            return None;
        };
        let before = self.errors.len();
        let entries = in_file_order(table);
        let known = service_keys(service);
        for (key, _) in &entries {
            let k = &**key.get_ref();
            if !COMMON_KEYS.contains(&k) && !known.contains(&k) {
                let all: Vec<&str> = COMMON_KEYS.iter().chain(known).copied().collect();
                self.error(
                    key.span(),
                    format!(
                        "[{table_name}] has an unknown key `{k}` — the keys are {}",
                        all.join(", ")
                    ),
                );
            }
        }
        for (key, value) in &entries {
            let k = &**key.get_ref();
            if let Some(text) = value.get_ref().as_str() {
                if !k.ends_with("_secret") {
                    if let Some(what) = rules::looks_like_secret(text) {
                        self.error(value.span(), format!("`{k}` of [{table_name}] looks like {what} written inline — secrets never go in this file: store it with `wrangler secret put NAME` and name the secret in a `…_secret` key"));
                    }
                }
            }
        }
        let name = self.line(&entries, &table_name, "name", rules::MAX_NAME_LEN);
        if name.is_none() && !has(&entries, "name") {
            self.error(
                key_span.clone(),
                format!("[{table_name}] has no `name` — add `name = \"…\"`, the name list_channels shows"),
            );
        }
        let description = self.line(
            &entries,
            &table_name,
            "description",
            rules::MAX_DESCRIPTION_LEN,
        );
        let allow_any_host = self.boolean(&entries, &table_name, "allow_any_host");
        let confirm = self.boolean(&entries, &table_name, "confirm");
        let api_base = self.string(&entries, &table_name, "api_base");
        if let Some((base, span)) = &api_base {
            if let Err(problem) = rules::check_url(base, service, allow_any_host) {
                self.error(
                    span.clone(),
                    format!("`api_base` of [{table_name}] {problem}"),
                );
            }
        }
        let secret_key = match service {
            Service::Telegram => "bot_token_secret",
            Service::Discord => "webhook_url_secret",
            Service::Webhook => "url_secret",
            Service::Slack if has(&entries, "channel") => "bot_token_secret",
            Service::Slack => "webhook_url_secret",
        };
        let secret = self.secret_name(&entries, &table_name, secret_key);
        if !has(&entries, secret_key) {
            let what = match secret_key {
                "bot_token_secret" => "the bot token",
                "url_secret" => "the webhook URL",
                _ => "the webhook URL",
            };
            self.error(
                key_span.clone(),
                format!("[{table_name}] has no `{secret_key}` — add `{secret_key} = \"NAME\"`, the Worker secret holding {what}"),
            );
        }
        let target = match service {
            Service::Telegram => {
                let chat_id = self.chat_id(&entries, &table_name);
                if !has(&entries, "chat_id") {
                    self.error(
                        key_span,
                        format!("[{table_name}] has no `chat_id` — add the chat's id, e.g. `chat_id = \"-1001234567890\"` or `\"@channelname\"`"),
                    );
                }
                Target::Telegram {
                    chat_id: chat_id.unwrap_or_default(),
                    topic_id: self.integer(&entries, &table_name, "topic_id"),
                }
            }
            Service::Discord => {
                let avatar_url = self.string(&entries, &table_name, "avatar_url");
                if let Some((url, span)) = &avatar_url {
                    if let Err(problem) = rules::check_url(url, Service::Webhook, false) {
                        self.error(
                            span.clone(),
                            format!("`avatar_url` of [{table_name}] {problem}"),
                        );
                    }
                }
                Target::Discord {
                    thread_id: self.snowflake(&entries, &table_name, "thread_id"),
                    username: self.line(&entries, &table_name, "username", 80),
                    avatar_url: avatar_url.map(|(u, _)| u),
                }
            }
            Service::Slack => {
                if has(&entries, "webhook_url_secret") && has(&entries, "channel") {
                    self.error(key_span, format!("[{table_name}] has both `webhook_url_secret` and `channel` — an incoming webhook posts to its own channel: keep `webhook_url_secret`, or use `bot_token_secret` with `channel`"));
                } else if has(&entries, "api_base") && !has(&entries, "channel") {
                    self.error(key_span, format!("[{table_name}] has `api_base` without `channel` — `api_base` is for chat.postMessage with a bot token; an incoming webhook's URL is its secret"));
                }
                Target::Slack {
                    channel: self.line(&entries, &table_name, "channel", 80),
                }
            }
            Service::Webhook => Target::Webhook {
                signing_secret: self.secret_name(&entries, &table_name, "signing_secret"),
                signature_header: self.header_name(&entries, &table_name),
            },
        };
        if self.errors.len() != before {
            return None;
        }
        Some(Declared {
            id: id.to_owned(),
            name: name?,
            description,
            secret: secret?,
            api_base: api_base.map(|(b, _)| b),
            allow_any_host,
            confirm,
            target,
        })
    }

    /// A string value, or an error if `key` holds something else.
    fn string(
        &mut self,
        entries: &Entries,
        table: &str,
        key: &str,
    ) -> Option<(String, Range<usize>)> {
        let (_, value) = entries.iter().find(|(k, _)| k.get_ref() == key)?;
        match value.get_ref() {
            DeValue::String(s) => Some((s.to_string(), value.span())),
            other => {
                let found = kind(other);
                self.error(
                    value.span(),
                    format!(
                        "`{key}` of [{table}] is {found}, not a string — write `{key} = \"…\"`"
                    ),
                );
                None
            }
        }
    }

    /// A one-line string of at most `max` characters.
    fn line(&mut self, entries: &Entries, table: &str, key: &str, max: usize) -> Option<String> {
        let (text, span) = self.string(entries, table, key)?;
        match rules::check_line(&text, max) {
            Ok(()) => Some(text),
            Err(problem) => {
                self.error(span, format!("`{key}` of [{table}] {problem}"));
                None
            }
        }
    }

    /// The name of a Worker secret.
    fn secret_name(&mut self, entries: &Entries, table: &str, key: &str) -> Option<String> {
        let (name, span) = self.string(entries, table, key)?;
        match rules::check_secret_name(&name) {
            Ok(()) => Some(name),
            Err(problem) => {
                self.error(span, format!("`{key}` of [{table}] {problem}"));
                None
            }
        }
    }

    fn boolean(&mut self, entries: &Entries, table: &str, key: &str) -> bool {
        let Some((_, value)) = entries.iter().find(|(k, _)| k.get_ref() == key) else {
            return false;
        };
        match value.get_ref() {
            DeValue::Boolean(b) => *b,
            other => {
                let found = kind(other);
                self.error(
                    value.span(),
                    format!("`{key}` of [{table}] is {found}, not a boolean — write `{key} = true` or leave it out"),
                );
                false
            }
        }
    }

    fn integer(&mut self, entries: &Entries, table: &str, key: &str) -> Option<i64> {
        let (_, value) = entries.iter().find(|(k, _)| k.get_ref() == key)?;
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => i.as_str().parse::<i64>().ok().filter(|n| *n > 0),
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                value.span(),
                format!("`{key}` of [{table}] is not a positive integer — write e.g. `{key} = 42`"),
            );
        }
        parsed
    }

    /// Telegram's `chat_id`: an integer (as a number or a string) or `@username`.
    fn chat_id(&mut self, entries: &Entries, table: &str) -> Option<String> {
        let (_, value) = entries.iter().find(|(k, _)| k.get_ref() == "chat_id")?;
        let text = match value.get_ref() {
            DeValue::Integer(i) => i.as_str().to_owned(),
            DeValue::String(s) => s.to_string(),
            _ => String::new(),
        };
        if rules::valid_chat_id(&text) {
            return Some(text);
        }
        self.error(value.span(), format!("`chat_id` of [{table}] is not a Telegram chat id — write a number such as `\"-1001234567890\"` or a channel's `\"@username\"`"));
        None
    }

    /// A Discord id (digits), written as a string.
    fn snowflake(&mut self, entries: &Entries, table: &str, key: &str) -> Option<String> {
        let (text, span) = self.string(entries, table, key)?;
        if (1..=20).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
            return Some(text);
        }
        self.error(
            span,
            format!("`{key}` of [{table}] is not a Discord id — write its digits, e.g. `{key} = \"1234567890123456789\"`"),
        );
        None
    }

    /// An HTTP header name for a webhook's signature.
    fn header_name(&mut self, entries: &Entries, table: &str) -> Option<String> {
        let (text, span) = self.string(entries, table, "signature_header")?;
        let valid = (1..=64).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if valid {
            return Some(text.to_ascii_lowercase());
        }
        self.error(
            span,
            format!("`signature_header` of [{table}] is not a header name — use letters, digits and `-`, e.g. `X-Signature`"),
        );
        None
    }
}

/// Whether `key` is written in the table.
fn has(entries: &Entries, key: &str) -> bool {
    entries.iter().any(|(k, _)| k.get_ref() == key)
}
