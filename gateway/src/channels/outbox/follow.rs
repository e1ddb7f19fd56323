//! Followed notifications: one accepted with a follower (the name of the event store whose
//! event it was sent for) has each attempt's outcome reported there as `objects::follow::Settled`,
//! until it ends — delivered, refused, expired or dropped by an operator. The end is reported
//! once: if that report is lost, the event's `trigger_status` keeps its last value.

use super::{int, State};
use crate::objects::follow::{Outcome, Settled};
use crate::platform::{Platform, Sql, SqlError};

/// Most ended notifications reported by one alarm.
const FLUSH_BATCH: i64 = 50;

/// The table: a followed notification's id and whom to tell.
pub fn schema(sql: &dyn Sql) -> Result<(), SqlError> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS followers (id TEXT PRIMARY KEY, object TEXT NOT NULL)",
        &[],
    )
    .map(drop)
}

/// Notes that `object` follows notification `id`.
pub fn follow(sql: &dyn Sql, id: &str, object: &str) -> Result<(), SqlError> {
    sql.exec(
        "INSERT INTO followers (id, object) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
        &[id.into(), object.into()],
    )
    .map(drop)
}

/// Whether an ended notification's follower is still to be told (the alarm should run now).
pub fn owed(sql: &dyn Sql) -> bool {
    sql.exec(
        "SELECT 1 FROM followers f JOIN outbox o ON o.id = f.id \
         WHERE o.state IN ('sent', 'failed') LIMIT 1",
        &[],
    )
    .is_ok_and(|rows| !rows.is_empty())
}

fn outcome(state: State) -> Outcome {
    match state {
        State::Sent => Outcome::Sent,
        State::Failed => Outcome::Failed,
        State::Queued | State::Sending => Outcome::Queued,
    }
}

/// Tells the follower of notification `id`, if it has one, that it is now `state`; forgets
/// the follower once told of an end.
pub async fn report(sql: &dyn Sql, platform: &Platform<'_>, id: &str, state: State) {
    let Ok(rows) = sql.exec("SELECT object FROM followers WHERE id = ?", &[id.into()]) else {
        return;
    };
    let Some(object) = rows.first().and_then(|r| r[0].as_str()).map(str::to_owned) else {
        return;
    };
    let settled = Settled {
        notification: id.to_owned(),
        outcome: outcome(state),
    };
    if let Err(e) = crate::objects::ask(platform.objects, &object, settled).await {
        crate::log::internal("outbox follower", &e.to_string());
    }
    // Told once of the end, whether or not it arrived: an alarm never spins on a store that
    // cannot be reached.
    if matches!(state, State::Sent | State::Failed) {
        let _ = sql.exec("DELETE FROM followers WHERE id = ?", &[id.into()]);
    }
}

/// Reports the ended notifications whose followers were not told yet (dropped by an
/// operator between two alarms).
pub async fn flush(sql: &dyn Sql, platform: &Platform<'_>) {
    let Ok(rows) = sql.exec(
        "SELECT f.id, o.state FROM followers f JOIN outbox o ON o.id = f.id \
         WHERE o.state IN ('sent', 'failed') LIMIT ?",
        &[int(FLUSH_BATCH as u64)],
    ) else {
        return;
    };
    for row in rows {
        let id = row[0].as_str().unwrap_or_default().to_owned();
        let state = State::parse(row[1].as_str().unwrap_or_default());
        report(sql, platform, &id, state).await;
    }
}
