use dovecote_gateway::toolbox::ToolError;
use dovecote_gateway::{tool, toolbox};

/// Says hello.
#[tool]
pub async fn hello() -> Result<String, ToolError> {
    Ok("hello".into())
}

toolbox! {
    manifest = "toolbox_keys.toml",
    manifest = "toolbox_keys.toml",
    tools = [hello],
}

fn main() {}
