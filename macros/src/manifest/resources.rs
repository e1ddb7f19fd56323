//! `[resources.<family>]` tables: which scope reads a resource family and at what rate, as
//! tools have. The families themselves (URI template, how to read) are code, listed in
//! `toolbox!`; this file only reads and checks the manifest side.

use std::ops::Range;

use toml::de::DeValue;
use toml::Spanned;

use super::{in_file_order, kind, one_of, Rate, Reader, Scope};

/// What `[resources.<family>]` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePolicy {
    /// `enabled`, default true.
    pub enabled: bool,
    /// `scope`, a declared scope.
    pub scope: String,
    /// `rate`: reads per caller.
    pub rate: Rate,
}

/// A `[resources.<family>]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceFamily {
    /// The key: the family's name (its const's name, lower-cased).
    pub name: String,
    /// The line of the key.
    pub line: usize,
    /// The entry, or `None` when it has mistakes (they are in the error list).
    pub policy: Option<ResourcePolicy>,
}

impl Reader<'_> {
    /// `[resources.<family>]` tables.
    pub(super) fn resources(
        &mut self,
        value: &Spanned<DeValue>,
        scopes: &[Scope],
    ) -> Vec<ResourceFamily> {
        let fix = "write one [resources.<family>] table per resource family";
        self.sections(value, "resources", fix, |r, name, line, key_span, value| {
            let policy = r.resource_policy(&name, key_span, value, scopes);
            ResourceFamily { name, line, policy }
        })
    }

    /// One family's table; `None` if anything in it is wrong.
    fn resource_policy(
        &mut self,
        family: &str,
        key_span: Range<usize>,
        value: &Spanned<DeValue>,
        scopes: &[Scope],
    ) -> Option<ResourcePolicy> {
        let what = format!("resource family `{family}`");
        let DeValue::Table(table) = value.get_ref() else {
            let found = kind(value.get_ref());
            let fix = format!("write a [resources.{family}] table with `scope` and `rate`");
            self.error(
                value.span(),
                format!("`resources.{family}` is {found}, not a table — {fix}"),
            );
            return None;
        };
        let errors_before = self.errors.len();
        let (mut enabled, mut scope, mut rate) = (true, None, None);
        for (key, value) in in_file_order(table) {
            let span = value.span();
            match (&**key.get_ref(), value.get_ref()) {
                ("enabled", DeValue::Boolean(flag)) => enabled = *flag,
                ("scope", DeValue::String(text)) => {
                    scope = self.scope_ref(&what, text, span, scopes)
                }
                ("rate", DeValue::String(text)) => rate = self.rate(&what, text, span),
                (key @ ("enabled" | "scope" | "rate"), value) => {
                    let (expected, example) = match key {
                        "enabled" => ("a boolean", "enabled = true"),
                        "scope" => ("a string", "scope = \"dovecote:read\""),
                        _ => ("a string", "rate = \"60/minute\""),
                    };
                    let found = kind(value);
                    let problem = format!("`{key}` of {what} is {found}, not {expected}");
                    self.error(span, format!("{problem} — write `{example}`"));
                }
                (other, _) => {
                    let fix = "the keys are enabled, scope and rate";
                    self.error(
                        key.span(),
                        format!("{what} has an unknown key `{other}` — {fix}"),
                    );
                }
            }
        }
        if !table.iter().any(|(k, _)| k.get_ref() == "scope") {
            let fix = format!("add `scope = \"…\"`{}", one_of(scopes, ", one of: "));
            self.error(key_span.clone(), format!("{what} has no `scope` — {fix}"));
        }
        if !table.iter().any(|(k, _)| k.get_ref() == "rate") {
            let fix =
                "add `rate = \"60/minute\"` (reads per caller per second, minute, hour or day)";
            self.error(key_span, format!("{what} has no `rate` — {fix}"));
        }
        let policy = ResourcePolicy {
            enabled,
            scope: scope?,
            rate: rate?,
        };
        (self.errors.len() == errors_before).then_some(policy)
    }
}
