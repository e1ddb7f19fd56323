use dovecote_gateway::channels;

channels! { manifest = "channels_many_errors.toml" }

fn main() {}
