//! `tools.toml`: read from TOML into a typed `Manifest` and validated, every mistake with its
//! line and its fix. Pure: no files, no tokens.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

mod declared;
mod event_routes;
mod prompts;
mod resources;
mod rules;
mod upstreams;

pub use declared::{Declared, Hints, Kind, Method, Returns};
pub use event_routes::EventRoute;
pub use prompts::{Body, Prompt, Role};
pub use resources::{ResourceFamily, ResourcePolicy};
use rules::{check_description, check_non_empty, check_scope_name};
pub use rules::{parse_rate, Period, Rate};
pub use upstreams::{parse_lock, Locked, Override, Selection, Upstream};

/// Who may be granted a scope: `grant = "members"` or `grant = "operators"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Anyone allowed to sign in.
    Members,
    /// Only operators (the password owner, the GitHub accounts in `OPERATORS`).
    Operators,
}

/// A scope a client may ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// `dovecote:read`.
    pub name: String,
    /// The line the consent page shows.
    pub description: String,
    /// Who may hold it.
    pub grant: Grant,
}

/// What `[tools.<name>]` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `enabled`, default true.
    pub enabled: bool,
    /// `scope`, a declared scope.
    pub scope: String,
    /// `rate`.
    pub rate: Rate,
    /// `title` override.
    pub title: Option<String>,
    /// `description` override.
    pub description: Option<String>,
    /// A tool wholly declared here (`kind = "http" | "preset"`), or `None` for a `#[tool]` fn.
    pub declared: Option<Declared>,
}

/// A `[tools.<name>]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tool {
    /// The key: the tool's fn name.
    pub name: String,
    /// The line of the key, for errors about the tool as a whole.
    pub line: usize,
    /// The entry, or `None` when it has mistakes (they are in the error list).
    pub policy: Option<Policy>,
    /// `Some("http" | "preset")` for a tool declared here (any `kind` key: a wrong one is
    /// reported and still counts, so no missing-fn error follows); `Some("upstream")` for the
    /// entry of a tool imported from an upstream.
    pub kind: Option<&'static str>,
    /// For a tool imported from an upstream: what its entry overrides.
    pub upstream_override: Option<Override>,
}

impl Tool {
    /// `http` or `preset` when the table says `kind`, even if it has mistakes.
    pub fn declared_kind(&self) -> Option<&'static str> {
        self.kind
    }
}

/// A manifest as far as it is valid: scopes and tools in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// `[scopes]`.
    pub scopes: Vec<Scope>,
    /// `[tools.*]`.
    pub tools: Vec<Tool>,
    /// `[resources.*]`.
    pub resources: Vec<ResourceFamily>,
    /// `[prompts.*]`.
    pub prompts: Vec<Prompt>,
    /// `[upstreams.*]`.
    pub upstreams: Vec<Upstream>,
    /// `[routes.*]`.
    pub routes: Vec<EventRoute>,
}

/// A mistake in the manifest: its 1-based line and a message ending in the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// 1-based line.
    pub line: usize,
    /// `<what is wrong> — <the fix>`.
    pub message: String,
}

/// Reads `source`. `Err` when it is not valid TOML; otherwise the manifest as far as it is
/// valid, and every mistake in it by line (none means it is entirely valid).
pub fn parse(source: &str) -> Result<(Manifest, Vec<ManifestError>), ManifestError> {
    let root = DeTable::parse(source).map_err(|e| ManifestError {
        line: line_of(source, e.span().map_or(0, |s| s.start)),
        message: format!(
            "{} — fix the TOML syntax",
            e.message().trim_end_matches('.')
        ),
    })?;
    let mut reader = Reader {
        source,
        errors: Vec::new(),
    };
    let mut manifest = Manifest::default();
    let (mut tools, mut resources, mut prompts, mut upstreams) = (None, None, None, None);
    for (key, value) in in_file_order(root.get_ref()) {
        match &**key.get_ref() {
            "scopes" => manifest.scopes = reader.scopes(value),
            "tools" => tools = Some(value),
            "resources" => resources = Some(value),
            "prompts" => prompts = Some(value),
            "upstreams" => upstreams = Some(value),
            "routes" => manifest.routes = reader.routes(value),
            other => reader.error(
                key.span(),
                format!("unknown key `{other}` — a manifest has only [scopes], [tools.<fn name>], [resources.<family>], [prompts.<name>], [upstreams.<name>] and [routes.<name>] tables"),
            ),
        }
    }
    if let Some(upstreams) = upstreams {
        manifest.upstreams = reader.upstreams(upstreams, &manifest.scopes);
    }
    if let Some(tools) = tools {
        manifest.tools = reader.tools(tools, &manifest.scopes, &manifest.upstreams);
    }
    if let Some(resources) = resources {
        manifest.resources = reader.resources(resources, &manifest.scopes);
    }
    if let Some(prompts) = prompts {
        manifest.prompts = reader.prompts(prompts, &manifest.scopes);
    }
    let mut errors = reader.errors;
    errors.sort_by_key(|e| e.line);
    Ok((manifest, errors))
}

