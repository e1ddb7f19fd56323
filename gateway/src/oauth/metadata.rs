//! Discovery documents built from the public origin: Protected Resource Metadata (RFC 9728)
//! for `/mcp`, and Authorization Server Metadata (RFC 8414) for Dovecote as its own issuer.

use serde::Serialize;

use super::error::{shown, OAuthError};
use super::uri::{split, ResourceUri};

/// The protected resource's path: the MCP endpoint.
pub const MCP_PATH: &str = "/mcp";
/// Authorization endpoint path.
pub const AUTHORIZE_PATH: &str = "/authorize";
/// Token endpoint path.
pub const TOKEN_PATH: &str = "/token";
/// Dynamic Client Registration endpoint path.
pub const REGISTER_PATH: &str = "/register";
/// Revocation endpoint path.
pub const REVOKE_PATH: &str = "/revoke";
/// Protected Resource Metadata; the resource's path follows it in the path form.
pub const PROTECTED_RESOURCE_PATH: &str = "/.well-known/oauth-protected-resource";
/// Authorization Server Metadata.
pub const AUTHORIZATION_SERVER_PATH: &str = "/.well-known/oauth-authorization-server";
/// The scope that asks for refresh tokens: never advertised, as everyone gets one.
pub const OFFLINE_ACCESS: &str = "offline_access";
/// Client authentication methods at `/token` and `/revoke`.
pub const CLIENT_AUTH_METHODS: [&str; 3] = ["none", "client_secret_basic", "client_secret_post"];

/// Dovecote as authorization server: its public origin (no path, no trailing slash), which
/// is also the origin of the resource it protects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    origin: String,
    resource: ResourceUri,
}

impl Issuer {
    /// The issuer for `origin` (`https://host[:port]`, or http on a loopback host); one
    /// trailing slash is dropped.
    pub fn from_origin(origin: &str) -> Result<Self, OAuthError> {
        let origin = origin.strip_suffix('/').unwrap_or(origin);
        let bad = |why: &str| {
            OAuthError::InvalidRequest(format!(
                "the public origin {} {why}; set PUBLIC_URL to the https origin clients use, \
                 e.g. https://dovecote.example.com",
                shown(origin)
            ))
        };
        let parts = split(origin).map_err(|why| bad(&why))?;
        if !(parts.is_https() || parts.is_loopback_http()) {
            return Err(bad("is not https (http is only for loopback hosts)"));
        }
        if !parts.path.is_empty() || parts.query.is_some() || parts.fragment.is_some() {
            return Err(bad("has a path, query or fragment"));
        }
        let resource = ResourceUri::parse(&format!("{origin}{MCP_PATH}"))?;
        Ok(Self {
            origin: origin.to_owned(),
            resource,
        })
    }

    /// The issuer identifier: the origin, exactly as advertised and as sent in `iss`.
    pub fn as_str(&self) -> &str {
        &self.origin
    }

    /// The canonical resource: `<origin>/mcp`, no trailing slash.
    pub fn resource(&self) -> &ResourceUri {
        &self.resource
    }

    /// An absolute URL on this origin, for `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// The path-form Protected Resource Metadata URL: `<origin>/.well-known/oauth-protected-resource/mcp`.
    pub fn protected_resource_metadata_url(&self) -> String {
        self.url(&format!("{PROTECTED_RESOURCE_PATH}{MCP_PATH}"))
    }
}

/// The scopes to advertise: deduplicated, in order, without `offline_access`.
pub fn advertised_scopes<S: AsRef<str>>(scopes: impl IntoIterator<Item = S>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for scope in scopes {
        let scope = scope.as_ref();
        if scope != OFFLINE_ACCESS && !scope.is_empty() && !out.iter().any(|s| s == scope) {
            out.push(scope.to_owned());
        }
    }
    out
}

/// Protected Resource Metadata (RFC 9728 §2) for `/mcp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtectedResourceMetadata<'a> {
    /// The resource: `/mcp` on the issuer.
    pub resource: String,
    /// The one authorization server, the issuer.
    pub authorization_servers: [&'a str; 1],
    /// The scopes a client may ask for.
    pub scopes_supported: Vec<String>,
    /// Tokens go in the `Authorization` header only.
    pub bearer_methods_supported: [&'static str; 1],
    /// The name shown to people.
    pub resource_name: &'a str,
}

/// Protected Resource Metadata for `/mcp`, from the scope names in `tools.toml`.
pub fn protected_resource_metadata<'a, S: AsRef<str>>(
    issuer: &'a Issuer,
    scopes: impl IntoIterator<Item = S>,
    resource_name: &'a str,
) -> ProtectedResourceMetadata<'a> {
    ProtectedResourceMetadata {
        resource: issuer.resource().as_str().to_owned(),
        authorization_servers: [issuer.as_str()],
        scopes_supported: advertised_scopes(scopes),
        bearer_methods_supported: ["header"],
        resource_name,
    }
}

