//! `completion/complete`: suggestions for a prompt argument or a resource-template variable,
//! only among what the caller may read. A resource family completes its own variables; a
//! prompt argument completes as the variable of the same name of the first family the caller
//! may read that completes it (`account` of `triage_pending_events` as `{account}` of the
//! GitHub families). Counted against the prompt's or the family's rate.

use serde_json::{Map, Value};

use super::dispatch::Call;
use super::jsonrpc::{RpcError, INVALID_PARAMS};
use super::model::{CompleteResult, Completion};
use super::prompts::MAX_ARGUMENT_CHARS;
use super::resource_methods::{failure, take_rate};
use crate::toolbox::{Captures, ResourceEntry, ToolContext};

fn invalid(message: impl Into<String>) -> RpcError {
    RpcError::new(INVALID_PARAMS, 400, message)
}

fn visible(call: &Call<'_>, scope: &str) -> bool {
    call.principal.has_scope(scope) && call.toolbox.grantable(scope, call.principal.role)
}

/// The values of `family`'s variables that `context.arguments` gives.
fn context_of(family: &ResourceEntry, context: Option<&Map<String, Value>>) -> Captures {
    let pairs = family
        .def
        .variables()
        .filter_map(|v| {
            let value = context?.get(v)?.as_str()?;
            (value.chars().count() <= MAX_ARGUMENT_CHARS).then(|| (v, value.to_owned()))
        })
        .collect();
    Captures::from_pairs(pairs)
}

/// `completion/complete`.
pub async fn complete(call: &Call<'_>) -> Result<CompleteResult, RpcError> {
    let reference = call
        .params
        .get("ref")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("`ref` ({\"type\": \"ref/prompt\", \"name\"} or {\"type\": \"ref/resource\", \"uri\"}) is required"))?;
    let argument = call
        .params
        .get("argument")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("`argument` ({\"name\", \"value\"}) is required"))?;
    let (Some(name), Some(value)) = (
        argument.get("name").and_then(Value::as_str),
        argument.get("value").and_then(Value::as_str),
    ) else {
        return Err(invalid(
            "`argument` needs a string `name` and a string `value`",
        ));
    };
    if value.chars().count() > MAX_ARGUMENT_CHARS {
        return Err(invalid(format!(
            "`argument.value` is longer than {MAX_ARGUMENT_CHARS} characters"
        )));
    }
    let context = call
        .params
        .get("context")
        .and_then(|c| c.get("arguments"))
        .and_then(Value::as_object);
    let family = match reference.get("type").and_then(Value::as_str) {
        Some("ref/prompt") => {
            let prompt_name = reference
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let prompt = call
                .toolbox
                .prompt(prompt_name)
                .filter(|p| visible(call, p.scope))
                .ok_or_else(|| invalid(format!("Unknown prompt: {prompt_name}")))?;
            if !prompt.arguments.iter().any(|a| a.name == name) {
                return Err(invalid(format!(
                    "Prompt `{prompt_name}` has no argument `{name}`"
                )));
            }
            take_rate(
                call,
                &format!("prompt:{prompt_name}"),
                &format!("prompt `{prompt_name}`"),
                prompt.rate,
            )
            .await?;
            call.toolbox.resource_families().find(|r| {
                visible(call, r.policy.scope)
                    && r.def.complete.is_some()
                    && r.def.variables().any(|v| v == name)
            })
        }
        Some("ref/resource") => {
            let uri = reference
                .get("uri")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let family = call
                .toolbox
                .resource_families()
                .find(|r| r.def.uri_template == uri && visible(call, r.policy.scope))
                .ok_or_else(|| invalid(format!("Unknown resource template: {uri}")))?;
            if !family.def.variables().any(|v| v == name) {
                return Err(invalid(format!(
                    "The template `{uri}` has no variable `{name}`"
                )));
            }
            let key = format!("resource:{}", family.def.name);
            let what = format!("{} resources", family.def.name);
            take_rate(call, &key, &what, family.policy.rate).await?;
            Some(family)
        }
        _ => {
            return Err(invalid(
                "`ref.type` must be \"ref/prompt\" or \"ref/resource\"",
            ))
        }
    };
    let values = match family.and_then(|f| f.def.complete.map(|c| (f, c))) {
        Some((family, complete)) => {
            let ctx = ToolContext::new(call.principal, call.platform, None, None)
                .with_config(call.config);
            let context = context_of(family, context);
            complete(&ctx, name, value, &context)
                .await
                .map_err(|e| failure(e, ""))?
        }
        None => Vec::new(),
    };
    Ok(CompleteResult {
        completion: Completion::of(values),
    })
}
