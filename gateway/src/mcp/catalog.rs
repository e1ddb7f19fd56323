//! The `tools/list` catalog: every enabled tool's descriptor serialized once per isolate, then
//! filtered by the caller's scopes and cut into pages with an opaque cursor. A page holds the
//! prepared descriptors themselves, so answering it copies their text.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde_json::Value;

use super::jsonrpc::{RpcError, INVALID_PARAMS};
use super::model::{Prepared, Tool, ToolAnnotations};
use crate::toolbox::{ToolEntry, Toolbox};

struct Entry {
    name: &'static str,
    scope: &'static str,
    descriptor: Prepared<Tool>,
    header_params: Vec<HeaderParam>,
}

/// An argument the client must mirror in an `Mcp-Param-<header>` request header (the
/// property carries `"x-mcp-header": "<header>"` in the tool's input schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderParam {
    /// The argument's name.
    pub property: String,
    /// The header's suffix.
    pub header: String,
}

fn header_params(input_schema: &Value) -> Vec<HeaderParam> {
    let Some(properties) = input_schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .filter_map(|(property, schema)| {
            let header = schema.get("x-mcp-header")?.as_str()?;
            Some(HeaderParam {
                property: property.clone(),
                header: header.to_owned(),
            })
        })
        .collect()
}

/// Serialized descriptors, in manifest order.
pub struct Catalog {
    entries: Vec<Entry>,
    /// Changes whenever the tool set does, so a cursor from another build is refused.
    fingerprint: u32,
}

/// One page of the list.
pub struct Page<'a> {
    /// The descriptors, serialized.
    pub tools: Vec<&'a Prepared<Tool>>,
    /// The cursor of the next page, if any.
    pub next_cursor: Option<String>,
}

/// The MCP descriptor of one tool.
pub fn descriptor(tool: &ToolEntry) -> Tool {
    let a = tool.def.annotations;
    let annotations = ToolAnnotations {
        // 2025-03-26 clients read the title from the annotations.
        title: tool.title().map(Into::into),
        read_only_hint: a.read_only,
        destructive_hint: a.destructive,
        idempotent_hint: a.idempotent,
        open_world_hint: a.open_world,
    };
    Tool {
        name: tool.def.name.into(),
        title: tool.title().map(Into::into),
        description: Some(tool.description().into()),
        input_schema: (tool.def.input_schema)(),
        output_schema: (tool.def.output_schema)(),
        annotations: Some(annotations).filter(|a| !a.is_empty()),
    }
}

fn fnv1a(bytes: &[u8], mut hash: u32) -> u32 {
    for b in bytes {
        hash = (hash ^ u32::from(*b)).wrapping_mul(0x0100_0193);
    }
    hash
}

impl Catalog {
    /// Serializes every enabled tool of `toolbox`.
    pub fn build(toolbox: &Toolbox) -> Self {
        let mut fingerprint = 0x811c_9dc5;
        let entries = toolbox
            .enabled()
            .filter_map(|tool| {
                let descriptor = descriptor(tool);
                let prepared = match Prepared::new(&descriptor) {
                    Ok(p) => p,
                    // Unreachable with schemas built as JSON values; left out rather than fatal.
                    Err(e) => {
                        crate::log::internal("tool descriptor", &e.to_string());
                        return None;
                    }
                };
                fingerprint = fnv1a(prepared.json().as_bytes(), fingerprint);
                Some(Entry {
                    name: tool.def.name,
                    scope: tool.policy.scope,
                    header_params: header_params(&descriptor.input_schema),
                    descriptor: prepared,
                })
            })
            .collect();
        Self {
            entries,
            fingerprint,
        }
    }

    /// The arguments tool `name` wants mirrored in `Mcp-Param-*` headers.
    pub fn header_params(&self, name: &str) -> &[HeaderParam] {
        self.entries
            .iter()
            .find(|e| e.name == name)
            .map_or(&[], |e| &e.header_params)
    }

    fn cursor(&self, offset: usize) -> String {
        B64.encode(format!("{:08x}:{offset}", self.fingerprint))
    }

    fn offset(&self, cursor: &str) -> Option<usize> {
        let text = String::from_utf8(B64.decode(cursor).ok()?).ok()?;
        let (fingerprint, offset) = text.split_once(':')?;
        (u32::from_str_radix(fingerprint, 16).ok()? == self.fingerprint).then_some(())?;
        offset.parse().ok()
    }

