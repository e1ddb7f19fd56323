//! The channels a request can use: `channels.toml`'s instances merged with those of the
//! `TELEGRAM_INSTANCES`, `DISCORD_INSTANCES`, `SLACK_INSTANCES` and `WEBHOOK_INSTANCES` JSON
//! secrets (dovecote's format), each resolved against the Worker's secrets. A bad secret or
//! entry is reported and skipped; it never hides the other channels.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::instance::{Credential, Instance, Target, Text, DEFAULT_SIGNATURE_HEADER};
use super::rules::{self, Service};
use super::secret::SecretValue;
use crate::platform::Secrets;

/// The JSON-array secret of `service`.
pub fn instances_secret(service: Service) -> &'static str {
    match service {
        Service::Telegram => "TELEGRAM_INSTANCES",
        Service::Discord => "DISCORD_INSTANCES",
        Service::Slack => "SLACK_INSTANCES",
        Service::Webhook => "WEBHOOK_INSTANCES",
    }
}

/// Where a channel was declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `channels.toml`.
    File,
    /// A `*_INSTANCES` secret.
    Secret(&'static str),
}

/// A channel and where it came from.
#[derive(Debug, Clone)]
pub struct Channel {
    /// The instance.
    pub instance: Instance,
    /// Its declaration.
    pub source: Source,
}

/// Every channel, and what was wrong with the run-time declarations.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    /// File channels first, then each secret's, in order.
    pub channels: Vec<Channel>,
    /// Secret-free sentences about skipped entries and conflicts.
    pub problems: Vec<String>,
}

impl Registry {
    /// Merges `file` with the JSON secrets.
    pub fn load(file: &[Instance], secrets: &dyn Secrets) -> Self {
        let mut registry = Registry {
            channels: file
                .iter()
                .map(|i| Channel {
                    instance: i.clone(),
                    source: Source::File,
                })
                .collect(),
            problems: Vec::new(),
        };
        for service in Service::ALL {
            let name = instances_secret(service);
            let Some(json) = secrets.get(name).filter(|j| !j.trim().is_empty()) else {
                continue;
            };
            match parse_instances(service, &json) {
                Ok(instances) => {
                    for instance in instances {
                        let id = instance.channel_id();
                        if registry.find(&id).is_some() {
                            registry.problems.push(format!(
                                "{name}: `{id}` is also declared in channels.toml, which wins — rename one of them"
                            ));
                            continue;
                        }
                        registry.channels.push(Channel {
                            instance,
                            source: Source::Secret(name),
                        });
                    }
                }
                Err(problem) => registry.problems.push(format!("{name}: {problem}")),
            }
        }
        registry
    }

    /// The channel with id `<service>-<id>`.
    pub fn find(&self, channel_id: &str) -> Option<&Channel> {
        self.channels
            .iter()
            .find(|c| c.instance.channel_id() == channel_id)
    }

    /// Every channel id, for messages that say what is valid.
    pub fn ids(&self) -> Vec<String> {
        self.channels
            .iter()
            .map(|c| c.instance.channel_id())
            .collect()
    }
}

/// What a delivery needs at run time: the credential's value, checked.
pub struct Resolved {
    /// The bot token or webhook URL.
    pub credential: SecretValue,
    /// A generic webhook's signing key.
    pub signing_key: Option<SecretValue>,
}

/// Looks up `instance`'s secrets. `Err` says, without the value, why it cannot deliver.
pub fn resolve(instance: &Instance, secrets: &dyn Secrets) -> Result<Resolved, String> {
    let credential = read(&instance.credential, secrets)?;
    check_credential(instance, credential.expose()).map_err(|problem| {
        match &instance.credential {
            Credential::Secret(name) => format!("the Worker secret `{name}` {problem}"),
            Credential::Inline(_) => format!("its credential {problem}"),
        }
    })?;
    let signing_key = match &instance.target {
        Target::Webhook {
            signing_secret: Some(c),
            ..
        } => Some(read(c, secrets)?),
        _ => None,
    };
    Ok(Resolved {
        credential,
        signing_key,
    })
}

fn read(credential: &Credential, secrets: &dyn Secrets) -> Result<SecretValue, String> {
    match credential {
        Credential::Inline(v) => Ok(SecretValue::new(v.to_string())),
        Credential::Secret(name) => secrets
            .get(name)
            .filter(|v| !v.trim().is_empty())
            .map(|v| SecretValue::new(v.trim().to_owned()))
            .ok_or_else(|| {
                format!("the Worker secret `{name}` is not set — run `npx wrangler secret put {name}` (or add it to .dev.vars)")
            }),
    }
}

