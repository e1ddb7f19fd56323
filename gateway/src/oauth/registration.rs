//! Dynamic Client Registration (RFC 7591): a `/register` body validated into
//! `ClientMetadata`, strictly (anything we cannot honour is refused before a client exists),
//! and the registration response (§3.2.1).

use serde::Serialize;

use super::client::{
    client_name, redirect_uris, ApplicationType, AuthMethod, ClientMetadata, GrantType,
};
use super::error::{shown, OAuthError};
use super::fields::{json_object, string, strings};
use super::scope::ScopeSet;
use super::types::ClientId;
use super::uri::HttpsUrl;

/// Largest registration body accepted.
pub const MAX_REGISTRATION_BYTES: usize = 16 * 1024;

const META: fn(String) -> OAuthError = OAuthError::InvalidClientMetadata;
const REDIRECT: fn(String) -> OAuthError = OAuthError::InvalidRedirectUri;

/// Validates a registration request body. Unknown fields are ignored and `null` counts as
/// absent; a bad redirect URI gets `invalid_redirect_uri`, any other bad field
/// `invalid_client_metadata`, each naming the field.
pub fn parse_registration(body: &[u8]) -> Result<ClientMetadata, OAuthError> {
    let map = json_object(body, MAX_REGISTRATION_BYTES, "The registration body", META)?;
    let application_type = match string(&map, "application_type", META)? {
        None => None,
        Some(t) => Some(ApplicationType::from_wire(t).ok_or_else(|| {
            META(format!(
                "application_type {} is not supported; use web or native",
                shown(t)
            ))
        })?),
    };
    let uris = strings(&map, "redirect_uris", META)?.ok_or_else(|| {
        META(
            "redirect_uris is required: list the URIs the authorization code may be sent to".into(),
        )
    })?;
    let redirect_uris = redirect_uris(&uris, application_type, META, REDIRECT)?;
    let token_endpoint_auth_method = match string(&map, "token_endpoint_auth_method", META)? {
        // RFC 7591 §2: absent means client_secret_basic. MCP clients send `none`.
        None => AuthMethod::ClientSecretBasic,
        Some(m) => AuthMethod::from_wire(m).ok_or_else(|| {
            META(format!(
                "token_endpoint_auth_method {} is not supported; use none, client_secret_basic \
                 or client_secret_post",
                shown(m)
            ))
        })?,
    };
    let grants = strings(&map, "grant_types", META)?.unwrap_or_else(|| vec!["authorization_code"]);
    if let Some(g) = grants.iter().find(|g| GrantType::from_wire(g).is_none()) {
        return Err(META(format!(
            "grant_types has {}, which is not supported; use authorization_code and refresh_token",
            shown(g)
        )));
    }
    if !grants.contains(&"authorization_code") {
        return Err(META("grant_types must include authorization_code".into()));
    }
    if let Some(types) = strings(&map, "response_types", META)? {
        if types.is_empty() || types.iter().any(|t| *t != "code") {
            return Err(META(
                "response_types must be [\"code\"], the only one supported".into(),
            ));
        }
    }
    let client_name = string(&map, "client_name", META)?
        .map(|n| client_name(n, META))
        .transpose()?;
    let url = |name: &str| -> Result<Option<HttpsUrl>, OAuthError> {
        string(&map, name, META)?
            .map(|v| HttpsUrl::parse(v).map_err(|e| META(format!("{name}: {}", e.description()))))
            .transpose()
    };
    let scope = match string(&map, "scope", META)? {
        Some(s) => {
            Some(ScopeSet::parse(s).map_err(|e| META(format!("scope: {}", e.description())))?)
        }
        None => None,
    };
    Ok(ClientMetadata {
        redirect_uris,
        token_endpoint_auth_method,
        // Every client that redeems codes gets refresh tokens; clients do not reliably ask.
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        application_type,
        client_name,
        client_uri: url("client_uri")?,
        logo_uri: url("logo_uri")?,
        policy_uri: url("policy_uri")?,
        tos_uri: url("tos_uri")?,
        scope: scope.filter(|s| !s.is_empty()),
    })
}

/// The 201 body (RFC 7591 §3.2.1): the metadata as registered, the `client_id` and when it was
/// issued (Unix seconds), and for a confidential client its secret, which does not expire
/// (`client_secret_expires_at: 0`). Send it with `Cache-Control: no-store`.
#[derive(Debug, Serialize)]
pub struct RegistrationResponse<'a> {
    /// The metadata as registered.
    #[serde(flatten)]
    pub metadata: &'a ClientMetadata,
    /// The client's id.
    pub client_id: &'a str,
    /// When it was issued, in Unix seconds.
    pub client_id_issued_at: u64,
    /// The authorization code flow only.
    pub response_types: [&'static str; 1],
    /// A confidential client's secret, shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<&'a str>,
    /// `0`: the secret does not expire (present with a secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<u64>,
}

