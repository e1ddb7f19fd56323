//! `/revoke` (RFC 7009): revokes the grant behind an access or refresh token, after
//! authenticating the client. Unknown tokens get 200, as the RFC asks.

use super::client_auth::authenticate;
use super::{error_json, form_body, param, storage_failed, AuthServer};
use crate::audit::{self, Entry};
use crate::grants;
use crate::http::{HttpRequest, HttpResponse};
use crate::oauth::store;
use crate::oauth::{hash_secret, OAuthError};

pub(super) async fn revoke(server: &AuthServer<'_>, req: &HttpRequest) -> HttpResponse {
    match revoked(server, req).await {
        Ok(()) => HttpResponse::empty(200).with_header("Cache-Control", "no-store"),
        Err(e) => error_json(&e),
    }
}

async fn revoked(server: &AuthServer<'_>, req: &HttpRequest) -> Result<(), OAuthError> {
    let form = form_body(req)?;
    let (client_id, _) = authenticate(server, req, &form).await?;
    let token = param(&form, "token")?
        .ok_or_else(|| OAuthError::InvalidRequest("`token` is required".into()))?;
    let kv = server.platform.kv;
    let grant_id = match store::access(kv, &hash_secret(token))
        .await
        .map_err(|e| storage_failed("revocation", &e))?
    {
        Some(record) if record.client_id == client_id.as_str() => Some(record.grant_id),
        Some(_) => return Ok(()),
        // A refresh token names its grant (if it may exist at all: an unknown one must not
        // create an object); the object revokes only for a client that holds the token.
        None => super::known_grant(server, token).await?,
    };
    if let Some(grant_id) = grant_id {
        let hashes = grants::revoke_if_held(
            server.platform.objects,
            &grant_id,
            &hash_secret(token),
            client_id.as_str(),
        )
        .await
        .map_err(|e| storage_failed("revocation", &e))?;
        if let Some(hashes) = hashes {
            super::revocation::forget(server, &grant_id, &hashes).await?;
            let entry = Entry::new("revoke", "client", "success")
                .client(client_id.as_str())
                .ip(server.address.as_deref())
                .detail(format!("grant {grant_id}"));
            audit::record(server.platform.objects, entry).await;
        }
    }
    Ok(())
}
