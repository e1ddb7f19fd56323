//! `Instance`: one declared channel — where it delivers and which secret it needs. Built as
//! constants by `channels!` from `channels.toml`, or at run time from the JSON secrets.

use std::borrow::Cow;

use super::rules::Service;

/// A string that is either compiled in (`channels.toml`) or read at run time.
pub type Text = Cow<'static, str>;

/// Where a credential comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// The name of the Worker secret that holds it (`channels.toml`).
    Secret(Text),
    /// The value itself, read from a `*_INSTANCES` secret.
    Inline(Text),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Secret(name) => write!(f, "Secret({name})"),
            Self::Inline(_) => f.write_str("Inline([redacted])"),
        }
    }
}

/// What a service needs beyond the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Telegram: the credential is the bot token.
    Telegram {
        /// `chat_id`: a number or `@channelusername`.
        chat_id: Text,
        /// A forum topic (`message_thread_id`).
        topic_id: Option<i64>,
    },
    /// Discord: the credential is the webhook URL.
    Discord {
        /// Post into this thread of a forum or text channel.
        thread_id: Option<Text>,
        /// Overrides the webhook's name.
        username: Option<Text>,
        /// Overrides the webhook's avatar.
        avatar_url: Option<Text>,
    },
    /// Slack: with `channel`, the credential is a bot token for `chat.postMessage`; without,
    /// an incoming webhook URL.
    Slack {
        /// The channel (`C…` id or `#name`) a bot token posts to.
        channel: Option<Text>,
    },
    /// A generic JSON webhook: the credential is its URL.
    Webhook {
        /// HMAC-SHA256 key for the signature header, if the receiver checks one.
        signing_secret: Option<Credential>,
        /// The header carrying `sha256=<hex>`.
        signature_header: Text,
    },
}

impl Target {
    /// The service it belongs to.
    pub fn service(&self) -> Service {
        match self {
            Target::Telegram { .. } => Service::Telegram,
            Target::Discord { .. } => Service::Discord,
            Target::Slack { .. } => Service::Slack,
            Target::Webhook { .. } => Service::Webhook,
        }
    }
}

/// One channel instance, validated where it was declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// The instance id (`ops`); the channel id is `<service>-<id>`.
    pub id: Text,
    /// Display name.
    pub name: Text,
    /// What it is for.
    pub description: Option<Text>,
    /// The token or webhook URL.
    pub credential: Credential,
    /// Replaces the service's API origin (Telegram, Slack bot), for self-hosted servers and tests.
    pub api_base: Option<Text>,
    /// Allows http and any host in URLs: tests and self-hosting only.
    pub allow_any_host: bool,
    /// Sending asks the person to confirm first (a client that cannot ask cannot send).
    pub confirm: bool,
    /// The service and its settings.
    pub target: Target,
}

impl Instance {
    /// The service.
    pub fn service(&self) -> Service {
        self.target.service()
    }

    /// `<service>-<id>`, the id agents use.
    pub fn channel_id(&self) -> String {
        format!("{}-{}", self.service().as_str(), self.id)
    }
}

/// The default header of a generic webhook's signature.
pub const DEFAULT_SIGNATURE_HEADER: &str = "x-dovecote-signature";
