//! Routes a request to its handler after the browser checks. Only routes: no protocol here.

use serde_json::json;

use crate::config::Config;
use crate::http::{HttpRequest, HttpResponse};
use crate::mcp::{self, McpServer};
use crate::origin::{self, Verdict};
use crate::platform::Platform;
use crate::toolbox::Principal;
use crate::tools;

/// The gateway for one request: configuration, host services, and the signing key.
pub struct Gateway<'a> {
    /// Configuration.
    pub config: &'a Config,
    /// Host services.
    pub platform: Platform<'a>,
    /// Key for session ids (from the `DOVECOTE_SIGNING_KEY` secret).
    pub signing_key: Option<&'a [u8]>,
}

fn json_error(status: u16, error: &str, description: &str) -> HttpResponse {
    HttpResponse::json(
        status,
        json!({"error": error, "error_description": description}).to_string(),
    )
}

/// Serves one request.
pub async fn route(gateway: &Gateway<'_>, req: &HttpRequest) -> HttpResponse {
    let cors_origin = match origin::check(req, gateway.config) {
        Verdict::Allowed(origin) => origin,
        Verdict::Forbidden(why) => return json_error(403, "forbidden", &why),
    };
    let response = if req.method == "OPTIONS" {
        match (allowed_methods(&req.path), &cors_origin) {
            (None, _) => not_found(req),
            (Some(methods), Some(origin)) => return origin::preflight(origin, methods, req),
            (Some(methods), None) => HttpResponse::empty(204).with_header("Allow", methods),
        }
    } else {
        match req.path.as_str() {
            "/mcp" => {
                let principal = caller(req);
                let server = McpServer {
                    config: gateway.config,
                    platform: gateway.platform,
                    toolbox: &tools::TOOLBOX,
                    catalog: tools::catalog(),
                    signing_key: gateway.signing_key,
                };
                mcp::handle(&server, req, &principal).await
            }
            "/" if req.method == "GET" => HttpResponse::json(
                200,
                json!({
                    "name": "dovecote",
                    "version": env!("CARGO_PKG_VERSION"),
                    "mcp": format!("{}/mcp", public_origin(gateway.config, req)),
                })
                .to_string(),
            ),
            "/" => json_error(405, "method_not_allowed", "Use GET")
                .with_header("Allow", "GET, OPTIONS"),
            _ => not_found(req),
        }
    };
    match cors_origin {
        Some(origin) => origin::with_cors(response, &origin),
        None => response,
    }
}

/// The methods each path answers, for `Allow` and CORS preflights.
fn allowed_methods(path: &str) -> Option<&'static str> {
    match path {
        "/mcp" => Some("POST, OPTIONS"),
        "/" => Some("GET, OPTIONS"),
        _ => None,
    }
}

fn not_found(req: &HttpRequest) -> HttpResponse {
    json_error(
        404,
        "not_found",
        &format!("Nothing is served at {}", req.path),
    )
}

/// The origin clients should use: the configured public URL, else the request's.
pub fn public_origin<'a>(config: &'a Config, req: &'a HttpRequest) -> &'a str {
    config.public_url.as_deref().unwrap_or_else(|| req.origin())
}

/// Who is calling. Until sign-in lands, every caller is anonymous and holds every scope;
/// callers are told apart by address for rate limits.
fn caller(req: &HttpRequest) -> Principal {
    let address = req
        .headers
        .get("cf-connecting-ip")
        .map(|a| a.trim().to_owned());
    let scopes = tools::TOOLBOX
        .scopes
        .iter()
        .map(|s| s.name.to_owned())
        .collect();
    Principal::anonymous(address, scopes)
}
