use dovecote_gateway::toolbox::ToolError;
use dovecote_gateway::{tool, toolbox};

/// Says hello.
#[tool]
pub async fn hello() -> Result<String, ToolError> {
    Ok("hello".into())
}

toolbox! {
    manifest = "listed_fn_not_a_tool.toml",
    tools = [hello, plain],
}

fn main() {}

/// Not a tool.
pub async fn plain() {}
