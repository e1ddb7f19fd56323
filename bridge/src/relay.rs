//! The bridge as the gateway's client: what the gateway asks of the person (elicitation,
//! sampling, roots) is asked of the local client — Claude Code — and its answer passed back;
//! what the gateway announces (list changes, resource updates) is passed on. The bridge offers
//! the gateway only what the local client declared it can do, so a gateway never asks a
//! question nobody can answer.

#[allow(deprecated)] // Sampling and roots: see the impl below.
use rmcp::model::{
    ClientCapabilities, ClientConfig, CreateMessageRequestParams, CreateMessageResult,
    ElicitRequestParams, ElicitResult, Implementation, ListRootsResult,
    ResourceUpdatedNotificationParam,
};
use rmcp::service::{NotificationContext, Peer, RequestContext, RoleClient, RoleServer};
use rmcp::{ClientHandler, ErrorData};
use tokio::sync::watch;

/// Relays between the gateway (this handler's peer) and the local client (`local`).
#[derive(Clone)]
pub struct Relay {
    local: watch::Receiver<Option<Peer<RoleServer>>>,
}

impl Relay {
    /// A relay to the local client, once it has initialized.
    pub fn new(local: watch::Receiver<Option<Peer<RoleServer>>>) -> Self {
        Self { local }
    }

    /// Whether the local client has initialized (so its capabilities are known).
    pub fn has_local(&self) -> bool {
        self.local.borrow().is_some()
    }

    /// The local client, or an error saying there is none yet.
    fn local(&self) -> Result<Peer<RoleServer>, ErrorData> {
        self.local.borrow().clone().ok_or_else(|| {
            ErrorData::internal_error(
                "the local MCP client has not finished initializing, so it cannot be asked",
                None,
            )
        })
    }

    /// What the local client declared it can do (elicitation, sampling, roots); nothing
    /// before it has initialized.
    fn local_capabilities(&self) -> ClientCapabilities {
        let local = self.local.borrow();
        let Some(declared) = local.as_ref().and_then(|p| p.peer_info()) else {
            return ClientCapabilities::default();
        };
        let mut capabilities = ClientCapabilities::default();
        capabilities.elicitation = declared.capabilities.elicitation.clone();
        capabilities.sampling = declared.capabilities.sampling.clone();
        capabilities.roots = declared.capabilities.roots.clone();
        capabilities
    }
}

/// A local client's failure, as the gateway should see it: its JSON-RPC error if it sent one.
fn relayed(e: rmcp::service::ServiceError) -> ErrorData {
    match e {
        rmcp::service::ServiceError::McpError(error) => error,
        other => ErrorData::internal_error(format!("the local MCP client: {other}"), None),
    }
}

// Sampling and roots are deprecated by SEP-2577 (2026-07-28), but the gateway still asks
// for them in both revisions and Claude Code answers them; the relay passes them on.
#[allow(deprecated)]
impl ClientHandler for Relay {
    fn get_info(&self) -> ClientConfig {
        let mut config = ClientConfig::default();
        config.capabilities = self.local_capabilities();
        config.client_info = Implementation::new("dovecote-bridge", env!("CARGO_PKG_VERSION"));
        config
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        self.local()?
            .create_elicitation(request)
            .await
            .map_err(relayed)
    }

    async fn create_message(
        &self,
        params: CreateMessageRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<CreateMessageResult, ErrorData> {
        self.local()?.create_message(params).await.map_err(relayed)
    }

    async fn list_roots(
        &self,
        _context: RequestContext<RoleClient>,
    ) -> Result<ListRootsResult, ErrorData> {
        self.local()?.list_roots().await.map_err(relayed)
    }

    async fn on_resource_updated(
        &self,
        params: ResourceUpdatedNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        if let Ok(local) = self.local() {
            let _ = local.notify_resource_updated(params).await;
        }
    }

    async fn on_resource_list_changed(&self, _context: NotificationContext<RoleClient>) {
        if let Ok(local) = self.local() {
            let _ = local.notify_resource_list_changed().await;
        }
    }

    async fn on_prompt_list_changed(&self, _context: NotificationContext<RoleClient>) {
        if let Ok(local) = self.local() {
            let _ = local.notify_prompt_list_changed().await;
        }
    }
}
