//! Tools on the wire: the descriptor `tools/list` returns and the result of `tools/call`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::content::Content;

/// A tool's descriptor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    /// Wire name, `[A-Za-z0-9_.-]{1,128}`.
    pub name: Cow<'static, str>,
    /// A title for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Cow<'static, str>>,
    /// What the tool does, for the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Cow<'static, str>>,
    /// JSON Schema of the arguments; its root is `type: object`.
    pub input_schema: Value,
    /// JSON Schema of `structuredContent`, when the result is typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    /// Behaviour hints; absent when none is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<ToolAnnotations>,
}

/// Hints about a tool's behaviour: for the client, never trusted by it. An unset hint means
/// the spec's default (read-only false, destructive true, idempotent false, open-world true).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolAnnotations {
    /// The title again: 2025-03-26 clients read it here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Cow<'static, str>>,
    /// The tool does not change its environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only_hint: Option<bool>,
    /// The tool may destroy or overwrite data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destructive_hint: Option<bool>,
    /// Calling it twice with the same arguments has no further effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_hint: Option<bool>,
    /// The tool reaches entities outside the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_world_hint: Option<bool>,
}

impl ToolAnnotations {
    /// True when nothing is set, so the descriptor leaves `annotations` out.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The result of `tools/call`. A tool's failure is a result with `is_error`, not a protocol
/// error, so the model reads what went wrong.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallToolResult {
    /// Content blocks shown to the model.
    #[serde(default)]
    pub content: Vec<Content>,
    /// Typed result, matching the tool's `outputSchema`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Value>,
    /// The tool failed; `content` says why. Sent only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, to_value};

    #[test]
    fn a_bare_descriptor_has_name_and_input_schema_only() {
        let tool = Tool {
            name: "ping".into(),
            title: None,
            description: None,
            input_schema: json!({"type": "object", "properties": {}}),
            output_schema: None,
            annotations: None,
        };
        assert_eq!(
            to_value(&tool).unwrap(),
            json!({"name": "ping", "inputSchema": {"type": "object", "properties": {}}})
        );
    }

    #[test]
    fn a_full_descriptor_is_camel_case_with_only_the_hints_set() {
        let tool = Tool {
            name: "send".into(),
            title: Some("Send".into()),
            description: Some("Sends.".into()),
            input_schema: json!({"type": "object"}),
            output_schema: Some(json!({"type": "object"})),
            annotations: Some(ToolAnnotations {
                title: Some("Send".into()),
                read_only_hint: Some(false),
                open_world_hint: Some(true),
                ..ToolAnnotations::default()
            }),
        };
        assert_eq!(
            to_value(&tool).unwrap(),
            json!({
                "name": "send", "title": "Send", "description": "Sends.",
                "inputSchema": {"type": "object"}, "outputSchema": {"type": "object"},
                "annotations": {"title": "Send", "readOnlyHint": false, "openWorldHint": true},
            })
        );
        assert!(ToolAnnotations::default().is_empty());
        assert!(!tool.annotations.unwrap().is_empty());
    }

    #[test]
    fn descriptors_read_back_ignoring_unknown_fields() {
        let tool: Tool = serde_json::from_value(json!({
            "name": "x", "inputSchema": {"type": "object"}, "icons": [], "execution": {},
            "annotations": {"destructiveHint": false, "futureHint": 1},
        }))
        .unwrap();
        assert_eq!(tool.annotations.unwrap().destructive_hint, Some(false));
        assert_eq!(tool.description, None);
    }

    #[test]
    fn results_send_is_error_and_structured_content_only_when_there() {
        assert_eq!(
            to_value(CallToolResult::text("ok")).unwrap(),
            json!({"content": [{"type": "text", "text": "ok"}]})
        );
        assert_eq!(
            to_value(CallToolResult::error("no")).unwrap(),
            json!({"content": [{"type": "text", "text": "no"}], "isError": true})
        );
        let typed = CallToolResult {
            content: vec![],
            structured_content: Some(json!({"value": 1})),
            is_error: false,
        };
        assert_eq!(
            to_value(&typed).unwrap(),
            json!({"content": [], "structuredContent": {"value": 1}})
        );
        let back: CallToolResult =
            serde_json::from_value(json!({"isError": true, "resultType": "complete"})).unwrap();
        assert!(back.is_error && back.content.is_empty());
    }
}
