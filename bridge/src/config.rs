//! Configuration from the environment, as an MCP client starts the bridge. Anything missing
//! or malformed is reported on stderr with what to set, and the bridge exits non-zero.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

/// Default interval between checks of the gateway's tool list.
const DEFAULT_TOOLS_POLL: Duration = Duration::from_secs(300);
/// Default heartbeat interval of the gateway's `/events` stream.
const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(30);

/// The bridge's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The gateway's MCP endpoint (`…/mcp`).
    pub mcp_url: Url,
    /// The gateway's event stream (`…/events`).
    pub events_url: Url,
    /// Whether GitHub events become channel notifications (`WEBHOOK_CHANNEL`, on by default).
    pub channel: bool,
    /// A fixed access token for headless use (`DOVECOTE_TOKEN`); no browser sign-in then.
    pub token: Option<String>,
    /// Where the sign-in is kept between runs.
    pub config_dir: PathBuf,
    /// How often the gateway's tool list is checked for changes.
    pub tools_poll: Duration,
    /// The gateway's heartbeat interval; a longer silence counts as a disconnect.
    pub heartbeat: Duration,
    /// Whether to try opening a browser for sign-in (`DOVECOTE_NO_BROWSER=1` turns it off).
    pub open_browser: bool,
}

/// A configuration mistake, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn seconds(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: Duration,
) -> Result<Duration, ConfigError> {
    match var(name).filter(|v| !v.trim().is_empty()) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|s| *s > 0)
            .map(Duration::from_secs)
            .ok_or_else(|| {
                ConfigError(format!(
                    "{name} is `{v}`; it takes a number of seconds, e.g. 30"
                ))
            }),
    }
}

/// The user's configuration folder: `$XDG_CONFIG_HOME`, `~/.config`, `%APPDATA%` or
/// `~/Library/Application Support`, then `dovecote`.
fn default_config_dir(var: &impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = if cfg!(windows) {
        var("APPDATA").map(PathBuf::from)
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|h| PathBuf::from(h).join("Library/Application Support"))
    } else {
        var("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".config")))
    };
    base.map(|b| b.join("dovecote"))
}

impl Config {
    /// Reads the configuration through `var` (the process environment in `main`).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let raw = var("DOVECOTE_URL")
            .or_else(|| var("WEBHOOK_WORKER_URL"))
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| {
                ConfigError(
                    "DOVECOTE_URL is not set: set it to your gateway, e.g. DOVECOTE_URL=https://dovecote.example.workers.dev/mcp".into(),
                )
            })?;
        let mut base = Url::parse(raw.trim()).map_err(|e| {
            ConfigError(format!("DOVECOTE_URL `{raw}` is not a URL ({e}); e.g. https://dovecote.example.workers.dev/mcp"))
        })?;
        if !matches!(base.scheme(), "https" | "http") || base.host_str().is_none() {
            return Err(ConfigError(format!(
                "DOVECOTE_URL `{raw}` must be an http(s) URL"
            )));
        }
        let local = matches!(base.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if base.scheme() == "http" && !local {
            return Err(ConfigError(format!(
                "DOVECOTE_URL `{raw}` uses http; only a gateway on this machine may (use https)"
            )));
        }
        base.set_query(None);
        base.set_fragment(None);
        let path = base
            .path()
            .trim_end_matches('/')
            .trim_end_matches("/mcp")
            .to_owned();
        base.set_path(&path);
        let join = |tail: &str| {
            let mut u = base.clone();
            u.set_path(&format!("{}{tail}", base.path().trim_end_matches('/')));
            u
        };
        let channel = match var("WEBHOOK_CHANNEL").as_deref().map(str::trim) {
            None | Some("") | Some("1") | Some("true") | Some("on") => true,
            Some("0") | Some("false") | Some("off") => false,
            Some(other) => {
                return Err(ConfigError(format!(
                    "WEBHOOK_CHANNEL is `{other}`; use 1 (GitHub events as channel notifications) or 0 (off)"
                )))
            }
        };
        let config_dir = match var("DOVECOTE_CONFIG_DIR").filter(|v| !v.trim().is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => default_config_dir(&var).ok_or_else(|| {
                ConfigError(
                    "cannot tell where to keep the sign-in: set DOVECOTE_CONFIG_DIR (or HOME)"
                        .into(),
                )
            })?,
        };
        Ok(Self {
            mcp_url: join("/mcp"),
            events_url: join("/events"),
            channel,
            token: var("DOVECOTE_TOKEN")
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty()),
            config_dir,
            tools_poll: seconds(&var, "DOVECOTE_TOOLS_POLL_SECS", DEFAULT_TOOLS_POLL)?,
            heartbeat: seconds(&var, "DOVECOTE_HEARTBEAT_SECS", DEFAULT_HEARTBEAT)?,
            open_browser: var("DOVECOTE_NO_BROWSER").as_deref() != Some("1"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_vars(move |name| {
            owned
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn the_gateway_url_may_be_given_with_or_without_mcp() {
        for url in [
            "https://gw.example/mcp",
            "https://gw.example",
            "https://gw.example/",
            "https://gw.example/mcp/",
        ] {
            let c = config(&[("DOVECOTE_URL", url), ("HOME", "/home/u")]).unwrap();
            assert_eq!(c.mcp_url.as_str(), "https://gw.example/mcp", "{url}");
            assert_eq!(c.events_url.as_str(), "https://gw.example/events");
        }
        let legacy =
            config(&[("WEBHOOK_WORKER_URL", "https://gw.example"), ("HOME", "/h")]).unwrap();
        assert_eq!(legacy.mcp_url.as_str(), "https://gw.example/mcp");
    }

    #[test]
    fn missing_or_bad_settings_say_what_to_set() {
        assert!(config(&[("HOME", "/h")])
            .unwrap_err()
            .0
            .contains("DOVECOTE_URL"));
        assert!(config(&[("DOVECOTE_URL", "not a url"), ("HOME", "/h")]).is_err());
        assert!(
            config(&[("DOVECOTE_URL", "http://gw.example/mcp"), ("HOME", "/h")])
                .unwrap_err()
                .0
                .contains("https")
        );
        assert!(config(&[
            ("DOVECOTE_URL", "http://127.0.0.1:8787/mcp"),
            ("HOME", "/h")
        ])
        .is_ok());
        let e = config(&[
            ("DOVECOTE_URL", "https://gw.example"),
            ("WEBHOOK_CHANNEL", "maybe"),
            ("HOME", "/h"),
        ])
        .unwrap_err();
        assert!(e.0.contains("WEBHOOK_CHANNEL"));
        assert!(config(&[("DOVECOTE_URL", "https://gw.example")])
            .unwrap_err()
            .0
            .contains("DOVECOTE_CONFIG_DIR"));
    }

    #[test]
    fn the_channel_is_on_unless_turned_off() {
        let on = config(&[("DOVECOTE_URL", "https://gw.example"), ("HOME", "/h")]).unwrap();
        assert!(on.channel);
        let off = config(&[
            ("DOVECOTE_URL", "https://gw.example"),
            ("WEBHOOK_CHANNEL", "0"),
            ("HOME", "/h"),
        ])
        .unwrap();
        assert!(!off.channel);
    }
}
