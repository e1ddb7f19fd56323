//! Documents in SQLite: validation of what is stored, and a term search ranked by where the
//! terms occur (title over tags over body).

use serde::{Deserialize, Serialize};

use super::NewDocument;
use crate::platform::{Sql, SqlValue};

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Largest body, in bytes.
pub const MAX_CONTENT_BYTES: usize = 100_000;
/// Most tags on one document.
pub const MAX_TAGS: usize = 20;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 50;
/// Most documents in one knowledge base.
pub const MAX_DOCUMENTS: i64 = 10_000;
/// Rows read to rank one search.
const MAX_CANDIDATES: i64 = 500;
/// Characters of body shown around the first match.
const SNIPPET_CHARS: usize = 160;

/// A stored document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Identifier within its knowledge base.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Tags.
    pub tags: Vec<String>,
    /// When it was stored, in milliseconds since the epoch.
    pub created_at_ms: u64,
}

/// A document that matched a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SearchHit {
    /// Identifier.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Part of the body around the first match.
    pub snippet: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Higher is better.
    pub score: u32,
}

pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    tags TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    -- title, tags and content lower-cased by Rust: SQLite's lower() and LIKE fold ASCII only.
    folded TEXT NOT NULL)";

/// The text a search matches against: lower-cased with Unicode rules.
fn folded(title: &str, tags: &[String], content: &str) -> String {
    format!("{}\n{}\n{}", title, tags.join(" "), content).to_lowercase()
}

fn refuse<T>(why: String) -> Result<T, String> {
    Err(why)
}

pub(super) fn storage(e: impl std::fmt::Display) -> String {
    format!("the knowledge base could not be read or written ({e}); try again")
}

pub(super) fn create(sql: &dyn Sql, now_ms: u64, doc: NewDocument) -> Result<Document, String> {
    let title = doc.title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return refuse(format!("`title` must be 1 to {MAX_TITLE_CHARS} characters"));
    }
    if doc.content.trim().is_empty() || doc.content.len() > MAX_CONTENT_BYTES {
        return refuse(format!(
            "`content` must be non-empty and at most {MAX_CONTENT_BYTES} bytes"
        ));
    }
    if doc.tags.len() > MAX_TAGS
        || doc
            .tags
            .iter()
            .any(|t| t.trim().is_empty() || t.chars().count() > MAX_TAG_CHARS)
    {
        return refuse(format!(
            "`tags` takes at most {MAX_TAGS} tags of 1 to {MAX_TAG_CHARS} characters each"
        ));
    }
    sql.exec(SCHEMA, &[]).map_err(storage)?;
    let count = sql
        .exec("SELECT count(*) FROM documents", &[])
        .map_err(storage)?;
    if count.first().and_then(|r| r[0].as_i64()).unwrap_or(0) >= MAX_DOCUMENTS {
        return refuse(format!(
            "this knowledge base is full ({MAX_DOCUMENTS} documents)"
        ));
    }
    let tags: Vec<String> = doc.tags.iter().map(|t| t.trim().to_owned()).collect();
    let tags_json = serde_json::to_string(&tags).map_err(storage)?;
    let rows = sql
        .exec(
            "INSERT INTO documents (title, content, tags, created_at_ms, folded) \
             VALUES (?, ?, ?, ?, ?) RETURNING id",
            &[
                title.into(),
                doc.content.clone().into(),
                tags_json.into(),
                SqlValue::Integer(now_ms as i64),
                folded(title, &tags, &doc.content).into(),
            ],
        )
        .map_err(storage)?;
    let id = rows
        .first()
        .and_then(|r| r[0].as_i64())
        .ok_or_else(|| storage("no id"))?;
    Ok(Document {
        id,
        title: title.to_owned(),
        tags,
        created_at_ms: now_ms,
    })
}

