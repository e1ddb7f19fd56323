//! Browsing a knowledge base: its documents a page at a time in id order (each page one
//! indexed range read, however many documents there are), and one document whole.

use serde::{Deserialize, Serialize};

use super::store::{storage, SCHEMA};
use crate::platform::{Sql, SqlValue};

/// The most documents one page lists.
pub const MAX_PAGE: usize = 100;

/// A document as a listing shows it: no body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    /// Identifier within its knowledge base.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Body size in bytes.
    pub bytes: u64,
}

/// A document with its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FullDocument {
    /// Identifier within its knowledge base.
    pub id: i64,
    /// Title.
    pub title: String,
    /// The body, as stored.
    pub content: String,
    /// Tags.
    pub tags: Vec<String>,
    /// When it was stored, in milliseconds since the epoch.
    pub created_at_ms: u64,
}

/// Up to `limit` documents (at most `MAX_PAGE`) with ids above `after`, in id order.
pub(super) fn list(sql: &dyn Sql, after: i64, limit: usize) -> Result<Vec<Listed>, String> {
    sql.exec(SCHEMA, &[]).map_err(storage)?;
    let limit = limit.clamp(1, MAX_PAGE) as i64;
    let rows = sql
        .exec(
            "SELECT id, title, length(CAST(content AS BLOB)) FROM documents WHERE id > ? ORDER BY id LIMIT ?",
            &[SqlValue::Integer(after), SqlValue::Integer(limit)],
        )
        .map_err(storage)?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Listed {
                id: row.first()?.as_i64()?,
                title: row.get(1)?.as_str()?.to_owned(),
                bytes: row.get(2)?.as_i64()?.max(0) as u64,
            })
        })
        .collect())
}

/// Document `id`, if there is one.
pub(super) fn read(sql: &dyn Sql, id: i64) -> Result<Option<FullDocument>, String> {
    sql.exec(SCHEMA, &[]).map_err(storage)?;
    let rows = sql
        .exec(
            "SELECT id, title, content, tags, created_at_ms FROM documents WHERE id = ?",
            &[SqlValue::Integer(id)],
        )
        .map_err(storage)?;
    Ok(rows.into_iter().next().and_then(|row| {
        Some(FullDocument {
            id: row.first()?.as_i64()?,
            title: row.get(1)?.as_str()?.to_owned(),
            content: row.get(2)?.as_str()?.to_owned(),
            tags: serde_json::from_str(row.get(3)?.as_str()?).unwrap_or_default(),
            created_at_ms: row.get(4)?.as_i64()?.max(0) as u64,
        })
    }))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::knowledge::{store, NewDocument};
    use crate::platform::native::SqliteSql;

    fn add(sql: &dyn Sql, title: &str) -> i64 {
        let doc = NewDocument {
            title: title.into(),
            content: format!("# {title}\n\nBody of {title}, café."),
            tags: vec!["t".into()],
        };
        store::create(sql, 5, doc).unwrap().id
    }

    #[test]
    fn an_empty_base_lists_nothing_and_reads_nothing() {
        let sql = SqliteSql::open();
        assert_eq!(list(&sql, 0, 10).unwrap(), []);
        assert_eq!(read(&sql, 1).unwrap(), None);
    }

    #[test]
    fn pages_follow_ids_and_a_document_reads_back_whole() {
        let sql = SqliteSql::open();
        let ids: Vec<i64> = ["a", "b", "c"].iter().map(|t| add(&sql, t)).collect();
        let first = list(&sql, 0, 2).unwrap();
        assert_eq!(
            first.iter().map(|d| d.title.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(first[0].bytes, "# a\n\nBody of a, café.".len() as u64);
        let rest = list(&sql, first[1].id, 2).unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].id, ids[2]);
        let doc = read(&sql, ids[1]).unwrap().unwrap();
        assert_eq!(
            (
                doc.title.as_str(),
                doc.content.as_str(),
                doc.tags,
                doc.created_at_ms
            ),
            ("b", "# b\n\nBody of b, café.", vec!["t".to_owned()], 5)
        );
        assert_eq!(read(&sql, 99).unwrap(), None);
    }
}
