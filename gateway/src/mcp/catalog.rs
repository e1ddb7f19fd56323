//! The `tools/list` catalog: every enabled tool's descriptor serialized once per isolate, then
//! filtered by the caller's scopes and cut into pages with an opaque cursor.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde_json::{json, Map, Value};

use super::jsonrpc::{RpcError, INVALID_PARAMS};
use crate::toolbox::{ToolEntry, Toolbox};

struct Entry {
    name: &'static str,
    scope: &'static str,
    json: String,
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
    /// Descriptor JSON texts.
    pub tools: Vec<&'a str>,
    /// The cursor of the next page, if any.
    pub next_cursor: Option<String>,
}

/// The MCP descriptor of one tool.
pub fn descriptor(tool: &ToolEntry) -> Value {
    let mut d = Map::new();
    d.insert("name".into(), json!(tool.def.name));
    if let Some(title) = tool.title() {
        d.insert("title".into(), json!(title));
    }
    d.insert("description".into(), json!(tool.description()));
    d.insert("inputSchema".into(), (tool.def.input_schema)());
    if let Some(output) = (tool.def.output_schema)() {
        d.insert("outputSchema".into(), output);
    }
    let a = tool.def.annotations;
    let mut annotations = Map::new();
    // 2025-03-26 clients read the title from the annotations.
    if let Some(title) = tool.title() {
        annotations.insert("title".into(), json!(title));
    }
    for (key, hint) in [
        ("readOnlyHint", a.read_only),
        ("destructiveHint", a.destructive),
        ("idempotentHint", a.idempotent),
        ("openWorldHint", a.open_world),
    ] {
        if let Some(hint) = hint {
            annotations.insert(key.into(), json!(hint));
        }
    }
    if !annotations.is_empty() {
        d.insert("annotations".into(), Value::Object(annotations));
    }
    Value::Object(d)
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
            .map(|tool| {
                let descriptor = descriptor(tool);
                let json = descriptor.to_string();
                fingerprint = fnv1a(json.as_bytes(), fingerprint);
                Entry {
                    name: tool.def.name,
                    scope: tool.policy.scope,
                    json,
                    header_params: header_params(&descriptor["inputSchema"]),
                }
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
        let visible: Vec<&str> = self
            .entries
            .iter()
            .filter(|e| has_scope(e.scope))
            .map(|e| e.json.as_str())
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
