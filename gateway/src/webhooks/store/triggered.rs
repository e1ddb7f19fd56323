//! What event routes did for each event: the notifications a route sends are recorded with the
//! delivery, in the step that stores it (so a redelivery, refused as a duplicate, never
//! triggers again), and the outboxes sending them report back (`Settled`). The event's
//! `trigger_status` is `queued` while any is waiting, then `sent` when all were delivered, or
//! `failed` when one will not be; a notification's row is kept only until they have all ended.

use super::{write, Incoming};
use crate::objects::follow::{Outcome, Settled};
use crate::platform::{Sql, SqlError, SqlValue};
use crate::webhooks::DeliveryId;

/// Records the notifications `incoming` triggers, as event `seq` is stored at `now_ms`.
pub fn record(sql: &dyn Sql, now_ms: u64, seq: i64, incoming: &Incoming) -> Result<(), SqlError> {
    if incoming.triggers.is_empty() {
        return Ok(());
    }
    for notification in &incoming.triggers {
        sql.exec(
            "INSERT INTO triggers (notification, seq, state, mark) VALUES (?, ?, ?, ?) \
             ON CONFLICT (notification) DO NOTHING",
            &[
                notification.as_str().into(),
                SqlValue::Integer(seq),
                Outcome::Queued.as_str().into(),
                SqlValue::Integer(incoming.mark_processed.into()),
            ],
        )?;
    }
    set_status(sql, now_ms, seq, Outcome::Queued)
}

fn set_status(sql: &dyn Sql, now_ms: u64, seq: i64, status: Outcome) -> Result<(), SqlError> {
    sql.exec(
        "UPDATE events SET trigger_status = ?, last_triggered_at = ? WHERE seq = ?",
        &[
            status.as_str().into(),
            SqlValue::Integer(now_ms as i64),
            SqlValue::Integer(seq),
        ],
    )
    .map(drop)
}

/// Records where `settled.notification` is; a notification this store does not know (its
/// event was deleted, or every notification of it already ended) changes nothing.
pub fn settle(sql: &dyn Sql, now_ms: u64, settled: &Settled) -> Result<(), SqlError> {
    let notification = settled.notification.as_str();
    let rows = sql.exec(
        "UPDATE triggers SET state = ? WHERE notification = ? RETURNING seq",
        &[settled.outcome.as_str().into(), notification.into()],
    )?;
    let Some(seq) = rows.first().and_then(|r| r[0].as_i64()) else {
        return Ok(());
    };
    let states = sql.exec(
        "SELECT state, mark FROM triggers WHERE seq = ?",
        &[SqlValue::Integer(seq)],
    )?;
    let has = |state: Outcome| states.iter().any(|r| r[0].as_str() == Some(state.as_str()));
    let status = if has(Outcome::Failed) {
        Outcome::Failed
    } else if has(Outcome::Queued) {
        Outcome::Queued
    } else {
        Outcome::Sent
    };
    set_status(sql, now_ms, seq, status)?;
    if has(Outcome::Queued) {
        return Ok(());
    }
    sql.exec(
        "DELETE FROM triggers WHERE seq = ?",
        &[SqlValue::Integer(seq)],
    )?;
    let mark = states.iter().any(|r| r[1].as_i64() == Some(1));
    if status == Outcome::Sent && mark {
        let ids = sql.exec(
            "SELECT id FROM events WHERE seq = ?",
            &[SqlValue::Integer(seq)],
        )?;
        if let Some(id) = ids.first().and_then(|r| r[0].as_str()) {
            if let Ok(id) = DeliveryId::parse(id) {
                write::mark(sql, now_ms, &id)?;
            }
        }
    }
    Ok(())
}
