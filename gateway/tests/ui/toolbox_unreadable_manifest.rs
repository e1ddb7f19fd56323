use dovecote_gateway::toolbox::ToolError;
use dovecote_gateway::{tool, toolbox};

/// Says hello.
#[tool]
pub async fn hello() -> Result<String, ToolError> {
    Ok("hello".into())
}

toolbox! {
    manifest = "no_such_manifest.toml",
    tools = [hello],
}

fn main() {}
