//! Drift: what an upstream lists now against what the lock says it listed. The scheduled job
//! ([`check`]) fetches each upstream's `tools/list` and keeps what differs in KV; `/health`
//! ([`health`]) shows it beside whether each `bearer_secret` is set. Drift is reported, not
//! fatal: the imported tools stay as built (a tool the upstream dropped answers `isError` when
//! called) until `make upstreams` and a new build take the change in.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::client::{self, Deadline, Failure};
use super::fingerprint::fingerprint;
use super::{Upstream, UPSTREAMS};
use crate::platform::{Platform, PlatformError};

/// The KV key of an upstream's last check.
fn key(upstream: &str) -> String {
    format!("upstreams:check:{upstream}")
}

/// Most pages of `tools/list` read from one upstream.
const MAX_PAGES: usize = 20;

/// What the last check of one upstream found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checked {
    /// When, in milliseconds since the epoch.
    pub at_ms: u64,
    /// Why the list could not be read, if it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Imported tools the upstream no longer lists.
    #[serde(default)]
    pub missing: Vec<String>,
    /// Imported tools whose descriptor (schema, title, description, annotations) changed.
    #[serde(default)]
    pub changed: Vec<String>,
    /// Tools it lists that the lock does not have (only with `tools = "*"`).
    #[serde(default)]
    pub added: Vec<String>,
}

impl Checked {
    /// Whether the live list differs from the lock.
    pub fn drifted(&self) -> bool {
        !(self.missing.is_empty() && self.changed.is_empty() && self.added.is_empty())
    }
}

/// The live list compared with the lock.
pub fn compare(upstream: &Upstream, live: &[Value], at_ms: u64) -> Checked {
    let name_of = |d: &Value| {
        d.get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut checked = Checked {
        at_ms,
        ..Checked::default()
    };
    for tool in upstream.tools {
        match live.iter().find(|d| name_of(d) == tool.remote) {
            None => checked.missing.push(tool.remote.to_owned()),
            Some(d) if fingerprint(d) != tool.fingerprint => {
                checked.changed.push(tool.remote.to_owned())
            }
            Some(_) => {}
        }
    }
    if upstream.imports_all {
        for d in live {
            let name = name_of(d);
            if !upstream.tools.iter().any(|t| t.remote == name) {
                checked.added.push(name.chars().take(128).collect());
            }
        }
    }
    checked
}

/// Every page of an upstream's `tools/list`.
async fn list(upstream: &Upstream, platform: &Platform<'_>) -> Result<Vec<Value>, Failure> {
    let deadline = Deadline::after(platform, upstream.timeout_ms);
    let mut tools = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut params = Map::new();
        if let Some(c) = cursor.take() {
            params.insert("cursor".into(), c.into());
        }
        let page = client::request(upstream, platform, "tools/list", params, deadline).await?;
        match page.get("tools") {
            Some(Value::Array(items)) => tools.extend(items.iter().cloned()),
            _ => return Err(Failure::Garbage("a tools/list result without tools")),
        }
        cursor = page
            .get("nextCursor")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    Ok(tools)
}

/// The scheduled job: checks every upstream and keeps what it found. Returns how many drifted.
pub async fn check(platform: &Platform<'_>) -> Result<u64, PlatformError> {
    check_these(UPSTREAMS, platform).await
}

/// [`check`] over `upstreams`.
pub async fn check_these(
    upstreams: &[Upstream],
    platform: &Platform<'_>,
) -> Result<u64, PlatformError> {
    let mut drifted = 0;
    for upstream in upstreams {
        let now = platform.clock.now_ms();
        let checked = match list(upstream, platform).await {
            Ok(live) => compare(upstream, &live, now),
            Err(failure) => Checked {
                at_ms: now,
                error: Some(failure.audit()),
                ..Checked::default()
            },
        };
        drifted += u64::from(checked.drifted());
        let json = serde_json::to_vec(&checked).unwrap_or_default();
        platform.kv.put(&key(upstream.name), &json, None).await?;
    }
    Ok(drifted)
}

/// What `/health` says of the upstreams: each one's state, and the problems (an unset
/// `bearer_secret`) that make the deployment unhealthy. Drift is shown, not a problem.
#[derive(Debug, Clone, Default)]
pub struct Health {
    /// By upstream name: protocol, tool count, secret set, last check and its drift.
    pub upstreams: Map<String, Value>,
    /// Each with what to do.
    pub problems: Vec<String>,
}

/// The upstreams' part of `/health`.
pub async fn health(platform: &Platform<'_>) -> Health {
    health_of(UPSTREAMS, platform).await
}

/// [`health`] over `upstreams`.
pub async fn health_of(upstreams: &[Upstream], platform: &Platform<'_>) -> Health {
    let mut out = Health::default();
    for u in upstreams {
        let mut entry = Map::new();
        entry.insert("protocol".into(), u.protocol.into());
        entry.insert("tools".into(), u.tools.len().into());
        if let Some(name) = u.bearer_secret {
            let set = platform
                .secrets
                .get(name)
                .is_some_and(|v| !v.trim().is_empty());
            if !set {
                out.problems.push(format!(
                    "the upstream {} (tools.toml) needs the secret {name}: run wrangler secret put {name}",
                    u.name
                ));
            }
            entry.insert("bearer_secret".into(), set.into());
        }
        let checked = platform
            .kv
            .get(&key(u.name))
            .await
            .ok()
            .flatten()
            .and_then(|b| serde_json::from_slice::<Checked>(&b).ok());
        match checked {
            Some(c) => {
                entry.insert("drift".into(), c.drifted().into());
                entry.insert(
                    "checked".into(),
                    serde_json::to_value(&c).unwrap_or_default(),
                );
            }
            None => {
                entry.insert("checked".into(), Value::Null);
            }
        }
        out.upstreams.insert(u.name.into(), Value::Object(entry));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upstreams::Imported;
    use serde_json::json;

    fn upstream(tools: &'static [Imported], imports_all: bool) -> Upstream {
        Upstream {
            name: "a",
            url: "https://mcp.example.com/mcp",
            bearer_secret: None,
            protocol: client::STATELESS,
            allow_any_host: false,
            timeout_ms: 1000,
            max_bytes: 1000,
            imports_all,
            tools,
        }
    }

    #[test]
    fn missing_changed_and_added_tools_are_told_apart() {
        let echo = json!({"name": "echo", "inputSchema": {"type": "object"}});
        let new = json!({"name": "new", "inputSchema": {"type": "object"}});
        let stale: &'static [Imported] = Box::leak(Box::new([
            Imported {
                remote: "echo",
                local: "a_echo",
                fingerprint: 0,
            },
            Imported {
                remote: "gone",
                local: "a_gone",
                fingerprint: 1,
            },
        ]));
        let c = compare(&upstream(stale, true), &[echo.clone(), new.clone()], 5);
        assert_eq!(c.missing, ["gone"]);
        assert_eq!(c.changed, ["echo"]);
        assert_eq!(c.added, ["new"]);
        assert!(c.drifted());
        let same: &'static [Imported] = Box::leak(Box::new([Imported {
            remote: "echo",
            local: "a_echo",
            fingerprint: fingerprint(&echo),
        }]));
        let c = compare(&upstream(same, false), &[echo, new], 5);
        assert!(
            !c.drifted(),
            "a tool not imported is no drift without tools = \"*\""
        );
    }
}
