//! The operator's tenant endpoints, behind the `/admin/` gate (`ADMIN_TOKEN`): list the
//! tenants, export one tenant's events as a stream of JSON lines, delete a tenant with all its
//! events. Each call is audited.

use super::store::{self, PAGE_BYTES};
use super::{registry, Tenant, WebhookSettings};
use crate::audit::{self, Entry};
use crate::http::{error, HttpRequest, HttpResponse};
use crate::platform::{Objects, Platform, PlatformError};
use crate::web::form::Form;

/// The path prefix.
pub const PREFIX: &str = "/admin/tenants";

/// What a tenant endpoint answers: a whole response, or the head of an export whose lines
/// follow page by page (the Worker streams them; natively they are gathered).
pub enum Served {
    /// A whole response.
    Whole(HttpResponse),
    /// The status and headers of an export, and the export itself.
    Export(HttpResponse, Export),
}

/// A tenant's export under way: the position of the last line sent, page after page of at
/// most `PAGE_BYTES`, so no answer is ever held whole in memory.
pub struct Export {
    tenant: Tenant,
    /// `None` once the last page is sent.
    after: Option<i64>,
}

impl Export {
    /// The next page of JSON lines, or `None` when every event is sent. A failure midway
    /// should end the stream abruptly: the client then sees an incomplete answer, never a
    /// complete-looking one.
    pub async fn next(&mut self, objects: &dyn Objects) -> Result<Option<Vec<u8>>, PlatformError> {
        let Some(after) = self.after else {
            return Ok(None);
        };
        let label = self.tenant.as_str();
        match store::export_page(objects, &self.tenant, label, after, PAGE_BYTES).await? {
            (Some(last), lines) => {
                self.after = Some(last);
                Ok(Some(lines))
            }
            (None, _) => {
                self.after = None;
                Ok(None)
            }
        }
    }
}

impl Served {
    /// The whole answer, every page gathered (native callers and tests).
    pub async fn gather(self, objects: &dyn Objects) -> HttpResponse {
        match self {
            Self::Whole(response) => response,
            Self::Export(head, mut export) => {
                let mut body = Vec::new();
                loop {
                    match export.next(objects).await {
                        Ok(Some(lines)) => body.extend_from_slice(&lines),
                        Ok(None) => return head.with_body(body),
                        Err(e) => return unavailable(&e),
                    }
                }
            }
        }
    }

    /// The status, whole or the head's.
    pub fn status(&self) -> u16 {
        match self {
            Self::Whole(r) | Self::Export(r, _) => r.status,
        }
    }
}

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
) -> Served {
    let tail = &req.path[PREFIX.len()..];
    let Some(rest) = tail.strip_prefix('/').or(tail.is_empty().then_some("")) else {
        return Served::Whole(error(404, "not_found", "no such admin endpoint"));
    };
    let (name, action) = match rest.split_once('/') {
        Some((name, action)) => (name, action),
        None => (rest, ""),
    };
    let served = match (req.method.as_str(), name, action) {
        ("GET", "", "") => Served::Whole(list(settings, platform).await),
        (method, name, action) => match Tenant::parse(name) {
            Err(why) => Served::Whole(error(400, "invalid_request", &why)),
            Ok(tenant) => match (method, action) {
                ("GET", "export") => export(req, tenant),
                ("DELETE", "") => Served::Whole(delete(platform, &tenant).await),
                _ => Served::Whole(error(
                    404,
                    "not_found",
                    "use GET /admin/tenants, GET /admin/tenants/<name>/export or DELETE /admin/tenants/<name>",
                )),
            },
        },
    };
    let outcome = if served.status() < 400 {
        "success"
    } else {
        "failure"
    };
    let entry = Entry::new("admin", "admin", outcome)
        .ip(ip)
        .detail(format!("{} {}", req.method, req.path));
    audit::record(platform.objects, entry).await;
    served
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

/// Starts an export after position `after` (0: from the first event; a resumed export names
/// the position of the last line it received, its `seq`).
fn export(req: &HttpRequest, tenant: Tenant) -> Served {
    let query = Form::from_url(&req.url);
    let after = match query.as_ref().map(|q| q.get("after")) {
        Some(Ok(None)) => Some(0),
        Some(Ok(Some(a))) => a.parse::<i64>().ok().filter(|n| *n >= 0),
        _ => None,
    };
    let Some(after) = after else {
        return Served::Whole(error(
            400,
            "invalid_request",
            "`after` is the `seq` of the last line a previous export received",
        ));
    };
    let head = HttpResponse::empty(200)
        .with_header("Content-Type", "application/x-ndjson")
        .with_header("Cache-Control", "no-store");
    let export = Export {
        tenant,
        after: Some(after),
    };
    Served::Export(head, export)
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
