//! The channels as `list_channels` and the channel resources show them: each one's id,
//! service, name, description, where it is declared, and whether it can deliver now.

use schemars::JsonSchema;
use serde::Serialize;

use super::registry::{self, Registry, Source};
use super::CHANNELS;
use crate::platform::Secrets;

/// A channel.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ChannelInfo {
    /// What to pass as `channel` to send_notification, e.g. `telegram-ops`.
    pub id: String,
    /// `telegram`, `discord`, `slack` or `webhook`.
    pub service: String,
    /// Display name.
    pub name: String,
    /// What it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether it can deliver now.
    pub available: bool,
    /// Why not, when it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where it is declared: `channels.toml` or the JSON secret's name.
    pub source: String,
}

/// Every channel.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ChannelList {
    /// The channels.
    pub channels: Vec<ChannelInfo>,
    /// Declarations that were skipped, and why (for the operator).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// Every channel with its state, as `list_channels` and the channel resources show it
/// (operators only: the caller checks).
pub fn channel_list(secrets: &dyn Secrets) -> ChannelList {
    let registry = Registry::load(CHANNELS, secrets);
    let channels = registry
        .channels
        .iter()
        .map(|c| {
            let reason = registry::resolve(&c.instance, secrets).err();
            ChannelInfo {
                id: c.instance.channel_id(),
                service: c.instance.service().as_str().into(),
                name: c.instance.name.to_string(),
                description: c.instance.description.as_ref().map(|d| d.to_string()),
                available: reason.is_none(),
                reason,
                source: match c.source {
                    Source::File => "channels.toml".into(),
                    Source::Secret(name) => name.into(),
                },
            }
        })
        .collect();
    ChannelList {
        channels,
        problems: registry.problems,
    }
}
