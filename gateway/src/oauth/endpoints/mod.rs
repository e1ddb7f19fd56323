//! The authorization server's HTTP endpoints: discovery, registration, sign-in and consent,
//! tokens and revocation, and the signed-in user's own grants (`/grants`). Uses the pure building blocks of `oauth`, KV through `oauth::store`
//! and grants through `crate::grants`.

pub mod admin;
mod authorize;
mod client_auth;
mod clients;
mod discovery;
mod github_renew;
mod github_signin;
pub mod member_grants;
mod page;
pub mod password;
mod register;
pub mod revocation;
mod revoke;
mod token;

pub use github_signin::{
    begin_console, callback as github_callback, clear_cookie, Callback, CALLBACK_PATH,
};

use super::{Issuer, OAuthError, Settings};
use crate::http::{HttpRequest, HttpResponse};
use crate::platform::Platform;
use crate::toolbox::ScopeDecl;
use crate::web::form::{Form, MAX_FORM_BYTES};

/// Scopes never granted unless a client asks for them by name; the consent page marks them.
pub const HIGH_PRIVILEGE_SCOPES: [&str; 1] = ["dovecote:env:read"];

/// What the endpoints need for one request.
pub struct AuthServer<'a> {
    /// Settings.
    pub settings: &'a Settings,
    /// Host services.
    pub platform: Platform<'a>,
    /// This server, from the public origin.
    pub issuer: Issuer,
    /// Key for CSRF tokens.
    pub signing_key: &'a [u8],
    /// The key before a rotation, still accepted for CSRF tokens.
    pub previous_signing_key: Option<&'a [u8]>,
    /// Scopes declared in `tools.toml`.
    pub scopes: &'a [ScopeDecl],
    /// The caller's address (`CF-Connecting-IP`).
    pub address: Option<String>,
    /// Whether `http://` loopback client metadata documents may be fetched (development).
    pub allow_loopback_metadata: bool,
}

/// Serves `req` if its method and path are one of the authorization server's.
pub async fn route(server: &AuthServer<'_>, req: &HttpRequest) -> Option<HttpResponse> {
    let path = req.path.as_str();
    let method = req.method.as_str();
    if path.starts_with("/admin/") {
        return admin::route(server, req).await;
    }
    if path.starts_with(member_grants::PATH) {
        if let Some(response) = member_grants::route(server, req).await {
            return Some(response);
        }
    }
    Some(match (method, path) {
        ("GET", p) if discovery::is_protected_resource(p) => discovery::protected_resource(server),
        ("GET", p) if discovery::is_authorization_server(p) => {
            discovery::authorization_server(server)
        }
        ("POST", "/register") if server.settings.registration_open => {
            register::register(server, req).await
        }
        ("GET", "/authorize") => authorize::show(server, req).await,
        ("POST", "/authorize") => authorize::submit(server, req).await,
        ("GET", github_signin::CALLBACK_PATH) => match github_signin::callback(server, req).await {
            Callback::Answered(response) => response,
            // Only the console starts these; `handlers` serves `/callback` through the
            // console, so one arriving here is answered as a page.
            Callback::Console(_) => page::error(
                400,
                "This sign-in was started by the console; start it again there.",
            )
            .with_header("Set-Cookie", &clear_cookie()),
        },
        ("POST", "/token") => token::token(server, req).await,
        ("POST", "/revoke") => revoke::revoke(server, req).await,
        // Other methods are answered by the route table (`crate::routes`) with 405.
        _ => return None,
    })
}

/// An OAuth error as JSON (RFC 6749 §5.2), never cached.
pub fn error_json(e: &OAuthError) -> HttpResponse {
    no_store(HttpResponse::json(e.status(), e.body().to_bytes()))
}

/// A JSON body that must not be cached (tokens, credentials).
pub fn no_store(r: HttpResponse) -> HttpResponse {
    r.with_header("Cache-Control", "no-store")
        .with_header("Pragma", "no-cache")
}

/// A JSON success that must not be cached.
pub fn json_no_store(status: u16, body: impl serde::Serialize) -> HttpResponse {
    no_store(HttpResponse::json(
        status,
        serde_json::to_vec(&body).unwrap_or_default(),
    ))
}

/// The form body of a POST, or the error to answer.
fn form_body(req: &HttpRequest) -> Result<Form, OAuthError> {
    if !req.content_type_is("application/x-www-form-urlencoded") {
        return Err(OAuthError::InvalidRequest(
            "send the parameters as application/x-www-form-urlencoded".into(),
        ));
    }
    if req.body.len() > MAX_FORM_BYTES {
        return Err(OAuthError::InvalidRequest(format!(
            "the body exceeds {MAX_FORM_BYTES} bytes"
        )));
    }
    let text = std::str::from_utf8(&req.body)
        .map_err(|_| OAuthError::InvalidRequest("the body is not UTF-8".into()))?;
    Form::parse(text)
        .ok_or_else(|| OAuthError::InvalidRequest("the body has a malformed %-escape".into()))
}

/// A parameter that must appear at most once.
fn param<'f>(form: &'f Form, name: &str) -> Result<Option<&'f str>, OAuthError> {
    form.get(name).map_err(OAuthError::InvalidRequest)
}

/// The grant a presented code or refresh token names, when it may be ours — checked before
/// its Durable Object is asked, so a stranger's guesses never create one (`GrantRef`): a
/// grant id signed with the signing key (current or previous) is taken at its word; any other
/// well-formed one only when KV holds the grant's summary. `None` for an unknown grant.
async fn known_grant(server: &AuthServer<'_>, token: &str) -> Result<Option<String>, OAuthError> {
    let keys: Vec<&[u8]> = std::iter::once(server.signing_key)
        .chain(server.previous_signing_key)
        .collect();
    match super::GrantRef::of(token, &keys) {
        None => Ok(None),
        Some(super::GrantRef::Signed(id)) => Ok(Some(id.to_owned())),
        Some(super::GrantRef::Unproven(id)) => super::store::grant(server.platform.kv, id)
            .await
            .map(|summary| summary.map(|_| id.to_owned()))
            .map_err(|e| storage_failed("grant lookup", &e)),
    }
}

/// Logs a storage failure and answers `server_error` without its details.
fn storage_failed(what: &str, e: &crate::platform::PlatformError) -> OAuthError {
    crate::log::internal(what, &e.0);
    OAuthError::ServerError("storage is unavailable just now; try again".into())
}

/// `iss`, `state` and the rest appended to a redirect URI.
fn redirect_to(base: &str, params: &[(&str, &str)]) -> HttpResponse {
    let sep = if base.contains('?') { '&' } else { '?' };
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::web::form::encode(v)))
        .collect();
    HttpResponse::empty(302)
        .with_header("Location", &format!("{base}{sep}{}", query.join("&")))
        .with_header("Cache-Control", "no-store")
}
