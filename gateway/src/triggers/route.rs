//! A route as `toolbox!` compiles it from `[routes.<name>]`: which events it takes, where it
//! sends them and the message it writes. Plain data; `matches` decides whether an event is one.

use super::event::Event;
use crate::channels::message::Severity;

/// A condition: the field `field` has one of `any_of` (for `label`: the event carries one of
/// them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Condition {
    /// A field of `fields::FIELDS` that takes conditions.
    pub field: &'static str,
    /// The values it may have.
    pub any_of: &'static [&'static str],
}

/// One `[routes.<name>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRoute {
    /// The table's name.
    pub name: &'static str,
    /// The event types it takes (`event`).
    pub events: &'static [&'static str],
    /// The actions it takes (`action`); empty: any, and events without one.
    pub actions: &'static [&'static str],
    /// Every condition must hold.
    pub conditions: &'static [Condition],
    /// The GitHub accounts (logins) whose events it takes; empty: every account's.
    pub accounts: &'static [&'static str],
    /// The channel ids it sends to.
    pub channels: &'static [&'static str],
    /// The title template.
    pub title: Option<&'static str>,
    /// The text template (Markdown).
    pub text: &'static str,
    /// The link template.
    pub link: Option<&'static str>,
    /// How urgent.
    pub severity: Option<Severity>,
    /// Mark the event processed once every notification of the route is delivered.
    pub mark_processed: bool,
}

/// Whether `value` is one of `values` (any value, or none, when `values` is empty).
fn one_of(values: &[&str], value: Option<&str>) -> bool {
    values.is_empty() || value.is_some_and(|v| values.contains(&v))
}

impl EventRoute {
    /// Whether `event` is one this route takes.
    pub fn matches(&self, event: &Event<'_>) -> bool {
        self.events.contains(&event.event_type)
            && one_of(self.actions, event.summary.action.as_deref())
            && (self.accounts.is_empty()
                || event
                    .account
                    .as_deref()
                    .is_some_and(|a| self.accounts.iter().any(|x| x.eq_ignore_ascii_case(a))))
            && self.conditions.iter().all(|c| match c.field {
                "label" => event.labels.iter().any(|l| c.any_of.contains(&l.as_str())),
                field => one_of(c.any_of, event.value(field).as_deref()),
            })
    }
}
