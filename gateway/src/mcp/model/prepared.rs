//! `Prepared<T>`: a wire value serialized once and sent many times as it is — the tool
//! descriptors, which `tools/list` would otherwise serialize again on every request.

use std::fmt;
use std::marker::PhantomData;

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// A `T` already serialized to JSON; serializing it copies the text.
pub struct Prepared<T> {
    json: Box<RawValue>,
    kind: PhantomData<fn() -> T>,
}

impl<T: Serialize> Prepared<T> {
    /// Serializes `value` once.
    pub fn new(value: &T) -> Result<Self, serde_json::Error> {
        Ok(Self {
            json: serde_json::value::to_raw_value(value)?,
            kind: PhantomData,
        })
    }
}

impl<T> Prepared<T> {
    /// The JSON text.
    pub fn json(&self) -> &str {
        self.json.get()
    }
}

impl<T> Serialize for Prepared<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(serializer)
    }
}

impl<T> fmt::Debug for Prepared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Prepared").field(&self.json()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::model::{ListToolsResult, Tool};
    use serde_json::json;

    #[test]
    fn a_prepared_value_serializes_exactly_as_the_value() {
        let tool = Tool {
            name: "ping".into(),
            title: None,
            description: Some("Answers.".into()),
            input_schema: json!({"type": "object", "properties": {}}),
            output_schema: None,
            annotations: None,
        };
        let prepared = Prepared::new(&tool).unwrap();
        assert_eq!(prepared.json(), serde_json::to_string(&tool).unwrap());
        let page = ListToolsResult {
            tools: vec![&prepared, &prepared],
            next_cursor: None,
            cache: None,
        };
        let typed = ListToolsResult {
            tools: vec![tool.clone(), tool],
            next_cursor: None,
            cache: None,
        };
        assert_eq!(
            serde_json::to_string(&page).unwrap(),
            serde_json::to_string(&typed).unwrap()
        );
    }
}
