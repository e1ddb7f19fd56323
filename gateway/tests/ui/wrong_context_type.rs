use dovecote_gateway::tool;
use dovecote_gateway::toolbox::{Principal, ToolError};

/// Says who is calling.
#[tool]
pub async fn whoami(principal: &Principal) -> Result<String, ToolError> {
    Ok(principal.id.clone())
}

fn main() {}
