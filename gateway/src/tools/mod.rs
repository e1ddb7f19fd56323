//! The gateway's tools: declared in `tools.toml`, written as `#[tool]` fns here and in
//! `examples/tools/`, collected by `toolbox!` (which checks the two agree at compile time)
//! with the resource families of `crate::resources`.

#[path = "../../../examples/tools/calculate.rs"]
pub mod calculate;
pub mod declared;
pub mod env;
pub mod events;
#[cfg(feature = "conformance")]
pub mod fixtures;
#[cfg(feature = "conformance")]
pub mod fixtures_input;
#[cfg(feature = "conformance")]
pub mod fixtures_session;
#[cfg(not(feature = "conformance"))]
pub mod github_repos;
#[path = "../../../examples/tools/knowledge_base.rs"]
pub mod knowledge_base;
pub mod notify;
pub mod user_info;

use std::sync::OnceLock;

use crate::mcp::Catalog;
use crate::{resources, toolbox};

#[cfg(not(feature = "conformance"))]
toolbox! {
    manifest = "../../../tools.toml",
    channels = "../../../channels.toml",
    tools = [
        user_info::get_user_info,
        calculate::calculate,
        knowledge_base::search_knowledge_base,
        knowledge_base::create_document,
        env::get_env,
        github_repos::get_github_repos,
        notify::list_channels,
        notify::send_notification,
        notify::get_notification_status,
        events::get_pending_status,
        events::list_pending_events,
        events::get_event,
        events::get_webhook_events,
        events::mark_processed,
    ],
    resources = [
        resources::events::GITHUB_PENDING,
        resources::events::GITHUB_EVENT,
        resources::knowledge::KNOWLEDGE_DOCUMENT,
        resources::channels::NOTIFICATION_CHANNEL,
    ],
}

// The conformance suite's fixture tools, in a build of their own (`--features conformance`).
#[cfg(feature = "conformance")]
toolbox! {
    manifest = "../../../e2e/conformance/tools.toml",
    tools = [
        fixtures::test_simple_text,
        fixtures::test_image_content,
        fixtures::test_audio_content,
        fixtures::test_embedded_resource,
        fixtures::test_multiple_content_types,
        fixtures::test_error_handling,
        fixtures::test_tool_with_progress,
        fixtures::test_tool_with_logging,
        fixtures::test_logging_tool,
        fixtures::test_missing_capability,
        fixtures::test_streaming_elicitation,
        fixtures::test_reconnection,
        fixtures::json_schema_2020_12_tool,
        fixtures::test_custom_header,
        fixtures_input::test_input_required_result_elicitation,
        fixtures_input::test_input_required_result_sampling,
        fixtures_input::test_input_required_result_list_roots,
        fixtures_input::test_input_required_result_request_state,
        fixtures_input::test_input_required_result_multiple_inputs,
        fixtures_input::test_input_required_result_multi_round,
        fixtures_input::test_input_required_result_tampered_state,
        fixtures_input::test_input_required_result_capabilities,
        fixtures_session::test_sampling,
        fixtures_session::test_elicitation,
        fixtures_session::test_elicitation_sep1034_defaults,
        fixtures_session::test_elicitation_sep1330_enums,
        user_info::get_user_info,
        calculate::calculate,
    ],
    resources = [
        resources::fixtures::STATIC_TEXT,
        resources::fixtures::STATIC_BINARY,
        resources::fixtures::TEMPLATE_DATA,
        resources::fixtures::WATCHED_RESOURCE,
    ],
}

/// The descriptors of `TOOLBOX`, serialized once per isolate.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::build(&TOOLBOX))
}
