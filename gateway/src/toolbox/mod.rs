//! The tool registry: the types `#[tool]` and `toolbox!` generate, and what the MCP core
//! calls to describe and run a tool or read a resource family. Everything here can also be written by hand.

mod args;
mod ask;
mod context;
mod def;
mod policy;
mod prompt;
mod resource;
mod result;

pub use crate::mcp::model::Notification;
pub use args::{empty_input_schema, input_schema, parse_args, schema_of};
pub use ask::{Inputs, Unanswered};
pub use context::{GitHubAccess, Principal, Reach, Role, TenantAccess, ToolContext};
pub use def::{Annotations, CallFn, ToolDef};
pub use policy::{Rate, RatePeriod, ScopeDecl, ScopeGrant, ToolEntry, ToolPolicy, Toolbox};
pub use prompt::{served, ArgumentDecl, MessageDecl, MessageTemplate, PromptDef};
pub use resource::{
    Captures, CompleteFn, ListFn, Listed, ReadFn, ResourceDef, ResourceEntry, ResourceError,
    ResourcePolicy, WatchFn, Watcher,
};
pub use result::{CallToolResult, Content, IntoCallToolResult, IntoToolOutput, ToolError};
