//! Knowledge-base documents as resources (`dovecote://knowledge/documents/{id}`, Markdown):
//! the caller's own documents only, listed a page at a time in id order.

use super::{page_of, Completing, Listing, Reading};
use crate::knowledge::{self, KnowledgeError, MAX_PAGE};
use crate::mcp::model::{Resource, ResourceContents};
use crate::toolbox::{Captures, Listed, ResourceDef, ResourceError, ToolContext};

const MARKDOWN: &str = "text/markdown";

/// One document of the caller's knowledge base.
pub const KNOWLEDGE_DOCUMENT: ResourceDef = ResourceDef {
    name: "knowledge_document",
    uri_template: "dovecote://knowledge/documents/{id}",
    title: "Knowledge-base document",
    description: "One document of your knowledge base (create_document adds them), as the \
                  Markdown it was stored with.",
    mime_type: MARKDOWN,
    list: Some(list_documents),
    read: read_document,
    complete: Some(complete),
    watch: None,
};

fn failed(e: KnowledgeError) -> ResourceError {
    match e {
        KnowledgeError::Refused(why) => ResourceError::Refused(why),
        KnowledgeError::Platform(e) => {
            ResourceError::Unavailable(format!("knowledge base: {}", e.0))
        }
    }
}

/// A document id as its URI writes it: a positive integer without leading zeros.
fn document_id(text: &str) -> Option<i64> {
    let id: i64 = text.parse().ok()?;
    (id > 0 && id.to_string() == text).then_some(id)
}

fn list_documents<'r>(ctx: &'r ToolContext<'_>, position: &'r str, limit: usize) -> Listing<'r> {
    Box::pin(async move {
        let after = match position {
            "" => 0,
            p => document_id(p).ok_or_else(|| {
                ResourceError::Refused("Invalid cursor: list again without one".into())
            })?,
        };
        let limit = limit.clamp(1, MAX_PAGE - 1);
        let owner = &ctx.principal().id;
        let docs = knowledge::list(ctx.platform().objects, owner, after, limit + 1)
            .await
            .map_err(failed)?;
        let (docs, next) = page_of(docs, limit, |d| d.id.to_string());
        let resources = docs
            .into_iter()
            .map(|d| Resource {
                uri: KNOWLEDGE_DOCUMENT.uri(&[&d.id.to_string()]),
                name: format!("document:{}", d.id).into(),
                title: Some(d.title.into()),
                description: None,
                mime_type: Some(MARKDOWN.into()),
            })
            .collect();
        Ok(Listed { resources, next })
    })
}

fn read_document<'r>(
    ctx: &'r ToolContext<'_>,
    uri: &'r str,
    captures: &'r Captures,
) -> Reading<'r> {
    Box::pin(async move {
        let id = captures
            .get("id")
            .and_then(document_id)
            .ok_or(ResourceError::NotFound)?;
        let owner = &ctx.principal().id;
        let doc = knowledge::read(ctx.platform().objects, owner, id)
            .await
            .map_err(failed)?
            .ok_or(ResourceError::NotFound)?;
        Ok(vec![ResourceContents::text(
            uri,
            Some(MARKDOWN.into()),
            doc.content,
        )])
    })
}

/// Completes `id` with the caller's documents whose id starts with, or whose title contains,
/// what was typed (the first page of the knowledge base).
fn complete<'r>(
    ctx: &'r ToolContext<'_>,
    variable: &'r str,
    value: &'r str,
    _: &'r Captures,
) -> Completing<'r> {
    Box::pin(async move {
        if variable != "id" {
            return Ok(Vec::new());
        }
        let owner = &ctx.principal().id;
        let docs = knowledge::list(ctx.platform().objects, owner, 0, MAX_PAGE)
            .await
            .map_err(failed)?;
        let typed = value.to_lowercase();
        Ok(docs
            .into_iter()
            .filter(|d| {
                d.id.to_string().starts_with(value) || d.title.to_lowercase().contains(&typed)
            })
            .map(|d| d.id.to_string())
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_ids_are_canonical_positive_integers() {
        assert_eq!(document_id("12"), Some(12));
        for bad in ["0", "-1", "012", "+1", "1.0", "", "x"] {
            assert_eq!(document_id(bad), None, "{bad}");
        }
    }
}
