//! Ending a grant from any endpoint (an admin, the member who holds it, a client's `/revoke`,
//! a reused refresh token, a refresh that finds its user no longer allowed): the grant's
//! object forgets every token; then a revoked-grant marker is written to KV, living as long as
//! an access token, which bearer checks and the token endpoint consult, so a token record
//! written after the revocation (a token endpoint that was between its object's commit and its
//! KV write) is never accepted; then the access tokens it had issued are deleted from KV. A
//! storage error is an error: the caller answers it, so a revocation is never reported done
//! when it is not. KV carries the marker to other locations within about a minute.

use super::{storage_failed, AuthServer};
use crate::grants;
use crate::oauth::store;
use crate::oauth::OAuthError;

/// Revokes grant `grant_id` and forgets its summary.
pub async fn revoke_grant(server: &AuthServer<'_>, grant_id: &str) -> Result<(), OAuthError> {
    let hashes = grants::revoke(server.platform.objects, grant_id)
        .await
        .map_err(|e| storage_failed("revocation", &e))?;
    forget(server, grant_id, &hashes).await
}

/// After grant `grant_id`'s object revoked it: deletes the access tokens it returned
/// (`access_hashes`) and the grant's summary.
pub(super) async fn forget(
    server: &AuthServer<'_>,
    grant_id: &str,
    access_hashes: &[String],
) -> Result<(), OAuthError> {
    let kv = server.platform.kv;
    store::mark_revoked(kv, grant_id, server.settings.access_ttl_secs)
        .await
        .map_err(|e| storage_failed("revocation", &e))?;
    store::delete_access(kv, access_hashes)
        .await
        .map_err(|e| storage_failed("revocation", &e))?;
    store::delete_grant(kv, grant_id)
        .await
        .map_err(|e| storage_failed("revocation", &e))
}
