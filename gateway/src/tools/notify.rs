//! `list_channels`, `send_notification` and `get_notification_status`: the notification tools
//! over `channels` (scope `dovecote:notify`, operators only: each tool checks the caller is an
//! operator). Every send is audited.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::audit::{self, Entry};
use crate::channels::deliver::{self, Progress};
use crate::channels::ids::NotificationId;
use crate::channels::listing::channel_list;
pub use crate::channels::listing::{ChannelInfo, ChannelList};
use crate::channels::message::{Field, Message, Severity};
use crate::channels::outbox::{self, Accepted, State, Status};
use crate::channels::registry::{self, Registry};
use crate::channels::{expiry_hours, CHANNELS};
use crate::mcp::model::{ElicitAction, ElicitParams, FormField, FormSchema};
use crate::objects::Ask;
use crate::tool;
use crate::toolbox::Unanswered;
use crate::toolbox::{ToolContext, ToolError};

pub use crate::channels::EXPIRY_VAR;

/// No arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListChannelsArgs {}

/// Lists the notification channels you can send to (Telegram, Discord, Slack, webhooks), with
/// each one's id, service, name, description and whether it is available.
#[tool(
    title = "List notification channels",
    read_only,
    idempotent,
    open_world = false
)]
pub async fn list_channels(
    ctx: &ToolContext<'_>,
    _args: ListChannelsArgs,
) -> Result<ChannelList, ToolError> {
    ctx.operator_only()?;
    Ok(channel_list(ctx.platform().secrets))
}

/// The arguments of `send_notification`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendArgs {
    /// The channel id from list_channels, e.g. `telegram-ops`.
    pub channel: String,
    /// The message, in Markdown (bold, italics, links, lists, code); formatted for each
    /// service and split into several messages when longer than it takes.
    pub text: String,
    /// A title shown above the text.
    #[serde(default)]
    pub title: Option<String>,
    /// An http(s) link the notification is about.
    #[serde(default)]
    pub link: Option<String>,
    /// How urgent it is: info, success, warning or error (colour and mark).
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Name/value pairs shown under the text (at most 10).
    #[serde(default)]
    pub fields: Vec<Field>,
    /// Deliver without a notification sound (Telegram, Discord).
    #[serde(default)]
    pub silent: bool,
}

/// What happened to a notification.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SendResult {
    /// The notification's id, for get_notification_status.
    pub id: String,
    /// The channel.
    pub channel: String,
    /// `sent`, or `queued` (the service could not take it now; it is retried until it expires).
    pub outcome: String,
    /// The ids the service gave the delivered messages (none for Slack incoming webhooks and
    /// generic webhooks).
    pub message_ids: Vec<String>,
    /// How many messages the text was split into.
    pub parts: usize,
    /// Why it was queued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Sends a notification to a channel: Markdown text with an optional title, link, severity and
/// fields, formatted natively for Telegram, Discord or Slack. When the service is down it is
/// queued and delivered later; the result gives an id to check with get_notification_status.
#[tool(
    title = "Send notification",
    destructive = false,
    idempotent = false,
    open_world
)]
pub async fn send_notification(
    ctx: &ToolContext<'_>,
    args: SendArgs,
) -> Result<SendResult, ToolError> {
    ctx.operator_only()?;
    send(ctx, args).await
}

