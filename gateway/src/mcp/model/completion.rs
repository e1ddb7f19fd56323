//! Completion on the wire: the result of `completion/complete`, suggested values for a
//! prompt argument or a resource-template variable.

use serde::{Deserialize, Serialize};

/// The most values one completion returns (the spec's cap).
pub const MAX_COMPLETION_VALUES: usize = 100;

/// The suggestions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Completion {
    /// Values, best first, at most 100.
    pub values: Vec<String>,
    /// How many there are in all, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Whether there are more than `values` holds.
    pub has_more: bool,
}

impl Completion {
    /// At most `MAX_COMPLETION_VALUES` of `values`, saying how many there were.
    pub fn of(mut values: Vec<String>) -> Self {
        let total = values.len();
        values.truncate(MAX_COMPLETION_VALUES);
        Self {
            has_more: total > values.len(),
            total: Some(total as u64),
            values,
        }
    }
}

/// The result of `completion/complete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompleteResult {
    /// The suggestions.
    pub completion: Completion,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, to_value};

    #[test]
    fn a_completion_is_capped_at_one_hundred_and_says_there_is_more() {
        let few = CompleteResult {
            completion: Completion::of(vec!["octo".into()]),
        };
        assert_eq!(
            to_value(&few).unwrap(),
            json!({"completion": {"values": ["octo"], "total": 1, "hasMore": false}})
        );
        let many = Completion::of((0..150).map(|n| n.to_string()).collect());
        assert_eq!(
            (many.values.len(), many.total, many.has_more),
            (100, Some(150), true)
        );
    }
}
