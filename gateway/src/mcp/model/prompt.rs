//! Prompts on the wire: the descriptor `prompts/list` returns. This server offers none yet;
//! `prompts/get` and its messages arrive with the prompts issue, here.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// A prompt as `prompts/list` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Prompt {
    /// Its name.
    pub name: Cow<'static, str>,
    /// A title for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Cow<'static, str>>,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Cow<'static, str>>,
    /// The arguments it takes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<PromptArgument>,
}

/// One argument of a prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptArgument {
    /// Its name.
    pub name: Cow<'static, str>,
    /// What to pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Cow<'static, str>>,
    /// Whether it must be given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, to_value};

    #[test]
    fn a_prompt_leaves_out_what_it_lacks() {
        let p = Prompt {
            name: "triage".into(),
            title: None,
            description: None,
            arguments: vec![],
        };
        assert_eq!(to_value(&p).unwrap(), json!({"name": "triage"}));
        let with = Prompt {
            arguments: vec![PromptArgument {
                name: "repo".into(),
                description: None,
                required: Some(true),
            }],
            ..p
        };
        assert_eq!(
            to_value(&with).unwrap(),
            json!({"name": "triage", "arguments": [{"name": "repo", "required": true}]})
        );
    }
}
