//! `POST /webhooks/github`: the checks in the order that makes abuse cheapest to refuse —
//! GitHub's address ranges, a per-address rate, the body (read only then, up to its cap), the
//! signature, the tenant, the tenant's quota — then the store, and 202 with the delivery id.
//! Each refusal has its status and a JSON body.

use std::cell::Cell;

use super::hook::{Arrival, Triggers};
use super::payload::{self, Delivery};
use super::refusals::{self, Refusal};
use super::settings::{Allowlist, Verification, WebhookSettings};
use super::store::{self, Incoming, Ingested, Quota};
use super::{allowlist, registry, signature, DeliveryId, Tenant};
use crate::body::{Body, BodyError};
use crate::http::{error as refuse, HttpRequest, HttpResponse};
use crate::platform::Platform;
use crate::ratelimit::{Decision, Leases};

/// What the intake answers a delivery it took: its id, and whether it was a ping or one
/// already stored.
#[derive(serde::Serialize)]
struct Accepted<'a> {
    accepted: bool,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ping: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate: Option<bool>,
}

/// The path deliveries are posted to.
pub const PATH: &str = "/webhooks/github";
/// Longest `X-GitHub-Event` accepted.
pub const MAX_EVENT_NAME_LEN: usize = 64;
/// Event types that maintain the installation map and skip the tenant quota.
const INSTALLATION_EVENTS: [&str; 3] = [
    "installation",
    "installation_repositories",
    "installation_target",
];

fn unavailable(what: &str, detail: &str) -> HttpResponse {
    crate::log::internal(what, detail);
    refuse(
        503,
        "temporarily_unavailable",
        "the delivery could not be stored just now; redeliver it from the webhook's settings",
    )
    .with_header("Retry-After", "5")
}

fn retry_after_secs(ms: u64) -> String {
    ms.div_ceil(1000).max(1).to_string()
}

/// Serves one delivery: `req` is its head, `body` its body, read only once the address and
/// its rate passed; a stored delivery goes to `triggers` (the event routes). Refusals before
/// the account is known are counted (`refusals`), in memory and written in batches.
pub async fn receive(
    settings: &WebhookSettings,
    platform: &Platform<'_>,
    leases: &Leases,
    req: &HttpRequest,
    body: Body<'_>,
    triggers: &dyn Triggers,
) -> HttpResponse {
    let why = Cell::new(None);
    let response = checked(settings, platform, leases, req, body, triggers, &why).await;
    let now = platform.clock.now_ms();
    if let Some(refusal) = why.get() {
        refusals::note(refusal, now);
    }
    refusals::flush_if_due(platform.objects, now).await;
    response
}

