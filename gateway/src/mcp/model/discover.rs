//! What the server says about itself: its name and version, its capabilities, and the two
//! results that carry them — `server/discover` (2026-07-28) and `initialize` (the session era).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::list::CacheHints;

/// A program's name and version (`serverInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Implementation {
    /// Machine name.
    pub name: Cow<'static, str>,
    /// Name for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Cow<'static, str>>,
    /// Version.
    pub version: Cow<'static, str>,
}

/// What the server offers. A capability present with no options serializes as `{}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerCapabilities {
    /// `tools/list` and `tools/call`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<ListCapability>,
    /// `prompts/list` and `prompts/get`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompts: Option<ListCapability>,
    /// `resources/list`, `resources/read` and templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourcesCapability>,
    /// `logging/setLevel` (session era only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<EmptyObject>,
    /// `completion/complete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completions: Option<EmptyObject>,
}

/// Options of a capability that lists things.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListCapability {
    /// The server notifies when the list changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_changed: Option<bool>,
}

/// Options of the resources capability.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcesCapability {
    /// Clients may subscribe to a resource's changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribe: Option<bool>,
    /// The server notifies when the list changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_changed: Option<bool>,
}

/// `{}`: a capability with no options, or a result with no fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmptyObject {}

/// The result of `server/discover` (2026-07-28); `resultType` and `_meta` come from the
/// stateless framing, like every result of that generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoverResult {
    /// Every revision the server speaks, newest first.
    pub supported_versions: Vec<Cow<'static, str>>,
    /// What it offers.
    pub capabilities: ServerCapabilities,
    /// How to use it, for the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<Cow<'static, str>>,
    /// How long the answer may be cached, and by whom.
    #[serde(flatten)]
    pub cache: CacheHints,
}

/// The result of `initialize` (session era).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResult {
    /// The revision the session will speak.
    pub protocol_version: Cow<'static, str>,
    /// What the server offers.
    pub capabilities: ServerCapabilities,
    /// Who the server is.
    pub server_info: Implementation,
    /// How to use it, for the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<Cow<'static, str>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::model::CacheScope;
    use serde_json::{json, to_value};

    fn caps() -> ServerCapabilities {
        ServerCapabilities {
            tools: Some(ListCapability::default()),
            resources: Some(ResourcesCapability::default()),
            ..ServerCapabilities::default()
        }
    }

    #[test]
    fn capabilities_without_options_are_empty_objects_and_absent_ones_are_left_out() {
        assert_eq!(
            to_value(caps()).unwrap(),
            json!({"tools": {}, "resources": {}})
        );
        let listed = ServerCapabilities {
            prompts: Some(ListCapability {
                list_changed: Some(true),
            }),
            logging: Some(EmptyObject {}),
            ..ServerCapabilities::default()
        };
        assert_eq!(
            to_value(listed).unwrap(),
            json!({"prompts": {"listChanged": true}, "logging": {}})
        );
    }

    #[test]
    fn discover_carries_versions_capabilities_and_cache_hints_at_the_top() {
        let d = DiscoverResult {
            supported_versions: vec!["2026-07-28".into()],
            capabilities: caps(),
            instructions: None,
            cache: CacheHints {
                ttl_ms: 60_000,
                cache_scope: CacheScope::Public,
            },
        };
        assert_eq!(
            to_value(&d).unwrap(),
            json!({"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}, "resources": {}},
                "ttlMs": 60_000, "cacheScope": "public"})
        );
        let back: DiscoverResult = serde_json::from_value(json!({
            "supportedVersions": [], "capabilities": {"experimental": {}}, "ttlMs": 0,
            "cacheScope": "private", "resultType": "complete", "_meta": {}
        }))
        .unwrap();
        assert_eq!(back.cache.cache_scope, CacheScope::Private);
    }

    #[test]
    fn initialize_names_the_version_and_the_server() {
        let i = InitializeResult {
            protocol_version: "2025-06-18".into(),
            capabilities: ServerCapabilities::default(),
            server_info: Implementation {
                name: "dovecote".into(),
                title: None,
                version: "1.0.0".into(),
            },
            instructions: Some("Call tools/list.".into()),
        };
        assert_eq!(
            to_value(&i).unwrap(),
            json!({"protocolVersion": "2025-06-18", "capabilities": {},
                "serverInfo": {"name": "dovecote", "version": "1.0.0"},
                "instructions": "Call tools/list."})
        );
    }
}
