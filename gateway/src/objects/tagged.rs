//! Reading what an object writes as one flat JSON object — an enum tagged inside
//! (`#[serde(tag = "…")]`), a struct with a `#[serde(flatten)]` field — without serde's
//! buffering. serde reads those by parsing the whole object into a tree first, and the wasm
//! carries a second decoder of every field for that tree. Such a type keeps its derived
//! `Serialize`, so the wire format (and a Worker and an object of different releases talking
//! during a deploy) does not change, and is read through a plain struct holding the tag and
//! every variant's fields, each optional (`#[serde(try_from = "…")]`): one pass, no tree.

/// `value`, the field `name` the variant `variant` needs, or why the reply is refused.
pub fn need<T>(value: Option<T>, variant: &str, name: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("missing field `{name}` of `{variant}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_field_names_itself_and_its_variant() {
        assert_eq!(need(Some(3), "limited", "retry_after_ms"), Ok(3));
        assert_eq!(
            need::<u64>(None, "limited", "retry_after_ms"),
            Err("missing field `retry_after_ms` of `limited`".to_owned())
        );
    }
}
