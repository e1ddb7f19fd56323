//! OAuth grants, one `GrantStore` Durable Object per grant: the grant, its authorization code
//! and its tokens' hashes. KV is eventually consistent; a code redeemed twice or a rotated
//! refresh token reused must get one answer, so those rules run here, in the object.

mod purge;
mod store;

use serde::{Deserialize, Serialize};

use crate::objects::{ask, Answer, Ask, Instance, ObjectClass};
use crate::platform::{Objects, PlatformError};

pub use purge::Purged;
pub use store::{CodeRedemption, Grant, NewTokens, Refusal};

/// The Durable Object binding (and class) that holds grants.
pub const BINDING: &str = "GRANTS";

/// The class: one object per grant, named by the grant's id.
pub struct GrantStore;

#[async_trait::async_trait(?Send)]
impl ObjectClass for GrantStore {
    const BINDING: &'static str = BINDING;
    type Request = Request;

    fn serve(at: Instance<'_>, request: Request, _payload: &[u8]) -> Answer {
        let (sql, now_ms) = (at.sql, at.now_ms);
        match request {
            Request::Create(op) => Create::answer(store::create(
                sql,
                &op.grant,
                &op.code_hash,
                &op.redirect_uri,
                &op.challenge,
                op.code_expires_ms,
            )),
            Request::RedeemCode(op) => {
                RedeemCode::answer(store::redeem_code(sql, now_ms, &op.redemption, &op.tokens))
            }
            Request::Refresh(op) => Refresh::answer(store::refresh(
                sql,
                now_ms,
                &op.refresh_hash,
                &op.client_id,
                &op.tokens,
            )),
            Request::Revoke(Revoke {}) => Revoke::answer(store::revoke(sql, now_ms)),
            Request::Reseal(op) => Reseal::answer(store::reseal(sql, &op.expected, &op.sealed)),
            Request::RevokeIfHeld(op) => RevokeIfHeld::answer(store::revoke_if_held(
                sql,
                now_ms,
                &op.token_hash,
                &op.client_id,
            )),
            Request::Purge(Purge {}) => Purge::answer(purge::purge(sql, now_ms)),
        }
    }
}

crate::objects::operations!(GrantStore, Request {
    Create => (),
    RedeemCode => Result<Grant, Refusal>,
    Refresh => Result<Grant, Refusal>,
    Revoke => Vec<String>,
    Reseal => bool,
    RevokeIfHeld => Option<Vec<String>>,
    Purge => Purged,
});

/// Stores a new grant with its authorization code.
#[derive(Serialize, Deserialize)]
pub struct Create {
    grant: Grant,
    code_hash: String,
    redirect_uri: String,
    challenge: String,
    code_expires_ms: u64,
}

/// Redeems an authorization code.
#[derive(Serialize, Deserialize)]
pub struct RedeemCode {
    redemption: CodeRedemption,
    tokens: NewTokens,
}

/// Rotates a refresh token.
#[derive(Serialize, Deserialize)]
pub struct Refresh {
    refresh_hash: String,
    client_id: String,
    tokens: NewTokens,
}

/// Revokes the grant.
#[derive(Serialize, Deserialize)]
pub struct Revoke {}

/// Replaces the sealed properties if they are still what was expected.
#[derive(Serialize, Deserialize)]
pub struct Reseal {
    expected: String,
    sealed: String,
}

/// Revokes the grant if the client holds it and the token is one of its tokens.
#[derive(Serialize, Deserialize)]
pub struct RevokeIfHeld {
    token_hash: String,
    client_id: String,
}

/// Removes what the grant no longer needs.
#[derive(Serialize, Deserialize)]
pub struct Purge {}

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
    let op = Create {
        grant,
        code_hash,
        redirect_uri,
        challenge,
        code_expires_ms,
    };
    Ok(ask(objects, &id, op).await?)
}

/// Redeems an authorization code of grant `grant_id`.
pub async fn redeem_code(
    objects: &dyn Objects,
    grant_id: &str,
    redemption: CodeRedemption,
    tokens: NewTokens,
) -> Result<Result<Grant, Refusal>, PlatformError> {
    Ok(ask(objects, grant_id, RedeemCode { redemption, tokens }).await?)
}

/// Rotates a refresh token of grant `grant_id`.
pub async fn refresh(
    objects: &dyn Objects,
    grant_id: &str,
    refresh_hash: String,
    client_id: String,
    tokens: NewTokens,
) -> Result<Result<Grant, Refusal>, PlatformError> {
    let op = Refresh {
        refresh_hash,
        client_id,
        tokens,
    };
    Ok(ask(objects, grant_id, op).await?)
}

/// Replaces grant `grant_id`'s sealed properties with `sealed` if they still are `expected`
/// (another refresh may have renewed them first); returns whether they were replaced.
pub async fn reseal(
    objects: &dyn Objects,
    grant_id: &str,
    expected: String,
    sealed: String,
) -> Result<bool, PlatformError> {
    Ok(ask(objects, grant_id, Reseal { expected, sealed }).await?)
}

/// Revokes grant `grant_id`; returns the hashes of its live access tokens.
pub async fn revoke(objects: &dyn Objects, grant_id: &str) -> Result<Vec<String>, PlatformError> {
    Ok(ask(objects, grant_id, Revoke {}).await?)
}

/// Revokes grant `grant_id` if `client_id` holds it and `token_hash` is one of its tokens;
/// returns the hashes of its live access tokens, or `None` when nothing was revoked.
pub async fn revoke_if_held(
    objects: &dyn Objects,
    grant_id: &str,
    token_hash: &str,
    client_id: &str,
) -> Result<Option<Vec<String>>, PlatformError> {
    let op = RevokeIfHeld {
        token_hash: token_hash.to_owned(),
        client_id: client_id.to_owned(),
    };
    Ok(ask(objects, grant_id, op).await?)
}

/// Removes what grant `grant_id` no longer needs; the whole grant once it is dead.
pub async fn purge(objects: &dyn Objects, grant_id: &str) -> Result<Purged, PlatformError> {
    Ok(ask(objects, grant_id, Purge {}).await?)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
