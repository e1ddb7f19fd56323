//! Browser-facing checks on every request: `Host` and `Origin` validation against DNS
//! rebinding, and CORS for the origins that pass.

use crate::config::{Config, Environment};
use crate::http::{HttpRequest, HttpResponse};

/// Headers a browser client may read from our responses.
const EXPOSED_HEADERS: &str = "WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version";
/// Headers a browser client may send.
const ALLOWED_HEADERS: &str = "Authorization, Content-Type, Accept, Mcp-Session-Id, \
MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID";

fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']')
            .next()
            .map(|h| format!("[{h}]"))
            .unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or("").to_ascii_lowercase()
    };
    matches!(name.as_str(), "localhost" | "127.0.0.1" | "[::1]")
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or("")
}

/// The verdict on a request's `Host` and `Origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Serve it; echo this origin in CORS headers, if any.
    Allowed(Option<String>),
    /// Refuse with 403 for this reason.
    Forbidden(String),
}

/// Checks `Host` (a rebinding attack arrives with the attacker's host name) and `Origin`.
pub fn check(req: &HttpRequest, config: &Config) -> Verdict {
    let host = req
        .headers
        .get("host")
        .map(str::trim)
        .unwrap_or_else(|| host_of(&req.url));
    let public_host = config.public_url.as_deref().map(host_of);
    let host_ok = match config.environment {
        Environment::Development => {
            is_loopback_host(host) || public_host.is_some_and(|p| p.eq_ignore_ascii_case(host))
        }
        Environment::Production => public_host.is_none_or(|p| p.eq_ignore_ascii_case(host)),
    };
    if !host_ok {
        return Verdict::Forbidden(format!("Host `{host}` is not served here"));
    }
    let Some(origin) = req
        .headers
        .get("origin")
        .map(|o| o.trim().trim_end_matches('/'))
    else {
        return Verdict::Allowed(None);
    };
    let allowed = config
        .allowed_origins
        .iter()
        .any(|o| o.eq_ignore_ascii_case(origin))
        || config
            .public_url
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case(origin))
        || (config.environment == Environment::Development
            && (origin.starts_with("http://") || origin.starts_with("https://"))
            && is_loopback_host(host_of(origin)));
    if allowed {
        Verdict::Allowed(Some(origin.to_owned()))
    } else {
        Verdict::Forbidden(format!(
            "Origin `{origin}` is not allowed; add it to ALLOWED_ORIGINS to let a browser client in"
        ))
    }
}

/// The answer to a CORS preflight from an allowed origin, before `with_cors` adds the
/// origin itself (as it does to every answer to that origin).
pub fn preflight(methods: &str, req: &HttpRequest) -> HttpResponse {
    let requested = req
        .headers
        .get("access-control-request-headers")
        .unwrap_or(ALLOWED_HEADERS);
    HttpResponse::empty(204)
        .with_header("Access-Control-Allow-Methods", methods)
        .with_header("Access-Control-Allow-Headers", requested)
        .with_header("Access-Control-Max-Age", "86400")
}

/// Adds the CORS headers for an allowed origin.
pub fn with_cors(response: HttpResponse, origin: &str) -> HttpResponse {
    response
        .with_header("Access-Control-Allow-Origin", origin)
        .with_header("Access-Control-Expose-Headers", EXPOSED_HEADERS)
        .with_header("Vary", "Origin")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Headers;

    fn req(host: &str, origin: Option<&str>) -> HttpRequest {
        let mut h = Headers::default();
        h.push("Host", host);
        if let Some(o) = origin {
            h.push("Origin", o);
        }
        HttpRequest::new("POST", &format!("http://{host}/mcp"), h, vec![])
    }

    fn dev() -> Config {
        Config {
            environment: Environment::Development,
            ..Config::default()
        }
    }

    #[test]
    fn development_serves_loopback_and_refuses_rebound_hosts() {
        assert_eq!(
            check(
                &req("localhost:8787", Some("http://localhost:8787")),
                &dev()
            ),
            Verdict::Allowed(Some("http://localhost:8787".into()))
        );
        assert_eq!(
            check(&req("[::1]:8787", None), &dev()),
            Verdict::Allowed(None)
        );
        assert!(matches!(
            check(
                &req("evil.example.com", Some("http://evil.example.com")),
                &dev()
            ),
            Verdict::Forbidden(_)
        ));
        assert!(matches!(
            check(
                &req("localhost:8787", Some("http://evil.example.com")),
                &dev()
            ),
            Verdict::Forbidden(_)
        ));
        assert!(matches!(
            check(&req("localhost.evil.com", None), &dev()),
            Verdict::Forbidden(_)
        ));
    }

    #[test]
    fn production_allows_configured_origins_only() {
        let prod = Config {
            public_url: Some("https://gw.example".into()),
            allowed_origins: vec!["https://app.example".into()],
            ..Config::default()
        };
        assert_eq!(
            check(&req("gw.example", None), &prod),
            Verdict::Allowed(None)
        );
        assert!(matches!(
            check(&req("gw.example", Some("https://app.example")), &prod),
            Verdict::Allowed(Some(_))
        ));
        assert!(matches!(
            check(&req("gw.example", Some("http://localhost:3000")), &prod),
            Verdict::Forbidden(_)
        ));
        assert!(matches!(
            check(&req("other.example", None), &prod),
            Verdict::Forbidden(_)
        ));
        assert!(matches!(
            check(&req("gw.example", Some("null")), &prod),
            Verdict::Forbidden(_)
        ));
    }
}
