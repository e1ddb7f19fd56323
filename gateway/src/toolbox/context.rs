//! `ToolContext`: what a tool may use — who is calling, the platform (storage, clock), and a
//! way to send progress and log notifications before its result. Never the raw request.

use std::cell::RefCell;

use serde_json::Value;

use super::ask::Inputs;
use super::ToolError;
use crate::config::Config;
use crate::mcp::model::{LogLevel, LogMessageParams, Notification, ProgressParams};
use crate::platform::Platform;

/// What a caller may be granted, decided from who they are and the *current* configuration
/// (`OPERATORS`), never from what a token recorded at sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The password owner, or a GitHub account in `OPERATORS`: may hold every scope.
    Operator,
    /// Anyone else allowed to sign in: only scopes with `grant = "members"`.
    Member,
}

/// Who is calling, as far as the gateway knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Stable identifier: the signed-in subject, or `anonymous:<address>` without sign-in.
    pub id: String,
    /// Whether the caller signed in.
    pub authenticated: bool,
    /// The user's display name, when signed in.
    pub name: Option<String>,
    /// How the user signed in (`password`, `github`), when signed in.
    pub identity_provider: Option<String>,
    /// The OAuth client the caller used, when known.
    pub client_id: Option<String>,
    /// The scopes granted to this caller.
    pub scopes: Vec<String>,
    /// The caller's address (`CF-Connecting-IP`), when known.
    pub address: Option<String>,
    /// Which webhook tenants the caller may read.
    pub tenants: TenantAccess,
    /// The user's GitHub access, with GitHub sign-in.
    pub github: Option<GitHubAccess>,
    /// Operator or member, as the configuration says now.
    pub role: Role,
}

/// The signed-in user's GitHub token, for tools that call GitHub as them. Never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct GitHubAccess {
    /// The user access token.
    pub token: String,
    /// The REST API origin (`GITHUB_API_URL`).
    pub api_url: String,
}

impl std::fmt::Debug for GitHubAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubAccess")
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

/// Which webhook tenants a caller may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantAccess {
    /// Every tenant: the operator (password sign-in, or the conformance build without sign-in).
    All,
    /// The user's GitHub App installations, as read at sign-in or at the last refresh (empty
    /// for a token issued before installations were read this way, until its next refresh).
    /// For GitHub sign-in `Principal::name` is the user's login, which decides whether the
    /// configured plain-webhook tenant is theirs too.
    Installations(Vec<Reach>),
}

/// One GitHub App installation a user can access, and what of it their token reaches.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reach {
    /// The installation id (deliveries name it; the registry maps it to the account's store).
    pub installation: u64,
    /// The account's numeric GitHub id.
    pub account_id: u64,
    /// The account's login when read.
    pub login: String,
    /// Whether the user administers the organization (or the account is their own): events
    /// without a repository are theirs to see.
    #[serde(default)]
    pub admin: bool,
    /// `owner/name` of every repository of this installation the user's token can access,
    /// lower-cased.
    #[serde(default)]
    pub repositories: Vec<String>,
}

impl Principal {
    /// A caller without sign-in (the conformance build), holding `scopes`, identified by
    /// address. A member: operator scopes need a signed-in operator.
    pub fn anonymous(address: Option<String>, scopes: Vec<String>) -> Self {
        let id = format!("anonymous:{}", address.as_deref().unwrap_or("unknown"));
        Self {
            id,
            authenticated: false,
            name: None,
            identity_provider: None,
            client_id: None,
            scopes,
            address,
            tenants: TenantAccess::All,
            github: None,
            role: Role::Member,
        }
    }

    /// Whether the caller holds `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Drops the scopes `toolbox` says this caller's role may not hold (a token issued while
    /// they were an operator keeps its scopes; what it may do follows the role now).
    pub fn keep_grantable(mut self, toolbox: &super::Toolbox) -> Self {
        let role = self.role;
        self.scopes.retain(|s| toolbox.grantable(s, role));
        self
    }
}

/// The context a tool runs in.
pub struct ToolContext<'a> {
    principal: &'a Principal,
    platform: &'a Platform<'a>,
    progress_token: Option<Value>,
    log_level: Option<LogLevel>,
    notifications: RefCell<Vec<Notification>>,
    client_capabilities: Option<Value>,
    missing_capability: RefCell<Option<&'static str>>,
    config: Option<&'a Config>,
    inputs: Inputs,
    deferred: std::cell::Cell<bool>,
}

