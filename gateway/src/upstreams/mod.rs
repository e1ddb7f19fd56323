//! Upstream MCP servers: `[upstreams.<name>]` in `tools.toml`, their tools imported at build
//! time from the lock `upstreams.lock.toml` (`make upstreams` writes it). `toolbox!` makes each
//! imported tool a `ToolEntry` whose call is [`call`], so it is listed, scope-filtered,
//! rate-limited and audited like any tool; `upstreams!` emits [`UPSTREAMS`], what the run time
//! needs to reach each server. `client` speaks MCP to them (either generation), `session` keeps
//! the session era's sessions per isolate, `drift` compares the live lists with the lock (a
//! scheduled job) and tells `/health`.

mod client;
pub mod drift;
pub mod fingerprint;
mod session;

use serde_json::{Map, Value};

use crate::audit::{self, Entry};
use crate::toolbox::{CallToolResult, ToolContext};
pub use client::{Failure, STATELESS};

/// One upstream, as `tools.toml` and its lock say.
#[derive(Debug, Clone, Copy)]
pub struct Upstream {
    /// The `[upstreams.<name>]` key.
    pub name: &'static str,
    /// Its Streamable HTTP endpoint.
    pub url: &'static str,
    /// The Worker secret sent as `Authorization: Bearer`, if any.
    pub bearer_secret: Option<&'static str>,
    /// The revision the lock found it speaking: `2026-07-28` (stateless) or a session-era one.
    pub protocol: &'static str,
    /// http and private hosts allowed.
    pub allow_any_host: bool,
    /// The deadline of one call.
    pub timeout_ms: u64,
    /// The largest answer read.
    pub max_bytes: u64,
    /// `tools = "*"`: a tool the server adds is drift worth reporting.
    pub imports_all: bool,
    /// What it imports.
    pub tools: &'static [Imported],
}

/// One imported tool.
#[derive(Debug, Clone, Copy)]
pub struct Imported {
    /// Its name on the upstream.
    pub remote: &'static str,
    /// Its name here.
    pub local: &'static str,
    /// The fingerprint of its locked descriptor.
    pub fingerprint: u64,
}

#[cfg(not(feature = "conformance"))]
crate::upstreams! { manifest = "../../../tools.toml" }

#[cfg(feature = "conformance")]
crate::upstreams! { manifest = "../../../e2e/conformance/tools.toml" }

/// The upstream named `name`.
pub fn find(name: &str) -> Option<&'static Upstream> {
    UPSTREAMS.iter().find(|u| u.name == name)
}

/// A schema from the lock, as JSON (checked to be an object when the lock was read).
pub fn schema(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::json!({"type": "object"}))
}

/// Forwards a call of `tool` on `upstream` with `arguments`, and passes its result back as the
/// upstream gave it; a failure is an `isError` result saying what happened. Audited with the
/// upstream's name.
pub async fn call(
    upstream: &str,
    tool: &str,
    ctx: &ToolContext<'_>,
    arguments: Value,
) -> CallToolResult {
    let Some(up) = find(upstream) else {
        return CallToolResult::error(format!(
            "The upstream `{upstream}` is not part of this build. Tell the operator."
        ));
    };
    let (outcome, result) = forward(up, tool, ctx, arguments).await;
    let caller = ctx.principal();
    let entry = Entry::new("upstream_tool", &caller.id, outcome.0)
        .ip(caller.address.as_deref())
        .client_if(caller.client_id.as_deref());
    let detail = format!("{}/{tool}: {}", up.name, outcome.1);
    audit::record(ctx.platform().objects, entry.detail(detail)).await;
    result
}

async fn forward(
    up: &Upstream,
    tool: &str,
    ctx: &ToolContext<'_>,
    arguments: Value,
) -> ((&'static str, String), CallToolResult) {
    if let Err(why) = crate::channels::rules::check_url(
        up.url,
        crate::channels::rules::Service::Webhook,
        up.allow_any_host,
    ) {
        return (
            ("failed", "url refused".into()),
            CallToolResult::error(format!(
                "The upstream `{}` is not set up right: its url {why}. Tell the operator.",
                up.name
            )),
        );
    }
    let arguments = match arguments {
        Value::Null => Value::Object(Map::new()),
        Value::Object(m) => Value::Object(m),
        _ => {
            return (
                ("failed", "arguments".into()),
                CallToolResult::error(format!(
                    "Invalid arguments for tool `{tool}`: `arguments` must be a JSON object."
                )),
            )
        }
    };
    let mut params = Map::new();
    params.insert("name".into(), tool.into());
    params.insert("arguments".into(), arguments);
    let platform = ctx.platform();
    let deadline = client::Deadline::after(platform, up.timeout_ms);
    match client::request(up, platform, "tools/call", params, deadline).await {
        Ok(result) => match serde_json::from_value::<CallToolResult>(result) {
            Ok(r) => {
                let outcome = if r.is_error { "tool error" } else { "ok" };
                (("ok", outcome.into()), r)
            }
            Err(_) => (
                ("failed", "unreadable result".into()),
                CallToolResult::error(
                    Failure::Garbage("a tool result this gateway cannot read").explain(up.name),
                ),
            ),
        },
        Err(failure) => (
            ("failed", failure.audit()),
            CallToolResult::error(failure.explain(up.name)),
        ),
    }
}
