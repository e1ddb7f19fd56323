//! JSON-RPC 2.0 messages as MCP uses them: parsing one incoming message, and the error type
//! every failure on `/mcp` becomes (code, message, optional data, HTTP status).

use serde_json::{json, Map, Value};

/// Parse error.
pub const PARSE_ERROR: i64 = -32700;
/// Invalid request.
pub const INVALID_REQUEST: i64 = -32600;
/// Method not found.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// Invalid params.
pub const INVALID_PARAMS: i64 = -32602;
/// Internal error.
pub const INTERNAL_ERROR: i64 = -32603;
/// An `Mcp-*` header is missing or disagrees with the body (2026-07-28).
pub const HEADER_MISMATCH: i64 = -32020;
/// A tool needs a client capability the request did not declare (2026-07-28).
pub const MISSING_CLIENT_CAPABILITY: i64 = -32021;
/// The requested protocol version is not supported (2026-07-28).
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;

/// A JSON-RPC request id: a string or an integer (never null).
#[derive(Debug, Clone, PartialEq)]
pub struct RequestId(Value);

impl RequestId {
    /// The id as JSON.
    pub fn to_json(&self) -> &Value {
        &self.0
    }
}

/// One incoming message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A request, which gets a response.
    Request {
        /// Its id.
        id: RequestId,
        /// The method.
        method: String,
        /// The params object (empty when absent).
        params: Map<String, Value>,
    },
    /// A notification: no id, no response.
    Notification {
        /// The method.
        method: String,
    },
    /// A response to a request the server sent.
    Response,
}

/// An error answer, with the HTTP status it travels with.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    /// JSON-RPC code.
    pub code: i64,
    /// One sentence for a person or a model.
    pub message: String,
    /// Machine-readable details.
    pub data: Option<Value>,
    /// HTTP status.
    pub status: u16,
    /// A `WWW-Authenticate` challenge to send with it (insufficient scope).
    pub www_authenticate: Option<String>,
}

impl RpcError {
    /// An error with `code`, `message` and HTTP `status`.
    pub fn new(code: i64, status: u16, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
            status,
            www_authenticate: None,
        }
    }

    /// Adds `data`.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// Sets the HTTP status (the session era sends method errors with 200).
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// The response body, echoing `id` (null when the request had none we could read).
    pub fn to_body(&self, id: Option<&RequestId>) -> String {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(data) = &self.data {
            error["data"] = data.clone();
        }
        json!({"jsonrpc": "2.0", "id": id.map_or(&Value::Null, RequestId::to_json), "error": error})
            .to_string()
    }
}

/// A successful response body around a result already serialized.
pub fn result_body(id: &RequestId, result: &str) -> String {
    format!(r#"{{"jsonrpc":"2.0","id":{},"result":{result}}}"#, id.0)
}

/// A notification as the server sends it.
pub fn notification_body(method: &str, params: &Value) -> String {
    json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string()
}

/// Parses one message. On failure, also returns the id if one could be read, so the error
/// can echo it.
// The error path is the rare one; boxing it would only add noise to every caller.
#[allow(clippy::result_large_err)]
pub fn parse(body: &[u8]) -> Result<Message, (RpcError, Option<RequestId>)> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        (
            RpcError::new(PARSE_ERROR, 400, format!("The body is not valid JSON: {e}")),
            None,
        )
    })?;
    let Value::Object(mut object) = value else {
        let why = if value.is_array() {
            "JSON-RPC batches are not supported; send one message per request"
        } else {
            "A JSON-RPC message must be a JSON object"
        };
        return Err((RpcError::new(INVALID_REQUEST, 400, why), None));
    };
    let id = match object.remove("id") {
        None => None,
        Some(v @ Value::String(_)) => Some(RequestId(v)),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Some(RequestId(Value::Number(n))),
        Some(_) => {
            return Err((
                RpcError::new(INVALID_REQUEST, 400, "`id` must be a string or an integer"),
                None,
            ))
        }
    };
    let invalid = |why: &str| Err((RpcError::new(INVALID_REQUEST, 400, why), id.clone()));
    if object.get("jsonrpc") != Some(&Value::from("2.0")) {
        return invalid("`jsonrpc` must be \"2.0\"");
    }
    match object.remove("method") {
        Some(Value::String(method)) => {
            let params = match object.remove("params") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(p)) => p,
                Some(_) => return invalid("`params` must be an object"),
            };
            Ok(match id {
                Some(id) => Message::Request { id, method, params },
                None => Message::Notification { method },
            })
        }
        Some(_) => invalid("`method` must be a string"),
        None if id.is_some() && (object.contains_key("result") || object.contains_key("error")) => {
            Ok(Message::Response)
        }
        None => invalid("A JSON-RPC request needs a `method`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_notifications_and_responses_are_told_apart() {
        let r = parse(br#"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#).unwrap();
        assert!(matches!(r, Message::Request { ref method, .. } if method == "tools/list"));
        let n = parse(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap();
        assert!(matches!(n, Message::Notification { .. }));
        assert_eq!(
            parse(br#"{"jsonrpc":"2.0","id":"a","result":{}}"#).unwrap(),
            Message::Response
        );
    }

    #[test]
    fn malformed_messages_get_precise_codes_and_keep_the_id() {
        assert_eq!(parse(b"{oops").unwrap_err().0.code, PARSE_ERROR);
        assert_eq!(parse(b"[]").unwrap_err().0.code, INVALID_REQUEST);
        assert_eq!(
            parse(br#"{"jsonrpc":"2.0","id":null,"method":"x"}"#)
                .unwrap_err()
                .0
                .code,
            INVALID_REQUEST
        );
        assert_eq!(
            parse(br#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#)
                .unwrap_err()
                .0
                .code,
            INVALID_REQUEST
        );
        let (e, id) = parse(br#"{"jsonrpc":"1.0","id":9,"method":"x"}"#).unwrap_err();
        assert_eq!(e.code, INVALID_REQUEST);
        assert!(e.to_body(id.as_ref()).contains(r#""id":9"#));
        let (e, _) = parse(br#"{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}"#).unwrap_err();
        assert!(e.message.contains("params"));
    }
}
