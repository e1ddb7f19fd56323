//! `kind = "http"`: a call to an HTTP API. The host is written out and checked by the channels'
//! rules (public https unless `allow_any_host`); arguments fill the path, `query`, `headers`
//! and the JSON `body`; secrets are referenced as `{secret:NAME}` in headers and query, never
//! written inline.

use std::ops::Range;

use serde_json::Value;

use toml::de::DeValue;

use super::{kind, to_json, Keys, Template};
use crate::channels::rules::{check_secret_name, check_url, looks_like_secret, Service};
use crate::manifest::Reader;
use crate::template::{Piece, Slot};

/// The keys of an http tool besides the common ones.
pub(super) const KEYS: &[&str] = &[
    "method",
    "url",
    "base_url_var",
    "query",
    "headers",
    "body",
    "returns",
    "output_schema",
    "timeout_ms",
    "max_bytes",
    "allow_any_host",
];

/// The default and largest timeout, in milliseconds.
const TIMEOUT_MS: (i64, i64) = (10_000, 30_000);
/// The default and largest answer, in bytes.
const MAX_BYTES: (i64, i64) = (262_144, 2_097_152);
/// Headers the gateway sets itself.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "content-type",
];

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Method {
    /// The gateway's `HttpMethod` variant.
    pub fn variant(self) -> &'static str {
        match self {
            Method::Get => "Get",
            Method::Post => "Post",
            Method::Put => "Put",
            Method::Patch => "Patch",
            Method::Delete => "Delete",
        }
    }
}

/// What of the answer a call returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returns {
    /// The whole JSON answer (the default).
    Whole,
    /// The value at one JSON pointer.
    Pointer(String),
    /// An object of the values at several JSON pointers, by name.
    Fields(Vec<(String, String)>),
}

/// A valid http tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpDecl {
    /// The method.
    pub method: Method,
    /// The URL template.
    pub url: String,
    /// A Worker variable that, when set, replaces the URL's origin.
    pub base_url_var: Option<String>,
    /// Query parameters: name, value template.
    pub query: Vec<(String, String)>,
    /// Headers: lower-case name, value template.
    pub headers: Vec<(String, String)>,
    /// The JSON body template, as JSON text.
    pub body: Option<String>,
    /// What to return.
    pub returns: Returns,
    /// The output schema, as JSON text.
    pub output_schema: Option<String>,
    /// Milliseconds before the call gives up.
    pub timeout_ms: u64,
    /// The largest answer read.
    pub max_bytes: u64,
    /// http and private hosts allowed (tests and self-hosting).
    pub allow_any_host: bool,
    /// Whether it sends a Worker secret (so it acts with the operator's credentials).
    pub sends_secret: bool,
}

/// Whether `name` is an HTTP header or query name: 1 to 64 token characters.
fn valid_token(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~[]".contains(&b))
}

/// What kind of secret the literal text of `template` seems to hold, if any.
fn inline_secret(template: &str) -> Option<&'static str> {
    crate::template::pieces(template)
        .into_iter()
        .find_map(|p| match p {
            Piece::Text(t) => t
                .split([' ', '=', '&', '/', '?', ':', ','])
                .find_map(looks_like_secret),
            Piece::Slot(_) => None,
        })
}

/// The string leaves of a JSON value.
fn leaves(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| leaves(i, out)),
        Value::Object(map) => map.values().for_each(|v| leaves(v, out)),
        _ => {}
    }
}

