//! Signing in as a public OAuth client (N1.3): the gateway's discovery and registration via
//! rmcp's OAuth support, PKCE, and a loopback redirect on a free port bound to 127.0.0.1 only
//! that accepts the one redirect and closes. The browser is opened when possible; the URL is
//! printed on stderr either way. Tokens go to the credential store, never to the log.

use std::time::Duration;

use rmcp::transport::auth::{AuthError, AuthorizationManager, AuthorizationRequest, OAuthState};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::credentials::FileCredentialStore;

/// How long the user has to finish signing in.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);
/// Largest request line accepted on the loopback listener.
const MAX_REQUEST_BYTES: usize = 8 * 1024;

const DONE_PAGE: &str = "<!doctype html><meta charset=utf-8><title>Dovecote</title>\
<p>Signed in to Dovecote. You can close this tab and return to your MCP client.</p>";

/// The manager for `config`'s gateway with its stored sign-in, if there is one.
pub async fn stored(
    config: &Config,
    store: &FileCredentialStore,
) -> Result<Option<AuthorizationManager>, AuthError> {
    let mut manager = AuthorizationManager::new(config.mcp_url.as_str()).await?;
    manager.set_credential_store(store.clone());
    Ok(manager.initialize_from_store().await?.then_some(manager))
}

/// Signs in through the browser and returns the signed-in manager.
pub async fn interactive(
    config: &Config,
    store: &FileCredentialStore,
) -> Result<AuthorizationManager, AuthError> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| AuthError::InternalError(format!("cannot listen on 127.0.0.1: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| AuthError::InternalError(e.to_string()))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let mut manager = AuthorizationManager::new(config.mcp_url.as_str()).await?;
    manager.set_credential_store(store.clone());
    let mut state = OAuthState::Unauthorized(manager);
    state
        .start_authorization(
            AuthorizationRequest::new(&redirect_uri).with_client_name("Dovecote bridge"),
        )
        .await?;
    let url = state.get_authorization_url().await?;
    eprintln!(
        "dovecote-bridge: sign in to {} in your browser:\n  {url}",
        config.mcp_url
    );
    if config.open_browser {
        open_browser(&url);
    }
    let landed = tokio::time::timeout(SIGN_IN_TIMEOUT, accept_redirect(listener))
        .await
        .map_err(|_| AuthError::InternalError("nobody signed in within 5 minutes".into()))??;
    state
        .handle_callback_url(&format!("http://127.0.0.1:{port}{landed}"))
        .await?;
    eprintln!(
        "dovecote-bridge: signed in; the sign-in is kept in {}",
        store.path().display()
    );
    state
        .into_authorization_manager()
        .ok_or_else(|| AuthError::InternalError("the sign-in did not complete".into()))
}

/// Waits for the browser's redirect to `/callback`, answers it and returns its path and
/// query. Other requests (a favicon) get 404; the listener closes after the redirect.
async fn accept_redirect(listener: TcpListener) -> Result<String, AuthError> {
    loop {
        let (mut socket, _) = listener
            .accept()
            .await
            .map_err(|e| AuthError::InternalError(format!("loopback listener failed: {e}")))?;
        let mut buf = vec![0u8; MAX_REQUEST_BYTES];
        let mut len = 0;
        while len < buf.len() {
            match socket.read(&mut buf[len..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => len += n,
            }
            if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let head = String::from_utf8_lossy(&buf[..len]);
        let target = head
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("GET "))
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or("");
        if target.starts_with("/callback?") {
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{DONE_PAGE}",
                DONE_PAGE.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
            let _ = socket.shutdown().await;
            return Ok(target.to_owned());
        }
        let _ = socket
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await;
    }
}

/// Opens `url` in the user's browser, quietly; the URL is on stderr if this fails.
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("rundll32");
        c.arg("url.dll,FileProtocolHandler");
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let _ = command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
