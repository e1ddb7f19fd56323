use dovecote_gateway::toolbox::ToolError;
use dovecote_gateway::{tool, toolbox};

/// Says hello.
#[tool]
pub async fn hello() -> Result<String, ToolError> {
    Ok("hello".into())
}

toolbox! {
    manifest = "resource_family_unlisted.toml",
    tools = [hello],
    resources = [dovecote_gateway::resources::knowledge::KNOWLEDGE_DOCUMENT],
}

fn main() {}