/// The checks and the store; a refusal to count is put in `why`.
async fn checked(
    settings: &WebhookSettings,
    platform: &Platform<'_>,
    leases: &Leases,
    req: &HttpRequest,
    body: Body<'_>,
    triggers: &dyn Triggers,
    why: &Cell<Option<Refusal>>,
) -> HttpResponse {
    let address = req
        .headers
        .get("cf-connecting-ip")
        .map(str::trim)
        .filter(|a| !a.is_empty());
    if settings.allowlist == Allowlist::GitHub
        && !allowlist::contains(&allowlist::current(platform).await, address)
    {
        return refuse(
            403,
            "forbidden_address",
            "deliveries are accepted only from GitHub's webhook addresses",
        );
    }
    let caller = format!("webhook:{}", address.unwrap_or("unknown"));
    let (now, rate) = (platform.clock.now_ms(), settings.ip_rate);
    match leases
        .take(platform.objects, now, &caller, "delivery", rate)
        .await
    {
        Ok(Decision::Allowed) => {}
        Ok(Decision::Limited { retry_after_ms }) => {
            why.set(Some(Refusal::AddressRate));
            return refuse(429, "rate_limited", "too many deliveries from this address")
                .with_header("Retry-After", &retry_after_secs(retry_after_ms));
        }
        Err(e) => return unavailable("webhook rate limit", &e.0),
    }
    let body = match body.read().await {
        Ok(body) => body,
        Err(BodyError::TooLarge { cap }) => {
            return refuse(
                413,
                "payload_too_large",
                &format!("deliveries are accepted up to {cap} bytes (WEBHOOK_MAX_BODY_BYTES)"),
            )
        }
        Err(BodyError::Broken(why)) => {
            crate::log::internal("webhook body", &why);
            return refuse(
                400,
                "invalid_request",
                "the delivery's body could not be read",
            );
        }
    };
    match &settings.verification {
        Verification::Secrets(secrets) => {
            let header = req.headers.get("x-hub-signature-256");
            match signature::verify(platform.digests, header, &body, secrets).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    why.set(Some(Refusal::Signature));
                    return refuse(403, "invalid_signature", e.description());
                }
                Err(e) => return unavailable("webhook signature", &e.0),
            }
        }
        Verification::Refuse => {
            return refuse(
                503,
                "webhook_secret_missing",
                "GITHUB_WEBHOOK_SECRET is not set, so no delivery can be verified; set it to the webhook's secret",
            )
        }
        Verification::Unsigned => crate::log::warning(
            "a delivery was accepted without a signature check (WEBHOOK_ALLOW_UNSIGNED=true, development only)",
        ),
    }
    let event_type = match req.headers.get("x-github-event").map(str::trim) {
        Some(e)
            if !e.is_empty()
                && e.len() <= MAX_EVENT_NAME_LEN
                && e.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()) =>
        {
            e.to_owned()
        }
        _ => {
            return refuse(
                400,
                "invalid_request",
                "X-GitHub-Event must name the event type, e.g. issues",
            )
        }
    };
    let Some(id) = req
        .headers
        .get("x-github-delivery")
        .and_then(|d| DeliveryId::parse(d.trim()).ok())
    else {
        return refuse(
            400,
            "invalid_request",
            "X-GitHub-Delivery must be the delivery's id (letters, digits and dashes)",
        );
    };
    if !req.content_type_is("application/json") {
        return refuse(
            415,
            "unsupported_media_type",
            "set the webhook's content type to application/json",
        );
    }
    if event_type == "ping" {
        let answer = Accepted {
            accepted: true,
            id: id.as_str(),
            ping: Some(true),
            duplicate: None,
        };
        return HttpResponse::json(200, serde_json::to_vec(&answer).unwrap_or_default());
    }
    let delivery = match payload::parse(&body) {
        Ok(d) => d,
        Err(why) => return refuse(400, "invalid_payload", &why),
    };
    let now = platform.clock.now_ms();
    let tenant = match resolve(settings, platform, &event_type, &delivery, now).await {
        Ok(t) => t,
        Err(response) => {
            // `resolve` answers 404 only for an installation or tenant it does not know.
            if response.status == 404 {
                why.set(Some(Refusal::UnknownTenant));
            }
            return response;
        }
    };
    let arrival = Arrival {
        id: &id,
        tenant: &tenant,
        event_type: &event_type,
        summary: &delivery.summary,
        payload: &body,
    };
    let plan = triggers.plan(platform, &arrival);
    // The replay check's digest, by the host's native hashing here rather than in the store.
    let digest = match platform.digests.sha256(&body).await {
        Ok(digest) => digest,
        Err(e) => return unavailable("webhook digest", &e.0),
    };
    let incoming = Incoming {
        id: id.clone(),
        quota: (!INSTALLATION_EVENTS.contains(&event_type.as_str())).then_some(Quota {
            limit: settings.tenant_quota,
            window_ms: settings.quota_window_ms,
        }),
        event_type: event_type.clone(),
        summary: delivery.summary.clone(),
        retention: settings.retention,
        triggers: plan.sends.iter().map(|s| s.notification.clone()).collect(),
        mark_processed: plan.mark_processed,
        digest: Some(digest.to_vec()),
    };
    match store::ingest(platform.objects, &tenant, incoming, &body).await {
        Ok(outcome @ (Ingested::Stored | Ingested::Duplicate)) => {
            // Only the first delivery of an event triggers: a duplicate was triggered then.
            if outcome == Ingested::Stored && !plan.sends.is_empty() {
                triggers.fire(platform, &arrival, &plan).await;
            }
            let answer = Accepted {
                accepted: true,
                id: id.as_str(),
                ping: None,
                duplicate: Some(outcome == Ingested::Duplicate),
            };
            HttpResponse::json(202, serde_json::to_vec(&answer).unwrap_or_default())
        }
        Ok(Ingested::OverQuota { retry_after_ms }) => refuse(
            429,
            "quota_exceeded",
            &format!(
                "this account stored its {} deliveries for the current window; more are accepted when it ends",
                settings.tenant_quota
            ),
        )
        .with_header("Retry-After", &retry_after_secs(retry_after_ms)),
        Err(e) => unavailable("webhook store", &e.0),
    }
}

fn unknown_installation() -> HttpResponse {
    refuse(
        404,
        "unknown_installation",
        "this installation is not known; the gateway learns installations from their `installation` events",
    )
}

/// The tenant a delivery belongs to; installation events update the map on the way.
async fn resolve(
    settings: &WebhookSettings,
    platform: &Platform<'_>,
    event_type: &str,
    delivery: &Delivery,
    now_ms: u64,
) -> Result<Tenant, HttpResponse> {
    let Some(installation) = &delivery.installation else {
        return settings.default_tenant.clone().ok_or_else(|| {
            refuse(
                404,
                "unknown_tenant",
                "this delivery names no GitHub App installation, and WEBHOOK_DEFAULT_TENANT (where repository and organization webhooks go) is not set",
            )
        });
    };
    let maps = INSTALLATION_EVENTS.contains(&event_type);
    if let (true, Some(account)) = (maps, installation.account.as_ref()) {
        let removed =
            event_type == "installation" && delivery.summary.action.as_deref() == Some("deleted");
        let stored = if removed {
            let wipe_at = now_ms + settings.uninstall_grace_ms;
            match registry::remove(platform.objects, installation.id).await {
                Ok(Some(tenant)) => store::schedule_wipe(platform.objects, &tenant, Some(wipe_at))
                    .await
                    .map(|()| tenant),
                Ok(None) => return Err(unknown_installation()),
                Err(e) => Err(e),
            }
        } else {
            match registry::put(platform.objects, installation.id, account).await {
                Ok(tenant) => store::schedule_wipe(platform.objects, &tenant, None)
                    .await
                    .map(|()| tenant),
                Err(e) => Err(e),
            }
        };
        return stored.map_err(|e| unavailable("tenant registry", &e.0));
    }
    match registry::lookup_cached(platform.objects, installation.id, now_ms).await {
        Ok(Some(tenant)) => Ok(tenant),
        Ok(None) => Err(unknown_installation()),
        Err(e) => Err(unavailable("tenant registry", &e.0)),
    }
}
