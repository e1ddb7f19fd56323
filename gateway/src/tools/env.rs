//! `get_env`: an environment profile the operator stored for agents. High privilege: its
//! scope is granted only to operators, only when a client asks for it by name; the tool checks
//! the caller is an operator, and every read is audited.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::audit::{self, Entry};
use crate::envprofile;
use crate::tool;
use crate::toolbox::{ToolContext, ToolError};

/// The arguments of `get_env`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetEnvArgs {
    /// The profile's name, e.g. `staging`.
    pub name: String,
}

/// An environment profile.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EnvProfile {
    /// The profile's name.
    pub name: String,
    /// Its keys and values.
    pub values: BTreeMap<String, String>,
}

/// Returns a named environment profile — key/values the operator stored for agents, such as
/// deployment targets.
#[tool(
    title = "Read environment profile",
    read_only,
    idempotent,
    open_world = false
)]
pub async fn get_env(ctx: &ToolContext<'_>, args: GetEnvArgs) -> Result<EnvProfile, ToolError> {
    ctx.operator_only()?;
    envprofile::check_name(&args.name).map_err(ToolError::new)?;
    let platform = ctx.platform();
    let principal = ctx.principal();
    let found = envprofile::get(platform.kv, &args.name)
        .await
        .map_err(|e| {
            crate::log::internal("get_env", &e.0);
            ToolError::new("The profiles are unavailable just now; retry in a few seconds")
        })?;
    let outcome = if found.is_some() {
        "success"
    } else {
        "not_found"
    };
    let entry = Entry::new("env_read", &principal.id, outcome)
        .ip(principal.address.as_deref())
        .detail(format!("profile {}", args.name));
    let entry = match &principal.client_id {
        Some(c) => entry.client(c),
        None => entry,
    };
    audit::record(platform.objects, entry).await;
    match found {
        Some(values) => Ok(EnvProfile {
            name: args.name,
            values,
        }),
        None => {
            let names = envprofile::names(platform.kv).await.unwrap_or_default();
            Err(ToolError::new(format!(
                "No profile named `{}`. Profiles: {}",
                args.name,
                if names.is_empty() {
                    "none yet (an operator adds them with PUT /admin/env/<name>)".into()
                } else {
                    names.join(", ")
                }
            )))
        }
    }
}
