//! Which tenants a caller sees, and reading them together: each request goes to every visible
//! tenant's store at once and the answers are merged, newest first. A caller never reaches a
//! store outside its tenants, nor an event its tenant's `Rule` hides: every read here starts
//! from `tenants_of` and passes each event through `visibility`.

use std::collections::BTreeMap;

use futures_util::future::join_all;

use super::store::{self, FullEvent, Marked, PendingStatus, Stored, MAX_LIST};
use super::visibility::{Rule, Visible};
use super::{registry, Account, AccountId, DeliveryId, Tenant, WebhookSettings};
use crate::platform::{Platform, PlatformError};
use crate::toolbox::{Principal, TenantAccess};

/// The tenants `principal` may read, each with what of it: every tenant whole for the
/// operator; otherwise the stores of the user's installations (through the registry, by
/// installation id — never by login) under `WEBHOOK_VISIBILITY`, and the default tenant whole
/// for the users configuration names.
pub async fn tenants_of(
    principal: &Principal,
    settings: &WebhookSettings,
    platform: &Platform<'_>,
) -> Result<Vec<Visible>, PlatformError> {
    let mut tenants: BTreeMap<Tenant, (Option<Account>, Rule)> = BTreeMap::new();
    let default_tenant = settings.default_tenant.clone();
    match &principal.tenants {
        TenantAccess::All => {
            for listed in registry::accounts(platform.objects, settings.uninstall_grace_ms).await? {
                tenants.insert(listed.tenant, (listed.account, Rule::Whole));
            }
            if let Some(t) = default_tenant {
                tenants.insert(t, (None, Rule::Whole));
            }
        }
        TenantAccess::Installations(reaches) => {
            let ids: Vec<u64> = reaches.iter().map(|r| r.installation).collect();
            for (installation, tenant) in registry::reach(platform.objects, &ids).await? {
                let through: Vec<_> = reaches
                    .iter()
                    .filter(|r| r.installation == installation)
                    .collect();
                let account = through.first().map(|r| Account {
                    id: AccountId(r.account_id),
                    login: r.login.clone(),
                });
                let rule = Rule::of(settings.visibility, through);
                let widened = match tenants.remove(&tenant) {
                    Some((_, before)) => before.widen(rule),
                    None => rule,
                };
                tenants.insert(tenant, (account, widened));
            }
            let named = principal
                .name
                .as_deref()
                .is_some_and(|n| settings.reads_default_tenant(n));
            if let (true, Some(t)) = (named, default_tenant) {
                tenants.insert(t, (None, Rule::Whole));
            }
        }
    }
    Ok(tenants
        .into_iter()
        .map(|(tenant, (account, rule))| Visible {
            tenant,
            account,
            rule,
        })
        .collect())
}

/// How many of a store's events to ask for to answer `limit` under `rule`: hidden events are
/// dropped after the store answers, so a partial view asks for a full page.
fn asked(rule: &Rule, limit: usize) -> usize {
    match rule {
        Rule::Whole => limit,
        Rule::Only { .. } => MAX_LIST,
    }
}

fn tagged(v: &Visible, mut events: Vec<Stored>) -> Vec<Stored> {
    for e in &mut events {
        v.tag(&mut e.event);
    }
    events
}

