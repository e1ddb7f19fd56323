//! `[prompts.<name>]` tables: a prompt is wholly declared in the manifest — title,
//! description, scope, rate, arguments, and messages whose text may use `{argument}` and may
//! embed a resource by URI template. Every mistake is reported with its line; whether an
//! embedded resource's URI can be served is checked against the resource families when the
//! gateway compiles (`toolbox!` emits that check).

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{in_file_order, kind, line_of, Rate, Reader, Scope};

/// Who a message speaks as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `role = "user"`.
    User,
    /// `role = "assistant"`.
    Assistant,
}

/// What one message holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// `text = "…"`, a template.
    Text(String),
    /// `resource = "<URI template>"`: read when the prompt is got, as the caller.
    Resource(String),
    /// `resource` with `text` (and `mime_type`): this text, embedded under that URI.
    Inline {
        /// URI template.
        uri: String,
        /// Media type.
        mime_type: Option<String>,
        /// Text template.
        text: String,
    },
    /// `image = "<base64>"` with `mime_type`.
    Image {
        /// Base64 data.
        data: String,
        /// Media type.
        mime_type: String,
    },
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// What it says.
    pub body: Body,
    /// Its line, for the check of an embedded resource.
    pub line: usize,
}

/// One argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Argument {
    /// Its name.
    pub name: String,
    /// What to pass.
    pub description: Option<String>,
    /// Whether it must be given.
    pub required: bool,
}

/// A valid `[prompts.<name>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptDecl {
    /// Title.
    pub title: Option<String>,
    /// Description (required: clients list it).
    pub description: String,
    /// Scope.
    pub scope: String,
    /// Rate.
    pub rate: Rate,
    /// Arguments, in file order.
    pub arguments: Vec<Argument>,
    /// Messages, in order.
    pub messages: Vec<Message>,
}

/// A `[prompts.<name>]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// Its name.
    pub name: String,
    /// The line of its key.
    pub line: usize,
    /// The prompt, or `None` when it has mistakes (they are in the error list).
    pub decl: Option<PromptDecl>,
}

