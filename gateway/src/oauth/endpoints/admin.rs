//! Operator endpoints under `/admin/`, enabled by the `ADMIN_TOKEN` secret and authorized by
//! it as a Bearer token (compared by hash, in constant time), 5 requests per minute per
//! address: create a client when registration is closed, list clients and grants, revoke a
//! grant or delete a client, manage environment profiles, and read the audit trail. Every
//! call is audited.

use serde::Deserialize;

use super::{error_json, json_no_store, storage_failed, AuthServer};
use crate::audit::{self, Entry};
use crate::envprofile;
use crate::http::{HttpRequest, HttpResponse};
use crate::oauth::store;
use crate::oauth::{eq_constant_time, hash_secret, ClientId, OAuthError};
use crate::ratelimit::{self, Decision};
use crate::toolbox::{Rate, RatePeriod};
use crate::web::form::Form;

/// Most clients or grants one listing returns.
pub const MAX_LISTED: usize = 200;

fn unauthorized(why: &str) -> HttpResponse {
    error_json(&OAuthError::InvalidToken(why.into()))
        .with_header("WWW-Authenticate", "Bearer realm=\"dovecote-admin\"")
}

/// Lets an `/admin/*` request through when it carries the operator's `ADMIN_TOKEN`, within
/// the per-address rate; otherwise the answer (429, or 401 — audited). `None` when the admin
/// endpoints are off (then they do not exist).
pub async fn gate(server: &AuthServer<'_>, req: &HttpRequest) -> Option<Result<(), HttpResponse>> {
    let token = server.settings.admin_token.as_deref()?;
    let ip = server.address.as_deref();
    let caller = format!("admin:{}", ip.unwrap_or("unknown"));
    let rate = Rate {
        count: crate::oauth::ADMIN_REQUESTS_PER_MINUTE,
        period: RatePeriod::Minute,
    };
    match ratelimit::take(server.platform.objects, &caller, "admin", rate).await {
        Ok(Decision::Allowed) => {}
        Ok(Decision::Limited { retry_after_ms }) => {
            let secs = retry_after_ms.div_ceil(1000).max(1).to_string();
            let e = OAuthError::InvalidRequest(format!(
                "too many admin requests; retry in {secs} seconds"
            ));
            return Some(Err(error_json(&e)
                .with_status(429)
                .with_header("Retry-After", &secs)));
        }
        Err(e) => return Some(Err(error_json(&storage_failed("admin rate limit", &e)))),
    }
    let presented = req
        .headers
        .get("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim);
    let authorized = presented.is_some_and(|p| {
        eq_constant_time(hash_secret(p).as_bytes(), hash_secret(token).as_bytes())
    });
    if !authorized {
        let action = format!("{} {}", req.method, req.path);
        audit::record(
            server.platform.objects,
            Entry::new("admin", "unknown", "denied")
                .ip(ip)
                .detail(action),
        )
        .await;
        return Some(Err(unauthorized(
            "this endpoint needs the operator's ADMIN_TOKEN as a Bearer token",
        )));
    }
    Some(Ok(()))
}

/// Serves `/admin/*`, or `None` when the admin endpoints are off (then they do not exist).
pub(super) async fn route(server: &AuthServer<'_>, req: &HttpRequest) -> Option<HttpResponse> {
    if let Err(refused) = gate(server, req).await? {
        return Some(refused);
    }
    let ip = server.address.as_deref();
    let action = format!("{} {}", req.method, req.path);
    let result = match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/admin/bootstrap-client") => bootstrap_client(server, req).await,
        ("GET", "/admin/clients") => list_clients(server).await,
        ("GET", "/admin/grants") => list_grants(server).await,
        ("POST", "/admin/revoke") => revoke(server, req).await,
        ("GET", "/admin/audit") => read_audit(server, req).await,
        ("GET", "/admin/env") => list_env(server).await,
        (method, path) if path.starts_with("/admin/env/") => env(server, req, method, &path["/admin/env/".len()..]).await,
        _ => Err(OAuthError::InvalidRequest(format!(
            "no admin endpoint {}; use POST /admin/bootstrap-client, GET /admin/clients, GET /admin/grants, POST /admin/revoke, GET /admin/audit, GET/PUT/DELETE /admin/env/<name>, GET /admin/tenants, GET /admin/tenants/<name>/export or DELETE /admin/tenants/<name>",
            crate::oauth::shown(&action)
        ))),
    };
    let outcome = if result.is_ok() { "success" } else { "failure" };
    audit::record(
        server.platform.objects,
        Entry::new("admin", "admin", outcome).ip(ip).detail(action),
    )
    .await;
    Some(result.unwrap_or_else(|e| {
        let status = if e.as_str() == "invalid_request"
            && e.description().starts_with("no admin endpoint")
        {
            404
        } else {
            e.status()
        };
        error_json(&e).with_status(status)
    }))
}

