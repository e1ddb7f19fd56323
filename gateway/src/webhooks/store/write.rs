//! Storing deliveries (quota checked and counted in the same synchronous step, so concurrent
//! deliveries cannot overshoot it) and marking events processed.

use super::schema::{self, CHUNK_BYTES};
use super::{Incoming, Ingested, Marked};
use crate::platform::{Sql, SqlError, SqlValue};
use crate::webhooks::DeliveryId;

/// Takes one delivery from the quota, or says how long until the window ends.
fn take_quota(
    sql: &dyn Sql,
    now_ms: u64,
    limit: u64,
    window_ms: u64,
) -> Result<Option<u64>, SqlError> {
    let window_start = now_ms - now_ms % window_ms.max(1);
    let rows = sql.exec("SELECT window_start, n FROM quota WHERE one = 0", &[])?;
    let used = match rows.first() {
        Some(r) if r[0].as_i64() == Some(window_start as i64) => r[1].as_i64().unwrap_or(0) as u64,
        _ => 0,
    };
    if used >= limit {
        return Ok(Some(window_start + window_ms - now_ms));
    }
    sql.exec(
        "INSERT INTO quota (one, window_start, n) VALUES (0, ?, ?) \
         ON CONFLICT (one) DO UPDATE SET window_start = excluded.window_start, n = excluded.n",
        &[
            SqlValue::Integer(window_start as i64),
            SqlValue::Integer(used as i64 + 1),
        ],
    )?;
    Ok(None)
}

/// Stores `incoming` with `payload` unless its id is already stored.
pub fn ingest(
    sql: &dyn Sql,
    now_ms: u64,
    incoming: &Incoming,
    payload: &[u8],
) -> Result<Ingested, SqlError> {
    let known = sql.exec(
        "SELECT 1 FROM events WHERE id = ?",
        &[incoming.id.as_str().into()],
    )?;
    if !known.is_empty() {
        return Ok(Ingested::Duplicate);
    }
    if let Some(q) = incoming.quota {
        if let Some(retry_after_ms) = take_quota(sql, now_ms, q.limit, q.window_ms)? {
            return Ok(Ingested::OverQuota { retry_after_ms });
        }
    }
    super::retention::remember(sql, incoming.retention)?;
    let summary = serde_json::to_string(&incoming.summary).map_err(|e| SqlError(e.to_string()))?;
    let rows = sql.exec(
        "INSERT INTO events (id, type, received_at, summary, size) VALUES (?, ?, ?, ?, ?) \
         RETURNING seq",
        &[
            incoming.id.as_str().into(),
            incoming.event_type.as_str().into(),
            SqlValue::Integer(now_ms as i64),
            summary.into(),
            SqlValue::Integer(payload.len() as i64),
        ],
    )?;
    let seq = rows
        .first()
        .and_then(|r| r[0].as_i64())
        .ok_or_else(|| SqlError("insert returned no position".into()))?;
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
