//! What the authorization server keeps in KV: registered clients (secrets only as hashes),
//! access tokens (by hash, expiring with the token) and revoked-grant markers (living as long
//! as an access token). One-answer rules live in the
//! `GrantStore` object instead (`crate::grants`).

use serde::{Deserialize, Serialize};

use super::{ClientId, ClientMetadata};
use crate::platform::{Kv, PlatformError};

fn client_key(id: &str) -> String {
    format!("oauth:client:{id}")
}

fn access_key(hash: &str) -> String {
    format!("oauth:access:{hash}")
}

const GRANT_PREFIX: &str = "oauth:grant:";
/// `oauth:user-grant:<subject>/<grant id>`: the grants of one user, for `GET /grants`.
const USER_GRANT_PREFIX: &str = "oauth:user-grant:";

fn user_grant_prefix(subject: &str) -> String {
    format!("{USER_GRANT_PREFIX}{subject}/")
}
const CLIENT_PREFIX: &str = "oauth:client:";

/// What operators see of a grant (the index beside the grant's own object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantSummary {
    /// The grant's id.
    pub grant_id: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The user.
    pub subject: String,
    /// Granted scopes, space-separated.
    pub scopes: String,
    /// When it was created.
    pub created_ms: u64,
    /// When a token of it was last issued.
    pub last_used_ms: u64,
}

/// How long a grant's summary outlives its last refresh token: long enough for the daily
/// scheduled purge to find the dead grant through it and clear its object.
const GRANT_INDEX_GRACE_SECS: u64 = 3 * 24 * 3600;

/// Records or refreshes a grant's summary; it lives as long as a refresh token could, and a
/// few days more for the scheduled purge.
pub async fn put_grant(
    kv: &dyn Kv,
    summary: &GrantSummary,
    ttl_secs: u64,
) -> Result<(), PlatformError> {
    let bytes = serde_json::to_vec(summary).map_err(|e| PlatformError(e.to_string()))?;
    let ttl = Some(ttl_secs + GRANT_INDEX_GRACE_SECS);
    kv.put(&format!("{GRANT_PREFIX}{}", summary.grant_id), &bytes, ttl)
        .await?;
    let by_user = format!(
        "{}{}",
        user_grant_prefix(&summary.subject),
        summary.grant_id
    );
    kv.put(&by_user, b"", ttl).await
}

/// Most grants one user's listing returns.
pub const MAX_USER_GRANTS: usize = 200;

/// The grants of user `subject` (`<idp>:<id>`) that still have a summary, up to
/// `MAX_USER_GRANTS`. A revoked grant's index entry outlives its summary and is skipped.
pub async fn grants_of(kv: &dyn Kv, subject: &str) -> Result<Vec<GrantSummary>, PlatformError> {
    let prefix = user_grant_prefix(subject);
    let mut out = Vec::new();
    for key in kv.list(&prefix, MAX_USER_GRANTS).await? {
        if let Some(g) = grant(kv, &key[prefix.len()..]).await? {
            if g.subject == subject {
                out.push(g);
            }
        }
    }
    Ok(out)
}

/// Up to `limit` grant ids from the index, in key order.
pub async fn grant_ids(kv: &dyn Kv, limit: usize) -> Result<Vec<String>, PlatformError> {
    Ok(kv
        .list(GRANT_PREFIX, limit)
        .await?
        .into_iter()
        .map(|key| key[GRANT_PREFIX.len()..].to_owned())
        .collect())
}

/// Most grant ids the index is read for at once, to find where a purge left off.
pub const MAX_GRANT_INDEX: usize = 100_000;

/// Up to `limit` grant ids that come after `after` in key order (all from the start when
/// `after` is `None`), for a purge that goes on where the last one stopped.
pub async fn grant_ids_after(
    kv: &dyn Kv,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<String>, PlatformError> {
    Ok(grant_ids(kv, MAX_GRANT_INDEX)
        .await?
        .into_iter()
        .filter(|id| after.is_none_or(|a| id.as_str() > a))
        .take(limit)
        .collect())
}

/// A grant's summary.
pub async fn grant(kv: &dyn Kv, grant_id: &str) -> Result<Option<GrantSummary>, PlatformError> {
    decode(kv.get(&format!("{GRANT_PREFIX}{grant_id}")).await?)
}

/// Forgets a grant's summary.
pub async fn delete_grant(kv: &dyn Kv, grant_id: &str) -> Result<(), PlatformError> {
    kv.delete(&format!("{GRANT_PREFIX}{grant_id}")).await
}

/// Up to `limit` grant summaries.
pub async fn grants(kv: &dyn Kv, limit: usize) -> Result<Vec<GrantSummary>, PlatformError> {
    let mut out = Vec::new();
    for key in kv.list(GRANT_PREFIX, limit).await? {
        if let Some(g) = decode(kv.get(&key).await?)? {
            out.push(g);
        }
    }
    Ok(out)
}

/// Up to `limit` registered clients with their ids.
pub async fn clients(
    kv: &dyn Kv,
    limit: usize,
) -> Result<Vec<(String, StoredClient)>, PlatformError> {
    let mut out = Vec::new();
    for key in kv.list(CLIENT_PREFIX, limit).await? {
        if let Some(c) = decode(kv.get(&key).await?)? {
            out.push((key[CLIENT_PREFIX.len()..].to_owned(), c));
        }
    }
    Ok(out)
}

/// Deletes a registered client.
pub async fn delete_client(kv: &dyn Kv, id: &str) -> Result<(), PlatformError> {
    kv.delete(&client_key(id)).await
}

/// A registered client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredClient {
    /// Its validated metadata.
    pub metadata: ClientMetadata,
    /// Hash of its secret, for confidential clients.
    pub secret_hash: Option<String>,
    /// When it registered, in seconds since the epoch.
    pub issued_at: u64,
    /// Registered itself at `/register` (not by the operator): its record expires once
    /// nothing has used it for as long as a refresh token lives.
    #[serde(default)]
    pub self_registered: bool,
}

