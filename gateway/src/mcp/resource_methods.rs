//! `resources/list`, `resources/templates/list` and `resources/read` over the toolbox's
//! resource families. A family is visible to a caller who holds its scope (and whose role may
//! hold it), as a tool is; a read is rate-limited per caller and family; a URI no family
//! matches, a missing resource and another caller's resource all get the same
//! resource-not-found error. Lists are private to the caller (`cacheScope: private`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde_json::Value;

use super::dispatch::{cache, refuse_scope, Call};
use super::jsonrpc::{RpcError, INTERNAL_ERROR, INVALID_PARAMS, RATE_LIMITED};
use super::model::{
    CacheHints, CacheScope, ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult,
    Resource, ResourceContents, ResourceNotFoundData, ResourceTemplate,
};
use crate::ratelimit::Decision;
use crate::toolbox::{
    Captures, Principal, Rate, ResourceEntry, ResourceError, ToolContext, Toolbox,
};

/// The longest URI `resources/read` looks at; longer ones are not found.
pub const MAX_URI_LEN: usize = 2048;

pub(super) fn invalid_cursor() -> RpcError {
    RpcError::new(
        INVALID_PARAMS,
        400,
        "Invalid cursor: use the nextCursor of the previous page, or list again without one",
    )
}

/// `cursor` of a list request: absent, or a string.
pub(super) fn cursor_param<'p>(call: &Call<'p>) -> Result<Option<&'p str>, RpcError> {
    match call.params.get("cursor") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(c)) => Ok(Some(c.as_str())),
        Some(_) => Err(RpcError::new(
            INVALID_PARAMS,
            400,
            "`cursor` must be a string",
        )),
    }
}

/// The enabled families `principal` may use, in manifest order.
pub(super) fn families<'a>(
    toolbox: &'a Toolbox,
    principal: &'a Principal,
) -> impl Iterator<Item = &'static ResourceEntry> + 'a {
    toolbox.resource_families().filter(|r| {
        let scope = r.policy.scope;
        principal.has_scope(scope) && toolbox.grantable(scope, principal.role)
    })
}

/// The enabled families the caller may use, in manifest order.
fn visible<'a>(call: &'a Call<'_>) -> impl Iterator<Item = &'static ResourceEntry> + 'a {
    families(call.toolbox, call.principal)
}

fn context<'a>(call: &'a Call<'a>) -> ToolContext<'a> {
    ToolContext::new(call.principal, call.platform, None, None).with_config(call.config)
}

fn encode_cursor(family: &str, position: &str) -> String {
    B64.encode(format!("{family}\n{position}"))
}

fn decode_cursor(cursor: &str) -> Option<(String, String)> {
    let text = String::from_utf8(B64.decode(cursor).ok()?).ok()?;
    let (family, position) = text.split_once('\n')?;
    Some((family.to_owned(), position.to_owned()))
}

pub(super) fn failure(e: ResourceError, uri: &str) -> RpcError {
    match e {
        ResourceError::NotFound => not_found(uri),
        ResourceError::Refused(why) => RpcError::new(INVALID_PARAMS, 400, why),
        ResourceError::Unavailable(why) => {
            crate::log::internal("resources", &why);
            RpcError::new(
                INTERNAL_ERROR,
                503,
                "The gateway could not read its storage just now; retry in a few seconds",
            )
        }
    }
}

/// The spec's resource-not-found error, naming the URI.
pub fn not_found(uri: &str) -> RpcError {
    RpcError::new(INVALID_PARAMS, 400, "Resource not found").with_data(ResourceNotFoundData {
        uri: uri.to_owned(),
    })
}

/// `resources/list`: fixed resources and each family's listed entry points, never one
/// resource per event; pages follow families in manifest order.
pub async fn list(call: &Call<'_>) -> Result<ListResourcesResult, RpcError> {
    let page_size = call.config.tools_page_size.max(1);
    let families: Vec<&ResourceEntry> = visible(call)
        .filter(|r| r.def.is_fixed() || r.def.list.is_some())
        .collect();
    let (mut index, mut position) = match cursor_param(call)? {
        None => (0, String::new()),
        Some(c) => {
            let (family, position) = decode_cursor(c).ok_or_else(invalid_cursor)?;
            let index = families
                .iter()
                .position(|r| r.def.name == family)
                .ok_or_else(invalid_cursor)?;
            (index, position)
        }
    };
    let ctx = context(call);
    let mut resources: Vec<Resource> = Vec::new();
    let mut next_cursor = None;
    while let Some(family) = families.get(index) {
        let room = page_size - resources.len();
        if room == 0 {
            next_cursor = Some(encode_cursor(family.def.name, ""));
            break;
        }
        let def = &family.def;
        match def.list {
            Some(list) => {
                let listed = list(&ctx, &position, room).await.map_err(|e| match e {
                    ResourceError::Refused(_) => invalid_cursor(),
                    other => failure(other, ""),
                })?;
                resources.extend(listed.resources);
                if let Some(next) = listed.next {
                    next_cursor = Some(encode_cursor(def.name, &next));
                    break;
                }
            }
            None if position.is_empty() => resources.push(Resource {
                uri: def.uri_template.into(),
                name: def.name.into(),
                title: Some(def.title.into()),
                description: Some(def.description.into()),
                mime_type: Some(def.mime_type.into()),
            }),
            None => return Err(invalid_cursor()),
        }
        index += 1;
        position.clear();
    }
    Ok(ListResourcesResult {
        resources,
        next_cursor,
        // Filtered by the token's scopes, and each caller's own accounts and documents.
        cache: cache(call, CacheScope::Private),
    })
}

