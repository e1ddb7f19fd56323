//! What a method answers: [`ServerResult`], one of the typed results, and [`Stateless`], the
//! framing the 2026-07-28 generation puts around every result (`resultType`, `_meta`).

use serde::{Deserialize, Serialize};

use super::completion::CompleteResult;
use super::discover::{DiscoverResult, InitializeResult};
use super::input::InputRequiredResult;
use super::list::{
    ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
};
use super::meta::ResultMeta;
use super::prepared::Prepared;
use super::prompt::GetPromptResult;
use super::resource::ReadResourceResult;
use super::tool::{CallToolResult, Tool};

/// Whether a 2026-07-28 result is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultType {
    /// The request is done.
    Complete,
    /// The server needs input from the client before it can finish.
    InputRequired,
}

/// `{}`: the answer of `ping` and `logging/setLevel`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmptyResult {}

/// Any result this server sends. Serialized as the inner result alone.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ServerResult<'a> {
    /// `ping`, `logging/setLevel`.
    Empty(EmptyResult),
    /// `initialize`.
    Initialize(InitializeResult),
    /// `server/discover`.
    Discover(DiscoverResult),
    /// `tools/list`, its descriptors prepared once.
    ListTools(ListToolsResult<&'a Prepared<Tool>>),
    /// `tools/call`.
    CallTool(CallToolResult),
    /// `prompts/list`.
    ListPrompts(ListPromptsResult),
    /// `resources/list`.
    ListResources(ListResourcesResult),
    /// `resources/templates/list`.
    ListResourceTemplates(ListResourceTemplatesResult),
    /// `resources/read`.
    ReadResource(ReadResourceResult),
    /// `prompts/get`.
    GetPrompt(GetPromptResult),
    /// `completion/complete`.
    Complete(CompleteResult),
    /// In place of a result (2026-07-28): input the server needs first.
    InputRequired(InputRequiredResult),
}

impl ServerResult<'_> {
    /// Whether it is final or asks for input (its `resultType` in 2026-07-28).
    pub fn result_type(&self) -> ResultType {
        match self {
            Self::InputRequired(_) => ResultType::InputRequired,
            _ => ResultType::Complete,
        }
    }
}

/// A result as the 2026-07-28 generation sends it: the result's own fields, `resultType`,
/// and the server's `_meta`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stateless<R> {
    /// The result.
    #[serde(flatten)]
    pub result: R,
    /// Whether it is final.
    pub result_type: ResultType,
    /// Who answered.
    #[serde(rename = "_meta")]
    pub meta: ResultMeta,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::model::{CacheHints, CacheScope, Implementation};
    use serde_json::{json, to_value};

    fn meta() -> ResultMeta {
        ResultMeta {
            server_info: Implementation {
                name: "dovecote".into(),
                title: Some("Dovecote".into()),
                version: "0.1.0".into(),
            },
        }
    }

    #[test]
    fn a_server_result_is_the_bare_inner_result() {
        assert_eq!(
            to_value(ServerResult::Empty(EmptyResult {})).unwrap(),
            json!({})
        );
        assert_eq!(
            to_value(ServerResult::CallTool(CallToolResult::text("t"))).unwrap(),
            json!({"content": [{"type": "text", "text": "t"}]})
        );
    }

    #[test]
    fn the_stateless_framing_adds_result_type_and_server_info_beside_the_fields() {
        let list = ServerResult::ListPrompts(ListPromptsResult {
            prompts: vec![],
            next_cursor: None,
            cache: Some(CacheHints {
                ttl_ms: 1,
                cache_scope: CacheScope::Public,
            }),
        });
        let framed = Stateless {
            result: &list,
            result_type: ResultType::Complete,
            meta: meta(),
        };
        assert_eq!(
            to_value(&framed).unwrap(),
            json!({
                "prompts": [], "ttlMs": 1, "cacheScope": "public", "resultType": "complete",
                "_meta": {"io.modelcontextprotocol/serverInfo":
                    {"name": "dovecote", "title": "Dovecote", "version": "0.1.0"}},
            })
        );
        let empty = Stateless {
            result: ServerResult::Empty(EmptyResult {}),
            result_type: ResultType::Complete,
            meta: meta(),
        };
        assert_eq!(
            to_value(&empty).unwrap().as_object().unwrap().len(),
            2,
            "resultType and _meta only"
        );
    }
}
