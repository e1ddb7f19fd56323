//! Subscriptions relayed. The local client subscribes to a gateway resource with
//! `resources/subscribe` (the session era it speaks over stdio); the bridge keeps one
//! `subscriptions/listen` stream open to the gateway for the whole set, opened anew when the
//! set changes or the stream ends (the gateway ends each one at its maximum age), and passes
//! each `notifications/resources/updated` on to the local client.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{ResourceUpdatedNotificationParam, ServerNotification};
use rmcp::service::{Peer, RoleServer};
use rmcp::ErrorData;
use tokio::sync::{watch, Mutex};
use tokio::task::JoinHandle;

use crate::upstream::{Upstream, UpstreamError};

/// The longest pause before listening again after the gateway could not be reached.
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// The local client's subscriptions and the stream that serves them.
pub struct Subscriptions {
    upstream: Arc<Upstream>,
    local: watch::Receiver<Option<Peer<RoleServer>>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    uris: BTreeSet<String>,
    relaying: Option<JoinHandle<()>>,
}

impl Drop for State {
    fn drop(&mut self) {
        if let Some(task) = self.relaying.take() {
            task.abort();
        }
    }
}

impl Subscriptions {
    /// No subscriptions yet; updates go to `local` once it has initialized.
    pub fn new(upstream: Arc<Upstream>, local: watch::Receiver<Option<Peer<RoleServer>>>) -> Self {
        Self {
            upstream,
            local,
            state: Mutex::default(),
        }
    }

    /// Subscribes to `uri`: answered once the gateway acknowledged it; refused when the
    /// gateway sends no updates for it (unknown, not the caller's, or a resource that never
    /// changes).
    pub async fn subscribe(&self, uri: String) -> Result<(), ErrorData> {
        let mut state = self.state.lock().await;
        let mut wanted = state.uris.clone();
        wanted.insert(uri.clone());
        let subscription = self.upstream.listen(&wanted).await.map_err(refused)?;
        let honoured = subscription
            .acknowledged()
            .resource_subscriptions
            .as_ref()
            .is_some_and(|u| u.contains(&uri));
        if !honoured {
            let mut subscription = subscription;
            let _ = subscription.cancel().await;
            return Err(ErrorData::invalid_params(
                format!("The gateway sends no updates for `{uri}`: read it again when you need it"),
                None,
            ));
        }
        self.relay(&mut state, wanted, subscription);
        Ok(())
    }

    /// Unsubscribes from `uri` (nothing happens if it was not subscribed).
    pub async fn unsubscribe(&self, uri: &str) -> Result<(), ErrorData> {
        let mut state = self.state.lock().await;
        if !state.uris.contains(uri) {
            return Ok(());
        }
        let mut wanted = state.uris.clone();
        wanted.remove(uri);
        if wanted.is_empty() {
            if let Some(task) = state.relaying.take() {
                task.abort();
            }
            state.uris = wanted;
            return Ok(());
        }
        let subscription = self.upstream.listen(&wanted).await.map_err(refused)?;
        self.relay(&mut state, wanted, subscription);
        Ok(())
    }

    /// Relays `subscription` (for `uris`) from now on, in place of the one before.
    fn relay(
        &self,
        state: &mut State,
        uris: BTreeSet<String>,
        subscription: rmcp::service::Subscription,
    ) {
        if let Some(task) = state.relaying.take() {
            task.abort();
        }
        state.uris = uris.clone();
        let (upstream, local) = (self.upstream.clone(), self.local.clone());
        state.relaying = Some(tokio::spawn(relay(upstream, local, uris, subscription)));
    }
}

fn refused(e: UpstreamError) -> ErrorData {
    match e {
        UpstreamError::Rpc(e) => e,
        other => ErrorData::internal_error(other.to_string(), None),
    }
}

/// Passes the stream's updates on; when it ends, listens again (pausing longer each time the
/// gateway cannot be reached).
async fn relay(
    upstream: Arc<Upstream>,
    local: watch::Receiver<Option<Peer<RoleServer>>>,
    uris: BTreeSet<String>,
    mut subscription: rmcp::service::Subscription,
) {
    loop {
        match subscription.next().await {
            Ok(Some(ServerNotification::ResourceUpdatedNotification(n))) => {
                let peer = local.borrow().clone();
                if let Some(peer) = peer {
                    let params = ResourceUpdatedNotificationParam::new(n.params.uri);
                    let _ = peer.notify_resource_updated(params).await;
                }
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => {
                let mut pause = Duration::from_millis(250);
                subscription = loop {
                    tokio::time::sleep(pause).await;
                    match upstream.listen(&uris).await {
                        Ok(s) => break s,
                        Err(_) => pause = (pause * 2).min(MAX_PAUSE),
                    }
                };
            }
        }
    }
}
