//! The `EventStore` Durable Object: one per tenant, events in its SQLite database, payloads in
//! 1 MiB chunks. `object` is the object's side; the async functions here are the Worker's side.
//! Requests are a JSON line, optionally followed by raw payload bytes, so a payload is never
//! escaped into JSON on its way in or out.

mod export;
mod object;
mod read;
pub mod retention;
pub mod schema;
pub mod tally;
mod triggered;
mod wire;
mod write;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::payload::Summary;
use super::settings::Retention;
use super::{DeliveryId, Tenant};
use crate::objects::{ask, ask_with};
use crate::platform::{Objects, PlatformError};

pub use export::PAGE_BYTES;
pub use object::{
    Activity, After, Erase, EventStore, ExportPage, Get, Head, Ingest, Mark, Newest, Pending,
    PendingWithPayloads, Rendered, Settled, Status, Wipe,
};

pub use read::PendingStatus;

/// The Durable Object binding (and class).
pub const BINDING: &str = "EVENT_STORE";

/// An event as the tools list it: the fields of F2 (without the payload) and the summary.
/// Read through `wire::EventRow` (the derived reading would buffer it for `summary`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct EventSummary {
    /// The event id (the delivery's `X-GitHub-Delivery`).
    pub id: String,
    /// The event type (`X-GitHub-Event`), e.g. `issues`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The GitHub account whose event this is: its login (or, for plain repository webhooks,
    /// the configured tenant's name).
    #[serde(default)]
    pub tenant: String,
    /// The account's numeric GitHub id, when known (stable across renames).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<u64>,
    /// When the gateway received it (ISO 8601, UTC).
    pub received_at: String,
    /// Whether an agent marked it processed.
    pub processed: bool,
    /// What the event routes it matched did: `queued` (handed to the outbox, or waiting to be
    /// retried), `sent` (every notification delivered) or `failed` (one will not be); absent
    /// when it matched no route.
    pub trigger_status: Option<String>,
    /// When that last changed (ISO 8601, UTC).
    pub last_triggered_at: Option<String>,
    /// What the payload says, in brief.
    #[serde(flatten)]
    pub summary: Summary,
    /// The payload's size in bytes.
    pub payload_bytes: u64,
}

/// An event with its position in its store, as the store answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "wire::EventRow")]
pub struct Stored {
    /// Arrival order within the store.
    pub seq: i64,
    /// The event.
    #[serde(flatten)]
    pub event: EventSummary,
}

/// The per-tenant quota a delivery counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    /// Deliveries per window.
    pub limit: u64,
    /// The window, in milliseconds.
    pub window_ms: u64,
}

/// A delivery to store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Incoming {
    /// The delivery id.
    pub id: DeliveryId,
    /// The event type.
    pub event_type: String,
    /// The summary.
    pub summary: Summary,
    /// The quota, or `None` for deliveries that skip it (`installation` events).
    pub quota: Option<Quota>,
    /// Retention to apply from now on.
    pub retention: Retention,
    /// The ids of the notifications event routes send for it (see `webhooks::hook`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<String>,
    /// Mark it processed once those notifications are all delivered.
    #[serde(default)]
    pub mark_processed: bool,
    /// SHA-256 of the payload, computed by the Worker with the host's native hashing; the
    /// store computes it when absent (a Worker of an earlier release, mid-deploy). Bytes, not
    /// an array: serde's code for a 32-element array costs kilobytes of wasm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Vec<u8>>,
}

/// What became of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case", try_from = "wire::Outcome")]
pub enum Ingested {
    /// Stored as a new event.
    Stored,
    /// Already stored (a redelivery): nothing changed.
    Duplicate,
    /// The tenant is over its quota until the window ends.
    OverQuota {
        /// Milliseconds until the window ends.
        retry_after_ms: u64,
    },
}

/// What `mark_processed` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Marked {
    /// Now processed.
    Marked,
    /// It was processed before.
    AlreadyProcessed,
    /// No such event in this store.
    NotFound,
}

/// An event with its payload, or with a note where the payload was left out. The payload
/// travels as the bytes GitHub sent, never parsed into a tree on the way (and so is not
/// flattened: serde buffers flattened structs, which raw values cannot pass through).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FullEvent {
    /// The event.
    pub event: EventSummary,
    /// The payload GitHub sent; absent when too large for this answer (see `note`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Box<serde_json::value::RawValue>>,
    /// Why the payload is absent and how to get it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The largest number of events one list returns.
pub const MAX_LIST: usize = 100;

/// Stores a delivery in `tenant`'s store (quota checked and counted in the same step).
pub async fn ingest(
    objects: &dyn Objects,
    tenant: &Tenant,
    incoming: Incoming,
    payload: &[u8],
) -> Result<Ingested, PlatformError> {
    Ok(ask_with(
        objects,
        tenant.as_str(),
        Ingest(Box::new(incoming)),
        payload,
    )
    .await?)
}

