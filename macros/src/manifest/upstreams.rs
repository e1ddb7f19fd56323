//! `[upstreams.<name>]`: other MCP servers whose tools Dovecote imports, and their lock file
//! `upstreams.lock.toml` (what `make upstreams` fetched from each: its protocol generation and
//! its tools' descriptors). Pure: the caller reads the files.

use std::ops::Range;

use serde_json::Value;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{in_file_order, kind, line_of, Rate, Reader, Scope};
use crate::channels::rules::{check_secret_name, check_url, Service};

/// Which of an upstream's tools are imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// `tools = "*"`: every tool the lock lists.
    All,
    /// `tools = ["a", "b"]`, each with its line.
    Named(Vec<(String, usize)>),
}

/// One `[upstreams.<name>]` table, valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// The key.
    pub name: String,
    /// The line of the key.
    pub line: usize,
    /// The Streamable HTTP endpoint.
    pub url: String,
    /// The Worker secret sent as `Authorization: Bearer`.
    pub bearer_secret: Option<String>,
    /// What is imported.
    pub tools: Selection,
    /// Prepended to each imported tool's name.
    pub prefix: String,
    /// The scope of what it imports, unless a `[tools.*]` entry overrides it.
    pub scope: String,
    /// The rate of what it imports, unless a `[tools.*]` entry overrides it.
    pub rate: Rate,
    /// http and private hosts allowed (tests and self-hosting).
    pub allow_any_host: bool,
    /// The deadline of one call, in milliseconds.
    pub timeout_ms: u64,
    /// The largest answer read, in bytes.
    pub max_bytes: u64,
}

/// `[tools.<prefix><name>]` for an imported tool: what it overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Override {
    /// `enabled`.
    pub enabled: Option<bool>,
    /// `scope`.
    pub scope: Option<String>,
    /// `rate`.
    pub rate: Option<Rate>,
    /// `title`.
    pub title: Option<String>,
    /// `description`.
    pub description: Option<String>,
}

impl Upstream {
    /// Whether a `[tools.<tool>]` entry is about a tool this upstream imports: its prefix and
    /// a name it lists, or (with `tools = "*"`) its non-empty prefix and anything.
    pub fn imports(&self, tool: &str) -> bool {
        let Some(rest) = tool.strip_prefix(self.prefix.as_str()) else {
            return false;
        };
        match &self.tools {
            Selection::All => !self.prefix.is_empty() && !rest.is_empty(),
            Selection::Named(names) => names.iter().any(|(n, _)| n == rest),
        }
    }
}

/// The keys of `[upstreams.<name>]`.
const KEYS: &str =
    "url, bearer_secret, tools, prefix, scope, rate, allow_any_host, timeout_ms and max_bytes";

