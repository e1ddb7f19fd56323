use dovecote_gateway::channels;

channels! { manifest = "channels_duplicate_id.toml" }

fn main() {}
