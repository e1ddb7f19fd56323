//! The gateway, as an MCP client sees it: one rmcp Streamable HTTP client session to `/mcp`,
//! with the access token attached (and refreshed by rmcp when the gateway answers 401). A
//! session that ends (the gateway redeployed, a network drop) is replaced and the request
//! tried once more (N3.3); only a sign-in that is gone reaches the local client.

use rmcp::model::{CallToolRequestParams, CallToolResult, ClientConfig, Tool};
use rmcp::service::{RoleClient, RunningService, ServiceError};
use rmcp::transport::auth::AuthClient;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::ServiceExt;
use std::time::Duration;

use tokio::sync::{watch, Mutex};

use crate::config::Config;

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

type Session = RunningService<RoleClient, ClientConfig>;

/// The gateway's `/mcp`.
pub struct Upstream {
    config: Config,
    access: watch::Receiver<Option<Access>>,
    session: Mutex<Option<Session>>,
}

impl Upstream {
    /// An upstream that connects on first use, once `access` holds a way to sign requests
    /// (at once with a fixed token; after the browser sign-in otherwise).
    pub fn new(config: Config, access: watch::Receiver<Option<Access>>) -> Self {
        Self {
            config,
            access,
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
        let client_info = ClientConfig::default();
        let served = match &access {
            Access::Fixed(token) => {
                let transport = StreamableHttpClientTransport::with_client(
                    reqwest::Client::new(),
                    StreamableHttpClientTransportConfig::with_uri(uri).auth_header(token.clone()),
                );
                client_info.serve(transport).await
            }
            Access::SignedIn(auth) => {
                let transport = StreamableHttpClientTransport::with_client(
                    auth.clone(),
                    StreamableHttpClientTransportConfig::with_uri(uri),
                );
                client_info.serve(transport).await
            }
        };
        served.map_err(|e| match e.auth_challenge() {
            Some(_) => UpstreamError::SignInNeeded,
            None => UpstreamError::Unavailable(e.to_string()),
        })
    }

    /// Runs `op` on the current session; if it fails for any reason but a lost sign-in,
    /// starts a new session and runs it once more.
    async fn with_session<T, F, Fut>(&self, op: F) -> Result<T, UpstreamError>
    where
        F: Fn(rmcp::service::Peer<RoleClient>) -> Fut,
        Fut: std::future::Future<Output = Result<T, ServiceError>>,
    {
        for attempt in 0..2 {
            let peer = {
                let mut session = self.session.lock().await;
                if session.is_none() {
                    *session = Some(self.connect().await?);
                }
                session.as_ref().map(|s| s.peer().clone())
            };
            let Some(peer) = peer else { continue };
            match op(peer).await {
                Ok(v) => return Ok(v),
                Err(e) => {
                    let error = classify(&e);
                    if let UpstreamError::Rpc(_) = error {
                        return Err(error);
                    }
                    if let Some(old) = self.session.lock().await.take() {
                        let _ = old.cancel().await;
                    }
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

    /// Every tool the gateway offers this sign-in.
    pub async fn tools(&self) -> Result<Vec<Tool>, UpstreamError> {
        self.with_session(|peer| async move { peer.list_all_tools().await })
            .await
    }

    /// Calls a tool on the gateway and returns its result unchanged.
    pub async fn call(
        &self,
        params: CallToolRequestParams,
    ) -> Result<CallToolResult, UpstreamError> {
        self.with_session(|peer| {
            let params = params.clone();
            async move { peer.call_tool(params).await }
        })
        .await
    }
}
