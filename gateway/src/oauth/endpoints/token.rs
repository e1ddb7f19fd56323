//! `/token`: the `authorization_code` grant (PKCE, redirect URI, client and resource checked
//! by the grant's object, once) and the `refresh_token` grant (rotation). Responses are
//! never cached.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;

use super::client_auth::authenticate;
use super::{error_json, form_body, json_no_store, param, storage_failed, AuthServer};
use crate::audit::{self, Entry};
use crate::grants::{self, CodeRedemption, NewTokens, Refusal};
use crate::http::{HttpRequest, HttpResponse};
use crate::oauth::props::GrantProps;
use crate::oauth::store::{self, AccessRecord};
use crate::oauth::{hash_secret, new_token, s256, CodeVerifier, OAuthError, ScopeSet};
use crate::platform::RandomError;

pub(super) async fn token(server: &AuthServer<'_>, req: &HttpRequest) -> HttpResponse {
    match issued(server, req).await {
        Ok(r) => r,
        Err(e) => {
            let r = error_json(&e);
            if e.as_str() == "invalid_client" && req.headers.get("authorization").is_some() {
                r.with_header("WWW-Authenticate", "Basic realm=\"dovecote\"")
            } else {
                r
            }
        }
    }
}

/// The grant id a code or refresh token carries before its `.`, if the grant may exist.
async fn grant_id_of(
    server: &AuthServer<'_>,
    token: &str,
    what: &str,
) -> Result<String, OAuthError> {
    super::known_grant(server, token)
        .await?
        .ok_or_else(|| OAuthError::InvalidGrant(format!("unknown {what}")))
}

fn resource_of(
    server: &AuthServer<'_>,
    form: &crate::web::form::Form,
) -> Result<String, OAuthError> {
    let ours = server.issuer.resource().as_str();
    match param(form, "resource")? {
        None => Ok(ours.to_owned()),
        Some(r) if r == ours => Ok(r.to_owned()),
        Some(r) => Err(OAuthError::InvalidTarget(format!(
            "resource {} is not this server's; use {ours}",
            crate::oauth::shown(r)
        ))),
    }
}