    /// The page at `cursor` of the tools whose scope `has_scope` accepts.
    pub fn page(
        &self,
        has_scope: impl Fn(&str) -> bool,
        cursor: Option<&str>,
        page_size: usize,
    ) -> Result<Page<'_>, RpcError> {
        let visible: Vec<&Prepared<Tool>> = self
            .entries
            .iter()
            .filter(|e| has_scope(e.scope))
            .map(|e| &e.descriptor)
            .collect();
        let start = match cursor {
            None => 0,
            Some(c) => match self.offset(c) {
                Some(o) if o > 0 && o < visible.len() => o,
                _ => {
                    return Err(RpcError::new(
                        INVALID_PARAMS,
                        400,
                        "Invalid cursor: use the nextCursor of the previous page, or list again without one",
                    ))
                }
            },
        };
        let end = (start + page_size.max(1)).min(visible.len());
        let next_cursor = (end < visible.len()).then(|| self.cursor(end));
        Ok(Page {
            tools: visible[start..end].to_vec(),
            next_cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::Pin;

    use serde_json::json;

    use super::*;
    use crate::toolbox::{
        Annotations, CallToolResult, Rate, RatePeriod, ToolContext, ToolDef, ToolPolicy,
    };

    fn run<'r>(
        _: &'r ToolContext<'_>,
        _: Value,
    ) -> Pin<Box<dyn Future<Output = CallToolResult> + 'r>> {
        Box::pin(async { CallToolResult::text("") })
    }

    fn entry(
        name: &'static str,
        title: Option<&'static str>,
        annotations: Annotations,
        scope: &'static str,
    ) -> ToolEntry {
        ToolEntry {
            def: ToolDef {
                name,
                description: "Does it.",
                title,
                annotations,
                input_schema: || json!({"type": "object", "properties": {"region": {"type": "string", "x-mcp-header": "Region"}}}),
                output_schema: || None,
                call: run,
            },
            policy: ToolPolicy {
                enabled: true,
                scope,
                rate: Rate {
                    count: 1,
                    period: RatePeriod::Second,
                },
                title: None,
                description: None,
            },
        }
    }

    #[test]
    fn a_descriptor_repeats_the_title_in_annotations_and_leaves_out_empty_ones() {
        let plain = entry("plain", None, Annotations::default(), "s:a");
        assert_eq!(
            serde_json::to_value(descriptor(&plain)).unwrap(),
            json!({"name": "plain", "description": "Does it.",
                "inputSchema": (plain.def.input_schema)()})
        );
        let hinted = Annotations {
            read_only: Some(true),
            ..Annotations::default()
        };
        let titled = entry("titled", Some("Titled"), hinted, "s:a");
        let d = serde_json::to_value(descriptor(&titled)).unwrap();
        assert_eq!(d["title"], "Titled");
        assert_eq!(
            d["annotations"],
            json!({"title": "Titled", "readOnlyHint": true})
        );
    }

    #[test]
    fn pages_hold_the_prepared_descriptors_of_visible_tools() {
        static TOOLS: std::sync::OnceLock<[ToolEntry; 3]> = std::sync::OnceLock::new();
        let tools = TOOLS.get_or_init(|| {
            [
                entry("a", None, Annotations::default(), "s:a"),
                entry("b", None, Annotations::default(), "s:b"),
                entry("c", None, Annotations::default(), "s:a"),
            ]
        });
        let catalog = Catalog::build(&Toolbox {
            scopes: &[],
            tools: tools.as_slice(),
            resources: &[],
            prompts: &[],
        });
        let first = catalog.page(|s| s == "s:a", None, 1).unwrap();
        assert_eq!(
            first.tools[0].json(),
            serde_json::to_string(&descriptor(&tools[0])).unwrap()
        );
        let second = catalog
            .page(|s| s == "s:a", first.next_cursor.as_deref(), 1)
            .unwrap();
        let name: Value = serde_json::from_str(second.tools[0].json()).unwrap();
        assert_eq!(
            (name["name"].as_str(), second.next_cursor),
            (Some("c"), None)
        );
        assert_eq!(
            catalog.header_params("b"),
            [HeaderParam {
                property: "region".into(),
                header: "Region".into()
            }]
        );
    }
}
