//! `prompts/list` and `prompts/get` over the prompts `tools.toml` declares. A prompt is
//! visible to a caller who holds its scope (and whose role may hold it); getting one checks
//! the arguments (strings, declared, required ones present), counts its rate, fills in the
//! templates and reads each embedded resource as the caller, with the resource's own scope
//! and visibility (a prompt never shows what `resources/read` would not).

use serde_json::{Map, Value};

use super::dispatch::{cache, input_required, inputs, refuse_scope, Call};
use super::jsonrpc::{RpcError, INVALID_PARAMS};
use super::model::{
    CacheScope, Content, ElicitAction, ElicitParams, ElicitResult, EmbeddedResource, FormField,
    FormSchema, GetPromptResult, InputRequest, InputRequiredResult, ListPromptsResult, Prompt,
    PromptArgument, PromptMessage, ResourceContents, ServerResult,
};
use super::request_state::Binding;
use super::resource_methods::{cursor_param, invalid_cursor, read_as_caller, take_rate};
use crate::template::fill;
use crate::toolbox::{ArgumentDecl, MessageTemplate, PromptDef, Unanswered};

/// The longest argument value, in characters.
pub const MAX_ARGUMENT_CHARS: usize = 1000;

fn visible(call: &Call<'_>, prompt: &PromptDef) -> bool {
    call.principal.has_scope(prompt.scope)
        && call.toolbox.grantable(prompt.scope, call.principal.role)
}

/// The descriptor of `prompt`.
pub fn descriptor(prompt: &PromptDef) -> Prompt {
    Prompt {
        name: prompt.name.into(),
        title: prompt.title.map(Into::into),
        description: Some(prompt.description.into()),
        arguments: prompt
            .arguments
            .iter()
            .map(|a| PromptArgument {
                name: a.name.into(),
                description: a.description.map(Into::into),
                required: Some(a.required),
            })
            .collect(),
    }
}

/// `prompts/list`: the prompts the caller may get, one page.
pub fn list(call: &Call<'_>) -> Result<ListPromptsResult, RpcError> {
    if cursor_param(call)?.is_some() {
        return Err(invalid_cursor());
    }
    Ok(ListPromptsResult {
        prompts: call
            .toolbox
            .prompts
            .iter()
            .filter(|p| visible(call, p))
            .map(descriptor)
            .collect(),
        next_cursor: None,
        // Filtered by the token's scopes.
        cache: cache(call, CacheScope::Private),
    })
}

fn invalid(message: String) -> RpcError {
    RpcError::new(INVALID_PARAMS, 400, message)
}

