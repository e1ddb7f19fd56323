use dovecote_gateway::toolbox;

toolbox! {
    manifest = "declared_inline_secret.toml",
    channels = "declared_channels.toml",
    tools = [],
}

fn main() {}