/// `resources/templates/list`: the families with variables the caller may read, one page.
pub fn templates(call: &Call<'_>) -> Result<ListResourceTemplatesResult, RpcError> {
    if cursor_param(call)?.is_some() {
        return Err(invalid_cursor());
    }
    let resource_templates = visible(call)
        .filter(|r| !r.def.is_fixed())
        .map(|r| ResourceTemplate {
            uri_template: r.def.uri_template.into(),
            name: r.def.name.into(),
            title: Some(r.def.title.into()),
            description: Some(r.def.description.into()),
            mime_type: Some(r.def.mime_type.into()),
        })
        .collect();
    Ok(ListResourceTemplatesResult {
        resource_templates,
        next_cursor: None,
        cache: cache(call, CacheScope::Private),
    })
}

/// `resources/read`: the family whose template matches, its scope, its rate, then its read.
pub async fn read(call: &Call<'_>) -> Result<ReadResourceResult, RpcError> {
    let Some(uri) = call.params.get("uri").and_then(Value::as_str) else {
        return Err(RpcError::new(
            INVALID_PARAMS,
            400,
            "`uri` (the resource to read) is required",
        ));
    };
    let contents = read_as_caller(call, uri, true).await?;
    Ok(ReadResourceResult {
        contents,
        // Another caller may not read it; a pending summary changes with every delivery, so
        // it is fresh only now.
        cache: (!call.version.is_session_era()).then_some(CacheHints {
            ttl_ms: 0,
            cache_scope: CacheScope::Private,
        }),
    })
}

/// The contents of `uri` as the caller may read them: the family's scope is checked, its
/// rate counted when `count_rate` (a prompt embedding the resource counts its own rate).
pub async fn read_as_caller(
    call: &Call<'_>,
    uri: &str,
    count_rate: bool,
) -> Result<Vec<ResourceContents>, RpcError> {
    let (family, captures) = family_of(call.toolbox.resource_families(), uri)?;
    let scope = family.policy.scope;
    if !call.principal.has_scope(scope) || !call.toolbox.grantable(scope, call.principal.role) {
        let what = format!("Resource `{uri}`");
        return Err(refuse_scope(call, &what, family.def.name, scope).await);
    }
    if count_rate {
        let key = format!("resource:{}", family.def.name);
        let what = format!("{} resources", family.def.name);
        take_rate(call, &key, &what, family.policy.rate).await?;
    }
    let ctx = context(call);
    let contents = (family.def.read)(&ctx, uri, &captures)
        .await
        .map_err(|e| failure(e, uri))?;
    if contents.is_empty() {
        return Err(not_found(uri));
    }
    Ok(contents)
}

/// The family among `families` whose template `uri` matches, with the captures; the
/// resource-not-found error when none does (or the URI is longer than any served).
pub(super) fn family_of(
    mut families: impl Iterator<Item = &'static ResourceEntry>,
    uri: &str,
) -> Result<(&'static ResourceEntry, Captures), RpcError> {
    if uri.len() > MAX_URI_LEN {
        return Err(not_found(
            &uri.chars().take(MAX_URI_LEN).collect::<String>(),
        ));
    }
    families
        .find_map(|r| r.def.matches(uri).map(|c| (r, c)))
        .ok_or_else(|| not_found(uri))
}

/// Counts one use of `key` against `rate` for the caller; over it, the rate-limit error.
pub(super) async fn take_rate(
    call: &Call<'_>,
    key: &str,
    what: &str,
    rate: Rate,
) -> Result<(), RpcError> {
    match call.take_rate_unit(key, rate).await {
        Ok(Decision::Allowed) => Ok(()),
        Ok(Decision::Limited { retry_after_ms }) => Err(RpcError::new(
            RATE_LIMITED,
            429,
            format!(
                "Rate limit reached for {what}: {} per {}. Retry in {}.",
                rate.count,
                rate.period.name(),
                super::dispatch::retry_text(retry_after_ms)
            ),
        )),
        Err(e) => Err(failure(ResourceError::Unavailable(e.0), "")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_name_a_family_and_a_position_and_refuse_garbage() {
        let c = encode_cursor("knowledge_document", "42");
        assert_eq!(
            decode_cursor(&c),
            Some(("knowledge_document".into(), "42".into()))
        );
        assert_eq!(decode_cursor("%%%"), None);
        assert_eq!(decode_cursor(&B64.encode("no newline")), None);
    }

    #[test]
    fn not_found_is_invalid_params_with_the_uri() {
        let e = not_found("github://accounts/x/events/y");
        assert_eq!(e.code, INVALID_PARAMS);
        assert_eq!(e.message, "Resource not found");
        assert_eq!(
            e.data,
            Some(serde_json::json!({"uri": "github://accounts/x/events/y"}))
        );
    }
}
