//! Prompts as `tools.toml` declares them (`[prompts.<name>]`): arguments, messages as
//! templates that use `{argument}` and may embed a resource. `toolbox!` compiles them in;
//! `mcp::prompts` fills them in. `served` is the compile-time check that an embedded
//! resource's URI belongs to a resource family.

use super::Rate;
use crate::mcp::model::Role;

/// One argument of a prompt.
#[derive(Debug, Clone, Copy)]
pub struct ArgumentDecl {
    /// Its name, used as `{name}` in the messages.
    pub name: &'static str,
    /// What to pass.
    pub description: Option<&'static str>,
    /// Whether it must be given.
    pub required: bool,
}

/// What one message holds, before the arguments are filled in.
#[derive(Debug, Clone, Copy)]
pub enum MessageTemplate {
    /// Text.
    Text(&'static str),
    /// A resource, read as the caller when the prompt is got (URI template).
    Resource(&'static str),
    /// Fixed text embedded under a URI.
    Inline {
        /// URI template.
        uri: &'static str,
        /// Media type.
        mime_type: Option<&'static str>,
        /// Text template.
        text: &'static str,
    },
    /// An image (base64).
    Image {
        /// The bytes, base64-encoded.
        data: &'static str,
        /// Media type.
        mime_type: &'static str,
    },
}

/// One message.
#[derive(Debug, Clone, Copy)]
pub struct MessageDecl {
    /// Who speaks.
    pub role: Role,
    /// What it says.
    pub body: MessageTemplate,
}

/// A prompt.
#[derive(Debug, Clone, Copy)]
pub struct PromptDef {
    /// Its name.
    pub name: &'static str,
    /// A title for people.
    pub title: Option<&'static str>,
    /// What it is for.
    pub description: &'static str,
    /// The scope a caller must hold.
    pub scope: &'static str,
    /// Gets per caller.
    pub rate: Rate,
    /// Its arguments, in order.
    pub arguments: &'static [ArgumentDecl],
    /// Its messages, in order.
    pub messages: &'static [MessageDecl],
}

/// Whether one of `templates` (resource families' URI templates) serves the URIs of `embed`,
/// a prompt's URI template: the literal parts agree, and each family variable meets an
/// argument or a non-empty literal segment. `const` so `toolbox!` can check at compile time.
pub const fn served(templates: &[&str], embed: &str) -> bool {
    let mut i = 0;
    while i < templates.len() {
        if serves(templates[i].as_bytes(), embed.as_bytes()) {
            return true;
        }
        i += 1;
    }
    false
}

const fn serves(family: &[u8], embed: &[u8]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < family.len() {
        if family[i] == b'{' {
            while i < family.len() && family[i] != b'}' {
                i += 1;
            }
            i += 1;
            if j >= embed.len() {
                return false;
            }
            if embed[j] == b'{' {
                while j < embed.len() && embed[j] != b'}' {
                    j += 1;
                }
                if j >= embed.len() {
                    return false;
                }
                j += 1;
            } else {
                let start = j;
                while j < embed.len() && !matches!(embed[j], b'/' | b'?' | b'#' | b'{') {
                    j += 1;
                }
                if j == start {
                    return false;
                }
            }
        } else {
            if j >= embed.len() || embed[j] != family[i] {
                return false;
            }
            i += 1;
            j += 1;
        }
    }
    j == embed.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAMILIES: &[&str] = &[
        "github://accounts/{account}/pending",
        "github://accounts/{account}/events/{delivery_id}",
    ];

    #[test]
    fn an_embed_is_served_when_a_family_template_covers_it() {
        for ok in [
            "github://accounts/{account}/pending",
            "github://accounts/octo-org/pending",
            "github://accounts/{account}/events/{id}",
        ] {
            assert!(served(FAMILIES, ok), "{ok}");
        }
        for no in [
            "github://accounts/{account}/pendin",
            "github://accounts//pending",
            "github://accounts/{account}/pending/x",
            "gitlab://accounts/{account}/pending",
            "{uri}",
            "",
        ] {
            assert!(!served(FAMILIES, no), "{no}");
        }
        // Usable in const context, as `toolbox!` uses it.
        const { assert!(served(FAMILIES, "github://accounts/{a}/pending")) };
    }
}
