use dovecote_gateway::channels;

channels! { manifest = "channels_inline_secret.toml" }

fn main() {}
