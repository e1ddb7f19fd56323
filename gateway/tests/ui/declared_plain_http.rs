use dovecote_gateway::toolbox;

toolbox! {
    manifest = "declared_plain_http.toml",
    channels = "declared_channels.toml",
    tools = [],
}

fn main() {}
