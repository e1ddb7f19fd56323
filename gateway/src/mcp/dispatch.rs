//! MCP methods, shared by both generations: what each returns, given a validated request.
//! The transport (`transport.rs`) has already decided the generation and checked headers.

use serde_json::{json, Map, Value};

use super::catalog::Catalog;
use super::jsonrpc::{RpcError, INVALID_PARAMS, METHOD_NOT_FOUND, MISSING_CLIENT_CAPABILITY};
use super::version::ProtocolVersion;
use crate::config::Config;
use crate::platform::Platform;
use crate::ratelimit::{self, Decision};
use crate::toolbox::{CallToolResult, Notification, Principal, ToolContext, Toolbox};

/// `_meta` keys of the 2026-07-28 protocol.
pub mod meta {
    /// The request's protocol revision.
    pub const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
    /// The client's capabilities.
    pub const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
    /// The log level the client wants.
    pub const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
    /// The server's name and version, on every result.
    pub const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
}

/// The server's name, version and title.
pub fn server_info() -> Value {
    json!({"name": "dovecote", "title": "Dovecote", "version": env!("CARGO_PKG_VERSION")})
}

/// What this server offers; the same in `initialize` and `server/discover`.
pub fn capabilities(version: ProtocolVersion) -> Value {
    let mut caps = json!({"tools": {}, "prompts": {}, "resources": {}});
    if version.is_session_era() {
        caps["logging"] = json!({});
    }
    caps
}

const INSTRUCTIONS: &str = "Dovecote is a gateway between agents and the outside world. \
Call tools/list to see what this deployment offers.\n\n\
GitHub events (tools get_pending_status, list_pending_events, get_event, mark_processed): \
1. Poll get_pending_status about every 60 seconds; it is cheap. \
2. When pending_count > 0, call list_pending_events for summaries (type, action, repo, title, \
number, url, head_branch, head_sha, conclusion). \
3. Call get_event(event_id) only for the events whose full payload you need. \
4. When you have handled an event, call mark_processed(event_id) so it leaves the pending list. \
get_webhook_events returns pending events with payloads in one call, within a size budget.";

/// Everything a method needs.
pub struct Call<'a> {
    /// The revision in use.
    pub version: ProtocolVersion,
    /// The method.
    pub method: &'a str,
    /// Its params.
    pub params: &'a Map<String, Value>,
    /// Who is calling.
    pub principal: &'a Principal,
    /// Host services.
    pub platform: &'a Platform<'a>,
    /// Configuration.
    pub config: &'a Config,
    /// The tools.
    pub toolbox: &'a Toolbox,
    /// Their serialized descriptors.
    pub catalog: &'a Catalog,
    /// Builds the challenge of an `insufficient_scope` refusal.
    pub challenge: Option<&'a dyn Fn(&str) -> String>,
}

/// A method's answer: its result and the notifications to send before it.
pub struct Reply {
    /// The result object.
    pub result: Value,
    /// A member of the result that is already serialized (`tools/list`'s descriptors), to
    /// be spliced in rather than parsed and serialized again on every request.
    pub raw_member: Option<(&'static str, String)>,
    /// Notifications, in order.
    pub notifications: Vec<Notification>,
}

impl Reply {
    fn of(result: Value) -> Self {
        Self {
            result,
            raw_member: None,
            notifications: Vec::new(),
        }
    }

    /// The result as JSON text.
    pub fn result_text(&self) -> String {
        let text = self.result.to_string();
        match &self.raw_member {
            None => text,
            Some((key, raw)) => {
                let inner = &text[1..text.len() - 1];
                let sep = if inner.is_empty() { "" } else { "," };
                format!("{{{inner}{sep}\"{key}\":{raw}}}")
            }
        }
    }
}

fn not_found(method: &str) -> RpcError {
    RpcError::new(METHOD_NOT_FOUND, 404, format!("Method not found: {method}"))
}

/// A cacheable list result.
fn list(call: &Call<'_>, key: &str, items: Value, scope: &str, next: Option<String>) -> Value {
    let mut result = json!({ key: items });
    if let Some(next) = next {
        result["nextCursor"] = json!(next);
    }
    if !call.version.is_session_era() {
        result["ttlMs"] = json!(call.config.list_ttl_ms);
        result["cacheScope"] = json!(scope);
    }
    result
}

/// Runs one request.
pub async fn dispatch(call: &Call<'_>) -> Result<Reply, RpcError> {
    let session_era = call.version.is_session_era();
    match call.method {
        "initialize" if session_era => Ok(Reply::of(initialize(call))),
        "ping" | "logging/setLevel" if session_era => Ok(Reply::of(json!({}))),
        "server/discover" if !session_era => Ok(Reply::of(json!({
            "supportedVersions": ProtocolVersion::all_strings(),
            "capabilities": capabilities(call.version),
            "instructions": INSTRUCTIONS,
            "ttlMs": call.config.list_ttl_ms,
            "cacheScope": "public",
        }))),
        "tools/list" => tools_list(call),
        "tools/call" => tools_call(call).await,
        "prompts/list" => Ok(Reply::of(list(call, "prompts", json!([]), "public", None))),
        "resources/list" => Ok(Reply::of(list(
            call,
            "resources",
            json!([]),
            "public",
            None,
        ))),
        "resources/templates/list" => Ok(Reply::of(list(
            call,
            "resourceTemplates",
            json!([]),
            "public",
            None,
        ))),
        "prompts/get" => Err(RpcError::new(
            INVALID_PARAMS,
            400,
            "Unknown prompt: this server has no prompts",
        )),
        "resources/read" => Err(RpcError::new(
            INVALID_PARAMS,
            400,
            "Resource not found: this server has no resources",
        )),
        other => Err(not_found(other)),
    }
}

fn initialize(call: &Call<'_>) -> Value {
    let version = negotiated_version(call.params);
    json!({
        "protocolVersion": version.as_str(),
        "capabilities": capabilities(version),
        "serverInfo": server_info(),
        "instructions": INSTRUCTIONS,
    })
}

/// The revision `initialize` settles on for `params`.
pub fn negotiated_version(params: &Map<String, Value>) -> ProtocolVersion {
    params
        .get("protocolVersion")
        .and_then(Value::as_str)
        .and_then(ProtocolVersion::parse)
        .filter(|v| v.is_session_era())
        .unwrap_or(ProtocolVersion::LATEST_SESSION_ERA)
}

fn tools_list(call: &Call<'_>) -> Result<Reply, RpcError> {
    let cursor = match call.params.get("cursor") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) => Some(c.as_str()),
        Some(_) => {
            return Err(RpcError::new(
                INVALID_PARAMS,
                400,
                "`cursor` must be a string",
            ))
        }
    };
    let role = call.principal.role;
    let page = call.catalog.page(
        |s| call.principal.has_scope(s) && call.toolbox.grantable(s, role),
        cursor,
        call.config.tools_page_size,
    )?;
    // Descriptors are already serialized; splice them rather than parse them again.
    let tools: Value = serde_json::from_str(&format!("[{}]", page.tools.join(",")))
        .map_err(|e| RpcError::new(super::jsonrpc::INTERNAL_ERROR, 500, e.to_string()))?;
    Ok(Reply::of(list(
        call,
        "tools",
        tools,
        "private",
        page.next_cursor,
    )))
}

