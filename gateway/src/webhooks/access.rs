//! Which tenants a caller sees, and reading them together: each request goes to every visible
//! tenant's store at once and the answers are merged, newest first. A caller never reaches a
//! store outside its tenants: every read here starts from `tenants_of`.

use std::collections::BTreeSet;

use futures_util::future::join_all;

use super::store::{self, FullEvent, Marked, PendingStatus, Stored};
use super::{registry, DeliveryId, Tenant, WebhookSettings};
use crate::platform::{Platform, PlatformError};
use crate::toolbox::{Principal, TenantAccess};

/// The tenants `principal` may read: every tenant for the operator; otherwise the accounts of
/// the user's installations, and the default tenant for the users configuration names.
pub async fn tenants_of(
    principal: &Principal,
    settings: &WebhookSettings,
    platform: &Platform<'_>,
) -> Result<Vec<Tenant>, PlatformError> {
    let mut tenants = BTreeSet::new();
    match &principal.tenants {
        TenantAccess::All => {
            tenants
                .extend(registry::accounts(platform.objects, settings.uninstall_grace_ms).await?);
            tenants.extend(settings.default_tenant.clone());
        }
        TenantAccess::Accounts(accounts) => {
            tenants.extend(accounts.iter().filter_map(|a| Tenant::parse(a).ok()));
            let named = principal
                .name
                .as_deref()
                .is_some_and(|n| settings.reads_default_tenant(n));
            if named {
                tenants.extend(settings.default_tenant.clone());
            }
        }
    }
    Ok(tenants.into_iter().collect())
}

fn tagged(tenant: &Tenant, mut events: Vec<Stored>) -> Vec<Stored> {
    for e in &mut events {
        e.event.tenant = tenant.to_string();
    }
    events
}

/// The pending status over `tenants`.
pub async fn status(
    platform: &Platform<'_>,
    tenants: &[Tenant],
) -> Result<PendingStatus, PlatformError> {
    let answers = join_all(tenants.iter().map(|t| store::status(platform.objects, t))).await;
    let mut total = PendingStatus::default();
    for s in answers {
        let s = s?;
        total.pending_count += s.pending_count;
        total.latest_received_at = total.latest_received_at.max(s.latest_received_at);
        for (t, n) in s.types {
            *total.types.entry(t).or_default() += n;
        }
    }
    Ok(total)
}

/// Up to `limit` pending events over `tenants`, newest first.
pub async fn pending(
    platform: &Platform<'_>,
    tenants: &[Tenant],
    limit: usize,
) -> Result<Vec<Stored>, PlatformError> {
    let answers = join_all(
        tenants
            .iter()
            .map(|t| store::pending(platform.objects, t, limit)),
    )
    .await;
    let mut all = Vec::new();
    for (tenant, events) in tenants.iter().zip(answers) {
        all.extend(tagged(tenant, events?));
    }
    all.sort_by(|a, b| {
        b.event
            .received_at
            .cmp(&a.event.received_at)
            .then(b.seq.cmp(&a.seq))
    });
    all.truncate(limit);
    Ok(all)
}

/// Up to `limit` pending events with payloads over `tenants`, newest first; the byte budget is
/// shared out between the tenants, so the answer stays within it however many there are.
pub async fn pending_with_payloads(
    platform: &Platform<'_>,
    tenants: &[Tenant],
    limit: usize,
    settings: &WebhookSettings,
) -> Result<Vec<FullEvent>, PlatformError> {
    let share = settings.response_budget_bytes / tenants.len().max(1);
    let answers = join_all(tenants.iter().map(|t| {
        store::pending_with_payloads(
            platform.objects,
            t,
            limit,
            share,
            settings.inline_payload_bytes,
        )
    }))
    .await;
    let mut all = Vec::new();
    for (tenant, events) in tenants.iter().zip(answers) {
        for (seq, mut e) in events? {
            e.event.tenant = tenant.to_string();
            all.push((seq, e));
        }
    }
    all.sort_by(|(sa, a), (sb, b)| {
        b.event
            .received_at
            .cmp(&a.event.received_at)
            .then(sb.cmp(sa))
    });
    all.truncate(limit);
    Ok(all.into_iter().map(|(_, e)| e).collect())
}

/// The event `id` from whichever of `tenants` holds it, with its payload up to `max_payload`.
pub async fn find(
    platform: &Platform<'_>,
    tenants: &[Tenant],
    id: &DeliveryId,
    max_payload: usize,
) -> Result<Option<FullEvent>, PlatformError> {
    let answers = join_all(
        tenants
            .iter()
            .map(|t| store::get(platform.objects, t, id, max_payload)),
    )
    .await;
    for (tenant, found) in tenants.iter().zip(answers) {
        if let Some(mut e) = found? {
            e.event.tenant = tenant.to_string();
            return Ok(Some(e));
        }
    }
    Ok(None)
}

/// The event `id` as `GET /event` returns it, from whichever of `tenants` holds it.
pub async fn find_rendered(
    platform: &Platform<'_>,
    tenants: &[Tenant],
    id: &DeliveryId,
) -> Result<Option<Vec<u8>>, PlatformError> {
    let answers = join_all(
        tenants
            .iter()
            .map(|t| store::rendered(platform.objects, t, id)),
    )
    .await;
    for found in answers {
        if let Some(body) = found? {
            return Ok(Some(body));
        }
    }
    Ok(None)
}

/// Marks `id` processed in whichever of `tenants` holds it.
pub async fn mark(
    platform: &Platform<'_>,
    tenants: &[Tenant],
    id: &DeliveryId,
) -> Result<Marked, PlatformError> {
    let answers = join_all(tenants.iter().map(|t| store::mark(platform.objects, t, id))).await;
    let mut outcome = Marked::NotFound;
    for a in answers {
        match a? {
            Marked::NotFound => {}
            found => outcome = found,
        }
    }
    Ok(outcome)
}
