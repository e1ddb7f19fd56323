//! The JSON-RPC envelope of `/mcp` and the 2026-07-28 `Mcp-*` headers.

use base64::Engine;
use dovecote_gateway::http::Headers;
use dovecote_gateway::mcp::headers;
use dovecote_gateway::mcp::jsonrpc::{self, Message};
use serde_json::{json, Value};

/// A body is a request, a notification, a response or a 400 whose body echoes the id; a
/// request reads back the same when written out again.
pub fn jsonrpc(data: &[u8]) {
    match jsonrpc::parse(data) {
        Ok(Message::Request { id, method, params }) => {
            let body = jsonrpc::result_body(&id, &json!({})).expect("an empty result encodes");
            let result: Value = serde_json::from_str(&body).expect("a result body is JSON");
            assert_eq!(&result["id"], id.to_json());
            let again =
                json!({"jsonrpc": "2.0", "id": id.to_json(), "method": method, "params": params});
            let reread =
                jsonrpc::parse(again.to_string().as_bytes()).expect("written out, it parses");
            assert_eq!(reread, Message::Request { id, method, params });
        }
        Ok(Message::Notification { .. } | Message::Response { .. }) => {}
        Err((error, id)) => {
            assert_eq!(error.status, 400, "{error:?}");
            let body: Value =
                serde_json::from_str(&error.to_body(id.as_ref())).expect("an error body is JSON");
            assert_eq!(body["error"]["code"], error.code);
            assert_eq!(
                &body["id"],
                id.as_ref().map_or(&Value::Null, |id| id.to_json())
            );
        }
    }
}

/// A header value (first line) against what the body says (the rest): `expect` agrees with
/// `decode`, and any value survives its own `=?base64?…?=` form.
pub fn headers(data: &[u8]) {
    let Some(text) = super::text(data) else {
        return;
    };
    let (raw, expected) = text.split_once('\n').unwrap_or((text, ""));
    let decoded = headers::decode(raw);
    if !raw.trim().starts_with("=?base64?") {
        assert_eq!(decoded.as_deref(), Ok(raw.trim()));
    }
    let sent = Headers::new(vec![("mcp-name".into(), raw.into())]);
    match headers::expect(&sent, "Mcp-Name", expected) {
        Ok(()) => assert_eq!(decoded.as_deref(), Ok(expected)),
        Err(e) => {
            assert_eq!((e.status, e.code), (400, jsonrpc::HEADER_MISMATCH));
            assert_ne!(decoded.as_deref(), Ok(expected));
        }
    }
    let encoded = format!(
        "=?base64?{}?=",
        base64::engine::general_purpose::STANDARD.encode(expected)
    );
    assert_eq!(headers::decode(&encoded).as_deref(), Ok(expected));
}
