//! OAuth grants, one `GrantStore` Durable Object per grant: the grant, its authorization code
//! and its tokens' hashes. KV is eventually consistent; a code redeemed twice or a rotated
//! refresh token reused must get one answer, so those rules run here, in the object.

mod purge;
mod store;

use serde::{Deserialize, Serialize};

use crate::platform::{Objects, PlatformError, Sql};

pub use purge::Purged;
pub use store::{CodeRedemption, Grant, NewTokens, Refusal};

/// The Durable Object binding (and class) that holds grants.
pub const BINDING: &str = "GRANTS";

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Request {
    Create {
        grant: Grant,
        code_hash: String,
        redirect_uri: String,
        challenge: String,
        code_expires_ms: u64,
    },
    RedeemCode {
        redemption: CodeRedemption,
        tokens: NewTokens,
    },
    Refresh {
        refresh_hash: String,
        client_id: String,
        tokens: NewTokens,
    },
    Revoke,
    Reseal {
        expected: String,
        sealed: String,
    },
    RevokeIfHeld {
        token_hash: String,
        client_id: String,
    },
    Purge,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Answer<T> {
    Ok(T),
    Failed(String),
}

async fn ask<T: serde::de::DeserializeOwned>(
    objects: &dyn Objects,
    grant_id: &str,
    request: &Request,
) -> Result<T, PlatformError> {
    let body = serde_json::to_vec(request).map_err(|e| PlatformError(e.to_string()))?;
    let answer = objects.call(BINDING, grant_id, &body).await?;
    match serde_json::from_slice::<Answer<T>>(&answer) {
        Ok(Answer::Ok(v)) => Ok(v),
        Ok(Answer::Failed(why)) => Err(PlatformError(why)),
        Err(e) => Err(PlatformError(format!("grant store answered badly: {e}"))),
    }
}

/// Stores a new grant with its authorization code.
pub async fn create(
    objects: &dyn Objects,
    grant: Grant,
    code_hash: String,
    redirect_uri: String,
    challenge: String,
    code_expires_ms: u64,
) -> Result<(), PlatformError> {
    let id = grant.id.clone();
    ask(
        objects,
        &id,
        &Request::Create {
            grant,
            code_hash,
            redirect_uri,
            challenge,
            code_expires_ms,
        },
    )
    .await
}

/// Redeems an authorization code of grant `grant_id`.
pub async fn redeem_code(
    objects: &dyn Objects,
    grant_id: &str,
    redemption: CodeRedemption,
    tokens: NewTokens,
) -> Result<Result<Grant, Refusal>, PlatformError> {
    ask(
        objects,
        grant_id,
        &Request::RedeemCode { redemption, tokens },
    )
    .await
}

/// Rotates a refresh token of grant `grant_id`.
pub async fn refresh(
    objects: &dyn Objects,
    grant_id: &str,
    refresh_hash: String,
    client_id: String,
    tokens: NewTokens,
) -> Result<Result<Grant, Refusal>, PlatformError> {
    ask(
        objects,
        grant_id,
        &Request::Refresh {
            refresh_hash,
            client_id,
            tokens,
        },
    )
    .await
}

/// Replaces grant `grant_id`'s sealed properties with `sealed` if they still are `expected`
/// (another refresh may have renewed them first); returns whether they were replaced.
pub async fn reseal(
    objects: &dyn Objects,
    grant_id: &str,
    expected: String,
    sealed: String,
) -> Result<bool, PlatformError> {
    ask(objects, grant_id, &Request::Reseal { expected, sealed }).await
}

/// Revokes grant `grant_id`; returns the hashes of its live access tokens.
pub async fn revoke(objects: &dyn Objects, grant_id: &str) -> Result<Vec<String>, PlatformError> {
    ask(objects, grant_id, &Request::Revoke).await
}

/// Revokes grant `grant_id` if `client_id` holds it and `token_hash` is one of its tokens;
/// returns the hashes of its live access tokens, or `None` when nothing was revoked.
pub async fn revoke_if_held(
    objects: &dyn Objects,
    grant_id: &str,
    token_hash: &str,
    client_id: &str,
) -> Result<Option<Vec<String>>, PlatformError> {
    let request = Request::RevokeIfHeld {
        token_hash: token_hash.to_owned(),
        client_id: client_id.to_owned(),
    };
    ask(objects, grant_id, &request).await
}

/// Removes what grant `grant_id` no longer needs; the whole grant once it is dead.
pub async fn purge(objects: &dyn Objects, grant_id: &str) -> Result<Purged, PlatformError> {
    ask(objects, grant_id, &Request::Purge).await
}

/// The object's side.
pub fn handle(sql: &dyn Sql, now_ms: u64, request: &[u8]) -> Vec<u8> {
    fn encode<T: Serialize>(r: Result<T, crate::platform::SqlError>) -> Vec<u8> {
        let answer = match r {
            Ok(v) => Answer::Ok(v),
            Err(e) => Answer::Failed(e.0),
        };
        serde_json::to_vec(&answer).unwrap_or_default()
    }
    match serde_json::from_slice::<Request>(request) {
        Ok(Request::Create {
            grant,
            code_hash,
            redirect_uri,
            challenge,
            code_expires_ms,
        }) => encode(store::create(
            sql,
            &grant,
            &code_hash,
            &redirect_uri,
            &challenge,
            code_expires_ms,
        )),
        Ok(Request::RedeemCode { redemption, tokens }) => {
            encode(store::redeem_code(sql, now_ms, &redemption, &tokens))
        }
        Ok(Request::Refresh {
            refresh_hash,
            client_id,
            tokens,
        }) => encode(store::refresh(
            sql,
            now_ms,
            &refresh_hash,
            &client_id,
            &tokens,
        )),
        Ok(Request::Revoke) => encode(store::revoke(sql, now_ms)),
        Ok(Request::Reseal { expected, sealed }) => encode(store::reseal(sql, &expected, &sealed)),
        Ok(Request::RevokeIfHeld {
            token_hash,
            client_id,
        }) => encode(store::revoke_if_held(sql, now_ms, &token_hash, &client_id)),
        Ok(Request::Purge) => encode(purge::purge(sql, now_ms)),
        Err(e) => encode::<()>(Err(crate::platform::SqlError(format!("bad request: {e}")))),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
