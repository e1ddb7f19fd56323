//! The 2026-07-28 request headers (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`): decoding
//! their `=?base64?…?=` form and checking that they agree with the body.

use base64::Engine;

use super::jsonrpc::{RpcError, HEADER_MISMATCH};
use crate::http::Headers;

/// A header value as sent, decoded from `=?base64?…?=` when it has that form. Values that
/// merely start like it are taken literally; a malformed encoding is an error.
pub fn decode(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let Some(inner) = raw
        .strip_prefix("=?base64?")
        .and_then(|r| r.strip_suffix("?="))
    else {
        return Ok(raw.to_owned());
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(inner)
        .map_err(|e| format!("invalid base64 ({e})"))?;
    String::from_utf8(bytes).map_err(|_| "base64 value is not UTF-8".to_owned())
}

fn mismatch(message: String) -> RpcError {
    RpcError::new(HEADER_MISMATCH, 400, message)
}

/// Checks that header `name` is present and equals `expected` (case-sensitive value).
pub fn expect(headers: &Headers, name: &str, expected: &str) -> Result<(), RpcError> {
    let Some(raw) = headers.get(name) else {
        return Err(mismatch(format!(
            "The `{name}` header is required and must be `{expected}`"
        )));
    };
    let value =
        decode(raw).map_err(|why| mismatch(format!("The `{name}` header is malformed: {why}")))?;
    if value != expected {
        return Err(mismatch(format!(
            "The `{name}` header is `{value}` but the body says `{expected}`; they must agree"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_values_are_decoded_and_bad_ones_refused() {
        assert_eq!(decode("=?base64?SGVsbG8=?=").unwrap(), "Hello");
        assert!(decode("=?base64?SGVsbG8?=").is_err());
        assert!(decode("=?base64?SGVs!!!bG8=?=").is_err());
        assert_eq!(decode("SGVsbG8=").unwrap(), "SGVsbG8=");
        assert_eq!(decode("=?base64?SGVsbG8=").unwrap(), "=?base64?SGVsbG8=");
        assert_eq!(decode("  tools/list ").unwrap(), "tools/list");
    }

    #[test]
    fn headers_must_be_present_and_agree_case_sensitively() {
        let h = Headers::new(vec![("mcp-method".into(), "TOOLS/LIST".into())]);
        assert_eq!(
            expect(&h, "Mcp-Method", "tools/list").unwrap_err().code,
            HEADER_MISMATCH
        );
        assert_eq!(
            expect(&Headers::default(), "Mcp-Method", "x")
                .unwrap_err()
                .status,
            400
        );
        let ok = Headers::new(vec![("MCP-METHOD".into(), "tools/list".into())]);
        assert!(expect(&ok, "Mcp-Method", "tools/list").is_ok());
    }
}
