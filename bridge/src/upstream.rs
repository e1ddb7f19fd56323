//! The gateway, as an MCP client sees it: one rmcp Streamable HTTP client to `/mcp`, with the
//! access token attached (and refreshed by rmcp when the gateway answers 401), speaking the
//! 2026-07-28 revision when the gateway does (the 2025-11-25 session otherwise). Questions the
//! gateway asks during a call are put to the local client (`relay`). A session that ends (the
//! gateway redeployed, a network drop) is replaced and the request tried once more (N3.3);
//! only a sign-in that is gone reaches the local client.

use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientRequest, CompleteRequestParams, CompleteResult,
    GetPromptRequestParams, GetPromptResult, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, ListToolsRequest, PaginatedRequestParams, ProtocolVersion,
    ReadResourceRequestParams, ReadResourceResult, ServerResult, Tool,
};
use rmcp::service::{
    ClientLifecycleMode, ClientServiceExt, RoleClient, RunningService, ServiceError,
};
use rmcp::transport::auth::AuthClient;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;

use tokio::sync::{watch, Mutex};

use crate::config::Config;
use crate::relay::Relay;

/// How the bridge proves who it is to the gateway.
#[derive(Clone)]
pub enum Access {
    /// A fixed token (`DOVECOTE_TOKEN`).
    Fixed(String),
    /// The stored sign-in, refreshed by rmcp.
    SignedIn(AuthClient<reqwest::Client>),
}

impl Access {
    /// A current access token.
    pub async fn token(&self) -> Result<String, UpstreamError> {
        match self {
            Access::Fixed(t) => Ok(t.clone()),
            Access::SignedIn(auth) => auth.get_access_token().await.map_err(|e| {
                if matches!(e, rmcp::transport::auth::AuthError::AuthorizationRequired) {
                    UpstreamError::SignInNeeded
                } else {
                    UpstreamError::Unavailable(e.to_string())
                }
            }),
        }
    }
}

/// Why the gateway could not be used.
#[derive(Debug, Clone, PartialEq)]
pub enum UpstreamError {
    /// The sign-in is gone (revoked, expired): the user must sign in again.
    SignInNeeded,
    /// The user has not finished signing in yet.
    SignInPending,
    /// The gateway could not be reached or failed.
    Unavailable(String),
    /// The gateway answered with a JSON-RPC error (an unknown tool, bad arguments): passed
    /// on as it is.
    Rpc(rmcp::ErrorData),
}

impl std::fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SignInNeeded => f.write_str(
                "the Dovecote sign-in is no longer valid: restart dovecote-bridge (or your MCP client) to sign in again in the browser",
            ),
            Self::SignInPending => f.write_str(
                "sign in to Dovecote first: finish the sign-in in the browser window dovecote-bridge opened (its URL is in this MCP server's log), then try again",
            ),
            Self::Unavailable(why) => write!(f, "the Dovecote gateway is unavailable: {why}"),
            Self::Rpc(e) => write!(f, "the Dovecote gateway refused: {}", e.message),
        }
    }
}

fn classify(e: &ServiceError) -> UpstreamError {
    if let ServiceError::McpError(rpc) = e {
        return UpstreamError::Rpc(rpc.clone());
    }
    if e.is_authorization_required() {
        UpstreamError::SignInNeeded
    } else {
        UpstreamError::Unavailable(e.to_string())
    }
}

/// How long a request waits for a sign-in in progress before saying so.
const SIGN_IN_WAIT: Duration = Duration::from_secs(20);

type Session = Arc<RunningService<RoleClient, Relay>>;

/// A session, and whether the local client's capabilities were known when it began: one
/// begun before (a stored sign-in read at start) is replaced once they are, so the gateway
/// learns that the person can be asked.
struct Current {
    session: Session,
    knew_local: bool,
}

/// The gateway's `/mcp`.
pub struct Upstream {
    config: Config,
    access: watch::Receiver<Option<Access>>,
    relay: Relay,
    session: Mutex<Option<Current>>,
}

impl Upstream {
    /// An upstream that connects on first use, once `access` holds a way to sign requests
    /// (at once with a fixed token; after the browser sign-in otherwise); what the gateway
    /// asks goes through `relay`.
    pub fn new(config: Config, access: watch::Receiver<Option<Access>>, relay: Relay) -> Self {
        Self {
            config,
            access,
            relay,
            session: Mutex::new(None),
        }
    }

    /// How the bridge signs its requests, waiting up to `wait` for the sign-in.
    pub async fn access(&self, wait: Duration) -> Option<Access> {
        let mut rx = self.access.clone();
        let ready = tokio::time::timeout(wait, rx.wait_for(Option::is_some)).await;
        match ready {
            Ok(Ok(access)) => access.clone(),
            _ => None,
        }
    }

