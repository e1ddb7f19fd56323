//! Event routes: `[routes.<name>]` in `tools.toml`, compiled in by `toolbox!` as
//! `tools::EVENT_ROUTES`, turn a stored GitHub delivery into notifications with no agent in the
//! loop. The intake asks `Routes` which notifications a delivery will send (`plan`, recorded by
//! the event store with the delivery), then has it hand them to their channels' outboxes
//! (`fire`), which send them from their alarm and report each outcome back to the event's store
//! (`trigger_status`). Sits above both sides: imports `webhooks` and `channels`, which never
//! import each other.

pub mod event;
pub mod fields;
mod fire;
pub mod route;

pub use event::Event;
pub use route::{Condition, EventRoute};

use crate::channels::ids::NotificationId;
use crate::platform::Platform;
use crate::webhooks::hook::{Arrival, Plan, Planned, Triggers};

/// The routes a gateway was built with.
pub struct Routes(pub &'static [EventRoute]);

impl Routes {
    /// The routes `event` matches, with their positions.
    pub fn matching<'r>(
        &'r self,
        event: &'r Event<'_>,
    ) -> impl Iterator<Item = (usize, &'static EventRoute)> + 'r {
        self.0.iter().enumerate().filter(|(_, r)| r.matches(event))
    }
}

fn event_of<'a>(arrival: &Arrival<'a>) -> Event<'a> {
    Event::read(
        arrival.id.as_str(),
        arrival.event_type,
        arrival.summary,
        arrival.payload,
    )
}

#[async_trait::async_trait(?Send)]
impl Triggers for Routes {
    fn plan(&self, platform: &Platform<'_>, arrival: &Arrival<'_>) -> Plan {
        if self.0.is_empty() {
            return Plan::default();
        }
        let event = event_of(arrival);
        let mut plan = Plan::default();
        for (r, route) in self.matching(&event) {
            for (c, channel) in route.channels.iter().enumerate() {
                let Ok(id) = NotificationId::generate(channel, platform.random) else {
                    crate::log::internal("event route", "no random bytes for a notification id");
                    continue;
                };
                plan.sends.push(Planned {
                    notification: id.as_str().to_owned(),
                    route: r,
                    channel: c,
                });
            }
            plan.mark_processed |= route.mark_processed;
        }
        plan
    }

    async fn fire(&self, platform: &Platform<'_>, arrival: &Arrival<'_>, plan: &Plan) {
        let event = event_of(arrival);
        for planned in &plan.sends {
            let Some(route) = self.0.get(planned.route) else {
                continue;
            };
            fire::hand_over(platform, arrival, &event, route, planned).await;
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
