//! Notifications the server sends before a result (on an SSE stream): progress, and log
//! messages at RFC 5424 levels. Serialized as `{"method": …, "params": …}`; the JSON-RPC
//! envelope adds `jsonrpc`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A notification the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", content = "params")]
pub enum Notification {
    /// `notifications/progress`.
    #[serde(rename = "notifications/progress")]
    Progress(ProgressParams),
    /// `notifications/message`.
    #[serde(rename = "notifications/message")]
    Message(LogMessageParams),
}

/// The params of `notifications/progress`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressParams {
    /// The token from the request's `_meta.progressToken` (a string or a number).
    pub progress_token: Value,
    /// Progress so far; grows with each notification.
    pub progress: f64,
    /// The total, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// What is happening, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The params of `notifications/message`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogMessageParams {
    /// How severe.
    pub level: LogLevel,
    /// Which part of the server logged it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logger: Option<String>,
    /// What was logged: any JSON.
    pub data: Value,
}

/// RFC 5424 severities as MCP names them, lowest first (so `>=` means "at least as severe").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Debugging detail.
    Debug,
    /// Routine information.
    Info,
    /// Normal but significant.
    Notice,
    /// A warning.
    Warning,
    /// An error.
    Error,
    /// A critical condition.
    Critical,
    /// Action must be taken at once.
    Alert,
    /// The system is unusable.
    Emergency,
}

impl LogLevel {
    /// Every level, lowest first.
    pub const ALL: [Self; 8] = [
        Self::Debug,
        Self::Info,
        Self::Notice,
        Self::Warning,
        Self::Error,
        Self::Critical,
        Self::Alert,
        Self::Emergency,
    ];

    /// The level's wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Notice => "notice",
            Self::Warning => "warning",
            Self::Error => "error",
            Self::Critical => "critical",
            Self::Alert => "alert",
            Self::Emergency => "emergency",
        }
    }

    /// The level named `name`, if it is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, to_value};

    #[test]
    fn progress_is_method_and_camel_case_params_without_unset_fields() {
        let n = Notification::Progress(ProgressParams {
            progress_token: json!("p1"),
            progress: 50.0,
            total: None,
            message: None,
        });
        assert_eq!(
            to_value(&n).unwrap(),
            json!({"method": "notifications/progress",
                "params": {"progressToken": "p1", "progress": 50.0}})
        );
        let full = Notification::Progress(ProgressParams {
            progress_token: json!(7),
            progress: 1.0,
            total: Some(2.0),
            message: Some("half".into()),
        });
        assert_eq!(
            to_value(&full).unwrap()["params"],
            json!({"progressToken": 7, "progress": 1.0, "total": 2.0, "message": "half"})
        );
    }

    #[test]
    fn log_messages_name_their_level_in_lower_case() {
        let n = Notification::Message(LogMessageParams {
            level: LogLevel::Warning,
            logger: Some("count".into()),
            data: json!({"step": 1}),
        });
        assert_eq!(
            to_value(&n).unwrap(),
            json!({"method": "notifications/message",
                "params": {"level": "warning", "logger": "count", "data": {"step": 1}}})
        );
    }

    #[test]
    fn levels_parse_by_name_and_order_by_severity() {
        for level in LogLevel::ALL {
            assert_eq!(LogLevel::parse(level.as_str()), Some(level));
            assert_eq!(to_value(level).unwrap(), json!(level.as_str()));
        }
        assert_eq!(LogLevel::parse("verbose"), None);
        assert!(LogLevel::Debug < LogLevel::Info && LogLevel::Alert < LogLevel::Emergency);
    }
}
