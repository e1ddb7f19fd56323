//! The rules a channel instance follows wherever it is declared: `channels.toml` (checked by
//! `channels!` at build time) and the `*_INSTANCES` JSON secrets (checked at run time).
//! Plain `std`, no gateway types, so the macro crate includes this very file.

/// A service channels deliver to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    /// The Telegram Bot API (`sendMessage`).
    Telegram,
    /// A Discord webhook.
    Discord,
    /// Slack: an incoming webhook, or `chat.postMessage` with a bot token.
    Slack,
    /// Any endpoint that takes JSON, optionally HMAC-signed.
    Webhook,
}

impl Service {
    /// Every service, in the order `list_channels` shows them.
    pub const ALL: [Service; 4] = [
        Service::Telegram,
        Service::Discord,
        Service::Slack,
        Service::Webhook,
    ];

    /// `telegram`, `discord`, `slack`, `webhook`: the table name and the channel id prefix.
    pub const fn as_str(self) -> &'static str {
        match self {
            Service::Telegram => "telegram",
            Service::Discord => "discord",
            Service::Slack => "slack",
            Service::Webhook => "webhook",
        }
    }

    /// The service named `name`.
    pub fn parse(name: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The hosts its webhook URLs and API bases may name without `allow_any_host`.
    pub const fn own_hosts(self) -> &'static [&'static str] {
        match self {
            Service::Telegram => &["api.telegram.org"],
            Service::Discord => &[
                "discord.com",
                "discordapp.com",
                "ptb.discord.com",
                "canary.discord.com",
            ],
            Service::Slack => &["hooks.slack.com", "slack.com"],
            // A generic webhook may be anywhere public.
            Service::Webhook => &[],
        }
    }
}

/// Longest instance id.
pub const MAX_ID_LEN: usize = 32;
/// Longest display name.
pub const MAX_NAME_LEN: usize = 100;
/// Longest description.
pub const MAX_DESCRIPTION_LEN: usize = 300;
/// Longest URL.
pub const MAX_URL_LEN: usize = 2048;

/// An instance id: 1 to 32 characters of `a-z`, `0-9`, `_` and `-`.
pub fn check_instance_id(id: &str) -> Result<(), String> {
    let valid = (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "instance id `{}` is not valid — use 1 to {MAX_ID_LEN} characters of a-z, 0-9, `_` and `-`",
            shorten(id)
        ))
    }
}

/// The name of a Worker secret: an upper-case identifier such as `TELEGRAM_OPS_BOT_TOKEN`.
pub fn check_secret_name(name: &str) -> Result<(), String> {
    let mut bytes = name.bytes();
    let valid = (1..=64).contains(&name.len())
        && bytes.next().is_some_and(|b| b.is_ascii_uppercase())
        && bytes.all(|b| matches!(b, b'A'..=b'Z' | b'0'..=b'9' | b'_'));
    if valid {
        return Ok(());
    }
    if looks_like_secret(name).is_some() || name.contains("://") {
        return Err("holds what looks like the secret itself — store it with `wrangler secret put NAME` and write NAME here".into());
    }
    Err(format!(
        "`{}` is not a secret name — write the name of a Worker secret in upper case, e.g. `TELEGRAM_OPS_BOT_TOKEN`",
        shorten(name)
    ))
}

/// One line of 1 to `max` characters.
pub fn check_line(text: &str, max: usize) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("is empty — write some text or leave the key out".into());
    }
    if text.chars().any(char::is_control) {
        return Err("contains a line break or control character — write it on one line".into());
    }
    let len = text.chars().count();
    if len > max {
        return Err(format!("is {len} characters long — shorten it to {max}"));
    }
    Ok(())
}

