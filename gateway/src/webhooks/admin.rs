//! The operator's tenant endpoints, behind the `/admin/` gate (`ADMIN_TOKEN`): list the
//! tenants, export one tenant's events as JSON lines, delete a tenant with all its events.
//! Each call is audited.

use super::store::{self, PAGE_BYTES};
use super::{registry, Tenant, WebhookSettings};
use crate::audit::{self, Entry};
use crate::http::{error, HttpRequest, HttpResponse};
use crate::platform::{Platform, PlatformError};
use crate::web::form::Form;

/// The path prefix.
pub const PREFIX: &str = "/admin/tenants";
/// Most bytes of JSON lines one export answer carries; the rest follows from the `Link: <…>;
/// rel="next"` it then names.
pub const EXPORT_MAX_BYTES: usize = 32 * 1024 * 1024;

fn unavailable(e: &PlatformError) -> HttpResponse {
    crate::log::internal("tenant admin", &e.0);
    error(
        503,
        "temporarily_unavailable",
        "the event store is unavailable just now; retry in a few seconds",
    )
    .with_header("Retry-After", "5")
}

/// Serves `GET /admin/tenants`, `GET /admin/tenants/<name>/export[?after=N]` and
/// `DELETE /admin/tenants/<name>` for the operator (the gate has checked the token); `ip` is
/// the caller's address, for the audit trail.
pub async fn serve(
    settings: &WebhookSettings,
    platform: &Platform<'_>,
    req: &HttpRequest,
    ip: Option<&str>,
) -> HttpResponse {
    let tail = &req.path[PREFIX.len()..];
    let Some(rest) = tail.strip_prefix('/').or(tail.is_empty().then_some("")) else {
        return crate::http::error(404, "not_found", "no such admin endpoint");
    };
    let (name, action) = match rest.split_once('/') {
        Some((name, action)) => (name, action),
        None => (rest, ""),
    };
    let response = match (req.method.as_str(), name, action) {
        ("GET", "", "") => list(settings, platform).await,
        (method, name, action) => match Tenant::parse(name) {
            Err(why) => error(400, "invalid_request", &why),
            Ok(tenant) => match (method, action) {
                ("GET", "export") => export(platform, req, &tenant).await,
                ("DELETE", "") => delete(platform, &tenant).await,
                _ => error(
                    404,
                    "not_found",
                    "use GET /admin/tenants, GET /admin/tenants/<name>/export or DELETE /admin/tenants/<name>",
                ),
            },
        },
    };
    let outcome = if response.status < 400 {
        "success"
    } else {
        "failure"
    };
    let entry = Entry::new("admin", "admin", outcome)
        .ip(ip)
        .detail(format!("{} {}", req.method, req.path));
    audit::record(platform.objects, entry).await;
    response
}

async fn list(settings: &WebhookSettings, platform: &Platform<'_>) -> HttpResponse {
    let listed = match registry::accounts(platform.objects, settings.uninstall_grace_ms).await {
        Ok(l) => l,
        Err(e) => return unavailable(&e),
    };
    let mut tenants: Vec<ListedTenant> = listed
        .iter()
        .map(|l| ListedTenant {
            name: l.tenant.as_str(),
            account_id: Some(l.account.as_ref().map(|a| a.id.0)),
            login: Some(l.account.as_ref().map(|a| a.login.as_str())),
            default: None,
        })
        .collect();
    if let Some(t) = &settings.default_tenant {
        tenants.push(ListedTenant {
            name: t.as_str(),
            account_id: None,
            login: None,
            default: Some(true),
        });
    }
    let body = serde_json::to_vec(&Tenants { tenants }).unwrap_or_default();
    HttpResponse::json(200, body).with_header("Cache-Control", "no-store")
}

async fn export(platform: &Platform<'_>, req: &HttpRequest, tenant: &Tenant) -> HttpResponse {
    let query = Form::from_url(&req.url);
    let after = match query.as_ref().map(|q| q.get("after")) {
        Some(Ok(None)) => Some(0),
        Some(Ok(Some(a))) => a.parse::<i64>().ok().filter(|n| *n >= 0),
        _ => None,
    };
    let Some(after) = after else {
        return error(
            400,
            "invalid_request",
            "`after` is a position from the Link header of the previous answer",
        );
    };
    let mut body = Vec::new();
    let mut at = after;
    let mut more = true;
    while body.len() < EXPORT_MAX_BYTES {
        let budget = PAGE_BYTES.min(EXPORT_MAX_BYTES - body.len());
        match store::export_page(platform.objects, tenant, tenant.as_str(), at, budget).await {
            Ok((Some(last), lines)) => {
                body.extend_from_slice(&lines);
                at = last;
            }
            Ok((None, _)) => {
                more = false;
                break;
            }
            Err(e) => return unavailable(&e),
        }
    }
    let mut response = HttpResponse::empty(200)
        .with_header("Content-Type", "application/x-ndjson")
        .with_header("Cache-Control", "no-store")
        .with_body(body);
    if more {
        let next = format!("<{PREFIX}/{tenant}/export?after={at}>; rel=\"next\"");
        response = response.with_header("Link", &next);
    }
    response
}

async fn delete(platform: &Platform<'_>, tenant: &Tenant) -> HttpResponse {
    let erased = match store::erase(platform.objects, tenant).await {
        Ok(()) => registry::forget_tenant(platform.objects, tenant).await,
        Err(e) => Err(e),
    };
    match erased {
        Ok(()) => {
            let body = serde_json::to_vec(&Deleted {
                deleted: tenant.as_str(),
            })
            .unwrap_or_default();
            HttpResponse::json(200, body).with_header("Cache-Control", "no-store")
        }
        Err(e) => unavailable(&e),
    }
}

/// `GET /admin/tenants`.
#[derive(serde::Serialize)]
struct Tenants<'a> {
    tenants: Vec<ListedTenant<'a>>,
}

/// One tenant: its store's name and its account (`null` when not known by id), or the
/// configured default tenant.
#[derive(serde::Serialize)]
struct ListedTenant<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<Option<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    login: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<bool>,
}

/// `DELETE /admin/tenants/<name>`.
#[derive(serde::Serialize)]
struct Deleted<'a> {
    deleted: &'a str,
}
