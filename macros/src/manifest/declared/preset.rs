//! `kind = "preset"`: a fixed notification over `send_notification` — its channel (or
//! channels), severity, and a title, text and link written as templates of its arguments.
//! Whether `channels.toml` declares each channel is checked by `toolbox!`, which reads it.

use std::ops::Range;

use toml::de::DeValue;

use super::{kind, Keys, Template};
use crate::channels::rules::{check_instance_id, Service};
use crate::manifest::Reader;

/// The keys of a preset besides the common ones.
pub(super) const KEYS: &[&str] = &[
    "channel", "channels", "severity", "headline", "text", "link", "silent",
];

/// A valid preset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresetDecl {
    /// The channel ids it sends to (`<service>-<id>`), with the line naming each.
    pub channels: Vec<(String, usize)>,
    /// `info`, `success`, `warning` or `error`.
    pub severity: Option<String>,
    /// The headline template (the notification's title).
    pub headline: Option<String>,
    /// The text template (Markdown).
    pub text: String,
    /// The link template.
    pub link: Option<String>,
    /// Delivered without a sound.
    pub silent: bool,
}

impl Reader<'_> {
    /// The preset keys of `keys`; its templates are added to `templates`.
    pub(super) fn preset(
        &mut self,
        keys: &mut Keys<'_, '_, '_>,
        key_span: Range<usize>,
        templates: &mut Vec<Template>,
    ) -> Option<PresetDecl> {
        let tool = keys.tool.to_owned();
        let errors_before = self.errors.len();
        let mut channels = Vec::new();
        let one = keys.take("channel");
        let many = keys.take("channels");
        let listed: Vec<_> = match (one, many) {
            (Some(v), None) => vec![v],
            (None, Some(v)) => match v.get_ref() {
                DeValue::Array(items) if !items.is_empty() => items.iter().collect(),
                other => {
                    let found = kind(other);
                    self.error(v.span(), format!("`channels` of tool `{tool}` is {found} — write a list of channel ids, e.g. `channels = [\"telegram-ops\", \"slack-alerts\"]`"));
                    Vec::new()
                }
            },
            (Some(v), Some(_)) => {
                self.error(
                    v.span(),
                    format!("tool `{tool}` has both `channel` and `channels` — keep one"),
                );
                Vec::new()
            }
            (None, None) => {
                self.error(key_span.clone(), format!("preset `{tool}` has no `channel` — add `channel = \"telegram-ops\"` (a channel of channels.toml) or `channels = [\"…\", \"…\"]`"));
                Vec::new()
            }
        };
        for v in listed {
            let line = super::super::line_of(self.source, v.span().start);
            let DeValue::String(id) = v.get_ref() else {
                let found = kind(v.get_ref());
                self.error(v.span(), format!("a channel of tool `{tool}` is {found}, not a channel id — write e.g. `\"telegram-ops\"`"));
                continue;
            };
            let valid = id.split_once('-').is_some_and(|(service, instance)| {
                Service::parse(service).is_some() && check_instance_id(instance).is_ok()
            });
            if !valid {
                self.error(v.span(), format!("`{id}` of tool `{tool}` is not a channel id — write `<service>-<id>` as list_channels shows it, e.g. `telegram-ops`, `discord-deploys`, `slack-alerts` or `webhook-ci`"));
                continue;
            }
            if channels.iter().any(|(c, _)| c == &**id) {
                self.error(
                    v.span(),
                    format!("tool `{tool}` names the channel `{id}` twice — keep one"),
                );
                continue;
            }
            channels.push((id.to_string(), line));
        }
        let severity = keys.string(self, "severity").and_then(|(s, span)| {
            if matches!(s.as_str(), "info" | "success" | "warning" | "error") {
                Some(s)
            } else {
                self.error(span, format!("the severity `{s}` of tool `{tool}` is not valid — write `info`, `success`, `warning` or `error`"));
                None
            }
        });
        let mut template = |r: &mut Reader, key: &str| {
            let (text, span) = keys.string(r, key)?;
            templates.push(Template {
                what: format!("the {key} of tool `{tool}`"),
                text: text.clone(),
                span,
                secrets: false,
            });
            Some(text)
        };
        let headline = template(self, "headline");
        let text = template(self, "text");
        let link = template(self, "link");
        let silent = keys.boolean(self, "silent").unwrap_or(false);
        if text.is_none()
            && !self.errors[errors_before..]
                .iter()
                .any(|e| e.message.contains("`text`"))
        {
            self.error(key_span, format!("preset `{tool}` has no `text` — add `text = \"…{{argument}}…\"`, the message in Markdown"));
        }
        let decl = PresetDecl {
            channels,
            severity,
            headline,
            text: text?,
            link,
            silent,
        };
        (self.errors.len() == errors_before && !decl.channels.is_empty()).then_some(decl)
    }
}
