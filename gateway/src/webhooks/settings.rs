//! The webhook subsystem's configuration, from the Worker's variables and secrets. Every limit
//! is a variable with a named default, so tests and benchmarks set what their scenario needs.

use crate::config::{ConfigError, Environment};
use crate::toolbox::{Rate, RatePeriod};

use super::Tenant;

/// Largest delivery body: GitHub caps payloads at 25 MB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 25 * 1024 * 1024;
/// Deliveries per caller address per minute.
pub const DEFAULT_IP_RATE: Rate = Rate {
    count: 300,
    period: RatePeriod::Minute,
};
/// Deliveries stored per tenant per quota window.
pub const DEFAULT_TENANT_QUOTA: u64 = 10_000;
/// The quota window: one hour.
pub const DEFAULT_QUOTA_WINDOW_SECS: u64 = 3600;
/// Processed events are purged after three days.
pub const DEFAULT_RETAIN_PROCESSED_SECS: u64 = 3 * 24 * 3600;
/// Unprocessed events are purged after 90 days.
pub const DEFAULT_RETAIN_PENDING_SECS: u64 = 90 * 24 * 3600;
/// A removed installation's events are deleted after seven days.
pub const DEFAULT_UNINSTALL_GRACE_SECS: u64 = 7 * 24 * 3600;
/// `/events` sends a heartbeat comment this often.
pub const DEFAULT_HEARTBEAT_SECS: u64 = 30;
/// `/events` looks for new events this often.
pub const DEFAULT_POLL_MS: u64 = 2_000;
/// `/events` ends a stream after this long; the client reconnects with `Last-Event-ID`.
pub const DEFAULT_STREAM_MAX_SECS: u64 = 900;
/// Most bytes of payload one `get_webhook_events` answer carries.
pub const DEFAULT_RESPONSE_BUDGET_BYTES: usize = 1024 * 1024;
/// Payloads larger than this are left out of `get_webhook_events` (fetch them one by one).
pub const DEFAULT_INLINE_PAYLOAD_BYTES: usize = 256 * 1024;
/// `get_event` returns payloads up to this size; larger ones are served by `GET /event`.
pub const DEFAULT_TOOL_PAYLOAD_BYTES: usize = 4 * 1024 * 1024;

/// Where `POST /webhooks/github` accepts deliveries from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowlist {
    /// Only GitHub's published hook ranges.
    GitHub,
    /// Anywhere (the default in development).
    Off,
}

/// How deliveries are authenticated. `Debug` never shows a secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Verification {
    /// `X-Hub-Signature-256` must verify with one of these secrets (current, then previous).
    Secrets(Vec<String>),
    /// No secret is set: every delivery is refused (fail closed).
    Refuse,
    /// Unsigned deliveries are accepted: `WEBHOOK_ALLOW_UNSIGNED=true` in development only.
    Unsigned,
}

impl std::fmt::Debug for Verification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Secrets(s) => write!(f, "Secrets([redacted; {}])", s.len()),
            Self::Refuse => f.write_str("Refuse"),
            Self::Unsigned => f.write_str("Unsigned"),
        }
    }
}

/// What of an account's events a member sees (`WEBHOOK_VISIBILITY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// An event with a repository when the member's GitHub token reaches that repository;
    /// one without (organization, membership, installation) when they administer the
    /// organization (or the account is their own). The default.
    Repository,
    /// Every event of every account where the App is installed and the member has access.
    Account,
}

/// Retention of stored events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Retention {
    /// Processed events older than this (since processed) are purged.
    pub processed_ms: u64,
    /// Unprocessed events older than this (since received) are purged.
    pub pending_ms: u64,
}

