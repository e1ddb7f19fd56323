//! The MCP wire model: serde types for what `/mcp` sends — tool descriptors, call results and
//! their content blocks, list results with caching hints, `server/discover` and `initialize`,
//! notifications, errors. Field names are camelCase, unset optional fields are left out, and
//! fields a type does not know are ignored when it is read.
//!
//! This module is a leaf: it imports nothing else of the crate, so the toolbox, the tools and
//! the protocol core can all build these values. One file per family.

mod completion;
mod content;
mod discover;
mod error;
mod input;
mod list;
pub mod meta;
mod notification;
mod prepared;
mod prompt;
mod resource;
mod result;
mod subscription;
mod tool;

pub use completion::{CompleteResult, Completion, MAX_COMPLETION_VALUES};
pub use content::{Content, EmbeddedResource, MediaContent, TextContent};
pub use discover::{
    DiscoverResult, EmptyObject, Implementation, InitializeResult, ListCapability,
    ResourcesCapability, ServerCapabilities,
};
pub use error::{ErrorObject, MissingCapabilityData, UnsupportedVersionData};
pub use input::{
    Choice, ChoiceItems, ElicitAction, ElicitParams, ElicitResult, FormField, FormSchema,
    InputRequest, InputRequiredResult, ListRootsResult, Root, SamplingMessage, SamplingParams,
    SamplingResult,
};
pub use list::{
    CacheHints, CacheScope, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
    ListToolsResult,
};
pub use meta::ResultMeta;
pub use notification::{LogLevel, LogMessageParams, Notification, ProgressParams};
pub use prepared::Prepared;
pub use prompt::{GetPromptResult, Prompt, PromptArgument, PromptMessage, Role};
pub use resource::{
    BlobResourceContents, ReadResourceResult, Resource, ResourceContents, ResourceNotFoundData,
    ResourceTemplate, TextResourceContents,
};
pub use result::{EmptyResult, ResultType, ServerResult, Stateless};
pub use subscription::{
    AcknowledgedParams, ListenResult, ListenResultMeta, ResourceUpdatedParams, SubscriptionFilter,
    SubscriptionMeta, SubscriptionNotification, SUBSCRIPTION_ID,
};
pub use tool::{CallToolResult, Tool, ToolAnnotations};

#[cfg(test)]
mod tests {
    /// The model stays a leaf: no file of it names another module of the crate.
    #[test]
    fn the_model_imports_nothing_else_of_the_crate() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/mcp/model");
        let mut files = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            files += 1;
            for (n, line) in text.lines().enumerate() {
                let foreign = line.contains("crate::") && !line.contains("crate::mcp::model");
                assert!(!foreign, "{}:{}: {line}", path.display(), n + 1);
            }
        }
        assert!(files > 5, "read {files} files from {dir}");
    }
}
