//! Subscriptions to resources, in both generations. A family that can say when one of its
//! resources changed declares a `watch` (the GitHub pending summaries do: a delivery the
//! subscriber may see changes its account's summary); a held stream polls each watch at the
//! pace of `/events` and sends `notifications/resources/updated` for what changed.
//!
//! - 2026-07-28: `subscriptions/listen` answers with an event stream that opens with
//!   `notifications/subscriptions/acknowledged` (what of the filter is honoured: the resource
//!   subscriptions the caller may watch; no list-changed type, since the lists are fixed per
//!   deployment) and carries the updates, each naming the subscription; at its maximum age it
//!   ends with the listen result, and the client listens again.
//! - 2025: `resources/subscribe` and `resources/unsubscribe` keep the session's subscriptions
//!   in its `McpSession` object, each with where its watch started; the session's standalone
//!   stream (`GET /mcp`, or the legacy `/sse` stream) appends the updates to its log, so a
//!   client that reconnects with `Last-Event-ID` gets those it missed.

use std::collections::BTreeMap;

use serde_json::Value;

use super::dispatch::{server_info, Call};
use super::jsonrpc::{self, RequestId, RpcError, INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST};
use super::model::{
    AcknowledgedParams, EmptyResult, ListenResult, ListenResultMeta, ResourceUpdatedParams,
    SubscriptionFilter, SubscriptionMeta, SubscriptionNotification,
};
use super::resource_methods::{failure, families, family_of};
use super::transport::McpServer;
use crate::config::Config;
use crate::platform::{Platform, PlatformError};
use crate::sessions::{Feed, FeedStream, SessionRef, MAX_SUBSCRIPTIONS};
use crate::toolbox::{Principal, ResourceEntry, ToolContext, Watcher};

/// Who subscribes and the families they may read, owned, so a stream can start watches long
/// after the request that opened it.
struct Subscriber {
    principal: Principal,
    config: Config,
    families: Vec<&'static ResourceEntry>,
}

impl Subscriber {
    fn new(server: &McpServer<'_>, principal: &Principal) -> Self {
        Self {
            principal: principal.clone(),
            config: server.config.clone(),
            families: families(server.toolbox, principal).collect(),
        }
    }

    fn of(call: &Call<'_>) -> Self {
        Self {
            principal: call.principal.clone(),
            config: call.config.clone(),
            families: families(call.toolbox, call.principal).collect(),
        }
    }

    /// A watch of `uri` from `mark` (else from now): not found unless a family the caller may
    /// read matches it and the caller sees the resource; refused when its family sends no
    /// updates.
    async fn watch(
        &self,
        platform: &Platform<'_>,
        uri: &str,
        mark: Option<&str>,
    ) -> Result<Box<dyn Watcher>, RpcError> {
        let (family, captures) = family_of(self.families.iter().copied(), uri)?;
        let Some(watch) = family.def.watch else {
            return Err(RpcError::new(
                INVALID_PARAMS,
                400,
                format!(
                    "Resource `{uri}` sends no updates (its {} resources do not change); read it again when you need it",
                    family.def.name
                ),
            ));
        };
        let ctx = ToolContext::new(&self.principal, platform, None, None).with_config(&self.config);
        watch(&ctx, uri, &captures, mark)
            .await
            .map_err(|e| failure(e, uri))
    }
}

fn uri_param<'p>(call: &Call<'p>) -> Result<&'p str, RpcError> {
    call.params
        .get("uri")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::new(INVALID_PARAMS, 400, "`uri` (the resource) is required"))
}

fn unavailable(e: &PlatformError) -> RpcError {
    crate::log::internal("subscriptions", &e.0);
    RpcError::new(
        INTERNAL_ERROR,
        503,
        "The session could not be reached just now; retry in a few seconds",
    )
}

/// `resources/subscribe` (`on`) and `resources/unsubscribe` of the session era.
pub(super) async fn subscribe(call: &Call<'_>, on: bool) -> Result<EmptyResult, RpcError> {
    let uri = uri_param(call)?;
    let Some(session) = &call.subscriber else {
        return Err(RpcError::new(
            INVALID_REQUEST,
            400,
            "Subscriptions belong to a session: send the Mcp-Session-Id the initialize response carried",
        ));
    };
    let mark = if on {
        let watch = Subscriber::of(call).watch(call.platform, uri, None).await?;
        Some(watch.mark())
    } else {
        None
    };
    match session.subscribe(call.platform.objects, uri, mark).await {
        Ok(Some(true)) => Ok(EmptyResult {}),
        Ok(Some(false)) => Err(RpcError::new(
            INVALID_PARAMS,
            400,
            format!("This session already follows {MAX_SUBSCRIPTIONS} resources; unsubscribe from one first"),
        )),
        Ok(None) => Err(RpcError::new(
            INVALID_REQUEST,
            404,
            "The session has ended; initialize a new one",
        )),
        Err(e) => Err(unavailable(&e)),
    }
}

/// The SSE frame of one JSON-RPC message.
fn frame(message: &str) -> Vec<u8> {
    format!("event: message\ndata: {message}\n\n").into_bytes()
}

fn unencodable(e: RpcError) -> PlatformError {
    PlatformError(e.message)
}

