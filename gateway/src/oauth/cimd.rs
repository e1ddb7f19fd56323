//! Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): the check of a
//! document already fetched from its `client_id` URL. Strict about identity and redirects,
//! lenient about capabilities: a document may list more than we support, and we use the
//! subset we do (a public client, the code grant, S256). Fetching is the caller's.

use super::client::{
    client_name, redirect_uris, ApplicationType, AuthMethod, ClientMetadata, GrantType,
};
use super::error::{shown, OAuthError};
use super::fields::{json_object, string, strings};
use super::scope::ScopeSet;
use super::types::ClientId;
use super::uri::HttpsUrl;

/// Largest metadata document accepted (the draft suggests 5 KB).
pub const MAX_METADATA_DOCUMENT_BYTES: usize = 5 * 1024;

const BAD: fn(String) -> OAuthError = OAuthError::InvalidRequest;

/// Validates the document `body` fetched from `url`, which must be a metadata document URL
/// (https, or loopback http when the caller allows local development). Errors are
/// `invalid_request`, as `/authorize` answers them, and name the document and the rule.
pub fn validate_metadata_document(url: &str, body: &[u8]) -> Result<ClientMetadata, OAuthError> {
    let id = ClientId::parse(url)?;
    if !(id.is_metadata_url() || id.is_loopback_metadata_url()) {
        return Err(BAD(format!(
            "client_id {} is not a client metadata document URL",
            shown(url)
        )));
    }
    read(url, body).map_err(|e| {
        BAD(format!(
            "client metadata document {}: {}",
            shown(url),
            e.description()
        ))
    })
}

