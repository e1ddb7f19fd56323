//! The fingerprint of a tool descriptor: FNV-1a (64-bit) over its JSON written with every
//! object's keys sorted, so the same descriptor gives the same number whatever order a server
//! or a map wrote its keys in. Plain `std` and `serde_json`, also compiled by `macros/` (which
//! fingerprints the lock) so that the scheduled check compares like with like.

use serde_json::Value;

/// The fingerprint of `value`.
pub fn fingerprint(value: &Value) -> u64 {
    let mut text = String::new();
    canonical(value, &mut text);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// `value` as JSON with sorted keys.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_does_not_change_it_and_content_does() {
        let a: Value = serde_json::from_str(
            r#"{"name":"x","inputSchema":{"type":"object","properties":{"b":1,"a":2}}}"#,
        )
        .unwrap();
        let b: Value = serde_json::from_str(
            r#"{"inputSchema":{"properties":{"a":2,"b":1},"type":"object"},"name":"x"}"#,
        )
        .unwrap();
        let c: Value =
            serde_json::from_str(r#"{"name":"x","inputSchema":{"type":"object"}}"#).unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }
}