fn valid_name(name: &str, max: usize) -> bool {
    (1..=max).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

impl Reader<'_> {
    /// `[prompts.<name>]` tables.
    pub(super) fn prompts(&mut self, value: &Spanned<DeValue>, scopes: &[Scope]) -> Vec<Prompt> {
        let fix = "write one [prompts.<name>] table per prompt";
        self.sections(value, "prompts", fix, |r, name, line, key_span, value| {
            if !valid_name(&name, 128) {
                let fix = "use 1 to 128 characters of A-Z, a-z, 0-9, `_`, `.` and `-`";
                r.error(
                    key_span.clone(),
                    format!("prompt name `{name}` is not valid — {fix}"),
                );
            }
            let decl = r.prompt(&name, key_span, value, scopes);
            Prompt { name, line, decl }
        })
    }

    fn prompt(
        &mut self,
        name: &str,
        key_span: Range<usize>,
        value: &Spanned<DeValue>,
        scopes: &[Scope],
    ) -> Option<PromptDecl> {
        let what = format!("prompt `{name}`");
        let DeValue::Table(table) = value.get_ref() else {
            let found = kind(value.get_ref());
            let fix = format!("write a [prompts.{name}] table with `description`, `scope`, `rate` and [[prompts.{name}.messages]]");
            self.error(
                value.span(),
                format!("`prompts.{name}` is {found}, not a table — {fix}"),
            );
            return None;
        };
        let errors_before = self.errors.len();
        let (mut title, mut description, mut scope, mut rate) = (None, None, None, None);
        let (mut arguments, mut messages) = (Vec::new(), None);
        for (key, value) in in_file_order(table) {
            let span = value.span();
            match (&**key.get_ref(), value.get_ref()) {
                ("title", DeValue::String(t)) => {
                    title = self.text(t, span, &format!("the title of {what}"), 100)
                }
                ("description", DeValue::String(t)) => {
                    description = self.text(t, span, &format!("the description of {what}"), 0)
                }
                ("scope", DeValue::String(t)) => scope = self.scope_ref(&what, t, span, scopes),
                ("rate", DeValue::String(t)) => rate = self.rate(&what, t, span),
                ("arguments", DeValue::Table(args)) => arguments = self.arguments(&what, args),
                ("messages", DeValue::Array(items)) => {
                    messages = Some(self.messages(&what, span, items))
                }
                (key @ ("title" | "description" | "scope" | "rate"), v) => {
                    let found = kind(v);
                    self.error(
                        span,
                        format!(
                            "`{key}` of {what} is {found}, not a string — write `{key} = \"…\"`"
                        ),
                    );
                }
                (key @ ("arguments" | "messages"), v) => {
                    let found = kind(v);
                    let fix = if key == "arguments" {
                        format!("write [prompts.{name}.arguments.<argument>] tables")
                    } else {
                        format!("write [[prompts.{name}.messages]] tables")
                    };
                    self.error(span, format!("`{key}` of {what} is {found} — {fix}"));
                }
                (other, _) => {
                    let fix =
                        "the keys are title, description, scope, rate, arguments and messages";
                    self.error(
                        key.span(),
                        format!("{what} has an unknown key `{other}` — {fix}"),
                    );
                }
            }
        }
        for (key, fix) in [
            (
                "description",
                "add `description = \"What it is for\"` (clients show it)".to_owned(),
            ),
            (
                "scope",
                "add `scope = \"…\"`, a scope declared under [scopes]".to_owned(),
            ),
            (
                "rate",
                "add `rate = \"30/minute\"` (gets per caller per second, minute, hour or day)"
                    .to_owned(),
            ),
            (
                "messages",
                format!("add at least one [[prompts.{name}.messages]] with `role` and `text`"),
            ),
        ] {
            if !table.iter().any(|(k, _)| k.get_ref() == key) {
                self.error(key_span.clone(), format!("{what} has no `{key}` — {fix}"));
            }
        }
        let messages = messages.unwrap_or_default();
        let known: Vec<&str> = arguments
            .iter()
            .map(|a: &Argument| a.name.as_str())
            .collect();
        for m in &messages {
            let templates: Vec<&str> = match &m.body {
                Body::Text(t) | Body::Resource(t) => vec![t],
                Body::Inline { uri, text, .. } => vec![uri, text],
                Body::Image { .. } => vec![],
            };
            let declare = |used: &str| format!("declare it as [prompts.{name}.arguments.{used}]");
            let uses = crate::template::Uses {
                values: &known,
                secrets: false,
                declare: &declare,
            };
            for template in templates {
                for problem in crate::template::check(&what, template, &uses) {
                    self.errors.push(super::ManifestError {
                        line: m.line,
                        message: problem,
                    });
                }
            }
        }
        let decl = PromptDecl {
            title,
            description: description?,
            scope: scope?,
            rate: rate?,
            arguments,
            messages,
        };
        (self.errors.len() == errors_before && !decl.messages.is_empty()).then_some(decl)
    }

    fn arguments(&mut self, what: &str, table: &DeTable) -> Vec<Argument> {
        let mut out = Vec::new();
        for (key, value) in in_file_order(table) {
            let name = key.get_ref().to_string();
            let valid = !name.is_empty()
                && name.len() <= 64
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !valid {
                let fix = "use 1 to 64 characters of A-Z, a-z, 0-9 and `_`";
                self.error(
                    key.span(),
                    format!("argument `{name}` of {what} is not a valid name — {fix}"),
                );
            }
            let DeValue::Table(fields) = value.get_ref() else {
                let found = kind(value.get_ref());
                self.error(value.span(), format!("argument `{name}` of {what} is {found}, not a table — write `{name} = {{ description = \"…\", required = true }}`"));
                continue;
            };
            let (mut description, mut required) = (None, false);
            for (k, v) in in_file_order(fields) {
                match (&**k.get_ref(), v.get_ref()) {
                    ("description", DeValue::String(t)) => {
                        description = self.text(
                            t,
                            v.span(),
                            &format!("the description of argument `{name}` of {what}"),
                            0,
                        )
                    }
                    ("required", DeValue::Boolean(b)) => required = *b,
                    (other, _) => {
                        let fix = "the keys are description (a string) and required (a boolean)";
                        self.error(k.span(), format!("argument `{name}` of {what} has a wrong or unknown key `{other}` — {fix}"));
                    }
                }
            }
            out.push(Argument {
                name,
                description,
                required,
            });
        }
        out
    }

    fn messages(
        &mut self,
        what: &str,
        span: Range<usize>,
        items: &[Spanned<DeValue>],
    ) -> Vec<Message> {
        if items.is_empty() {
            self.error(
                span,
                format!("{what} has no messages — add a [[messages]] table with `role` and `text`"),
            );
        }
        items
            .iter()
            .filter_map(|item| self.message(what, item))
            .collect()
    }

    fn message(&mut self, what: &str, item: &Spanned<DeValue>) -> Option<Message> {
        let line = line_of(self.source, item.span().start);
        let DeValue::Table(fields) = item.get_ref() else {
            let found = kind(item.get_ref());
            self.error(item.span(), format!("a message of {what} is {found}, not a table — write `{{ role = \"user\", text = \"…\" }}`"));
            return None;
        };
        let mut role = None;
        let (mut text, mut resource, mut image, mut mime_type) = (None, None, None, None);
        for (k, v) in in_file_order(fields) {
            let string = match v.get_ref() {
                DeValue::String(s) => Some(s.to_string()),
                _ => None,
            };
            match (&**k.get_ref(), string) {
                ("role", Some(r)) => {
                    role = match r.as_str() {
                        "user" => Some(Role::User),
                        "assistant" => Some(Role::Assistant),
                        other => {
                            self.error(v.span(), format!("the role `{other}` of a message of {what} is not valid — write `role = \"user\"` or `role = \"assistant\"`"));
                            None
                        }
                    }
                }
                ("text", Some(t)) => text = Some(t),
                ("resource", Some(r)) => resource = Some(r),
                ("image", Some(i)) => image = Some(i),
                ("mime_type", Some(m)) => mime_type = Some(m),
                (key @ ("role" | "text" | "resource" | "image" | "mime_type"), None) => {
                    let found = kind(v.get_ref());
                    self.error(v.span(), format!("`{key}` of a message of {what} is {found}, not a string — write `{key} = \"…\"`"));
                }
                (other, _) => {
                    let fix = "the keys are role, text, resource, image and mime_type";
                    self.error(
                        k.span(),
                        format!("a message of {what} has an unknown key `{other}` — {fix}"),
                    );
                }
            }
        }
        let shape = "a message holds `text`, or `resource` (a URI template, read when the prompt is got), or `resource` with `text` (that text embedded under the URI), or `image` (base64) with `mime_type`";
        let body = match (text, resource, image, mime_type) {
            (Some(t), None, None, None) => Body::Text(t),
            (None, Some(r), None, None) => Body::Resource(r),
            (Some(text), Some(uri), None, mime_type) => Body::Inline {
                uri,
                mime_type,
                text,
            },
            (None, None, Some(data), Some(mime_type)) => Body::Image { data, mime_type },
            _ => {
                self.errors.push(super::ManifestError {
                    line,
                    message: format!("a message of {what} mixes or lacks its contents — {shape}"),
                });
                return None;
            }
        };
        if role.is_none() && !fields.iter().any(|(k, _)| k.get_ref() == "role") {
            self.errors.push(super::ManifestError { line, message: format!("a message of {what} has no `role` — add `role = \"user\"` or `role = \"assistant\"`") });
        }
        Some(Message {
            role: role?,
            body,
            line,
        })
    }
}
