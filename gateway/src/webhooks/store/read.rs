//! Reading the event store: the pending status, lists of summaries, one event with its
//! payload, and pending events with payloads within a byte budget.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{EventSummary, FullEvent, Stored};
use crate::platform::{Sql, SqlError, SqlValue};
use crate::webhooks::time::iso8601;
use crate::webhooks::DeliveryId;

/// A lightweight snapshot of the pending events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PendingStatus {
    /// How many events are not yet processed.
    pub pending_count: u64,
    /// When the newest pending event arrived (ISO 8601), or null.
    pub latest_received_at: Option<String>,
    /// Pending events by type.
    pub types: BTreeMap<String, u64>,
}

const COLUMNS: &str =
    "seq, id, type, received_at, processed_at, trigger_status, last_triggered_at, summary, size";

fn stored(row: &[SqlValue]) -> Result<Stored, SqlError> {
    let text = |i: usize| row[i].as_str().map(str::to_owned);
    // As bytes, as the store reads its requests: one decoder of `Summary` in the wasm, not two.
    let summary = row[7]
        .as_str()
        .and_then(|s| serde_json::from_slice(s.as_bytes()).ok())
        .unwrap_or_default();
    Ok(Stored {
        seq: row[0]
            .as_i64()
            .ok_or_else(|| SqlError("row without seq".into()))?,
        event: EventSummary {
            id: text(1).unwrap_or_default(),
            event_type: text(2).unwrap_or_default(),
            tenant: String::new(),
            account_id: None,
            received_at: iso8601(row[3].as_i64().unwrap_or(0) as u64),
            processed: row[4] != SqlValue::Null,
            trigger_status: text(5),
            last_triggered_at: row[6].as_i64().map(|t| iso8601(t as u64)),
            summary,
            payload_bytes: row[8].as_i64().unwrap_or(0) as u64,
        },
    })
}

fn list(sql: &dyn Sql, query: &str, params: &[SqlValue]) -> Result<Vec<Stored>, SqlError> {
    sql.exec(query, params)?.iter().map(|r| stored(r)).collect()
}

/// The pending status.
pub fn status(sql: &dyn Sql) -> Result<PendingStatus, SqlError> {
    let types: BTreeMap<String, u64> = sql
        .exec("SELECT type, n FROM pending_types", &[])?
        .iter()
        .filter_map(|r| Some((r[0].as_str()?.to_owned(), r[1].as_i64()? as u64)))
        .collect();
    let latest = sql.exec(
        "SELECT received_at FROM events WHERE processed_at IS NULL ORDER BY seq DESC LIMIT 1",
        &[],
    )?;
    Ok(PendingStatus {
        pending_count: types.values().sum(),
        latest_received_at: latest
            .first()
            .and_then(|r| r[0].as_i64())
            .map(|t| iso8601(t as u64)),
        types,
    })
}

/// Pending events, newest first.
pub fn pending(sql: &dyn Sql, limit: usize) -> Result<Vec<Stored>, SqlError> {
    list(
        sql,
        &format!(
            "SELECT {COLUMNS} FROM events WHERE processed_at IS NULL ORDER BY seq DESC LIMIT ?"
        ),
        &[SqlValue::Integer(limit as i64)],
    )
}

/// Up to `limit` events, processed or not, newest first.
pub fn newest(sql: &dyn Sql, limit: usize) -> Result<Vec<Stored>, SqlError> {
    list(
        sql,
        &format!("SELECT {COLUMNS} FROM events ORDER BY seq DESC LIMIT ?"),
        &[SqlValue::Integer(limit as i64)],
    )
}

/// Events after position `seq`, oldest first.
pub fn after(sql: &dyn Sql, seq: i64, limit: usize) -> Result<Vec<Stored>, SqlError> {
    list(
        sql,
        &format!("SELECT {COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?"),
        &[SqlValue::Integer(seq), SqlValue::Integer(limit as i64)],
    )
}

/// The newest position (0 for an empty store).
pub fn head(sql: &dyn Sql) -> Result<i64, SqlError> {
    let rows = sql.exec("SELECT max(seq) FROM events", &[])?;
    Ok(rows.first().and_then(|r| r[0].as_i64()).unwrap_or(0))
}

/// Appends the payload of the event at `seq` to `out`, one chunk at a time, so no more than one
/// chunk is held besides `out`.
fn append_payload(sql: &dyn Sql, seq: i64, out: &mut Vec<u8>) -> Result<(), SqlError> {
    for n in 0.. {
        let rows = sql.exec(
            "SELECT data FROM chunks WHERE seq = ? AND n = ?",
            &[SqlValue::Integer(seq), SqlValue::Integer(n)],
        )?;
        match rows.into_iter().next().and_then(|r| r.into_iter().next()) {
            Some(SqlValue::Blob(b)) => out.extend_from_slice(&b),
            Some(SqlValue::Text(t)) => out.extend_from_slice(t.as_bytes()),
            _ => break,
        }
    }
    Ok(())
}

