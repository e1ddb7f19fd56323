//! The operator console: server-rendered pages under `/console` to see and steer a running
//! gateway — overview (health), webhooks (per-account charts, events, "mark processed"),
//! notifications (the outbox, "retry now", "drop"), clients and grants ("revoke"), and the
//! audit trail. Reached by signing in with the gateway's own sign-in (`signin`) as an operator;
//! a signed cookie (`session`) carries the session, every POST a CSRF token, and every action
//! is audited under the operator's name. Reads the parts it shows (`webhooks`, `channels`,
//! `oauth`, `audit`) through their own functions; nothing imports the console.

mod audit_page;
mod chart;
mod event;
mod grants;
mod layout;
mod notifications;
mod overview;
pub mod session;
mod signin;
mod webhooks;

pub use signin::github_landed;

use crate::audit::{self, Entry};
use crate::config::Config;
use crate::http::{HttpRequest, HttpResponse};
use crate::oauth::endpoints::AuthServer;
use crate::toolbox::Role;
use crate::web::form::Form;
use layout::Signed;
use session::Session;

/// Where the console lives.
pub const PREFIX: &str = "/console";
/// Most rows a listing shows per page.
pub const PAGE_ROWS: usize = 50;

/// What the console needs for one request.
pub struct Console<'a> {
    /// The authorization server: settings, keys, platform, the caller's address.
    pub server: &'a AuthServer<'a>,
    /// The deployment's configuration.
    pub config: &'a Config,
}

impl Console<'_> {
    /// The signing keys a session or CSRF token may be signed with (current first).
    fn keys(&self) -> Vec<&[u8]> {
        std::iter::once(self.server.signing_key)
            .chain(self.server.previous_signing_key)
            .collect()
    }

    /// Records a console action by `operator` in the audit trail.
    async fn audit(&self, operator: &Operator, action: &str, outcome: &str, detail: &str) {
        let entry = Entry::new("console", operator.session.actor(), outcome)
            .ip(self.server.address.as_deref())
            .detail(format!("{action} {detail}"));
        audit::record(self.server.platform.objects, entry).await;
    }
}

/// A signed-in operator, for one request.
pub struct Operator {
    /// The session.
    pub session: Session,
    /// Its CSRF token.
    pub csrf: String,
}

impl Operator {
    fn signed(&self) -> Signed<'_> {
        Signed {
            session: &self.session,
            csrf: &self.csrf,
        }
    }

    /// A hidden CSRF field for this operator's forms.
    fn csrf_field(&self) -> String {
        format!(
            "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
            crate::web::html::escape(&self.csrf)
        )
    }
}

/// Serves a `/console…` request.
pub async fn serve(console: &Console<'_>, req: &HttpRequest) -> HttpResponse {
    let (method, path) = (req.method.as_str(), req.path.as_str());
    match (method, path) {
        ("GET", "/console/signin") => return signin::show(console, req).await,
        ("POST", "/console/signin") => return signin::password(console, req).await,
        ("GET", "/console/signin/github") => return signin::github(console).await,
        _ => {}
    }
    let operator = match operator(console, req) {
        Ok(o) => o,
        Err(refused) => return refused,
    };
    let form = if method == "POST" {
        match posted(console, &operator, req) {
            Ok(form) => Some(form),
            Err(refused) => return refused,
        }
    } else {
        None
    };
    let signed = operator.signed();
    match (method, path, form) {
        ("POST", "/console/signout", _) => signin::sign_out(console, &operator).await,
        ("GET", "/console", _) | ("GET", "/console/", _) => overview::show(console, &operator),
        ("GET", "/console/webhooks", _) => webhooks::show(console, &operator, req).await,
        ("GET", "/console/webhooks/event", _) => event::show(console, &operator, req).await,
        ("POST", "/console/webhooks/mark", Some(form)) => {
            event::mark(console, &operator, &form).await
        }
        ("GET", "/console/notifications", _) => notifications::show(console, &operator).await,
        ("POST", "/console/notifications/retry", Some(form)) => {
            notifications::act(console, &operator, &form, notifications::Action::Retry).await
        }
        ("POST", "/console/notifications/drop", Some(form)) => {
            notifications::act(console, &operator, &form, notifications::Action::Drop).await
        }
        ("GET", "/console/grants", _) => grants::show(console, &operator, req).await,
        ("POST", "/console/grants/revoke", Some(form)) => {
            grants::revoke(console, &operator, &form).await
        }
        ("GET", "/console/audit", _) => audit_page::show(console, &operator, req).await,
        _ => layout::message(
            404,
            "Not found",
            &format!("The console has no page at {method} {path}."),
            Some(&signed),
        ),
    }
}

