//! The MCP server Claude Code or Claude Desktop starts: the gateway's tools, resources,
//! resource templates, prompts and completions, served locally under the same names, schemas,
//! titles and annotations, with every request forwarded and its result passed back unchanged
//! (list changes and resource updates the gateway sends are relayed, see `relay`; the local
//! client's subscriptions are kept open upstream, see `subscriptions`). With the channel on it
//! declares `claude/channel` and tells the model that those messages are one-way GitHub events
//! (F5.1, F5.6: no reply tool).

use std::collections::BTreeMap;
use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams, CompleteResult,
    ContentBlock, GetPromptRequestParams, GetPromptResponse, Implementation, JsonObject,
    ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
    ServerConfig, SubscribeRequestParams, Tool, UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, Peer, RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler};
use tokio::sync::{watch, RwLock};

use crate::subscriptions::Subscriptions;
use crate::upstream::{Upstream, UpstreamError};

/// The experimental capability Claude Code listens to for channel messages.
pub const CHANNEL_CAPABILITY: &str = "claude/channel";

const INSTRUCTIONS: &str = "Tools are those of the Dovecote gateway, called on the user's behalf.";
const CHANNEL_INSTRUCTIONS: &str = "Messages arriving through the claude/channel notification are GitHub webhook events (issues, pull requests, pushes, workflow runs, ...) relayed one way from the Dovecote gateway. They are not from the user and cannot be replied to. To act on one, use the gateway's tools: get_event for the full payload, mark_processed once it is handled.";

/// The bridge's server side.
#[derive(Clone)]
pub struct Bridge {
    upstream: Arc<Upstream>,
    channel: bool,
    tools: Arc<RwLock<Option<Vec<Tool>>>>,
    peer: watch::Sender<Option<Peer<RoleServer>>>,
    subscriptions: Arc<Subscriptions>,
}

impl Bridge {
    /// A bridge to `upstream`; `channel` turns the claude/channel capability on; `peer` is
    /// where the local client is published once it has initialized (the relay reads it).
    pub fn new(
        upstream: Arc<Upstream>,
        channel: bool,
        peer: watch::Sender<Option<Peer<RoleServer>>>,
    ) -> Self {
        let subscriptions = Arc::new(Subscriptions::new(upstream.clone(), peer.subscribe()));
        Self {
            upstream,
            channel,
            tools: Arc::default(),
            peer,
            subscriptions,
        }
    }

    /// The local client, once it has initialized.
    pub fn peer(&self) -> watch::Receiver<Option<Peer<RoleServer>>> {
        self.peer.subscribe()
    }

    /// Reads the gateway's tools; tells the local client when they changed since last read.
    pub async fn refresh_tools(&self) -> Result<Vec<Tool>, UpstreamError> {
        let tools = self.upstream.tools().await?;
        let changed = {
            let mut cached = self.tools.write().await;
            let changed = cached.as_ref().is_some_and(|old| *old != tools);
            *cached = Some(tools.clone());
            changed
        };
        if changed {
            let peer = self.peer.borrow().clone();
            if let Some(peer) = peer {
                let _ = peer.notify_tool_list_changed().await;
            }
        }
        Ok(tools)
    }

    /// Marks the tool list as never read, so the next read announces itself (after sign-in).
    pub async fn announce_tools(&self) {
        *self.tools.write().await = Some(Vec::new());
        let _ = self.refresh_tools().await;
    }
}

impl ServerHandler for Bridge {
    fn get_info(&self) -> ServerConfig {
        let mut capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_tool_list_changed()
            .enable_resources()
            .enable_resources_list_changed()
            .enable_resources_subscribe()
            .enable_prompts()
            .enable_prompts_list_changed()
            .enable_completions()
            .build();
        let mut instructions = INSTRUCTIONS.to_owned();
        if self.channel {
            capabilities.experimental = Some(BTreeMap::from([(
                CHANNEL_CAPABILITY.to_owned(),
                JsonObject::new(),
            )]));
            instructions = format!("{instructions} {CHANNEL_INSTRUCTIONS}");
        }
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new(
                "dovecote-bridge",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(instructions)
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        self.peer.send_replace(Some(context.peer));
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        match self.refresh_tools().await {
            Ok(tools) => Ok(ListToolsResult::with_all_items(tools)),
            // Until the user signs in there is nothing to offer; list_changed follows.
            Err(UpstreamError::SignInPending | UpstreamError::SignInNeeded) => {
                Ok(ListToolsResult::with_all_items(Vec::new()))
            }
            Err(UpstreamError::Rpc(e)) => Err(e),
            Err(e) => Err(ErrorData::internal_error(e.to_string(), None)),
        }
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        match self.upstream.call(request).await {
            Ok(result) => Ok(result.into()),
            Err(UpstreamError::Rpc(e)) => Err(e),
            Err(e) => Ok(CallToolResult::error(vec![ContentBlock::text(e.to_string())]).into()),
        }
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        listed(self.upstream.resources(request).await)
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        listed(self.upstream.resource_templates(request).await)
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        forwarded(self.upstream.read(request).await).map(Into::into)
    }

    #[allow(deprecated)] // The local client speaks the session era, where this is the way.
    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.subscriptions.subscribe(request.uri).await
    }

    #[allow(deprecated)] // As `subscribe`.
    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.subscriptions.unsubscribe(&request.uri).await
    }

    async fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        listed(self.upstream.prompts(request).await)
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        forwarded(self.upstream.prompt(request).await).map(Into::into)
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        forwarded(self.upstream.complete(request).await)
    }
}

/// A list from the gateway: empty until the user has signed in (the list-changed
/// notification follows the sign-in), the gateway's own error as it is.
fn listed<T: Default>(result: Result<T, UpstreamError>) -> Result<T, ErrorData> {
    match result {
        Ok(list) => Ok(list),
        Err(UpstreamError::SignInPending | UpstreamError::SignInNeeded) => Ok(T::default()),
        Err(e) => forwarded(Err(e)),
    }
}

/// A request forwarded to the gateway: its result, its JSON-RPC error as it is, or an error
/// saying why the gateway could not be used (sign in, or unreachable).
fn forwarded<T>(result: Result<T, UpstreamError>) -> Result<T, ErrorData> {
    match result {
        Ok(value) => Ok(value),
        Err(UpstreamError::Rpc(e)) => Err(e),
        Err(e) => Err(ErrorData::internal_error(e.to_string(), None)),
    }
}
