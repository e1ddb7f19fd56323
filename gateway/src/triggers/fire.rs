//! Handing a route's notification to its channel's outbox: the message written from the
//! route's templates over the event's fields, accepted to be sent by the outbox's alarm (so the
//! webhook's answer never waits for a channel) and followed by the event's store. What cannot be
//! handed over is reported to the store as failed at once. Each hand-over is audited as the
//! route (`route:<name>`); the outbox audits every attempt after it.

use super::event::Event;
use super::fields::FIELDS;
use super::route::EventRoute;
use crate::audit::{self, Entry};
use crate::channels::message::Message;
use crate::channels::outbox::Accept;
use crate::channels::registry::Registry;
use crate::channels::{deliver, expiry_hours, CHANNELS};
use crate::objects::follow::{Outcome, Settled};
use crate::platform::Platform;
use crate::template;
use crate::webhooks::hook::{Arrival, Planned};
use crate::webhooks::store;

/// `template` filled with the event's fields; a field the event lacks is written as nothing.
pub fn fill(template: &str, event: &Event<'_>) -> String {
    let texts: Vec<(&str, String)> = FIELDS
        .iter()
        .map(|f| (f.name, event.value(f.name).unwrap_or_default()))
        .collect();
    let values: Vec<(&str, &str)> = texts.iter().map(|(k, v)| (*k, v.as_str())).collect();
    template::fill(template, &values)
}

/// The message `route` writes for `event`.
pub fn message(route: &EventRoute, event: &Event<'_>) -> Result<Message, String> {
    Message::new(
        fill(route.text, event),
        route
            .title
            .map(|t| fill(t, event))
            .filter(|t| !t.trim().is_empty()),
        route
            .link
            .map(|l| fill(l, event))
            .filter(|l| !l.trim().is_empty()),
        route.severity,
        Vec::new(),
        false,
    )
}

/// Hands `planned`, of `route`, to its channel's outbox; reports it failed to the event's store
/// when that cannot be done.
pub async fn hand_over(
    platform: &Platform<'_>,
    arrival: &Arrival<'_>,
    event: &Event<'_>,
    route: &EventRoute,
    planned: &Planned,
) {
    let Some(channel_id) = route.channels.get(planned.channel) else {
        return;
    };
    let actor = format!("route:{}", route.name);
    let id = planned.notification.as_str();
    let refused = accept(platform, event, route, channel_id, id, arrival)
        .await
        .err();
    let (outcome, detail) = match &refused {
        None => (
            "queued",
            format!("{id} to {channel_id} for event {}", event.id),
        ),
        Some(why) => (
            "failed",
            format!("{id} to {channel_id} for event {}: {why}", event.id),
        ),
    };
    audit::record(
        platform.objects,
        Entry::new("notify", &actor, outcome).detail(detail),
    )
    .await;
    if refused.is_some() {
        let settled = Settled {
            notification: id.to_owned(),
            outcome: Outcome::Failed,
        };
        if let Err(e) = store::settled(platform.objects, arrival.tenant, settled).await {
            crate::log::internal("event route", &e.0);
        }
    }
}

/// Accepts the notification into its channel's outbox, followed by the event's store.
async fn accept(
    platform: &Platform<'_>,
    event: &Event<'_>,
    route: &EventRoute,
    channel_id: &str,
    id: &str,
    arrival: &Arrival<'_>,
) -> Result<(), String> {
    let registry = Registry::load(CHANNELS, platform.secrets);
    let channel = registry
        .find(channel_id)
        .ok_or_else(|| format!("channel `{channel_id}` is not configured"))?;
    let message = message(route, event)?;
    let hours = expiry_hours(platform.secrets)?;
    let accept = Accept {
        id: id.to_owned(),
        channel: channel_id.to_owned(),
        actor: format!("route:{}", route.name),
        client: None,
        parts: deliver::render(&channel.instance, &message),
        expires_ms: platform.clock.now_ms() + hours * 3_600_000,
        defer: true,
        follower: Some(arrival.tenant.as_str().to_owned()),
    };
    crate::objects::ask::<Accept>(platform.objects, channel_id, accept)
        .await
        .map(drop)
        .map_err(|e| format!("its outbox could not take it: {e}"))?;
    Ok(())
}
