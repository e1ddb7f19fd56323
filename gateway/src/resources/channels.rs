//! Notification channels as resources (`dovecote://channels/{channel}`): each channel of
//! `channels.toml` and the `*_INSTANCES` secrets with its state (available or why not), as
//! `list_channels` shows it. Operators only: the family's scope is granted to operators, and
//! the role is checked again here.

use super::{index_position, page_of, Completing, Listing, Reading};
use crate::channels::listing::channel_list;
use crate::mcp::model::{Resource, ResourceContents};
use crate::toolbox::{Captures, Listed, ResourceDef, ResourceError, ToolContext};

const JSON: &str = "application/json";

/// One notification channel and its state.
pub const NOTIFICATION_CHANNEL: ResourceDef = ResourceDef {
    name: "notification_channel",
    uri_template: "dovecote://channels/{channel}",
    title: "Notification channel",
    description: "A Telegram, Discord, Slack or webhook channel send_notification can use: its \
                  service, name, description, and whether it can deliver now.",
    mime_type: JSON,
    list: Some(list_channels),
    read: read_channel,
    complete: Some(complete),
    watch: None,
};

fn list_channels<'r>(ctx: &'r ToolContext<'_>, position: &'r str, limit: usize) -> Listing<'r> {
    Box::pin(async move {
        if ctx.operator_only().is_err() {
            return Ok(Listed::default());
        }
        let start = index_position(position)?;
        let channels: Vec<_> = channel_list(ctx.platform().secrets)
            .channels
            .into_iter()
            .enumerate()
            .skip(start)
            .collect();
        let (channels, next) = page_of(channels, limit, |(i, _)| (i + 1).to_string());
        let resources = channels
            .into_iter()
            .map(|(_, c)| Resource {
                uri: NOTIFICATION_CHANNEL.uri(&[&c.id]),
                name: format!("channel:{}", c.id).into(),
                title: Some(c.name.into()),
                description: c.description.map(Into::into),
                mime_type: Some(JSON.into()),
            })
            .collect();
        Ok(Listed { resources, next })
    })
}

fn read_channel<'r>(ctx: &'r ToolContext<'_>, uri: &'r str, captures: &'r Captures) -> Reading<'r> {
    Box::pin(async move {
        ctx.operator_only().map_err(|_| ResourceError::NotFound)?;
        let wanted = captures.get("channel").ok_or(ResourceError::NotFound)?;
        let channel = channel_list(ctx.platform().secrets)
            .channels
            .into_iter()
            .find(|c| c.id == wanted)
            .ok_or(ResourceError::NotFound)?;
        let text = serde_json::to_string(&channel)
            .map_err(|e| ResourceError::Unavailable(e.to_string()))?;
        Ok(vec![ResourceContents::text(uri, Some(JSON.into()), text)])
    })
}

/// Completes `channel` with the channel ids that start like what was typed (operators only).
fn complete<'r>(
    ctx: &'r ToolContext<'_>,
    variable: &'r str,
    value: &'r str,
    _: &'r Captures,
) -> Completing<'r> {
    Box::pin(async move {
        if variable != "channel" || ctx.operator_only().is_err() {
            return Ok(Vec::new());
        }
        Ok(channel_list(ctx.platform().secrets)
            .channels
            .into_iter()
            .map(|c| c.id)
            .filter(|id| id.starts_with(value))
            .collect())
    })
}
