//! The benchmark floor: the least a Rust Worker can do for an MCP request — read it and
//! answer a constant body — so `make bench` can subtract the runtime's own cost.

/// The constant answer.
pub const BODY: &str = r#"{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}"#;

#[cfg(target_arch = "wasm32")]
mod entry {
    use worker::{event, Context, Env, Request, Response, Result};

    #[event(fetch)]
    async fn fetch(mut req: Request, _env: Env, _ctx: Context) -> Result<Response> {
        // Read the body as the gateway does, so the floor pays for the same input.
        let _ = req.bytes().await?;
        let mut resp = Response::from_bytes(super::BODY.as_bytes().to_vec())?;
        resp.headers_mut().set("Content-Type", "application/json")?;
        Ok(resp)
    }
}
