//! The resource server's side: an `Authorization: Bearer` token on `/mcp` becomes the caller's
//! principal, or the 401 challenge that starts discovery. Only tokens this server issued for
//! this resource are accepted; nothing else is passed anywhere.

use super::store;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;

use super::{hash_secret, www_authenticate, Issuer, Settings};
use crate::http::{HttpRequest, HttpResponse};
use crate::platform::Platform;
use crate::toolbox::{GitHubAccess, Principal, TenantAccess};

/// Why a request has no principal.
pub enum Rejection {
    /// No or unusable credentials: 401 with a challenge.
    Unauthorized(HttpResponse),
}

fn challenge(issuer: &Issuer, scopes: &[&str], error: Option<(&str, &str)>) -> HttpResponse {
    let header = www_authenticate(&issuer.protected_resource_metadata_url(), scopes, error);
    let (code, description) = error.unwrap_or((
        "invalid_token",
        "this endpoint needs a Bearer access token; discover how to get one from the WWW-Authenticate header",
    ));
    crate::http::error(401, code, description).with_header("WWW-Authenticate", &header)
}

/// The grant an access token names (`dva_<grant id>.<secret>`, as issued since tokens name
/// their grant), read as codes and refresh tokens are (`GrantRef`); `None` for a token of an
/// earlier release or one that is not ours. Only KV keys are read with it, and the token's
/// hash binds it, so its MAC is not checked.
fn named_grant(token: &str) -> Option<&str> {
    super::GrantRef::of(token.strip_prefix("dva_")?, &[]).map(super::GrantRef::id)
}

/// The record of the access token hashed `hash`, naming grant `named` (`named_grant`),
/// unless unknown or its grant was revoked — a record written after its grant's revocation
/// (see `endpoints::revocation`) is refused. A token naming its grant costs one KV read
/// (record and revocation marker at once), and its record must be of that grant; an earlier
/// release's token costs two.
async fn lookup(
    platform: &Platform<'_>,
    named: Option<&str>,
    hash: &str,
) -> Result<Option<store::AccessRecord>, crate::platform::PlatformError> {
    if let Some(grant_id) = named {
        let (record, revoked) = store::access_unless_revoked(platform.kv, hash, grant_id).await?;
        return Ok(record.filter(|r| !revoked && r.grant_id == grant_id));
    }
    let Some(record) = store::access(platform.kv, hash).await? else {
        return Ok(None);
    };
    let revoked = store::is_revoked(platform.kv, &record.grant_id).await?;
    Ok((!revoked).then_some(record))
}

/// The principal of `req`, from its Bearer token: its record read from KV, or remembered by
/// this isolate from a check less than `ACCESS_TOKEN_CACHE_SECS` ago (`super::checked`); its
/// expiry, resource and user's role are judged on every request either way.
pub async fn principal(
    req: &HttpRequest,
    platform: &Platform<'_>,
    issuer: &Issuer,
    settings: &Settings,
    scopes: &[&str],
) -> Result<Principal, Rejection> {
    let Some(header) = req.headers.get("authorization") else {
        return Err(Rejection::Unauthorized(challenge(issuer, scopes, None)));
    };
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= super::MAX_SECRET_LEN);
    let invalid = |why: &str| {
        Rejection::Unauthorized(challenge(issuer, scopes, Some(("invalid_token", why))))
    };
    let Some(token) = token else {
        return Err(invalid("the Authorization header must be `Bearer <token>`"));
    };
    let token_hash = hash_secret(token);
    let now_ms = platform.clock.now_ms();
    let start = super::checked::read_start();
    let record = match super::checked::recall(&token_hash, now_ms) {
        Some(r) => r,
        None => match lookup(platform, named_grant(token), &token_hash).await {
            Ok(Some(r)) => {
                let cache_secs = settings.access_cache_secs;
                super::checked::remember(&token_hash, &r, start, cache_secs, now_ms);
                r
            }
            Ok(None) => return Err(invalid("the access token is unknown, expired or revoked")),
            Err(e) => {
                crate::log::internal("token lookup", &e.0);
                return Err(invalid(
                    "the access token could not be checked just now; retry",
                ));
            }
        },
    };
    if record.expires_ms <= now_ms {
        return Err(invalid("the access token expired; refresh it"));
    }
    if record.resource != issuer.resource().as_str() {
        return Err(invalid("the access token was issued for another resource"));
    }
    // Who may sign in, and as what, is the configuration's answer now, not the token's.
    let Some(role) = settings.role_of(&record.idp, &record.subject, &record.name) else {
        return Err(invalid(
            "this account may no longer sign in to this server; ask its operator",
        ));
    };
    let github = github_access(settings, &record, &token_hash);
    Ok(Principal {
        id: format!("{}:{}", record.idp, record.subject),
        authenticated: true,
        name: Some(record.name),
        identity_provider: Some(record.idp),
        client_id: Some(record.client_id),
        scopes: record
            .scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        address: req
            .headers
            .get("cf-connecting-ip")
            .map(|a| a.trim().to_owned()),
        tenants: match (record.tenants, record.reach) {
            (None, _) => TenantAccess::All,
            (Some(_), reach) => TenantAccess::Installations(reach.unwrap_or_default()),
        },
        github,
        role,
    })
}

/// The GitHub token sealed in the access record, when GitHub sign-in is still configured.
fn github_access(
    settings: &Settings,
    record: &store::AccessRecord,
    token_hash: &str,
) -> Option<GitHubAccess> {
    let github = settings.github.as_ref()?;
    let sealed = B64.decode(record.upstream.as_deref()?).ok()?;
    let plain = settings
        .sealer
        .as_ref()?
        .open(&sealed, token_hash.as_bytes())
        .ok()?;
    Some(GitHubAccess {
        token: String::from_utf8(plain).ok()?,
        api_url: github.api_url.clone(),
    })
}

/// The access token an open `/events` stream was opened with (its hash and the grant it
/// names, never the token), to check again at every poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    token_hash: String,
    grant_id: Option<String>,
}

impl Holder {
    /// The holder of `token`.
    pub fn of_token(token: &str) -> Self {
        Self {
            token_hash: hash_secret(token),
            grant_id: named_grant(token).map(str::to_owned),
        }
    }

    /// The holder of the Bearer token of `req`, if it has one.
    pub fn of_request(req: &HttpRequest) -> Option<Self> {
        let header = req.headers.get("authorization")?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))?
            .trim();
        (!token.is_empty() && token.len() <= super::MAX_SECRET_LEN).then(|| Self::of_token(token))
    }
}

/// Whether `holder`'s token still speaks for someone: its record is there and unexpired, its
/// grant not revoked, and its user still allowed to sign in by the configuration now. A
/// storage error counts as no (the stream ends; the client reconnects). One KV read per
/// check, as for a request, for a token that names its grant.
pub async fn still_held(platform: &Platform<'_>, settings: &Settings, holder: &Holder) -> bool {
    let named = holder.grant_id.as_deref();
    let Ok(Some(record)) = lookup(platform, named, &holder.token_hash).await else {
        return false;
    };
    record.expires_ms > platform.clock.now_ms()
        && settings
            .role_of(&record.idp, &record.subject, &record.name)
            .is_some()
}
