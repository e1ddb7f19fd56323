//! What turns a stored delivery into notifications. Event routes live above this part (the
//! webhook side never imports channels), so the caller of the intake hands it a `Triggers`:
//! the intake asks it which notifications a delivery will send before storing it — the store
//! records them with the delivery, in the same step, so a redelivery never triggers twice —
//! and, once stored, has it hand them to their channels' outboxes, which never waits for a
//! channel.

use super::payload::Summary;
use super::{DeliveryId, Tenant};
use crate::platform::Platform;

/// A delivery that passed every check.
#[derive(Debug, Clone, Copy)]
pub struct Arrival<'a> {
    /// The delivery id.
    pub id: &'a DeliveryId,
    /// The store it goes to.
    pub tenant: &'a Tenant,
    /// The event type.
    pub event_type: &'a str,
    /// Its summary.
    pub summary: &'a Summary,
    /// The body GitHub sent.
    pub payload: &'a [u8],
}

/// One notification a delivery will send: its id, and which route and channel (positions in
/// the `Triggers`' own tables) send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The notification id.
    pub notification: String,
    /// The route.
    pub route: usize,
    /// The channel, of the route's.
    pub channel: usize,
}

/// What a delivery will send once stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The notifications.
    pub sends: Vec<Planned>,
    /// Mark the event processed once they are all delivered.
    pub mark_processed: bool,
}

/// Turns deliveries into notifications.
#[async_trait::async_trait(?Send)]
pub trait Triggers {
    /// The notifications `arrival` will send if it is stored (none: it matches nothing).
    fn plan(&self, platform: &Platform<'_>, arrival: &Arrival<'_>) -> Plan;

    /// Hands the notifications of `plan` to their channels, for `arrival`, now stored. Waits
    /// for the outboxes, never for a channel; what cannot be handed over is reported to the
    /// store as failed.
    async fn fire(&self, platform: &Platform<'_>, arrival: &Arrival<'_>, plan: &Plan);
}

/// No routes: nothing is ever triggered.
pub struct NoTriggers;

#[async_trait::async_trait(?Send)]
impl Triggers for NoTriggers {
    fn plan(&self, _platform: &Platform<'_>, _arrival: &Arrival<'_>) -> Plan {
        Plan::default()
    }

    async fn fire(&self, _platform: &Platform<'_>, _arrival: &Arrival<'_>, _plan: &Plan) {}
}