async fn issued(server: &AuthServer<'_>, req: &HttpRequest) -> Result<HttpResponse, OAuthError> {
    let form = form_body(req)?;
    let (client_id, client) = authenticate(server, req, &form).await?;
    let now = server.platform.clock.now_ms();
    let random = server.platform.random;
    let tokens = |grant_id: &str| -> Result<(NewTokens, String, String), RandomError> {
        let access = access_token(grant_id, random)?;
        let (new, refresh) = NewTokens {
            access_hash: hash_secret(&access),
            access_expires_ms: now + server.settings.access_ttl_secs * 1000,
            refresh_hash: String::new(),
            refresh_expires_ms: now + server.settings.refresh_ttl_secs * 1000,
        }
        .with_refresh(grant_id, random)?;
        Ok((new, refresh, access))
    };
    let kind = match param(&form, "grant_type")? {
        Some("refresh_token") => "refresh",
        _ => "token",
    };
    let (outcome, refresh, access, narrowed, grant_id) = match param(&form, "grant_type")? {
        Some("authorization_code") => {
            let code = param(&form, "code")?
                .ok_or_else(|| OAuthError::InvalidRequest("`code` is required".into()))?;
            let verifier = param(&form, "code_verifier")?.ok_or_else(|| {
                OAuthError::InvalidRequest("`code_verifier` is required (PKCE)".into())
            })?;
            let verifier = CodeVerifier::parse(verifier)?;
            let redirect_uri = param(&form, "redirect_uri")?
                .ok_or_else(|| OAuthError::InvalidRequest("`redirect_uri` is required".into()))?;
            let grant_id = grant_id_of(server, code, "authorization code").await?;
            let (new, refresh, access) = tokens(&grant_id)?;
            let redemption = CodeRedemption {
                code_hash: hash_secret(code),
                client_id: client_id.as_str().to_owned(),
                redirect_uri: redirect_uri.to_owned(),
                challenge_of_verifier: s256(&verifier),
                resource: resource_of(server, &form)?,
            };
            let outcome = grants::redeem_code(server.platform.objects, &grant_id, redemption, new)
                .await
                .map_err(|e| storage_failed("code redemption", &e))?;
            (outcome, refresh, access, None, grant_id)
        }
        Some("refresh_token") => {
            let presented = param(&form, "refresh_token")?
                .ok_or_else(|| OAuthError::InvalidRequest("`refresh_token` is required".into()))?;
            let grant_id = grant_id_of(server, presented, "refresh token").await?;
            resource_of(server, &form)?;
            let narrowed = param(&form, "scope")?.map(ScopeSet::parse).transpose()?;
            let (new, refresh, access) = tokens(&grant_id)?;
            let outcome = grants::refresh(
                server.platform.objects,
                &grant_id,
                hash_secret(presented),
                client_id.as_str().to_owned(),
                new,
            )
            .await
            .map_err(|e| storage_failed("refresh", &e))?;
            (outcome, refresh, access, narrowed, grant_id)
        }
        Some(other) => {
            return Err(OAuthError::UnsupportedGrantType(format!(
                "grant_type {} is not supported; use authorization_code or refresh_token",
                crate::oauth::shown(other)
            )))
        }
        None => {
            return Err(OAuthError::InvalidRequest(
                "`grant_type` is required".into(),
            ))
        }
    };
    let objects = server.platform.objects;
    let ip = server.address.as_deref();
    let grant = match outcome {
        Ok(grant) => grant,
        Err(Refusal::Invalid { why }) => {
            let entry = Entry::new(kind, "client", "failure")
                .client(client_id.as_str())
                .ip(ip)
                .detail(why.clone());
            audit::record(objects, entry).await;
            return Err(OAuthError::InvalidGrant(why));
        }
        Err(Refusal::Revoked { why, access_hashes }) => {
            super::revocation::forget(server, &grant_id, &access_hashes).await?;
            let entry = Entry::new("revoke", "client", "reuse")
                .client(client_id.as_str())
                .ip(ip)
                .detail(why.clone());
            audit::record(objects, entry).await;
            return Err(OAuthError::InvalidGrant(why));
        }
    };
    let granted = ScopeSet::parse(&grant.scopes).unwrap_or_default();
    let scopes = match narrowed {
        Some(n) if n.is_subset(&granted) => n,
        Some(_) => {
            return Err(OAuthError::InvalidScope(
                "a refresh may only narrow the granted scopes".into(),
            ))
        }
        None => granted.clone(),
    };
    let sealer = server
        .settings
        .sealer
        .as_ref()
        .ok_or_else(|| OAuthError::ServerError("DOVECOTE_ENCRYPTION_KEY is not set".into()))?;
    let mut props = GrantProps::open(sealer, &grant.id, &grant.sealed)?;
    if let Err(why) = still_allowed(server, &props, &granted) {
        // Who may sign in, and as what, is the configuration's answer now: the grant ends.
        super::revocation::revoke_grant(server, &grant.id).await?;
        let entry = Entry::new("revoke", &props.name, "role")
            .client(&grant.client_id)
            .ip(ip)
            .detail(why.clone());
        audit::record(objects, entry).await;
        return Err(OAuthError::InvalidGrant(why));
    }
    if kind == "refresh" {
        props = super::github_renew::renew_if_due(server, &grant, props).await?;
    }
    let access_hash = hash_secret(&access);
    let upstream = props
        .github
        .as_ref()
        .map(|tokens| {
            sealer
                .seal(
                    random,
                    tokens.access_token.as_bytes(),
                    access_hash.as_bytes(),
                )
                .map(|s| B64.encode(s))
                .map_err(|e| match e {
                    crate::oauth::SealError::NoRandom => RandomError.into(),
                    _ => OAuthError::ServerError("the grant could not be sealed".into()),
                })
        })
        .transpose()?;
    let record = AccessRecord {
        grant_id: grant.id.clone(),
        client_id: grant.client_id.clone(),
        subject: props.subject,
        name: props.name,
        idp: props.idp,
        scopes: scopes.to_string(),
        resource: grant.resource.clone(),
        expires_ms: now + server.settings.access_ttl_secs * 1000,
        tenants: props.tenants,
        reach: props.reach,
        upstream,
    };
    store::put_access(
        server.platform.kv,
        &access_hash,
        &record,
        server.settings.access_ttl_secs,
    )
    .await
    .map_err(|e| storage_failed("token issue", &e))?;
    // A revocation may have run between the object's commit and the write above: then the
    // token is not handed out, and its record goes again.
    if !not_revoked(server, &grant.id, &access_hash).await? {
        return Err(OAuthError::InvalidGrant(
            "the grant was revoked; sign in again".into(),
        ));
    }
    let summary = store::GrantSummary {
        grant_id: grant.id.clone(),
        client_id: grant.client_id.clone(),
        subject: grant.subject.clone(),
        scopes: grant.scopes.clone(),
        created_ms: grant.created_ms,
        last_used_ms: now,
    };
    let _ = store::put_grant(
        server.platform.kv,
        &summary,
        server.settings.refresh_ttl_secs,
    )
    .await;
    if client.self_registered {
        // In use: the client's record lives as long as the refresh token just issued.
        let ttl = server.settings.refresh_ttl_secs;
        let _ = store::put_client(server.platform.kv, &client_id, &client, ttl).await;
    }
    let entry = Entry::new(kind, &record.subject, "success")
        .client(&record.client_id)
        .ip(ip);
    audit::record(objects, entry).await;
    Ok(json_no_store(
        200,
        TokenResponse {
            access_token: &access,
            token_type: "Bearer",
            expires_in: server.settings.access_ttl_secs,
            refresh_token: &refresh,
            scope: scopes.to_string(),
        },
    ))
}

