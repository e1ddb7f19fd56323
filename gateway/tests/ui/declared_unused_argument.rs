use dovecote_gateway::toolbox;

toolbox! {
    manifest = "declared_unused_argument.toml",
    channels = "declared_channels.toml",
    tools = [],
}

fn main() {}
