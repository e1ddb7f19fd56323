//! The MCP conformance suite's fixture tools (`--features conformance` only): each returns
//! what the suite's scenario of the same name checks for.

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;
use serde_json::json;

use crate::tool;
use crate::toolbox::{CallToolResult, Content, ToolContext, ToolError};

const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
const WAV: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

/// Returns a simple text response.
#[tool]
pub async fn test_simple_text() -> CallToolResult {
    CallToolResult::text("This is a simple text response for testing.")
}

/// Returns an image (a 1×1 PNG).
#[tool]
pub async fn test_image_content() -> CallToolResult {
    CallToolResult {
        content: vec![Content::image(PNG, "image/png")],
        ..Default::default()
    }
}

/// Returns audio (a short WAV).
#[tool]
pub async fn test_audio_content() -> CallToolResult {
    CallToolResult {
        content: vec![Content::audio(WAV, "audio/wav")],
        ..Default::default()
    }
}

/// Returns an embedded text resource.
#[tool]
pub async fn test_embedded_resource() -> CallToolResult {
    let r = Content::resource_text(
        "test://embedded-resource",
        "text/plain",
        "This is an embedded resource content.",
    );
    CallToolResult {
        content: vec![r],
        ..Default::default()
    }
}

/// Returns text, an image and a resource.
#[tool]
pub async fn test_multiple_content_types() -> CallToolResult {
    CallToolResult {
        content: vec![
            Content::text("Multiple content types test:"),
            Content::image(PNG, "image/png"),
            Content::resource_text(
                "test://mixed-content-resource",
                "application/json",
                r#"{"test":"data","value":123}"#,
            ),
        ],
        ..Default::default()
    }
}

/// Always fails, as a tool error.
#[tool]
pub async fn test_error_handling() -> Result<String, ToolError> {
    Err(ToolError::new(
        "This tool intentionally returns an error for testing",
    ))
}

/// Reports progress 0, 50 and 100 of 100, then returns.
#[tool]
pub async fn test_tool_with_progress(ctx: &ToolContext<'_>) -> CallToolResult {
    for step in [0.0, 50.0, 100.0] {
        ctx.progress(step, Some(100.0), None);
    }
    CallToolResult::text("Progress test completed")
}

/// Sends three log messages at level info, then returns.
#[tool]
pub async fn test_tool_with_logging(ctx: &ToolContext<'_>) -> CallToolResult {
    for message in [
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
    ] {
        ctx.log("info", "conformance", json!(message));
    }
    CallToolResult::text("Logging test completed")
}

/// Logs at info only when the client asked for a log level.
#[tool]
pub async fn test_logging_tool(ctx: &ToolContext<'_>) -> CallToolResult {
    ctx.log("info", "conformance", json!("test_logging_tool ran"));
    CallToolResult::text("Logged (if a log level was requested)")
}

/// Needs the client's sampling capability.
#[tool]
pub async fn test_missing_capability(ctx: &ToolContext<'_>) -> Result<String, ToolError> {
    ctx.require_client_capability("sampling")?;
    Ok("The client declared sampling".into())
}

/// Closes its stream before answering: the answer comes when the client reconnects with
/// `Last-Event-ID` (SEP-1699, the suite's server-sse-polling).
#[tool]
pub async fn test_reconnection(ctx: &ToolContext<'_>) -> CallToolResult {
    ctx.answer_on_reconnect();
    CallToolResult::text("Answered after the client reconnected")
}

/// Would ask the user for input; this server answers without asking.
#[tool]
pub async fn test_streaming_elicitation() -> CallToolResult {
    CallToolResult::text("No elicitation needed")
}

/// A contact, described with JSON Schema 2020-12 features.
#[derive(Deserialize)]
#[allow(dead_code)]
pub struct Contact {
    name: Option<String>,
}

impl JsonSchema for Contact {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Contact".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "$defs": {"address": {"$anchor": "addressDef", "type": "object",
                "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
            "properties": {
                "name": {"type": "string"},
                "address": {"$ref": "#/$defs/address"},
                "contactMethod": {"type": "string", "enum": ["phone", "email"]},
                "phone": {"type": "string"},
                "email": {"type": "string"}
            },
            "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
            "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
            "then": {"required": ["phone"]},
            "else": {"required": ["email"]},
            "additionalProperties": false
        })
    }
}

/// Tool with JSON Schema 2020-12 features
#[tool]
pub async fn json_schema_2020_12_tool(_args: Contact) -> CallToolResult {
    CallToolResult::text("ok")
}

/// The arguments of `test_custom_header`.
#[derive(Deserialize, JsonSchema)]
pub struct RegionArgs {
    /// A region, mirrored in the `Mcp-Param-Region` header.
    #[schemars(extend("x-mcp-header" = "Region"))]
    pub region: String,
}

/// Echoes a region that the client also sends as the `Mcp-Param-Region` header.
#[tool]
pub async fn test_custom_header(args: RegionArgs) -> CallToolResult {
    CallToolResult::text(format!("region: {}", args.region))
}
