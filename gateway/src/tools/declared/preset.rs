//! `kind = "preset"`: a fixed notification — its channels, severity, and a headline, text and
//! link filled in from the declared arguments — sent as `send_notification` sends, with the
//! same confirmation (a channel with `confirm = true` asks the person), outbox and audit. Like
//! `send_notification`, only operators may send one: its scope must be an operators scope.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{as_text, ArgDecl};
use crate::channels::message::Severity;
use crate::template;
use crate::toolbox::{CallToolResult, IntoCallToolResult, ToolContext, ToolError};
use crate::tools::notify::{self, SendArgs, SendResult};

/// A preset as `tools.toml` declares it.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    /// The tool's name.
    pub name: &'static str,
    /// The channel ids it sends to, checked against `channels.toml` at build time.
    pub channels: &'static [&'static str],
    /// How urgent.
    pub severity: Option<Severity>,
    /// The headline template.
    pub headline: Option<&'static str>,
    /// The text template (Markdown).
    pub text: &'static str,
    /// The link template.
    pub link: Option<&'static str>,
    /// Delivered without a sound.
    pub silent: bool,
    /// The arguments.
    pub arguments: &'static [ArgDecl],
}

/// A channel a preset could not send to.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Unsent {
    /// The channel.
    pub channel: String,
    /// Why.
    pub error: String,
}

/// What became of a preset's notification on each of its channels.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PresetResult {
    /// One per channel it went to (sent or queued), with the id for get_notification_status.
    pub notifications: Vec<SendResult>,
    /// The channels it could not go to, and why (empty when it went everywhere).
    pub unsent: Vec<Unsent>,
}

/// The output schema of every preset.
pub fn output_schema() -> Option<Value> {
    <Result<PresetResult, ToolError> as IntoCallToolResult>::output_schema()
}

/// `template` filled with the arguments as text; an absent optional argument is written as
/// nothing.
fn fill(template: &str, preset: &Preset, args: &Map<String, Value>) -> String {
    let texts: Vec<(&str, String)> = preset
        .arguments
        .iter()
        .map(|a| (a.name, args.get(a.name).map(as_text).unwrap_or_default()))
        .collect();
    let values: Vec<(&str, &str)> = texts.iter().map(|(k, v)| (*k, v.as_str())).collect();
    template::fill(template, &values)
}

/// Sends `preset` with `arguments` as the caller of `ctx`.
pub async fn call(preset: &Preset, ctx: &ToolContext<'_>, arguments: Value) -> CallToolResult {
    // The operator's channels are an operator power, whatever the scope says (the build
    // also refuses a preset under a scope members may hold).
    if let Err(e) = ctx.operator_only() {
        return Err::<PresetResult, _>(e).into_call_tool_result();
    }
    let args = match super::arguments(preset.name, preset.arguments, arguments) {
        Ok(a) => a,
        Err(refusal) => return refusal,
    };
    let link = preset
        .link
        .map(|l| fill(l, preset, &args))
        .filter(|l| !l.is_empty());
    let mut result = PresetResult {
        notifications: Vec::new(),
        unsent: Vec::new(),
    };
    for channel in preset.channels {
        let send = SendArgs {
            channel: (*channel).to_owned(),
            text: fill(preset.text, preset, &args),
            title: preset.headline.map(|h| fill(h, preset, &args)),
            link: link.clone(),
            severity: preset.severity,
            fields: Vec::new(),
            silent: preset.silent,
        };
        match notify::send(ctx, send).await {
            Ok(sent) => result.notifications.push(sent),
            Err(e) => result.unsent.push(Unsent {
                channel: (*channel).to_owned(),
                error: e.message().to_owned(),
            }),
        }
    }
    let outcome: Result<PresetResult, ToolError> = if result.notifications.is_empty() {
        let reasons: Vec<String> = result.unsent.iter().map(|u| u.error.clone()).collect();
        Err(ToolError::new(reasons.join(" ")))
    } else {
        Ok(result)
    };
    outcome.into_call_tool_result()
}
