use dovecote_gateway::toolbox;

toolbox! {
    manifest = "declared_undeclared_argument.toml",
    channels = "declared_channels.toml",
    tools = [],
}

fn main() {}
