use dovecote_gateway::toolbox;

toolbox! {
    manifest = "route_unknown_channel.toml",
    channels = "declared_channels.toml",
    tools = [],
}

fn main() {}
