//! OAuth error responses: the codes of RFC 6749 §5.2, RFC 6750 §3.1, RFC 7009, RFC 7591 and
//! RFC 8707, each declared beside its HTTP status, carrying a description for the client.

/// Longest piece of client input echoed inside a description.
pub const MAX_ECHO_CHARS: usize = 80;

macro_rules! define_errors {
    ($($(#[$doc:meta])* $variant:ident => ($code:literal, $status:literal),)+) => {
        /// An OAuth error: a registered code and a description saying what was wrong and what
        /// to send instead. A description never holds a secret (a token, code, verifier or
        /// client secret); echo other client input through [`shown`].
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum OAuthError {
            $($(#[$doc])* $variant(String),)+
        }

        impl OAuthError {
            /// The registered error code, e.g. `invalid_grant`.
            pub fn as_str(&self) -> &'static str {
                match self { $(Self::$variant(_) => $code,)+ }
            }

            /// The HTTP status to answer with when the error is not sent by redirect.
            pub fn status(&self) -> u16 {
                match self { $(Self::$variant(_) => $status,)+ }
            }

            /// The description, as given.
            pub fn description(&self) -> &str {
                match self { $(Self::$variant(d) => d,)+ }
            }

            /// The same description under another code, for a caller whose endpoint names the
            /// failure differently (e.g. a bad redirect URI at `/register`).
            pub fn recode(self, code: fn(String) -> OAuthError) -> OAuthError {
                match self { $(Self::$variant(d) => code(d),)+ }
            }
        }
    };
}

define_errors! {
    /// A parameter is missing, repeated, malformed or unsupported (RFC 6749 §5.2).
    InvalidRequest => ("invalid_request", 400),
    /// Client authentication failed (RFC 6749 §5.2); a Basic attempt also gets a challenge.
    InvalidClient => ("invalid_client", 401),
    /// The code or refresh token is invalid, expired, revoked or not this client's (§5.2).
    InvalidGrant => ("invalid_grant", 400),
    /// The client may not use this grant type (RFC 6749 §5.2).
    UnauthorizedClient => ("unauthorized_client", 400),
    /// The grant type is not supported here (RFC 6749 §5.2).
    UnsupportedGrantType => ("unsupported_grant_type", 400),
    /// The scope is malformed, unknown or wider than granted (RFC 6749 §5.2).
    InvalidScope => ("invalid_scope", 400),
    /// The user or the server refused the request (RFC 6749 §4.1.2.1).
    AccessDenied => ("access_denied", 403),
    /// The response type is not supported here (RFC 6749 §4.1.2.1).
    UnsupportedResponseType => ("unsupported_response_type", 400),
    /// The server failed; the description must not say how.
    ServerError => ("server_error", 500),
    /// A service the server depends on (GitHub) is unavailable; retry later (§4.1.2.1).
    TemporarilyUnavailable => ("temporarily_unavailable", 503),
    /// A registration field is invalid (RFC 7591 §3.2.2).
    InvalidClientMetadata => ("invalid_client_metadata", 400),
    /// A registered redirect URI is invalid (RFC 7591 §3.2.2).
    InvalidRedirectUri => ("invalid_redirect_uri", 400),
    /// The `resource` is not one this server accepts (RFC 8707 §2).
    InvalidTarget => ("invalid_target", 400),
    /// The revocation endpoint does not handle this token type (RFC 7009 §2.2.1).
    UnsupportedTokenType => ("unsupported_token_type", 400),
    /// The bearer token is missing its shape, expired, revoked or not for us (RFC 6750 §3.1).
    InvalidToken => ("invalid_token", 401),
    /// The bearer token lacks a scope the operation needs (RFC 6750 §3.1).
    InsufficientScope => ("insufficient_scope", 403),
}

impl OAuthError {
    /// The JSON body `{"error", "error_description"}` of RFC 6749 §5.2.
    pub fn body(&self) -> crate::http::ErrorBody<'static> {
        crate::http::ErrorBody::new(self.as_str(), sanitize(self.description()))
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.as_str(), self.description())
    }
}

impl std::error::Error for OAuthError {}

/// RFC 6749 §5.2 allows only `%x20-21 / %x23-5B / %x5D-7E` in a description: anything else
/// (quotes, backslashes, control characters, non-ASCII) becomes `?`.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            ' ' | '!' | '#'..='[' | ']'..='~' => c,
            _ => '?',
        })
        .collect()
}

/// Client input made safe to quote in a description: sanitized and cut to
/// [`MAX_ECHO_CHARS`]. Never pass a secret.
pub fn shown(value: &str) -> String {
    let mut out = sanitize(&value.chars().take(MAX_ECHO_CHARS).collect::<String>());
    if value.chars().nth(MAX_ECHO_CHARS).is_some() {
        out.push_str("...");
    }
    format!("`{out}`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn codes_and_statuses_sit_together() {
        let e = OAuthError::InvalidClient("Client authentication failed".into());
        assert_eq!((e.as_str(), e.status()), ("invalid_client", 401));
        let e = OAuthError::InvalidTarget("x".into());
        assert_eq!((e.as_str(), e.status()), ("invalid_target", 400));
        assert_eq!(OAuthError::InsufficientScope(String::new()).status(), 403);
        assert_eq!(
            OAuthError::UnsupportedTokenType(String::new()).as_str(),
            "unsupported_token_type"
        );
    }

    #[test]
    fn json_body_has_error_and_a_clean_description() {
        let e = OAuthError::InvalidRequest("redirect_uri \"x\\y\" is ok\n".into());
        assert_eq!(
            serde_json::to_value(e.body()).unwrap(),
            json!({"error": "invalid_request", "error_description": "redirect_uri ?x?y? is ok?"})
        );
    }

    #[test]
    fn recode_keeps_the_description() {
        let e = OAuthError::InvalidRequest("bad".into()).recode(OAuthError::InvalidRedirectUri);
        assert_eq!(e, OAuthError::InvalidRedirectUri("bad".into()));
    }

    #[test]
    fn shown_cuts_and_cleans_input() {
        assert_eq!(shown("a\"b"), "`a?b`");
        let long = "x".repeat(200);
        let s = shown(&long);
        assert!(s.len() < 100 && s.ends_with("...`"));
        assert_eq!(shown("é"), "`?`");
    }
}
