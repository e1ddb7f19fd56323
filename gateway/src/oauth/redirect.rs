//! Redirect URIs: which ones a client may register, and whether a requested one is the
//! registered one — exactly, except that loopback URIs match on any port (RFC 8252 §7.3).

use super::error::{shown, OAuthError};
use super::newtype::newtype;
use super::uri::{split, UriParts};

/// Schemes that run code or read local data in a browser: never a redirect target.
const FORBIDDEN_SCHEMES: [&str; 7] = [
    "javascript",
    "data",
    "file",
    "vbscript",
    "blob",
    "about",
    "filesystem",
];

/// What kind of place a redirect URI sends the user to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectKind {
    /// `https://host/...`: a web app, or a native app's claimed URL.
    Https,
    /// `http://127.0.0.1`, `http://[::1]` or `http://localhost`, any port: a native app.
    Loopback,
    /// A private-use scheme in reverse-domain form, e.g. `com.example.app:/cb` (RFC 8252 §7.1).
    PrivateUse,
}

fn classify(parts: &UriParts<'_>) -> Result<RedirectKind, String> {
    if parts.fragment.is_some() {
        return Err("must not have a fragment (RFC 6749 §3.1.2); remove the `#...` part".into());
    }
    if parts.is_https() {
        return Ok(RedirectKind::Https);
    }
    if parts.is_scheme("http") {
        return match parts.is_loopback() {
            true => Ok(RedirectKind::Loopback),
            false => Err("uses http on a host that is not loopback; use https, or \
                 http://127.0.0.1, http://[::1] or http://localhost for a native app"
                .into()),
        };
    }
    if !parts.scheme.contains('.') {
        return Err(format!(
            "uses the scheme `{}:`; a private-use scheme must be a reverse domain name such as \
             `com.example.app:/callback` (RFC 8252 §7.1)",
            parts.scheme
        ));
    }
    if parts.path.is_empty() && parts.host.is_none() {
        return Err("has nothing after its scheme; add a path such as `:/callback`".into());
    }
    Ok(RedirectKind::PrivateUse)
}

fn check_redirect_uri(value: &str) -> Result<(), OAuthError> {
    let forbidden = value.split_once(':').filter(|(scheme, _)| {
        FORBIDDEN_SCHEMES
            .iter()
            .any(|s| s.eq_ignore_ascii_case(scheme))
    });
    match forbidden {
        Some((scheme, _)) => Err(format!(
            "uses the `{scheme}:` scheme, which is never a redirect target"
        )),
        None => split(value).and_then(|parts| classify(&parts)).map(drop),
    }
    .map_err(|why| OAuthError::InvalidRequest(format!("redirect_uri {} {why}", shown(value))))
}

newtype!(
    /// A redirect URI a client registered: absolute, no fragment, https, http on a loopback
    /// host, or a reverse-domain private-use scheme. Kept as written; compared by [`matches`].
    ///
    /// [`matches`]: RedirectUri::matches
    RedirectUri: check_redirect_uri
);

impl RedirectUri {
    fn parts(&self) -> UriParts<'_> {
        // `parse` and `Deserialize` admitted this string, so it splits.
        split(&self.0).unwrap_or(UriParts {
            scheme: "",
            host: None,
            port: None,
            path: "",
            query: None,
            fragment: None,
        })
    }

    /// What kind of redirect this is.
    pub fn kind(&self) -> RedirectKind {
        classify(&self.parts()).unwrap_or(RedirectKind::PrivateUse)
    }

    /// The host the user is sent to (for the consent page); `None` for a private-use scheme.
    pub fn host(&self) -> Option<&str> {
        self.parts().host
    }

    /// Whether `requested` names this URI: the same string, or, when both are loopback http,
    /// the same string but for the port (RFC 8252 §7.3).
    pub fn matches(&self, requested: &str) -> bool {
        if self.0 == requested {
            return true;
        }
        let (Ok(ours), Ok(theirs)) = (split(&self.0), split(requested)) else {
            return false;
        };
        ours.is_loopback_http()
            && theirs.is_loopback_http()
            && theirs.fragment.is_none()
            && ours.scheme == theirs.scheme
            && ours.host == theirs.host
            && ours.path == theirs.path
            && ours.query == theirs.query
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> RedirectUri {
        RedirectUri::parse(s).unwrap()
    }

    #[test]
    fn accepts_https_loopback_and_private_use() {
        assert_eq!(
            uri("https://app.example/cb?x=1").kind(),
            RedirectKind::Https
        );
        assert_eq!(
            uri("http://127.0.0.1:33418/cb").kind(),
            RedirectKind::Loopback
        );
        assert_eq!(uri("http://[::1]/cb").kind(), RedirectKind::Loopback);
        assert_eq!(
            uri("http://localhost/callback").kind(),
            RedirectKind::Loopback
        );
        assert_eq!(
            uri("com.example.app:/oauth").kind(),
            RedirectKind::PrivateUse
        );
        assert_eq!(uri("https://app.example/cb").host(), Some("app.example"));
        assert_eq!(uri("com.example.app:/oauth").host(), None);
    }

    #[test]
    fn refuses_fragments_plain_http_and_dangerous_schemes() {
        for (bad, why) in [
            ("https://app.example/cb#x", "fragment"),
            ("http://app.example/cb", "not loopback"),
            ("http://127.0.0.2/cb", "not loopback"),
            ("javascript:alert(1)", "never a redirect"),
            ("data:text/html,hi", "never a redirect"),
            ("file:///etc/passwd", "never a redirect"),
            ("myapp://callback", "reverse domain"),
            ("com.example.app:", "nothing after"),
            ("/relative/cb", "no scheme"),
        ] {
            let e = RedirectUri::parse(bad).unwrap_err();
            assert!(matches!(e, OAuthError::InvalidRequest(_)));
            assert!(e.description().contains(why), "{bad}: {}", e.description());
        }
    }

    #[test]
    fn matching_is_exact() {
        let r = uri("https://app.example/cb");
        assert!(r.matches("https://app.example/cb"));
        for other in [
            "https://app.example/cb/",
            "https://APP.example/cb",
            "https://app.example:443/cb",
            "https://app.example/cb?x=1",
            "https://app.example/cb#x",
            "https://app.example.evil.example/cb",
        ] {
            assert!(!r.matches(other), "{other}");
        }
    }

    #[test]
    fn loopback_matches_on_any_port_only() {
        let r = uri("http://localhost/callback");
        assert!(r.matches("http://localhost:51234/callback"));
        assert!(!r.matches("http://localhost:51234/other"));
        assert!(!r.matches("http://127.0.0.1:51234/callback"));
        assert!(!r.matches("http://localhost:51234/callback?x=1"));
        assert!(!r.matches("http://localhost:51234/callback#x"));
        let v6 = uri("http://[::1]:8080/cb");
        assert!(v6.matches("http://[::1]:9090/cb"));
        let https = uri("https://localhost:8443/cb");
        assert!(!https.matches("https://localhost:9443/cb"));
    }
}
