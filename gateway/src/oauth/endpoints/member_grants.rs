//! `GET /grants` and `DELETE /grants/<grant id>`: the signed-in user's own grants — which
//! clients hold one, with what scopes, since when — and revoking one of them. Authorized by
//! any access token of the user (a member needs no `ADMIN_TOKEN`); another user's grant is
//! answered as unknown.

use super::{error_json, json_no_store, storage_failed, AuthServer};
use crate::audit::{self, Entry};
use crate::http::{HttpRequest, HttpResponse};
use crate::oauth::bearer::{self, Rejection};
use crate::oauth::store;
use crate::oauth::OAuthError;
use crate::toolbox::Principal;

/// The listing's path; a grant is `/grants/<grant id>`.
pub const PATH: &str = "/grants";

/// Serves `req` if its path is `/grants` or under it.
pub(super) async fn route(server: &AuthServer<'_>, req: &HttpRequest) -> Option<HttpResponse> {
    let rest = req.path.strip_prefix(PATH)?;
    let grant_id = match rest {
        "" => None,
        r => Some(r.strip_prefix('/')?),
    };
    let method = req.method.as_str();
    let allowed = if grant_id.is_some() { "DELETE" } else { "GET" };
    if method != allowed {
        return Some(
            error_json(&OAuthError::InvalidRequest(format!("use {allowed}")))
                .with_status(405)
                .with_header("Allow", allowed),
        );
    }
    let principal = match bearer::principal(
        req,
        &server.platform,
        &server.issuer,
        server.settings,
        &[],
    )
    .await
    {
        Ok(p) => p,
        Err(Rejection::Unauthorized(response)) => return Some(response),
    };
    let answer = match grant_id {
        None => list(server, &principal).await,
        Some(id) => revoke(server, &principal, id).await,
    };
    Some(answer.unwrap_or_else(|e| error_json(&e)))
}

async fn list(server: &AuthServer<'_>, principal: &Principal) -> Result<HttpResponse, OAuthError> {
    let kv = server.platform.kv;
    let grants = store::grants_of(kv, &principal.id)
        .await
        .map_err(|e| storage_failed("grant listing", &e))?;
    let mut listed = Vec::with_capacity(grants.len());
    for g in grants {
        // A client deleted since keeps its grant listed, without a name.
        let client_name = match crate::oauth::ClientId::parse(&g.client_id) {
            Ok(id) => store::client(kv, &id)
                .await
                .ok()
                .flatten()
                .and_then(|c| c.metadata.client_name),
            Err(_) => None,
        };
        listed.push(HeldGrant {
            grant_id: g.grant_id,
            client_id: g.client_id,
            client_name,
            scopes: g.scopes,
            created_ms: g.created_ms,
            last_used_ms: g.last_used_ms,
        });
    }
    Ok(json_no_store(200, Grants { grants: listed }))
}

async fn revoke(
    server: &AuthServer<'_>,
    principal: &Principal,
    grant_id: &str,
) -> Result<HttpResponse, OAuthError> {
    let well_formed = !grant_id.is_empty()
        && grant_id.len() <= 64
        && grant_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(OAuthError::InvalidRequest(
            "the grant id is not one this server issues; list yours with GET /grants".into(),
        ));
    }
    let summary = store::grant(server.platform.kv, grant_id)
        .await
        .map_err(|e| storage_failed("grant revocation", &e))?;
    if summary.is_none_or(|g| g.subject != principal.id) {
        return Ok(json_no_store(
            404,
            crate::http::ErrorBody::new(
                "not_found",
                "you hold no grant with that id; list yours with GET /grants",
            ),
        ));
    }
    super::revocation::revoke_grant(server, grant_id).await?;
    let entry = Entry::new("revoke", &principal.id, "success")
        .ip(server.address.as_deref())
        .detail(format!("grant {grant_id}, by its user"));
    audit::record(server.platform.objects, entry).await;
    Ok(json_no_store(
        200,
        Revoked {
            revoked_grant: grant_id,
        },
    ))
}

/// `GET /grants`: the caller's grants.
#[derive(serde::Serialize)]
struct Grants {
    grants: Vec<HeldGrant>,
}

/// One grant the caller holds, with its client's name when the client still exists.
#[derive(serde::Serialize)]
struct HeldGrant {
    grant_id: String,
    client_id: String,
    client_name: Option<String>,
    scopes: String,
    created_ms: u64,
    last_used_ms: u64,
}

/// `DELETE /grants/<id>`: which grant was revoked.
#[derive(serde::Serialize)]
struct Revoked<'a> {
    revoked_grant: &'a str,
}