fn like_pattern(term: &str) -> String {
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

fn snippet(content: &str, term: &str) -> String {
    let lower = content.to_lowercase();
    // Lower-casing can change byte lengths; find the match by characters to stay on boundaries.
    let start_char = lower
        .find(term)
        .map_or(0, |byte| lower[..byte].chars().count());
    let from = start_char.saturating_sub(SNIPPET_CHARS / 4);
    let text: String = content.chars().skip(from).take(SNIPPET_CHARS).collect();
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(text.trim());
    if content.chars().count() > from + SNIPPET_CHARS {
        out.push('…');
    }
    out
}

pub(super) fn search(sql: &dyn Sql, query: &str, limit: usize) -> Result<Vec<SearchHit>, String> {
    let terms: Vec<String> = query
        .split_whitespace()
        .map(str::to_lowercase)
        .take(10)
        .collect();
    if terms.is_empty() {
        return refuse("`query` must contain at least one word".into());
    }
    sql.exec(SCHEMA, &[]).map_err(storage)?;
    let clause = vec!["folded LIKE ? ESCAPE '\\'"; terms.len()].join(" OR ");
    let mut params: Vec<SqlValue> = terms.iter().map(|t| like_pattern(t).into()).collect();
    params.push(SqlValue::Integer(MAX_CANDIDATES));
    let rows = sql
        .exec(&format!("SELECT id, title, content, tags FROM documents WHERE {clause} ORDER BY id DESC LIMIT ?"), &params)
        .map_err(storage)?;
    let mut hits: Vec<SearchHit> = rows
        .into_iter()
        .filter_map(|row| {
            let [id, title, content, tags] = <[SqlValue; 4]>::try_from(row).ok()?;
            let (id, title, content) = (
                id.as_i64()?,
                title.as_str()?.to_owned(),
                content.as_str()?.to_owned(),
            );
            let tags: Vec<String> = serde_json::from_str(tags.as_str()?).unwrap_or_default();
            let (lt, lc) = (title.to_lowercase(), content.to_lowercase());
            let score = terms
                .iter()
                .map(|t| {
                    let in_title = lt.matches(t.as_str()).count() as u32 * 3;
                    let in_tags = tags.iter().filter(|g| g.to_lowercase() == *t).count() as u32 * 2;
                    in_title + in_tags + lc.matches(t.as_str()).count().min(20) as u32
                })
                .sum();
            let first = terms
                .iter()
                .find(|t| lc.contains(t.as_str()))
                .map_or("", String::as_str);
            Some(SearchHit {
                id,
                snippet: snippet(&content, first),
                title,
                tags,
                score,
            })
        })
        .filter(|h| h.score > 0)
        .collect();
    hits.sort_by(|a, b| b.score.cmp(&a.score).then(b.id.cmp(&a.id)));
    hits.truncate(limit);
    Ok(hits)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::platform::native::SqliteSql;

    fn doc(title: &str, content: &str, tags: &[&str]) -> NewDocument {
        NewDocument {
            title: title.into(),
            content: content.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    #[test]
    fn documents_are_found_best_match_first() {
        let db = SqliteSql::open();
        create(
            &db,
            1,
            doc(
                "Deploy guide",
                "How to deploy the worker with wrangler.",
                &["ops"],
            ),
        )
        .unwrap();
        create(
            &db,
            2,
            doc("Lunch", "Menu for Friday; nothing about deploys.", &[]),
        )
        .unwrap();
        create(&db, 3, doc("100% uptime", "A story", &[])).unwrap();
        let hits = search(&db, "deploy", 5).unwrap();
        assert_eq!(
            hits.iter().map(|h| h.title.as_str()).collect::<Vec<_>>(),
            ["Deploy guide", "Lunch"]
        );
        assert!(hits[0].snippet.contains("deploy the worker"));
        assert_eq!(search(&db, "deploy", 1).unwrap().len(), 1);
        // LIKE wildcards in a query are literal characters.
        assert_eq!(search(&db, "%", 5).unwrap().len(), 1);
        assert!(search(&db, "   ", 5).is_err());
    }

    #[test]
    fn case_folds_beyond_ascii() {
        let db = SqliteSql::open();
        let d = doc(
            "Österreich notes",
            "Wien, then Graz; Ärger with the Édouard ferry.",
            &[],
        );
        create(&db, 1, d).unwrap();
        for q in [
            "Österreich",
            "österreich",
            "ÖSTERREICH",
            "ärger",
            "ÉDOUARD",
            "wien",
        ] {
            assert_eq!(search(&db, q, 5).unwrap().len(), 1, "{q}");
        }
    }

    #[test]
    fn limits_are_enforced_at_the_store() {
        let db = SqliteSql::open();
        assert!(create(&db, 1, doc("", "x", &[])).is_err());
        assert!(create(&db, 1, doc(&"t".repeat(MAX_TITLE_CHARS + 1), "x", &[])).is_err());
        assert!(create(&db, 1, doc(&"t".repeat(MAX_TITLE_CHARS), "x", &[])).is_ok());
        assert!(create(&db, 1, doc("t", &"x".repeat(MAX_CONTENT_BYTES + 1), &[])).is_err());
        assert!(create(&db, 1, doc("t", "x", &vec!["a"; MAX_TAGS + 1])).is_err());
    }

    #[test]
    fn snippets_never_split_characters() {
        let text = "é".repeat(300) + " needle " + &"ü".repeat(300);
        let s = snippet(&text, "needle");
        assert!(s.contains("needle") && s.starts_with('…') && s.ends_with('…'));
    }
}
