//! Dovecote: an MCP gateway between AI agents and the outside world, as one Cloudflare Worker.
//!
//! `routes` declares every route and `router` serves them (`handlers` holds what each runs);
//! `mcp` speaks the protocol; `toolbox` holds the tools' registry types and `tools` the
//! gateway's own tools; `objects` holds the Durable Object logic; `platform` is the
//! seam to the host (Workers in wasm, memory and SQLite natively).

// Lets `#[tool]`-generated `::dovecote_gateway::…` paths resolve inside this crate too.
extern crate self as dovecote_gateway;

pub mod address;
pub mod audit;
pub mod body;
pub mod channels;
pub mod config;
pub mod console;
pub mod deployment;
pub mod envprofile;
pub mod expiring;
pub mod grants;
pub mod handlers;
pub mod health;
pub mod hex;
pub mod http;
pub mod knowledge;
pub mod log;
pub mod mcp;
pub mod oauth;
pub mod objects;
pub mod origin;
pub mod platform;
pub mod ratelimit;
pub mod resources;
pub mod router;
pub mod routes;
pub mod scheduled;
pub mod sessions;
pub mod template;
pub mod toolbox;
pub mod tools;
pub mod triggers;
pub mod upstreams;
pub mod web;
pub mod webhooks;
#[cfg(target_arch = "wasm32")]
mod worker_entry;

pub use dovecote_macros::{channels, tool, toolbox, upstreams};

#[doc(hidden)]
pub mod __private {
    //! Re-exports for macro-generated code.
    pub use serde_json;
}
