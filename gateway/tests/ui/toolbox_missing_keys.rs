use dovecote_gateway::toolbox;

toolbox! {}

fn main() {}