impl<'a> ToolContext<'a> {
    /// A context for one call. `progress_token` comes from the request's `_meta`;
    /// `log_level` is the level the client asked for (no log messages without one).
    pub fn new(
        principal: &'a Principal,
        platform: &'a Platform<'a>,
        progress_token: Option<Value>,
        log_level: Option<&str>,
    ) -> Self {
        let log_level = log_level.and_then(LogLevel::parse);
        Self {
            principal,
            platform,
            progress_token,
            log_level,
            notifications: RefCell::default(),
            client_capabilities: None,
            missing_capability: RefCell::default(),
            config: None,
            inputs: Inputs::default(),
            deferred: std::cell::Cell::new(false),
        }
    }

    /// Asks for the answer to go out after the client reconnects: in the session era, over
    /// SSE, the call's stream is closed at once (only its priming event sent) and the answer
    /// waits in the session for the client to resume with `Last-Event-ID` (SEP-1699). Changes
    /// nothing elsewhere.
    pub fn answer_on_reconnect(&self) {
        self.deferred.set(true);
    }

    /// Whether the tool asked for `answer_on_reconnect`.
    pub fn deferred(&self) -> bool {
        self.deferred.get()
    }

    /// Gives tools the gateway's configuration (the MCP layer always does).
    pub fn with_config(mut self, config: &'a Config) -> Self {
        self.config = Some(config);
        self
    }

    /// Lets the tool ask the client (2026-07-28): the answers this call carries, and the
    /// capabilities the client declared.
    pub fn with_inputs(mut self, inputs: Inputs) -> Self {
        self.inputs = inputs;
        self
    }

    /// The questions and answers of this call.
    pub fn inputs(&self) -> &Inputs {
        &self.inputs
    }

    /// The gateway's configuration; the defaults when the context was built without one.
    pub fn config(&self) -> &Config {
        static DEFAULT: std::sync::OnceLock<Config> = std::sync::OnceLock::new();
        self.config
            .unwrap_or_else(|| DEFAULT.get_or_init(Config::default))
    }

    /// Records the capabilities the client declared (2026-07-28 sends them on every request).
    pub fn with_client_capabilities(mut self, capabilities: Value) -> Self {
        self.client_capabilities = Some(capabilities);
        self
    }

    /// Fails unless the client declared `capability` (e.g. `sampling`). When it did not, the
    /// call is answered with the protocol's missing-capability error instead of a result.
    /// Clients whose capabilities are unknown (the session era) are taken to have it.
    pub fn require_client_capability(&self, capability: &'static str) -> Result<(), ToolError> {
        match &self.client_capabilities {
            Some(caps) if caps.get(capability).is_none() => {
                *self.missing_capability.borrow_mut() = Some(capability);
                Err(ToolError::new(format!(
                    "This tool needs the client capability `{capability}`"
                )))
            }
            _ => Ok(()),
        }
    }

    /// The capability a tool required and the client lacked, if any.
    pub fn missing_capability(&self) -> Option<&'static str> {
        *self.missing_capability.borrow()
    }

    /// Who is calling.
    pub fn principal(&self) -> &Principal {
        self.principal
    }

    /// `Ok` when the caller is an operator. Tools over the operator's own resources (their
    /// environment profiles, their channels) call it first, whatever scope reached them.
    pub fn operator_only(&self) -> Result<(), ToolError> {
        match self.principal.role {
            Role::Operator => Ok(()),
            Role::Member => Err(ToolError::new(
                "Only an operator of this gateway may use this tool (see OPERATORS)",
            )),
        }
    }

    /// Storage, clock and randomness.
    pub fn platform(&self) -> &Platform<'a> {
        self.platform
    }

    /// Reports progress, if the client asked for it (sent before the result).
    pub fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        let Some(token) = &self.progress_token else {
            return;
        };
        self.push(Notification::Progress(ProgressParams {
            progress_token: token.clone(),
            progress,
            total,
            message: message.map(str::to_owned),
        }));
    }

    /// Sends a log message at `level` (an RFC 5424 name: `debug` … `emergency`) if the client
    /// asked for that level or a lower one.
    pub fn log(&self, level: &str, logger: &str, data: Value) {
        let (Some(threshold), Some(level)) = (self.log_level, LogLevel::parse(level)) else {
            return;
        };
        if level >= threshold {
            self.push(Notification::Message(LogMessageParams {
                level,
                logger: Some(logger.to_owned()),
                data,
            }));
        }
    }

    /// The notifications sent so far, in order.
    pub fn take_notifications(&self) -> Vec<Notification> {
        std::mem::take(&mut *self.notifications.borrow_mut())
    }

    fn push(&self, notification: Notification) {
        self.notifications.borrow_mut().push(notification);
    }
}
