//! What the authorization server keeps in KV: registered clients (secrets only as hashes)
//! and access tokens (by hash, expiring with the token). One-answer rules live in the
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

/// A registered client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredClient {
    /// Its validated metadata.
    pub metadata: ClientMetadata,
    /// Hash of its secret, for confidential clients.
    pub secret_hash: Option<String>,
    /// When it registered, in seconds since the epoch.
    pub issued_at: u64,
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
) -> Result<(), PlatformError> {
    let bytes = serde_json::to_vec(client).map_err(|e| PlatformError(e.to_string()))?;
    kv.put(&client_key(id.as_str()), &bytes, None).await
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

/// Forgets access tokens (after a revocation).
pub async fn delete_access(kv: &dyn Kv, hashes: &[String]) -> Result<(), PlatformError> {
    for hash in hashes {
        kv.delete(&access_key(hash)).await?;
    }
    Ok(())
}
