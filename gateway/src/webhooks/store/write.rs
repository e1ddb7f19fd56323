//! Storing deliveries (quota checked and counted in the same synchronous step, so concurrent
//! deliveries cannot overshoot it) and marking events processed.

use sha2::{Digest, Sha256};

use super::schema::{self, CHUNK_BYTES};
use super::{Incoming, Ingested, Marked};
use crate::platform::{Memory, Sql, SqlError, SqlValue};
use crate::webhooks::DeliveryId;

/// Takes one delivery from the quota in one statement (the window's count moves only while
/// under the limit), or says how long until the window ends.
fn take_quota(
    sql: &dyn Sql,
    now_ms: u64,
    limit: u64,
    window_ms: u64,
) -> Result<Option<u64>, SqlError> {
    let window_ms = window_ms.max(1);
    let window_start = now_ms - now_ms % window_ms;
    let until_next_window = window_start + window_ms - now_ms;
    if limit == 0 {
        return Ok(Some(until_next_window));
    }
    let taken = sql.exec(
        "INSERT INTO quota (one, window_start, n) VALUES (0, ?, 1) \
         ON CONFLICT (one) DO UPDATE SET \
           n = CASE WHEN window_start = excluded.window_start THEN n + 1 ELSE 1 END, \
           window_start = excluded.window_start \
         WHERE window_start <> excluded.window_start OR n < ? \
         RETURNING n",
        &[
            SqlValue::Integer(window_start as i64),
            SqlValue::Integer(limit.min(i64::MAX as u64) as i64),
        ],
    )?;
    Ok(taken.is_empty().then_some(until_next_window))
}

/// Stores `incoming` with `payload` unless its id is already stored, or a kept event of the
/// same type has the same body (a captured delivery re-posted under a new id: the signature
/// covers only the body). The inserts are the duplicate checks — the event's by its id, then
/// its digest's by (type, digest) — so a new delivery costs no lookup first; an event whose
/// digest is taken, or that the quota refuses, is taken out again in the same step.
pub fn ingest(
    sql: &dyn Sql,
    memory: &Memory,
    now_ms: u64,
    incoming: &Incoming,
    payload: &[u8],
) -> Result<Ingested, SqlError> {
    let summary = serde_json::to_string(&incoming.summary).map_err(|e| SqlError(e.to_string()))?;
    let rows = sql.exec(
        "INSERT INTO events (id, type, received_at, summary, size) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO NOTHING RETURNING seq",
        &[
            incoming.id.as_str().into(),
            incoming.event_type.as_str().into(),
            SqlValue::Integer(now_ms as i64),
            summary.into(),
            SqlValue::Integer(payload.len() as i64),
        ],
    )?;
    let Some(seq) = rows.first().and_then(|r| r[0].as_i64()) else {
        return Ok(Ingested::Duplicate);
    };
    let stored = sql
        .exec(
            "INSERT INTO digests (type, digest, seq) VALUES (?, ?, ?) \
             ON CONFLICT (type, digest) DO NOTHING RETURNING seq",
            &[
                incoming.event_type.as_str().into(),
                SqlValue::Blob(match &incoming.digest {
                    Some(digest) => digest.clone(),
                    None => Sha256::digest(payload).to_vec(),
                }),
                SqlValue::Integer(seq),
            ],
        )
        .and_then(|taken| match taken.is_empty() {
            // A kept event of this type has this body: a replay.
            true => Ok(Ingested::Duplicate),
            false => complete(sql, memory, now_ms, incoming, payload, seq),
        });
    if !matches!(stored, Ok(Ingested::Stored)) {
        // A replay, refused or failed after the insert: take the event out again, so that
        // nothing of it is kept, and GitHub's redelivery of a failed one is stored whole
        // rather than acknowledged as a duplicate of a torso.
        let tables: &[&str] = match stored {
            // Nothing but the event's row was written.
            Ok(Ingested::Duplicate) => &["events"],
            _ => &["chunks", "digests", "triggers", "events"],
        };
        for table in tables {
            let delete = format!("DELETE FROM {table} WHERE seq = ?");
            if let Err(e) = sql.exec(&delete, &[SqlValue::Integer(seq)]) {
                return Err(stored.err().unwrap_or(e));
            }
        }
    }
    stored
}

/// What follows the insert of event `seq`: the quota, the payload's chunks, the pending count.
fn complete(
    sql: &dyn Sql,
    memory: &Memory,
    now_ms: u64,
    incoming: &Incoming,
    payload: &[u8],
    seq: i64,
) -> Result<Ingested, SqlError> {
    if let Some(q) = incoming.quota {
        if let Some(retry_after_ms) = take_quota(sql, now_ms, q.limit, q.window_ms)? {
            return Ok(Ingested::OverQuota { retry_after_ms });
        }
    }
    super::retention::remember(sql, memory, incoming.retention)?;
    for (n, chunk) in payload.chunks(CHUNK_BYTES).enumerate() {
        sql.exec(
            "INSERT INTO chunks (seq, n, data) VALUES (?, ?, ?)",
            &[
                SqlValue::Integer(seq),
                SqlValue::Integer(n as i64),
                SqlValue::Blob(chunk.to_vec()),
            ],
        )?;
    }
    super::triggered::record(sql, now_ms, seq, incoming)?;
    schema::count_pending(sql, &incoming.event_type, 1)?;
    Ok(Ingested::Stored)
}

/// Marks `id` processed (once: a second call changes nothing).
pub fn mark(sql: &dyn Sql, now_ms: u64, id: &DeliveryId) -> Result<Marked, SqlError> {
    let rows = sql.exec(
        "SELECT type, processed_at FROM events WHERE id = ?",
        &[id.as_str().into()],
    )?;
    let Some(row) = rows.first() else {
        return Ok(Marked::NotFound);
    };
    if row[1] != SqlValue::Null {
        return Ok(Marked::AlreadyProcessed);
    }
    sql.exec(
        "UPDATE events SET processed_at = ? WHERE id = ?",
        &[SqlValue::Integer(now_ms as i64), id.as_str().into()],
    )?;
    schema::count_pending(sql, row[0].as_str().unwrap_or_default(), -1)?;
    Ok(Marked::Marked)
}
