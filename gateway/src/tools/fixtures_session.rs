//! The conformance suite's fixtures for asking the client over a session (2025 generation,
//! `--features conformance` only): each asks what its scenario expects and returns what the
//! scenario checks for.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::mcp::model::{ElicitParams, ElicitResult, FormField, FormSchema, SamplingParams};
use crate::tool;
use crate::toolbox::{ToolContext, ToolError};

/// The arguments of `test_sampling`.
#[derive(Deserialize, JsonSchema)]
pub struct PromptArgs {
    /// The prompt to send to the client's model.
    pub prompt: String,
}

/// The arguments of `test_elicitation`.
#[derive(Deserialize, JsonSchema)]
pub struct MessageArgs {
    /// The message to show the person.
    pub message: String,
}

fn action_and_content(answer: &ElicitResult) -> (Value, Value) {
    let action = serde_json::to_value(answer.action).unwrap_or(Value::Null);
    let content = answer
        .content
        .as_ref()
        .map_or(json!({}), |c| Value::Object(c.clone()));
    (action, content)
}

/// Asks the client's model the prompt, then returns its answer.
#[tool]
pub async fn test_sampling(ctx: &ToolContext<'_>, args: PromptArgs) -> Result<String, ToolError> {
    let answer = ctx.sample("answer", SamplingParams::ask(&args.prompt, 100))?;
    let text = match &answer.content {
        crate::mcp::model::Content::Text(t) => t.text.as_str(),
        _ => "",
    };
    Ok(format!("LLM response: {text}"))
}

/// Asks the person for a username and an email address, then returns what they answered.
#[tool]
pub async fn test_elicitation(
    ctx: &ToolContext<'_>,
    args: MessageArgs,
) -> Result<String, ToolError> {
    let form = FormSchema::new()
        .field(
            "username",
            FormField::string("Username").describe("User's response"),
            true,
        )
        .field(
            "email",
            FormField::string("Email").describe("User's email address"),
            true,
        );
    let answer = ctx.elicit(
        "answer",
        ElicitParams {
            message: args.message,
            requested_schema: form,
        },
    )?;
    let (action, content) = action_and_content(&answer);
    Ok(format!("User response: action={action}, content={content}"))
}

/// Asks with a default for every primitive type (SEP-1034).
#[tool]
pub async fn test_elicitation_sep1034_defaults(ctx: &ToolContext<'_>) -> Result<String, ToolError> {
    let form = FormSchema::new()
        .field(
            "name",
            FormField::string("Name").with_default(json!("John Doe")),
            false,
        )
        .field(
            "age",
            FormField::number("Age", true).with_default(json!(30)),
            false,
        )
        .field(
            "score",
            FormField::number("Score", false).with_default(json!(95.5)),
            false,
        )
        .field(
            "status",
            FormField::values("Status", &["active", "inactive", "pending"], &[])
                .with_default(json!("active")),
            false,
        )
        .field("verified", FormField::boolean("Verified", true), false);
    let answer = ctx.elicit(
        "answer",
        ElicitParams {
            message: "Please review your details".into(),
            requested_schema: form,
        },
    )?;
    let (action, content) = action_and_content(&answer);
    Ok(format!(
        "Elicitation completed: action={action}, content={content}"
    ))
}

/// Asks with every form of choice (SEP-1330): plain, titled, legacy titled, and multiple.
#[tool]
pub async fn test_elicitation_sep1330_enums(ctx: &ToolContext<'_>) -> Result<String, ToolError> {
    let options = ["option1", "option2", "option3"];
    let titled = [
        ("value1", "First"),
        ("value2", "Second"),
        ("value3", "Third"),
    ];
    let form = FormSchema::new()
        .field(
            "untitledSingle",
            FormField::values("Untitled", &options, &[]),
            false,
        )
        .field("titledSingle", FormField::choice("Titled", &titled), false)
        .field(
            "legacyEnum",
            FormField::values(
                "Legacy",
                &["opt1", "opt2", "opt3"],
                &["Option One", "Option Two", "Option Three"],
            ),
            false,
        )
        .field(
            "untitledMulti",
            FormField::many("Untitled, several", &options, &[]),
            false,
        )
        .field(
            "titledMulti",
            FormField::many("Titled, several", &[], &titled),
            false,
        );
    let answer = ctx.elicit(
        "answer",
        ElicitParams {
            message: "Please choose".into(),
            requested_schema: form,
        },
    )?;
    let (action, content) = action_and_content(&answer);
    Ok(format!(
        "Elicitation completed: action={action}, content={content}"
    ))
}
