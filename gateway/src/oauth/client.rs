//! A client's metadata (RFC 7591 §2) once validated, and the rules for its name and redirect
//! URIs that Dynamic Client Registration and Client ID Metadata Documents share.

use serde::{Deserialize, Serialize};

use super::error::{shown, OAuthError};
use super::redirect::{RedirectKind, RedirectUri};
use super::scope::ScopeSet;
use super::uri::HttpsUrl;

/// Most redirect URIs one client may register.
pub const MAX_REDIRECT_URIS: usize = 10;
/// Longest `client_name`, in characters.
pub const MAX_CLIENT_NAME_CHARS: usize = 200;

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire,)+ }
            }

            /// The value for a wire name, if supported.
            pub fn from_wire(name: &str) -> Option<Self> {
                match name { $($wire => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

wire_enum!(
    /// How a client authenticates at `/token` and `/revoke`.
    AuthMethod {
        /// A public client: no secret; PKCE protects the code.
        None = "none",
        /// The secret in HTTP Basic.
        ClientSecretBasic = "client_secret_basic",
        /// The secret in the form body.
        ClientSecretPost = "client_secret_post",
    }
);

wire_enum!(
    /// A grant a client may use at `/token`.
    GrantType {
        /// Redeeming an authorization code.
        AuthorizationCode = "authorization_code",
        /// Redeeming a refresh token.
        RefreshToken = "refresh_token",
    }
);

wire_enum!(
    /// The kind of application (OpenID Connect Registration §2; sent by 2026 MCP clients).
    ApplicationType {
        /// Runs in a browser or on a server: https or loopback redirects only.
        Web = "web",
        /// Runs on the user's device: loopback, private-use or https redirects.
        Native = "native",
    }
);

impl AuthMethod {
    /// Whether the client has no secret.
    pub fn is_public(self) -> bool {
        self == Self::None
    }
}

/// A client's validated metadata, as stored and as returned by registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientMetadata {
    /// Where codes may be sent; at least one.
    pub redirect_uris: Vec<RedirectUri>,
    /// How the client authenticates.
    pub token_endpoint_auth_method: AuthMethod,
    /// Grants it may use; always `authorization_code` and `refresh_token`.
    pub grant_types: Vec<GrantType>,
    /// Web or native, when the client said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_type: Option<ApplicationType>,
    /// Name shown on the consent page (escape it there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// The client's home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_uri: Option<HttpsUrl>,
    /// The client's logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<HttpsUrl>,
    /// The client's privacy policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_uri: Option<HttpsUrl>,
    /// The client's terms of service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tos_uri: Option<HttpsUrl>,
    /// Scopes the client says it will ask for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ScopeSet>,
}

impl ClientMetadata {
    /// The registered redirect URI that `requested` names, if any.
    pub fn redirect_uri(&self, requested: &str) -> Option<&RedirectUri> {
        self.redirect_uris.iter().find(|r| r.matches(requested))
    }

    /// Whether the client may use `grant`.
    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }
}

/// A display name: trimmed, non-empty, at most [`MAX_CLIENT_NAME_CHARS`], and free of control
/// and bidirectional-override characters that could disguise it on the consent page.
pub(crate) fn client_name(
    value: &str,
    error: fn(String) -> OAuthError,
) -> Result<String, OAuthError> {
    let name = value.trim();
    let disguising = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if name.is_empty() {
        return Err(error(
            "client_name is empty; give the name people should see".into(),
        ));
    }
    if name.chars().count() > MAX_CLIENT_NAME_CHARS {
        return Err(error(format!(
            "client_name is longer than {MAX_CLIENT_NAME_CHARS} characters"
        )));
    }
    if name.chars().any(disguising) {
        return Err(error(
            "client_name contains control or text-direction characters".into(),
        ));
    }
    Ok(name.to_owned())
}

/// Validates each redirect URI, and, when the client gave its `application_type`, that web
/// clients use only https or loopback URIs (OpenID Connect Registration §2). A wrong list
/// gets `list_error`, a wrong URI `error`.
pub(crate) fn redirect_uris(
    values: &[&str],
    application_type: Option<ApplicationType>,
    list_error: fn(String) -> OAuthError,
    error: fn(String) -> OAuthError,
) -> Result<Vec<RedirectUri>, OAuthError> {
    if values.is_empty() {
        return Err(list_error(
            "redirect_uris is empty; list at least one redirect URI".into(),
        ));
    }
    if values.len() > MAX_REDIRECT_URIS {
        return Err(list_error(format!(
            "redirect_uris lists more than {MAX_REDIRECT_URIS} URIs"
        )));
    }
    let mut out: Vec<RedirectUri> = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        let uri = RedirectUri::parse(value)
            .map_err(|e| error(format!("redirect_uris[{i}]: {}", e.description())))?;
        if application_type == Some(ApplicationType::Web) && uri.kind() == RedirectKind::PrivateUse
        {
            return Err(error(format!(
                "redirect_uris[{i}] {} uses a private-use scheme, which a web application cannot \
                 receive; use https, or set application_type to native",
                shown(value)
            )));
        }
        if !out.contains(&uri) {
            out.push(uri);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const E: fn(String) -> OAuthError = OAuthError::InvalidClientMetadata;

    #[test]
    fn wire_names_round_trip() {
        assert_eq!(
            AuthMethod::from_wire("client_secret_post"),
            Some(AuthMethod::ClientSecretPost)
        );
        assert_eq!(AuthMethod::from_wire("private_key_jwt"), None);
        assert_eq!(GrantType::RefreshToken.as_str(), "refresh_token");
        assert_eq!(
            serde_json::to_string(&ApplicationType::Native).unwrap(),
            "\"native\""
        );
        assert!(AuthMethod::None.is_public() && !AuthMethod::ClientSecretBasic.is_public());
    }

    #[test]
    fn names_are_checked_for_disguise() {
        assert_eq!(client_name("  <b>Claude</b> ", E).unwrap(), "<b>Claude</b>");
        assert!(client_name(" ", E).is_err());
        assert!(client_name("evil\u{202e}gnp.exe", E).is_err());
        assert!(client_name("two\nlines", E).is_err());
        assert!(client_name(&"é".repeat(MAX_CLIENT_NAME_CHARS), E).is_ok());
        assert!(client_name(&"é".repeat(MAX_CLIENT_NAME_CHARS + 1), E).is_err());
    }

    #[test]
    fn web_applications_cannot_use_private_use_schemes() {
        const U: fn(String) -> OAuthError = OAuthError::InvalidRedirectUri;
        let list = [
            "https://a.example/cb",
            "com.example.app:/cb",
            "https://a.example/cb",
        ];
        let native = redirect_uris(&list, Some(ApplicationType::Native), E, U).unwrap();
        assert_eq!(native.len(), 2, "duplicates dropped");
        assert_eq!(redirect_uris(&list, None, E, U).unwrap().len(), 2);
        let e = redirect_uris(&list, Some(ApplicationType::Web), E, U).unwrap_err();
        assert!(matches!(e, OAuthError::InvalidRedirectUri(_)));
        assert!(e.description().contains("redirect_uris[1]"));
        let web = redirect_uris(&["http://localhost/cb"], Some(ApplicationType::Web), E, U);
        assert!(web.is_ok());
        let e = redirect_uris(&["https://a.example/cb#x"], None, E, U).unwrap_err();
        assert!(matches!(e, OAuthError::InvalidRedirectUri(_)));
        assert!(matches!(
            redirect_uris(&[], None, E, U),
            Err(OAuthError::InvalidClientMetadata(_))
        ));
        let many = vec!["https://a.example/cb"; MAX_REDIRECT_URIS + 1];
        assert!(redirect_uris(&many, None, E, U).is_err());
    }
}