/// The entries of `table` in the order they appear in the file (`DeTable` sorts by key).
pub(crate) fn in_file_order<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(
    &'t Spanned<toml::de::DeString<'i>>,
    &'t Spanned<DeValue<'i>>,
)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// The 1-based line of byte `offset`.
pub(crate) fn line_of(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    source.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Walks the parsed document, collecting mistakes.
struct Reader<'s> {
    source: &'s str,
    errors: Vec<ManifestError>,
}

impl Reader<'_> {
    fn error(&mut self, span: Range<usize>, message: String) {
        self.errors.push(ManifestError {
            line: line_of(self.source, span.start),
            message,
        });
    }

    /// `[scopes."<name>"]` tables, each with `description` and `grant`.
    fn scopes(&mut self, value: &Spanned<DeValue>) -> Vec<Scope> {
        let DeValue::Table(table) = value.get_ref() else {
            let found = kind(value.get_ref());
            let fix =
                "write one [scopes.\"<name>\"] table per scope, with `description` and `grant`";
            self.error(
                value.span(),
                format!("`scopes` is {found}, not a table — {fix}"),
            );
            return Vec::new();
        };
        let mut scopes = Vec::new();
        for (key, value) in in_file_order(table) {
            let name = &**key.get_ref();
            if let Err(problem) = check_scope_name(name) {
                self.error(key.span(), problem);
            }
            if let Some(scope) = self.scope(name, key.span(), value) {
                scopes.push(scope);
            }
        }
        scopes
    }

    /// One `[scopes."<name>"]` table. A scope whose table is there is kept even with mistakes
    /// (they are in the error list and fail the build), so tools naming it are not refused too.
    fn scope(
        &mut self,
        name: &str,
        key_span: Range<usize>,
        value: &Spanned<DeValue>,
    ) -> Option<Scope> {
        let DeValue::Table(table) = value.get_ref() else {
            let found = kind(value.get_ref());
            let fix = format!(
                "write [scopes.\"{name}\"] with `description = \"What it lets a client do\"` and \
                 `grant = \"members\"` or `grant = \"operators\"`"
            );
            self.error(
                value.span(),
                format!("scope `{name}` is {found}, not a table — {fix}"),
            );
            return None;
        };
        let grant_fix = "write `grant = \"members\"` or `grant = \"operators\"`";
        let (mut description, mut grant) = (None, None);
        for (key, value) in in_file_order(table) {
            let span = value.span();
            match (&**key.get_ref(), value.get_ref()) {
                ("description", DeValue::String(text)) => {
                    if let Err(problem) = check_description(text, 200) {
                        self.error(
                            span.clone(),
                            format!("the description of scope `{name}` {problem}"),
                        );
                    }
                    description = Some(text.to_string());
                }
                ("grant", DeValue::String(text)) => {
                    grant = match &**text {
                        "members" => Some(Grant::Members),
                        "operators" => Some(Grant::Operators),
                        other => {
                            let problem =
                                format!("the grant `{other}` of scope `{name}` is not valid");
                            self.error(span, format!("{problem} — {grant_fix}"));
                            Some(Grant::Operators)
                        }
                    }
                }
                (key @ ("description" | "grant"), value) => {
                    let example = if key == "grant" {
                        grant_fix.to_owned()
                    } else {
                        "write `description = \"What it lets a client do\"`".to_owned()
                    };
                    let found = kind(value);
                    let problem = format!("`{key}` of scope `{name}` is {found}, not a string");
                    self.error(span, format!("{problem} — {example}"));
                    if key == "grant" {
                        grant = Some(Grant::Operators);
                    }
                }
                (other, _) => {
                    let fix = "the keys are description and grant";
                    self.error(
                        key.span(),
                        format!("scope `{name}` has an unknown key `{other}` — {fix}"),
                    );
                }
            }
        }
        if grant.is_none() {
            let fix = "add `grant = \"members\"` (anyone allowed to sign in may hold it) or \
                       `grant = \"operators\"` (only operators may)";
            self.error(
                key_span.clone(),
                format!("scope `{name}` has no `grant` — {fix}"),
            );
        }
        if !table.iter().any(|(k, _)| k.get_ref() == "description") {
            let fix =
                "add `description = \"What it lets a client do\"` (the consent page shows it)";
            self.error(
                key_span,
                format!("scope `{name}` has no `description` — {fix}"),
            );
        }
        Some(Scope {
            name: name.to_owned(),
            description: description.unwrap_or_default(),
            // Only reached without a grant when that mistake is reported (the build fails):
            // the narrower holder, never the wider.
            grant: grant.unwrap_or(Grant::Operators),
        })
    }

    /// `[tools.<name>]` tables.
    fn tools(
        &mut self,
        value: &Spanned<DeValue>,
        scopes: &[Scope],
        upstreams: &[Upstream],
    ) -> Vec<Tool> {
        self.sections(
            value,
            "tools",
            "write one [tools.<fn name>] table per tool",
            |r, name, line, key_span, value| {
                if upstreams.iter().any(|u| u.imports(&name)) {
                    let upstream_override = r.upstream_override(&name, value, scopes);
                    return Tool {
                        name,
                        line,
                        policy: None,
                        kind: Some("upstream"),
                        upstream_override,
                    };
                }
                let kind = match value.get_ref() {
                    DeValue::Table(t) => {
                        t.iter().find(|(k, _)| k.get_ref() == "kind").map(|(_, v)| {
                            match v.get_ref() {
                                DeValue::String(s) if &**s == "preset" => "preset",
                                _ => "http",
                            }
                        })
                    }
                    _ => None,
                };
                let policy = r.policy(&name, key_span, value, scopes);
                Tool {
                    name,
                    line,
                    policy,
                    kind,
                    upstream_override: None,
                }
            },
        )
    }

    /// The `[<section>.<name>]` tables of `value`, in file order, each read by `read` with its
    /// name, the line and span of its key, and its value; `fix` says how to write them.
    fn sections<T>(
        &mut self,
        value: &Spanned<DeValue>,
        section: &str,
        fix: &str,
        mut read: impl FnMut(&mut Self, String, usize, Range<usize>, &Spanned<DeValue>) -> T,
    ) -> Vec<T> {
        let DeValue::Table(table) = value.get_ref() else {
            let found = kind(value.get_ref());
            self.error(
                value.span(),
                format!("`{section}` is {found}, not a table — {fix}"),
            );
            return Vec::new();
        };
        in_file_order(table)
            .into_iter()
            .map(|(key, value)| {
                let name = key.get_ref().to_string();
                let line = line_of(self.source, key.span().start);
                read(self, name, line, key.span(), value)
            })
            .collect()
    }

    /// One tool's table; `None` if anything in it is wrong.
    fn policy(
        &mut self,
        tool: &str,
        key_span: Range<usize>,
        value: &Spanned<DeValue>,
        scopes: &[Scope],
    ) -> Option<Policy> {
        let DeValue::Table(table) = value.get_ref() else {
            let found = kind(value.get_ref());
            let fix = format!("write a [tools.{tool}] table with `scope` and `rate`");
            self.error(
                value.span(),
                format!("`tools.{tool}` is {found}, not a table — {fix}"),
            );
            return None;
        };
        let errors_before = self.errors.len();
        let (mut enabled, mut scope, mut rate, mut title, mut description) =
            (true, None, None, None, None);
        let declared_kind = table
            .iter()
            .find(|(k, _)| k.get_ref() == "kind")
            .map(|(_, v)| v);
        let mut rest: declared::Rest = Vec::new();
        for (key, value) in in_file_order(table) {
            let span = value.span();
            match (&**key.get_ref(), value.get_ref()) {
                ("enabled", DeValue::Boolean(flag)) => enabled = *flag,
                ("scope", DeValue::String(text)) => {
                    scope = self.scope_ref(&format!("tool `{tool}`"), text, span, scopes)
                }
                ("rate", DeValue::String(text)) => {
                    rate = self.rate(&format!("tool `{tool}`"), text, span)
                }
                ("title", DeValue::String(text)) => {
                    title = self.text(text, span, &format!("the title of tool `{tool}`"), 100);
                }
                ("description", DeValue::String(text)) => {
                    description =
                        self.text(text, span, &format!("the description of tool `{tool}`"), 0);
                }
                (key @ ("enabled" | "scope" | "rate" | "title" | "description"), value) => {
                    let (expected, example) = match key {
                        "enabled" => ("a boolean", "enabled = true"),
                        "scope" => ("a string", "scope = \"dovecote:read\""),
                        "rate" => ("a string", "rate = \"60/minute\""),
                        "title" => ("a string", "title = \"Calculator\""),
                        _ => (
                            "a string",
                            "description = \"What it does, and when to use it.\"",
                        ),
                    };
                    let found = kind(value);
                    let problem = format!("`{key}` of tool `{tool}` is {found}, not {expected}");
                    self.error(span, format!("{problem} — write `{example}`"));
                }
                ("kind", _) => {}
                _ if declared_kind.is_some() => rest.push((key, value)),
                (other, _) => {
                    let fix = "the keys are enabled, scope, rate, title and description (and `kind`, for a tool declared here without Rust)";
                    self.error(
                        key.span(),
                        format!("tool `{tool}` has an unknown key `{other}` — {fix}"),
                    );
                }
            }
        }
        let declared = declared_kind.and_then(|k| self.declared(tool, k, key_span.clone(), rest));
        if declared_kind.is_some()
            && description.is_none()
            && !table.iter().any(|(k, _)| k.get_ref() == "description")
        {
            let fix = "add `description = \"What it does, and when to use it.\"` (clients show it to the model)";
            self.error(
                key_span.clone(),
                format!("tool `{tool}` is declared here and has no `description` — {fix}"),
            );
        }
        if !table.iter().any(|(k, _)| k.get_ref() == "scope") {
            let fix = format!("add `scope = \"…\"`{}", one_of(scopes, ", one of: "));
            self.error(
                key_span.clone(),
                format!("tool `{tool}` has no `scope` — {fix}"),
            );
        }
        if !table.iter().any(|(k, _)| k.get_ref() == "rate") {
            let fix =
                "add `rate = \"60/minute\"` (calls per caller per second, minute, hour or day)";
            self.error(key_span, format!("tool `{tool}` has no `rate` — {fix}"));
        }
        let policy = Policy {
            enabled,
            scope: scope?,
            rate: rate?,
            title,
            description,
            declared,
        };
        (self.errors.len() == errors_before).then_some(policy)
    }

    /// The `scope` of `what` (``tool `x` ``), which must be declared under [scopes].
    fn scope_ref(
        &mut self,
        what: &str,
        scope: &str,
        span: Range<usize>,
        scopes: &[Scope],
    ) -> Option<String> {
        if scopes.iter().any(|s| s.name == scope) {
            return Some(scope.to_owned());
        }
        let problem = format!("{what} names scope `{scope}`, which is not declared");
        self.error(
            span,
            format!(
                "{problem} — add it under [scopes]{}",
                one_of(scopes, " or use one of: ")
            ),
        );
        None
    }

    /// The `rate` of `what` (``tool `x` ``).
    fn rate(&mut self, what: &str, rate: &str, span: Range<usize>) -> Option<Rate> {
        let parsed = parse_rate(rate);
        if parsed.is_none() {
            let fix = "write `<count>/<period>` with a count from 1 to 1000000 and a period of \
                       second, minute, hour or day, e.g. `60/minute`; at most 1000/second";
            self.error(
                span,
                format!("the rate `{rate}` of {what} is not valid — {fix}"),
            );
        }
        parsed
    }

    /// A title or description override; `max` characters on one line, or any text if 0.
    fn text(&mut self, text: &str, span: Range<usize>, what: &str, max: usize) -> Option<String> {
        let checked = if max == 0 {
            check_non_empty(text)
        } else {
            check_description(text, max)
        };
        match checked {
            Ok(()) => Some(text.to_owned()),
            Err(problem) => {
                self.error(span, format!("{what} {problem}"));
                None
            }
        }
    }
}

/// `a string`, `an integer`, … for "is … , not …" messages.
pub(crate) fn kind(value: &DeValue) -> String {
    let kind = value.type_str();
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {kind}")
}

/// `", one of: a, b"`, or nothing when no scope is declared.
fn one_of(scopes: &[Scope], lead: &str) -> String {
    let names: Vec<&str> = scopes
        .iter()
        .map(|s| s.name.as_str())
        .filter(|name| check_scope_name(name).is_ok())
        .collect();
    if names.is_empty() {
        return String::new();
    }
    format!("{lead}{}", names.join(", "))
}

#[cfg(test)]
mod tests;
