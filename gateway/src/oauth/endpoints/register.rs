//! Dynamic Client Registration (RFC 7591) at `/register`: validated metadata, a new client
//! id, and a secret for confidential clients (stored only as its hash). Unauthenticated, so on
//! a budget: a rate per caller address and one for everyone together (`REGISTER_RATE_PER_ADDRESS`,
//! `REGISTER_BUDGET`), counted by the rate limiter once the metadata is valid; past either,
//! 429 with `Retry-After`.

use super::{error_json, json_no_store, storage_failed, AuthServer};
use crate::http::{HttpRequest, HttpResponse};
use crate::oauth::store::{self, StoredClient};
use crate::oauth::{
    hash_secret, new_token, parse_registration, registration_response, ClientId, OAuthError,
};
use crate::ratelimit::{self, Decision};

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
    parse_registration(&req.body)?;
    if let Some(refused) = over_budget(server).await? {
        return Ok(refused);
    }
    create_client(server, &req.body, true).await
}

/// The 429 to answer when this address, or everyone together, has registered enough for now.
async fn over_budget(server: &AuthServer<'_>) -> Result<Option<HttpResponse>, OAuthError> {
    let settings = server.settings;
    let address = format!(
        "register:{}",
        server.address.as_deref().unwrap_or("unknown")
    );
    let checks = [
        (
            address.as_str(),
            settings.register_rate_per_address,
            "from your address",
        ),
        (
            "register:everyone",
            settings.register_budget,
            "on this server",
        ),
    ];
    for (caller, rate, whose) in checks {
        match ratelimit::take(server.platform.objects, caller, "register", rate).await {
            Ok(Decision::Allowed) => {}
            Ok(Decision::Limited { retry_after_ms }) => {
                let secs = retry_after_ms.div_ceil(1000).max(1).to_string();
                let e = OAuthError::InvalidRequest(format!(
                    "too many client registrations {whose} (at most {rate}); retry in {secs} \
                     seconds, or reuse the client you registered"
                ));
                return Ok(Some(
                    error_json(&e)
                        .with_status(429)
                        .with_header("Retry-After", &secs),
                ));
            }
            Err(e) => return Err(storage_failed("registration rate limit", &e)),
        }
    }
    Ok(None)
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
