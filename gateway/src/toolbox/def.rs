//! `ToolDef`: what `#[tool]` derives from an async fn — name, description, schemas, dispatch.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use super::{CallToolResult, ToolContext};

/// The dispatch function of a tool: parses the arguments and runs the fn.
pub type CallFn =
    for<'r> fn(&'r ToolContext<'_>, Value) -> Pin<Box<dyn Future<Output = CallToolResult> + 'r>>;

/// MCP tool annotations: hints for the client, never trusted by it. `None` leaves the
/// spec's default (read-only false, destructive true, idempotent false, open-world true).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Annotations {
    /// The tool does not change its environment.
    pub read_only: Option<bool>,
    /// The tool may destroy or overwrite data.
    pub destructive: Option<bool>,
    /// Calling it twice with the same arguments has no further effect.
    pub idempotent: Option<bool>,
    /// The tool reaches entities outside the gateway.
    pub open_world: Option<bool>,
}

impl Annotations {
    /// True when no hint is set, so the descriptor can leave `annotations` out.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// One tool as its code declares it.
#[derive(Clone, Copy)]
pub struct ToolDef {
    /// Wire name, `[A-Za-z0-9_.-]{1,128}` (checked by the macro).
    pub name: &'static str,
    /// From the fn's doc comment.
    pub description: &'static str,
    /// Human-readable title, from `#[tool(title = "…")]`.
    pub title: Option<&'static str>,
    /// Behaviour hints from the attribute.
    pub annotations: Annotations,
    /// JSON Schema 2020-12 of the arguments, root `type: object`.
    pub input_schema: fn() -> Value,
    /// JSON Schema of `structuredContent`, when the result type is a typed object.
    pub output_schema: fn() -> Option<Value>,
    /// Runs the tool.
    pub call: CallFn,
}

impl std::fmt::Debug for ToolDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolDef")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
