//! `[routes.<name>]`: event routes — which GitHub events (type, action, conditions on their
//! fields, accounts) go to which channels, with a message written as templates of the event's
//! fields. The fields are the gateway's own list (`gateway/src/triggers/fields.rs`, included
//! here), so a condition or a `{name}` the gateway cannot fill fails the build. Whether
//! `channels.toml` declares each channel is checked by `toolbox!`, which reads it.

use std::ops::Range;

use toml::de::DeValue;
use toml::Spanned;

use super::{in_file_order, kind, line_of, Reader};
use crate::channels::rules::{check_instance_id, Service};
use crate::template::{slots, Slot};

#[path = "../../../gateway/src/triggers/fields.rs"]
#[allow(dead_code)] // The gateway reads the descriptions.
mod fields;

/// The keys of a route besides its conditions.
const KEYS: &[&str] = &[
    "event",
    "action",
    "accounts",
    "channel",
    "channels",
    "title",
    "text",
    "link",
    "severity",
    "mark_processed",
];

/// A valid `[routes.<name>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRoute {
    /// The table's name.
    pub name: String,
    /// The event types (`event`).
    pub events: Vec<String>,
    /// The actions (`action`); empty: any.
    pub actions: Vec<String>,
    /// Each condition: a field and the values it may have.
    pub conditions: Vec<(String, Vec<String>)>,
    /// The accounts (`accounts`); empty: any.
    pub accounts: Vec<String>,
    /// The channel ids, with the line naming each.
    pub channels: Vec<(String, usize)>,
    /// The title template.
    pub title: Option<String>,
    /// The text template.
    pub text: String,
    /// The link template.
    pub link: Option<String>,
    /// `info`, `success`, `warning` or `error`.
    pub severity: Option<String>,
    /// Mark the event processed once delivered.
    pub mark_processed: bool,
}

/// What a route is still missing, or has, as it is read.
#[derive(Default)]
struct Draft {
    events: Option<Vec<String>>,
    actions: Vec<String>,
    conditions: Vec<(String, Vec<String>)>,
    accounts: Vec<String>,
    channels: Vec<(String, usize)>,
    title: Option<String>,
    text: Option<String>,
    link: Option<String>,
    severity: Option<String>,
    mark_processed: bool,
}

fn is_event_type(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
}

fn is_route_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The field names a template may use, for messages.
fn field_names() -> String {
    let names: Vec<&str> = fields::FIELDS.iter().map(|f| f.name).collect();
    names.join(", ")
}

/// The fields a route may set conditions on, for messages.
fn condition_names() -> String {
    let names: Vec<&str> = fields::FIELDS
        .iter()
        .filter(|f| f.condition)
        .map(|f| f.name)
        .collect();
    names.join(", ")
}

