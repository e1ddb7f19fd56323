//! `prompts/list` and `prompts/get` over the prompts `tools.toml` declares. A prompt is
//! visible to a caller who holds its scope (and whose role may hold it); getting one checks
//! the arguments (strings, declared, required ones present), counts its rate, fills in the
//! templates and reads each embedded resource as the caller, with the resource's own scope
//! and visibility (a prompt never shows what `resources/read` would not).

use serde_json::{Map, Value};

use super::dispatch::{cache, refuse_scope, Call};
use super::jsonrpc::{RpcError, INVALID_PARAMS};
use super::model::{
    CacheScope, Content, EmbeddedResource, GetPromptResult, ListPromptsResult, Prompt,
    PromptArgument, PromptMessage, ResourceContents,
};
use super::resource_methods::{cursor_param, invalid_cursor, read_as_caller, take_rate};
use crate::toolbox::{MessageTemplate, PromptDef};

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

/// `template` with each declared `{argument}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (close, *v))
        });
        match value {
            Some((close, v)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `prompts/get`.
pub async fn get(call: &Call<'_>) -> Result<GetPromptResult, RpcError> {
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
    let values = arguments(prompt, call.params.get("arguments"))?;
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
    Ok(GetPromptResult {
        description: Some(prompt.description.into()),
        messages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_declared_arguments_and_keeps_other_braces() {
        let values = [("account", "octo"), ("n", "3")];
        assert_eq!(
            fill("github://accounts/{account}/pending", &values),
            "github://accounts/octo/pending"
        );
        assert_eq!(
            fill("{n} of {other} {{n}} {", &values),
            "3 of {other} {3} {"
        );
        assert_eq!(fill("no braces", &[]), "no braces");
    }
}