/// The webhook configuration.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// `GITHUB_WEBHOOK_SECRET`, `GITHUB_WEBHOOK_SECRET_PREVIOUS`, `WEBHOOK_ALLOW_UNSIGNED`.
    pub verification: Verification,
    /// `WEBHOOK_IP_ALLOWLIST`: `github` or `off`; `github` by default, `off` in development.
    pub allowlist: Allowlist,
    /// `WEBHOOK_IP_RATE`, e.g. `300/minute`.
    pub ip_rate: Rate,
    /// `WEBHOOK_MAX_BODY_BYTES`.
    pub max_body_bytes: usize,
    /// `WEBHOOK_TENANT_QUOTA` deliveries per `WEBHOOK_TENANT_QUOTA_WINDOW_SECS`.
    pub tenant_quota: u64,
    /// The quota window in milliseconds.
    pub quota_window_ms: u64,
    /// `WEBHOOK_DEFAULT_TENANT`: where deliveries without an installation go.
    pub default_tenant: Option<Tenant>,
    /// `WEBHOOK_DEFAULT_TENANT_USERS`: GitHub logins who may read the default tenant.
    pub default_tenant_users: Vec<String>,
    /// `WEBHOOK_VISIBILITY`: `repository` (the default) or `account`.
    pub visibility: Visibility,
    /// `EVENTS_RETAIN_PROCESSED_SECS`, `EVENTS_RETAIN_PENDING_SECS`.
    pub retention: Retention,
    /// `WEBHOOK_UNINSTALL_GRACE_SECS`, in milliseconds.
    pub uninstall_grace_ms: u64,
    /// `EVENTS_HEARTBEAT_SECS`, in milliseconds.
    pub heartbeat_ms: u64,
    /// `EVENTS_POLL_MS`.
    pub poll_ms: u64,
    /// `EVENTS_STREAM_MAX_SECS`, in milliseconds.
    pub stream_max_ms: u64,
    /// `EVENTS_RESPONSE_BUDGET_BYTES`.
    pub response_budget_bytes: usize,
    /// `EVENTS_INLINE_PAYLOAD_BYTES`.
    pub inline_payload_bytes: usize,
    /// `EVENTS_TOOL_PAYLOAD_BYTES`.
    pub tool_payload_bytes: usize,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            verification: Verification::Refuse,
            allowlist: Allowlist::GitHub,
            ip_rate: DEFAULT_IP_RATE,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            tenant_quota: DEFAULT_TENANT_QUOTA,
            quota_window_ms: DEFAULT_QUOTA_WINDOW_SECS * 1000,
            default_tenant: None,
            default_tenant_users: Vec::new(),
            visibility: Visibility::Repository,
            retention: Retention {
                processed_ms: DEFAULT_RETAIN_PROCESSED_SECS * 1000,
                pending_ms: DEFAULT_RETAIN_PENDING_SECS * 1000,
            },
            uninstall_grace_ms: DEFAULT_UNINSTALL_GRACE_SECS * 1000,
            heartbeat_ms: DEFAULT_HEARTBEAT_SECS * 1000,
            poll_ms: DEFAULT_POLL_MS,
            stream_max_ms: DEFAULT_STREAM_MAX_SECS * 1000,
            response_budget_bytes: DEFAULT_RESPONSE_BUDGET_BYTES,
            inline_payload_bytes: DEFAULT_INLINE_PAYLOAD_BYTES,
            tool_payload_bytes: DEFAULT_TOOL_PAYLOAD_BYTES,
        }
    }
}

fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: T,
    min: T,
) -> Result<T, ConfigError> {
    match var(name).map(|v| v.trim().to_owned()) {
        None => Ok(default),
        Some(v) if v.is_empty() => Ok(default),
        Some(v) => match v.parse::<T>() {
            Ok(n) if n >= min => Ok(n),
            _ => Err(ConfigError(format!(
                "{name} is `{v}`; it takes a whole number, at least {min}"
            ))),
        },
    }
}

/// Parses `N/second|minute|hour|day`, at most one a millisecond (the limiter counts whole
/// milliseconds): 1000/second, 60000/minute.
pub fn parse_rate(text: &str) -> Option<Rate> {
    Rate::parse(text)
}

fn flag(var: &impl Fn(&str) -> Option<String>, name: &str) -> Result<bool, ConfigError> {
    match var(name).as_deref().map(str::trim) {
        None | Some("") | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ConfigError(format!(
            "{name} is `{other}`; use `true` or `false`"
        ))),
    }
}

