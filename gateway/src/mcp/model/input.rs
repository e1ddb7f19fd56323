//! Asking the client (2026-07-28, multi round-trip requests): an [`InputRequiredResult`] in
//! place of a result carries [`InputRequest`]s — an elicitation form, a sampling request, a
//! request for the client's roots — keyed by names the client answers under in its retry's
//! `inputResponses`, with the server's `requestState` echoed back unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::content::Content;
use super::discover::EmptyObject;

/// What a server asks of the client, as the request it would have sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", content = "params")]
pub enum InputRequest {
    /// `elicitation/create`: a form the person fills in.
    #[serde(rename = "elicitation/create")]
    Elicit(ElicitParams),
    /// `sampling/createMessage`: a completion from the client's model.
    #[serde(rename = "sampling/createMessage")]
    Sample(SamplingParams),
    /// `roots/list`: the client's roots.
    #[serde(rename = "roots/list")]
    ListRoots(EmptyObject),
}

impl InputRequest {
    /// The client capability that answering it needs.
    pub fn capability(&self) -> &'static str {
        match self {
            Self::Elicit(_) => "elicitation",
            Self::Sample(_) => "sampling",
            Self::ListRoots(_) => "roots",
        }
    }
}

/// The params of `elicitation/create` in form mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElicitParams {
    /// What the person is asked, shown above the form.
    pub message: String,
    /// The form: a flat object of primitive fields.
    pub requested_schema: FormSchema,
}

/// An elicitation form's schema: `{"type": "object", "properties", "required"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormSchema {
    /// Always `object`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The fields, by name.
    pub properties: BTreeMap<String, FormField>,
    /// The fields that must be filled in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
}

impl FormSchema {
    /// A form with no fields yet.
    pub fn new() -> Self {
        Self {
            kind: "object".into(),
            properties: BTreeMap::new(),
            required: Vec::new(),
        }
    }

    /// Adds field `name`; `required` fields must be filled in.
    pub fn field(mut self, name: &str, field: FormField, required: bool) -> Self {
        self.properties.insert(name.to_owned(), field);
        if required {
            self.required.push(name.to_owned());
        }
        self
    }
}

impl Default for FormSchema {
    fn default() -> Self {
        Self::new()
    }
}

/// One primitive field of a form: a string, number or boolean, with a default (SEP-1034),
/// or a choice among titled values (SEP-1330).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FormField {
    /// `string`, `number`, `integer` or `boolean`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The field's label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help shown with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The value the form starts with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// For a choice: each value with its label.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub one_of: Vec<Choice>,
    /// For a choice without labels: its values.
    #[serde(default, rename = "enum", skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Labels of `values`, in order (the form before SEP-1330, still read by older clients).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enum_names: Vec<String>,
    /// For a multiple choice (`array`): what each item may be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<ChoiceItems>,
}

/// The items of a multiple choice: plain values, or values with labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChoiceItems {
    /// Always `string`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Plain values.
    #[serde(default, rename = "enum", skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Values with labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<Choice>,
}

/// A titled value of a choice (SEP-1330).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The value sent back.
    #[serde(rename = "const")]
    pub value: String,
    /// What the person sees.
    pub title: String,
}

impl FormField {
    fn of(kind: &str, title: &str) -> Self {
        Self {
            kind: kind.into(),
            title: Some(title.into()),
            description: None,
            default: None,
            one_of: Vec::new(),
            values: Vec::new(),
            enum_names: Vec::new(),
            items: None,
        }
    }

    /// A number field (`number` or `integer`).
    pub fn number(title: &str, integer: bool) -> Self {
        Self::of(if integer { "integer" } else { "number" }, title)
    }

    /// A choice among plain `values`, with `labels` in the older `enumNames` form when given.
    pub fn values(title: &str, values: &[&str], labels: &[&str]) -> Self {
        let mut field = Self::of("string", title);
        field.values = values.iter().map(|v| (*v).to_owned()).collect();
        field.enum_names = labels.iter().map(|v| (*v).to_owned()).collect();
        field
    }

