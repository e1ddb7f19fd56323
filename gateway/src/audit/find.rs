//! Reading the trail a page at a time, filtered by kind (`event`), principal (`actor`) and
//! time, newest first: what the console's audit page shows.

use serde::{Deserialize, Serialize};

use super::{Entry, INSTANCE, MAX_READ};
use crate::objects::ask;
use crate::platform::{Objects, PlatformError, Sql, SqlError, SqlValue};

/// Which entries to read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Only this kind (`signin`, `console`, …).
    pub event: Option<String>,
    /// Only this principal.
    pub actor: Option<String>,
    /// Only at or after this time (ms since the epoch).
    pub since_ms: Option<u64>,
    /// Only before this time.
    pub until_ms: Option<u64>,
    /// Only entries older than this one (the previous page's last `id`).
    pub before_id: Option<i64>,
    /// Most entries returned (at most [`MAX_READ`]).
    pub limit: usize,
}

/// An entry with its position, for the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    /// Its position: later entries have larger ones.
    pub id: i64,
    /// The entry.
    pub entry: Entry,
}

/// The entries matching a filter, newest first.
#[derive(Serialize, Deserialize)]
pub struct Find(pub(super) Filter);

/// The entries matching `filter`, newest first.
pub async fn find(objects: &dyn Objects, filter: Filter) -> Result<Vec<Found>, PlatformError> {
    Ok(ask(objects, INSTANCE, Find(filter)).await?)
}

fn opt_text(v: &Option<String>) -> SqlValue {
    v.as_deref().map_or(SqlValue::Null, Into::into)
}

/// The object's side of [`Find`].
pub(super) fn run(sql: &dyn Sql, filter: &Filter) -> Result<Vec<Found>, SqlError> {
    let int = |v: Option<u64>, default: i64| {
        SqlValue::Integer(v.map_or(default, |v| v.min(i64::MAX as u64) as i64))
    };
    let rows = sql.exec(
        "SELECT id, entry FROM entries WHERE at_ms >= ? AND at_ms < ? AND id < ? \
         AND (? IS NULL OR json_extract(entry, '$.event') = ?) \
         AND (? IS NULL OR json_extract(entry, '$.actor') = ?) \
         ORDER BY id DESC LIMIT ?",
        &[
            int(filter.since_ms, 0),
            int(filter.until_ms, i64::MAX),
            SqlValue::Integer(filter.before_id.unwrap_or(i64::MAX)),
            opt_text(&filter.event),
            opt_text(&filter.event),
            opt_text(&filter.actor),
            opt_text(&filter.actor),
            SqlValue::Integer(filter.limit.clamp(1, MAX_READ) as i64),
        ],
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let entry = super::stored_entry(r[1].as_str()?)?;
            Some(Found {
                id: r[0].as_i64()?,
                entry,
            })
        })
        .collect())
}