    async fn connect(&self) -> Result<Session, UpstreamError> {
        let Some(access) = self.access(SIGN_IN_WAIT).await else {
            return Err(UpstreamError::SignInPending);
        };
        let uri = self.config.mcp_url.as_str();
        let relay = self.relay.clone();
        let lifecycle = ClientLifecycleMode::Auto {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            legacy_version: Some(ProtocolVersion::V_2025_11_25),
        };
        let served = match &access {
            Access::Fixed(token) => {
                let transport = StreamableHttpClientTransport::with_client(
                    reqwest::Client::new(),
                    StreamableHttpClientTransportConfig::with_uri(uri).auth_header(token.clone()),
                );
                relay.serve_with_lifecycle(transport, lifecycle).await
            }
            Access::SignedIn(auth) => {
                let transport = StreamableHttpClientTransport::with_client(
                    auth.clone(),
                    StreamableHttpClientTransportConfig::with_uri(uri),
                );
                relay.serve_with_lifecycle(transport, lifecycle).await
            }
        };
        served.map(Arc::new).map_err(|e| match e.auth_challenge() {
            Some(_) => UpstreamError::SignInNeeded,
            None => UpstreamError::Unavailable(e.to_string()),
        })
    }

    /// Runs `op` on the current session; if it fails for any reason but a lost sign-in,
    /// starts a new session and runs it once more.
    async fn with_session<T, F, Fut>(&self, op: F) -> Result<T, UpstreamError>
    where
        F: Fn(Session) -> Fut,
        Fut: std::future::Future<Output = Result<T, ServiceError>>,
    {
        for attempt in 0..2 {
            let current = {
                let mut current = self.session.lock().await;
                let knows_local = self.relay.has_local();
                if current
                    .as_ref()
                    .is_some_and(|c| !c.knew_local && knows_local)
                {
                    if let Some(old) = current.take() {
                        old.session.cancellation_token().cancel();
                    }
                }
                if current.is_none() {
                    let session = self.connect().await?;
                    *current = Some(Current {
                        session,
                        knew_local: knows_local,
                    });
                }
                current.as_ref().map(|c| c.session.clone())
            };
            let Some(current) = current else { continue };
            match op(current.clone()).await {
                Ok(v) => return Ok(v),
                Err(e) => {
                    let error = classify(&e);
                    if let UpstreamError::Rpc(_) = error {
                        return Err(error);
                    }
                    // Only the session that failed is ended: another request may already have
                    // replaced it with a good one.
                    let mut guard = self.session.lock().await;
                    if guard
                        .as_ref()
                        .is_some_and(|c| Arc::ptr_eq(&c.session, &current))
                    {
                        if let Some(old) = guard.take() {
                            old.session.cancellation_token().cancel();
                        }
                    }
                    drop(guard);
                    if matches!(
                        error,
                        UpstreamError::SignInNeeded | UpstreamError::SignInPending
                    ) || attempt == 1
                    {
                        return Err(error);
                    }
                }
            }
        }
        Err(UpstreamError::Unavailable("no session".into()))
    }

    /// Runs `op` as `with_session` does, and gives its result as the local client should see
    /// it (`for_local`).
    async fn relayed<T, F, Fut>(&self, op: F) -> Result<T, UpstreamError>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
        F: Fn(Session) -> Fut,
        Fut: std::future::Future<Output = Result<T, ServiceError>>,
    {
        self.with_session(op).await.map(for_local)
    }

    /// Every tool the gateway offers this sign-in, as it is now: read past rmcp's response
    /// cache, which would keep answering with the old list (even when the gateway is gone),
    /// so that a redeploy is seen at the next poll.
    pub async fn tools(&self) -> Result<Vec<Tool>, UpstreamError> {
        self.with_session(|s| async move { fresh_tools(s.peer()).await })
            .await
    }

    /// Calls a tool on the gateway and returns its result unchanged; a question the gateway
    /// asks on the way is put to the local client.
    pub async fn call(
        &self,
        params: CallToolRequestParams,
    ) -> Result<CallToolResult, UpstreamError> {
        self.relayed(|s| {
            let params = params.clone();
            async move { s.call_tool(params).await }
        })
        .await
    }

    /// One page of the gateway's resources.
    pub async fn resources(
        &self,
        page: Option<PaginatedRequestParams>,
    ) -> Result<ListResourcesResult, UpstreamError> {
        self.relayed(|s| {
            let page = page.clone();
            async move { s.peer().list_resources(page).await }
        })
        .await
    }

