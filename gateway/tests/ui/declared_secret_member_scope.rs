#![deny(deprecated)]
use dovecote_gateway::toolbox;

toolbox! {
    manifest = "declared_secret_member_scope.toml",
    channels = "declared_channels.toml",
    tools = [],
}

fn main() {}
