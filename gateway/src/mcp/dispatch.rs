//! MCP methods, shared by both generations: what each returns, given a validated request.
//! The transport (`transport.rs`) has already decided the generation and checked headers.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::catalog::Catalog;
use super::jsonrpc::{RpcError, INVALID_PARAMS, METHOD_NOT_FOUND, MISSING_CLIENT_CAPABILITY};
use super::model::{
    CacheHints, CacheScope, CallToolResult, DiscoverResult, EmptyObject, EmptyResult,
    Implementation, InitializeResult, InputRequest, InputRequiredResult, ListCapability,
    ListToolsResult, MissingCapabilityData, Notification, Prepared, ResourcesCapability,
    ServerCapabilities, ServerResult, Tool,
};
use super::request_state::{self, Binding, Carried, StateKeys};
use super::version::ProtocolVersion;
use super::{completion, prompts, resource_methods, subscriptions};
use crate::config::Config;
use crate::platform::Platform;
use crate::ratelimit::{Decision, Leases};
use crate::sessions::SessionRef;
use crate::toolbox::{Inputs, Principal, ToolContext, Toolbox};

pub use super::model::meta;

/// The server's name, version and title.
pub fn server_info() -> Implementation {
    Implementation {
        name: "dovecote".into(),
        title: Some("Dovecote".into()),
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

/// What this server offers; the same in `initialize` and `server/discover`.
pub fn capabilities(version: ProtocolVersion) -> ServerCapabilities {
    ServerCapabilities {
        tools: Some(ListCapability::default()),
        prompts: Some(ListCapability::default()),
        // Both generations: `resources/subscribe` in the session era,
        // `subscriptions/listen` in 2026-07-28.
        resources: Some(ResourcesCapability {
            subscribe: Some(true),
            list_changed: None,
        }),
        logging: version.is_session_era().then_some(EmptyObject {}),
        completions: Some(EmptyObject {}),
    }
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
    /// The rate-limit leases this isolate holds.
    pub leases: &'a Leases,
    /// The keys that sign `requestState` (none: nothing can be asked of the client).
    pub state_keys: Option<StateKeys<'a>>,
    /// In the session era, when the client can be asked over the session (it holds one and
    /// reads SSE): what it declared and the answers given so far.
    pub session: Option<SessionInputs>,
    /// In the session era, the session the request came with (what `resources/subscribe`
    /// subscribes).
    pub subscriber: Option<SessionRef>,
}

impl Call<'_> {
    /// Takes one use of `key` under `rate` for the caller: a rate of 20 a second or more from
    /// a lease this isolate holds (`ratelimit::lease`), a lower one from the caller's object.
    pub(super) async fn take_rate_unit(
        &self,
        key: &str,
        rate: crate::toolbox::Rate,
    ) -> Result<Decision, crate::platform::PlatformError> {
        let now_ms = self.platform.clock.now_ms();
        (self.leases)
            .take(self.platform.objects, now_ms, &self.principal.id, key, rate)
            .await
    }
}

/// What a session-era call may ask with: the client's declared capabilities and the answers
/// its session holds for this call so far.
#[derive(Debug, Clone, Default)]
pub struct SessionInputs {
    /// The capabilities the client declared at `initialize`.
    pub capabilities: Option<Value>,
    /// Answers so far, by key.
    pub answers: BTreeMap<String, Value>,
}

/// A method's answer: its result and the notifications to send before it.
pub struct Reply<'a> {
    /// The result.
    pub result: ServerResult<'a>,
    /// Notifications, in order.
    pub notifications: Vec<Notification>,
    /// In the session era, what the tool asked and was not answered: then `result` is not
    /// the answer yet, and these go to the client as requests over the session.
    pub asked: BTreeMap<String, InputRequest>,
    /// In the session era, the answer goes out after the client reconnects
    /// (`ToolContext::answer_on_reconnect`).
    pub deferred: bool,
}

impl<'a> Reply<'a> {
    fn of(result: ServerResult<'a>) -> Self {
        Self {
            result,
            notifications: Vec::new(),
            asked: BTreeMap::new(),
            deferred: false,
        }
    }
}

fn not_found(method: &str) -> RpcError {
    RpcError::new(METHOD_NOT_FOUND, 404, format!("Method not found: {method}"))
}

