//! List results (`tools/list`, `prompts/list`, `resources/list`, `resources/templates/list`):
//! one page of items, the cursor of the next, and — in 2026-07-28 — how long the page may be
//! cached and whether a shared cache may keep it.

use serde::{Deserialize, Serialize};

use super::prompt::Prompt;
use super::resource::{Resource, ResourceTemplate};
use super::tool::Tool;

/// Who may keep a cached answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheScope {
    /// Any cache: the answer is the same for every caller.
    Public,
    /// Only the caller's own cache: the answer depends on the token (filtered by scopes).
    Private,
}

/// The 2026-07-28 caching fields, required on discover and list results of that generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheHints {
    /// How long the answer stays fresh, in milliseconds.
    pub ttl_ms: u64,
    /// Who may keep it.
    pub cache_scope: CacheScope,
}

/// The result of `tools/list`. `T` is [`Tool`], or a descriptor serialized ahead of time
/// ([`super::Prepared`]) so that a page costs a copy rather than a serialization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListToolsResult<T = Tool> {
    /// This page's tools.
    pub tools: Vec<T>,
    /// The cursor of the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Caching (2026-07-28 only).
    #[serde(flatten)]
    pub cache: Option<CacheHints>,
}

/// The result of `prompts/list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPromptsResult {
    /// This page's prompts.
    pub prompts: Vec<Prompt>,
    /// The cursor of the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Caching (2026-07-28 only).
    #[serde(flatten)]
    pub cache: Option<CacheHints>,
}

/// The result of `resources/list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResourcesResult {
    /// This page's resources.
    pub resources: Vec<Resource>,
    /// The cursor of the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Caching (2026-07-28 only).
    #[serde(flatten)]
    pub cache: Option<CacheHints>,
}

/// The result of `resources/templates/list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResourceTemplatesResult {
    /// This page's templates.
    pub resource_templates: Vec<ResourceTemplate>,
    /// The cursor of the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Caching (2026-07-28 only).
    #[serde(flatten)]
    pub cache: Option<CacheHints>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, to_value};

    const HINTS: Option<CacheHints> = Some(CacheHints {
        ttl_ms: 5_000,
        cache_scope: CacheScope::Private,
    });

    #[test]
    fn a_session_era_page_has_items_and_maybe_a_cursor_only() {
        let last = ListPromptsResult {
            prompts: vec![],
            next_cursor: None,
            cache: None,
        };
        assert_eq!(to_value(&last).unwrap(), json!({"prompts": []}));
        let first = ListResourcesResult {
            resources: vec![],
            next_cursor: Some("c2".into()),
            cache: None,
        };
        assert_eq!(
            to_value(&first).unwrap(),
            json!({"resources": [], "nextCursor": "c2"})
        );
    }

    #[test]
    fn a_2026_page_carries_ttl_ms_and_cache_scope_beside_its_items() {
        let page = ListResourceTemplatesResult {
            resource_templates: vec![],
            next_cursor: None,
            cache: HINTS,
        };
        assert_eq!(
            to_value(&page).unwrap(),
            json!({"resourceTemplates": [], "ttlMs": 5_000, "cacheScope": "private"})
        );
        let tools: ListToolsResult = serde_json::from_value(json!({
            "tools": [{"name": "x", "inputSchema": {"type": "object"}}],
            "ttlMs": 5_000, "cacheScope": "private", "resultType": "complete"
        }))
        .unwrap();
        assert_eq!((tools.tools[0].name.as_ref(), tools.cache), ("x", HINTS));
        let without: ListToolsResult = serde_json::from_value(json!({"tools": []})).unwrap();
        assert_eq!(without.cache, None);
    }
}
