//! The operator's export of a store: every event, oldest first, as JSON lines — each line the
//! event's position (`seq`) and summary with its payload spliced in as GitHub sent it (never parsed on the way) —
//! a page at a time, so no page holds more than its budget beyond one event; and erasing a
//! store whole.

use super::{read, schema};
use crate::platform::{Sql, SqlError};

/// Most bytes of JSON lines one page carries (beyond its last event).
pub const PAGE_BYTES: usize = 4 * 1024 * 1024;
/// Most events one page carries.
const PAGE_EVENTS: usize = 100;

/// Appends to `out` the events after position `after` as JSON lines, oldest first, until
/// `budget` bytes are written; returns the position of the last one written (`None` when none
/// is left).
pub fn page(
    sql: &dyn Sql,
    after: i64,
    budget: usize,
    tenant: &str,
    out: &mut Vec<u8>,
) -> Result<Option<i64>, SqlError> {
    let start = out.len();
    let mut last = None;
    for s in read::after(sql, after, PAGE_EVENTS)? {
        if out.len() - start >= budget {
            break;
        }
        let id = crate::webhooks::DeliveryId::parse(&s.event.id).map_err(SqlError)?;
        read::rendered_at(sql, &id, (tenant, None), true, out)?;
        out.push(b'\n');
        last = Some(s.seq);
    }
    Ok(last)
}

/// Deletes every event, payload and count of this store now.
pub fn erase(sql: &dyn Sql) -> Result<(), SqlError> {
    for table in schema::EVENT_TABLES.into_iter().chain(["settings"]) {
        sql.exec(&format!("DELETE FROM {table}"), &[])?;
    }
    Ok(())
}
