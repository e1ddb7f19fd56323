//! rmcp's MCP client driving `dovecote-bridge` over stdio, for the e2e tests: starts the
//! bridge given as the first argument (with this process's environment), lists its tools,
//! calls the tool named by the second argument with the JSON arguments of the third, and
//! prints `{"tools": [...], "result": {...}}` on stdout.

use rmcp::model::{CallToolRequestParams, ClientConfig};
use rmcp::transport::TokioChildProcess;
use rmcp::ServiceExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let bridge = args
        .next()
        .ok_or("usage: rmcp_probe <bridge> <tool> <arguments-json>")?;
    let tool = args.next().ok_or("missing tool name")?;
    let arguments: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&args.next().unwrap_or_else(|| "{}".into()))?;
    let transport = TokioChildProcess::new(tokio::process::Command::new(bridge))?;
    let client = ClientConfig::default().serve(transport).await?;
    let tools = client.peer().list_all_tools().await?;
    let result = client
        .peer()
        .call_tool(CallToolRequestParams::new(tool).with_arguments(arguments))
        .await?;
    println!(
        "{}",
        serde_json::json!({ "tools": tools, "result": result })
    );
    client.cancel().await?;
    Ok(())
}
