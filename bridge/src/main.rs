//! `dovecote-bridge`: a local stdio MCP server for Claude Code and Claude Desktop. It holds no
//! data: tools come from the Dovecote gateway's `/mcp` and calls go there; GitHub events from
//! the gateway's `/events` become `notifications/claude/channel` messages. Configuration is
//! the environment (`DOVECOTE_URL`, `WEBHOOK_CHANNEL`, `DOVECOTE_TOKEN`); see docs/connect.md.
//! stdout carries MCP only; everything for people goes to stderr.

mod config;
mod credentials;
mod events;
mod server;
mod signin;
mod sse;
mod upstream;

use std::sync::Arc;

use rmcp::transport::auth::AuthClient;
use rmcp::ServiceExt;
use tokio::sync::watch;

use crate::config::Config;
use crate::credentials::FileCredentialStore;
use crate::server::Bridge;
use crate::upstream::{Access, Upstream};

#[tokio::main]
async fn main() {
    let config = match Config::from_vars(|name| std::env::var(name).ok()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("dovecote-bridge: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(config).await {
        eprintln!("dovecote-bridge: {e}");
        std::process::exit(1);
    }
}

async fn run(config: Config) -> Result<(), String> {
    let (access_tx, access_rx) = watch::channel(None);
    let upstream = Arc::new(Upstream::new(config.clone(), access_rx));
    let bridge = Bridge::new(upstream.clone(), config.channel);
    let store = FileCredentialStore::new(&config.config_dir, &config.mcp_url);
    match &config.token {
        Some(token) => {
            access_tx.send_replace(Some(Access::Fixed(token.clone())));
        }
        None => {
            tokio::spawn(acquire(config.clone(), store, bridge.clone(), access_tx));
        }
    }
    let running = bridge
        .clone()
        .serve(rmcp::transport::io::stdio())
        .await
        .map_err(|e| format!("the MCP client did not initialize: {e}"))?;
    if config.channel {
        tokio::spawn(events::follow(
            config.clone(),
            upstream.clone(),
            bridge.peer(),
        ));
    }
    let watcher = bridge.clone();
    let every = config.tools_poll;
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let _ = watcher.refresh_tools().await;
        }
    });
    running.waiting().await.map_err(|e| e.to_string())?;
    Ok(())
}

/// Finds the stored sign-in, or signs in through the browser, then publishes it. A gateway
/// that cannot be reached is retried (1 s doubling to 60 s) rather than ending the bridge.
async fn acquire(
    config: Config,
    store: FileCredentialStore,
    bridge: Bridge,
    access: watch::Sender<Option<Access>>,
) {
    let mut backoff = std::time::Duration::from_secs(1);
    let manager = loop {
        match signin::stored(&config, &store).await {
            Ok(Some(manager)) => break manager,
            Ok(None) => match signin::interactive(&config, &store).await {
                Ok(manager) => break manager,
                Err(e) => eprintln!("dovecote-bridge: sign-in failed: {e}"),
            },
            Err(e) => eprintln!(
                "dovecote-bridge: cannot reach {} ({e}); retrying",
                config.mcp_url
            ),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(std::time::Duration::from_secs(60));
    };
    access.send_replace(Some(Access::SignedIn(AuthClient::new(
        reqwest::Client::new(),
        manager,
    ))));
    bridge.announce_tools().await;
}