/// The credential's shape: a token that goes into a URL path must be only token characters;
/// a URL must be on the service's hosts.
fn check_credential(instance: &Instance, value: &str) -> Result<(), String> {
    let service = instance.service();
    let any = instance.allow_any_host;
    match &instance.target {
        Target::Telegram { .. } => {
            let valid = value.split_once(':').is_some_and(|(bot, secret)| {
                !bot.is_empty()
                    && bot.bytes().all(|b| b.is_ascii_digit())
                    && !secret.is_empty()
                    && secret
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            });
            valid.then_some(()).ok_or_else(|| {
                "is not a Telegram bot token (`<digits>:<letters, digits, _ and ->`, as BotFather gives it)".into()
            })
        }
        Target::Slack { channel: Some(_) } => {
            let valid = value.starts_with("xox")
                && value.len() <= 256
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-');
            valid
                .then_some(())
                .ok_or_else(|| "is not a Slack bot token (`xoxb-…`)".into())
        }
        Target::Discord { .. } | Target::Slack { channel: None } | Target::Webhook { .. } => {
            rules::check_url(value, service, any).map_err(|p| format!("holds a URL that {p}"))?;
            let path = rules::split_url(value).map(|u| u.rest).unwrap_or_default();
            let expected = match &instance.target {
                Target::Discord { .. } => Some((
                    "/api/webhooks/",
                    "https://discord.com/api/webhooks/<id>/<token>",
                )),
                Target::Slack { .. } => Some(("/services/", "https://hooks.slack.com/services/…")),
                _ => None,
            };
            match expected {
                Some((prefix, example)) if !path.starts_with(prefix) => Err(format!(
                    "is not a {} webhook URL — copy it as the service shows it: {example}",
                    service.as_str()
                )),
                _ => Ok(()),
            }
        }
    }
}

/// Parses one `*_INSTANCES` secret. `Err` rejects the whole list (as dovecote does for a
/// duplicate id), naming the entry and the key but never a value.
pub fn parse_instances(service: Service, json: &str) -> Result<Vec<Instance>, String> {
    let value: Value = serde_json::from_str(json).map_err(|e| {
        format!(
            "is not JSON (line {}, column {}) — write a JSON array of instances",
            e.line(),
            e.column()
        )
    })?;
    let Value::Array(items) = value else {
        return Err("is not a JSON array — write `[{\"id\": \"default\", …}]`".into());
    };
    let mut instances: Vec<Instance> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Value::Object(map) = item else {
            return Err(format!("entry {index} is not an object"));
        };
        let instance = parse_instance(service, map).map_err(|p| format!("entry {index}: {p}"))?;
        if instances.iter().any(|i| i.id == instance.id) {
            return Err(format!(
                "entry {index}: id `{}` is given twice — ids must be unique",
                instance.id
            ));
        }
        instances.push(instance);
    }
    Ok(instances)
}

/// The keys an entry of `service`'s secret may have.
fn json_keys(service: Service) -> &'static [&'static str] {
    match service {
        Service::Telegram => &["botToken", "chatId", "topicId", "apiBase"],
        Service::Discord => &["webhookUrl", "threadId", "username", "avatarUrl"],
        Service::Slack => &["webhookUrl", "botToken", "channel", "apiBase"],
        Service::Webhook => &["url", "signingSecret", "signatureHeader"],
    }
}