/// Sends `args` as `send_notification` does — confirmation, outbox, delivery, audit — for a
/// caller whose right to send the tool has already checked (`send_notification` checks the
/// operator role; a preset, its scope).
pub(crate) async fn send(ctx: &ToolContext<'_>, args: SendArgs) -> Result<SendResult, ToolError> {
    let platform = ctx.platform();
    let principal = ctx.principal();
    let registry = Registry::load(CHANNELS, platform.secrets);
    let Some(channel) = registry.find(&args.channel) else {
        let ids = registry.ids();
        let valid = if ids.is_empty() {
            "none are configured (see channels.toml)".to_owned()
        } else {
            ids.join(", ")
        };
        return Err(ToolError::new(format!(
            "Unknown channel `{}`. Channels: {valid}",
            args.channel.chars().take(80).collect::<String>()
        )));
    };
    let channel_id = channel.instance.channel_id();
    let message = Message::new(
        args.text,
        args.title,
        args.link,
        args.severity,
        args.fields,
        args.silent,
    )
    .map_err(ToolError::new)?;
    let expiry_hours = expiry_hours(platform.secrets).map_err(ToolError::new)?;
    let audit_entry = |outcome: &str, detail: String| {
        let entry = Entry::new("notify", &principal.id, outcome)
            .ip(principal.address.as_deref())
            .detail(detail);
        match &principal.client_id {
            Some(c) => entry.client(c),
            None => entry,
        }
    };
    if channel.instance.confirm {
        if let Err(refusal) = confirm(ctx, &channel.instance, &message) {
            let outcome = match refusal {
                Unconfirmed::Declined => "declined",
                Unconfirmed::CannotAsk | Unconfirmed::Asked => "unconfirmed",
            };
            if refusal != Unconfirmed::Asked {
                let detail = format!("to {channel_id}: not confirmed");
                audit::record(platform.objects, audit_entry(outcome, detail)).await;
            }
            return Err(refusal.into_error(&channel_id));
        }
    }
    let resolved = match registry::resolve(&channel.instance, platform.secrets) {
        Ok(r) => r,
        Err(reason) => {
            audit::record(
                platform.objects,
                audit_entry("unavailable", format!("to {channel_id}")),
            )
            .await;
            return Err(ToolError::new(format!(
                "Channel `{channel_id}` is unavailable: {reason}"
            )));
        }
    };
    let parts = deliver::render(&channel.instance, &message);
    let id = NotificationId::generate(&channel_id, platform.random)
        .map_err(|_| {
            ToolError::new(
                "The gateway cannot make a notification id just now (its random-number source \
                 failed); nothing was sent. Try again.",
            )
        })?
        .as_str()
        .to_owned();
    let now = platform.clock.now_ms();
    let accept = outbox::Accept {
        id: id.clone(),
        channel: channel_id.clone(),
        actor: principal.id.clone(),
        client: principal.client_id.clone(),
        parts: parts.clone(),
        expires_ms: now + expiry_hours * 3_600_000,
        defer: false,
        follower: None,
    };
    let accepted: Accepted = call_outbox(ctx, &channel_id, accept).await?;
    let mut result = SendResult {
        id: id.clone(),
        channel: channel_id.clone(),
        outcome: "queued".into(),
        message_ids: Vec::new(),
        parts: parts.len(),
        reason: None,
    };
    if !accepted.send_now {
        result.reason = Some(
            "earlier notifications to this channel are still waiting; it goes after them".into(),
        );
        audit::record(
            platform.objects,
            audit_entry("queued", format!("{id} to {channel_id}")),
        )
        .await;
        return Ok(result);
    }
    let start = Progress {
        sent: 0,
        message_ids: Vec::new(),
        stopped: None,
    };
    let progress = deliver::deliver(
        platform.fetch,
        platform.clock,
        &channel.instance,
        &resolved,
        &parts,
        &id,
        start,
        deliver::INLINE_RETRIES,
    )
    .await;
    let (state, reason, retry_after_ms) = outbox::settle(&progress);
    let report = outbox::Report {
        id: id.clone(),
        sent: progress.sent,
        message_ids: progress.message_ids.clone(),
        state,
        reason: reason.clone(),
        retry_after_ms,
    };
    // If the report is lost, the lease runs out and the outbox finishes the job.
    let _ = call_outbox(ctx, &channel_id, report).await;
    let outcome = match state {
        State::Sent => "sent",
        State::Failed => "failed",
        _ => "queued",
    };
    let mut detail = format!(
        "{id} to {channel_id}, {}/{} parts",
        progress.sent,
        parts.len()
    );
    if let Some(r) = &reason {
        detail.push_str(": ");
        detail.push_str(r);
    }
    audit::record(platform.objects, audit_entry(outcome, detail)).await;
    match state {
        State::Failed => {
            let delivered = if progress.sent > 0 {
                format!(
                    " ({} of {} parts were delivered)",
                    progress.sent,
                    parts.len()
                )
            } else {
                String::new()
            };
            Err(ToolError::new(format!(
                "Failed to send to {channel_id}: {}{delivered}. This is permanent, so it is not retried; fix the channel's configuration or the message. Notification {id}.",
                reason.unwrap_or_default()
            )))
        }
        _ => {
            result.outcome = outcome.into();
            result.message_ids = progress.message_ids;
            result.reason = reason;
            Ok(result)
        }
    }
}

