//! The URI grammar every OAuth URL here is held to: a strict subset of RFC 3986 that a browser
//! reads exactly as we do (ASCII only, no user info, no dot segments, a plain host name or IP
//! literal), split without normalizing so the original string stays the thing compared.
//! `ResourceUri` and `HttpsUrl` are built on it.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::error::{shown, OAuthError};
use super::newtype::newtype;

/// Longest URI accepted anywhere (redirect URIs, resources, client and logo URIs).
pub const MAX_URI_LEN: usize = 2000;

/// Host names that mean this machine (RFC 8252 §7.3), as written in a URI.
const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "[::1]", "localhost"];

/// The parts of a URI, borrowed from the original string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UriParts<'a> {
    pub scheme: &'a str,
    /// The host as written (IPv6 in brackets); `None` when there is no `//` authority.
    pub host: Option<&'a str>,
    pub port: Option<&'a str>,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
}

impl UriParts<'_> {
    pub fn is_scheme(&self, name: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(name)
    }

    pub fn is_loopback(&self) -> bool {
        self.host
            .is_some_and(|h| LOOPBACK_HOSTS.iter().any(|l| l.eq_ignore_ascii_case(h)))
    }

    /// `https://` with a host.
    pub fn is_https(&self) -> bool {
        self.is_scheme("https") && self.host.is_some()
    }

    /// `http://` on 127.0.0.1, [::1] or localhost.
    pub fn is_loopback_http(&self) -> bool {
        self.is_scheme("http") && self.is_loopback()
    }
}

fn allowed_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c)
}

fn is_dot_segment(segment: &str) -> bool {
    let s = segment.to_ascii_lowercase().replace("%2e", ".");
    s == "." || s == ".."
}

/// Splits `uri`; the error is a phrase (“has no scheme”) for the caller to put after the value.
pub(crate) fn split(uri: &str) -> Result<UriParts<'_>, String> {
    if uri.is_empty() {
        return Err("is empty".into());
    }
    if uri.len() > MAX_URI_LEN {
        return Err(format!(
            "is {} characters; the limit is {MAX_URI_LEN}",
            uri.len()
        ));
    }
    let bytes = uri.as_bytes();
    for (i, c) in uri.char_indices() {
        if !allowed_char(c) {
            return Err(format!(
                "contains {c:?} at position {i}; percent-encode it or leave it out"
            ));
        }
        let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
        if c == '%' && !(hex(i + 1) && hex(i + 2)) {
            return Err(format!(
                "has a `%` at position {i} that is not followed by two hex digits"
            ));
        }
    }
    let (scheme, rest) = uri
        .split_once(':')
        .ok_or("is not an absolute URI: it has no scheme such as `https:`")?;
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !scheme_ok {
        return Err("has no valid scheme such as `https:`".into());
    }
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    let (hier, query) = match rest.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (rest, None),
    };
    let (host, port, path) = match hier.strip_prefix("//") {
        Some(after) => {
            let (authority, path) = after.split_at(after.find('/').unwrap_or(after.len()));
            let (host, port) = authority_parts(authority)?;
            (Some(host), port, path)
        }
        None => (None, None, hier),
    };
    let stray = |part: &str| part.contains(['[', ']', '#']);
    if stray(path) || query.is_some_and(stray) || fragment.is_some_and(stray) {
        return Err("has `[`, `]` or a second `#` outside the host; percent-encode it".into());
    }
    if path.split('/').any(is_dot_segment) {
        return Err("has a `.` or `..` path segment; write the path without it".into());
    }
    Ok(UriParts {
        scheme,
        host,
        port,
        path,
        query,
        fragment,
    })
}

fn authority_parts(authority: &str) -> Result<(&str, Option<&str>), String> {
    if authority.contains('@') {
        return Err("carries a user name or password (`...@`); leave it out".into());
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (address, after) = inner
            .split_once(']')
            .ok_or("has an unclosed `[` in its host")?;
        if address.parse::<Ipv6Addr>().is_err() {
            return Err("has an invalid IPv6 address in its host".into());
        }
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or("has text after its IPv6 host")?,
            ),
        };
        (&authority[..address.len() + 2], port)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if !host.starts_with('[') {
        check_host_name(host)?;
    }
    if let Some(port) = port {
        let digits =
            !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
        if !digits || !matches!(port.parse::<u16>(), Ok(1..)) {
            return Err("has a port that is not a number from 1 to 65535".into());
        }
    }
    Ok((host, port))
}

