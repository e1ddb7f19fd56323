//! JSON-RPC errors on the wire: the error object, and the typed `data` the 2026-07-28 error
//! codes carry. Which code and HTTP status a failure gets is decided in `jsonrpc.rs`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::discover::EmptyObject;

/// The `error` member of a JSON-RPC response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// JSON-RPC code.
    pub code: i64,
    /// One sentence for a person or a model.
    pub message: String,
    /// Machine-readable details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// `data` of -32022 (unsupported protocol version): what the server speaks, and what was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsupportedVersionData {
    /// Every revision the server speaks, newest first.
    pub supported: Vec<Cow<'static, str>>,
    /// The revision the request named.
    pub requested: String,
}

/// `data` of -32021 (missing client capability): the capabilities to declare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MissingCapabilityData {
    /// Each capability the request must declare, by name.
    pub required_capabilities: BTreeMap<Cow<'static, str>, EmptyObject>,
}

impl MissingCapabilityData {
    /// The data naming one capability.
    pub fn one(capability: impl Into<Cow<'static, str>>) -> Self {
        Self {
            required_capabilities: BTreeMap::from([(capability.into(), EmptyObject {})]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, to_value};

    #[test]
    fn error_objects_leave_out_absent_data() {
        let e = ErrorObject {
            code: -32601,
            message: "Method not found: x".into(),
            data: None,
        };
        assert_eq!(
            to_value(&e).unwrap(),
            json!({"code": -32601, "message": "Method not found: x"})
        );
        let back: ErrorObject =
            serde_json::from_value(json!({"code": 1, "message": "m", "data": [1], "extra": 0}))
                .unwrap();
        assert_eq!(back.data, Some(json!([1])));
    }

    #[test]
    fn typed_data_has_the_spec_shapes() {
        let v = UnsupportedVersionData {
            supported: vec!["2026-07-28".into()],
            requested: "v999".into(),
        };
        assert_eq!(
            to_value(v).unwrap(),
            json!({"supported": ["2026-07-28"], "requested": "v999"})
        );
        assert_eq!(
            to_value(MissingCapabilityData::one("sampling")).unwrap(),
            json!({"requiredCapabilities": {"sampling": {}}})
        );
    }
}
