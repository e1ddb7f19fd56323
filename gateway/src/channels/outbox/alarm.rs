//! The outbox's alarm: retries the due notifications of one channel in order, each from the
//! part after the last one confirmed, and says when it should run next.

use serde_json::Value;

use super::{
    backoff_ms, follow, int, record, row_status, schema, Sender, State, Status, ALARM_BATCH,
    COLUMNS, LEASE_MS,
};
use crate::audit::{self, Entry};
use crate::channels::deliver::{self, Progress};
use crate::channels::message::Attempt;
use crate::channels::registry::{self, Registry};
use crate::channels::Instance;
use crate::platform::{Platform, Sql};

/// When the alarm should next run: the earliest attempt of a waiting notification, or now when
/// a follower is owed the end of one (`follow`).
pub fn next_wake(sql: &dyn Sql) -> Option<u64> {
    schema(sql).ok()?;
    if follow::owed(sql) {
        return Some(0);
    }
    sql.exec(
        "SELECT min(next_ms) FROM outbox WHERE state IN ('sending', 'queued')",
        &[],
    )
    .ok()?
    .first()
    .and_then(|r| r[0].as_i64())
    .map(|t| t.max(0) as u64)
}

/// The alarm: delivers the due notifications in order, stopping at the first that must wait
/// (so later ones never overtake it). Returns when to run next.
pub async fn run_due(sql: &dyn Sql, platform: &Platform<'_>, file: &[Instance]) -> Option<u64> {
    if schema(sql).is_err() {
        return None;
    }
    for _ in 0..ALARM_BATCH {
        let now = platform.clock.now_ms();
        let Ok(rows) = sql.exec(
            &format!("SELECT {COLUMNS} FROM outbox WHERE state IN ('sending', 'queued') ORDER BY seq LIMIT 1"),
            &[],
        ) else {
            break;
        };
        let Some(row) = rows.first() else { break };
        let (status, parts, sender) = row_status(row);
        // Not due yet, or still leased to the request that accepted it.
        if row[8].as_i64().unwrap_or(0).max(0) as u64 > now {
            break;
        }
        let outcome = attempt(sql, platform, file, &status, &parts, now).await;
        audit_attempt(platform, &sender, &status, &outcome).await;
        follow::report(sql, platform, &status.id, outcome.0).await;
        if outcome.0 == State::Queued {
            break;
        }
    }
    follow::flush(sql, platform).await;
    next_wake(sql)
}

/// One retry of a due notification; records and returns its new state and reason.
async fn attempt(
    sql: &dyn Sql,
    platform: &Platform<'_>,
    file: &[Instance],
    status: &Status,
    parts: &[Value],
    now: u64,
) -> (State, Option<String>) {
    let finish =
        |state: State, progress: &Progress, reason: Option<String>, retry_after: Option<u64>| {
            let next =
                (state == State::Queued).then(|| now + backoff_ms(status.attempts, retry_after));
            let _ = record(
                sql,
                &status.id,
                platform.clock.now_ms(),
                state,
                progress.sent,
                &progress.message_ids,
                reason.as_deref(),
                next,
            );
            (state, reason)
        };
    let progress = Progress {
        sent: status.sent_parts,
        message_ids: status.message_ids.clone(),
        stopped: None,
    };
    if now >= status.expires_ms {
        let reason = format!(
            "expired: not delivered within {} h ({})",
            (status.expires_ms - status.created_ms) / 3_600_000,
            status.reason.as_deref().unwrap_or("no reason recorded")
        );
        return finish(State::Failed, &progress, Some(reason), None);
    }
    let registry = Registry::load(file, platform.secrets);
    let Some(channel) = registry.find(&status.channel) else {
        return finish(
            State::Failed,
            &progress,
            Some(format!(
                "channel `{}` is no longer configured",
                status.channel
            )),
            None,
        );
    };
    let resolved = match registry::resolve(&channel.instance, platform.secrets) {
        Ok(r) => r,
        // A missing secret may be set soon: keep trying until expiry.
        Err(reason) => return finish(State::Queued, &progress, Some(reason), None),
    };
    // Mark the attempt before sending, so a crash mid-way is retried only after the lease.
    let _ = sql.exec(
        "UPDATE outbox SET state = 'sending', next_ms = ? WHERE id = ?",
        &[int(now + LEASE_MS), status.id.as_str().into()],
    );
    let progress = deliver::deliver(
        platform.fetch,
        platform.clock,
        &channel.instance,
        &resolved,
        parts,
        &status.id,
        progress,
        0,
    )
    .await;
    let (state, reason, retry_after_ms) = settle(&progress);
    finish(state, &progress, reason, retry_after_ms)
}

/// Where a delivery leaves a notification: sent, failed for good, or queued — with the
/// reason and the service's requested wait.
pub fn settle(progress: &Progress) -> (State, Option<String>, Option<u64>) {
    match &progress.stopped {
        None | Some(Attempt::Sent(_)) => (State::Sent, None, None),
        Some(Attempt::Permanent(reason)) => (State::Failed, Some(reason.clone()), None),
        Some(Attempt::Transient {
            reason,
            retry_after_ms,
        }) => (State::Queued, Some(reason.clone()), *retry_after_ms),
        Some(Attempt::Unanswered(reason)) => (State::Queued, Some(reason.clone()), None),
    }
}

async fn audit_attempt(
    platform: &Platform<'_>,
    sender: &Sender,
    status: &Status,
    outcome: &(State, Option<String>),
) {
    let mut detail = format!(
        "outbox retry: {} to {}, {}/{} parts",
        status.id, status.channel, status.sent_parts, status.parts
    );
    if let Some(reason) = &outcome.1 {
        detail.push_str(": ");
        detail.push_str(reason);
    }
    let entry = Entry::new("notify", &sender.actor, outcome.0.as_str()).detail(detail);
    let entry = match &sender.client {
        Some(c) => entry.client(c),
        None => entry,
    };
    audit::record(platform.objects, entry).await;
}
