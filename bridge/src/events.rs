//! GitHub events as channel notifications (F5.2–F5.4): follows the gateway's `/events` stream
//! with the access token, and sends each new event summary to the local client as
//! `notifications/claude/channel`. It reconnects with backoff (1 s doubling to 60 s), resumes
//! with `Last-Event-ID` so nothing is missed or repeated across drops and gateway restarts,
//! and treats a silence longer than two heartbeats as a drop. The last relayed id is kept on
//! disk (cursor.rs), so a restarted bridge relays what arrived while it was stopped.

use std::time::Duration;

use futures_util::StreamExt;
use rmcp::model::{CustomNotification, ServerNotification};
use rmcp::service::{Peer, RoleServer};
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::config::Config;
use crate::cursor::EventCursor;
use crate::sse::{Item, Parser};
use crate::upstream::{Upstream, UpstreamError};

/// The notification Claude Code shows as a channel message.
pub const CHANNEL_METHOD: &str = "notifications/claude/channel";
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The channel message for one event summary, or `None` for something that is not one.
pub fn channel_message(summary: &Value) -> Option<Value> {
    let text = |k: &str| {
        summary
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let id = text("id")?;
    let kind = text("type").unwrap_or("event");
    let mut headline = match text("action") {
        Some(action) => format!("GitHub {kind} {action}"),
        None => format!("GitHub {kind}"),
    };
    if let Some(repo) = text("repo") {
        headline.push_str(&format!(" in {repo}"));
    }
    let mut content = headline;
    if let Some(title) = text("title") {
        match summary.get("number").and_then(Value::as_u64) {
            Some(n) => content.push_str(&format!(": #{n} {title}")),
            None => content.push_str(&format!(": {title}")),
        }
    }
    for (label, key) in [("branch", "head_branch"), ("conclusion", "conclusion")] {
        if let Some(v) = text(key) {
            content.push_str(&format!(" [{label}: {v}]"));
        }
    }
    let sender = text("sender");
    if let Some(sender) = sender {
        content.push_str(&format!(" by {sender}"));
    }
    if let Some(url) = text("url") {
        content.push_str(&format!("\n{url}"));
    }
    Some(json!({
        "content": content,
        "meta": {
            "chat_id": "github",
            "message_id": id,
            "user": sender.unwrap_or("github"),
            "ts": text("received_at").unwrap_or_default(),
        }
    }))
}

/// Why a connection to `/events` ended.
enum Ended {
    /// Dropped, refused or silent: reconnect after the backoff.
    Retry(String),
    /// The stream delivered at least one item before dropping: reconnect at once.
    AfterProgress,
    /// The gateway has no event stream (404): stop following.
    NoStream,
}

/// Follows `/events` until the process ends.
pub async fn follow(
    config: Config,
    upstream: std::sync::Arc<Upstream>,
    mut peer: watch::Receiver<Option<Peer<RoleServer>>>,
) {
    let Ok(peer) = peer.wait_for(Option::is_some).await.map(|p| p.clone()) else {
        return;
    };
    let Some(peer) = peer else { return };
    let http = reqwest::Client::new();
    let cursor = EventCursor::new(&config.config_dir, &config.mcp_url);
    let mut last_id = cursor.load();
    let mut backoff = FIRST_BACKOFF;
    loop {
        match connect_once(&config, &upstream, &http, &peer, &cursor, &mut last_id).await {
            Ended::NoStream => {
                eprintln!("dovecote-bridge: the gateway has no /events stream; channel notifications are off");
                return;
            }
            Ended::AfterProgress => backoff = FIRST_BACKOFF,
            Ended::Retry(why) => {
                eprintln!(
                    "dovecote-bridge: event stream: {why}; reconnecting in {}s",
                    backoff.as_secs()
                );
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

async fn connect_once(
    config: &Config,
    upstream: &Upstream,
    http: &reqwest::Client,
    peer: &Peer<RoleServer>,
    cursor: &EventCursor,
    last_id: &mut Option<String>,
) -> Ended {
    let Some(access) = upstream.access(Duration::from_secs(3600)).await else {
        return Ended::Retry("not signed in yet".into());
    };
    let token = match access.token().await {
        Ok(t) => t,
        Err(UpstreamError::SignInNeeded) => {
            return Ended::Retry("the sign-in is no longer valid".into())
        }
        Err(e) => return Ended::Retry(e.to_string()),
    };
    let mut request = http
        .get(config.events_url.as_str())
        .bearer_auth(token)
        .header("accept", "text/event-stream");
    if let Some(id) = last_id.as_deref() {
        request = request.header("last-event-id", id);
    }
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return Ended::Retry(format!("cannot connect ({e})")),
    };
    match response.status().as_u16() {
        200 => {}
        404 => return Ended::NoStream,
        status => return Ended::Retry(format!("the gateway answered {status}")),
    }
    let silence = config.heartbeat * 2 + Duration::from_secs(5);
    let mut stream = response.bytes_stream();
    let mut parser = Parser::default();
    let mut progressed = false;
    let mut items = Vec::new();
    loop {
        let chunk = match tokio::time::timeout(silence, stream.next()).await {
            Err(_) => return Ended::Retry(format!("no heartbeat for {}s", silence.as_secs())),
            Ok(None) => break,
            Ok(Some(Err(e))) => return Ended::Retry(format!("the stream broke ({e})")),
            Ok(Some(Ok(bytes))) => bytes,
        };
        parser.feed(&chunk, &mut items);
        for item in items.drain(..) {
            progressed = true;
            let Item::Event { id, data, .. } = item else {
                continue;
            };
            if let Some(message) = serde_json::from_str::<Value>(&data)
                .ok()
                .as_ref()
                .and_then(channel_message)
            {
                let notification = CustomNotification::new(CHANNEL_METHOD, Some(message));
                if peer
                    .send_notification(ServerNotification::CustomNotification(notification))
                    .await
                    .is_err()
                {
                    // The local client went away; the process is ending.
                    return Ended::Retry("the MCP client disconnected".into());
                }
            }
            if let Some(id) = id {
                if let Err(e) = cursor.save(&id) {
                    eprintln!("dovecote-bridge: cannot remember the last event ({e}); a restart may relay it again");
                }
                *last_id = Some(id);
            }
        }
    }
    if progressed {
        Ended::AfterProgress
    } else {
        Ended::Retry("the stream ended".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_becomes_content_and_meta() {
        let m = channel_message(&json!({
            "id": "d1", "type": "pull_request", "action": "opened", "repo": "octo/hello",
            "number": 7, "title": "Fix it", "sender": "octocat", "url": "https://github.com/octo/hello/pull/7",
            "received_at": "2026-11-23T04:00:00Z", "head_branch": "fix"
        }))
        .unwrap();
        assert_eq!(
            m["content"],
            "GitHub pull_request opened in octo/hello: #7 Fix it [branch: fix] by octocat\nhttps://github.com/octo/hello/pull/7"
        );
        assert_eq!(
            m["meta"],
            json!({"chat_id": "github", "message_id": "d1", "user": "octocat", "ts": "2026-11-23T04:00:00Z"})
        );
    }

    #[test]
    fn sparse_or_foreign_summaries_never_fail() {
        let m = channel_message(&json!({"id": "p", "type": "ping"})).unwrap();
        assert_eq!(m["content"], "GitHub ping");
        assert_eq!(m["meta"]["user"], "github");
        assert!(channel_message(&json!({"type": "push"})).is_none());
        assert!(channel_message(&json!("not an object")).is_none());
    }
}
