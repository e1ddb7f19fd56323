//! The gateway's resource families, declared in `tools.toml` (`[resources.<family>]`: scope,
//! rate) and listed in `toolbox!` beside the tools: GitHub events and each account's pending
//! summary (`events`), knowledge-base documents (`knowledge`), notification channels
//! (`channels`, operators only), and the conformance suite's fixtures. Like tools, they sit
//! above `webhooks`, `knowledge` and `channels` and reach them through their public functions.

pub mod channels;
pub mod events;
#[cfg(feature = "conformance")]
pub mod fixtures;
pub mod knowledge;

use std::future::Future;
use std::pin::Pin;

use crate::mcp::model::ResourceContents;
use crate::toolbox::{Listed, ResourceError};

/// What a family's read fn returns.
pub type Reading<'r> =
    Pin<Box<dyn Future<Output = Result<Vec<ResourceContents>, ResourceError>> + 'r>>;
/// What a family's complete fn returns.
pub type Completing<'r> = Pin<Box<dyn Future<Output = Result<Vec<String>, ResourceError>> + 'r>>;
/// What a family's watch fn returns.
pub type Watching<'r> =
    Pin<Box<dyn Future<Output = Result<Box<dyn crate::toolbox::Watcher>, ResourceError>> + 'r>>;
/// What a family's list fn returns.
pub type Listing<'r> = Pin<Box<dyn Future<Output = Result<Listed, ResourceError>> + 'r>>;

/// The position after `index` in a list a family pages by index (`""` is the start).
pub(crate) fn index_position(position: &str) -> Result<usize, ResourceError> {
    if position.is_empty() {
        return Ok(0);
    }
    position
        .parse()
        .map_err(|_| ResourceError::Refused("Invalid cursor: list again without one".into()))
}

/// Cuts `items` (already after the position) to `limit`, saying where the next page starts.
pub(crate) fn page_of<T>(
    mut items: Vec<T>,
    limit: usize,
    next: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    if items.len() <= limit {
        return (items, None);
    }
    items.truncate(limit);
    let next = items.last().map(next);
    (items, next)
}