/// The arguments of `get_notification_status`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusArgs {
    /// The id send_notification returned, e.g. `discord-deploys:5f0c…`.
    pub id: String,
}

/// Tells where a notification is: sending, queued (with the next attempt and the last reason),
/// sent (with the service's message ids) or failed (with the reason).
#[tool(
    title = "Notification status",
    read_only,
    idempotent,
    open_world = false
)]
pub async fn get_notification_status(
    ctx: &ToolContext<'_>,
    args: StatusArgs,
) -> Result<Status, ToolError> {
    ctx.operator_only()?;
    let id = NotificationId::parse(&args.id).map_err(ToolError::new)?;
    let request = outbox::GetStatus {
        id: args.id.clone(),
    };
    let status: Option<Status> = call_outbox(ctx, id.channel(), request).await?;
    status.ok_or_else(|| {
        ToolError::new(format!(
            "No notification `{}` (finished ones are kept {} days)",
            args.id,
            outbox::KEEP_FINISHED_MS / 86_400_000
        ))
    })
}

/// Why a notification to a channel with `confirm = true` does not go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unconfirmed {
    /// The question is on its way to the person.
    Asked,
    /// The person declined, cancelled, or unticked "Send it".
    Declined,
    /// The client cannot ask the person.
    CannotAsk,
}

impl Unconfirmed {
    fn into_error(self, channel_id: &str) -> ToolError {
        match self {
            Self::Asked => Unanswered::Asked.into(),
            Self::Declined => ToolError::new(format!(
                "Not sent: the person declined to send this notification to {channel_id}. Nothing was delivered; change the message or ask before trying again."
            )),
            Self::CannotAsk => ToolError::new(format!(
                "Not sent: {channel_id} asks the person to confirm every notification, and this client cannot ask (it did not declare the elicitation capability, or it speaks the 2025 protocol without a session or an SSE stream). Send it from a client that supports elicitation, or ask the operator to remove `confirm` from the channel."
            )),
        }
    }
}

/// Asks the person to confirm `message` to `channel`, showing where it goes and what it says.
fn confirm(
    ctx: &ToolContext<'_>,
    channel: &crate::channels::Instance,
    message: &Message,
) -> Result<(), Unconfirmed> {
    const SHOWN_CHARS: usize = 1_000;
    let mut shown: String = message.text.chars().take(SHOWN_CHARS).collect();
    if message.text.chars().count() > SHOWN_CHARS {
        shown.push_str(" …");
    }
    let title = message
        .title
        .as_deref()
        .map(|t| format!("{t}\n\n"))
        .unwrap_or_default();
    let form = ElicitParams {
        message: format!(
            "Send this notification to {} ({})?\n\n{title}{shown}",
            channel.name,
            channel.channel_id()
        ),
        requested_schema: FormSchema::new().field(
            "send",
            FormField::boolean("Send it", true).describe("Untick to keep it from going out"),
            true,
        ),
    };
    let answer = ctx.elicit("confirm_send", form).map_err(|e| match e {
        Unanswered::Asked => Unconfirmed::Asked,
        Unanswered::CannotAsk { .. } => Unconfirmed::CannotAsk,
    })?;
    let ticked = answer
        .content
        .as_ref()
        .and_then(|c| c.get("send"))
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    match answer.action {
        ElicitAction::Accept if ticked => Ok(()),
        _ => Err(Unconfirmed::Declined),
    }
}

/// Asks the outbox of `channel` to do `op`.
async fn call_outbox<A: Ask<Object = outbox::Outbox>>(
    ctx: &ToolContext<'_>,
    channel: &str,
    op: A,
) -> Result<A::Reply, ToolError> {
    crate::objects::ask(ctx.platform().objects, channel, op)
        .await
        .map_err(|e| {
            crate::log::internal("outbox", &e.to_string());
            ToolError::new(
                "The notification outbox is unavailable just now; retry in a few seconds",
            )
        })
}
