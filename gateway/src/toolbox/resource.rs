//! Resource families: what the code declares about one kind of resource (its URI template,
//! name, media type, how to list and read it) and what `tools.toml` says about it (scope,
//! rate). `toolbox!` joins the two, as it does for tools; `mcp::resources` serves them.

use std::future::Future;
use std::pin::Pin;

use super::{Rate, ToolContext};
use crate::mcp::model::{Resource, ResourceContents};
use crate::platform::Platform;

/// The values a URI matched its family's template with, by variable name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captures(Vec<(&'static str, String)>);

impl Captures {
    /// Captures from `(name, value)` pairs (a completion's context).
    pub fn from_pairs(pairs: Vec<(&'static str, String)>) -> Self {
        Self(pairs)
    }

    /// The value of `{name}`, if the template has it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a resource could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceError {
    /// No such resource, or not the caller's: the two are never told apart.
    NotFound,
    /// The resource exists for the caller but cannot be sent this way; the text says why and
    /// what to do instead.
    Refused(String),
    /// Storage failed (internal; the client is told to retry).
    Unavailable(String),
}

/// One page of a family's listed resources.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listed {
    /// The resources, in the family's order.
    pub resources: Vec<Resource>,
    /// Where the next page starts within the family, when there is more.
    pub next: Option<String>,
}

/// Reads one resource of a family: its contents, from the URI's captures.
pub type ReadFn = for<'r> fn(
    &'r ToolContext<'_>,
    &'r str,
    &'r Captures,
) -> Pin<
    Box<dyn Future<Output = Result<Vec<ResourceContents>, ResourceError>> + 'r>,
>;

/// Lists at most `limit` of a family's resources the caller may read, from a position the
/// family gave in an earlier page (`""` for the first).
pub type ListFn = for<'r> fn(
    &'r ToolContext<'_>,
    &'r str,
    usize,
) -> Pin<Box<dyn Future<Output = Result<Listed, ResourceError>> + 'r>>;

/// Suggests values for `variable` of a family's template that start like `value` (or match it
/// otherwise, e.g. a document's title), only among what the caller may read; `context` holds
/// the values of the other variables the client already knows.
pub type CompleteFn =
    for<'r> fn(
        &'r ToolContext<'_>,
        &'r str,
        &'r str,
        &'r Captures,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<String>, ResourceError>> + 'r>>;

/// Follows one resource for a subscriber: whether it changed since the last call (or since
/// the watch began). Held by a stream between polls, so it keeps what it needs (where the
/// resource was) and is given the platform anew each time.
#[async_trait::async_trait(?Send)]
pub trait Watcher {
    /// Whether the resource changed (as the subscriber sees it) since the last call.
    async fn changed(&mut self, platform: &Platform<'_>) -> Result<bool, ResourceError>;

    /// Where the watch is, as text a later watch can start from (a session stores it with
    /// the subscription, so its stream misses nothing that came in between).
    fn mark(&self) -> String;
}

/// Starts watching one resource of a family for the caller, from a `mark` an earlier watch
/// gave, else from now: not found when the caller may not read it, as `read` says.
pub type WatchFn =
    for<'r> fn(
        &'r ToolContext<'_>,
        &'r str,
        &'r Captures,
        Option<&'r str>,
    ) -> Pin<Box<dyn Future<Output = Result<Box<dyn Watcher>, ResourceError>> + 'r>>;

/// One family as its code declares it.
#[derive(Clone, Copy)]
pub struct ResourceDef {
    /// The name `tools.toml` knows it by (`[resources.<name>]`).
    pub name: &'static str,
    /// A level-1 RFC 6570 template: literal text and `{variable}`s, each matching one
    /// non-empty path segment (no `/`, `?` or `#`).
    pub uri_template: &'static str,
    /// A title for people.
    pub title: &'static str,
    /// What its resources hold, for the model.
    pub description: &'static str,
    /// Their media type.
    pub mime_type: &'static str,
    /// Lists the caller's resources of this family; `None` for a family reached only
    /// through its template (one resource per event would not list in constant time). A
    /// family whose template has no variable is one resource and lists as itself.
    pub list: Option<ListFn>,
    /// Reads one.
    pub read: ReadFn,
    /// Completes its template's variables; `None` offers no suggestions.
    pub complete: Option<CompleteFn>,
    /// Watches one resource for changes; `None` for a family whose resources send no
    /// updates (a subscription to one is refused).
    pub watch: Option<WatchFn>,
}

