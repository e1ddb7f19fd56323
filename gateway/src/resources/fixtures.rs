//! The MCP conformance suite's fixture resources, in the conformance build only: a static
//! text and a static PNG (fixed URIs, so each lists as itself), and a template that echoes its
//! `{id}`, and `test://watched-resource`, which a client may subscribe to (it never changes).

use super::{Reading, Watching};
use crate::mcp::model::ResourceContents;
use crate::platform::Platform;
use crate::toolbox::{Captures, ResourceDef, ResourceError, ToolContext, Watcher};

/// A 1×1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

/// `test://static-text`.
pub const STATIC_TEXT: ResourceDef = ResourceDef {
    name: "static_text",
    uri_template: "test://static-text",
    title: "Static text",
    description: "A static text resource.",
    mime_type: "text/plain",
    list: None,
    read: read_text,
    complete: None,
    watch: None,
};

/// `test://static-binary`.
pub const STATIC_BINARY: ResourceDef = ResourceDef {
    name: "static_binary",
    uri_template: "test://static-binary",
    title: "Static binary",
    description: "A static PNG image.",
    mime_type: "image/png",
    list: None,
    read: read_binary,
    complete: None,
    watch: None,
};

/// `test://template/{id}/data`.
pub const TEMPLATE_DATA: ResourceDef = ResourceDef {
    name: "template_data",
    uri_template: "test://template/{id}/data",
    title: "Template data",
    description: "JSON data for any id.",
    mime_type: "application/json",
    list: None,
    read: read_template,
    complete: None,
    watch: None,
};

fn read_text<'r>(_: &'r ToolContext<'_>, uri: &'r str, _: &'r Captures) -> Reading<'r> {
    Box::pin(async move {
        Ok(vec![ResourceContents::text(
            uri,
            Some("text/plain".into()),
            "This is the content of the static text resource.",
        )])
    })
}

fn read_binary<'r>(_: &'r ToolContext<'_>, uri: &'r str, _: &'r Captures) -> Reading<'r> {
    Box::pin(async move {
        Ok(vec![ResourceContents::blob(
            uri,
            Some("image/png".into()),
            PNG,
        )])
    })
}

fn read_template<'r>(_: &'r ToolContext<'_>, uri: &'r str, c: &'r Captures) -> Reading<'r> {
    Box::pin(async move {
        let id = c.get("id").ok_or(ResourceError::NotFound)?;
        let text = serde_json::json!({"id": id, "templateTest": true, "data": format!("Data for ID: {id}")});
        Ok(vec![ResourceContents::text(
            uri,
            Some("application/json".into()),
            text.to_string(),
        )])
    })
}

/// `test://watched-resource`: the suite subscribes to it and unsubscribes again.
pub const WATCHED_RESOURCE: ResourceDef = ResourceDef {
    name: "watched_resource",
    uri_template: "test://watched-resource",
    title: "Watched resource",
    description: "A static text resource a client may subscribe to; it never changes.",
    mime_type: "text/plain",
    list: None,
    read: read_watched,
    complete: None,
    watch: Some(watch_unchanging),
};

fn read_watched<'r>(_: &'r ToolContext<'_>, uri: &'r str, _: &'r Captures) -> Reading<'r> {
    Box::pin(async move {
        Ok(vec![ResourceContents::text(
            uri,
            Some("text/plain".into()),
            "This resource is watched and never changes.",
        )])
    })
}

/// A static resource's watch: it never changes.
struct Unchanging;

#[async_trait::async_trait(?Send)]
impl Watcher for Unchanging {
    async fn changed(&mut self, _: &Platform<'_>) -> Result<bool, ResourceError> {
        Ok(false)
    }

    fn mark(&self) -> String {
        String::new()
    }
}

fn watch_unchanging<'r>(
    _: &'r ToolContext<'_>,
    _: &'r str,
    _: &'r Captures,
    _: Option<&'r str>,
) -> Watching<'r> {
    Box::pin(async { Ok(Box::new(Unchanging) as Box<dyn Watcher>) })
}
