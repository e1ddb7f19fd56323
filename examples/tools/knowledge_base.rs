//! Example tools: `search_knowledge_base` and `create_document`, a small per-caller knowledge
//! base stored in a SQLite Durable Object. They show a tool that uses storage through its
//! context, and one that asks the person for what it lacks (`create_document` without a title
//! asks for one with `ToolContext::elicit`).

use dovecote_gateway::knowledge::{self, KnowledgeError, NewDocument, SearchHit};
use dovecote_gateway::mcp::model::{ElicitAction, ElicitParams, FormField, FormSchema};
use dovecote_gateway::tool;
use dovecote_gateway::toolbox::{ToolContext, ToolError, Unanswered};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Most results one search returns.
pub const MAX_RESULTS: usize = 20;
/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

fn default_limit() -> usize {
    5
}

/// The arguments of `search_knowledge_base`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// The search query: one or more words.
    pub query: String,
    /// Maximum number of results to return (1–20, default 5).
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 20))]
    pub limit: usize,
}

/// Search results.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchResults {
    /// Matching documents, best first.
    pub results: Vec<SearchHit>,
}

/// The arguments of `create_document`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDocumentArgs {
    /// The title (1–200 characters). Left out, the person is asked for one.
    #[serde(default)]
    pub title: Option<String>,
    /// The body text.
    pub content: String,
    /// Optional tags.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A stored document.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CreatedDocument {
    /// The new document's id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Its tags.
    pub tags: Vec<String>,
}

fn tool_error(e: KnowledgeError) -> ToolError {
    match e {
        KnowledgeError::Refused(why) => ToolError::new(why),
        KnowledgeError::Platform(p) => {
            dovecote_gateway::log::internal("knowledge base", &p.0);
            ToolError::new("The knowledge base is unavailable just now; retry in a few seconds")
        }
    }
}

/// Searches your knowledge base for documents matching the query, best match first.
#[tool(
    title = "Search knowledge base",
    read_only,
    idempotent,
    open_world = false
)]
pub async fn search_knowledge_base(
    ctx: &ToolContext<'_>,
    args: SearchArgs,
) -> Result<SearchResults, ToolError> {
    let query = args.query.trim();
    if query.is_empty() || query.chars().count() > MAX_QUERY_CHARS {
        return Err(ToolError::new(format!(
            "`query` must be 1 to {MAX_QUERY_CHARS} characters"
        )));
    }
    if !(1..=MAX_RESULTS).contains(&args.limit) {
        return Err(ToolError::new(format!(
            "`limit` must be between 1 and {MAX_RESULTS}"
        )));
    }
    let owner = &ctx.principal().id;
    let results = knowledge::search(ctx.platform().objects, owner, query, args.limit)
        .await
        .map_err(tool_error)?;
    Ok(SearchResults { results })
}

/// Creates a new document in your knowledge base, for search_knowledge_base to find later.
#[tool(
    title = "Create document",
    destructive = false,
    idempotent = false,
    open_world = false
)]
pub async fn create_document(
    ctx: &ToolContext<'_>,
    args: CreateDocumentArgs,
) -> Result<CreatedDocument, ToolError> {
    let title = match args.title.filter(|t| !t.trim().is_empty()) {
        Some(title) => title,
        None => ask_title(ctx)?,
    };
    let doc = NewDocument {
        title,
        content: args.content,
        tags: args.tags,
    };
    let owner = &ctx.principal().id;
    let stored = knowledge::create(ctx.platform().objects, owner, doc)
        .await
        .map_err(tool_error)?;
    Ok(CreatedDocument {
        id: stored.id,
        title: stored.title,
        tags: stored.tags,
    })
}

/// Asks the person for a title. `?` on the answer stops the tool while the question is out;
/// the call comes back with the answer and the tool runs again from the start.
fn ask_title(ctx: &ToolContext<'_>) -> Result<String, ToolError> {
    let form = ElicitParams {
        message: "What should the new document be called?".into(),
        requested_schema: FormSchema::new().field("title", FormField::string("Title"), true),
    };
    let answer = ctx.elicit("title", form).map_err(|e| match e {
        Unanswered::CannotAsk { .. } => {
            ToolError::new("`title` is required: give the document a title (1–200 characters)")
        }
        asked => asked.into(),
    })?;
    let given = answer
        .content
        .as_ref()
        .and_then(|c| c.get("title"))
        .and_then(|t| t.as_str())
        .filter(|t| !t.trim().is_empty());
    match (answer.action, given) {
        (ElicitAction::Accept, Some(title)) => Ok(title.to_owned()),
        _ => Err(ToolError::new("Not created: the person gave no title")),
    }
}