impl std::fmt::Debug for ResourceDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceDef")
            .field("name", &self.name)
            .field("uri_template", &self.uri_template)
            .finish_non_exhaustive()
    }
}

impl ResourceDef {
    /// The captures of `uri` when it belongs to this family.
    pub fn matches(&self, uri: &str) -> Option<Captures> {
        let mut rest = uri;
        let mut captures = Vec::new();
        let mut template = self.uri_template;
        loop {
            let Some(open) = template.find('{') else {
                return (rest == template).then_some(Captures(captures));
            };
            let literal = &template[..open];
            rest = rest.strip_prefix(literal)?;
            let close = open + template[open..].find('}')?;
            let name = &template[open + 1..close];
            template = &template[close + 1..];
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            captures.push((name, rest[..end].to_owned()));
            rest = &rest[end..];
        }
    }

    /// The URI of this family's resource with `values` for its variables, in template order.
    pub fn uri(&self, values: &[&str]) -> String {
        let mut out = String::new();
        let mut template = self.uri_template;
        let mut values = values.iter();
        while let Some(open) = template.find('{') {
            out.push_str(&template[..open]);
            out.push_str(values.next().copied().unwrap_or_default());
            let close = template[open..]
                .find('}')
                .map_or(template.len(), |c| open + c + 1);
            template = &template[close..];
        }
        out.push_str(template);
        out
    }

    /// Whether the template is one fixed URI.
    pub fn is_fixed(&self) -> bool {
        !self.uri_template.contains('{')
    }

    /// The variable names of the template, in order.
    pub fn variables(&self) -> impl Iterator<Item = &'static str> {
        let template: &'static str = self.uri_template;
        template
            .split('{')
            .skip(1)
            .filter_map(|part| part.split_once('}').map(|(name, _)| name))
    }
}

/// A family's entry in `tools.toml`.
#[derive(Debug, Clone, Copy)]
pub struct ResourcePolicy {
    /// Whether the family is listed and readable.
    pub enabled: bool,
    /// The scope a caller must hold.
    pub scope: &'static str,
    /// Reads per caller.
    pub rate: Rate,
}

/// A resource family: its code and its policy.
#[derive(Debug, Clone, Copy)]
pub struct ResourceEntry {
    /// What the code declares.
    pub def: ResourceDef,
    /// What `tools.toml` declares.
    pub policy: ResourcePolicy,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<'r>(
        _: &'r ToolContext<'_>,
        _: &'r str,
        _: &'r Captures,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<ResourceContents>, ResourceError>> + 'r>> {
        Box::pin(async { Err(ResourceError::NotFound) })
    }

    const EVENT: ResourceDef = ResourceDef {
        name: "event",
        uri_template: "github://accounts/{account}/events/{delivery_id}",
        title: "Event",
        description: "One event.",
        mime_type: "application/json",
        list: None,
        read,
        complete: None,
        watch: None,
    };

    #[test]
    fn a_template_captures_one_segment_per_variable_and_nothing_else() {
        let c = EVENT
            .matches("github://accounts/octo/events/72d3-cc78")
            .unwrap();
        assert_eq!(
            (c.get("account"), c.get("delivery_id"), c.get("x")),
            (Some("octo"), Some("72d3-cc78"), None)
        );
        for other in [
            "github://accounts/octo/events/",
            "github://accounts//events/1",
            "github://accounts/a/b/events/1",
            "github://accounts/octo/events/1/more",
            "github://accounts/octo/events/1?x",
            "github://accounts/octo/pending",
            "gitlab://accounts/octo/events/1",
        ] {
            assert_eq!(EVENT.matches(other), None, "{other}");
        }
    }

    #[test]
    fn a_uri_is_built_from_values_in_template_order() {
        assert_eq!(
            EVENT.uri(&["octo", "d-1"]),
            "github://accounts/octo/events/d-1"
        );
        assert_eq!(
            EVENT.variables().collect::<Vec<_>>(),
            ["account", "delivery_id"]
        );
        let fixed = ResourceDef {
            uri_template: "test://static-text",
            ..EVENT
        };
        assert!(fixed.matches("test://static-text").is_some());
        assert_eq!(fixed.uri(&[]), "test://static-text");
        assert_eq!(fixed.variables().count(), 0);
    }
}