/// The payload of the event at `seq`, reassembled from its chunks.
fn payload(sql: &dyn Sql, seq: i64, size: usize) -> Result<Box<RawValue>, SqlError> {
    let mut bytes = Vec::with_capacity(size);
    append_payload(sql, seq, &mut bytes)?;
    let text =
        String::from_utf8(bytes).map_err(|_| SqlError("stored payload is not UTF-8".into()))?;
    RawValue::from_string(text).map_err(|e| SqlError(format!("stored payload is not JSON: {e}")))
}

fn too_large(size: u64, why: &str) -> String {
    format!("The payload ({size} bytes) {why}; fetch it with get_event, or GET /event?id=… for any size")
}

/// One event with its payload, left out above `max_payload` bytes.
pub fn get(
    sql: &dyn Sql,
    id: &DeliveryId,
    max_payload: usize,
) -> Result<Option<FullEvent>, SqlError> {
    let rows = list(
        sql,
        &format!("SELECT {COLUMNS} FROM events WHERE id = ?"),
        &[id.as_str().into()],
    )?;
    let Some(s) = rows.into_iter().next() else {
        return Ok(None);
    };
    let size = s.event.payload_bytes;
    if size as usize > max_payload {
        return Ok(Some(FullEvent {
            event: s.event,
            payload: None,
            note: Some(format!(
                "The payload ({size} bytes) is larger than this answer carries ({max_payload} bytes); GET /event?id=… with the same token returns it whole"
            )),
        }));
    }
    Ok(Some(FullEvent {
        payload: Some(payload(sql, s.seq, size as usize)?),
        event: s.event,
        note: None,
    }))
}

/// One event as `GET /event` answers it — the summary, named for `tenant` (its account's
/// login) and `account_id`, with the stored payload
/// spliced in as it arrived — appended to `out` straight from the chunks, so the largest
/// payload is held once here and passed on without being parsed or re-encoded. False when
/// there is no such event.
pub fn rendered(
    sql: &dyn Sql,
    id: &DeliveryId,
    (tenant, account_id): (&str, Option<u64>),
    out: &mut Vec<u8>,
) -> Result<bool, SqlError> {
    rendered_at(sql, id, (tenant, account_id), false, out)
}

/// `rendered`, with the event's position in the store first (`"seq":N`) when `with_seq`: an
/// export line names where a resumed export starts.
pub fn rendered_at(
    sql: &dyn Sql,
    id: &DeliveryId,
    (tenant, account_id): (&str, Option<u64>),
    with_seq: bool,
    out: &mut Vec<u8>,
) -> Result<bool, SqlError> {
    let rows = list(
        sql,
        &format!("SELECT {COLUMNS} FROM events WHERE id = ?"),
        &[id.as_str().into()],
    )?;
    let Some(mut s) = rows.into_iter().next() else {
        return Ok(false);
    };
    s.event.tenant = tenant.to_owned();
    s.event.account_id = account_id;
    let summary = serde_json::to_vec(&s.event).map_err(|e| SqlError(e.to_string()))?;
    if with_seq {
        out.extend_from_slice(format!("{{\"seq\":{},", s.seq).as_bytes());
        out.extend_from_slice(&summary[1..summary.len() - 1]);
    } else {
        out.extend_from_slice(&summary[..summary.len() - 1]);
    }
    out.reserve_exact(s.event.payload_bytes as usize + 13);
    out.extend_from_slice(b",\"payload\":");
    append_payload(sql, s.seq, out)?;
    out.push(b'}');
    Ok(true)
}

/// Pending events with payloads, newest first, within `budget` payload bytes in all.
pub fn pending_with_payloads(
    sql: &dyn Sql,
    limit: usize,
    budget: usize,
    inline_max: usize,
) -> Result<Vec<(i64, FullEvent)>, SqlError> {
    let mut left = budget;
    let mut out = Vec::new();
    for s in pending(sql, limit)? {
        let size = s.event.payload_bytes as usize;
        let (payload, note) = if size > inline_max {
            (
                None,
                Some(too_large(size as u64, "is over the size listed inline")),
            )
        } else if size > left {
            (
                None,
                Some(too_large(size as u64, "did not fit in this answer")),
            )
        } else {
            left -= size;
            (Some(payload(sql, s.seq, size)?), None)
        };
        out.push((
            s.seq,
            FullEvent {
                event: s.event,
                payload,
                note,
            },
        ));
    }
    Ok(out)
}
