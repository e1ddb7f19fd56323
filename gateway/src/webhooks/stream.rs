//! `GET /events`: new event summaries as Server-Sent Events. The stream is held by the Worker,
//! not by a Durable Object: it asks each of the caller's stores for events after its position
//! every `EVENTS_POLL_MS` (a short request that lets the object sleep in between) and sends a
//! heartbeat comment every `EVENTS_HEARTBEAT_SECS`. Each event's SSE `id` encodes the position
//! in every tenant, so a client that reconnects with `Last-Event-ID` — after a network drop,
//! a Worker restart or the stream's maximum length — is sent exactly what it missed.

use std::collections::BTreeMap;

use futures_util::future::join_all;

use super::store::{self, MAX_LIST};
use super::visibility::Visible;
use super::Tenant;
use crate::platform::{Platform, PlatformError};

/// The SSE event name of a stored event.
pub const EVENT_NAME: &str = "github_event";
/// Longest `Last-Event-ID` accepted.
pub const MAX_CURSOR_LEN: usize = 8 * 1024;
/// The comment sent as a heartbeat.
pub const HEARTBEAT: &[u8] = b": heartbeat\n\n";

/// A position in each tenant's store: `store:seq` pairs joined by `,` (store names hold
/// neither), and — never from the client — what of each tenant the caller sees.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor(BTreeMap<Tenant, i64>, BTreeMap<Tenant, Visible>);

impl Cursor {
    /// Parses a `Last-Event-ID`. Tenants the caller may not read are dropped by `start`.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() > MAX_CURSOR_LEN {
            return None;
        }
        let mut positions = BTreeMap::new();
        for pair in text.split(',').filter(|p| !p.is_empty()) {
            let (login, seq) = pair.split_once(':')?;
            let seq: i64 = seq.parse().ok().filter(|s| *s >= 0)?;
            positions.insert(Tenant::parse(login).ok()?, seq);
        }
        Some(Self(positions, BTreeMap::new()))
    }

    /// The `id:` of an SSE event.
    pub fn encode(&self) -> String {
        self.0
            .iter()
            .map(|(t, s)| format!("{t}:{s}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The position in `tenant`.
    pub fn position(&self, tenant: &Tenant) -> Option<i64> {
        self.0.get(tenant).copied()
    }
}

/// Where a stream over `tenants` starts: from `last_event_id` where it names a tenant, else at
/// each store's newest event (a new listener is sent only what arrives from now on).
pub async fn start(
    platform: &Platform<'_>,
    visible: &[Visible],
    last_event_id: Option<&str>,
) -> Result<Cursor, PlatformError> {
    let tenants: Vec<Tenant> = visible.iter().map(|v| v.tenant.clone()).collect();
    let rules = visible
        .iter()
        .map(|v| (v.tenant.clone(), v.clone()))
        .collect();
    let resumed = last_event_id.and_then(Cursor::parse).unwrap_or_default();
    let missing: Vec<&Tenant> = tenants
        .iter()
        .filter(|t| resumed.position(t).is_none())
        .collect();
    let heads = join_all(missing.iter().map(|t| store::head(platform.objects, t))).await;
    let mut positions: BTreeMap<Tenant, i64> = tenants
        .iter()
        .filter_map(|t| resumed.position(t).map(|p| (t.clone(), p)))
        .collect();
    for (tenant, head) in missing.into_iter().zip(heads) {
        positions.insert(tenant.clone(), head?);
    }
    Ok(Cursor(positions, rules))
}

/// The SSE frames of every event after `cursor`, oldest first per tenant, moving the cursor
/// past them. Empty when nothing new arrived.
pub async fn poll(platform: &Platform<'_>, cursor: &mut Cursor) -> Result<Vec<u8>, PlatformError> {
    let tenants: Vec<(Tenant, i64)> = cursor.0.iter().map(|(t, s)| (t.clone(), *s)).collect();
    let answers = join_all(
        tenants
            .iter()
            .map(|(t, s)| store::after(platform.objects, t, *s, MAX_LIST)),
    )
    .await;
    let mut frames = Vec::new();
    for ((tenant, _), events) in tenants.iter().zip(answers) {
        for mut stored in events? {
            cursor.0.insert(tenant.clone(), stored.seq);
            // Hidden events move the cursor past them, unsent.
            let Some(v) = cursor
                .1
                .get(tenant)
                .filter(|v| v.rule.allows(&stored.event))
            else {
                continue;
            };
            v.tag(&mut stored.event);
            let data =
                serde_json::to_string(&stored.event).map_err(|e| PlatformError(e.to_string()))?;
            frames.extend_from_slice(
                format!(
                    "id: {}\nevent: {EVENT_NAME}\ndata: {data}\n\n",
                    cursor.encode()
                )
                .as_bytes(),
            );
        }
    }
    Ok(frames)
}

/// The first bytes of a stream: how long clients should wait before reconnecting, and a
/// comment that confirms the stream is open.
pub fn opening(retry_ms: u64) -> Vec<u8> {
    format!("retry: {retry_ms}\n: connected\n\n").into_bytes()
}
