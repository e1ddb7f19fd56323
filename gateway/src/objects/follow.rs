//! How a notification sent for a webhook event ended, as the outbox that sends it reports back
//! to the event's store. The type sits here, between the two, so that `channels` (which
//! reports) and `webhooks` (whose `EventStore` answers it) never import each other: the
//! outbox only knows the name of the object to tell, and that `Settled` is what it says.

use serde::{Deserialize, Serialize};

/// Where a followed notification is: `sent`, `queued` (waiting for another attempt) or
/// `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Delivered.
    Sent,
    /// Not delivered yet; it is retried.
    Queued,
    /// Refused, expired or dropped: it will not be delivered.
    Failed,
}

impl Outcome {
    /// `sent`, `queued` or `failed`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Queued => "queued",
            Outcome::Failed => "failed",
        }
    }
}

/// The notification `notification` is now `outcome`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settled {
    /// The notification id.
    pub notification: String,
    /// Where it is.
    pub outcome: Outcome,
}
