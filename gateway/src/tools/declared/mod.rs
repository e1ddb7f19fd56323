//! Tools declared in `tools.toml` without Rust (`kind = "http"` and `kind = "preset"`):
//! `toolbox!` compiles each into a `ToolDef` whose call runs `http::call` or `preset::call`, so
//! a declared tool goes through the one dispatch every `#[tool]` does (scope, role, rate,
//! input requests). Here: the declared arguments, their input schema, and their check before
//! anything goes out.

pub mod http;
pub mod preset;
mod request;

use serde_json::{Map, Value};

use crate::toolbox::CallToolResult;

/// One declared argument.
#[derive(Debug, Clone, Copy)]
pub struct ArgDecl {
    /// Its name, `{name}` in the tool's templates.
    pub name: &'static str,
    /// Whether a call must give it.
    pub required: bool,
    /// Its JSON Schema (type, description, enum, bounds, default) as JSON text, checked at
    /// build time.
    pub schema: &'static str,
}

/// The JSON Schema 2020-12 input schema of `arguments`; unknown arguments are refused.
pub fn arguments_schema(arguments: &[ArgDecl]) -> Value {
    let mut properties = Map::new();
    for a in arguments {
        let schema = serde_json::from_str(a.schema).unwrap_or(Value::Bool(true));
        properties.insert(a.name.into(), schema);
    }
    let mut root = Map::new();
    root.insert(
        "$schema".into(),
        "https://json-schema.org/draft/2020-12/schema".into(),
    );
    root.insert("type".into(), "object".into());
    root.insert("properties".into(), Value::Object(properties));
    let required: Vec<Value> = arguments
        .iter()
        .filter(|a| a.required)
        .map(|a| a.name.into())
        .collect();
    if !required.is_empty() {
        root.insert("required".into(), Value::Array(required));
    }
    root.insert("additionalProperties".into(), false.into());
    Value::Object(root)
}

/// The longest string argument, in characters, whatever the schema allows.
pub const MAX_ARGUMENT_CHARS: usize = 4_000;

/// A call's arguments checked against the declaration, with defaults filled in: by name, the
/// value of each argument given or defaulted. An `isError` result says what to fix.
pub fn arguments(
    tool: &str,
    declared: &[ArgDecl],
    given: Value,
) -> Result<Map<String, Value>, CallToolResult> {
    let invalid = |why: String| {
        CallToolResult::error(format!(
            "Invalid arguments for tool `{tool}`: {why}. Check the tool's inputSchema and call it again."
        ))
    };
    let given = match given {
        Value::Null => Map::new(),
        Value::Object(m) => m,
        _ => return Err(invalid("`arguments` must be a JSON object".into())),
    };
    if let Some(unknown) = given
        .keys()
        .find(|k| !declared.iter().any(|a| a.name == k.as_str()))
    {
        let known: Vec<&str> = declared.iter().map(|a| a.name).collect();
        let unknown: String = unknown.chars().take(64).collect();
        return Err(invalid(format!(
            "there is no argument `{unknown}` (the arguments are: {})",
            if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            }
        )));
    }
    let mut out = Map::new();
    for a in declared {
        let schema: Value = serde_json::from_str(a.schema).unwrap_or_default();
        let value = match given.get(a.name) {
            Some(Value::Null) | None => match schema.get("default") {
                Some(d) => d.clone(),
                None if a.required => {
                    return Err(invalid(format!("`{}` is required", a.name)));
                }
                None => continue,
            },
            Some(v) => v.clone(),
        };
        check(&value, &schema).map_err(|why| invalid(format!("`{}` {why}", a.name)))?;
        out.insert(a.name.into(), value);
    }
    Ok(out)
}

/// Whether `value` meets `schema` (as a declared argument's schema has it).
fn check(value: &Value, schema: &Value) -> Result<(), String> {
    let ty = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string");
    let fits = match ty {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => false,
    };
    if !fits {
        return Err(format!(
            "must be {} {ty}",
            if ty == "integer" { "an" } else { "a" }
        ));
    }
    if let Some(Value::Array(choices)) = schema.get("enum") {
        if !choices.contains(value) {
            let shown: Vec<String> = choices.iter().map(Value::to_string).collect();
            return Err(format!("must be one of {}", shown.join(", ")));
        }
    }
    let bound = |k: &str| schema.get(k).and_then(Value::as_f64);
    if let Some(n) = value.as_f64() {
        if let Some(min) = bound("minimum").filter(|m| n < *m) {
            return Err(format!("must be at least {min}"));
        }
        if let Some(max) = bound("maximum").filter(|m| n > *m) {
            return Err(format!("must be at most {max}"));
        }
    }
    if let Some(s) = value.as_str() {
        let len = s.chars().count();
        let max = bound("maxLength").map_or(MAX_ARGUMENT_CHARS, |m| m as usize);
        if len > max {
            return Err(format!("is {len} characters long; at most {max}"));
        }
        if let Some(min) = bound("minLength").filter(|m| (len as f64) < *m) {
            return Err(format!("must be at least {min} characters long"));
        }
    }
    Ok(())
}

/// A value as text in a template: a string as is, anything else as JSON.
pub(crate) fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARGS: &[ArgDecl] = &[
        ArgDecl {
            name: "city",
            required: true,
            schema: r#"{"type":"string","description":"The city","maxLength":20}"#,
        },
        ArgDecl {
            name: "days",
            required: false,
            schema: r#"{"type":"integer","minimum":1,"maximum":7,"default":3}"#,
        },
        ArgDecl {
            name: "units",
            required: false,
            schema: r#"{"type":"string","enum":["metric","imperial"]}"#,
        },
    ];

    #[test]
    fn the_input_schema_is_a_closed_2020_12_object() {
        let s = arguments_schema(ARGS);
        assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(s["type"], "object");
        assert_eq!(s["required"], json!(["city"]));
        assert_eq!(s["additionalProperties"], false);
        assert_eq!(s["properties"]["days"]["default"], 3);
        assert_eq!(
            s["properties"]["units"]["enum"],
            json!(["metric", "imperial"])
        );
        assert!(arguments_schema(&[]).get("required").is_none());
    }

    #[test]
    fn arguments_are_checked_and_defaulted_before_anything_goes_out() {
        let ok = arguments("w", ARGS, json!({"city": "Lisbon"})).unwrap();
        assert_eq!(Value::Object(ok), json!({"city": "Lisbon", "days": 3}));
        for (bad, says) in [
            (json!({}), "`city` is required"),
            (json!({"city": 5}), "`city` must be a string"),
            (json!({"city": "x", "days": 9}), "at most 7"),
            (json!({"city": "x", "days": 1.5}), "must be an integer"),
            (json!({"city": "x", "units": "kelvin"}), "one of \"metric\""),
            (
                json!({"city": "a very long city name indeed"}),
                "at most 20",
            ),
            (json!({"city": "x", "cty": "y"}), "no argument `cty`"),
            (json!([1]), "must be a JSON object"),
        ] {
            let err = arguments("w", ARGS, bad.clone()).unwrap_err();
            let text = err.content[0].as_text().unwrap().to_owned();
            assert!(err.is_error && text.contains(says), "{bad}: {text}");
        }
    }
}