impl WebhookSettings {
    /// Reads the settings through `var` (name → value); `environment` decides the defaults
    /// that differ in development.
    pub fn from_vars(
        var: impl Fn(&str) -> Option<String>,
        environment: Environment,
    ) -> Result<Self, ConfigError> {
        let d = Self::default();
        let secrets: Vec<String> = ["GITHUB_WEBHOOK_SECRET", "GITHUB_WEBHOOK_SECRET_PREVIOUS"]
            .iter()
            .filter_map(|n| var(n))
            .filter(|s| !s.trim().is_empty())
            .collect();
        let allow_unsigned = flag(&var, "WEBHOOK_ALLOW_UNSIGNED")?;
        if allow_unsigned && environment != Environment::Development {
            return Err(ConfigError(
                "WEBHOOK_ALLOW_UNSIGNED=true is honoured only with DOVECOTE_ENV=development; \
                 set GITHUB_WEBHOOK_SECRET instead"
                    .into(),
            ));
        }
        let verification = if !secrets.is_empty() {
            Verification::Secrets(secrets)
        } else if allow_unsigned {
            Verification::Unsigned
        } else {
            Verification::Refuse
        };
        let allowlist = match var("WEBHOOK_IP_ALLOWLIST").as_deref().map(str::trim) {
            None | Some("") if environment == Environment::Development => Allowlist::Off,
            None | Some("") | Some("github") => Allowlist::GitHub,
            Some("off") => Allowlist::Off,
            Some(other) => {
                return Err(ConfigError(format!(
                    "WEBHOOK_IP_ALLOWLIST is `{other}`; use `github` or `off`"
                )))
            }
        };
        let ip_rate = match var("WEBHOOK_IP_RATE") {
            None => d.ip_rate,
            Some(v) if v.trim().is_empty() => d.ip_rate,
            Some(v) => parse_rate(&v).ok_or_else(|| {
                ConfigError(format!(
                    "WEBHOOK_IP_RATE is `{v}`; write it as N/second, N/minute, N/hour or N/day, at most 1000/second"
                ))
            })?,
        };
        let default_tenant = match var("WEBHOOK_DEFAULT_TENANT").map(|t| t.trim().to_owned()) {
            // Named by the operator, not by GitHub: no account id and no rename reaches it.
            // A leading `-` is refused so it can never be an account's store (`-<id>`).
            Some(t) if !t.is_empty() => Some(
                Tenant::parse(&t)
                    .and_then(|tenant| match t.starts_with('-') {
                        true => Err("a name cannot start with `-`".to_owned()),
                        false => Ok(tenant),
                    })
                    .map_err(|e| ConfigError(format!("WEBHOOK_DEFAULT_TENANT: {e}")))?,
            ),
            _ => None,
        };
        let default_tenant_users = var("WEBHOOK_DEFAULT_TENANT_USERS")
            .map(|v| {
                v.split(',')
                    .map(|u| u.trim().to_ascii_lowercase())
                    .filter(|u| !u.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let visibility = match var("WEBHOOK_VISIBILITY").as_deref().map(str::trim) {
            None | Some("") | Some("repository") => Visibility::Repository,
            Some("account") => Visibility::Account,
            Some(other) => {
                return Err(ConfigError(format!(
                    "WEBHOOK_VISIBILITY is `{other}`; use `repository` (members see events of the repositories they can read) or `account` (every event of their accounts)"
                )))
            }
        };
        let secs = |name: &str, default_ms: u64, min: u64| {
            number(&var, name, default_ms / 1000, min).map(|s| s.saturating_mul(1000))
        };
        Ok(Self {
            verification,
            allowlist,
            ip_rate,
            max_body_bytes: number(&var, "WEBHOOK_MAX_BODY_BYTES", d.max_body_bytes, 1)?,
            tenant_quota: number(&var, "WEBHOOK_TENANT_QUOTA", d.tenant_quota, 1)?,
            quota_window_ms: secs("WEBHOOK_TENANT_QUOTA_WINDOW_SECS", d.quota_window_ms, 1)?,
            default_tenant,
            default_tenant_users,
            visibility,
            retention: Retention {
                processed_ms: secs("EVENTS_RETAIN_PROCESSED_SECS", d.retention.processed_ms, 1)?,
                pending_ms: secs("EVENTS_RETAIN_PENDING_SECS", d.retention.pending_ms, 1)?,
            },
            uninstall_grace_ms: secs("WEBHOOK_UNINSTALL_GRACE_SECS", d.uninstall_grace_ms, 0)?,
            heartbeat_ms: secs("EVENTS_HEARTBEAT_SECS", d.heartbeat_ms, 1)?,
            poll_ms: number(&var, "EVENTS_POLL_MS", d.poll_ms, 100)?,
            stream_max_ms: secs("EVENTS_STREAM_MAX_SECS", d.stream_max_ms, 1)?,
            response_budget_bytes: number(
                &var,
                "EVENTS_RESPONSE_BUDGET_BYTES",
                d.response_budget_bytes,
                1024,
            )?,
            inline_payload_bytes: number(
                &var,
                "EVENTS_INLINE_PAYLOAD_BYTES",
                d.inline_payload_bytes,
                1,
            )?,
            tool_payload_bytes: number(&var, "EVENTS_TOOL_PAYLOAD_BYTES", d.tool_payload_bytes, 1)?,
        })
    }

    /// Whether `login` (a GitHub user) may read the default tenant.
    pub fn reads_default_tenant(&self, login: &str) -> bool {
        self.default_tenant_users
            .iter()
            .any(|u| u.eq_ignore_ascii_case(login))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)], env: Environment) -> Result<WebhookSettings, ConfigError> {
        WebhookSettings::from_vars(
            |k| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            },
            env,
        )
    }

