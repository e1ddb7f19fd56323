//! A tool's result: `CallToolResult` and the traits that turn a fn's return value into one.
//! A tool's `Err` becomes an `isError` result, never a protocol error.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// One content block of a result (`text`, `image`, `audio`, `resource`, …), as MCP sends it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Content(Value);

impl Content {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self(json!({"type": "text", "text": text.into()}))
    }

    /// An image block (`data` is base64).
    pub fn image(data: impl Into<String>, mime_type: &str) -> Self {
        Self(json!({"type": "image", "data": data.into(), "mimeType": mime_type}))
    }

    /// An audio block (`data` is base64).
    pub fn audio(data: impl Into<String>, mime_type: &str) -> Self {
        Self(json!({"type": "audio", "data": data.into(), "mimeType": mime_type}))
    }

    /// An embedded text resource.
    pub fn resource_text(uri: &str, mime_type: &str, text: impl Into<String>) -> Self {
        Self(json!({
            "type": "resource",
            "resource": {"uri": uri, "mimeType": mime_type, "text": text.into()}
        }))
    }

    /// The text of a text block.
    pub fn as_text(&self) -> Option<&str> {
        self.0.get("text").and_then(Value::as_str)
    }
}

/// The result of `tools/call`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallToolResult {
    /// Content blocks shown to the model.
    pub content: Vec<Content>,
    /// Typed result, matching the tool's `outputSchema`.
    pub structured_content: Option<Value>,
    /// The tool failed; `content` says why.
    pub is_error: bool,
}

impl CallToolResult {
    /// A successful result with one text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            content: vec![Content::text(text)],
            ..Self::default()
        }
    }

    /// A failed result whose text tells the model what went wrong and what to do.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            content: vec![Content::text(message)],
            structured_content: None,
            is_error: true,
        }
    }

    /// The wire form (without `resultType`/`_meta`, which the protocol layer adds).
    pub fn to_json(&self) -> Map<String, Value> {
        let mut out = Map::new();
        out.insert(
            "content".into(),
            serde_json::to_value(&self.content).unwrap_or_default(),
        );
        if let Some(structured) = &self.structured_content {
            out.insert("structuredContent".into(), structured.clone());
        }
        if self.is_error {
            out.insert("isError".into(), Value::Bool(true));
        }
        out
    }
}

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
        assert_eq!(e.to_json()["isError"], true);
    }
}