/// The caching fields of a list result: 2026-07-28 only.
pub(super) fn cache(call: &Call<'_>, cache_scope: CacheScope) -> Option<CacheHints> {
    (!call.version.is_session_era()).then_some(CacheHints {
        ttl_ms: call.config.list_ttl_ms,
        cache_scope,
    })
}

/// Runs one request.
pub async fn dispatch<'a>(call: &Call<'a>) -> Result<Reply<'a>, RpcError> {
    let session_era = call.version.is_session_era();
    let result = match call.method {
        "initialize" if session_era => ServerResult::Initialize(initialize(call)),
        "ping" | "logging/setLevel" if session_era => ServerResult::Empty(EmptyResult {}),
        "server/discover" if !session_era => ServerResult::Discover(DiscoverResult {
            supported_versions: ProtocolVersion::all_strings(),
            capabilities: capabilities(call.version),
            instructions: Some(INSTRUCTIONS.into()),
            cache: CacheHints {
                ttl_ms: call.config.list_ttl_ms,
                cache_scope: CacheScope::Public,
            },
        }),
        "tools/list" => ServerResult::ListTools(tools_list(call)?),
        "tools/call" => return tools_call(call).await,
        "prompts/list" => ServerResult::ListPrompts(prompts::list(call)?),
        "prompts/get" => prompts::get(call).await?,
        "completion/complete" => ServerResult::Complete(completion::complete(call).await?),
        "resources/list" => ServerResult::ListResources(resource_methods::list(call).await?),
        "resources/templates/list" => {
            ServerResult::ListResourceTemplates(resource_methods::templates(call)?)
        }
        "resources/read" => ServerResult::ReadResource(resource_methods::read(call).await?),
        "resources/subscribe" if session_era => {
            ServerResult::Empty(subscriptions::subscribe(call, true).await?)
        }
        "resources/unsubscribe" if session_era => {
            ServerResult::Empty(subscriptions::subscribe(call, false).await?)
        }
        other => return Err(not_found(other)),
    };
    Ok(Reply::of(result))
}

fn initialize(call: &Call<'_>) -> InitializeResult {
    let version = negotiated_version(call.params);
    InitializeResult {
        protocol_version: version.as_str().into(),
        capabilities: capabilities(version),
        server_info: server_info(),
        instructions: Some(INSTRUCTIONS.into()),
    }
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

fn tools_list<'a>(call: &Call<'a>) -> Result<ListToolsResult<&'a Prepared<Tool>>, RpcError> {
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
    Ok(ListToolsResult {
        tools: page.tools,
        next_cursor: page.next_cursor,
        // The list is filtered by the token's scopes.
        cache: cache(call, CacheScope::Private),
    })
}

/// "3 seconds": how long to wait, for a rate-limit message.
pub(super) fn retry_text(ms: u64) -> String {
    let secs = ms.div_ceil(1000).max(1);
    format!("{secs} second{}", if secs == 1 { "" } else { "s" })
}

/// The refusal of `what` (``Tool `x` ``) for want of `scope`, audited under `name`, with the
/// challenge that asks for the scope.
pub(super) async fn refuse_scope(call: &Call<'_>, what: &str, name: &str, scope: &str) -> RpcError {
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
        format!("{what} needs the scope `{scope}`, which this access token lacks; sign in again granting it"),
    );
    e.www_authenticate = call.challenge.map(|c| c(scope));
    e
}

