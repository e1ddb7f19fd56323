//! Resources on the wire: a resource's contents (text or base64 blob), which tools and prompts
//! embed, the descriptors `resources/list` and `resources/templates/list` return, the result
//! of `resources/read`, and the `data` of its resource-not-found error.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::list::CacheHints;

/// The contents of one resource: text, or bytes as base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ResourceContents {
    /// Text contents.
    Text(TextResourceContents),
    /// Binary contents.
    Blob(BlobResourceContents),
}

/// A resource's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextResourceContents {
    /// The resource's URI.
    pub uri: String,
    /// Its media type, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<Cow<'static, str>>,
    /// The text.
    pub text: String,
}

/// A resource's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobResourceContents {
    /// The resource's URI.
    pub uri: String,
    /// Its media type, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<Cow<'static, str>>,
    /// The bytes, base64-encoded.
    pub blob: String,
}

impl ResourceContents {
    /// Text contents of `uri`.
    pub fn text(
        uri: impl Into<String>,
        mime_type: Option<Cow<'static, str>>,
        text: impl Into<String>,
    ) -> Self {
        Self::Text(TextResourceContents {
            uri: uri.into(),
            mime_type,
            text: text.into(),
        })
    }
}

impl ResourceContents {
    /// Bytes of `uri`, already base64-encoded.
    pub fn blob(
        uri: impl Into<String>,
        mime_type: Option<Cow<'static, str>>,
        blob: impl Into<String>,
    ) -> Self {
        Self::Blob(BlobResourceContents {
            uri: uri.into(),
            mime_type,
            blob: blob.into(),
        })
    }
}

/// The result of `resources/read`: the resource's contents (one entry for every resource this
/// server has), and in 2026-07-28 how long it may be cached and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadResourceResult {
    /// The contents; never empty (a missing resource is an error, not an empty list).
    pub contents: Vec<ResourceContents>,
    /// Caching (2026-07-28 only).
    #[serde(flatten)]
    pub cache: Option<CacheHints>,
}

/// `data` of the resource-not-found error (-32602): the URI that was asked for. A resource
/// that exists but is not the caller's gets exactly the same answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceNotFoundData {
    /// The requested URI, as sent.
    pub uri: String,
}

/// A resource as `resources/list` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// Its URI.
    pub uri: String,
    /// Its name.
    pub name: Cow<'static, str>,
    /// A title for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Cow<'static, str>>,
    /// What it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Cow<'static, str>>,
    /// Its media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<Cow<'static, str>>,
}

/// A family of resources as `resources/templates/list` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceTemplate {
    /// An RFC 6570 URI template.
    pub uri_template: String,
    /// Its name.
    pub name: Cow<'static, str>,
    /// A title for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Cow<'static, str>>,
    /// What its resources hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Cow<'static, str>>,
    /// Their media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<Cow<'static, str>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, to_value};

    #[test]
    fn contents_are_text_or_blob_and_leave_out_an_unknown_media_type() {
        assert_eq!(
            to_value(ResourceContents::text("a://b", None, "t")).unwrap(),
            json!({"uri": "a://b", "text": "t"})
        );
        let blob: ResourceContents =
            serde_json::from_value(json!({"uri": "a://b", "blob": "AAE=", "size": 2})).unwrap();
        assert!(
            matches!(&blob, ResourceContents::Blob(b) if b.blob == "AAE=" && b.mime_type.is_none())
        );
        assert_eq!(
            to_value(&blob).unwrap(),
            json!({"uri": "a://b", "blob": "AAE="})
        );
    }

    #[test]
    fn a_read_result_is_its_contents_and_not_found_names_the_uri() {
        let read = ReadResourceResult {
            contents: vec![ResourceContents::blob(
                "a://b",
                Some("image/png".into()),
                "AAE=",
            )],
            cache: None,
        };
        assert_eq!(
            to_value(&read).unwrap(),
            json!({"contents": [{"uri": "a://b", "mimeType": "image/png", "blob": "AAE="}]})
        );
        let cached = ReadResourceResult {
            cache: Some(CacheHints {
                ttl_ms: 0,
                cache_scope: super::super::CacheScope::Private,
            }),
            ..read
        };
        assert_eq!(to_value(&cached).unwrap()["cacheScope"], json!("private"));
        assert_eq!(
            to_value(ResourceNotFoundData {
                uri: "a://c".into()
            })
            .unwrap(),
            json!({"uri": "a://c"})
        );
    }

    #[test]
    fn descriptors_are_camel_case_and_skip_what_is_unset() {
        let r = Resource {
            uri: "dovecote://x".into(),
            name: "x".into(),
            title: None,
            description: None,
            mime_type: Some("text/plain".into()),
        };
        assert_eq!(
            to_value(&r).unwrap(),
            json!({"uri": "dovecote://x", "name": "x", "mimeType": "text/plain"})
        );
        let t = ResourceTemplate {
            uri_template: "dovecote://{id}".into(),
            name: "t".into(),
            title: Some("T".into()),
            description: None,
            mime_type: None,
        };
        assert_eq!(
            to_value(&t).unwrap(),
            json!({"uriTemplate": "dovecote://{id}", "name": "t", "title": "T"})
        );
    }
}
