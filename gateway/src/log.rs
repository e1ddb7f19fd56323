//! Logging, as one JSON object per line (what `wrangler tail` and Workers Logs show): a line
//! per request (`RequestLine`) and a line per internal or upstream failure (`internal`). Never
//! a secret, a token, a body or a query string: routes are named by the route table, and the
//! principal is the user's id. Workers' console in wasm, stderr natively.

use std::cell::{Cell, RefCell};

use serde::Serialize;

/// Longest request id taken from the `CF-Ray` header; anything else is replaced.
const MAX_REQUEST_ID: usize = 40;

/// A request id: Cloudflare's `CF-Ray` when it looks like one (so a line can be matched with
/// Cloudflare's own logs), else `fallback` (random hex from the caller).
pub fn request_id(cf_ray: Option<&str>, fallback: impl FnOnce() -> String) -> String {
    match cf_ray.map(str::trim) {
        Some(ray)
            if !ray.is_empty()
                && ray.len() <= MAX_REQUEST_ID
                && ray.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            ray.to_owned()
        }
        _ => fallback(),
    }
}

/// What the router learns while serving a request, for its log line: who called and which
/// tool. Filled in as the request goes; read once it is answered.
#[derive(Debug, Default)]
pub struct Trace {
    principal: RefCell<Option<String>>,
    tool: Cell<Option<&'static str>>,
}

impl Trace {
    /// Records the caller's id (a user id such as `owner` or `github:123`; never a token).
    pub fn principal(&self, id: &str) {
        *self.principal.borrow_mut() = Some(id.to_owned());
    }

    /// Records the tool a `tools/call` named (one the gateway has, or `unknown`).
    pub fn tool(&self, name: &'static str) {
        self.tool.set(Some(name));
    }

    /// The recorded caller.
    pub fn principal_id(&self) -> Option<String> {
        self.principal.borrow().clone()
    }

    /// The recorded tool.
    pub fn tool_name(&self) -> Option<&'static str> {
        self.tool.get()
    }
}

/// Which requests get a log line (`LOG_REQUESTS`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RequestLogging {
    /// Every request (the default).
    #[default]
    All,
    /// Only requests answered with a 4xx or 5xx status.
    Errors,
    /// None (failures and warnings are still logged).
    Off,
}

impl RequestLogging {
    /// Reads `all`, `errors` or `off`.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "all" => Some(Self::All),
            "errors" => Some(Self::Errors),
            "off" => Some(Self::Off),
            _ => None,
        }
    }

    /// Whether a request answered with `status` gets its line.
    pub fn wants(self, status: u16) -> bool {
        match self {
            Self::All => true,
            Self::Errors => status >= 400,
            Self::Off => false,
        }
    }
}

/// One request's log line; written with `"event": "request"`, so a filter can select them.
#[derive(Debug, Serialize)]
pub struct RequestLine<'a> {
    /// Always `request`.
    pub event: &'static str,
    /// `CF-Ray`, or a random id.
    pub request_id: &'a str,
    /// The HTTP method.
    pub method: &'a str,
    /// The route's name in the route table (`crate::routes::log_name`).
    pub route: &'static str,
    /// The answer's status.
    pub status: u16,
    /// Milliseconds from arrival to answer (Workers' clock, which advances on I/O).
    pub latency_ms: u64,
    /// Who called, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// The tool of a `tools/call`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool: Option<&'static str>,
}

impl RequestLine<'_> {
    /// The line as JSON, written straight into one buffer sized for it.
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(192);
        if serde_json::to_writer(&mut out, self).is_err() {
            return String::new();
        }
        // serde_json writes UTF-8 only.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Writes the line.
    pub fn emit(&self) {
        let line = self.to_json();
        #[cfg(target_arch = "wasm32")]
        worker::console_log!("{line}");
        #[cfg(not(target_arch = "wasm32"))]
        eprintln!("{line}");
    }
}

/// The line `internal` writes.
fn failure_line(what: &str, detail: &str) -> String {
    serde_json::json!({"event": "failure", "level": "error", "what": what, "error": detail})
        .to_string()
}

/// Logs that `what` failed because of `detail` (the platform's or the upstream service's own
/// error, which callers keep free of secrets).
pub fn internal(what: &str, detail: &str) {
    let line = failure_line(what, detail);
    #[cfg(target_arch = "wasm32")]
    worker::console_error!("{line}");
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("{line}");
}

/// Logs a warning about how the gateway is configured (never request data or secrets), as
/// one JSON line.
pub fn warning(message: &str) {
    let line = serde_json::json!({"event": "warning", "message": message}).to_string();
    #[cfg(target_arch = "wasm32")]
    worker::console_warn!("{line}");
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_come_from_cf_ray_only_when_it_looks_like_one() {
        let random = || "f00d".to_owned();
        assert_eq!(
            request_id(Some("8f1e2d3c4b5a6978-AMS"), random),
            "8f1e2d3c4b5a6978-AMS"
        );
        assert_eq!(request_id(Some("\"},{\"x\":1"), random), "f00d");
        assert_eq!(request_id(Some(&"a".repeat(41)), random), "f00d");
        assert_eq!(request_id(None, random), "f00d");
    }

    #[test]
    fn a_request_line_is_one_json_object_with_what_the_trace_learned() {
        let trace = Trace::default();
        trace.principal("github:42");
        trace.tool("calculate");
        let line = RequestLine {
            event: "request",
            request_id: "abc",
            method: "POST",
            route: "/mcp",
            status: 200,
            latency_ms: 12,
            principal: trace.principal_id(),
            tool: trace.tool_name(),
        }
        .to_json();
        assert!(!line.contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["principal"], "github:42");
        assert_eq!(value["tool"], "calculate");
        assert_eq!(value["status"], 200);
        assert_eq!(value["latency_ms"], 12);
        assert_eq!(value["route"], "/mcp");
        assert_eq!(value["event"], "request");
    }

    #[test]
    fn log_requests_chooses_every_line_the_failed_ones_or_none() {
        let parse = |v| RequestLogging::parse(v).unwrap();
        assert!(parse("all").wants(200) && parse("all").wants(500));
        assert!(!parse("errors").wants(204) && !parse("errors").wants(399));
        assert!(parse("errors").wants(401) && parse("errors").wants(503));
        assert!(!parse(" off ").wants(500));
        assert_eq!(RequestLogging::parse("some"), None);
        assert_eq!(RequestLogging::default(), RequestLogging::All);
    }

    #[test]
    fn failures_are_json_lines_with_the_error() {
        let line: serde_json::Value =
            serde_json::from_str(&failure_line("GitHub sign-in", "502 Bad Gateway")).unwrap();
        assert_eq!(line["what"], "GitHub sign-in");
        assert_eq!(line["error"], "502 Bad Gateway");
    }
}
