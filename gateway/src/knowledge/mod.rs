//! The knowledge base behind the example tools `create_document` and `search_knowledge_base`
//! and the document resources: one `KnowledgeBase` Durable Object per caller, documents in its
//! SQLite database. `store` writes and searches, `browse` lists and reads whole documents.

mod browse;
mod store;

use serde::{Deserialize, Serialize};

use crate::objects::{Answer, Ask, Instance, ObjectClass};
use crate::platform::{Objects, PlatformError};

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

/// Why the store did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnowledgeError {
    /// The request breaks a rule; the text says which and what to do.
    Refused(String),
    /// Storage failed; internal.
    Platform(PlatformError),
}

/// The class: one object per caller, named by the caller's subject.
pub struct KnowledgeBase;

#[async_trait::async_trait(?Send)]
impl ObjectClass for KnowledgeBase {
    const BINDING: &'static str = BINDING;
    type Request = Request;

    fn serve(at: Instance<'_>, request: Request, _payload: &[u8]) -> Answer {
        match request {
            Request::Create(doc) => {
                Create::answer(Ok::<_, String>(store::create(at.sql, at.now_ms, doc.0)))
            }
            Request::Search(op) => {
                Search::answer(Ok::<_, String>(store::search(at.sql, &op.query, op.limit)))
            }
            Request::List(op) => {
                List::answer(Ok::<_, String>(browse::list(at.sql, op.after, op.limit)))
            }
            Request::Read(op) => Read::answer(Ok::<_, String>(browse::read(at.sql, op.id))),
        }
    }
}

crate::objects::operations!(KnowledgeBase, Request {
    Create => Result<Document, String>,
    Search => Result<Vec<SearchHit>, String>,
    List => Result<Vec<Listed>, String>,
    Read => Result<Option<FullDocument>, String>,
});

/// Stores a document.
#[derive(Serialize, Deserialize)]
pub struct Create(NewDocument);

/// Finds documents, best first.
#[derive(Serialize, Deserialize)]
pub struct Search {
    query: String,
    limit: usize,
}

/// Lists documents in id order, without bodies.
#[derive(Serialize, Deserialize)]
pub struct List {
    after: i64,
    limit: usize,
}

/// Reads one document whole.
#[derive(Serialize, Deserialize)]
pub struct Read {
    id: i64,
}

async fn ask<A: Ask<Object = KnowledgeBase, Reply = Result<T, String>>, T>(
    objects: &dyn Objects,
    owner: &str,
    op: A,
) -> Result<T, KnowledgeError> {
    crate::objects::ask(objects, owner, op)
        .await
        .map_err(|e| KnowledgeError::Platform(e.into()))?
        .map_err(KnowledgeError::Refused)
}

/// Stores a document in `owner`'s knowledge base.
pub async fn create(
    objects: &dyn Objects,
    owner: &str,
    doc: NewDocument,
) -> Result<Document, KnowledgeError> {
    ask(objects, owner, Create(doc)).await
}

/// Finds `owner`'s documents matching `query`, best first.
pub async fn search(
    objects: &dyn Objects,
    owner: &str,
    query: &str,
    limit: usize,
) -> Result<Vec<SearchHit>, KnowledgeError> {
    let op = Search {
        query: query.to_owned(),
        limit,
    };
    ask(objects, owner, op).await
}

/// Up to `limit` of `owner`'s documents with ids above `after`, in id order, without bodies.
pub async fn list(
    objects: &dyn Objects,
    owner: &str,
    after: i64,
    limit: usize,
) -> Result<Vec<Listed>, KnowledgeError> {
    ask(objects, owner, List { after, limit }).await
}

/// `owner`'s document `id` with its body, if there is one.
pub async fn read(
    objects: &dyn Objects,
    owner: &str,
    id: i64,
) -> Result<Option<FullDocument>, KnowledgeError> {
    ask(objects, owner, Read { id }).await
}