/// The pending status over `tenants`. Under a partial rule it is counted from the newest
/// `MAX_LIST` pending events of that tenant.
pub async fn status(
    platform: &Platform<'_>,
    tenants: &[Visible],
) -> Result<PendingStatus, PlatformError> {
    let answers = join_all(tenants.iter().map(|v| async move {
        if v.rule == Rule::Whole {
            return store::status(platform.objects, &v.tenant).await;
        }
        let mut s = PendingStatus::default();
        for e in store::pending(platform.objects, &v.tenant, MAX_LIST).await? {
            if v.rule.allows(&e.event) {
                s.pending_count += 1;
                s.latest_received_at = s.latest_received_at.max(Some(e.event.received_at));
                *s.types.entry(e.event.event_type).or_default() += 1;
            }
        }
        Ok(s)
    }))
    .await;
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
    tenants: &[Visible],
    limit: usize,
) -> Result<Vec<Stored>, PlatformError> {
    let answers = join_all(
        tenants
            .iter()
            .map(|v| store::pending(platform.objects, &v.tenant, asked(&v.rule, limit))),
    )
    .await;
    let mut all = Vec::new();
    for (v, events) in tenants.iter().zip(answers) {
        let mut events = events?;
        events.retain(|e| v.rule.allows(&e.event));
        all.extend(tagged(v, events));
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
    tenants: &[Visible],
    limit: usize,
    settings: &WebhookSettings,
) -> Result<Vec<FullEvent>, PlatformError> {
    let share = settings.response_budget_bytes / tenants.len().max(1);
    let answers = join_all(tenants.iter().map(|v| {
        store::pending_with_payloads(
            platform.objects,
            &v.tenant,
            asked(&v.rule, limit),
            share,
            settings.inline_payload_bytes,
        )
    }))
    .await;
    let mut all = Vec::new();
    for (v, events) in tenants.iter().zip(answers) {
        for (seq, mut e) in events? {
            if v.rule.allows(&e.event) {
                v.tag(&mut e.event);
                all.push((seq, e));
            }
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

/// The event `id` from whichever of `tenants` holds it and shows it, with its payload up to
/// `max_payload`.
pub async fn find(
    platform: &Platform<'_>,
    tenants: &[Visible],
    id: &DeliveryId,
    max_payload: usize,
) -> Result<Option<FullEvent>, PlatformError> {
    let answers = join_all(
        tenants
            .iter()
            .map(|v| store::get(platform.objects, &v.tenant, id, max_payload)),
    )
    .await;
    for (v, found) in tenants.iter().zip(answers) {
        if let Some(mut e) = found?.filter(|e| v.rule.allows(&e.event)) {
            v.tag(&mut e.event);
            return Ok(Some(e));
        }
    }
    Ok(None)
}

/// The tenants among `tenants` that show `id` to the caller if they hold it.
async fn showing<'a>(
    platform: &Platform<'_>,
    tenants: &'a [Visible],
    id: &DeliveryId,
) -> Result<Vec<&'a Visible>, PlatformError> {
    let answers = join_all(tenants.iter().map(|v| async move {
        if v.rule == Rule::Whole {
            return Ok(true);
        }
        let found = store::get(platform.objects, &v.tenant, id, 0).await?;
        Ok::<_, PlatformError>(found.is_some_and(|e| v.rule.allows(&e.event)))
    }))
    .await;
    let mut shown = Vec::new();
    for (v, ok) in tenants.iter().zip(answers) {
        if ok? {
            shown.push(v);
        }
    }
    Ok(shown)
}

/// The event `id` as `GET /event` returns it, from whichever of `tenants` holds and shows it.
pub async fn find_rendered(
    platform: &Platform<'_>,
    tenants: &[Visible],
    id: &DeliveryId,
) -> Result<Option<Vec<u8>>, PlatformError> {
    let shown = showing(platform, tenants, id).await?;
    let answers = join_all(
        shown
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

/// Marks `id` processed in whichever of `tenants` holds and shows it.
pub async fn mark(
    platform: &Platform<'_>,
    tenants: &[Visible],
    id: &DeliveryId,
) -> Result<Marked, PlatformError> {
    let shown = showing(platform, tenants, id).await?;
    let answers = join_all(
        shown
            .iter()
            .map(|v| store::mark(platform.objects, &v.tenant, id)),
    )
    .await;
    let mut outcome = Marked::NotFound;
    for a in answers {
        match a? {
            Marked::NotFound => {}
            found => outcome = found,
        }
    }
    Ok(outcome)
}
