use dovecote_gateway::tool;
use dovecote_gateway::toolbox::ToolError;

#[derive(serde::Deserialize)]
pub struct HelloArgs {
    pub name: String,
}

/// Says hello.
#[tool]
pub async fn hello(args: HelloArgs) -> Result<String, ToolError> {
    Ok(format!("hello {}", args.name))
}

fn main() {}
