//! Routes a request to its handler after the browser checks. Only routes: no protocol here.

use serde_json::json;

use crate::config::Config;
use crate::http::{HttpRequest, HttpResponse};
use crate::log::Trace;
use crate::mcp::{self, McpServer};
use crate::oauth::bearer::{self, Rejection};
use crate::oauth::endpoints::{self, AuthServer};
use crate::oauth::{Issuer, Settings};
use crate::origin::{self, Verdict};
use crate::platform::Platform;
use crate::ratelimit::Leases;
use crate::toolbox::Principal;
use crate::tools;
use crate::webhooks::{self, stream};

/// The gateway for one request: configuration, host services, and its keys.
pub struct Gateway<'a> {
    /// Configuration.
    pub config: &'a Config,
    /// Host services.
    pub platform: Platform<'a>,
    /// Key for session ids and CSRF tokens (from the `DOVECOTE_SIGNING_KEY` secret).
    pub signing_key: Option<&'a [u8]>,
    /// The key before a rotation (`DOVECOTE_SIGNING_KEY_PREVIOUS`): what it signed is still
    /// accepted; nothing new is signed with it.
    pub previous_signing_key: Option<&'a [u8]>,
    /// The authorization server's settings; `None` only in the conformance build, which
    /// serves `/mcp` without sign-in.
    pub oauth: Option<&'a Settings>,
    /// The rate-limit leases this isolate holds; they outlive the request.
    pub leases: &'a Leases,
}

fn json_error(status: u16, error: &str, description: &str) -> HttpResponse {
    HttpResponse::json(
        status,
        json!({"error": error, "error_description": description}).to_string(),
    )
}

/// Another name for `/authorize`.
const AUTHORIZE_ALIAS: &str = "/auth";

