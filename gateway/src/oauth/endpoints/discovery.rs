//! Discovery documents: Protected Resource Metadata (RFC 9728) and Authorization Server
//! Metadata (RFC 8414), each at its root and path-suffixed (`…/mcp`) URL.

use super::AuthServer;
use crate::http::HttpResponse;
use crate::oauth::{
    authorization_server_metadata, protected_resource_metadata, AUTHORIZATION_SERVER_PATH,
    MCP_PATH, PROTECTED_RESOURCE_PATH,
};

pub(super) fn is_protected_resource(path: &str) -> bool {
    path == PROTECTED_RESOURCE_PATH || path.strip_prefix(PROTECTED_RESOURCE_PATH) == Some(MCP_PATH)
}

pub(super) fn is_authorization_server(path: &str) -> bool {
    path == AUTHORIZATION_SERVER_PATH
        || path.strip_prefix(AUTHORIZATION_SERVER_PATH) == Some(MCP_PATH)
}

fn scope_names<'a>(server: &'a AuthServer<'_>) -> impl Iterator<Item = &'a str> {
    server.scopes.iter().map(|s| s.name)
}

pub(super) fn protected_resource(server: &AuthServer<'_>) -> HttpResponse {
    let doc = protected_resource_metadata(&server.issuer, scope_names(server), "Dovecote");
    public_json(doc)
}

pub(super) fn authorization_server(server: &AuthServer<'_>) -> HttpResponse {
    let doc = authorization_server_metadata(
        &server.issuer,
        scope_names(server),
        server.settings.registration_open,
    );
    public_json(doc)
}

/// A public document any origin may read.
fn public_json(doc: impl serde::Serialize) -> HttpResponse {
    HttpResponse::json(200, serde_json::to_vec(&doc).unwrap_or_default())
        .with_header("Access-Control-Allow-Origin", "*")
        .with_header("Cache-Control", "public, max-age=300")
}