/// An upstream's name: 1 to 64 characters of `a-z0-9_-`.
fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Reader<'_> {
    /// `[upstreams.<name>]` tables.
    pub(super) fn upstreams(
        &mut self,
        value: &Spanned<DeValue>,
        scopes: &[Scope],
    ) -> Vec<Upstream> {
        let fix =
            "write one [upstreams.<name>] table per MCP server, with url, tools, scope and rate";
        self.sections(value, "upstreams", fix, |r, name, line, key_span, value| {
            r.upstream(name, line, key_span, value, scopes)
        })
        .into_iter()
        .flatten()
        .collect()
    }

    fn upstream(
        &mut self,
        name: String,
        line: usize,
        key_span: Range<usize>,
        value: &Spanned<DeValue>,
        scopes: &[Scope],
    ) -> Option<Upstream> {
        let what = format!("upstream `{name}`");
        if !valid_name(&name) {
            self.error(
                key_span.clone(),
                format!(
                    "{what} is not a valid name — use 1 to 64 characters of a-z, 0-9, `_` and `-`"
                ),
            );
        }
        let DeValue::Table(table) = value.get_ref() else {
            let found = kind(value.get_ref());
            self.error(value.span(), format!("`upstreams.{name}` is {found}, not a table — write [upstreams.{name}] with url, tools, scope and rate"));
            return None;
        };
        let errors_before = self.errors.len();
        let (mut url, mut bearer_secret, mut tools, mut prefix) = (None, None, None, String::new());
        let (mut scope, mut rate, mut allow_any_host) = (None, None, false);
        let (mut timeout_ms, mut max_bytes) = (10_000u64, 1_048_576u64);
        let mut url_span = key_span.clone();
        for (key, value) in in_file_order(table) {
            let span = value.span();
            match (&**key.get_ref(), value.get_ref()) {
                ("url", DeValue::String(s)) => {
                    url = Some(s.to_string());
                    url_span = span;
                }
                ("bearer_secret", DeValue::String(s)) => {
                    if let Err(problem) = check_secret_name(s) {
                        self.error(span, format!("`bearer_secret` of {what} {problem}"));
                    }
                    bearer_secret = Some(s.to_string());
                }
                ("tools", DeValue::String(s)) if &**s == "*" => tools = Some(Selection::All),
                ("tools", DeValue::Array(items)) => {
                    let mut named = Vec::new();
                    for item in items.iter() {
                        match item.get_ref() {
                            DeValue::String(s) if !s.is_empty() => {
                                named.push((s.to_string(), line_of(self.source, item.span().start)))
                            }
                            _ => self.error(item.span(), format!("a name in `tools` of {what} is not a tool name — write the names the server lists, e.g. `tools = [\"search\"]`")),
                        }
                    }
                    tools = Some(Selection::Named(named));
                }
                ("prefix", DeValue::String(s)) => {
                    let ok = s.len() <= 64
                        && s.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
                    if !ok {
                        self.error(span, format!("`prefix` of {what} is not valid — use up to 64 characters of A-Z, a-z, 0-9, `_`, `-` and `.`, e.g. `prefix = \"{name}_\"`"));
                    }
                    prefix = s.to_string();
                }
                ("scope", DeValue::String(s)) => scope = self.scope_ref(&what, s, span, scopes),
                ("rate", DeValue::String(s)) => rate = self.rate(&what, s, span),
                ("allow_any_host", DeValue::Boolean(b)) => allow_any_host = *b,
                ("timeout_ms" | "max_bytes", DeValue::Integer(_)) => {
                    let key = &**key.get_ref();
                    let (min, max) = if key == "timeout_ms" {
                        (100, 60_000)
                    } else {
                        (1_024, 16_777_216)
                    };
                    match super::declared::to_json(value.get_ref())
                        .ok()
                        .and_then(|v| v.as_u64())
                    {
                        Some(n) if (min..=max).contains(&n) => {
                            if key == "timeout_ms" {
                                timeout_ms = n
                            } else {
                                max_bytes = n
                            }
                        }
                        _ => self.error(
                            span,
                            format!("`{key}` of {what} is not a whole number from {min} to {max}"),
                        ),
                    }
                }
                (
                    key @ ("url" | "bearer_secret" | "prefix" | "scope" | "rate" | "tools"
                    | "allow_any_host" | "timeout_ms" | "max_bytes"),
                    other,
                ) => {
                    let example = match key {
                        "tools" => {
                            "`tools = [\"search\", \"fetch\"]` or `tools = \"*\"`".to_owned()
                        }
                        "allow_any_host" => "`allow_any_host = true`".to_owned(),
                        "timeout_ms" | "max_bytes" => format!("`{key} = 10000`"),
                        _ => format!("`{key} = \"…\"`"),
                    };
                    let found = kind(other);
                    self.error(
                        span,
                        format!("`{key}` of {what} is {found} — write {example}"),
                    );
                }
                (other, _) => self.error(
                    key.span(),
                    format!("{what} has an unknown key `{other}` — its keys are {KEYS}"),
                ),
            }
        }
        match &url {
            None => self.error(key_span.clone(), format!("{what} has no `url` — add `url = \"https://mcp.example.com/mcp\"` (its Streamable HTTP endpoint)")),
            Some(u) => {
                if let Err(problem) = check_url(u, Service::Webhook, allow_any_host) {
                    let problem = problem.replace("allow_any_host", "`allow_any_host = true` in the upstream");
                    self.error(url_span, format!("the url of {what} {problem}"));
                }
            }
        }
        for (key, present, example) in [
            (
                "tools",
                tools.is_some(),
                "`tools = [\"search\"]` (the names it lists) or `tools = \"*\"`",
            ),
            (
                "scope",
                table.iter().any(|(k, _)| k.get_ref() == "scope"),
                "`scope = \"…\"`, a scope declared under [scopes]",
            ),
            (
                "rate",
                table.iter().any(|(k, _)| k.get_ref() == "rate"),
                "`rate = \"60/minute\"`",
            ),
        ] {
            if !present {
                self.error(
                    key_span.clone(),
                    format!("{what} has no `{key}` — add {example}"),
                );
            }
        }
        let upstream = Upstream {
            name,
            line,
            url: url?,
            bearer_secret,
            tools: tools?,
            prefix,
            scope: scope?,
            rate: rate?,
            allow_any_host,
            timeout_ms,
            max_bytes,
        };
        (self.errors.len() == errors_before).then_some(upstream)
    }

    /// `[tools.<name>]` for a tool imported from an upstream: only what it may override.
    pub(super) fn upstream_override(
        &mut self,
        tool: &str,
        value: &Spanned<DeValue>,
        scopes: &[Scope],
    ) -> Option<Override> {
        let DeValue::Table(table) = value.get_ref() else {
            let found = kind(value.get_ref());
            self.error(value.span(), format!("`tools.{tool}` is {found}, not a table — write [tools.{tool}] with the `scope` or `rate` to override"));
            return None;
        };
        let errors_before = self.errors.len();
        let what = format!("tool `{tool}`");
        let mut o = Override::default();
        for (key, value) in in_file_order(table) {
            let span = value.span();
            match (&**key.get_ref(), value.get_ref()) {
                ("enabled", DeValue::Boolean(b)) => o.enabled = Some(*b),
                ("scope", DeValue::String(s)) => o.scope = self.scope_ref(&what, s, span, scopes),
                ("rate", DeValue::String(s)) => o.rate = self.rate(&what, s, span),
                ("title", DeValue::String(s)) => o.title = self.text(s, span, &format!("the title of {what}"), 100),
                ("description", DeValue::String(s)) => o.description = self.text(s, span, &format!("the description of {what}"), 0),
                (other, _) => self.error(key.span(), format!("{what} is imported from an upstream, so its entry only overrides: `{other}` is not one of enabled, scope, rate, title and description")),
            }
        }
        (self.errors.len() == errors_before).then_some(o)
    }
}

