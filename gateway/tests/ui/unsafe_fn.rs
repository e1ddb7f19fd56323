use dovecote_gateway::tool;
use dovecote_gateway::toolbox::ToolError;

/// Says hello.
#[tool]
pub async unsafe fn hello() -> Result<String, ToolError> {
    Ok("hello".into())
}

fn main() {}