/// A Telegram `chat_id`: an integer, or a public channel's `@username`.
pub fn valid_chat_id(id: &str) -> bool {
    let digits = id.strip_prefix('-').unwrap_or(id);
    let numeric = (1..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    let username = id.strip_prefix('@').is_some_and(|u| {
        (5..=32).contains(&u.len()) && u.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    numeric || username
}

/// What kind of secret `value` looks like, if it looks like one: a Telegram bot token, a
/// Discord or Slack webhook URL, a Slack token, or a long random-looking string.
pub fn looks_like_secret(value: &str) -> Option<&'static str> {
    let v = value.trim();
    if let Some((digits, rest)) = v.split_once(':') {
        if digits.len() >= 6
            && digits.bytes().all(|b| b.is_ascii_digit())
            && rest.len() >= 30
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Some("a Telegram bot token");
        }
    }
    if v.contains("/api/webhooks/") {
        return Some("a Discord webhook URL");
    }
    if v.contains("hooks.slack.com/services/") {
        return Some("a Slack webhook URL");
    }
    if ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxe-"]
        .iter()
        .any(|p| v.starts_with(p))
    {
        return Some("a Slack token");
    }
    let random_looking = v.len() >= 32
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/' | b'='))
        && v.bytes().any(|b| b.is_ascii_digit())
        && v.bytes().any(|b| b.is_ascii_lowercase())
        && v.bytes().any(|b| b.is_ascii_uppercase());
    random_looking.then_some("a token or key")
}

/// A URL split into the parts the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// `https` or `http`.
    pub scheme: &'a str,
    /// The host, lower-cased by the caller's check (IPv6 literals keep their brackets).
    pub host: &'a str,
    /// The path and query, starting with `/` (or empty).
    pub rest: &'a str,
}

/// Splits an absolute `http(s)://host[:port][/path]` URL, refusing anything ambiguous:
/// credentials, whitespace, backslashes, fragments, non-ASCII.
pub fn split_url(url: &str) -> Result<UrlParts<'_>, String> {
    if url.len() > MAX_URL_LEN {
        return Err(format!(
            "is longer than {MAX_URL_LEN} characters — use a shorter URL"
        ));
    }
    if !url.is_ascii()
        || url
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'\\')
    {
        return Err("contains spaces, backslashes or non-ASCII characters — percent-encode them or leave them out".into());
    }
    let (scheme, after) = url
        .split_once("://")
        .ok_or("is not an absolute URL — write it in full, starting with `https://`")?;
    if scheme != "https" && scheme != "http" {
        return Err(format!("uses `{scheme}:` — only https is allowed"));
    }
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    if rest.contains('#') {
        return Err("has a fragment (`#…`) — remove it".into());
    }
    if authority.contains('@') {
        return Err("carries credentials (`user@`) — remove them".into());
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => {
            let close = v6
                .find(']')
                .ok_or("has an unclosed IPv6 address — close it with `]`")?;
            &authority[..close + 2]
        }
        None => authority.split(':').next().unwrap_or_default(),
    };
    let port = &authority[host.len()..];
    if !port.is_empty() {
        let digits = port.strip_prefix(':').unwrap_or("x");
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.parse::<u16>().is_err()
        {
            return Err(
                "has an invalid port — write a number up to 65535 after `:`, or no port".into(),
            );
        }
    }
    let host_ok = !host.is_empty()
        && (host.starts_with('[')
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'));
    if !host_ok {
        return Err("has no valid host — write a host name of letters, digits, `.` and `-`".into());
    }
    Ok(UrlParts { scheme, host, rest })
}

/// Whether `host` names this machine or a private network (never allowed without the
/// override: a gateway must not be turned into a probe of its own network). Every spelling of
/// an address is read as the resolver reads it (`super::address`, the one guard); IPv6
/// literals are refused as well, since public services are reached by name.
pub fn is_private_host(host: &str) -> bool {
    host.starts_with('[') || super::address::is_private_host(host)
}

/// Checks a URL a channel sends to. Without `allow_any_host` it must be https on one of
/// `service`'s own hosts (any public host for a generic webhook); with it, http and private
/// hosts are allowed too — for tests and self-hosted servers only.
pub fn check_url(url: &str, service: Service, allow_any_host: bool) -> Result<(), String> {
    let parts = split_url(url)?;
    if allow_any_host {
        return Ok(());
    }
    if parts.scheme != "https" {
        return Err("uses http — only https is allowed (`allow_any_host = true` permits http, for tests and self-hosting only)".into());
    }
    let host = parts.host.to_ascii_lowercase();
    let own = service.own_hosts();
    if own.is_empty() {
        if is_private_host(&host) {
            return Err(format!("names the private host `{host}` — use a public https URL (`allow_any_host = true` permits it, for tests and self-hosting only)"));
        }
        return Ok(());
    }
    if own.contains(&host.as_str()) {
        return Ok(());
    }
    Err(format!(
        "names host `{host}`, which is not {}'s — use {} (`allow_any_host = true` permits other hosts, for tests and self-hosting only)",
        service.as_str(),
        own.join(" or ")
    ))
}

/// The first 40 characters of `text`, for messages that quote what was written.
fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}
