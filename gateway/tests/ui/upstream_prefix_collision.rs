use dovecote_gateway::toolbox::ToolError;
use dovecote_gateway::{tool, toolbox};

/// Says hello.
#[tool]
pub async fn hello() -> Result<String, ToolError> {
    Ok("hello".into())
}

toolbox! {
    manifest = "upstream_prefix_collision.toml",
    tools = [hello],
}

fn main() {}
