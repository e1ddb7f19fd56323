//! JSON-RPC 2.0 messages as MCP uses them: parsing one incoming message, and the error type
//! every failure on `/mcp` becomes (code, message, optional data, HTTP status).

use serde::Serialize;
use serde_json::{Map, Value};

use super::model::ErrorObject;

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
/// A per-caller rate limit refused the request (implementation-defined server error; the
/// HTTP status is 429 where the generation sends statuses).
pub const RATE_LIMITED: i64 = -32029;
/// An `Mcp-*` header is missing or disagrees with the body (2026-07-28).
pub const HEADER_MISMATCH: i64 = -32020;
/// A tool needs a client capability the request did not declare (2026-07-28).
pub const MISSING_CLIENT_CAPABILITY: i64 = -32021;
/// The requested protocol version is not supported (2026-07-28).
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;

/// The only JSON-RPC version.
const JSONRPC: &str = "2.0";

/// A JSON-RPC request id: a string or an integer (never null).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct RequestId(Value);

impl RequestId {
    /// The id as JSON.
    pub fn to_json(&self) -> &Value {
        &self.0
    }

    /// An id stored earlier (by a session waiting for answers), if it is still a valid one.
    pub fn stored(value: Value) -> Option<Self> {
        match &value {
            Value::String(_) => Some(Self(value)),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(Self(value)),
            _ => None,
        }
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
    Response {
        /// The id of the server's request it answers.
        id: RequestId,
        /// Its `result`, or its `error` object.
        outcome: Result<Value, Value>,
    },
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

    /// Adds `data` (one of the model's typed `…Data` values).
    pub fn with_data(mut self, data: impl Serialize) -> Self {
        self.data = serde_json::to_value(data).ok();
        self
    }

    /// Sets the HTTP status (the session era sends method errors with 200).
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// The `error` member of the response.
    pub fn object(&self) -> ErrorObject {
        ErrorObject {
            code: self.code,
            message: self.message.clone(),
            data: self.data.clone(),
        }
    }

    /// The response body, echoing `id` (null when the request had none we could read).
    pub fn to_body(&self, id: Option<&RequestId>) -> String {
        let response = ErrorResponse {
            jsonrpc: JSONRPC,
            id,
            error: self.object(),
        };
        // An error object is strings, integers and JSON values: it always serializes.
        serde_json::to_string(&response).unwrap_or_default()
    }
}

#[derive(Serialize)]
struct ErrorResponse<'a> {
    jsonrpc: &'static str,
    id: Option<&'a RequestId>,
    error: ErrorObject,
}

#[derive(Serialize)]
struct ResultResponse<'a, R> {
    jsonrpc: &'static str,
    id: &'a RequestId,
    result: &'a R,
}

#[derive(Serialize)]
struct NotificationMessage<'a, N> {
    jsonrpc: &'static str,
    #[serde(flatten)]
    notification: &'a N,
}

fn unencodable(e: serde_json::Error) -> RpcError {
    RpcError::new(
        INTERNAL_ERROR,
        500,
        format!("The result could not be encoded: {e}"),
    )
}

/// A successful response body around `result`.
pub fn result_body(id: &RequestId, result: &impl Serialize) -> Result<String, RpcError> {
    let response = ResultResponse {
        jsonrpc: JSONRPC,
        id,
        result,
    };
    serde_json::to_string(&response).map_err(unencodable)
}

/// A notification as the server sends it; `notification` serializes as `method` and `params`.
pub fn notification_body(notification: &impl Serialize) -> Result<String, RpcError> {
    let message = NotificationMessage {
        jsonrpc: JSONRPC,
        notification,
    };
    serde_json::to_string(&message).map_err(unencodable)
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
        None => match (id, object.remove("result"), object.remove("error")) {
            (Some(id), Some(result), None) => Ok(Message::Response {
                id,
                outcome: Ok(result),
            }),
            (Some(id), None, Some(error)) => Ok(Message::Response {
                id,
                outcome: Err(error),
            }),
            (id, _, _) => Err((
                RpcError::new(
                    INVALID_REQUEST,
                    400,
                    "A JSON-RPC request needs a `method`; a response, an `id` and one of `result` or `error`",
                ),
                id,
            )),
        },
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
            Message::Response {
                id: RequestId(Value::from("a")),
                outcome: Ok(serde_json::json!({}))
            }
        );
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","id":"a","error":{"code":1}}"#).unwrap(),
            Message::Response {
                outcome: Err(_),
                ..
            }
        ));
        assert!(parse(br#"{"jsonrpc":"2.0","id":"a","result":{},"error":{}}"#).is_err());
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

    #[test]
    fn envelopes_are_jsonrpc_2_with_the_id_echoed_or_null() {
        let Message::Request { id, .. } =
            parse(br#"{"jsonrpc":"2.0","id":"a","method":"x"}"#).unwrap()
        else {
            panic!("a request")
        };
        let ok: Value =
            serde_json::from_str(&result_body(&id, &crate::mcp::model::EmptyResult {}).unwrap())
                .unwrap();
        assert_eq!(
            ok,
            serde_json::json!({"jsonrpc": "2.0", "id": "a", "result": {}})
        );
        let e = RpcError::new(METHOD_NOT_FOUND, 404, "no").with_data([1, 2]);
        let body: Value = serde_json::from_str(&e.to_body(None)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"jsonrpc": "2.0", "id": null,
                "error": {"code": -32601, "message": "no", "data": [1, 2]}})
        );
        let bare: Value =
            serde_json::from_str(&RpcError::new(PARSE_ERROR, 400, "bad").to_body(Some(&id)))
                .unwrap();
        assert_eq!(
            bare["error"],
            serde_json::json!({"code": -32700, "message": "bad"})
        );
    }

    #[test]
    fn notifications_carry_method_and_params_beside_jsonrpc_and_no_id() {
        use crate::mcp::model::{LogLevel, LogMessageParams, Notification};
        let n = Notification::Message(LogMessageParams {
            level: LogLevel::Info,
            logger: None,
            data: Value::from("hi"),
        });
        let body: Value = serde_json::from_str(&notification_body(&n).unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"jsonrpc": "2.0", "method": "notifications/message",
                "params": {"level": "info", "data": "hi"}})
        );
    }
}
