use dovecote_gateway::toolbox;

toolbox! {
    manifest = "route_mistakes.toml",
    channels = "declared_channels.toml",
    tools = [],
}

fn main() {}