fn retry_text(ms: u64) -> String {
    let secs = ms.div_ceil(1000).max(1);
    format!("{secs} second{}", if secs == 1 { "" } else { "s" })
}

async fn tools_call(call: &Call<'_>) -> Result<Reply, RpcError> {
    let Some(name) = call.params.get("name").and_then(Value::as_str) else {
        return Err(RpcError::new(
            INVALID_PARAMS,
            400,
            "`name` (the tool to call) is required",
        ));
    };
    let tool = call
        .toolbox
        .get(name)
        .ok_or_else(|| RpcError::new(INVALID_PARAMS, 400, format!("Unknown tool: {name}")))?;
    let scope = tool.policy.scope;
    // The role is checked again here, whatever the token holds: a member never calls a tool
    // whose scope only operators may hold.
    let grantable = call.toolbox.grantable(scope, call.principal.role);
    if !call.principal.has_scope(scope) || !grantable {
        let entry = crate::audit::Entry::new("tool_refused", &call.principal.id, "denied")
            .ip(call.principal.address.as_deref())
            .detail(format!("{name} needs {scope}"));
        let entry = match &call.principal.client_id {
            Some(c) => entry.client(c),
            None => entry,
        };
        crate::audit::record(call.platform.objects, entry).await;
        let mut e = RpcError::new(
            INVALID_PARAMS,
            403,
            format!("Tool `{name}` needs the scope `{scope}`, which this access token lacks; sign in again granting it"),
        );
        e.www_authenticate = call.challenge.map(|c| c(scope));
        return Err(e);
    }
    let arguments = call.params.get("arguments").cloned().unwrap_or(Value::Null);
    let rate = tool.policy.rate;
    match ratelimit::take(
        call.platform.objects,
        &call.principal.id,
        tool.def.name,
        rate,
    )
    .await
    {
        Ok(Decision::Allowed) => {}
        Ok(Decision::Limited { retry_after_ms }) => {
            return Ok(Reply::of(result_json(&CallToolResult::error(format!(
                "Rate limit reached for `{name}`: {} calls per {}. Retry in {}.",
                rate.count,
                rate.period.name(),
                retry_text(retry_after_ms)
            )))));
        }
        Err(e) => {
            crate::log::internal("rate limiter", &e.0);
            return Ok(Reply::of(result_json(&CallToolResult::error(
                "The gateway could not check its rate limit just now; retry in a few seconds.",
            ))));
        }
    }
    let meta = call.params.get("_meta").and_then(Value::as_object);
    let progress_token = meta.and_then(|m| m.get("progressToken")).cloned();
    let log_level = if call.version.is_session_era() {
        // Without per-session state, session-era clients get info and above.
        Some("info")
    } else {
        meta.and_then(|m| m.get(meta::LOG_LEVEL))
            .and_then(Value::as_str)
    };
    let mut ctx = ToolContext::new(call.principal, call.platform, progress_token, log_level)
        .with_config(call.config);
    if let Some(caps) = meta.and_then(|m| m.get(meta::CLIENT_CAPABILITIES)) {
        ctx = ctx.with_client_capabilities(caps.clone());
    }
    let result = (tool.def.call)(&ctx, arguments).await;
    if let Some(capability) = ctx.missing_capability() {
        return Err(RpcError::new(
            MISSING_CLIENT_CAPABILITY,
            400,
            format!("Tool `{name}` needs the client capability `{capability}`; declare it in clientCapabilities"),
        )
        .with_data(json!({"requiredCapabilities": {capability: {}}})));
    }
    Ok(Reply {
        result: result_json(&result),
        raw_member: None,
        notifications: ctx.take_notifications(),
    })
}

fn result_json(result: &CallToolResult) -> Value {
    Value::Object(result.to_json())
}