/// The pending count, latest arrival and counts by type of `tenant`.
pub async fn status(
    objects: &dyn Objects,
    tenant: &Tenant,
) -> Result<PendingStatus, PlatformError> {
    Ok(ask(objects, tenant.as_str(), Status {}).await?)
}

/// Up to `limit` pending events of `tenant`, newest first.
pub async fn pending(
    objects: &dyn Objects,
    tenant: &Tenant,
    limit: usize,
) -> Result<Vec<Stored>, PlatformError> {
    Ok(ask(objects, tenant.as_str(), Pending { limit }).await?)
}

/// Up to `limit` events of `tenant` that arrived after position `seq`, oldest first.
pub async fn after(
    objects: &dyn Objects,
    tenant: &Tenant,
    seq: i64,
    limit: usize,
) -> Result<Vec<Stored>, PlatformError> {
    Ok(ask(objects, tenant.as_str(), After { seq, limit }).await?)
}

/// The position of `tenant`'s newest event (0 when empty).
pub async fn head(objects: &dyn Objects, tenant: &Tenant) -> Result<i64, PlatformError> {
    Ok(ask(objects, tenant.as_str(), Head {}).await?)
}

/// One event with its payload (left out above `max_payload` bytes), if `tenant` holds it.
pub async fn get(
    objects: &dyn Objects,
    tenant: &Tenant,
    id: &DeliveryId,
    max_payload: usize,
) -> Result<Option<FullEvent>, PlatformError> {
    let op = Get {
        id: id.clone(),
        max_payload,
    };
    Ok(ask(objects, tenant.as_str(), op).await?)
}

/// The event `id` as `GET /event` returns it (summary and payload, as JSON bytes), if
/// `visible`'s store holds it. The bytes are passed through, never parsed.
pub async fn rendered(
    objects: &dyn Objects,
    visible: &crate::webhooks::visibility::Visible,
    id: &DeliveryId,
) -> Result<Option<Vec<u8>>, PlatformError> {
    let op = Rendered {
        id: id.clone(),
        tenant: visible.label(),
        account_id: visible.account.as_ref().map(|a| a.id.0),
    };
    Ok(ask(objects, visible.tenant.as_str(), op).await?)
}

/// Up to `limit` pending events with payloads, newest first, within `budget` payload bytes;
/// payloads over `inline_max` bytes, or past the budget, are left out with a note.
pub async fn pending_with_payloads(
    objects: &dyn Objects,
    tenant: &Tenant,
    limit: usize,
    budget: usize,
    inline_max: usize,
) -> Result<Vec<(i64, FullEvent)>, PlatformError> {
    let op = PendingWithPayloads {
        limit,
        budget,
        inline_max,
    };
    Ok(ask(objects, tenant.as_str(), op).await?)
}

/// Marks an event processed.
pub async fn mark(
    objects: &dyn Objects,
    tenant: &Tenant,
    id: &DeliveryId,
) -> Result<Marked, PlatformError> {
    Ok(ask(objects, tenant.as_str(), Mark { id: id.clone() }).await?)
}

/// Schedules deleting every event of `tenant` at `at_ms` (its installation was removed), or
/// cancels that with `None` (it was installed again).
pub async fn schedule_wipe(
    objects: &dyn Objects,
    tenant: &Tenant,
    at_ms: Option<u64>,
) -> Result<(), PlatformError> {
    Ok(ask(objects, tenant.as_str(), Wipe { at_ms }).await?)
}

/// The events of `tenant` after position `after` as JSON lines (named `label`), oldest first,
/// up to `budget` bytes; with the position of the last line (`None`: nothing left).
pub async fn export_page(
    objects: &dyn Objects,
    tenant: &Tenant,
    label: &str,
    after: i64,
    budget: usize,
) -> Result<(Option<i64>, Vec<u8>), PlatformError> {
    let op = ExportPage {
        after,
        budget,
        tenant: label.to_owned(),
    };
    Ok(ask(objects, tenant.as_str(), op).await?)
}

/// The console's view of `tenant`'s store: hourly counts, backlog, newest event.
pub async fn activity(
    objects: &dyn Objects,
    tenant: &Tenant,
) -> Result<tally::Activity, PlatformError> {
    Ok(ask(objects, tenant.as_str(), Activity {}).await?)
}

/// Up to `limit` of `tenant`'s events, processed or not, newest first.
pub async fn newest(
    objects: &dyn Objects,
    tenant: &Tenant,
    limit: usize,
) -> Result<Vec<Stored>, PlatformError> {
    Ok(ask(objects, tenant.as_str(), Newest { limit }).await?)
}

/// Records how notification `settled.notification`, sent for one of `tenant`'s events, ended.
pub async fn settled(
    objects: &dyn Objects,
    tenant: &Tenant,
    settled: Settled,
) -> Result<(), PlatformError> {
    Ok(ask(objects, tenant.as_str(), settled).await?)
}

/// Deletes every event of `tenant` now.
pub async fn erase(objects: &dyn Objects, tenant: &Tenant) -> Result<(), PlatformError> {
    Ok(ask(objects, tenant.as_str(), Erase {}).await?)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
