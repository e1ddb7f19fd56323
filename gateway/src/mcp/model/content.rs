//! Content blocks: what a tool result (and, later, a prompt message) shows the model — text,
//! an image, audio, or an embedded resource — tagged by `type` on the wire.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::resource::ResourceContents;

/// One content block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// Plain text.
    Text(TextContent),
    /// An image, base64-encoded.
    Image(MediaContent),
    /// Audio, base64-encoded.
    Audio(MediaContent),
    /// A resource's contents, embedded.
    Resource(EmbeddedResource),
}

/// A `text` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextContent {
    /// The text.
    pub text: String,
}

/// An `image` or `audio` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaContent {
    /// The bytes, base64-encoded.
    pub data: String,
    /// What they are, e.g. `image/png`.
    pub mime_type: Cow<'static, str>,
}

/// A `resource` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddedResource {
    /// The resource's contents.
    pub resource: ResourceContents,
}

impl Content {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text(TextContent { text: text.into() })
    }

    /// An image block (`data` is base64).
    pub fn image(data: impl Into<String>, mime_type: impl Into<Cow<'static, str>>) -> Self {
        Self::Image(MediaContent {
            data: data.into(),
            mime_type: mime_type.into(),
        })
    }

    /// An audio block (`data` is base64).
    pub fn audio(data: impl Into<String>, mime_type: impl Into<Cow<'static, str>>) -> Self {
        Self::Audio(MediaContent {
            data: data.into(),
            mime_type: mime_type.into(),
        })
    }

    /// An embedded text resource.
    pub fn resource_text(
        uri: impl Into<String>,
        mime_type: impl Into<Cow<'static, str>>,
        text: impl Into<String>,
    ) -> Self {
        Self::Resource(EmbeddedResource {
            resource: ResourceContents::text(uri, Some(mime_type.into()), text),
        })
    }

    /// The text of a text block.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(t) => Some(&t.text),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, to_value};

    #[test]
    fn each_block_is_tagged_by_type_with_camel_case_fields() {
        assert_eq!(
            to_value(Content::text("hi")).unwrap(),
            json!({"type": "text", "text": "hi"})
        );
        assert_eq!(
            to_value(Content::image("iVBO", "image/png")).unwrap(),
            json!({"type": "image", "data": "iVBO", "mimeType": "image/png"})
        );
        assert_eq!(
            to_value(Content::audio("UklG", "audio/wav")).unwrap(),
            json!({"type": "audio", "data": "UklG", "mimeType": "audio/wav"})
        );
        assert_eq!(
            to_value(Content::resource_text("test://r", "text/plain", "body")).unwrap(),
            json!({"type": "resource",
                "resource": {"uri": "test://r", "mimeType": "text/plain", "text": "body"}})
        );
    }

    #[test]
    fn blocks_read_back_ignoring_fields_they_do_not_know() {
        let block: Content = serde_json::from_value(
            json!({"type": "text", "text": "hi", "annotations": {"priority": 1}}),
        )
        .unwrap();
        assert_eq!(block.as_text(), Some("hi"));
        let image: Content =
            serde_json::from_value(json!({"type": "image", "data": "x", "mimeType": "image/gif"}))
                .unwrap();
        assert_eq!(image, Content::image("x", "image/gif"));
        assert_eq!(image.as_text(), None);
        assert!(serde_json::from_value::<Content>(json!({"type": "hologram"})).is_err());
    }
}
