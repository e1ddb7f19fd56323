//! `kind = "http"`: one call to an HTTP API per tool call. The arguments are checked first; the
//! origin (written in `tools.toml`, or replaced by `base_url_var`) passes the channels' host
//! rules and the private-address guard; redirects are not followed; the answer is capped in
//! time and size; an upstream 4xx/5xx becomes an `isError` naming the status and what to do;
//! secrets never appear in a result, an error or the audit.

use serde_json::Value;

use super::request::{self, Refusal};
use super::ArgDecl;
use crate::audit::{self, Entry};
use crate::channels::rules::{check_url, split_url, Service};
use crate::platform::{Fetched, HttpMethod, Outbound, NO_ANSWER, TOO_LARGE};
use crate::toolbox::{CallToolResult, Content, ToolContext};

/// What of the answer a call returns.
#[derive(Debug, Clone, Copy)]
pub enum Returns {
    /// The whole JSON answer.
    Whole,
    /// The value at one JSON pointer.
    Pointer(&'static str),
    /// An object of the values at several JSON pointers, by name.
    Fields(&'static [(&'static str, &'static str)]),
}

/// An http tool as `tools.toml` declares it.
#[derive(Debug, Clone, Copy)]
pub struct HttpTool {
    /// The tool's name.
    pub name: &'static str,
    /// The method.
    pub method: HttpMethod,
    /// The URL template: origin written out, `{argument}`s in the path.
    pub url: &'static str,
    /// A Worker variable that, when set, replaces the URL's origin (`scheme://host[:port]`).
    pub base_url_var: Option<&'static str>,
    /// Query parameters: name and value template.
    pub query: &'static [(&'static str, &'static str)],
    /// Headers: lower-case name and value template.
    pub headers: &'static [(&'static str, &'static str)],
    /// The JSON body template, as JSON text.
    pub body: Option<&'static str>,
    /// The arguments.
    pub arguments: &'static [ArgDecl],
    /// What to return.
    pub returns: Returns,
    /// The declared output schema, as JSON text.
    pub output_schema: Option<&'static str>,
    /// The deadline for the whole answer.
    pub timeout_ms: u64,
    /// The largest answer read.
    pub max_bytes: usize,
    /// http and private hosts allowed (tests and self-hosting).
    pub allow_any_host: bool,
    /// Retried once on a transient failure (a GET declared idempotent).
    pub retry: bool,
}

impl HttpTool {
    /// The output schema, parsed.
    pub fn output_schema(&self) -> Option<Value> {
        self.output_schema
            .and_then(|s| serde_json::from_str(s).ok())
    }
}

/// The longest part of an upstream error body quoted back, in characters.
const QUOTED_CHARS: usize = 300;

/// The URL template with its origin replaced by the `base_url_var` variable, when set; checked
/// by the same rules as at build time.
fn origin(tool: &HttpTool, get: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let Some(var) = tool.base_url_var else {
        return Ok(tool.url.to_owned());
    };
    let Some(base) = get(var).filter(|b| !b.trim().is_empty()) else {
        return Ok(tool.url.to_owned());
    };
    let base = base.trim().trim_end_matches('/');
    let parts = split_url(base).map_err(|p| format!("the variable {var} {p}"))?;
    if !parts.rest.is_empty() {
        return Err(format!(
            "the variable {var} has a path — set it to an origin only, e.g. https://api.example.com"
        ));
    }
    let after_scheme = tool.url.find("://").map_or(0, |i| i + 3);
    let path_start = tool.url[after_scheme..]
        .find('/')
        .map_or(tool.url.len(), |i| after_scheme + i);
    Ok(format!("{base}{}", &tool.url[path_start..]))
}

/// Runs `tool` with `arguments` as the caller of `ctx`.
pub async fn call(tool: &HttpTool, ctx: &ToolContext<'_>, arguments: Value) -> CallToolResult {
    let args = match super::arguments(tool.name, tool.arguments, arguments) {
        Ok(a) => a,
        Err(refusal) => return refusal,
    };
    let platform = ctx.platform();
    let get = |name: &str| platform.secrets.get(name);
    let setup = |why: String| {
        CallToolResult::error(format!(
            "The tool `{}` is not set up right: {why}. Nothing was sent; tell the operator.",
            tool.name
        ))
    };
    let url = match origin(tool, &get) {
        Ok(u) => u,
        Err(why) => return setup(why),
    };
    let built = match request::build(&url, tool.query, tool.headers, tool.body, &args, &get) {
        Ok(b) => b,
        Err(Refusal::Argument(why)) => {
            return CallToolResult::error(format!(
                "Invalid arguments for tool `{}`: {why}. Nothing was sent.",
                tool.name
            ))
        }
        Err(Refusal::Setup(why)) => return setup(why),
    };
    // The private-address guard, on the URL about to be fetched.
    if let Err(why) = check_url(&built.url, Service::Webhook, tool.allow_any_host) {
        return setup(format!("its URL {why}"));
    }
    let host = split_url(&built.url)
        .map(|p| p.host.to_owned())
        .unwrap_or_default();
    let mut outbound = Outbound::get(&built.url, tool.max_bytes, tool.timeout_ms);
    outbound.method = tool.method;
    if let Some(body) = built.body {
        outbound = outbound.header("content-type", "application/json");
        outbound.body = Some(body);
    }
    for (name, value) in built.headers {
        outbound = outbound.header(&name, &value);
    }
    let mut answer = platform.fetch.send(&outbound).await;
    if tool.retry && transient(&answer) {
        answer = platform.fetch.send(&outbound).await;
    }
    let (outcome, result) = reply(tool, answer);
    let result = redact(result, &built.secrets);
    let principal = ctx.principal();
    let mut entry = Entry::new("http_tool", &principal.id, outcome.0)
        .ip(principal.address.as_deref())
        .detail(format!("{} → {host}: {}", tool.name, outcome.1));
    if let Some(c) = &principal.client_id {
        entry = entry.client(c);
    }
    audit::record(platform.objects, entry).await;
    result
}

/// A failure worth one more try: no connection, or a gateway error upstream. A timeout is not
/// retried (the request may have arrived, and the deadline is the caller's budget).
fn transient(answer: &Result<Fetched, crate::platform::PlatformError>) -> bool {
    match answer {
        Ok(f) => matches!(f.status, 502..=504),
        Err(e) => !e.0.starts_with(NO_ANSWER) && !e.0.starts_with(TOO_LARGE),
    }
}

/// The result of an answer, with the audit's outcome and a secret-free detail.
fn reply(
    tool: &HttpTool,
    answer: Result<Fetched, crate::platform::PlatformError>,
) -> ((&'static str, String), CallToolResult) {
    let name = tool.name;
    let fetched = match answer {
        Ok(f) => f,
        Err(e) if e.0.starts_with(NO_ANSWER) => {
            return (("failed", "timeout".into()), CallToolResult::error(format!(
                "The API behind `{name}` did not answer within {} ms. It may be slow or down; try again later, or with a smaller request.",
                tool.timeout_ms
            )))
        }
        Err(e) if e.0.starts_with(TOO_LARGE) => {
            return (("failed", "too large".into()), CallToolResult::error(format!(
                "The API behind `{name}` answered with more than {} bytes, more than this tool reads. Ask for less (narrower arguments, a smaller page).",
                tool.max_bytes
            )))
        }
        Err(_) => {
            return (("failed", "unreachable".into()), CallToolResult::error(format!(
                "The API behind `{name}` could not be reached. Try again in a little while."
            )))
        }
    };
    let status = fetched.status;
    let quoted = || {
        let text = String::from_utf8_lossy(&fetched.body);
        let text = text.trim();
        let mut q: String = text.chars().take(QUOTED_CHARS).collect();
        if q.len() < text.len() {
            q.push('…');
        }
        if q.is_empty() {
            String::new()
        } else {
            format!(" It said: {q}")
        }
    };
    let detail = status.to_string();
    let error = |text: String| (("failed", detail.clone()), CallToolResult::error(text));
    match status {
        200..=299 => {}
        300..=399 => {
            return error(format!(
                "The API behind `{name}` answered {status}, a redirect, which this gateway does not follow. The tool's URL must be fixed by the operator."
            ))
        }
        401 | 403 => {
            return error(format!(
                "The API behind `{name}` refused the gateway's credentials ({status}).{} The operator must check the tool's secret.",
                quoted()
            ))
        }
        429 => {
            return error(format!(
                "The API behind `{name}` is rate limiting ({status}). Wait before calling it again.{}",
                quoted()
            ))
        }
        400..=499 => {
            return error(format!(
                "The API behind `{name}` refused the request ({status}).{} Check the arguments and call again.",
                quoted()
            ))
        }
        _ => {
            return error(format!(
                "The API behind `{name}` failed ({status}). This is on its side; try again later."
            ))
        }
    }
    let Ok(json) = serde_json::from_slice::<Value>(&fetched.body) else {
        let kind = fetched.header("content-type").unwrap_or("no content type");
        let kind: String = kind.chars().take(60).collect();
        return (
            ("failed", format!("{status} not JSON")),
            CallToolResult::error(format!(
                "The API behind `{name}` answered {status} with something that is not JSON ({kind}). This tool reads JSON only; the operator must point it at a JSON endpoint."
            )),
        );
    };
    let value = match tool.returns {
        Returns::Whole => json,
        Returns::Pointer(p) => json.pointer(p).cloned().unwrap_or(Value::Null),
        Returns::Fields(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, p)| {
                    (
                        (*k).to_owned(),
                        json.pointer(p).cloned().unwrap_or(Value::Null),
                    )
                })
                .collect(),
        ),
    };
    let ok = ("ok", status.to_string());
    match value {
        Value::Object(_) => (
            ok,
            CallToolResult {
                content: vec![Content::text(value.to_string())],
                structured_content: Some(value),
                is_error: false,
            },
        ),
        _ if tool.output_schema.is_some() => (
            ("failed", format!("{status} not an object")),
            CallToolResult::error(format!(
                "The API behind `{name}` answered, but not with the object the tool's output schema describes. The operator must fix the tool's `returns`."
            )),
        ),
        other => (ok, CallToolResult::text(other.to_string())),
    }
}

/// `result` with every secret value sent replaced by `[redacted]`.
fn redact(result: CallToolResult, secrets: &[String]) -> CallToolResult {
    let secrets: Vec<&String> = secrets.iter().filter(|s| s.len() >= 4).collect();
    if secrets.is_empty() {
        return result;
    }
    let Ok(mut text) = serde_json::to_string(&result) else {
        return result;
    };
    if !secrets.iter().any(|s| text.contains(s.as_str())) {
        return result;
    }
    for s in secrets {
        text = text.replace(s.as_str(), "[redacted]");
    }
    serde_json::from_str(&text).unwrap_or_else(|_| {
        CallToolResult::error("The API's answer held the tool's secret and was withheld.")
    })
}
