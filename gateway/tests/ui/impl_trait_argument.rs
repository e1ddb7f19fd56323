use dovecote_gateway::tool;
use dovecote_gateway::toolbox::ToolError;

/// Echoes its argument.
#[tool]
pub async fn echo(args: impl serde::de::DeserializeOwned) -> Result<String, ToolError> {
    let _ = args;
    Ok("echo".into())
}

fn main() {}
