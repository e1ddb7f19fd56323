//! GitHub events as resources: an account's pending summary
//! (`github://accounts/{account}/pending`, listed once per account the caller sees) and one
//! event's payload (`github://accounts/{account}/events/{delivery_id}`, reached through the
//! template only, so an account with 100,000 events still lists in constant time). The
//! `{account}` segment is the account's GitHub id, so a rename never changes a URI; a store
//! whose account is not known by id yet (from before accounts had ids, or the default tenant)
//! is named by its store name. Reads also take the account's current login, among the accounts
//! the caller sees (what a person types into a prompt); `segment` and `names` are the only
//! places that write and read it.
//! A caller sees exactly the tenants the event tools give it (`access::tenants_of`); another
//! account's event is answered as a missing one.

use serde::Serialize;

use super::{page_of, Completing, Listing, Reading, Watching};
use crate::mcp::model::{Resource, ResourceContents};
use crate::platform::Platform;
use crate::toolbox::{Captures, Listed, ResourceDef, ResourceError, ToolContext, Watcher};
use crate::webhooks::rest::DEFAULT_LIMIT;
use crate::webhooks::store;
use crate::webhooks::store::{EventSummary, MAX_LIST};
use crate::webhooks::visibility::Visible;
use crate::webhooks::{access, DeliveryId};

/// Events are JSON as GitHub sent them; summaries are JSON too.
const JSON: &str = "application/json";

/// An account's pending events in brief.
pub const GITHUB_PENDING: ResourceDef = ResourceDef {
    name: "github_pending",
    uri_template: "github://accounts/{account}/pending",
    title: "Pending GitHub events of an account",
    description: "How many events of this GitHub account are pending, by type, and the newest \
                  ones in brief, each with the URI of its full payload.",
    mime_type: JSON,
    list: Some(list_pending),
    read: read_pending,
    complete: Some(complete),
    watch: Some(watch_pending),
};

/// One event's payload.
pub const GITHUB_EVENT: ResourceDef = ResourceDef {
    name: "github_event",
    uri_template: "github://accounts/{account}/events/{delivery_id}",
    title: "GitHub event payload",
    description: "The full JSON payload GitHub delivered for one event (delivery_id is its \
                  X-GitHub-Delivery, the event_id the event tools use).",
    mime_type: JSON,
    list: None,
    read: read_event,
    complete: Some(complete),
    // A payload never changes once delivered.
    watch: None,
};

/// A pending event in the summary: its resource URI and what the event tools show.
#[derive(Debug, Serialize)]
pub struct PendingEvent {
    /// The URI of its payload.
    pub uri: String,
    /// The event in brief.
    #[serde(flatten)]
    pub event: EventSummary,
}

/// The contents of `github://accounts/{account}/pending`.
#[derive(Debug, Serialize)]
pub struct PendingSummary {
    /// The account.
    pub account: String,
    /// How many events are not yet processed.
    pub pending_count: u64,
    /// When the newest pending event arrived (ISO 8601), or null.
    pub latest_received_at: Option<String>,
    /// Pending events by type.
    pub types: std::collections::BTreeMap<String, u64>,
    /// The newest pending events, newest first.
    pub events: Vec<PendingEvent>,
}

fn unavailable(e: crate::platform::PlatformError) -> ResourceError {
    ResourceError::Unavailable(format!("event store: {}", e.0))
}

async fn tenants(ctx: &ToolContext<'_>) -> Result<Vec<Visible>, ResourceError> {
    access::tenants_of(ctx.principal(), &ctx.config().webhooks, ctx.platform())
        .await
        .map_err(unavailable)
}

/// The account a URI names, if the caller sees it (with what of it they see, the same rule as
/// the tools'); otherwise not found, as if it did not exist.
async fn visible(ctx: &ToolContext<'_>, captures: &Captures) -> Result<Visible, ResourceError> {
    let named = captures.get("account").ok_or(ResourceError::NotFound)?;
    let seen = tenants(ctx).await?;
    // The canonical segment first: a login that happens to be another account's id never wins.
    let by_segment = seen.iter().position(|v| segment(v) == named);
    let by_login = || seen.iter().position(|v| login_is(v, named));
    let index = by_segment
        .or_else(by_login)
        .ok_or(ResourceError::NotFound)?;
    Ok(seen.into_iter().nth(index).expect("found above"))
}

/// The `{account}` segment of `account`'s URIs: its GitHub id, else its store's name.
pub fn segment(account: &Visible) -> String {
    match &account.account {
        Some(a) => a.id.to_string(),
        None => account.tenant.to_string(),
    }
}

/// Whether `name` is `account`'s current login (GitHub logins ignore case).
fn login_is(account: &Visible, name: &str) -> bool {
    account
        .account
        .as_ref()
        .is_some_and(|a| a.login.eq_ignore_ascii_case(name))
}

/// The URI of `account`'s pending summary.
pub fn pending_uri(account: &Visible) -> String {
    GITHUB_PENDING.uri(&[&segment(account)])
}

/// The URI of event `id` of `account`.
pub fn event_uri(account: &Visible, id: &str) -> String {
    GITHUB_EVENT.uri(&[&segment(account), id])
}

