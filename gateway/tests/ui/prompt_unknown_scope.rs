use dovecote_gateway::toolbox::ToolError;
use dovecote_gateway::{tool, toolbox};

/// Says hello.
#[tool]
pub async fn hello() -> Result<String, ToolError> {
    Ok("hello".into())
}

toolbox! {
    manifest = "prompt_unknown_scope.toml",
    tools = [hello],
    resources = [dovecote_gateway::resources::events::GITHUB_PENDING],
}

fn main() {}