    #[test]
    fn without_a_secret_deliveries_are_refused_and_unsigned_needs_development() {
        let s = read(&[], Environment::Production).unwrap();
        assert_eq!(s.verification, Verification::Refuse);
        assert_eq!(s.allowlist, Allowlist::GitHub);
        let e = read(
            &[("WEBHOOK_ALLOW_UNSIGNED", "true")],
            Environment::Production,
        )
        .unwrap_err();
        assert!(e.0.contains("development"));
        let dev = read(
            &[("WEBHOOK_ALLOW_UNSIGNED", "true")],
            Environment::Development,
        )
        .unwrap();
        assert_eq!(dev.verification, Verification::Unsigned);
        assert_eq!(dev.allowlist, Allowlist::Off);
    }

    #[test]
    fn both_secrets_verify_and_limits_are_read() {
        let s = read(
            &[
                ("GITHUB_WEBHOOK_SECRET", "new"),
                ("GITHUB_WEBHOOK_SECRET_PREVIOUS", "old"),
                ("WEBHOOK_IP_RATE", "5/second"),
                ("WEBHOOK_TENANT_QUOTA", "3"),
                ("WEBHOOK_DEFAULT_TENANT", "Octo-Org"),
                ("WEBHOOK_DEFAULT_TENANT_USERS", "alice, Bob"),
            ],
            Environment::Production,
        )
        .unwrap();
        assert_eq!(
            s.verification,
            Verification::Secrets(vec!["new".into(), "old".into()])
        );
        assert!(!format!("{s:?}").contains("new"), "Debug shows no secret");
        assert_eq!(s.ip_rate.count, 5);
        assert_eq!(s.tenant_quota, 3);
        assert_eq!(s.default_tenant.as_ref().unwrap().as_str(), "octo-org");
        assert!(s.reads_default_tenant("BOB"));
        assert!(!s.reads_default_tenant("carol"));
    }

    #[test]
    fn unusable_values_are_named_without_echoing_secrets() {
        for (name, value) in [
            ("WEBHOOK_IP_RATE", "lots"),
            ("WEBHOOK_IP_RATE", "1001/second"),
            ("WEBHOOK_TENANT_QUOTA", "0"),
            ("WEBHOOK_IP_ALLOWLIST", "maybe"),
            ("WEBHOOK_DEFAULT_TENANT", "not a login"),
        ] {
            let e = read(&[(name, value)], Environment::Production).unwrap_err();
            assert!(e.0.contains(name), "{e}");
        }
    }
}
