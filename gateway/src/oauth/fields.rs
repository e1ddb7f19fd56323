//! Reading client metadata JSON field by field, so that each wrong field is named: a body
//! that must be one object under a size limit, strings and arrays of strings, `null` as absent.

use serde_json::{Map, Value};

use super::error::OAuthError;

/// Reads `body` as one JSON object of at most `limit` bytes.
pub(crate) fn json_object(
    body: &[u8],
    limit: usize,
    what: &str,
    error: fn(String) -> OAuthError,
) -> Result<Map<String, Value>, OAuthError> {
    if body.len() > limit {
        return Err(error(format!(
            "{what} is {} bytes; the limit is {limit}",
            body.len()
        )));
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(error(format!("{what} must be a JSON object"))),
        Err(e) => Err(error(format!(
            "{what} is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))),
    }
}

/// A string field; `null` counts as absent.
pub(crate) fn string<'a>(
    map: &'a Map<String, Value>,
    name: &str,
    error: fn(String) -> OAuthError,
) -> Result<Option<&'a str>, OAuthError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(error(format!("{name} must be a string"))),
    }
}

/// An array-of-strings field; `null` counts as absent.
pub(crate) fn strings<'a>(
    map: &'a Map<String, Value>,
    name: &str,
    error: fn(String) -> OAuthError,
) -> Result<Option<Vec<&'a str>>, OAuthError> {
    let items = match map.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(error(format!("{name} must be an array of strings"))),
    };
    items
        .iter()
        .map(|v| {
            v.as_str()
                .ok_or_else(|| error(format!("{name} must be an array of strings")))
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    const E: fn(String) -> OAuthError = OAuthError::InvalidClientMetadata;

    #[test]
    fn fields_have_the_right_json_types() {
        let map = json_object(br#"{"a":"x","b":["y"],"n":null,"w":3}"#, 100, "body", E).unwrap();
        assert_eq!(string(&map, "a", E).unwrap(), Some("x"));
        assert_eq!(string(&map, "n", E).unwrap(), None);
        assert!(string(&map, "w", E)
            .unwrap_err()
            .description()
            .contains("w must be a string"));
        assert_eq!(strings(&map, "b", E).unwrap(), Some(vec!["y"]));
        assert!(strings(&map, "a", E).is_err());
        assert!(json_object(b"[1]", 100, "body", E).is_err());
        assert!(json_object(b"{", 100, "body", E)
            .unwrap_err()
            .description()
            .contains("JSON"));
        assert!(json_object(&[b' '; 101], 100, "body", E)
            .unwrap_err()
            .description()
            .contains("limit"));
    }
}
