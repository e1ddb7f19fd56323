//! The GitHub event tools (F3): a cheap status to poll, summaries of pending events, one event
//! with its payload, pending events with payloads within a byte budget, and marking an event
//! processed. Each reads only the caller's tenants (`webhooks::access`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::tool;
use crate::toolbox::{ToolContext, ToolError};
use crate::webhooks::rest::DEFAULT_LIMIT;
use crate::webhooks::store::{EventSummary, FullEvent, Marked, PendingStatus, MAX_LIST};
use crate::webhooks::visibility::Visible;
use crate::webhooks::{access, DeliveryId};

fn default_limit() -> usize {
    DEFAULT_LIMIT
}

/// How many events to return.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitArgs {
    /// How many events to return, newest first (1–100, default 20).
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 100))]
    pub limit: usize,
}

/// Which event.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventIdArgs {
    /// The event's id, as list_pending_events returned it.
    pub event_id: String,
}

/// Summaries of pending events.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EventList {
    /// Pending events, newest first, without payloads.
    pub events: Vec<EventSummary>,
}

/// An event with its full payload.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EventDetail {
    /// The event.
    #[serde(flatten)]
    pub event: EventSummary,
    /// The payload GitHub sent; absent when too large for this answer (see `note`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    /// Why the payload is absent and how to get it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Pending events with payloads.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EventDetails {
    /// Pending events, newest first, each with its payload unless noted.
    pub events: Vec<EventDetail>,
}

/// The outcome of mark_processed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MarkResult {
    /// Whether the event is now processed.
    pub success: bool,
    /// The event's id.
    pub event_id: String,
    /// Whether it had been marked before (nothing changed).
    pub already_processed: bool,
}

fn unavailable(e: crate::platform::PlatformError) -> ToolError {
    crate::log::internal("event tools", &e.0);
    ToolError::new("The event store is unavailable just now; retry in a few seconds")
}

async fn tenants(ctx: &ToolContext<'_>) -> Result<Vec<Visible>, ToolError> {
    access::tenants_of(ctx.principal(), &ctx.config().webhooks, ctx.platform())
        .await
        .map_err(unavailable)
}

fn check_limit(limit: usize) -> Result<usize, ToolError> {
    if (1..=MAX_LIST).contains(&limit) {
        Ok(limit)
    } else {
        Err(ToolError::new(format!(
            "`limit` must be between 1 and {MAX_LIST}"
        )))
    }
}

fn event_id(text: &str) -> Result<DeliveryId, ToolError> {
    DeliveryId::parse(text.trim()).map_err(|why| {
        ToolError::new(format!(
            "`event_id` is not an event id: {why}. Take ids from list_pending_events"
        ))
    })
}

fn not_found(id: &DeliveryId) -> ToolError {
    ToolError::new(format!(
        "No event `{}` among your accounts' events. It may have been purged, or belong to an account you cannot see; list_pending_events shows the current ones",
        id.as_str()
    ))
}

fn detail(full: FullEvent) -> EventDetail {
    EventDetail {
        payload: full
            .payload
            .and_then(|p| serde_json::from_str(p.get()).ok()),
        event: full.event,
        note: full.note,
    }
}

/// A lightweight snapshot of the pending GitHub events: how many, the newest arrival and the
/// count per event type. Cheap: poll it about once a minute.
#[tool(
    title = "Pending GitHub events",
    read_only,
    idempotent,
    open_world = false
)]
pub async fn get_pending_status(ctx: &ToolContext<'_>) -> Result<PendingStatus, ToolError> {
    let tenants = tenants(ctx).await?;
    access::status(ctx.platform(), &tenants)
        .await
        .map_err(unavailable)
}

/// Summaries of pending GitHub events, newest first, without payloads: type, action,
/// repository, sender, number, title, URL, and branch, commit and conclusion for runs and
/// checks.
#[tool(
    title = "List pending GitHub events",
    read_only,
    idempotent,
    open_world = false
)]
pub async fn list_pending_events(
    ctx: &ToolContext<'_>,
    args: LimitArgs,
) -> Result<EventList, ToolError> {
    let limit = check_limit(args.limit)?;
    let tenants = tenants(ctx).await?;
    let events = access::pending(ctx.platform(), &tenants, limit)
        .await
        .map_err(unavailable)?;
    Ok(EventList {
        events: events.into_iter().map(|s| s.event).collect(),
    })
}

/// One GitHub event with its full payload, by id.
#[tool(title = "Get GitHub event", read_only, idempotent, open_world = false)]
pub async fn get_event(ctx: &ToolContext<'_>, args: EventIdArgs) -> Result<EventDetail, ToolError> {
    let id = event_id(&args.event_id)?;
    let tenants = tenants(ctx).await?;
    let max = ctx.config().webhooks.tool_payload_bytes;
    match access::find(ctx.platform(), &tenants, &id, max)
        .await
        .map_err(unavailable)?
    {
        Some(full) => Ok(detail(full)),
        None => Err(not_found(&id)),
    }
}

/// Pending GitHub events with their full payloads, newest first. The answer is bounded in
/// size: large payloads are left out with a note saying to fetch them with get_event. Prefer
/// list_pending_events and get_event for the ones you need.
#[tool(
    title = "Get pending GitHub events with payloads",
    read_only,
    idempotent,
    open_world = false
)]
pub async fn get_webhook_events(
    ctx: &ToolContext<'_>,
    args: LimitArgs,
) -> Result<EventDetails, ToolError> {
    let limit = check_limit(args.limit)?;
    let tenants = tenants(ctx).await?;
    let events =
        access::pending_with_payloads(ctx.platform(), &tenants, limit, &ctx.config().webhooks)
            .await
            .map_err(unavailable)?;
    Ok(EventDetails {
        events: events.into_iter().map(detail).collect(),
    })
}

/// Marks a GitHub event processed, so it leaves the pending list. Marking it again changes
/// nothing.
#[tool(
    title = "Mark GitHub event processed",
    destructive = false,
    idempotent,
    open_world = false
)]
pub async fn mark_processed(
    ctx: &ToolContext<'_>,
    args: EventIdArgs,
) -> Result<MarkResult, ToolError> {
    let id = event_id(&args.event_id)?;
    let tenants = tenants(ctx).await?;
    match access::mark(ctx.platform(), &tenants, &id)
        .await
        .map_err(unavailable)?
    {
        Marked::NotFound => Err(not_found(&id)),
        m => Ok(MarkResult {
            success: true,
            event_id: id.as_str().to_owned(),
            already_processed: m == Marked::AlreadyProcessed,
        }),
    }
}