async fn bootstrap_client(
    server: &AuthServer<'_>,
    req: &HttpRequest,
) -> Result<HttpResponse, OAuthError> {
    super::register::create_client(server, &req.body, false).await
}

async fn list_clients(server: &AuthServer<'_>) -> Result<HttpResponse, OAuthError> {
    let clients = store::clients(server.platform.kv, MAX_LISTED)
        .await
        .map_err(|e| storage_failed("admin", &e))?;
    let clients: Vec<ListedClient> = clients
        .iter()
        .map(|(id, c)| ListedClient {
            client_id: id,
            client_name: c.metadata.client_name.as_deref(),
            redirect_uris: &c.metadata.redirect_uris,
            token_endpoint_auth_method: &c.metadata.token_endpoint_auth_method,
            client_id_issued_at: c.issued_at,
        })
        .collect();
    Ok(json_no_store(200, Clients { clients }))
}

async fn list_grants(server: &AuthServer<'_>) -> Result<HttpResponse, OAuthError> {
    let grants = store::grants(server.platform.kv, MAX_LISTED)
        .await
        .map_err(|e| storage_failed("admin", &e))?;
    Ok(json_no_store(200, Grants { grants }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeBody {
    grant_id: Option<String>,
    client_id: Option<String>,
}

async fn revoke(server: &AuthServer<'_>, req: &HttpRequest) -> Result<HttpResponse, OAuthError> {
    let body: RevokeBody = serde_json::from_slice(&req.body).map_err(|e| {
        OAuthError::InvalidRequest(format!(
            "send JSON {{\"grant_id\": …}} or {{\"client_id\": …}}: {e}"
        ))
    })?;
    let valid_id = |id: &str| {
        !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    match (body.grant_id, body.client_id) {
        (Some(grant_id), None) => {
            if !valid_id(&grant_id) {
                return Err(OAuthError::InvalidRequest(
                    "grant_id is not one this server issues".into(),
                ));
            }
            let known = store::grant(server.platform.kv, &grant_id)
                .await
                .map_err(|e| storage_failed("admin", &e))?;
            if known.is_none() {
                return Err(OAuthError::InvalidRequest(format!(
                    "no grant {}",
                    crate::oauth::shown(&grant_id)
                )));
            }
            super::revocation::revoke_grant(server, &grant_id).await?;
            let answer = Revoked {
                deleted_client: None,
                revoked_grants: vec![grant_id],
            };
            Ok(json_no_store(200, answer))
        }
        (None, Some(client_id)) => {
            let id = ClientId::parse(&client_id)?;
            if store::client(server.platform.kv, &id)
                .await
                .map_err(|e| storage_failed("admin", &e))?
                .is_none()
            {
                return Err(OAuthError::InvalidRequest(format!(
                    "no client {}",
                    crate::oauth::shown(&client_id)
                )));
            }
            let mut revoked = Vec::new();
            for g in store::grants(server.platform.kv, usize::MAX)
                .await
                .map_err(|e| storage_failed("admin", &e))?
            {
                if g.client_id == client_id {
                    super::revocation::revoke_grant(server, &g.grant_id).await?;
                    revoked.push(g.grant_id);
                }
            }
            store::delete_client(server.platform.kv, &client_id)
                .await
                .map_err(|e| storage_failed("admin", &e))?;
            let answer = Revoked {
                deleted_client: Some(client_id),
                revoked_grants: revoked,
            };
            Ok(json_no_store(200, answer))
        }
        _ => Err(OAuthError::InvalidRequest(
            "name exactly one of grant_id or client_id".into(),
        )),
    }
}

async fn list_env(server: &AuthServer<'_>) -> Result<HttpResponse, OAuthError> {
    let names = envprofile::names(server.platform.kv)
        .await
        .map_err(|e| storage_failed("admin", &e))?;
    Ok(json_no_store(200, Profiles { profiles: names }))
}

async fn env(
    server: &AuthServer<'_>,
    req: &HttpRequest,
    method: &str,
    name: &str,
) -> Result<HttpResponse, OAuthError> {
    envprofile::check_name(name).map_err(OAuthError::InvalidRequest)?;
    let kv = server.platform.kv;
    match method {
        "PUT" => {
            let values = envprofile::parse_values(&req.body).map_err(OAuthError::InvalidRequest)?;
            envprofile::put(kv, name, &values)
                .await
                .map_err(|e| storage_failed("admin", &e))?;
            let keys: Vec<&String> = values.keys().collect();
            Ok(json_no_store(200, ProfileKeys { name, keys }))
        }
        "GET" => match envprofile::get(kv, name)
            .await
            .map_err(|e| storage_failed("admin", &e))?
        {
            Some(values) => Ok(json_no_store(200, Profile { name, values })),
            None => Err(OAuthError::InvalidRequest(format!("no profile {name}"))),
        },
        "DELETE" => {
            envprofile::delete(kv, name)
                .await
                .map_err(|e| storage_failed("admin", &e))?;
            Ok(json_no_store(200, DeletedProfile { deleted: name }))
        }
        _ => Err(OAuthError::InvalidRequest(
            "use PUT, GET or DELETE on /admin/env/<name>".into(),
        )),
    }
}

async fn read_audit(
    server: &AuthServer<'_>,
    req: &HttpRequest,
) -> Result<HttpResponse, OAuthError> {
    let form = Form::from_url(&req.url)
        .ok_or_else(|| OAuthError::InvalidRequest("malformed query".into()))?;
    let limit = match form.get("limit").map_err(OAuthError::InvalidRequest)? {
        None => 50,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=audit::MAX_READ).contains(n))
            .ok_or_else(|| {
                OAuthError::InvalidRequest(format!("limit must be 1 to {}", audit::MAX_READ))
            })?,
    };
    let entries = audit::recent(server.platform.objects, limit)
        .await
        .map_err(|e| storage_failed("admin", &e))?;
    Ok(json_no_store(200, Entries { entries }))
}

/// `GET /admin/clients`.
#[derive(serde::Serialize)]
struct Clients<'a> {
    clients: Vec<ListedClient<'a>>,
}

/// One registered client, as an operator sees it.
#[derive(serde::Serialize)]
struct ListedClient<'a> {
    client_id: &'a str,
    client_name: Option<&'a str>,
    redirect_uris: &'a [crate::oauth::RedirectUri],
    token_endpoint_auth_method: &'a crate::oauth::AuthMethod,
    client_id_issued_at: u64,
}

/// `GET /admin/grants`.
#[derive(serde::Serialize)]
struct Grants<T> {
    grants: Vec<T>,
}

/// `POST /admin/revoke`: what was revoked (and the client deleted, when one was named).
#[derive(serde::Serialize)]
struct Revoked {
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_client: Option<String>,
    revoked_grants: Vec<String>,
}

/// `GET /admin/env`.
#[derive(serde::Serialize)]
struct Profiles<T> {
    profiles: T,
}

/// `PUT /admin/env/<name>`: the keys stored (never the values).
#[derive(serde::Serialize)]
struct ProfileKeys<'a> {
    name: &'a str,
    keys: Vec<&'a String>,
}

/// `GET /admin/env/<name>`.
#[derive(serde::Serialize)]
struct Profile<'a, T> {
    name: &'a str,
    values: T,
}

/// `DELETE /admin/env/<name>`.
#[derive(serde::Serialize)]
struct DeletedProfile<'a> {
    deleted: &'a str,
}

/// `GET /admin/audit`.
#[derive(serde::Serialize)]
struct Entries<T> {
    entries: T,
}
