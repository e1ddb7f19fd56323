use dovecote_gateway::tool;
use dovecote_gateway::toolbox::{CallToolResult, ToolContext};

#[derive(serde::Deserialize, schemars::JsonSchema)]
pub struct A {
    pub x: u32,
}

/// Takes too much.
#[tool]
pub async fn greedy(ctx: &ToolContext<'_>, a: A, again: &ToolContext<'_>, b: A) -> CallToolResult {
    let _ = (ctx, a, again, b);
    CallToolResult::text("ok")
}

fn main() {}