/// `subscriptions/listen` (2026-07-28): the stream, opening with its acknowledgement.
pub(super) async fn listen(call: &Call<'_>, id: &RequestId) -> Result<FeedStream, RpcError> {
    let asked: SubscriptionFilter = match call.params.get("notifications") {
        Some(v @ Value::Object(_)) => serde_json::from_value(v.clone()).map_err(|e| {
            RpcError::new(
                INVALID_PARAMS,
                400,
                format!("`notifications` is not a subscription filter: {e}"),
            )
        })?,
        _ => {
            return Err(RpcError::new(
                INVALID_PARAMS,
                400,
                "`notifications` (what to be notified of) is required: an object such as {\"resourceSubscriptions\": [\"<uri>\"]}",
            ))
        }
    };
    let uris = asked.resource_subscriptions.clone().unwrap_or_default();
    if uris.len() > MAX_SUBSCRIPTIONS {
        return Err(RpcError::new(
            INVALID_PARAMS,
            400,
            format!(
                "One stream follows at most {MAX_SUBSCRIPTIONS} resources; listen on more streams"
            ),
        ));
    }
    let subscriber = Subscriber::of(call);
    let mut watches: Vec<(String, Box<dyn Watcher>)> = Vec::new();
    for uri in uris {
        if watches.iter().any(|(u, _)| *u == uri) {
            continue;
        }
        match subscriber.watch(call.platform, &uri, None).await {
            Ok(watch) => watches.push((uri, watch)),
            // Storage failed: the client should retry rather than believe it unwatchable.
            Err(e) if e.code == INTERNAL_ERROR => return Err(e),
            // Not honoured: left out of the acknowledgement.
            Err(_) => {}
        }
    }
    let honoured = SubscriptionFilter {
        resource_subscriptions: asked
            .resource_subscriptions
            .map(|_| watches.iter().map(|(u, _)| u.clone()).collect()),
        ..SubscriptionFilter::default()
    };
    let subscription_id = id.to_json().clone();
    let ack = SubscriptionNotification::Acknowledged(AcknowledgedParams {
        notifications: honoured,
        meta: SubscriptionMeta {
            subscription_id: subscription_id.clone(),
        },
    });
    Ok(FeedStream {
        opening: frame(&jsonrpc::notification_body(&ack)?),
        feed: Box::new(Listening {
            id: id.clone(),
            watches,
        }),
    })
}

/// A listen stream's watches.
struct Listening {
    id: RequestId,
    watches: Vec<(String, Box<dyn Watcher>)>,
}

#[async_trait::async_trait(?Send)]
impl Feed for Listening {
    async fn poll(&mut self, platform: &Platform<'_>) -> Result<Vec<u8>, PlatformError> {
        let mut frames = Vec::new();
        for (uri, watch) in &mut self.watches {
            if changed(watch.as_mut(), platform).await? {
                let n = SubscriptionNotification::ResourceUpdated(ResourceUpdatedParams {
                    uri: uri.clone(),
                    meta: Some(SubscriptionMeta {
                        subscription_id: self.id.to_json().clone(),
                    }),
                });
                frames.extend(frame(&jsonrpc::notification_body(&n).map_err(unencodable)?));
            }
        }
        Ok(frames)
    }

    fn closing(&self) -> Option<Vec<u8>> {
        let result = ListenResult {
            result_type: "complete".into(),
            meta: ListenResultMeta {
                server_info: server_info(),
                subscription_id: self.id.to_json().clone(),
            },
        };
        jsonrpc::result_body(&self.id, &result)
            .ok()
            .map(|body| frame(&body))
    }
}

async fn changed(watch: &mut dyn Watcher, platform: &Platform<'_>) -> Result<bool, PlatformError> {
    watch.changed(platform).await.map_err(|e| match e {
        crate::toolbox::ResourceError::Unavailable(why) => PlatformError(why),
        other => PlatformError(format!("a watch failed: {other:?}")),
    })
}

/// The feed of a session's standalone stream (`stream`): its subscriptions' updates, appended
/// to the session's log.
pub fn session_feed(
    server: &McpServer<'_>,
    principal: &Principal,
    session: SessionRef,
    stream: &str,
) -> Box<dyn Feed> {
    Box::new(SessionFeed {
        session,
        stream: stream.to_owned(),
        subscriber: Subscriber::new(server, principal),
        watches: BTreeMap::new(),
    })
}

struct SessionFeed {
    session: SessionRef,
    stream: String,
    subscriber: Subscriber,
    watches: BTreeMap<String, Box<dyn Watcher>>,
}

#[async_trait::async_trait(?Send)]
impl Feed for SessionFeed {
    async fn poll(&mut self, platform: &Platform<'_>) -> Result<Vec<u8>, PlatformError> {
        let Some(held) = self.session.subscriptions(platform.objects).await? else {
            return Ok(Vec::new());
        };
        self.watches
            .retain(|uri, _| held.iter().any(|(u, _)| u == uri));
        for (uri, mark) in &held {
            if self.watches.contains_key(uri) {
                continue;
            }
            // A resource the caller no longer sees is not watched (tried again next poll).
            if let Ok(watch) = self.subscriber.watch(platform, uri, Some(mark)).await {
                self.watches.insert(uri.clone(), watch);
            }
        }
        let mut updates = Vec::new();
        let mut moved = Vec::new();
        for (uri, watch) in &mut self.watches {
            if changed(watch.as_mut(), platform).await? {
                let n = SubscriptionNotification::ResourceUpdated(ResourceUpdatedParams {
                    uri: uri.clone(),
                    meta: None,
                });
                updates.push(jsonrpc::notification_body(&n).map_err(unencodable)?);
                moved.push((uri.clone(), watch.mark()));
            }
        }
        if !updates.is_empty() {
            self.session
                .finish(platform.objects, &self.stream, None, updates, false)
                .await?;
            // A stream opened after this one (a reconnect) starts past what was sent.
            for (uri, mark) in moved {
                self.session.moved(platform.objects, &uri, mark).await?;
            }
        }
        // The stream reads them from the log, with their ids.
        Ok(Vec::new())
    }
}
