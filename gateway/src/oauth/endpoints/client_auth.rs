//! Client authentication at `/token` and `/revoke`: `none` for public clients,
//! `client_secret_basic` or `client_secret_post` for confidential ones, secrets compared by
//! hash in constant time.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::{param, AuthServer};
use crate::http::HttpRequest;
use crate::oauth::store::StoredClient;
use crate::oauth::{eq_constant_time, hash_secret, ClientId, OAuthError};
use crate::web::form::Form;

fn invalid(why: &str) -> OAuthError {
    OAuthError::InvalidClient(why.into())
}

fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, OAuthError> {
    let Some(header) = req.headers.get("authorization") else {
        return Ok(None);
    };
    let Some(encoded) = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))
    else {
        return Ok(None);
    };
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| invalid("the Basic credentials are not valid base64"))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| invalid("the Basic credentials have no `:`"))?;
    // RFC 6749 §2.3.1: both parts are form-encoded before base64.
    let id =
        Form::parse(&format!("v={id}")).and_then(|f| f.get("v").ok().flatten().map(str::to_owned));
    let secret = Form::parse(&format!("v={secret}"))
        .and_then(|f| f.get("v").ok().flatten().map(str::to_owned));
    match (id, secret) {
        (Some(id), Some(secret)) => Ok(Some((id, secret))),
        _ => Err(invalid("the Basic credentials are malformed")),
    }
}

/// The authenticated client of a token or revocation request.
pub(super) async fn authenticate(
    server: &AuthServer<'_>,
    req: &HttpRequest,
    form: &Form,
) -> Result<(ClientId, StoredClient), OAuthError> {
    let basic = basic_credentials(req)?;
    let post_id = param(form, "client_id")?;
    let post_secret = param(form, "client_secret")?;
    let (raw_id, secret) = match (&basic, post_id) {
        (Some((id, secret)), None) => (id.as_str(), Some(secret.as_str())),
        (Some((id, secret)), Some(p)) if p == id => (id.as_str(), Some(secret.as_str())),
        (Some(_), Some(_)) => {
            return Err(invalid(
                "client_id in the body differs from the Basic credentials",
            ))
        }
        (None, Some(id)) => (id, post_secret),
        (None, None) => return Err(invalid("no client_id: authenticate the client")),
    };
    let id = ClientId::parse(raw_id).map_err(|_| invalid("unknown client"))?;
    let client = super::clients::lookup(server, &id)
        .await?
        .ok_or_else(|| invalid("unknown client"))?;
    match (&client.secret_hash, secret) {
        (None, _) => Ok((id, client)),
        (Some(_), None) => Err(invalid("this client must authenticate with its secret")),
        (Some(expected), Some(given)) => {
            if eq_constant_time(hash_secret(given).as_bytes(), expected.as_bytes()) {
                Ok((id, client))
            } else {
                Err(invalid("client authentication failed"))
            }
        }
    }
}
