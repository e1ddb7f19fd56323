use dovecote_gateway::tool;

/// Says hello.
#[tool]
pub async fn hello() -> impl Sized {
    "hello"
}

fn main() {}
