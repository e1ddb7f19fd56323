use dovecote_gateway::tool;
use dovecote_gateway::toolbox::ToolError;

#[tool(read_only)]
pub async fn hello() -> Result<String, ToolError> {
    Ok("hello".into())
}

fn main() {}