/// The 201 body for `client_id`, registered with `metadata` at `issued_at`.
pub fn registration_response<'a>(
    client_id: &'a ClientId,
    client_secret: Option<&'a str>,
    issued_at: u64,
    metadata: &'a ClientMetadata,
) -> RegistrationResponse<'a> {
    RegistrationResponse {
        metadata,
        client_id: client_id.as_str(),
        client_id_issued_at: issued_at,
        response_types: ["code"],
        client_secret,
        client_secret_expires_at: client_secret.map(|_| 0),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn register(body: Value) -> Result<ClientMetadata, OAuthError> {
        parse_registration(body.to_string().as_bytes())
    }

    #[test]
    fn a_public_mcp_client_registers() {
        let m = register(json!({
            "client_name": "Claude Code",
            "redirect_uris": ["http://localhost:53682/callback"],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": "dovecote:read",
            "software_id": "ignored",
        }))
        .unwrap();
        assert_eq!(m.token_endpoint_auth_method, AuthMethod::None);
        assert_eq!(m.client_name.as_deref(), Some("Claude Code"));
        let id = ClientId::parse("dc_1").unwrap();
        let r = serde_json::to_value(registration_response(&id, None, 1_700_000_000, &m)).unwrap();
        assert_eq!(r["client_id"], "dc_1");
        assert_eq!(r["client_id_issued_at"], 1_700_000_000u64);
        assert_eq!(
            r["redirect_uris"],
            json!(["http://localhost:53682/callback"])
        );
        assert_eq!(
            r["grant_types"],
            json!(["authorization_code", "refresh_token"])
        );
        assert_eq!(r["response_types"], json!(["code"]));
        assert_eq!(r["token_endpoint_auth_method"], "none");
        assert_eq!(r["scope"], "dovecote:read");
        assert!(r.get("client_secret").is_none() && r.get("application_type").is_none());
    }

    #[test]
    fn defaults_follow_rfc_7591_and_secrets_never_expire() {
        let m = register(json!({"redirect_uris": ["https://app.example/cb"]})).unwrap();
        assert_eq!(m.token_endpoint_auth_method, AuthMethod::ClientSecretBasic);
        assert!(m.allows_grant(GrantType::RefreshToken));
        let id = ClientId::parse("dc_2").unwrap();
        let r =
            serde_json::to_value(registration_response(&id, Some("dcs_secret"), 1, &m)).unwrap();
        assert_eq!(r["client_id"], "dc_2");
        assert_eq!(r["client_secret"], "dcs_secret");
        assert_eq!(r["client_secret_expires_at"], 0);
    }

    #[test]
    fn unsupported_requests_are_refused_with_the_field_named() {
        let uris = json!(["https://app.example/cb"]);
        for (extra, field) in [
            (json!({"grant_types": ["password"]}), "grant_types"),
            (json!({"grant_types": ["refresh_token"]}), "grant_types"),
            (json!({"response_types": []}), "response_types"),
            (json!({"response_types": ["token"]}), "response_types"),
            (
                json!({"token_endpoint_auth_method": "private_key_jwt"}),
                "token_endpoint_auth_method",
            ),
            (json!({"application_type": "desktop"}), "application_type"),
            (json!({"client_name": "x".repeat(201)}), "client_name"),
            (json!({"client_name": 7}), "client_name"),
            (json!({"logo_uri": "javascript:alert(1)"}), "logo_uri"),
            (
                json!({"tos_uri": format!("https://a.example/{}", "t".repeat(2000))}),
                "tos_uri",
            ),
            (json!({"scope": "a\\b"}), "scope"),
        ] {
            let mut body = extra.clone();
            body["redirect_uris"] = uris.clone();
            let e = register(body).unwrap_err();
            assert!(matches!(e, OAuthError::InvalidClientMetadata(_)), "{extra}");
            assert!(
                e.description().contains(field),
                "{extra}: {}",
                e.description()
            );
        }
    }

    #[test]
    fn redirect_uri_problems_use_their_own_code() {
        let e = register(json!({"redirect_uris": ["https://app.example/cb#frag"]})).unwrap_err();
        assert!(matches!(e, OAuthError::InvalidRedirectUri(_)));
        assert!(e.description().contains("redirect_uris[0]"));
        let e = register(json!({"redirect_uris": ["http://app.example/cb"]})).unwrap_err();
        assert!(matches!(e, OAuthError::InvalidRedirectUri(_)));
        let web = json!({"application_type": "web", "redirect_uris": ["com.example.app:/cb"]});
        assert!(matches!(
            register(web),
            Err(OAuthError::InvalidRedirectUri(_))
        ));
        for missing in [
            json!({}),
            json!({"redirect_uris": []}),
            json!({"redirect_uris": "x"}),
        ] {
            assert!(matches!(
                register(missing),
                Err(OAuthError::InvalidClientMetadata(_))
            ));
        }
    }

    #[test]
    fn oversized_or_malformed_bodies_are_refused() {
        let big = vec![b' '; MAX_REGISTRATION_BYTES + 1];
        assert!(parse_registration(&big)
            .unwrap_err()
            .description()
            .contains("limit"));
        assert!(parse_registration(b"not json").is_err());
        assert!(parse_registration(b"[]").is_err());
    }
}