/// The methods each path answers, for `Allow` and CORS preflights.
fn allowed_methods(path: &str) -> Option<&'static str> {
    match path {
        "/mcp" | "/token" | "/revoke" | "/register" => Some("POST, OPTIONS"),
        "/authorize" | AUTHORIZE_ALIAS => Some("GET, POST, OPTIONS"),
        "/" | "/events" => Some("GET, OPTIONS"),
        webhooks::intake::PATH => Some("POST"),
        p if webhooks::rest::method_of(p) == Some("GET") => Some("GET, OPTIONS"),
        p if webhooks::rest::method_of(p) == Some("POST") => Some("POST, OPTIONS"),
        p if p.starts_with("/.well-known/") => Some("GET, OPTIONS"),
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

/// Serves one request.
pub async fn route(gateway: &Gateway<'_>, req: &HttpRequest) -> HttpResponse {
    route_traced(gateway, req, &Trace::default()).await
}

/// Serves one request, noting in `trace` who called and which tool, for the request's log line.
pub async fn route_traced(gateway: &Gateway<'_>, req: &HttpRequest, trace: &Trace) -> HttpResponse {
    // `/auth` answers as `/authorize`, for clients told that path (the URL keeps `/auth`).
    let aliased;
    let req = if req.path == AUTHORIZE_ALIAS {
        aliased = HttpRequest {
            path: "/authorize".to_owned(),
            ..req.clone()
        };
        &aliased
    } else {
        req
    };
    // Discovery documents are public: any origin may read them.
    let public = req.path.starts_with("/.well-known/");
    // The sign-in page is sent with `Referrer-Policy: no-referrer`, so its own form posts
    // with `Origin: null`; the form's CSRF token and SameSite cookie protect that request.
    let own_form = req.method == "POST"
        && req.path == "/authorize"
        && req.headers.get("origin").map(str::trim) == Some("null");
    let cors_origin = match origin::check(req, gateway.config) {
        Verdict::Allowed(origin) => origin,
        Verdict::Forbidden(_) if public => None,
        Verdict::Forbidden(why) if own_form && !why.starts_with("Host") => None,
        Verdict::Forbidden(why) => return json_error(403, "forbidden", &why),
    };
    if req.method == "OPTIONS" {
        return match (allowed_methods(&req.path), &cors_origin) {
            (None, _) => not_found(req),
            (Some(methods), Some(origin)) => origin::preflight(origin, methods, req),
            (Some(methods), None) => HttpResponse::empty(204).with_header("Allow", methods),
        };
    }
    let response = serve(gateway, req, trace).await;
    match cors_origin {
        Some(origin) => origin::with_cors(response, &origin),
        None => response,
    }
}

async fn serve(gateway: &Gateway<'_>, req: &HttpRequest, trace: &Trace) -> HttpResponse {
    let issuer = match Issuer::from_origin(public_origin(gateway.config, req)) {
        Ok(i) => i,
        Err(e) => return json_error(400, "invalid_request", e.description()),
    };
    // The challenge names the default grant; high-privilege scopes are asked for by name,
    // after a tool refuses with insufficient_scope.
    let scope_names: Vec<&str> = tools::TOOLBOX
        .scopes
        .iter()
        .map(|s| s.name)
        .filter(|s| !endpoints::HIGH_PRIVILEGE_SCOPES.contains(s))
        .collect();
    if let (Some(settings), Some(key)) = (gateway.oauth, gateway.signing_key) {
        let server = AuthServer {
            settings,
            platform: gateway.platform,
            issuer: issuer.clone(),
            signing_key: key,
            previous_signing_key: gateway.previous_signing_key,
            scopes: tools::TOOLBOX.scopes,
            address: address(req),
            allow_loopback_metadata: settings.allow_loopback_metadata
                && gateway.config.environment == crate::config::Environment::Development,
        };
        if let Some(response) = endpoints::route(&server, req).await {
            return response;
        }
    }
    match req.path.as_str() {
        webhooks::intake::PATH if req.method == "POST" => {
            let webhooks = &gateway.config.webhooks;
            webhooks::intake::receive(webhooks, &gateway.platform, gateway.leases, req).await
        }
        p if webhooks::rest::method_of(p).is_some() => {
            let principal = match caller(gateway, req, &issuer, &scope_names).await {
                Ok(p) => p,
                Err(response) => return response,
            };
            trace.principal(&principal.id);
            let refuse = |scope: &str| insufficient_scope(&issuer, scope);
            webhooks::rest::serve(
                &gateway.config.webhooks,
                &gateway.platform,
                &principal,
                req,
                &refuse,
            )
            .await
        }
        "/events" if req.method == "GET" => match open_stream(gateway, req).await {
            // Without the Workers runtime there is no open stream: the replay is the answer.
            Ok(start) => stream_response(start.opening),
            Err(response) => response,
        },
        "/mcp" => {
            let principal = match caller(gateway, req, &issuer, &scope_names).await {
                Ok(p) => p,
                Err(response) => return response,
            };
            trace.principal(&principal.id);
            if let Some(tool) = called_tool(req) {
                trace.tool(tool);
            }
            let challenge = |scope: &str| {
                crate::oauth::www_authenticate(
                    &issuer.protected_resource_metadata_url(),
                    [scope],
                    Some((
                        "insufficient_scope",
                        "the access token lacks the scope this tool requires",
                    )),
                )
            };
            let server = McpServer {
                config: gateway.config,
                platform: gateway.platform,
                toolbox: &tools::TOOLBOX,
                catalog: tools::catalog(),
                signing_key: gateway.signing_key,
                previous_signing_key: gateway.previous_signing_key,
                challenge: Some(&challenge),
            };
            mcp::handle(&server, req, &principal).await
        }
        "/" if req.method == "GET" => HttpResponse::json(
            200,
            json!({
                "name": "dovecote",
                "version": env!("CARGO_PKG_VERSION"),
                "mcp": issuer.resource().as_str(),
            })
            .to_string(),
        ),
        "/register" if gateway.oauth.is_none_or(|s| !s.registration_open) => not_found(req),
        path if allowed_methods(path).is_some() => {
            let allow = allowed_methods(path).unwrap_or_default();
            json_error(405, "method_not_allowed", &format!("Use {allow}"))
                .with_header("Allow", allow)
        }
        _ => not_found(req),
    }
}

/// The caller of a protected endpoint: from its Bearer token, or anonymous in the conformance
/// build (which has no sign-in).
async fn caller(
    gateway: &Gateway<'_>,
    req: &HttpRequest,
    issuer: &Issuer,
    scope_names: &[&str],
) -> Result<Principal, HttpResponse> {
    match gateway.oauth {
        None => Ok(anonymous(req)),
        Some(settings) => {
            match bearer::principal(req, &gateway.platform, issuer, settings, scope_names).await {
                Ok(p) => Ok(p),
                Err(Rejection::Unauthorized(response)) => Err(response),
            }
        }
    }
}

/// 403 with the `insufficient_scope` challenge naming `scope`.
fn insufficient_scope(issuer: &Issuer, scope: &str) -> HttpResponse {
    let header = crate::oauth::www_authenticate(
        &issuer.protected_resource_metadata_url(),
        [scope],
        Some((
            "insufficient_scope",
            "the access token lacks the scope this endpoint requires",
        )),
    );
    json_error(
        403,
        "insufficient_scope",
        &format!("this endpoint needs the scope {scope}; sign in again asking for it"),
    )
    .with_header("WWW-Authenticate", &header)
}

/// An `/events` stream about to start: whose it is, where it resumes, and its first bytes
/// (the retry hint and every event after `Last-Event-ID`).
pub struct StreamStart {
    /// The cursor after the replayed events.
    pub cursor: stream::Cursor,
    /// The bytes to send first.
    pub opening: Vec<u8>,
}

/// Checks a `GET /events` request (origin, Bearer token, scope) and replays what the caller
/// missed; the Worker then keeps the stream open with `stream::poll`.
pub async fn open_stream(
    gateway: &Gateway<'_>,
    req: &HttpRequest,
) -> Result<StreamStart, HttpResponse> {
    if let Verdict::Forbidden(why) = origin::check(req, gateway.config) {
        return Err(json_error(403, "forbidden", &why));
    }
    let issuer = Issuer::from_origin(public_origin(gateway.config, req))
        .map_err(|e| json_error(400, "invalid_request", e.description()))?;
    let scope_names: Vec<&str> = tools::TOOLBOX.scopes.iter().map(|s| s.name).collect();
    let principal = caller(gateway, req, &issuer, &scope_names).await?;
    if !principal.has_scope(webhooks::rest::READ_SCOPE) {
        return Err(insufficient_scope(&issuer, webhooks::rest::READ_SCOPE));
    }
    let settings = &gateway.config.webhooks;
    let unavailable = |e: crate::platform::PlatformError| {
        crate::log::internal("event stream", &e.0);
        json_error(
            503,
            "temporarily_unavailable",
            "the event store is unavailable just now; reconnect in a few seconds",
        )
        .with_header("Retry-After", "5")
    };
    let tenants = webhooks::access::tenants_of(&principal, settings, &gateway.platform)
        .await
        .map_err(unavailable)?;
    let last = req.headers.get("last-event-id").map(str::trim);
    let mut cursor = stream::start(&gateway.platform, &tenants, last)
        .await
        .map_err(unavailable)?;
    let mut opening = stream::opening(settings.poll_ms.max(1000));
    opening.extend(
        stream::poll(&gateway.platform, &mut cursor)
            .await
            .map_err(unavailable)?,
    );
    Ok(StreamStart { cursor, opening })
}

/// The headers of an `/events` response around `body`.
pub fn stream_response(body: Vec<u8>) -> HttpResponse {
    HttpResponse::empty(200)
        .with_header("Content-Type", "text/event-stream")
        .with_header("Cache-Control", "no-store")
        .with_header("X-Accel-Buffering", "no")
        .with_body(body)
}

/// The origin clients should use: the configured public URL, else the request's.
pub fn public_origin<'a>(config: &'a Config, req: &'a HttpRequest) -> &'a str {
    config.public_url.as_deref().unwrap_or_else(|| req.origin())
}

fn address(req: &HttpRequest) -> Option<String> {
    req.headers
        .get("cf-connecting-ip")
        .map(|a| a.trim().to_owned())
}

/// The tool a `tools/call` names, for the log: the gateway's own name for it, or `unknown`, so
/// a caller cannot write what it likes into the log. `None` for other methods.
fn called_tool(req: &HttpRequest) -> Option<&'static str> {
    #[derive(serde::Deserialize)]
    struct Params {
        name: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Call {
        method: Option<String>,
        params: Option<Params>,
    }
    let call: Call = serde_json::from_slice(&req.body).ok()?;
    if call.method.as_deref() != Some("tools/call") {
        return None;
    }
    let name = call.params.and_then(|p| p.name)?;
    Some(
        tools::TOOLBOX
            .tools
            .iter()
            .find(|t| t.def.name == name)
            .map_or("unknown", |t| t.def.name),
    )
}

/// The caller of the conformance build, which has no sign-in: anonymous, holding every
/// scope, told apart by address for rate limits.
fn anonymous(req: &HttpRequest) -> Principal {
    let scopes = tools::TOOLBOX
        .scopes
        .iter()
        .map(|s| s.name.to_owned())
        .collect();
    Principal::anonymous(address(req), scopes)
}
