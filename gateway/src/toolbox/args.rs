//! Tool arguments: the input schema derived from the argument type, and parsing a call's
//! `arguments` into it with an error a model can act on.

use schemars::{generate::SchemaSettings, JsonSchema};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::CallToolResult;

/// The JSON Schema 2020-12 of `T`, without the root `title` (the tool has its own).
pub fn schema_of<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    if let Some(root) = schema.as_object_mut() {
        root.remove("title");
    }
    schema
}

/// The input schema of an argument type. MCP requires the root to be `type: object`; an
/// argument struct with no fields still gets `properties: {}`.
pub fn input_schema<T: JsonSchema>() -> Value {
    let mut schema = schema_of::<T>();
    if let Some(root) = schema.as_object_mut() {
        root.insert("type".into(), Value::from("object"));
        root.entry("properties")
            .or_insert_with(|| Value::Object(Default::default()));
    }
    schema
}

/// The input schema of a tool that takes no arguments.
pub fn empty_input_schema() -> Value {
    let mut schema = serde_json::Map::new();
    schema.insert("type".into(), Value::from("object"));
    schema.insert("properties".into(), Value::Object(Default::default()));
    Value::Object(schema)
}

/// Parses `arguments` (absent means `{}`) into `T`, or an `isError` result saying what is wrong.
pub fn parse_args<T: DeserializeOwned>(tool: &str, arguments: Value) -> Result<T, CallToolResult> {
    let arguments = match arguments {
        Value::Null => Value::Object(Default::default()),
        other => other,
    };
    if !arguments.is_object() {
        return Err(CallToolResult::error(format!(
            "Invalid arguments for tool `{tool}`: `arguments` must be a JSON object."
        )));
    }
    serde_json::from_value(arguments).map_err(|e| {
        CallToolResult::error(format!(
            "Invalid arguments for tool `{tool}`: {e}. Check the tool's inputSchema and call it again."
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Add {
        /// First addend.
        a: f64,
        b: f64,
    }

    #[derive(Deserialize, JsonSchema)]
    struct Nothing {}

    #[test]
    fn input_schema_is_an_untitled_2020_12_object() {
        let s = input_schema::<Add>();
        assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(s["type"], "object");
        assert!(s.get("title").is_none());
        assert_eq!(s["properties"]["a"]["description"], "First addend.");
        assert_eq!(s["required"], serde_json::json!(["a", "b"]));
        assert_eq!(
            input_schema::<Nothing>()["properties"],
            serde_json::json!({})
        );
    }

    #[test]
    fn bad_arguments_become_an_actionable_tool_error() {
        let err = parse_args::<Add>("calculate", serde_json::json!({"a": 1}))
            .err()
            .unwrap();
        assert!(err.is_error);
        let text = err.content[0].as_text().unwrap();
        assert!(text.contains("missing field `b`"), "{text}");
        assert!(parse_args::<Add>("calculate", serde_json::json!([1, 2])).is_err());
        assert!(parse_args::<Nothing>("x", Value::Null).is_ok());
    }
}