/// Who an access token speaks for, and for what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRecord {
    /// The grant it came from.
    pub grant_id: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The user's stable id.
    pub subject: String,
    /// The user's display name.
    pub name: String,
    /// How the user signed in (`password`, `github`).
    pub idp: String,
    /// Granted scopes, space-separated.
    pub scopes: String,
    /// The audience: the MCP resource URL.
    pub resource: String,
    /// Expiry, in milliseconds since the epoch.
    pub expires_ms: u64,
    /// For GitHub sign-in, the accounts of the user's installations; `None` for the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenants: Option<Vec<String>>,
    /// For GitHub sign-in, what of each installation the user reaches (see `GrantProps`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<Vec<crate::toolbox::Reach>>,
    /// For GitHub sign-in, the user's GitHub access token, sealed and bound to this record's
    /// key, for tools that call GitHub as the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream: Option<String>,
}

fn decode<T: for<'de> Deserialize<'de>>(
    bytes: Option<Vec<u8>>,
) -> Result<Option<T>, PlatformError> {
    bytes
        .map(|b| {
            serde_json::from_slice(&b)
                .map_err(|e| PlatformError(format!("stored record is unreadable: {e}")))
        })
        .transpose()
}

/// Loads a client.
pub async fn client(kv: &dyn Kv, id: &ClientId) -> Result<Option<StoredClient>, PlatformError> {
    decode(kv.get(&client_key(id.as_str())).await?)
}

/// Stores a client.
pub async fn put_client(
    kv: &dyn Kv,
    id: &ClientId,
    client: &StoredClient,
    refresh_ttl_secs: u64,
) -> Result<(), PlatformError> {
    let bytes = serde_json::to_vec(client).map_err(|e| PlatformError(e.to_string()))?;
    // A self-registered client nobody uses would otherwise stay forever (open DCR).
    let ttl = client
        .self_registered
        .then_some(refresh_ttl_secs + GRANT_INDEX_GRACE_SECS);
    kv.put(&client_key(id.as_str()), &bytes, ttl).await
}

/// Loads the record of an access token by hash.
pub async fn access(kv: &dyn Kv, hash: &str) -> Result<Option<AccessRecord>, PlatformError> {
    decode(kv.get(&access_key(hash)).await?)
}

/// Stores the record of an access token, expiring with it.
pub async fn put_access(
    kv: &dyn Kv,
    hash: &str,
    record: &AccessRecord,
    ttl_secs: u64,
) -> Result<(), PlatformError> {
    let bytes = serde_json::to_vec(record).map_err(|e| PlatformError(e.to_string()))?;
    kv.put(&access_key(hash), &bytes, Some(ttl_secs)).await
}

fn revoked_key(grant_id: &str) -> String {
    format!("oauth:revoked:{grant_id}")
}

/// How much longer than an access token the revoked-grant marker lives: a token whose record
/// was written just before the marker expires with it, or before.
const REVOKED_MARKER_MARGIN_SECS: u64 = 60;

/// Marks grant `grant_id` revoked for as long as one of its access tokens could live
/// (`access_ttl_secs`): bearer checks refuse its tokens even if a record is written late.
pub async fn mark_revoked(
    kv: &dyn Kv,
    grant_id: &str,
    access_ttl_secs: u64,
) -> Result<(), PlatformError> {
    let ttl = access_ttl_secs + REVOKED_MARKER_MARGIN_SECS;
    // This isolate's memory of the grant's tokens (`super::checked`) goes before the write, so
    // a check reading KV meanwhile keeps nothing it read before, and again after it, so nothing
    // read while the marker was on its way is kept either.
    super::checked::forget_grant(grant_id);
    let written = kv.put(&revoked_key(grant_id), b"1", Some(ttl)).await;
    super::checked::forget_grant(grant_id);
    written
}

/// The record of an access token by hash and whether its grant `grant_id` (named by the token)
/// was revoked, in one KV read.
pub async fn access_unless_revoked(
    kv: &dyn Kv,
    hash: &str,
    grant_id: &str,
) -> Result<(Option<AccessRecord>, bool), PlatformError> {
    let [record, marker] = <[_; 2]>::try_from(
        kv.get_many(&[&access_key(hash), &revoked_key(grant_id)])
            .await?,
    )
    .map_err(|_| PlatformError("KV answered a bulk read with another count".into()))?;
    Ok((decode(record)?, marker.is_some()))
}

/// Whether grant `grant_id` was revoked within an access token's lifetime.
pub async fn is_revoked(kv: &dyn Kv, grant_id: &str) -> Result<bool, PlatformError> {
    Ok(kv.get(&revoked_key(grant_id)).await?.is_some())
}

/// Forgets access tokens (after a revocation).
pub async fn delete_access(kv: &dyn Kv, hashes: &[String]) -> Result<(), PlatformError> {
    super::checked::forget_tokens(hashes);
    for hash in hashes {
        kv.delete(&access_key(hash)).await?;
    }
    Ok(())
}
