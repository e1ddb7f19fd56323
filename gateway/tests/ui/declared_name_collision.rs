use dovecote_gateway::toolbox;

/// Says hello.
#[dovecote_gateway::tool]
pub async fn hello() -> Result<String, dovecote_gateway::toolbox::ToolError> {
    Ok("hello".into())
}

toolbox! {
    manifest = "declared_name_collision.toml",
    channels = "declared_channels.toml",
    tools = [hello],
}

fn main() {}
