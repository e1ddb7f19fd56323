//! Environment profiles: named sets of key/values an operator stores for agents (deployment
//! targets, say), kept in KV, managed through `/admin/env/<name>` and read by the `get_env`
//! tool under the high-privilege `dovecote:env:read` scope.

use std::collections::BTreeMap;

use crate::platform::{Kv, PlatformError};

const PREFIX: &str = "env:profile:";
/// Longest profile name.
pub const MAX_NAME_CHARS: usize = 64;
/// Most keys in one profile.
pub const MAX_KEYS: usize = 100;
/// Longest key.
pub const MAX_KEY_CHARS: usize = 128;
/// Longest value, in bytes.
pub const MAX_VALUE_BYTES: usize = 4096;

/// A profile's values.
pub type Values = BTreeMap<String, String>;

/// Checks a profile name: 1–64 of `[a-z0-9_-]`.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = (1..=MAX_NAME_CHARS).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "a profile name is 1 to {MAX_NAME_CHARS} characters of a-z, 0-9, - and _"
        ))
    }
}

/// Parses and checks a profile body: a JSON object of strings within the limits.
pub fn parse_values(body: &[u8]) -> Result<Values, String> {
    let values: Values = serde_json::from_slice(body)
        .map_err(|e| format!("send a JSON object whose values are strings ({e})"))?;
    if values.len() > MAX_KEYS {
        return Err(format!("a profile holds at most {MAX_KEYS} keys"));
    }
    for (k, v) in &values {
        if k.is_empty() || k.chars().count() > MAX_KEY_CHARS {
            return Err(format!("keys are 1 to {MAX_KEY_CHARS} characters"));
        }
        if v.len() > MAX_VALUE_BYTES {
            return Err(format!(
                "the value of `{k}` is over {MAX_VALUE_BYTES} bytes"
            ));
        }
    }
    Ok(values)
}

/// Reads a profile.
pub async fn get(kv: &dyn Kv, name: &str) -> Result<Option<Values>, PlatformError> {
    match kv.get(&format!("{PREFIX}{name}")).await? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| PlatformError(e.to_string())),
    }
}

/// Stores a profile.
pub async fn put(kv: &dyn Kv, name: &str, values: &Values) -> Result<(), PlatformError> {
    let bytes = serde_json::to_vec(values).map_err(|e| PlatformError(e.to_string()))?;
    kv.put(&format!("{PREFIX}{name}"), &bytes, None).await
}

/// Deletes a profile.
pub async fn delete(kv: &dyn Kv, name: &str) -> Result<(), PlatformError> {
    kv.delete(&format!("{PREFIX}{name}")).await
}

/// The profiles' names.
pub async fn names(kv: &dyn Kv) -> Result<Vec<String>, PlatformError> {
    Ok(kv
        .list(PREFIX, 1000)
        .await?
        .into_iter()
        .map(|k| k[PREFIX.len()..].to_owned())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_are_checked() {
        assert!(check_name("staging-eu_1").is_ok());
        for bad in ["", "Prod", "a/b", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(parse_values(br#"{"region":"eu"}"#).is_ok());
        assert!(parse_values(br#"{"n":1}"#).is_err());
        assert!(parse_values(br#"["a"]"#).is_err());
        let big = format!(r#"{{"k":"{}"}}"#, "v".repeat(MAX_VALUE_BYTES + 1));
        assert!(parse_values(big.as_bytes()).is_err());
    }
}