impl Reader<'_> {
    /// The http keys of `keys`; every template found is added to `templates`.
    pub(super) fn http(
        &mut self,
        keys: &mut Keys<'_, '_, '_>,
        key_span: Range<usize>,
        templates: &mut Vec<Template>,
    ) -> Option<HttpDecl> {
        let tool = keys.tool.to_owned();
        let errors_before = self.errors.len();
        let method = match keys.string(self, "method") {
            None => Method::Get,
            Some((m, span)) => match m.to_ascii_uppercase().as_str() {
                "GET" => Method::Get,
                "POST" => Method::Post,
                "PUT" => Method::Put,
                "PATCH" => Method::Patch,
                "DELETE" => Method::Delete,
                _ => {
                    self.error(span, format!("the method `{m}` of tool `{tool}` is not one Dovecote sends — write GET, POST, PUT, PATCH or DELETE"));
                    Method::Get
                }
            },
        };
        let allow_any_host = keys.boolean(self, "allow_any_host").unwrap_or(false);
        let url = keys.string(self, "url");
        match &url {
            None => self.error(key_span, format!("http tool `{tool}` has no `url` — add `url = \"https://api.example.com/v1/items/{{id}}\"`")),
            Some((url, span)) => {
                // A URL refused as a whole is not also checked slot by slot.
                if !self.http_url(&tool, url, span.clone(), allow_any_host) {
                    return None;
                }
                templates.push(Template {
                    what: format!("the url of tool `{tool}`"),
                    text: url.clone(),
                    span: span.clone(),
                    secrets: false,
                });
            }
        }
        let base_url_var = keys.string(self, "base_url_var").map(|(name, span)| {
            if let Err(problem) = check_secret_name(&name) {
                self.error(span, format!("`base_url_var` of tool `{tool}` {problem}"));
            }
            name
        });
        let query = self.http_pairs(keys, &tool, "query", templates);
        let headers: Vec<(String, String)> = self
            .http_pairs(keys, &tool, "headers", templates)
            .into_iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v))
            .collect();
        let body = keys.take("body").and_then(|value| {
            if matches!(method, Method::Get | Method::Delete) {
                self.error(value.span(), format!("tool `{tool}` sends a `body` with {}, which has none — use `method = \"POST\"` (or PUT, PATCH), or put the values in `query`", method.variant().to_ascii_uppercase()));
                return None;
            }
            match to_json(value.get_ref()) {
                Ok(json @ Value::Object(_)) => {
                    let mut strings = Vec::new();
                    leaves(&json, &mut strings);
                    for text in strings {
                        templates.push(Template {
                            what: format!("the body of tool `{tool}`"),
                            text,
                            span: value.span(),
                            secrets: false,
                        });
                    }
                    Some(json.to_string())
                }
                _ => {
                    self.error(value.span(), format!("the `body` of tool `{tool}` is not a table — write `body = {{ title = \"{{title}}\", count = \"{{count}}\" }}` (a string that is exactly one `{{argument}}` takes the argument's JSON value)"));
                    None
                }
            }
        });
        let returns = self.http_returns(keys, &tool);
        let output_schema = keys.take("output_schema").and_then(|value| {
            let json = match value.get_ref() {
                DeValue::String(s) => serde_json::from_str::<Value>(s).ok(),
                other => to_json(other).ok(),
            };
            match json {
                Some(schema) if schema.get("type").and_then(Value::as_str) == Some("object") => {
                    Some(schema.to_string())
                }
                _ => {
                    self.error(value.span(), format!("the `output_schema` of tool `{tool}` is not the JSON Schema of an object — write a table (or JSON text) with `type = \"object\"` and its `properties`"));
                    None
                }
            }
        });
        let timeout_ms = keys
            .integer(self, "timeout_ms", 100, TIMEOUT_MS.1)
            .unwrap_or(TIMEOUT_MS.0);
        let max_bytes = keys
            .integer(self, "max_bytes", 1, MAX_BYTES.1)
            .unwrap_or(MAX_BYTES.0);
        let sends_secret = headers.iter().chain(&query).any(|(_, v)| {
            crate::template::slots(v)
                .iter()
                .any(|s| matches!(s, Slot::Secret(_)))
        });
        let decl = HttpDecl {
            method,
            url: url?.0,
            base_url_var,
            query,
            headers,
            body,
            returns,
            output_schema,
            timeout_ms: timeout_ms.unsigned_abs(),
            max_bytes: max_bytes.unsigned_abs(),
            allow_any_host,
            sends_secret,
        };
        (self.errors.len() == errors_before).then_some(decl)
    }

    /// The url: its origin written out (no `{…}` before the path), no query or fragment, a
    /// host the channels' rules accept, no secret written inline.
    fn http_url(
        &mut self,
        tool: &str,
        url: &str,
        span: Range<usize>,
        allow_any_host: bool,
    ) -> bool {
        let what = format!("the url of tool `{tool}`");
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        let origin_end = url[after_scheme..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |i| after_scheme + i);
        if url[..origin_end].contains(['{', '}']) {
            self.error(span, format!("{what} has a `{{…}}` in its scheme or host — write the host out (`base_url_var` can replace it at run time); arguments go in the path, `query`, `headers` or `body`"));
            return false;
        }
        if url.contains('?') {
            self.error(span, format!("{what} has a query (`?…`) — write each parameter under `query` instead, e.g. `query = {{ q = \"{{q}}\" }}`"));
            return false;
        }
        if let Some(found) = inline_secret(url) {
            self.error(span, format!("{what} looks like it holds {found} written inline — secrets never go in this file: store it with `wrangler secret put NAME` and write `{{secret:NAME}}` in a header or query value"));
            return false;
        }
        // Each slot stands for one encoded value, so the checked URL has a stand-in there.
        let sample = crate::template::render(url, |_, out| {
            out.push('x');
            true
        });
        if let Err(problem) = check_url(&sample, Service::Webhook, allow_any_host) {
            let problem = problem.replace(
                "`allow_any_host = true`",
                "`allow_any_host = true` on the tool",
            );
            self.error(span, format!("{what} {problem}"));
            return false;
        }
        true
    }

    /// `query` or `headers`: a table of names to value templates.
    fn http_pairs(
        &mut self,
        keys: &mut Keys<'_, '_, '_>,
        tool: &str,
        key: &str,
        templates: &mut Vec<Template>,
    ) -> Vec<(String, String)> {
        let Some(value) = keys.take(key) else {
            return Vec::new();
        };
        let example = if key == "query" {
            "query = { q = \"{city}\", units = \"metric\" }"
        } else {
            "headers = { Authorization = \"Bearer {secret:API_TOKEN}\" }"
        };
        let DeValue::Table(table) = value.get_ref() else {
            let found = kind(value.get_ref());
            self.error(
                value.span(),
                format!("`{key}` of tool `{tool}` is {found}, not a table — write `{example}`"),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, v) in super::in_file_order(table) {
            let name = name.get_ref().to_string();
            let what = format!(
                "the {} `{name}` of tool `{tool}`",
                if key == "query" {
                    "query parameter"
                } else {
                    "header"
                }
            );
            let DeValue::String(text) = v.get_ref() else {
                let found = kind(v.get_ref());
                self.error(
                    v.span(),
                    format!("{what} is {found}, not a string — write it as text, e.g. `{example}`"),
                );
                continue;
            };
            if !valid_token(&name) {
                self.error(
                    v.span(),
                    format!("{what} is not a valid name — use 1 to 64 letters, digits and `-_.`"),
                );
                continue;
            }
            if key == "headers" && RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                self.error(
                    v.span(),
                    format!("{what} is one the gateway sets itself — remove it"),
                );
                continue;
            }
            if text.contains(['\r', '\n']) {
                self.error(
                    v.span(),
                    format!("{what} spans several lines — write it on one line"),
                );
                continue;
            }
            if let Some(found) = inline_secret(text) {
                self.error(v.span(), format!("{what} looks like it holds {found} written inline — secrets never go in this file: store it with `wrangler secret put NAME` and write `{{secret:NAME}}` in its place"));
                continue;
            }
            templates.push(Template {
                what: what.clone(),
                text: text.to_string(),
                span: v.span(),
                secrets: true,
            });
            out.push((name, text.to_string()));
        }
        out
    }

    /// `returns`: a JSON pointer, or a table of names to JSON pointers.
    fn http_returns(&mut self, keys: &mut Keys<'_, '_, '_>, tool: &str) -> Returns {
        let Some(value) = keys.take("returns") else {
            return Returns::Whole;
        };
        let fix = "write a JSON pointer (`returns = \"/data/items\"`; `\"\"` is the whole answer) or a table of them (`returns = { temperature = \"/current/temp\" }`)";
        let pointer_ok = |p: &str| p.is_empty() || p.starts_with('/');
        match value.get_ref() {
            DeValue::String(p) if p.is_empty() => Returns::Whole,
            DeValue::String(p) if pointer_ok(p) => Returns::Pointer(p.to_string()),
            DeValue::Table(t) if !t.is_empty() => {
                let mut fields = Vec::new();
                for (name, v) in super::in_file_order(t) {
                    match v.get_ref() {
                        DeValue::String(p) if pointer_ok(p) => {
                            fields.push((name.get_ref().to_string(), p.to_string()))
                        }
                        _ => self.error(
                            v.span(),
                            format!(
                                "`returns.{}` of tool `{tool}` is not a JSON pointer — {fix}",
                                name.get_ref()
                            ),
                        ),
                    }
                }
                Returns::Fields(fields)
            }
            _ => {
                self.error(
                    value.span(),
                    format!("`returns` of tool `{tool}` is not valid — {fix}"),
                );
                Returns::Whole
            }
        }
    }
}
