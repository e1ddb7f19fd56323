use dovecote_gateway::toolbox;

toolbox! {
    manifest = "preset_members_scope.toml",
    channels = "declared_channels.toml",
    tools = [],
}

fn main() {}
