//! `dovecote-bridge`: a local stdio MCP server for Claude Code and Claude Desktop. It holds no
//! data: tools come from the Dovecote gateway's `/mcp` and calls go there; GitHub events from
//! the gateway's `/events` become `notifications/claude/channel` messages. Configuration is
//! the environment (`DOVECOTE_URL`, `WEBHOOK_CHANNEL`, `DOVECOTE_TOKEN`); see docs/connect.md.
//! stdout carries MCP only; everything for people goes to stderr.

mod callback;
mod config;
mod credentials;
mod cursor;
mod events;
mod private_file;
mod relay;
mod server;
mod signin;
mod sse;
mod subscriptions;
mod upstream;

use std::sync::Arc;

use rmcp::transport::auth::AuthClient;
use rmcp::ServiceExt;
use tokio::sync::watch;

use crate::config::Config;
use crate::credentials::FileCredentialStore;
use crate::relay::Relay;
use crate::server::Bridge;
use crate::upstream::{Access, Upstream};

const HELP: &str = "\
dovecote-bridge: a local stdio MCP server for a Dovecote gateway's tools and GitHub events.
An MCP client starts it; it speaks MCP on stdin/stdout and writes messages for you to stderr.

Usage:
  claude mcp add dovecote -e DOVECOTE_URL=https://your-gateway.example/mcp -- npx -y dovecote-bridge
  dovecote-bridge --version | --help

Environment:
  DOVECOTE_URL          the gateway's MCP endpoint, ending in /mcp (required)
  WEBHOOK_CHANNEL       0 to turn off GitHub events as channel messages (on by default)
  DOVECOTE_TOKEN        a fixed access token instead of the browser sign-in
  DOVECOTE_CONFIG_DIR   where the sign-in and the last relayed event are kept
  DOVECOTE_NO_BROWSER   1 to print the sign-in URL without opening a browser

Documentation: docs/connect.md in the Dovecote repository.
";

/// What the command line asks for besides serving.
fn answer_flags(args: impl Iterator<Item = String>) -> Option<Result<String, String>> {
    let args: Vec<String> = args.collect();
    match args.first().map(String::as_str) {
        None => None,
        Some("--version" | "-V") => Some(Ok(format!(
            "dovecote-bridge {}\n",
            env!("CARGO_PKG_VERSION")
        ))),
        Some("--help" | "-h") => Some(Ok(HELP.to_owned())),
        Some(other) => Some(Err(format!(
            "unknown argument `{other}`; the bridge is configured by its environment (see --help)"
        ))),
    }
}

#[tokio::main]
async fn main() {
    match answer_flags(std::env::args().skip(1)) {
        None => {}
        Some(Ok(text)) => {
            print!("{text}");
            return;
        }
        Some(Err(e)) => {
            eprintln!("dovecote-bridge: {e}");
            std::process::exit(2);
        }
    }
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
    let (local_tx, local_rx) = watch::channel(None);
    let relay = Relay::new(local_rx);
    let upstream = Arc::new(Upstream::new(config.clone(), access_rx, relay));
    let bridge = Bridge::new(upstream.clone(), config.channel, local_tx);
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

#[cfg(test)]
mod tests {
    use super::answer_flags;

    fn flags(args: &[&str]) -> Option<Result<String, String>> {
        answer_flags(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn version_help_and_unknown_arguments() {
        assert_eq!(flags(&[]), None, "no argument: serve");
        let version = flags(&["--version"]).unwrap().unwrap();
        assert_eq!(
            version,
            format!("dovecote-bridge {}\n", env!("CARGO_PKG_VERSION"))
        );
        assert!(flags(&["-h"]).unwrap().unwrap().contains("DOVECOTE_URL"));
        assert!(flags(&["--serve"]).unwrap().unwrap_err().contains("--help"));
    }
}
