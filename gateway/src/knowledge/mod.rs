//! The knowledge base behind the example tools `create_document` and `search_knowledge_base`
//! and the document resources: one `KnowledgeBase` Durable Object per caller, documents in its
//! SQLite database. `store` writes and searches, `browse` lists and reads whole documents.

mod browse;
mod store;

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::platform::{Objects, PlatformError, Sql};

pub use browse::{FullDocument, Listed, MAX_PAGE};
pub use store::{
    Document, SearchHit, MAX_CONTENT_BYTES, MAX_DOCUMENTS, MAX_TAGS, MAX_TAG_CHARS, MAX_TITLE_CHARS,
};

/// The Durable Object binding (and class) that holds the documents.
pub const BINDING: &str = "KNOWLEDGE_BASE";

/// A new document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewDocument {
    /// Title, 1–200 characters.
    pub title: String,
    /// Body text.
    pub content: String,
    /// Tags.
    pub tags: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Request {
    Create(NewDocument),
    Search { query: String, limit: usize },
    List { after: i64, limit: usize },
    Read { id: i64 },
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Answer<T> {
    Ok(T),
    Refused(String),
}

/// Why the store did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnowledgeError {
    /// The request breaks a rule; the text says which and what to do.
    Refused(String),
    /// Storage failed; internal.
    Platform(PlatformError),
}

async fn ask<T: DeserializeOwned>(
    objects: &dyn Objects,
    owner: &str,
    request: &Request,
) -> Result<T, KnowledgeError> {
    let body = serde_json::to_vec(request)
        .map_err(|e| KnowledgeError::Platform(PlatformError(e.to_string())))?;
    let answer = objects
        .call(BINDING, owner, &body)
        .await
        .map_err(KnowledgeError::Platform)?;
    match serde_json::from_slice::<Answer<T>>(&answer) {
        Ok(Answer::Ok(v)) => Ok(v),
        Ok(Answer::Refused(why)) => Err(KnowledgeError::Refused(why)),
        Err(e) => Err(KnowledgeError::Platform(PlatformError(format!(
            "knowledge base answered badly: {e}"
        )))),
    }
}

/// Stores a document in `owner`'s knowledge base.
pub async fn create(
    objects: &dyn Objects,
    owner: &str,
    doc: NewDocument,
) -> Result<Document, KnowledgeError> {
    ask(objects, owner, &Request::Create(doc)).await
}

/// Finds `owner`'s documents matching `query`, best first.
pub async fn search(
    objects: &dyn Objects,
    owner: &str,
    query: &str,
    limit: usize,
) -> Result<Vec<SearchHit>, KnowledgeError> {
    ask(
        objects,
        owner,
        &Request::Search {
            query: query.to_owned(),
            limit,
        },
    )
    .await
}

/// Up to `limit` of `owner`'s documents with ids above `after`, in id order, without bodies.
pub async fn list(
    objects: &dyn Objects,
    owner: &str,
    after: i64,
    limit: usize,
) -> Result<Vec<Listed>, KnowledgeError> {
    ask(objects, owner, &Request::List { after, limit }).await
}

/// `owner`'s document `id` with its body, if there is one.
pub async fn read(
    objects: &dyn Objects,
    owner: &str,
    id: i64,
) -> Result<Option<FullDocument>, KnowledgeError> {
    ask(objects, owner, &Request::Read { id }).await
}

/// The object's side.
pub fn handle(sql: &dyn Sql, now_ms: u64, request: &[u8]) -> Vec<u8> {
    fn encode<T: Serialize>(r: Result<T, String>) -> Vec<u8> {
        let answer = match r {
            Ok(v) => Answer::Ok(v),
            Err(why) => Answer::Refused(why),
        };
        serde_json::to_vec(&answer).unwrap_or_default()
    }
    match serde_json::from_slice::<Request>(request) {
        Ok(Request::Create(doc)) => encode(store::create(sql, now_ms, doc)),
        Ok(Request::Search { query, limit }) => encode(store::search(sql, &query, limit)),
        Ok(Request::List { after, limit }) => encode(browse::list(sql, after, limit)),
        Ok(Request::Read { id }) => encode(browse::read(sql, id)),
        Err(e) => encode::<()>(Err(format!("bad request: {e}"))),
    }
}
