//! The REST endpoints beside the tools, for clients that are not MCP clients (a bridge, a
//! script): `/pending-status`, `/pending-events`, `/webhook-events`, `/event`, `/mark-processed`.
//! Same Bearer tokens, same scopes and the same tenant visibility as the tools.

use serde::Deserialize;

use super::store::{FullEvent, Marked, MAX_LIST};
use super::{access, DeliveryId, WebhookSettings};
use crate::http::{error, HttpRequest, HttpResponse};
use crate::platform::Platform;
use crate::toolbox::Principal;
use crate::web::form::Form;

/// The scope the reading endpoints, tools and `/events` need.
pub const READ_SCOPE: &str = "dovecote:events:read";
/// The scope `mark_processed` and `/mark-processed` need.
pub const WRITE_SCOPE: &str = "dovecote:events:write";
/// Largest `/mark-processed` body.
pub const MAX_MARK_BODY: usize = 1024;
/// Default number of events a list returns.
pub const DEFAULT_LIMIT: usize = 20;

fn unavailable(detail: &str) -> HttpResponse {
    crate::log::internal("event store", detail);
    error(
        503,
        "temporarily_unavailable",
        "the event store is unavailable just now; retry in a few seconds",
    )
    .with_header("Retry-After", "5")
}

/// Parses `limit` (1–100, default 20), as the tools do.
pub fn limit(value: Option<&str>) -> Result<usize, String> {
    match value {
        None => Ok(DEFAULT_LIMIT),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=MAX_LIST).contains(l))
            .ok_or_else(|| format!("`limit` must be a whole number from 1 to {MAX_LIST}")),
    }
}

/// The event as JSON with its raw payload spliced in, never parsed on the way.
pub fn event_json(event: &FullEvent) -> String {
    let mut out = serde_json::to_string(&event.event).unwrap_or_else(|_| "{}".into());
    out.pop();
    if let Some(p) = &event.payload {
        out.push_str(",\"payload\":");
        out.push_str(p.get());
    }
    if let Some(note) = &event.note {
        out.push_str(",\"note\":");
        out.push_str(&serde_json::to_string(note).unwrap_or_default());
    }
    out.push('}');
    out
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkBody {
    event_id: String,
}

/// Serves one of these endpoints for `principal` (the route table has checked the method);
/// `refuse_scope` builds the 403 for a missing scope.
pub async fn serve(
    settings: &WebhookSettings,
    platform: &Platform<'_>,
    principal: &Principal,
    req: &HttpRequest,
    refuse_scope: &dyn Fn(&str) -> HttpResponse,
) -> HttpResponse {
    let scope = if req.method == "POST" {
        WRITE_SCOPE
    } else {
        READ_SCOPE
    };
    if !principal.has_scope(scope) {
        return refuse_scope(scope);
    }
    let Some(query) = Form::from_url(&req.url) else {
        return error(400, "invalid_request", "the query string is malformed");
    };
    let tenants = match access::tenants_of(principal, settings, platform).await {
        Ok(t) => t,
        Err(e) => return unavailable(&e.0),
    };
    let param = |name: &str| {
        query
            .get(name)
            .map_err(|e| error(400, "invalid_request", &e))
    };
    let result = match req.path.as_str() {
        "/pending-status" => access::status(platform, &tenants)
            .await
            .map(|s| serde_json::to_string(&s).unwrap_or_default()),
        "/pending-events" | "/webhook-events" => {
            let limit = match param("limit").map(|l| limit(l)) {
                Ok(Ok(l)) => l,
                Ok(Err(why)) => return error(400, "invalid_request", &why),
                Err(response) => return response,
            };
            if req.path == "/pending-events" {
                access::pending(platform, &tenants, limit)
                    .await
                    .map(|events| {
                        let events: Vec<_> = events.into_iter().map(|s| s.event).collect();
                        serde_json::to_string(&Events { events }).unwrap_or_default()
                    })
            } else {
                access::pending_with_payloads(platform, &tenants, limit, settings)
                    .await
                    .map(|events| {
                        let items: Vec<String> = events.iter().map(event_json).collect();
                        format!("{{\"events\":[{}]}}", items.join(","))
                    })
            }
        }
        "/event" => {
            let id = match param("id") {
                Ok(Some(id)) => match DeliveryId::parse(id) {
                    Ok(id) => id,
                    Err(why) => return error(400, "invalid_request", &why),
                },
                Ok(None) => return error(400, "invalid_request", "give the event id as ?id=…"),
                Err(response) => return response,
            };
            return match access::find_rendered(platform, &tenants, &id).await {
                Ok(Some(body)) => {
                    HttpResponse::json(200, body).with_header("Cache-Control", "no-store")
                }
                Ok(None) => error(
                    404,
                    "not_found",
                    "no event with this id among your accounts' events",
                ),
                Err(e) => unavailable(&e.0),
            };
        }
        _ => {
            if req.body.len() > MAX_MARK_BODY || !req.content_type_is("application/json") {
                return error(
                    400,
                    "invalid_request",
                    "send {\"event_id\": \"…\"} as application/json",
                );
            }
            let id = match serde_json::from_slice::<MarkBody>(&req.body)
                .map_err(|e| format!("the body must be {{\"event_id\": \"…\"}}: {e}"))
                .and_then(|b| DeliveryId::parse(&b.event_id))
            {
                Ok(id) => id,
                Err(why) => return error(400, "invalid_request", &why),
            };
            match access::mark(platform, &tenants, &id).await {
                Ok(Marked::NotFound) => {
                    return error(
                        404,
                        "not_found",
                        "no event with this id among your accounts' events",
                    )
                }
                Ok(m) => Ok(serde_json::to_string(&MarkAnswer {
                    success: true,
                    event_id: id.as_str(),
                    already_processed: m == Marked::AlreadyProcessed,
                })
                .unwrap_or_default()),
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(body) => HttpResponse::json(200, body).with_header("Cache-Control", "no-store"),
        Err(e) => unavailable(&e.0),
    }
}

/// `GET /pending-events`.
#[derive(serde::Serialize)]
struct Events<T> {
    events: Vec<T>,
}

/// `POST /mark-processed`.
#[derive(serde::Serialize)]
struct MarkAnswer<'a> {
    success: bool,
    event_id: &'a str,
    already_processed: bool,
}