/// The arguments of a get, checked against the declaration, by name.
fn arguments<'p>(
    prompt: &PromptDef,
    given: Option<&'p Value>,
) -> Result<Vec<(&'static str, &'p str)>, RpcError> {
    let given: Option<&Map<String, Value>> = match given {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m),
        Some(_) => return Err(invalid("`arguments` must be an object of strings".into())),
    };
    let name = prompt.name;
    for key in given.into_iter().flat_map(|m| m.keys()) {
        if !prompt.arguments.iter().any(|a| a.name == key) {
            let known: Vec<&str> = prompt.arguments.iter().map(|a| a.name).collect();
            return Err(invalid(format!(
                "Prompt `{name}` has no argument `{key}`; its arguments are: {}",
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    let mut out = Vec::new();
    for a in prompt.arguments {
        match given.and_then(|m| m.get(a.name)) {
            None | Some(Value::Null) if a.required => {
                return Err(invalid(format!(
                    "Prompt `{name}` needs the argument `{}`",
                    a.name
                )))
            }
            None | Some(Value::Null) => out.push((a.name, "")),
            Some(Value::String(v)) if v.chars().count() <= MAX_ARGUMENT_CHARS => {
                out.push((a.name, v.as_str()))
            }
            Some(Value::String(_)) => {
                return Err(invalid(format!(
                    "The argument `{}` is longer than {MAX_ARGUMENT_CHARS} characters",
                    a.name
                )))
            }
            Some(_) => {
                return Err(invalid(format!(
                    "The argument `{}` must be a string",
                    a.name
                )))
            }
        }
    }
    Ok(out)
}

/// What became of a get's missing required arguments.
enum Missing {
    /// The arguments, with the person's answers filled in.
    Filled(Value),
    /// The question for the person.
    Ask(InputRequiredResult),
}

/// A get whose required arguments are missing, from a 2026-07-28 client that can elicit: the
/// form that asks the person for them, or the arguments with the person's answers filled in.
/// `None` when nothing is missing or the client cannot be asked (the get then refuses).
fn ask_missing(call: &Call<'_>, prompt: &PromptDef) -> Result<Option<Missing>, RpcError> {
    let given = call.params.get("arguments");
    let has = |name: &str| {
        given
            .and_then(|g| g.get(name))
            .is_some_and(|v| !v.is_null())
    };
    let missing: Vec<&ArgumentDecl> = prompt
        .arguments
        .iter()
        .filter(|a| a.required && !has(a.name))
        .collect();
    if missing.is_empty() {
        return Ok(None);
    }
    let capabilities = call
        .params
        .get("_meta")
        .and_then(|m| m.get(super::model::meta::CLIENT_CAPABILITIES))
        .cloned();
    let target = format!("prompts/get {}", prompt.name);
    let given_value = given.cloned().unwrap_or(Value::Null);
    let binding = Binding::new(&call.principal.id, &target, &given_value);
    let inputs = inputs(call, &binding, capabilities)?;
    let mut form = FormSchema::new();
    for a in &missing {
        let field = FormField::string(a.name);
        let field = match a.description {
            Some(d) => field.describe(d),
            None => field,
        };
        form = form.field(a.name, field, true);
    }
    let request = InputRequest::Elicit(ElicitParams {
        message: format!("The prompt `{}` needs:", prompt.name),
        requested_schema: form,
    });
    match inputs.ask::<ElicitResult>("arguments", request) {
        Ok(answer) => {
            let mut filled = match given_value {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            if answer.action == ElicitAction::Accept {
                for (k, v) in answer.content.unwrap_or_default() {
                    if missing.iter().any(|a| a.name == k) {
                        filled.insert(k, v);
                    }
                }
            }
            Ok(Some(Missing::Filled(Value::Object(filled))))
        }
        Err(Unanswered::CannotAsk { .. }) => Ok(None),
        Err(Unanswered::Asked) => Ok(input_required(call, &binding, &inputs).map(Missing::Ask)),
    }
}

/// `prompts/get`; a 2026-07-28 client that can elicit is asked for missing arguments.
pub async fn get<'a>(call: &Call<'a>) -> Result<ServerResult<'a>, RpcError> {
    let Some(name) = call.params.get("name").and_then(Value::as_str) else {
        return Err(invalid("`name` (the prompt to get) is required".into()));
    };
    let prompt = call
        .toolbox
        .prompt(name)
        .ok_or_else(|| invalid(format!("Unknown prompt: {name}")))?;
    if !visible(call, prompt) {
        let what = format!("Prompt `{name}`");
        return Err(refuse_scope(call, &what, name, prompt.scope).await);
    }
    let asked = match ask_missing(call, prompt)? {
        Some(Missing::Ask(asking)) => return Ok(ServerResult::InputRequired(asking)),
        Some(Missing::Filled(filled)) => Some(filled),
        None => None,
    };
    let given = asked.as_ref().or(call.params.get("arguments"));
    let values = arguments(prompt, given)?;
    take_rate(
        call,
        &format!("prompt:{name}"),
        &format!("prompt `{name}`"),
        prompt.rate,
    )
    .await?;
    let mut messages = Vec::new();
    for m in prompt.messages {
        let role = m.role;
        match m.body {
            MessageTemplate::Text(t) => messages.push(PromptMessage {
                role,
                content: Content::text(fill(t, &values)),
            }),
            MessageTemplate::Image { data, mime_type } => messages.push(PromptMessage {
                role,
                content: Content::image(data, mime_type),
            }),
            MessageTemplate::Inline {
                uri,
                mime_type,
                text,
            } => messages.push(PromptMessage {
                role,
                content: Content::Resource(EmbeddedResource {
                    resource: ResourceContents::text(
                        fill(uri, &values),
                        mime_type.map(Into::into),
                        fill(text, &values),
                    ),
                }),
            }),
            MessageTemplate::Resource(uri) => {
                let uri = fill(uri, &values);
                for resource in read_as_caller(call, &uri, false).await? {
                    messages.push(PromptMessage {
                        role,
                        content: Content::Resource(EmbeddedResource { resource }),
                    });
                }
            }
        }
    }
    Ok(ServerResult::GetPrompt(GetPromptResult {
        description: Some(prompt.description.into()),
        messages,
    }))
}