fn check_host_name(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("has no host".into());
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if !host.split('.').all(label_ok) {
        return Err("has a host that is not a plain DNS name or IP address".into());
    }
    // Browsers read a host whose last label is numeric as an IPv4 address (`0x7f.1`,
    // `2130706433`); only the dotted-quad spelling is unambiguous.
    let last = host.rsplit('.').next().unwrap_or(host);
    let numeric =
        last.bytes().all(|b| b.is_ascii_digit()) || last.to_ascii_lowercase().starts_with("0x");
    if numeric && host.parse::<Ipv4Addr>().is_err() {
        return Err("has a numeric host that is not a dotted-quad IPv4 address".into());
    }
    Ok(())
}

fn check_resource(value: &str) -> Result<(), OAuthError> {
    let bad = |why: String| OAuthError::InvalidTarget(format!("resource {} {why}", shown(value)));
    let parts = split(value).map_err(bad)?;
    if parts.fragment.is_some() {
        return Err(bad(
            "has a fragment; send the MCP server's URL without `#...`".into(),
        ));
    }
    if !(parts.is_https() || parts.is_loopback_http()) {
        return Err(bad(
            "must be an https URL (or http on a loopback host)".into()
        ));
    }
    Ok(())
}

fn check_https_url(value: &str) -> Result<(), OAuthError> {
    let parts = split(value)
        .map_err(|why| OAuthError::InvalidClientMetadata(format!("URL {} {why}", shown(value))))?;
    if !parts.is_https() {
        return Err(OAuthError::InvalidClientMetadata(format!(
            "URL {} must start with https://",
            shown(value)
        )));
    }
    Ok(())
}

newtype!(
    /// A protected resource's URI (RFC 8707): absolute https, or http on a loopback host, no
    /// fragment. Compared as written.
    ResourceUri: check_resource
);

newtype!(
    /// An https URL a client shows people (`client_uri`, `logo_uri`, `policy_uri`, `tos_uri`).
    HttpsUrl: check_https_url
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_without_normalizing() {
        let p = split("HTTPS://Example.com:8443/a/b?x=1#top").unwrap();
        assert_eq!(p.scheme, "HTTPS");
        assert_eq!((p.host, p.port), (Some("Example.com"), Some("8443")));
        assert_eq!(
            (p.path, p.query, p.fragment),
            ("/a/b", Some("x=1"), Some("top"))
        );
        let p = split("http://[::1]:3000/cb").unwrap();
        assert!(p.is_loopback_http() && p.host == Some("[::1]"));
        let p = split("com.example.app:/callback").unwrap();
        assert_eq!((p.host, p.path), (None, "/callback"));
    }

    #[test]
    fn refuses_what_a_browser_could_read_differently() {
        for uri in [
            "https://good.example\\@evil.example/",
            "https://user@good.example/",
            "https://good.example/a b",
            "https://good.example/caf\u{e9}",
            "https://good.example/%zz",
            "https://good.example/a/../b",
            "https://good.example/%2E%2e/b",
            "https://0x7f.1/",
            "https://2130706433/",
            "https://good..example/",
            "https://good.example:0/",
            "https://good.example:99999/",
            "https://[::1/",
            "https:///path",
            "//no-scheme.example/",
            "1http://x.example/",
            "",
        ] {
            assert!(split(uri).is_err(), "{uri} should be refused");
        }
        assert!(split(&format!("https://a.example/{}", "a".repeat(MAX_URI_LEN))).is_err());
    }

    #[test]
    fn resources_are_https_or_loopback_without_fragments() {
        assert!(ResourceUri::parse("https://gw.example/mcp").is_ok());
        assert!(ResourceUri::parse("http://127.0.0.1:8787/mcp").is_ok());
        let e = ResourceUri::parse("https://gw.example/mcp#x").unwrap_err();
        assert!(matches!(e, OAuthError::InvalidTarget(_)));
        assert!(e.description().contains("fragment"));
        assert!(ResourceUri::parse("http://gw.example/mcp").is_err());
        assert!(ResourceUri::parse("urn:example:mcp").is_err());
    }

    #[test]
    fn https_urls_only() {
        assert!(HttpsUrl::parse("https://app.example/logo.png").is_ok());
        assert!(HttpsUrl::parse("javascript:alert(1)").is_err());
        assert!(HttpsUrl::parse("http://app.example/").is_err());
    }
}