impl Reader<'_> {
    /// `[routes.<name>]` tables.
    pub(super) fn routes(&mut self, value: &Spanned<DeValue>) -> Vec<EventRoute> {
        let DeValue::Table(table) = value.get_ref() else {
            let found = kind(value.get_ref());
            self.error(value.span(), format!("`routes` is {found}, not a table — write one [routes.<name>] table per route, with `event`, `channel` and `text`"));
            return Vec::new();
        };
        let mut routes = Vec::new();
        for (key, value) in in_file_order(table) {
            let name = &**key.get_ref();
            if !is_route_name(name) {
                self.error(key.span(), format!("`{name}` is not a route name — use letters, digits, `_` and `-`, at most 64, e.g. [routes.failed_main]"));
                continue;
            }
            if let Some(route) = self.route(name, key.span(), value) {
                routes.push(route);
            }
        }
        routes
    }

    fn route(
        &mut self,
        name: &str,
        key_span: Range<usize>,
        value: &Spanned<DeValue>,
    ) -> Option<EventRoute> {
        let DeValue::Table(table) = value.get_ref() else {
            let found = kind(value.get_ref());
            self.error(value.span(), format!("route `{name}` is {found}, not a table — write [routes.{name}] with `event`, `channel` and `text`"));
            return None;
        };
        let errors_before = self.errors.len();
        let mut d = Draft::default();
        for (key, value) in in_file_order(table) {
            let key_name = &**key.get_ref();
            match key_name {
                "event" => d.events = self.words(name, key_name, value),
                "action" => d.actions = self.words(name, key_name, value).unwrap_or_default(),
                "accounts" => d.accounts = self.words(name, key_name, value).unwrap_or_default(),
                "channel" | "channels" => self.channels(name, key_name, value, &mut d),
                "title" => d.title = self.template(name, key_name, value),
                "text" => d.text = self.template(name, key_name, value),
                "link" => d.link = self.template(name, key_name, value),
                "severity" => d.severity = self.severity(name, value),
                "mark_processed" => match value.get_ref() {
                    DeValue::Boolean(b) => d.mark_processed = *b,
                    other => {
                        let found = kind(other);
                        self.error(value.span(), format!("`mark_processed` of route `{name}` is {found}, not a boolean — write `mark_processed = true` or `false`"));
                    }
                },
                field if fields::field(field).is_some_and(|f| f.condition) => {
                    if let Some(values) = self.words(name, field, value) {
                        d.conditions.push((field.to_owned(), values));
                    }
                }
                other => {
                    let what = if fields::field(other).is_some() {
                        format!("route `{name}` cannot set a condition on `{other}`")
                    } else {
                        format!("route `{name}` has an unknown key `{other}`")
                    };
                    self.error(
                        key.span(),
                        format!(
                            "{what} — its keys are {}, and conditions on {}",
                            KEYS.join(", "),
                            condition_names()
                        ),
                    );
                }
            }
        }
        if let Some(events) = &d.events {
            for event in events {
                if !is_event_type(event) {
                    self.error(key_span.clone(), format!("`{event}` in `event` of route `{name}` is not a GitHub event type — write it as X-GitHub-Event names it, e.g. `workflow_run`, `issues` or `release`"));
                }
            }
        }
        let line = line_of(self.source, key_span.start);
        let given = |key: &str| table.iter().any(|(k, _)| k.get_ref() == key);
        let missing = [
            ("event", given("event"), "`event = \"workflow_run\"` (or a list of event types)"),
            ("channel", given("channel") || given("channels"), "`channel = \"slack-ops\"` (a channel of channels.toml) or `channels = [\"…\", \"…\"]`"),
            ("text", given("text"), "`text = \"…{repository}…\"`, the message in Markdown, with the event's fields in braces"),
        ];
        for (key, present, fix) in missing {
            if !present {
                let message = format!("route `{name}` has no `{key}` — add {fix}");
                self.errors.push(super::ManifestError { line, message });
            }
        }
        if self.errors.len() != errors_before {
            return None;
        }
        Some(EventRoute {
            name: name.to_owned(),
            events: d.events?,
            actions: d.actions,
            conditions: d.conditions,
            accounts: d.accounts,
            channels: d.channels,
            title: d.title,
            text: d.text?,
            link: d.link,
            severity: d.severity,
            mark_processed: d.mark_processed,
        })
    }

    /// A string or a non-empty list of non-empty strings.
    fn words(&mut self, route: &str, key: &str, value: &Spanned<DeValue>) -> Option<Vec<String>> {
        let fix = format!("write `{key} = \"…\"` or `{key} = [\"…\", \"…\"]`");
        let items: Vec<&Spanned<DeValue>> = match value.get_ref() {
            DeValue::String(_) => vec![value],
            DeValue::Array(items) if !items.is_empty() => items.iter().collect(),
            other => {
                let found = match other {
                    DeValue::Array(_) => "an empty list".to_owned(),
                    other => kind(other),
                };
                self.error(
                    value.span(),
                    format!("`{key}` of route `{route}` is {found} — {fix}"),
                );
                return None;
            }
        };
        let mut words = Vec::new();
        for item in items {
            match item.get_ref() {
                DeValue::String(s) if !s.trim().is_empty() => words.push(s.to_string()),
                other => {
                    let found = if matches!(other, DeValue::String(_)) {
                        "empty".to_owned()
                    } else {
                        kind(other)
                    };
                    self.error(
                        item.span(),
                        format!("a value of `{key}` in route `{route}` is {found} — {fix}"),
                    );
                    return None;
                }
            }
        }
        Some(words)
    }

    fn channels(&mut self, route: &str, key: &str, value: &Spanned<DeValue>, d: &mut Draft) {
        if !d.channels.is_empty() {
            self.error(
                value.span(),
                format!("route `{route}` has both `channel` and `channels` — keep one"),
            );
            return;
        }
        let Some(ids) = self.words(route, key, value) else {
            return;
        };
        let line = line_of(self.source, value.span().start);
        for id in ids {
            let valid = id.split_once('-').is_some_and(|(service, instance)| {
                Service::parse(service).is_some() && check_instance_id(instance).is_ok()
            });
            if !valid {
                self.error(value.span(), format!("`{id}` of route `{route}` is not a channel id — write `<service>-<id>` as list_channels shows it, e.g. `slack-ops` or `telegram-triage`"));
            } else if d.channels.iter().any(|(c, _)| *c == id) {
                self.error(
                    value.span(),
                    format!("route `{route}` names the channel `{id}` twice — keep one"),
                );
            } else {
                d.channels.push((id, line));
            }
        }
    }

    /// A template of the event's fields.
    fn template(&mut self, route: &str, key: &str, value: &Spanned<DeValue>) -> Option<String> {
        let DeValue::String(text) = value.get_ref() else {
            let found = kind(value.get_ref());
            self.error(
                value.span(),
                format!(
                    "`{key}` of route `{route}` is {found}, not a string — write `{key} = \"…\"`"
                ),
            );
            return None;
        };
        if text.trim().is_empty() {
            self.error(value.span(), format!("`{key}` of route `{route}` is empty — write the {key}, e.g. `{key} = \"{{repository}}: {{title}}\"`"));
            return None;
        }
        let mut ok = true;
        for slot in slots(text) {
            match slot {
                Slot::Value(field) if fields::field(field).is_none() => {
                    ok = false;
                    self.error(value.span(), format!("the {key} of route `{route}` uses `{{{field}}}`, which is not a field of an event — use one of: {}", field_names()));
                }
                Slot::Value(_) => {}
                Slot::Secret(secret) => {
                    ok = false;
                    self.error(value.span(), format!("the {key} of route `{route}` uses `{{secret:{secret}}}`, but a route's message may not hold secrets — remove it"));
                }
            }
        }
        ok.then(|| text.to_string())
    }

    fn severity(&mut self, route: &str, value: &Spanned<DeValue>) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) if matches!(&**s, "info" | "success" | "warning" | "error") => {
                Some(s.to_string())
            }
            _ => {
                self.error(value.span(), format!("the severity of route `{route}` is not valid — write `info`, `success`, `warning` or `error`"));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::manifest::parse;

    #[test]
    fn a_route_is_read_whole() {
        let source = r#"
[routes.new_bug]
event = "issues"
action = ["opened", "labeled"]
label = "bug"
accounts = ["octo-org"]
channels = ["telegram-triage", "slack-ops"]
severity = "warning"
title = "{repository}#{number}: {title}"
text = "New bug from {sender}"
link = "{url}"
mark_processed = true
"#;
        let (manifest, errors) = parse(source).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        let route = &manifest.routes[0];
        assert_eq!(route.name, "new_bug");
        assert_eq!(route.events, ["issues"]);
        assert_eq!(route.actions, ["opened", "labeled"]);
        assert_eq!(
            route.conditions,
            [("label".to_owned(), vec!["bug".to_owned()])]
        );
        assert_eq!(route.accounts, ["octo-org"]);
        let channels: Vec<&str> = route.channels.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(channels, ["telegram-triage", "slack-ops"]);
        assert_eq!(route.severity.as_deref(), Some("warning"));
        assert!(route.mark_processed);
    }

    #[test]
    fn every_mistake_is_reported_with_its_line() {
        let source = r#"[routes.r]
event = "Workflow Run"
branchh = "main"
number = "7"
channel = "ops"
text = "{workflow}"
"#;
        let (manifest, errors) = parse(source).unwrap();
        assert!(manifest.routes.is_empty());
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 3, 4, 5, 6], "{errors:#?}");
        assert!(errors[1].message.contains("unknown key `branchh`"));
        assert!(errors[2]
            .message
            .contains("cannot set a condition on `number`"));
        assert!(errors[3].message.contains("not a channel id"));
        assert!(errors[4]
            .message
            .contains("`{workflow}`, which is not a field of an event"));
    }
}
