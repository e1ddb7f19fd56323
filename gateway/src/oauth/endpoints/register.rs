//! Dynamic Client Registration (RFC 7591) at `/register`: validated metadata, a new client
//! id, and a secret for confidential clients (stored only as its hash).

use super::{error_json, json_no_store, storage_failed, AuthServer};
use crate::http::{HttpRequest, HttpResponse};
use crate::oauth::store::{self, StoredClient};
use crate::oauth::{
    hash_secret, new_token, parse_registration, registration_response, ClientId, OAuthError,
};

pub(super) async fn register(server: &AuthServer<'_>, req: &HttpRequest) -> HttpResponse {
    match registered(server, req).await {
        Ok(r) => r,
        Err(e) => error_json(&e),
    }
}

async fn registered(
    server: &AuthServer<'_>,
    req: &HttpRequest,
) -> Result<HttpResponse, OAuthError> {
    if !req.content_type_is("application/json") {
        return Err(OAuthError::InvalidClientMetadata(
            "send the metadata as application/json".into(),
        ));
    }
    create_client(server, &req.body, true).await
}

/// Registers a client from RFC 7591 metadata in `body`: a new id, a secret for confidential
/// clients (stored only as its hash), and the registration response. `/register` and
/// `/admin/bootstrap-client` both create clients this way; `self_registered` (from
/// `/register`) makes the record expire when unused.
pub(super) async fn create_client(
    server: &AuthServer<'_>,
    body: &[u8],
    self_registered: bool,
) -> Result<HttpResponse, OAuthError> {
    let metadata = parse_registration(body)?;
    let random = server.platform.random;
    let id = ClientId::parse(&new_token(random, "dvc_")?)?;
    let secret = (!metadata.token_endpoint_auth_method.is_public())
        .then(|| new_token(random, "dvs_"))
        .transpose()?;
    let issued_at = server.platform.clock.now_ms() / 1000;
    let client = StoredClient {
        metadata,
        secret_hash: secret.as_deref().map(hash_secret),
        issued_at,
        self_registered,
    };
    store::put_client(
        server.platform.kv,
        &id,
        &client,
        server.settings.refresh_ttl_secs,
    )
    .await
    .map_err(|e| storage_failed("client registration", &e))?;
    Ok(json_no_store(
        201,
        registration_response(&id, secret.as_deref(), issued_at, &client.metadata),
    ))
}
