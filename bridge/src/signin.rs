//! Signing in as a public OAuth client (N1.3): the gateway's discovery and registration via
//! rmcp's OAuth support, PKCE, and a loopback redirect on a free port bound to 127.0.0.1 only
//! that accepts the one redirect carrying this sign-in's `state` and closes (`callback`). The
//! browser is opened when possible; the URL is printed on stderr either way. Tokens go to the
//! credential store, never to the log.

use std::time::Duration;

use rmcp::transport::auth::{AuthError, AuthorizationManager, AuthorizationRequest, OAuthState};
use tokio::net::TcpListener;

use crate::callback;
use crate::config::Config;
use crate::credentials::FileCredentialStore;

/// How long the user has to finish signing in.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

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
    let expected_state = callback::state_of(&url).ok_or_else(|| {
        AuthError::InternalError("the authorization URL carries no `state`".into())
    })?;
    eprintln!(
        "dovecote-bridge: sign in to {} in your browser:\n  {url}",
        config.mcp_url
    );
    if config.open_browser {
        open_browser(&url);
    }
    let accepted = callback::accept(listener, &expected_state, callback::READ_TIMEOUT);
    let landed = tokio::time::timeout(SIGN_IN_TIMEOUT, accepted)
        .await
        .map_err(|_| AuthError::InternalError("nobody signed in within 5 minutes".into()))?
        .map_err(|e| AuthError::InternalError(format!("loopback listener failed: {e}")))?;
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