fn parse_instance(service: Service, map: &Map<String, Value>) -> Result<Instance, String> {
    const COMMON: [&str; 5] = ["id", "name", "description", "allowAnyHost", "confirm"];
    let known = json_keys(service);
    if let Some(k) = map
        .keys()
        .find(|k| !COMMON.contains(&k.as_str()) && !known.contains(&k.as_str()))
    {
        let all: Vec<&str> = COMMON.iter().chain(known).copied().collect();
        return Err(format!(
            "unknown key `{}` — the keys are {}",
            k.chars().take(40).collect::<String>(),
            all.join(", ")
        ));
    }
    let id = string(map, "id")?
        .ok_or("has no `id`")?
        .to_ascii_lowercase();
    rules::check_instance_id(&id)?;
    let label = match service {
        Service::Telegram => "Telegram",
        Service::Discord => "Discord",
        Service::Slack => "Slack",
        Service::Webhook => "Webhook",
    };
    let name = match string(map, "name")? {
        Some(n) => {
            rules::check_line(&n, rules::MAX_NAME_LEN).map_err(|p| format!("`name` {p}"))?;
            n
        }
        None => format!("{label} ({id})"),
    };
    let description = string(map, "description")?;
    if let Some(d) = &description {
        rules::check_line(d, rules::MAX_DESCRIPTION_LEN)
            .map_err(|p| format!("`description` {p}"))?;
    }
    let allow_any_host = match map.get("allowAnyHost") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("`allowAnyHost` is not a boolean".into()),
    };
    let confirm = match map.get("confirm") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("`confirm` is not a boolean".into()),
    };
    let api_base = string(map, "apiBase")?;
    if let Some(base) = &api_base {
        rules::check_url(base, service, allow_any_host).map_err(|p| format!("`apiBase` {p}"))?;
    }
    let required = |key: &str| -> Result<String, String> {
        string(map, key)?.ok_or_else(|| format!("has no `{key}`"))
    };
    let (credential, target) = match service {
        Service::Telegram => {
            let chat_id = match map.get("chatId") {
                Some(Value::Number(n)) if n.is_i64() => n.to_string(),
                Some(Value::String(s)) => s.clone(),
                Some(_) => return Err("`chatId` is not a number or string".into()),
                None => return Err("has no `chatId`".into()),
            };
            if !rules::valid_chat_id(&chat_id) {
                return Err("`chatId` is not a Telegram chat id (a number or `@username`)".into());
            }
            let topic_id = match map.get("topicId") {
                None => None,
                Some(Value::Number(n)) if n.as_i64().is_some_and(|t| t > 0) => n.as_i64(),
                Some(_) => return Err("`topicId` is not a positive integer".into()),
            };
            (
                required("botToken")?,
                Target::Telegram {
                    chat_id: chat_id.into(),
                    topic_id,
                },
            )
        }
        Service::Discord => {
            let thread_id = string(map, "threadId")?;
            if thread_id.as_ref().is_some_and(|t| {
                t.is_empty() || t.len() > 20 || !t.bytes().all(|b| b.is_ascii_digit())
            }) {
                return Err("`threadId` is not a Discord id (digits)".into());
            }
            let username = string(map, "username")?;
            if let Some(u) = &username {
                rules::check_line(u, 80).map_err(|p| format!("`username` {p}"))?;
            }
            let avatar_url = string(map, "avatarUrl")?;
            if let Some(a) = &avatar_url {
                rules::check_url(a, Service::Webhook, false)
                    .map_err(|p| format!("`avatarUrl` {p}"))?;
            }
            (
                required("webhookUrl")?,
                Target::Discord {
                    thread_id: thread_id.map(Cow::Owned),
                    username: username.map(Cow::Owned),
                    avatar_url: avatar_url.map(Cow::Owned),
                },
            )
        }
        Service::Slack => {
            let channel = string(map, "channel")?;
            match (&channel, map.contains_key("webhookUrl")) {
                (Some(c), false) => {
                    rules::check_line(c, 80).map_err(|p| format!("`channel` {p}"))?;
                    (required("botToken")?, Target::Slack { channel: Some(c.clone().into()) })
                }
                (None, true) if api_base.is_none() => {
                    (required("webhookUrl")?, Target::Slack { channel: None })
                }
                _ => return Err("give either `webhookUrl`, or `botToken` with `channel` (and optionally `apiBase`)".into()),
            }
        }
        Service::Webhook => {
            let header = string(map, "signatureHeader")?
                .unwrap_or_else(|| DEFAULT_SIGNATURE_HEADER.into())
                .to_ascii_lowercase();
            if header.is_empty()
                || header.len() > 64
                || !header
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err("`signatureHeader` is not a header name".into());
            }
            (
                required("url")?,
                Target::Webhook {
                    signing_secret: string(map, "signingSecret")?
                        .map(|s| Credential::Inline(s.into())),
                    signature_header: header.into(),
                },
            )
        }
    };
    let instance = Instance {
        id: id.into(),
        name: name.into(),
        description: description.map(Text::Owned),
        credential: Credential::Inline(credential.into()),
        api_base: api_base.map(Text::Owned),
        allow_any_host,
        confirm,
        target,
    };
    let credential = match &instance.credential {
        Credential::Inline(v) => v.to_string(),
        Credential::Secret(_) => String::new(),
    };
    check_credential(&instance, &credential).map_err(|p| format!("its credential {p}"))?;
    Ok(instance)
}

/// A string at `key`, `None` when absent; an error naming the key when it is another type.
fn string(map: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("`{key}` is not a string")),
    }
}

#[cfg(test)]
mod tests;
