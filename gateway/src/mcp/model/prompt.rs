//! Prompts on the wire: the descriptor `prompts/list` returns and the messages `prompts/get`
//! answers with.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::content::Content;

/// Who a prompt message speaks as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The person using the client.
    User,
    /// The model.
    Assistant,
}

/// One message of a prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptMessage {
    /// Who speaks.
    pub role: Role,
    /// What is said: text, an image, or an embedded resource.
    pub content: Content,
}

/// The result of `prompts/get`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GetPromptResult {
    /// What the prompt is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Cow<'static, str>>,
    /// The messages, in order.
    pub messages: Vec<PromptMessage>,
}

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
    fn messages_carry_a_lowercase_role_and_one_content_block() {
        let got = GetPromptResult {
            description: None,
            messages: vec![PromptMessage {
                role: Role::Assistant,
                content: Content::text("hi"),
            }],
        };
        assert_eq!(
            to_value(&got).unwrap(),
            json!({"messages": [{"role": "assistant", "content": {"type": "text", "text": "hi"}}]})
        );
    }

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
