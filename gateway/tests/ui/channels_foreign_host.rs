use dovecote_gateway::channels;

channels! { manifest = "channels_foreign_host.toml" }

fn main() {}