async fn tools_call<'a>(call: &Call<'a>) -> Result<Reply<'a>, RpcError> {
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
        return Err(refuse_scope(call, &format!("Tool `{name}`"), name, scope).await);
    }
    let arguments = call.params.get("arguments").cloned().unwrap_or(Value::Null);
    let rate = tool.policy.rate;
    match call.take_rate_unit(tool.def.name, rate).await {
        Ok(Decision::Allowed) => {}
        Ok(Decision::Limited { retry_after_ms }) => {
            return Ok(Reply::of(ServerResult::CallTool(CallToolResult::error(
                format!(
                    "Rate limit reached for `{name}`: {} calls per {}. Retry in {}.",
                    rate.count,
                    rate.period.name(),
                    retry_text(retry_after_ms)
                ),
            ))));
        }
        Err(e) => {
            crate::log::internal("rate limiter", &e.0);
            return Ok(Reply::of(ServerResult::CallTool(CallToolResult::error(
                "The gateway could not check its rate limit just now; retry in a few seconds.",
            ))));
        }
    }
    let meta = call.params.get("_meta").and_then(Value::as_object);
    let progress_token = meta.and_then(|m| m.get(meta::PROGRESS_TOKEN)).cloned();
    let log_level = if call.version.is_session_era() {
        // Without per-session state, session-era clients get info and above.
        Some("info")
    } else {
        meta.and_then(|m| m.get(meta::LOG_LEVEL))
            .and_then(Value::as_str)
    };
    let target = format!("tools/call {name}");
    let binding = Binding::new(&call.principal.id, &target, &arguments);
    let (inputs, capabilities) = match &call.session {
        Some(session) => (
            Inputs::new(session.capabilities.clone(), session.answers.clone()),
            session.capabilities.clone(),
        ),
        None => {
            let capabilities = meta.and_then(|m| m.get(meta::CLIENT_CAPABILITIES)).cloned();
            (inputs(call, &binding, capabilities.clone())?, capabilities)
        }
    };
    let mut ctx = ToolContext::new(call.principal, call.platform, progress_token, log_level)
        .with_config(call.config)
        .with_inputs(inputs);
    if let Some(caps) = capabilities {
        ctx = ctx.with_client_capabilities(caps);
    }
    let result = (tool.def.call)(&ctx, arguments).await;
    if call.session.is_some() {
        return Ok(Reply {
            result: ServerResult::CallTool(result),
            notifications: ctx.take_notifications(),
            asked: ctx.inputs().take_asked(),
            deferred: ctx.deferred(),
        });
    }
    if let Some(asking) = input_required(call, &binding, ctx.inputs()) {
        return Ok(Reply::of(ServerResult::InputRequired(asking)));
    }
    if let Some(capability) = ctx.missing_capability() {
        return Err(RpcError::new(
            MISSING_CLIENT_CAPABILITY,
            400,
            format!("Tool `{name}` needs the client capability `{capability}`; declare it in clientCapabilities"),
        )
        .with_data(MissingCapabilityData::one(capability)));
    }
    Ok(Reply {
        result: ServerResult::CallTool(result),
        notifications: ctx.take_notifications(),
        asked: BTreeMap::new(),
        deferred: false,
    })
}

/// The answers a request carries (2026-07-28): its `inputResponses`, and those its
/// `requestState` holds from earlier rounds (which win over a key sent again). A state that
/// is not this call's is refused; keys nobody asked for are ignored.
pub(super) fn inputs(
    call: &Call<'_>,
    binding: &Binding<'_>,
    capabilities: Option<Value>,
) -> Result<Inputs, RpcError> {
    let (false, Some(keys)) = (call.version.is_session_era(), call.state_keys) else {
        return Ok(Inputs::default());
    };
    let mut answers: BTreeMap<String, Value> = match call.params.get("inputResponses") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(r)) => r.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Some(_) => {
            return Err(RpcError::new(
                INVALID_PARAMS,
                400,
                "`inputResponses` must be an object of answers keyed as the server asked",
            ))
        }
    };
    match call.params.get("requestState") {
        None | Some(Value::Null) => {}
        Some(Value::String(state)) => {
            let now = call.platform.clock.now_ms();
            let carried = request_state::open(keys, binding, state, now)
                .map_err(|e| RpcError::new(INVALID_PARAMS, 400, e.to_string()))?;
            answers.extend(carried.answers);
        }
        Some(_) => {
            return Err(RpcError::new(
                INVALID_PARAMS,
                400,
                "`requestState` must be the string the server sent, unchanged",
            ))
        }
    }
    Ok(Inputs::new(capabilities, answers))
}

/// What the tool asked and was not answered, as the result that asks the client, with a new
/// state carrying the answers so far; `None` when it asked nothing.
pub(super) fn input_required(
    call: &Call<'_>,
    binding: &Binding<'_>,
    inputs: &Inputs,
) -> Option<InputRequiredResult> {
    let asked = inputs.take_asked();
    let keys = call.state_keys?;
    if asked.is_empty() {
        return None;
    }
    let carried = Carried {
        answers: inputs.answers().clone(),
        expires_ms: call.platform.clock.now_ms() + request_state::STATE_TTL_MS,
    };
    Some(InputRequiredResult {
        input_requests: asked,
        request_state: Some(request_state::issue(keys, binding, &carried)),
    })
}