/// A successful token response (RFC 6749 §5.1), sent with `Cache-Control: no-store`.
#[derive(serde::Serialize)]
struct TokenResponse<'a> {
    access_token: &'a str,
    token_type: &'static str,
    expires_in: u64,
    refresh_token: &'a str,
    scope: String,
}

/// Whether grant `grant_id` is still unrevoked after the record of `access_hash` was written;
/// if not (or if that cannot be told), the record is deleted.
async fn not_revoked(
    server: &AuthServer<'_>,
    grant_id: &str,
    access_hash: &str,
) -> Result<bool, OAuthError> {
    let kv = server.platform.kv;
    let revoked = store::is_revoked(kv, grant_id).await;
    if revoked == Ok(false) {
        return Ok(true);
    }
    store::delete_access(kv, &[access_hash.to_owned()])
        .await
        .map_err(|e| storage_failed("token issue", &e))?;
    revoked
        .map(|r| !r)
        .map_err(|e| storage_failed("token issue", &e))
}

/// Whether the user of a grant holding `granted` may still have it: allowed to sign in, and
/// an operator if it holds scopes only operators may hold. `Err` says why not.
fn still_allowed(
    server: &AuthServer<'_>,
    props: &GrantProps,
    granted: &ScopeSet,
) -> Result<(), String> {
    let who = crate::oauth::shown(&props.name);
    let Some(role) = server
        .settings
        .role_of(&props.idp, &props.subject, &props.name)
    else {
        return Err(format!(
            "the account {who} may no longer sign in to this server; the grant is revoked"
        ));
    };
    let operators_only = |scope: &crate::oauth::Scope| {
        server
            .scopes
            .iter()
            .any(|d| d.name == scope.as_str() && !d.grantable_to(role))
    };
    if granted.iter().any(operators_only) {
        return Err(format!(
            "the grant holds scopes only operators may hold, and {who} is no longer an \
             operator; the grant is revoked, sign in again"
        ));
    }
    Ok(())
}

/// A new access token, `dva_<grant id>.<secret>`: naming its grant lets a bearer check read the
/// token's record and the grant's revocation marker in one KV read (`bearer::principal`). The
/// grant id is no secret (refresh tokens and codes carry it too); the token's hash binds it.
fn access_token(
    grant_id: &str,
    random: &dyn crate::platform::Random,
) -> Result<String, RandomError> {
    Ok(format!("dva_{grant_id}.{}", new_token(random, "")?))
}

trait WithRefresh {
    fn with_refresh(
        self,
        grant_id: &str,
        random: &dyn crate::platform::Random,
    ) -> Result<(NewTokens, String), RandomError>;
}

impl WithRefresh for NewTokens {
    /// Adds a new refresh token (`<grant id>.<secret>`), returning it beside the hashes.
    fn with_refresh(
        mut self,
        grant_id: &str,
        random: &dyn crate::platform::Random,
    ) -> Result<(NewTokens, String), RandomError> {
        let refresh = format!("{grant_id}.{}", new_token(random, "")?);
        self.refresh_hash = hash_secret(&refresh);
        Ok((self, refresh))
    }
}