fn list_pending<'r>(ctx: &'r ToolContext<'_>, position: &'r str, limit: usize) -> Listing<'r> {
    Box::pin(async move {
        let mut seen: Vec<(String, Visible)> = tenants(ctx)
            .await?
            .into_iter()
            .map(|v| (segment(&v), v))
            .collect();
        seen.sort_by(|a, b| a.0.cmp(&b.0));
        seen.retain(|(s, _)| s.as_str() > position);
        let (seen, next) = page_of(seen, limit, |(s, _)| s.clone());
        let resources = seen
            .iter()
            .map(|(s, v)| Resource {
                uri: pending_uri(v),
                name: format!("pending:{s}").into(),
                title: Some(format!("Pending GitHub events of {}", v.label()).into()),
                description: None,
                mime_type: Some(JSON.into()),
            })
            .collect();
        Ok(Listed { resources, next })
    })
}

fn read_pending<'r>(ctx: &'r ToolContext<'_>, uri: &'r str, captures: &'r Captures) -> Reading<'r> {
    Box::pin(async move {
        let seen = [visible(ctx, captures).await?];
        let status = access::status(ctx.platform(), &seen)
            .await
            .map_err(unavailable)?;
        let events = access::pending(ctx.platform(), &seen, DEFAULT_LIMIT)
            .await
            .map_err(unavailable)?;
        let summary = PendingSummary {
            account: seen[0].label(),
            pending_count: status.pending_count,
            latest_received_at: status.latest_received_at,
            types: status.types,
            events: events
                .into_iter()
                .map(|s| PendingEvent {
                    uri: event_uri(&seen[0], &s.event.id),
                    event: s.event,
                })
                .collect(),
        };
        let text = serde_json::to_string(&summary)
            .map_err(|e| ResourceError::Unavailable(e.to_string()))?;
        Ok(vec![ResourceContents::text(uri, Some(JSON.into()), text)])
    })
}

/// Follows an account's pending summary: it changes when a delivery the subscriber may see
/// arrives. Starts at the store's newest event and asks the store for what came after it, a
/// page at a time; events the subscriber's rule hides move it on without counting.
struct PendingWatch {
    seen: Visible,
    after: i64,
}

#[async_trait::async_trait(?Send)]
impl Watcher for PendingWatch {
    async fn changed(&mut self, platform: &Platform<'_>) -> Result<bool, ResourceError> {
        let arrived = store::after(platform.objects, &self.seen.tenant, self.after, MAX_LIST)
            .await
            .map_err(unavailable)?;
        let mut changed = false;
        for stored in arrived {
            self.after = self.after.max(stored.seq);
            changed |= self.seen.rule.allows(&stored.event);
        }
        Ok(changed)
    }

    fn mark(&self) -> String {
        self.after.to_string()
    }
}

fn watch_pending<'r>(
    ctx: &'r ToolContext<'_>,
    _uri: &'r str,
    captures: &'r Captures,
    mark: Option<&'r str>,
) -> Watching<'r> {
    Box::pin(async move {
        let seen = visible(ctx, captures).await?;
        let after = match mark.and_then(|m| m.parse::<i64>().ok()).filter(|m| *m >= 0) {
            Some(after) => after,
            None => store::head(ctx.platform().objects, &seen.tenant)
                .await
                .map_err(unavailable)?,
        };
        Ok(Box::new(PendingWatch { seen, after }) as Box<dyn Watcher>)
    })
}

fn read_event<'r>(ctx: &'r ToolContext<'_>, uri: &'r str, captures: &'r Captures) -> Reading<'r> {
    Box::pin(async move {
        let id = captures
            .get("delivery_id")
            .and_then(|d| DeliveryId::parse(d).ok())
            .ok_or(ResourceError::NotFound)?;
        let seen = [visible(ctx, captures).await?];
        let max = ctx.config().webhooks.tool_payload_bytes;
        let found = access::find(ctx.platform(), &seen, &id, max)
            .await
            .map_err(unavailable)?
            .ok_or(ResourceError::NotFound)?;
        match found.payload {
            Some(payload) => Ok(vec![ResourceContents::text(
                uri,
                Some(JSON.into()),
                payload.get(),
            )]),
            None => Err(ResourceError::Refused(format!(
                "The payload of event `{}` is larger than {max} bytes (EVENTS_TOOL_PAYLOAD_BYTES); \
                 fetch it from GET /event?id={}",
                id.as_str(),
                id.as_str()
            ))),
        }
    })
}

/// Completes `account` with the accounts the caller sees, and `delivery_id` with the pending
/// events of the account in `context`.
fn complete<'r>(
    ctx: &'r ToolContext<'_>,
    variable: &'r str,
    value: &'r str,
    context: &'r Captures,
) -> Completing<'r> {
    Box::pin(async move {
        let prefix = value.to_ascii_lowercase();
        match variable {
            // A login a person would type, or the id a URI holds: whichever the value begins.
            "account" => Ok(tenants(ctx)
                .await?
                .iter()
                .filter_map(|v| match &v.account {
                    Some(a) if a.login.to_ascii_lowercase().starts_with(&prefix) => {
                        Some(a.login.clone())
                    }
                    _ => Some(segment(v)).filter(|s| s.starts_with(&prefix)),
                })
                .collect()),
            "delivery_id" => {
                let Ok(seen) = visible(ctx, context).await else {
                    return Ok(Vec::new());
                };
                let pending = access::pending(ctx.platform(), &[seen], MAX_LIST)
                    .await
                    .map_err(unavailable)?;
                Ok(pending
                    .into_iter()
                    .map(|s| s.event.id)
                    .filter(|id| id.to_ascii_lowercase().starts_with(&prefix))
                    .collect())
            }
            _ => Ok(Vec::new()),
        }
    })
}