    /// A multiple choice among plain `values`, or among `choices` (value, label) when given.
    pub fn many(title: &str, values: &[&str], choices: &[(&str, &str)]) -> Self {
        let mut field = Self::of("array", title);
        field.items = Some(ChoiceItems {
            kind: "string".into(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
            any_of: choices
                .iter()
                .map(|(value, title)| Choice {
                    value: (*value).into(),
                    title: (*title).into(),
                })
                .collect(),
        });
        field
    }

    /// A text field.
    pub fn string(title: &str) -> Self {
        Self::of("string", title)
    }

    /// A yes/no field starting at `default`.
    pub fn boolean(title: &str, default: bool) -> Self {
        Self::of("boolean", title).with_default(Value::Bool(default))
    }

    /// A choice among `choices` (value, label), starting at the first.
    pub fn choice(title: &str, choices: &[(&str, &str)]) -> Self {
        let mut field = Self::of("string", title);
        field.one_of = choices
            .iter()
            .map(|(value, title)| Choice {
                value: (*value).into(),
                title: (*title).into(),
            })
            .collect();
        match choices.first() {
            Some((first, _)) => field.with_default(Value::from(*first)),
            None => field,
        }
    }

    /// With help text.
    pub fn describe(mut self, description: &str) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Starting at `default`.
    pub fn with_default(mut self, default: Value) -> Self {
        self.default = Some(default);
        self
    }
}

/// The params of `sampling/createMessage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SamplingParams {
    /// The conversation so far.
    pub messages: Vec<SamplingMessage>,
    /// The longest answer wanted, in tokens.
    pub max_tokens: u32,
    /// A system prompt, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
}

/// One message of a sampling conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplingMessage {
    /// `user` or `assistant`.
    pub role: String,
    /// What was said.
    pub content: Content,
}

impl SamplingParams {
    /// One user message, answered in at most `max_tokens`.
    pub fn ask(text: &str, max_tokens: u32) -> Self {
        Self {
            messages: vec![SamplingMessage {
                role: "user".into(),
                content: Content::text(text),
            }],
            max_tokens,
            system_prompt: None,
        }
    }
}

/// What the person did with a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElicitAction {
    /// Submitted it.
    Accept,
    /// Said no.
    Decline,
    /// Dismissed it without choosing.
    Cancel,
}

/// The client's answer to `elicitation/create`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElicitResult {
    /// What the person did.
    pub action: ElicitAction,
    /// The form's values, when accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<serde_json::Map<String, Value>>,
}

/// The client's answer to `sampling/createMessage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SamplingResult {
    /// Who said it (`assistant`).
    pub role: String,
    /// What the model answered.
    pub content: Content,
    /// Which model answered.
    #[serde(default)]
    pub model: String,
}

/// One of the client's roots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Root {
    /// A `file://` URI.
    pub uri: String,
    /// Its name, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The client's answer to `roots/list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRootsResult {
    /// The roots.
    pub roots: Vec<Root>,
}

/// In place of a result: what the server needs before it can answer. The client retries the
/// request with an answer for each key in `inputResponses` and `requestState` unchanged.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputRequiredResult {
    /// What is asked, by key.
    pub input_requests: BTreeMap<String, InputRequest>,
    /// The server's state of the exchange, opaque to the client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_state: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn requests_are_written_as_the_requests_they_stand_for() {
        let form = FormSchema::new()
            .field("send", FormField::boolean("Send it", true), true)
            .field(
                "which",
                FormField::choice("Which", &[("a", "All"), ("n", "None")]),
                false,
            );
        let request = InputRequest::Elicit(ElicitParams {
            message: "Send?".into(),
            requested_schema: form,
        });
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"method": "elicitation/create", "params": {
                "message": "Send?",
                "requestedSchema": {"type": "object", "required": ["send"], "properties": {
                    "send": {"type": "boolean", "title": "Send it", "default": true},
                    "which": {"type": "string", "title": "Which", "default": "a",
                        "oneOf": [{"const": "a", "title": "All"}, {"const": "n", "title": "None"}]}
                }}
            }})
        );
        let roots = InputRequest::ListRoots(EmptyObject {});
        assert_eq!(
            serde_json::to_value(&roots).unwrap(),
            json!({"method": "roots/list", "params": {}})
        );
        let sample = InputRequest::Sample(SamplingParams::ask("Hi?", 10));
        assert_eq!(
            serde_json::to_value(&sample).unwrap()["params"],
            json!({"messages": [{"role": "user", "content": {"type": "text", "text": "Hi?"}}], "maxTokens": 10})
        );
        assert_eq!(
            serde_json::from_value::<InputRequest>(serde_json::to_value(&sample).unwrap()).unwrap(),
            sample
        );
    }

    #[test]
    fn answers_are_read_as_clients_send_them() {
        let accepted: ElicitResult =
            serde_json::from_value(json!({"action": "accept", "content": {"name": "Ada"}}))
                .unwrap();
        assert_eq!(accepted.action, ElicitAction::Accept);
        assert_eq!(accepted.content.unwrap()["name"], "Ada");
        let declined: ElicitResult = serde_json::from_value(json!({"action": "decline"})).unwrap();
        assert_eq!(declined.action, ElicitAction::Decline);
        assert!(serde_json::from_value::<ElicitResult>(json!({"action": "maybe"})).is_err());
        let roots: ListRootsResult =
            serde_json::from_value(json!({"roots": [{"uri": "file:///r", "name": "R"}]})).unwrap();
        assert_eq!(roots.roots[0].uri, "file:///r");
    }
}