    /// One page of the gateway's resource templates.
    pub async fn resource_templates(
        &self,
        page: Option<PaginatedRequestParams>,
    ) -> Result<ListResourceTemplatesResult, UpstreamError> {
        self.relayed(|s| {
            let page = page.clone();
            async move { s.peer().list_resource_templates(page).await }
        })
        .await
    }

    /// Reads a resource, unchanged.
    pub async fn read(
        &self,
        params: ReadResourceRequestParams,
    ) -> Result<ReadResourceResult, UpstreamError> {
        self.relayed(|s| {
            let params = params.clone();
            async move { s.read_resource(params).await }
        })
        .await
    }

    /// One page of the gateway's prompts.
    pub async fn prompts(
        &self,
        page: Option<PaginatedRequestParams>,
    ) -> Result<ListPromptsResult, UpstreamError> {
        self.relayed(|s| {
            let page = page.clone();
            async move { s.peer().list_prompts(page).await }
        })
        .await
    }

    /// Gets a prompt; arguments it lacks are asked of the local client when the gateway asks.
    pub async fn prompt(
        &self,
        params: GetPromptRequestParams,
    ) -> Result<GetPromptResult, UpstreamError> {
        self.relayed(|s| {
            let params = params.clone();
            async move { s.get_prompt(params).await }
        })
        .await
    }

    /// Opens a `subscriptions/listen` stream for updates of `uris`, acknowledged.
    pub async fn listen(
        &self,
        uris: &std::collections::BTreeSet<String>,
    ) -> Result<rmcp::service::Subscription, UpstreamError> {
        let filter = rmcp::model::SubscriptionFilter::builder()
            .resource_subscriptions(uris.iter().cloned())
            .build();
        self.with_session(|s| {
            let filter = filter.clone();
            async move { s.peer().listen(filter).await }
        })
        .await
    }

    /// Completes a prompt or resource-template argument.
    pub async fn complete(
        &self,
        params: CompleteRequestParams,
    ) -> Result<CompleteResult, UpstreamError> {
        self.relayed(|s| {
            let params = params.clone();
            async move { s.peer().complete(params).await }
        })
        .await
    }
}

/// Every page of `tools/list`, each request sent as it is (no cache).
async fn fresh_tools(peer: &rmcp::service::Peer<RoleClient>) -> Result<Vec<Tool>, ServiceError> {
    let mut tools = Vec::new();
    let mut cursor = None;
    loop {
        let params = cursor
            .take()
            .map(|c| PaginatedRequestParams::default().with_cursor(Some(c)));
        let request = ClientRequest::ListToolsRequest(ListToolsRequest {
            method: Default::default(),
            params,
            extensions: Default::default(),
        });
        let ServerResult::ListToolsResult(page) = peer.send_request(request).await? else {
            return Err(ServiceError::UnexpectedResponse);
        };
        tools.extend(page.tools);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(tools),
        }
    }
}

/// The 2026-07-28 revision names the server in every result's `_meta`
/// (`io.modelcontextprotocol/serverInfo`); the local client speaks to the bridge, in its own
/// revision, so that key is dropped from what is passed on. Everything else is unchanged.
fn for_local<T: serde::Serialize + serde::de::DeserializeOwned>(result: T) -> T {
    const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
    let Ok(mut value) = serde_json::to_value(&result) else {
        return result;
    };
    let Some(meta) = value.get_mut("_meta").and_then(|m| m.as_object_mut()) else {
        return result;
    };
    if meta.remove(SERVER_INFO).is_none() {
        return result;
    }
    if meta.is_empty() {
        if let Some(object) = value.as_object_mut() {
            object.remove("_meta");
        }
    }
    serde_json::from_value(value).unwrap_or(result)
}

#[cfg(test)]
mod tests {
    use super::for_local;
    use rmcp::model::CallToolResult;

    #[test]
    fn the_gateways_server_info_is_not_passed_on_and_the_rest_is() {
        let from_gateway: CallToolResult = serde_json::from_value(serde_json::json!({
            "content": [{"type": "text", "text": "ok"}],
            "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "dovecote", "version": "1"}}
        }))
        .unwrap();
        let local = serde_json::to_value(for_local(from_gateway)).unwrap();
        assert_eq!(local.get("_meta"), None);
        assert_eq!(local["content"][0]["text"], "ok");
        let with_more: CallToolResult = serde_json::from_value(serde_json::json!({
            "content": [],
            "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "d", "version": "1"}, "x/y": 1}
        }))
        .unwrap();
        let local = serde_json::to_value(for_local(with_more)).unwrap();
        assert_eq!(local["_meta"], serde_json::json!({"x/y": 1}));
    }
}
