//! Run-time configuration from the Worker's variables (`wrangler.toml` `[vars]`, `.dev.vars`),
//! parsed once per request at the edge. Every limit has a named default.

/// Largest `/mcp` request body accepted, unless `MCP_MAX_BODY_BYTES` says otherwise.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Tools per `tools/list` page, unless `MCP_TOOLS_PAGE_SIZE` says otherwise.
pub const DEFAULT_TOOLS_PAGE_SIZE: usize = 100;
/// How long clients may cache `tools/list` and `server/discover` (`ttlMs`).
pub const DEFAULT_LIST_TTL_MS: u64 = 300_000;

/// Where the gateway runs: local development relaxes checks that need a public hostname.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// `wrangler dev` on a developer's machine.
    Development,
    /// Deployed.
    Production,
}

/// The gateway's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DOVECOTE_ENV`: `development` or `production` (the default).
    pub environment: Environment,
    /// `PUBLIC_URL`: the public origin, e.g. `https://dovecote.example.workers.dev`.
    pub public_url: Option<String>,
    /// `ALLOWED_ORIGINS`: comma-separated browser origins allowed to call `/mcp`.
    pub allowed_origins: Vec<String>,
    /// `MCP_MAX_BODY_BYTES`.
    pub max_body_bytes: usize,
    /// `MCP_TOOLS_PAGE_SIZE`.
    pub tools_page_size: usize,
    /// `MCP_LIST_TTL_MS`.
    pub list_ttl_ms: u64,
    /// GitHub webhooks and the event store (`GITHUB_WEBHOOK_SECRET`, `WEBHOOK_*`, `EVENTS_*`).
    pub webhooks: crate::webhooks::WebhookSettings,
    /// `LOG_REQUESTS`: which requests get a log line (`all`, `errors`, `off`).
    pub log_requests: crate::log::RequestLogging,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            environment: Environment::Production,
            public_url: None,
            allowed_origins: Vec::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            tools_page_size: DEFAULT_TOOLS_PAGE_SIZE,
            list_ttl_ms: DEFAULT_LIST_TTL_MS,
            webhooks: crate::webhooks::WebhookSettings::default(),
            log_requests: crate::log::RequestLogging::All,
        }
    }
}

/// A variable that is set but cannot be used; the message names it and says what it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Config {
    /// Reads the configuration through `var` (name → value).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let environment = match var("DOVECOTE_ENV").as_deref().map(str::trim) {
            None | Some("") | Some("production") => Environment::Production,
            Some("development") => Environment::Development,
            Some(other) => {
                return Err(ConfigError(format!(
                    "DOVECOTE_ENV is `{other}`; use `development` or `production`"
                )))
            }
        };
        let public_url = match var("PUBLIC_URL").map(|u| u.trim().trim_end_matches('/').to_owned()) {
            Some(u) if u.is_empty() => None,
            Some(u) if u.starts_with("https://") || u.starts_with("http://") => Some(u),
            Some(u) => {
                return Err(ConfigError(format!(
                    "PUBLIC_URL `{u}` is not an http(s) URL; set it to e.g. https://dovecote.example.com"
                )))
            }
            None => None,
        };
        let allowed_origins = var("ALLOWED_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            environment,
            public_url,
            allowed_origins,
            max_body_bytes: number(&var, "MCP_MAX_BODY_BYTES", defaults.max_body_bytes)?,
            tools_page_size: number(&var, "MCP_TOOLS_PAGE_SIZE", defaults.tools_page_size)?.max(1),
            list_ttl_ms: number(&var, "MCP_LIST_TTL_MS", defaults.list_ttl_ms)?,
            webhooks: crate::webhooks::WebhookSettings::from_vars(&var, environment)?,
            log_requests: match var("LOG_REQUESTS").as_deref().map(str::trim) {
                None | Some("") => crate::log::RequestLogging::All,
                Some(v) => crate::log::RequestLogging::parse(v).ok_or_else(|| {
                    ConfigError(format!(
                        "LOG_REQUESTS is `{v}`; use `all` (the default), `errors` or `off`"
                    ))
                })?,
            },
        })
    }
}

/// Decodes the `DOVECOTE_SIGNING_KEY` secret: base64 (standard or URL-safe) of at least 32
/// bytes. Its value never appears in the error.
pub fn signing_key(value: &str) -> Result<Vec<u8>, ConfigError> {
    use base64::Engine;
    let value = value.trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value)
        .or_else(|_| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value.trim_end_matches('='))
        });
    match decoded {
        Ok(key) if key.len() >= 32 => Ok(key),
        _ => Err(ConfigError(
            "DOVECOTE_SIGNING_KEY must be at least 32 random bytes, base64-encoded \
             (generate one with: openssl rand -base64 32)"
                .into(),
        )),
    }
}

fn number<T: std::str::FromStr>(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: T,
) -> Result<T, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(v) if v.trim().is_empty() => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| ConfigError(format!("{name} is `{v}`; it takes a whole number"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn defaults_are_production_with_named_limits() {
        let c = Config::from_vars(vars(&[])).unwrap();
        assert_eq!(c.environment, Environment::Production);
        assert_eq!(c.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
    }

    #[test]
    fn values_are_parsed_and_bad_ones_named() {
        let c = Config::from_vars(vars(&[
            ("DOVECOTE_ENV", "development"),
            ("ALLOWED_ORIGINS", "https://a.example, https://b.example/"),
            ("PUBLIC_URL", "https://gw.example/"),
            ("MCP_TOOLS_PAGE_SIZE", "2"),
        ]))
        .unwrap();
        assert_eq!(c.environment, Environment::Development);
        assert_eq!(
            c.allowed_origins,
            ["https://a.example", "https://b.example"]
        );
        assert_eq!(c.public_url.as_deref(), Some("https://gw.example"));
        assert_eq!(c.tools_page_size, 2);
        let e = Config::from_vars(vars(&[("MCP_MAX_BODY_BYTES", "lots")])).unwrap_err();
        assert!(e.0.contains("MCP_MAX_BODY_BYTES"));
        assert!(Config::from_vars(vars(&[("DOVECOTE_ENV", "staging")])).is_err());
    }

    #[test]
    fn signing_keys_must_be_long_base64_and_are_never_echoed() {
        assert_eq!(
            signing_key("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
                .unwrap()
                .len(),
            32
        );
        let e = signing_key("short-secret-value").unwrap_err();
        assert!(!e.0.contains("short-secret-value"));
    }
}
