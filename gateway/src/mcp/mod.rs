//! MCP over Streamable HTTP: both the stateless 2026-07-28 protocol and the session-era 2025
//! revisions on one endpoint. Knows nothing of cookies, channels or events; tools come from
//! the `toolbox`, storage from the `platform`.

mod admit;
pub mod asking;
pub mod catalog;
pub mod completion;
pub mod dispatch;
pub mod headers;
pub mod jsonrpc;
pub mod legacy;
pub mod model;
pub mod prompts;
pub mod request_state;
pub mod resource_methods;
pub mod session;
pub mod streams;
pub mod subscriptions;
pub mod transport;
pub mod version;

pub use crate::sessions::{FeedStream, SessionStream};
pub use catalog::Catalog;
pub use transport::{handle, refuse, McpAnswer, McpServer};
pub use version::ProtocolVersion;
