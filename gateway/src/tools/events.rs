//! The GitHub event tools (F3): a cheap status to poll, summaries of pending events, one event
//! with its payload, pending events with payloads within a byte budget, and marking an event
//! processed. Each reads only the caller's tenants (`webhooks::access`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::mcp::model::{ElicitAction, ElicitParams, FormField, FormSchema};
use crate::tool;
use crate::toolbox::{ToolContext, ToolError, Unanswered};
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

/// Which events mark_processed marks: exactly one of `event_id`, `ids` or `all`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkArgs {
    /// One event's id, as list_pending_events returned it.
    #[serde(default)]
    pub event_id: Option<String>,
    /// Several events' ids (at most 100).
    #[serde(default)]
    pub ids: Vec<String>,
    /// Every pending event you can see, newest first, at most 100 per call.
    #[serde(default)]
    pub all: bool,
}

/// The outcome of mark_processed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MarkResult {
    /// Whether every event named is now processed.
    pub success: bool,
    /// The event's id, when one was named with `event_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Whether that event had been marked before (nothing changed).
    pub already_processed: bool,
    /// How many events this call marked.
    pub marked: usize,
    /// Ids named that none of your accounts holds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_found: Vec<String>,
    /// With `all`: how many pending events are left (call again to mark more).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub still_pending: Option<u64>,
}

/// Marking more events than this at once asks the person first.
pub const CONFIRM_ABOVE: usize = 20;

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

/// Marks GitHub events processed, so they leave the pending list: one (`event_id`), several
/// (`ids`), or every pending one you can see (`all`, 100 per call). Marking one again changes
/// nothing. More than 20 at once asks the person to confirm first.
#[tool(
    title = "Mark GitHub events processed",
    destructive = false,
    idempotent,
    open_world = false
)]
pub async fn mark_processed(
    ctx: &ToolContext<'_>,
    args: MarkArgs,
) -> Result<MarkResult, ToolError> {
    let tenants = tenants(ctx).await?;
    let platform = ctx.platform();
    let ids: Vec<DeliveryId> = match (args.event_id, args.ids.is_empty(), args.all) {
        (Some(one), true, false) => vec![event_id(&one)?],
        (None, false, false) if args.ids.len() <= MAX_LIST => args
            .ids
            .iter()
            .map(|i| event_id(i))
            .collect::<Result<_, _>>()?,
        (None, false, false) => {
            return Err(ToolError::new(format!(
                "`ids` names {} events; mark at most {MAX_LIST} at once",
                args.ids.len()
            )))
        }
        (None, true, true) => access::pending(platform, &tenants, MAX_LIST)
            .await
            .map_err(unavailable)?
            .into_iter()
            .filter_map(|e| DeliveryId::parse(&e.event.id).ok())
            .collect(),
        _ => {
            return Err(ToolError::new(
                "Name exactly one of `event_id` (one event), `ids` (a list) or `all: true`",
            ))
        }
    };
    let single = ids.len() == 1 && !args.all;
    if ids.len() > CONFIRM_ABOVE {
        confirm_marking(ctx, ids.len())?;
    }
    let mut result = MarkResult {
        success: true,
        event_id: None,
        already_processed: false,
        marked: 0,
        not_found: Vec::new(),
        still_pending: None,
    };
    for id in &ids {
        match access::mark(platform, &tenants, id)
            .await
            .map_err(unavailable)?
        {
            Marked::NotFound if single => return Err(not_found(id)),
            Marked::NotFound => result.not_found.push(id.as_str().to_owned()),
            Marked::AlreadyProcessed => result.already_processed = single,
            Marked::Marked => result.marked += 1,
        }
    }
    result.success = result.not_found.is_empty();
    if single {
        result.event_id = Some(ids[0].as_str().to_owned());
    }
    if args.all {
        let left = access::status(platform, &tenants)
            .await
            .map_err(unavailable)?;
        result.still_pending = Some(left.pending_count);
    }
    Ok(result)
}

/// Asks the person before `count` events are marked at once.
fn confirm_marking(ctx: &ToolContext<'_>, count: usize) -> Result<(), ToolError> {
    let form = ElicitParams {
        message: format!(
            "Mark {count} GitHub events processed? They leave the pending list (they are not deleted)."
        ),
        requested_schema: FormSchema::new().field(
            "mark",
            FormField::boolean(&format!("Mark {count} events"), true),
            true,
        ),
    };
    let answer = ctx.elicit("confirm_mark", form).map_err(|e| match e {
        Unanswered::Asked => ToolError::from(e),
        Unanswered::CannotAsk { .. } => ToolError::new(format!(
            "Marking {count} events at once needs the person's confirmation, and this client cannot ask (no elicitation capability, or a session-era client that reads no SSE stream). Mark at most {CONFIRM_ABOVE} at a time with `ids`."
        )),
    })?;
    let ticked = answer
        .content
        .as_ref()
        .and_then(|c| c.get("mark"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match answer.action {
        ElicitAction::Accept if ticked => Ok(()),
        _ => Err(ToolError::new(format!(
            "Nothing marked: the person declined to mark {count} events processed"
        ))),
    }
}
