//! A tool's result: the traits that turn a fn's return value into a `CallToolResult` (a type
//! of the MCP model, re-exported here). A tool's `Err` becomes an `isError` result, never a
//! protocol error.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

pub use crate::mcp::model::{CallToolResult, Content};

/// A tool failure: its message reaches the model as an `isError` result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError(String);

impl ToolError {
    /// A failure with a message that says what went wrong and what to do instead.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ToolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for ToolError {
    fn from(message: String) -> Self {
        Self(message)
    }
}

impl From<&str> for ToolError {
    fn from(message: &str) -> Self {
        Self(message.to_owned())
    }
}

/// A value a tool returns on success.
pub trait IntoToolOutput {
    /// The `outputSchema`, when the value is a typed object.
    fn output_schema() -> Option<Value>;
    /// The result.
    fn into_tool_output(self) -> CallToolResult;
}

/// Any serializable, schema-carrying value: an object becomes `structuredContent` (with an
/// `outputSchema`) and the same JSON as text; anything else is sent as text only.
impl<T: Serialize + JsonSchema> IntoToolOutput for T {
    fn output_schema() -> Option<Value> {
        let schema = super::schema_of::<T>();
        (schema.get("type") == Some(&Value::from("object"))).then_some(schema)
    }

    fn into_tool_output(self) -> CallToolResult {
        match serde_json::to_value(&self) {
            Ok(Value::String(text)) => CallToolResult::text(text),
            Ok(value @ Value::Object(_)) => CallToolResult {
                content: vec![Content::text(value.to_string())],
                structured_content: Some(value),
                is_error: false,
            },
            Ok(value) => CallToolResult::text(value.to_string()),
            Err(e) => CallToolResult::error(format!("The tool's result could not be encoded: {e}")),
        }
    }
}

impl IntoToolOutput for CallToolResult {
    fn output_schema() -> Option<Value> {
        None
    }

    fn into_tool_output(self) -> CallToolResult {
        self
    }
}

/// What a `#[tool]` fn may return: a `CallToolResult`, or `Result<T, E>` with `T` an output
/// and `E` convertible to `ToolError`.
pub trait IntoCallToolResult {
    /// The `outputSchema` of the success type, if typed.
    fn output_schema() -> Option<Value>;
    /// The result to send.
    fn into_call_tool_result(self) -> CallToolResult;
}

impl<T: IntoToolOutput, E: Into<ToolError>> IntoCallToolResult for Result<T, E> {
    fn output_schema() -> Option<Value> {
        T::output_schema()
    }

    fn into_call_tool_result(self) -> CallToolResult {
        match self {
            Ok(output) => output.into_tool_output(),
            Err(e) => CallToolResult::error(e.into().0),
        }
    }
}

impl IntoCallToolResult for CallToolResult {
    fn output_schema() -> Option<Value> {
        None
    }

    fn into_call_tool_result(self) -> CallToolResult {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, JsonSchema)]
    struct Sum {
        value: f64,
    }

    use serde_json::json;

    #[test]
    fn typed_object_results_are_structured_and_textual() {
        let r = Ok::<_, ToolError>(Sum { value: 3.0 }).into_call_tool_result();
        assert_eq!(r.structured_content, Some(json!({"value": 3.0})));
        assert_eq!(r.content[0].as_text(), Some(r#"{"value":3.0}"#));
        assert!(!r.is_error);
        let schema = <Result<Sum, ToolError> as IntoCallToolResult>::output_schema().unwrap();
        assert_eq!(schema["properties"]["value"]["type"], "number");
    }

    #[test]
    fn strings_have_no_output_schema_and_errors_are_is_error() {
        assert!(<Result<String, ToolError> as IntoCallToolResult>::output_schema().is_none());
        let r = Ok::<_, ToolError>("hi".to_owned()).into_call_tool_result();
        assert_eq!(r.content[0].as_text(), Some("hi"));
        let e = Err::<String, _>("division by zero").into_call_tool_result();
        assert!(e.is_error);
        assert_eq!(serde_json::to_value(&e).unwrap()["isError"], true);
    }
}
