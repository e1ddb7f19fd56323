use dovecote_gateway::tool;
use dovecote_gateway::toolbox::ToolError;

struct Greeter;

impl Greeter {
    /// Says hello.
    #[tool]
    pub async fn hello(&self) -> Result<String, ToolError> {
        Ok("hello".into())
    }
}

fn main() {}