/// Authorization Server Metadata (RFC 8414 §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorizationServerMetadata<'a> {
    /// The issuer, an origin.
    pub issuer: &'a str,
    /// `/authorize`.
    pub authorization_endpoint: String,
    /// `/token`.
    pub token_endpoint: String,
    /// `/revoke`.
    pub revocation_endpoint: String,
    /// `/register`, present only while registration is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_endpoint: Option<String>,
    /// The authorization code flow only.
    pub response_types_supported: [&'static str; 1],
    /// Answers come in the redirect's query.
    pub response_modes_supported: [&'static str; 1],
    /// Codes and refresh tokens.
    pub grant_types_supported: [&'static str; 2],
    /// PKCE with SHA-256 only.
    pub code_challenge_methods_supported: [&'static str; 1],
    /// How clients authenticate at `/token`.
    pub token_endpoint_auth_methods_supported: [&'static str; 3],
    /// How clients authenticate at `/revoke`.
    pub revocation_endpoint_auth_methods_supported: [&'static str; 3],
    /// The scopes a client may ask for.
    pub scopes_supported: Vec<String>,
    /// Clients may identify themselves by an HTTPS URL (Client ID Metadata Documents).
    pub client_id_metadata_document_supported: bool,
    /// Redirects carry `iss` (RFC 9207).
    pub authorization_response_iss_parameter_supported: bool,
}

/// Authorization Server Metadata; `registration_endpoint` is present only while registration
/// is open.
pub fn authorization_server_metadata<'a, S: AsRef<str>>(
    issuer: &'a Issuer,
    scopes: impl IntoIterator<Item = S>,
    registration_open: bool,
) -> AuthorizationServerMetadata<'a> {
    AuthorizationServerMetadata {
        issuer: issuer.as_str(),
        authorization_endpoint: issuer.url(AUTHORIZE_PATH),
        token_endpoint: issuer.url(TOKEN_PATH),
        revocation_endpoint: issuer.url(REVOKE_PATH),
        registration_endpoint: registration_open.then(|| issuer.url(REGISTER_PATH)),
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        grant_types_supported: ["authorization_code", "refresh_token"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
        revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
        scopes_supported: advertised_scopes(scopes),
        client_id_metadata_document_supported: true,
        authorization_response_iss_parameter_supported: true,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn issuer() -> Issuer {
        Issuer::from_origin("https://gw.example/").unwrap()
    }

    #[test]
    fn issuer_is_an_origin_without_trailing_slash() {
        let i = issuer();
        assert_eq!(i.as_str(), "https://gw.example");
        assert_eq!(i.resource().as_str(), "https://gw.example/mcp");
        assert_eq!(
            i.protected_resource_metadata_url(),
            "https://gw.example/.well-known/oauth-protected-resource/mcp"
        );
        assert!(Issuer::from_origin("http://127.0.0.1:8787").is_ok());
        for bad in [
            "http://gw.example",
            "https://gw.example/base",
            "gw.example",
            "https://gw.example?x",
        ] {
            let e = Issuer::from_origin(bad).unwrap_err();
            assert!(e.description().contains("PUBLIC_URL"), "{bad}");
        }
    }

    #[test]
    fn protected_resource_metadata_has_exactly_its_fields() {
        let i = issuer();
        let doc = protected_resource_metadata(&i, ["b", "a", "b", OFFLINE_ACCESS], "Dovecote");
        let doc = serde_json::to_value(doc).unwrap();
        assert_eq!(
            doc,
            json!({
                "resource": "https://gw.example/mcp",
                "authorization_servers": ["https://gw.example"],
                "scopes_supported": ["b", "a"],
                "bearer_methods_supported": ["header"],
                "resource_name": "Dovecote",
            })
        );
    }

    #[test]
    fn authorization_server_metadata_advertises_what_we_do() {
        let i = issuer();
        let doc = authorization_server_metadata(&i, ["dovecote:read", OFFLINE_ACCESS], true);
        let doc = serde_json::to_value(doc).unwrap();
        assert_eq!(doc["issuer"], "https://gw.example");
        assert_eq!(
            doc["authorization_endpoint"],
            "https://gw.example/authorize"
        );
        assert_eq!(doc["token_endpoint"], "https://gw.example/token");
        assert_eq!(doc["registration_endpoint"], "https://gw.example/register");
        assert_eq!(doc["revocation_endpoint"], "https://gw.example/revoke");
        assert_eq!(doc["response_types_supported"], json!(["code"]));
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(
            doc["grant_types_supported"],
            json!(["authorization_code", "refresh_token"])
        );
        assert_eq!(
            doc["token_endpoint_auth_methods_supported"],
            json!(CLIENT_AUTH_METHODS)
        );
        assert_eq!(
            doc["revocation_endpoint_auth_methods_supported"],
            json!(CLIENT_AUTH_METHODS)
        );
        assert_eq!(doc["scopes_supported"], json!(["dovecote:read"]));
        assert_eq!(doc["client_id_metadata_document_supported"], true);
        assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
        let closed = serde_json::to_value(authorization_server_metadata(&i, ["x"], false)).unwrap();
        assert!(closed.get("registration_endpoint").is_none());
    }
}