fn read(url: &str, body: &[u8]) -> Result<ClientMetadata, OAuthError> {
    let map = json_object(body, MAX_METADATA_DOCUMENT_BYTES, "The document", BAD)?;
    match string(&map, "client_id", BAD)? {
        None => return Err(BAD("it has no client_id".into())),
        Some(id) if id != url => {
            return Err(BAD(format!(
                "its client_id {} is not the URL it was fetched from",
                shown(id)
            )))
        }
        Some(_) => {}
    }
    if map.contains_key("client_secret") || map.contains_key("client_secret_expires_at") {
        return Err(BAD(
            "it carries a client_secret, which a public document must not".into(),
        ));
    }
    let method = string(&map, "token_endpoint_auth_method", BAD)?.unwrap_or("none");
    if method.starts_with("client_secret_") {
        return Err(BAD(format!(
            "token_endpoint_auth_method {} needs a shared secret, which a metadata document \
             client cannot have; use none",
            shown(method)
        )));
    }
    if let Some(grants) = strings(&map, "grant_types", BAD)? {
        if !grants.contains(&"authorization_code") {
            return Err(BAD("grant_types does not include authorization_code".into()));
        }
    }
    if let Some(types) = strings(&map, "response_types", BAD)? {
        if !types.contains(&"code") {
            return Err(BAD("response_types does not include code".into()));
        }
    }
    let application_type =
        string(&map, "application_type", BAD)?.and_then(ApplicationType::from_wire);
    let uris = strings(&map, "redirect_uris", BAD)?
        .ok_or_else(|| BAD("redirect_uris is required".into()))?;
    let name =
        string(&map, "client_name", BAD)?.ok_or_else(|| BAD("client_name is required".into()))?;
    // Cosmetic fields that fail their rules are dropped rather than refusing the client.
    let url_field = |name: &str| {
        string(&map, name, BAD)
            .ok()
            .flatten()
            .and_then(|v| HttpsUrl::parse(v).ok())
    };
    let scope = string(&map, "scope", BAD)
        .ok()
        .flatten()
        .and_then(|s| ScopeSet::parse(s).ok());
    Ok(ClientMetadata {
        redirect_uris: redirect_uris(&uris, application_type, BAD, BAD)?,
        // Any method other than a shared secret (e.g. private_key_jwt) is one we lack: the
        // client is public, as PKCE allows.
        token_endpoint_auth_method: AuthMethod::None,
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        application_type,
        client_name: Some(client_name(name, BAD)?),
        client_uri: url_field("client_uri"),
        logo_uri: url_field("logo_uri"),
        policy_uri: url_field("policy_uri"),
        tos_uri: url_field("tos_uri"),
        scope: scope.filter(|s| !s.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const URL: &str = "https://chatgpt.example/oauth/client.json";

    fn check(doc: Value) -> Result<ClientMetadata, OAuthError> {
        validate_metadata_document(URL, doc.to_string().as_bytes())
    }

    #[test]
    fn a_document_listing_more_than_we_support_is_used_for_the_subset() {
        let m = check(json!({
            "client_id": URL,
            "client_name": "ChatGPT",
            "redirect_uris": ["https://chatgpt.example/connector/oauth/callback"],
            "grant_types": ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:jwt-bearer"],
            "response_types": ["code", "id_token"],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks_uri": "https://chatgpt.example/jwks.json",
            "logo_uri": "data:image/png;base64,AAAA",
            "client_uri": "https://chatgpt.example",
        }))
        .unwrap();
        assert_eq!(m.token_endpoint_auth_method, AuthMethod::None);
        assert_eq!(
            m.grant_types,
            [GrantType::AuthorizationCode, GrantType::RefreshToken]
        );
        assert!(m.logo_uri.is_none(), "invalid cosmetic field dropped");
        assert_eq!(m.client_uri.unwrap().as_str(), "https://chatgpt.example");
    }

    #[test]
    fn port_less_loopback_redirects_work_on_any_port() {
        let url = "http://127.0.0.1:9999/client.json";
        let doc = json!({"client_id": url, "client_name": "Test", "redirect_uris": ["http://localhost/callback"]});
        let m = validate_metadata_document(url, doc.to_string().as_bytes()).unwrap();
        assert!(m.redirect_uri("http://localhost:40123/callback").is_some());
        assert!(m.redirect_uri("http://localhost:40123/other").is_none());
    }

    #[test]
    fn identity_and_redirects_are_strict() {
        let ok = |extra: Value| {
            let mut d = json!({"client_id": URL, "client_name": "C", "redirect_uris": ["https://c.example/cb"]});
            for (k, v) in extra.as_object().unwrap() {
                d[k] = v.clone();
            }
            d
        };
        for (doc, why) in [
            (
                ok(json!({"client_id": "https://evil.example/oauth/client.json"})),
                "not the URL",
            ),
            (ok(json!({"client_id": null})), "no client_id"),
            (ok(json!({"client_name": null})), "client_name is required"),
            (
                ok(json!({"redirect_uris": null})),
                "redirect_uris is required",
            ),
            (
                ok(json!({"redirect_uris": ["http://c.example/cb"]})),
                "redirect_uris[0]",
            ),
            (ok(json!({"client_secret": "s"})), "client_secret"),
            (
                ok(json!({"token_endpoint_auth_method": "client_secret_basic"})),
                "shared secret",
            ),
            (
                ok(json!({"grant_types": ["implicit"]})),
                "authorization_code",
            ),
            (ok(json!({"response_types": ["token"]})), "code"),
        ] {
            let e = check(doc).unwrap_err();
            assert!(matches!(e, OAuthError::InvalidRequest(_)));
            assert!(e.description().contains(why), "{why}: {}", e.description());
            assert!(e.description().contains("client metadata document"));
        }
    }

    #[test]
    fn urls_and_sizes_are_checked_before_reading() {
        let doc = br#"{"client_id":"dc_1"}"#;
        assert!(validate_metadata_document("dc_1", doc).is_err());
        assert!(validate_metadata_document("http://c.example/client.json", doc).is_err());
        let big = vec![b' '; MAX_METADATA_DOCUMENT_BYTES + 1];
        assert!(check_raw(&big).unwrap_err().description().contains("limit"));
    }

    fn check_raw(body: &[u8]) -> Result<ClientMetadata, OAuthError> {
        validate_metadata_document(URL, body)
    }
}