/// What the lock says of one upstream.
#[derive(Debug, Clone, PartialEq)]
pub struct Locked {
    /// The upstream's name.
    pub name: String,
    /// The URL it was fetched from.
    pub url: String,
    /// `2026-07-28`, or a session-era revision.
    pub protocol: String,
    /// Its tools' descriptors as `tools/list` gave them, in its order.
    pub tools: Vec<Value>,
}

/// The protocol revisions an upstream may speak.
pub const PROTOCOLS: &[&str] = &["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"];

/// Reads a lock file; `Err` says what is wrong with it.
pub fn parse_lock(source: &str) -> Result<Vec<Locked>, String> {
    let redo = "run `make upstreams` to write it again";
    let root = DeTable::parse(source).map_err(|e| {
        format!(
            "it is not valid TOML ({}) — {redo}",
            e.message().trim_end_matches('.')
        )
    })?;
    let Some(upstreams) = root.get_ref().get("upstreams") else {
        return Ok(Vec::new());
    };
    let DeValue::Table(upstreams) = upstreams.get_ref() else {
        return Err(format!("`upstreams` is not a table — {redo}"));
    };
    let mut out = Vec::new();
    for (key, value) in in_file_order(upstreams) {
        let name = key.get_ref().to_string();
        let bad = |what: &str| format!("the upstream `{name}` {what} — {redo}");
        let DeValue::Table(t) = value.get_ref() else {
            return Err(bad("is not a table"));
        };
        let string = |k: &str| match t.get(k).map(Spanned::get_ref) {
            Some(DeValue::String(s)) => Some(s.to_string()),
            _ => None,
        };
        let url = string("url").ok_or_else(|| bad("has no `url`"))?;
        let protocol = string("protocol")
            .filter(|p| PROTOCOLS.contains(&p.as_str()))
            .ok_or_else(|| bad("has no known `protocol`"))?;
        let mut tools = Vec::new();
        if let Some(DeValue::Array(items)) = t.get("tools").map(Spanned::get_ref) {
            for item in items.iter() {
                let DeValue::Table(tool) = item.get_ref() else {
                    return Err(bad("has a tool that is not a table"));
                };
                let descriptor = match tool.get("descriptor").map(Spanned::get_ref) {
                    Some(DeValue::String(s)) => serde_json::from_str::<Value>(s).ok(),
                    _ => None,
                };
                let descriptor = descriptor
                    .filter(|d| d.get("name").and_then(Value::as_str).is_some() && d.get("inputSchema").is_some_and(Value::is_object))
                    .ok_or_else(|| bad("has a tool whose `descriptor` is not a tool's JSON with a name and an inputSchema"))?;
                tools.push(descriptor);
            }
        }
        out.push(Locked {
            name,
            url,
            protocol,
            tools,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::parse;

    const SCOPES: &str =
        "[scopes.\"docs:read\"]\ndescription = \"Read docs\"\ngrant = \"members\"\n";

    #[test]
    fn an_upstream_and_an_override_of_its_tool_are_read() {
        let source = format!(
            "{SCOPES}\n[upstreams.docs]\nurl = \"https://mcp.example.com/mcp\"\nbearer_secret = \"DOCS_TOKEN\"\ntools = [\"search\"]\nprefix = \"docs_\"\nscope = \"docs:read\"\nrate = \"30/minute\"\n\n[tools.docs_search]\nrate = \"5/minute\"\n"
        );
        let (manifest, errors) = parse(&source).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        let u = &manifest.upstreams[0];
        assert_eq!(
            (u.name.as_str(), u.prefix.as_str(), u.timeout_ms),
            ("docs", "docs_", 10_000)
        );
        assert_eq!(u.tools, Selection::Named(vec![("search".into(), 8)]));
        let tool = &manifest.tools[0];
        assert_eq!(tool.kind, Some("upstream"));
        assert_eq!(
            tool.upstream_override.as_ref().unwrap().rate.unwrap().count,
            5
        );
    }

    #[test]
    fn every_mistake_in_an_upstream_is_reported_with_its_fix() {
        let source = format!(
            "{SCOPES}\n[upstreams.Docs]\nurl = \"http://10.0.0.1/mcp\"\nbearer_secret = \"lower\"\nprefix = \"a b\"\nscope = \"nope\"\ncolour = 1\n\n[upstreams.x]\ntools = \"*\"\nprefix = \"x_\"\nurl = \"https://mcp.example.com/mcp\"\nscope = \"docs:read\"\nrate = \"30/minute\"\n\n[tools.x_y]\nscope = \"docs:read\"\nkind = \"http\"\n"
        );
        let (_, errors) = parse(&source).unwrap();
        let all: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", e.line, e.message))
            .collect();
        let text = all.join("\n");
        for expected in [
            "upstream `Docs` is not a valid name",
            "the url of upstream `Docs`",
            "`bearer_secret` of upstream `Docs`",
            "`prefix` of upstream `Docs` is not valid",
            "names scope `nope`, which is not declared",
            "has an unknown key `colour`",
            "upstream `Docs` has no `tools`",
            "upstream `Docs` has no `rate`",
            "tool `x_y` is imported from an upstream, so its entry only overrides: `kind`",
        ] {
            assert!(text.contains(expected), "{expected}\nin:\n{text}");
        }
    }

    #[test]
    fn a_lock_is_read_with_its_descriptors() {
        let lock = r#"
[upstreams.docs]
url = "https://mcp.example.com/mcp"
protocol = "2026-07-28"

[[upstreams.docs.tools]]
name = "search"
descriptor = '{"name":"search","inputSchema":{"type":"object"}}'
"#;
        let locked = parse_lock(lock).unwrap();
        assert_eq!(locked[0].name, "docs");
        assert_eq!(locked[0].protocol, "2026-07-28");
        assert_eq!(locked[0].tools[0]["name"], "search");
        let bad = lock.replace("2026-07-28", "1999-01-01");
        assert!(parse_lock(&bad).unwrap_err().contains("make upstreams"));
        let garbage = lock.replace("\"inputSchema\"", "\"x\"");
        assert!(parse_lock(&garbage).unwrap_err().contains("descriptor"));
    }
}
