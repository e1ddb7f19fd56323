//! The conformance suite's fixtures for asking the client (`--features conformance` only):
//! multi round-trip tools of 2026-07-28, each asking what its scenario expects.

use crate::mcp::model::{ElicitAction, ElicitParams, FormField, FormSchema, SamplingParams};
use crate::tool;
use crate::toolbox::{ToolContext, ToolError};

/// A form with one required text field `name`, asking `message`.
fn text_form(message: &str, name: &str) -> ElicitParams {
    ElicitParams {
        message: message.into(),
        requested_schema: FormSchema::new().field(name, FormField::string(name), true),
    }
}

/// A yes/no confirmation, ticked by default.
fn confirm_form() -> ElicitParams {
    ElicitParams {
        message: "Please confirm".into(),
        requested_schema: FormSchema::new().field("ok", FormField::boolean("OK", true), true),
    }
}

/// The text the person filled in under `field`, if they accepted.
fn filled(answer: &crate::mcp::model::ElicitResult, field: &str) -> String {
    match answer.action {
        ElicitAction::Accept => answer
            .content
            .as_ref()
            .and_then(|c| c.get(field))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

/// Asks the person's name, then greets them.
#[tool]
pub async fn test_input_required_result_elicitation(
    ctx: &ToolContext<'_>,
) -> Result<String, ToolError> {
    let answer = ctx.elicit("user_name", text_form("What is your name?", "name"))?;
    Ok(format!("Hello, {}!", filled(&answer, "name")))
}

/// Asks the client's model a question, then returns its answer.
#[tool]
pub async fn test_input_required_result_sampling(
    ctx: &ToolContext<'_>,
) -> Result<String, ToolError> {
    let params = SamplingParams::ask("What is the capital of France?", 100);
    let answer = ctx.sample("capital_question", params)?;
    Ok(format!("The model said: {}", text_of(&answer.content)))
}

fn text_of(content: &crate::mcp::model::Content) -> &str {
    match content {
        crate::mcp::model::Content::Text(t) => &t.text,
        _ => "",
    }
}

/// Asks for the client's roots, then lists them.
#[tool]
pub async fn test_input_required_result_list_roots(
    ctx: &ToolContext<'_>,
) -> Result<String, ToolError> {
    let roots = ctx.roots("client_roots")?;
    let uris: Vec<&str> = roots.roots.iter().map(|r| r.uri.as_str()).collect();
    Ok(format!("Roots: {}", uris.join(", ")))
}

/// Asks for a confirmation; answers `state-ok` once the signed state came back intact.
#[tool]
pub async fn test_input_required_result_request_state(
    ctx: &ToolContext<'_>,
) -> Result<String, ToolError> {
    ctx.elicit("confirm", confirm_form())?;
    Ok("state-ok: the request state came back as it was signed".into())
}

/// Asks three things at once: a name, a greeting from the model, the client's roots.
#[tool]
pub async fn test_input_required_result_multiple_inputs(
    ctx: &ToolContext<'_>,
) -> Result<String, ToolError> {
    let name = ctx.elicit("user_name", text_form("What is your name?", "name"));
    let greeting = ctx.sample("greeting", SamplingParams::ask("Generate a greeting", 50));
    let roots = ctx.roots("client_roots");
    let (name, greeting, roots) = (name?, greeting?, roots?);
    Ok(format!(
        "{} {} ({} roots)",
        text_of(&greeting.content),
        filled(&name, "name"),
        roots.roots.len()
    ))
}

/// Asks a name, then a colour, one round each.
#[tool]
pub async fn test_input_required_result_multi_round(
    ctx: &ToolContext<'_>,
) -> Result<String, ToolError> {
    let name = ctx.elicit("step1", text_form("Step 1: What is your name?", "name"))?;
    let colour = ctx.elicit(
        "step2",
        text_form("Step 2: What is your favorite color?", "color"),
    )?;
    Ok(format!(
        "{} likes {}",
        filled(&name, "name"),
        filled(&colour, "color")
    ))
}

/// Asks for a confirmation under a signed state; a state altered on its way back is refused.
#[tool]
pub async fn test_input_required_result_tampered_state(
    ctx: &ToolContext<'_>,
) -> Result<String, ToolError> {
    ctx.elicit("confirm", confirm_form())?;
    Ok("Confirmed".into())
}

/// Asks the client's model and the person; only what the client declared goes out.
#[tool]
pub async fn test_input_required_result_capabilities(
    ctx: &ToolContext<'_>,
) -> Result<String, ToolError> {
    let greeting = ctx.sample("greeting", SamplingParams::ask("Generate a greeting", 50));
    let name = ctx.elicit("user_name", text_form("What is your name?", "name"));
    let greeting = greeting?;
    let name = name.map(|n| filled(&n, "name")).unwrap_or_default();
    Ok(format!("{} {name}", text_of(&greeting.content)))
}