/// The operator signed in to this browser, or the answer: to the sign-in page (no session), or
/// 403 for someone whose role is not operator (any more).
fn operator(console: &Console<'_>, req: &HttpRequest) -> Result<Operator, HttpResponse> {
    let now = console.server.platform.clock.now_ms();
    let keys = console.keys();
    let Some(session) = Session::from_cookies(req.headers.get("cookie"), &keys, now) else {
        return Err(if req.method == "GET" {
            layout::see_other("/console/signin")
        } else {
            layout::message(
                403,
                "Signed out",
                "Your console session ended (sessions last 30 minutes). Sign in again, then repeat the action.",
                None,
            )
        });
    };
    let role = console
        .server
        .settings
        .role_of(&session.idp, &session.subject, &session.name);
    if role != Some(Role::Operator) {
        return Err(forbidden(&session.name)
            .with_header("Set-Cookie", &crate::web::cookie::clear(session::COOKIE)));
    }
    let csrf = session.csrf(console.server.signing_key);
    Ok(Operator { session, csrf })
}

/// The 403 page for someone signed in who is not an operator.
fn forbidden(name: &str) -> HttpResponse {
    layout::message(
        403,
        "Operators only",
        &format!(
            "You are signed in as {name}, who is not an operator here. The console is for operators: whoever signs in with the gateway's password, and the GitHub accounts named in OPERATORS. Ask the gateway's operator to add you to OPERATORS if you should have it."
        ),
        None,
    )
}

/// The form of a POST, once its CSRF token is this session's; otherwise the 403 to answer.
fn posted(
    console: &Console<'_>,
    operator: &Operator,
    req: &HttpRequest,
) -> Result<Form, HttpResponse> {
    let refuse = |why: &str| {
        Err(layout::message(
            403,
            "Refused",
            why,
            Some(&operator.signed()),
        ))
    };
    if !req.content_type_is("application/x-www-form-urlencoded") {
        return refuse("The console takes form posts only.");
    }
    let Some(form) = std::str::from_utf8(&req.body).ok().and_then(Form::parse) else {
        return refuse("The form could not be read.");
    };
    let token = form.get("csrf").ok().flatten().unwrap_or_default();
    if !operator.session.csrf_ok(&console.keys(), token) {
        return refuse("This form did not come from your console session (or the session changed). Reload the page and try again.");
    }
    Ok(form)
}

/// A form field that must be present once, or the 400 to answer.
fn field<'f>(form: &'f Form, name: &str, operator: &Operator) -> Result<&'f str, HttpResponse> {
    match form.get(name) {
        Ok(Some(v)) if !v.is_empty() => Ok(v),
        _ => Err(layout::message(
            400,
            "Bad request",
            &format!("The form needs one {name}."),
            Some(&operator.signed()),
        )),
    }
}

/// A query parameter (at most once), from `req`'s URL.
fn query(req: &HttpRequest, name: &str) -> Option<String> {
    Form::from_url(&req.url)?
        .get(name)
        .ok()
        .flatten()
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The storage failure page (the details go to the log, never the page).
fn unavailable(what: &str, e: &dyn std::fmt::Display, operator: &Operator) -> HttpResponse {
    crate::log::internal(what, &e.to_string());
    layout::message(
        503,
        "Unavailable",
        "Storage is unavailable just now; reload the page in a few seconds.",
        Some(&operator.signed()),
    )
    .with_header("Retry-After", "5")
}
