//! `get_user_info`: who the caller is, as far as the gateway knows.

use schemars::JsonSchema;
use serde::Serialize;

use crate::tool;
use crate::toolbox::{TenantAccess, ToolContext, ToolError};

/// What the gateway knows of the caller.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UserInfo {
    /// Stable identifier of the caller.
    pub id: String,
    /// Whether the caller signed in.
    pub authenticated: bool,
    /// Display name, when signed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How the caller signed in (`password`, `github`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_provider: Option<String>,
    /// The OAuth client used, when signed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Scopes the caller holds.
    pub scopes: Vec<String>,
    /// The caller's network address, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// With GitHub sign-in: the accounts whose webhook events you can read (your GitHub App
    /// installations). Absent for the operator, who reads every tenant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub github_accounts: Option<Vec<String>>,
}

/// Returns who you are as far as this gateway knows: your identifier and name, whether and
/// how you signed in, the OAuth client and scopes you hold, and your network address.
#[tool(title = "Who am I", read_only, idempotent, open_world = false)]
pub async fn get_user_info(ctx: &ToolContext<'_>) -> Result<UserInfo, ToolError> {
    let p = ctx.principal();
    Ok(UserInfo {
        id: p.id.clone(),
        authenticated: p.authenticated,
        name: p.name.clone(),
        identity_provider: p.identity_provider.clone(),
        client_id: p.client_id.clone(),
        scopes: p.scopes.clone(),
        address: p.address.clone(),
        github_accounts: match &p.tenants {
            TenantAccess::All => None,
            TenantAccess::Installations(reach) => {
                Some(reach.iter().map(|r| r.login.clone()).collect())
            }
        },
    })
}
