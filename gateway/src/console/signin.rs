//! Signing in to the console with the gateway's own sign-in: the operator's password (checked
//! as `/authorize` checks it) or GitHub (the same OAuth App and `/callback`, marked as the
//! console's). Only operators get a session; a member is told why not. Sign-ins and sign-outs
//! are audited.

use super::layout;
use super::session::Session;
use super::{Console, Operator};
use crate::audit::{self, Entry};
use crate::http::{HttpRequest, HttpResponse};
use crate::oauth::endpoints::password::{self, Refused};
use crate::oauth::props::GrantProps;
use crate::oauth::{OAuthError, SignIn};
use crate::toolbox::Role;
use crate::web::html::escape;
use crate::web::{cookie, csrf, form::Form};

/// What the sign-in form's CSRF token is bound to.
const PURPOSE: &str = "console-signin";

/// `GET /console/signin`: the password form, or the GitHub button.
pub async fn show(console: &Console<'_>, req: &HttpRequest) -> HttpResponse {
    form_page(console, req.headers.get("cookie"), 200, None)
}

fn form_page(
    console: &Console<'_>,
    cookies: Option<&str>,
    status: u16,
    error: Option<&str>,
) -> HttpResponse {
    let server = console.server;
    let error = error
        .map(|e| format!("<p class=\"bad\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    match server.settings.sign_in() {
        SignIn::Unconfigured => layout::message(
            503,
            "Sign-in is not configured",
            "Nobody can sign in: set OAUTH_PASSWORD, or GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET.",
            None,
        ),
        SignIn::GitHub(_) if server.settings.github_admits_nobody() => layout::message(
            503,
            "Sign-in is closed",
            "GitHub sign-in names nobody: set OPERATORS to the GitHub logins of this gateway's operators.",
            None,
        ),
        SignIn::GitHub(_) => layout::page(
            status,
            "Sign in to the console",
            "",
            None,
            &format!(
                "{error}<p>The console is for this gateway's operators (the GitHub accounts named in OPERATORS).</p>\
<p><a href=\"/console/signin/github\">Sign in with GitHub</a></p>"
            ),
        ),
        SignIn::Password(_) => {
            let Ok(issued) = csrf::issue(server.signing_key, server.platform.random, cookies, PURPOSE)
            else {
                return layout::message(503, "Unavailable", "No randomness just now; reload the page.", None);
            };
            let response = layout::page(
                status,
                "Sign in to the console",
                "",
                None,
                &format!(
                    "{error}<form method=\"post\" action=\"/console/signin\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<label for=\"password\">The gateway's password</label>\
<input id=\"password\" type=\"password\" name=\"password\" autocomplete=\"current-password\" required>\
<p><button class=\"primary\" type=\"submit\">Sign in</button></p></form>",
                    escape(&issued.token)
                ),
            );
            match issued.set_cookie {
                Some(c) => response.with_header("Set-Cookie", &c),
                None => response,
            }
        }
    }
}

/// `POST /console/signin`: the password.
pub async fn password(console: &Console<'_>, req: &HttpRequest) -> HttpResponse {
    let server = console.server;
    let SignIn::Password(expected) = server.settings.sign_in() else {
        return layout::message(
            400,
            "No password sign-in",
            "This gateway signs in with GitHub.",
            None,
        );
    };
    let cookies = req.headers.get("cookie");
    let form = req
        .content_type_is("application/x-www-form-urlencoded")
        .then(|| std::str::from_utf8(&req.body).ok().and_then(Form::parse))
        .flatten();
    let Some(form) = form else {
        return form_page(console, cookies, 400, Some("The form could not be read."));
    };
    let token = form.get("csrf").ok().flatten().unwrap_or_default();
    let keys = console.keys();
    if !keys
        .iter()
        .any(|k| csrf::verify(k, cookies, PURPOSE, token))
    {
        return form_page(
            console,
            cookies,
            403,
            Some("This form expired or did not come from this page; type the password again."),
        );
    }
    let given = form.get("password").ok().flatten().unwrap_or_default();
    match password::check(server, expected, given, None).await {
        Ok(()) => start(console, &GrantProps::owner(), "owner").await,
        Err(Refused::Wrong) => {
            form_page(console, cookies, 401, Some("That password is not right."))
        }
        Err(Refused::TooMany(secs)) => form_page(
            console,
            cookies,
            429,
            Some(&format!(
                "Too many sign-in attempts. Wait {secs} seconds and try again."
            )),
        )
        .with_header("Retry-After", &secs.to_string()),
        Err(Refused::Unavailable(e)) => layout::message(503, "Unavailable", e.description(), None),
    }
}

/// `GET /console/signin/github`: off to GitHub.
pub async fn github(console: &Console<'_>) -> HttpResponse {
    let SignIn::GitHub(github) = console.server.settings.sign_in() else {
        return layout::see_other("/console/signin");
    };
    if console.server.settings.github_admits_nobody() {
        return layout::see_other("/console/signin");
    }
    match crate::oauth::endpoints::begin_console(console.server, github).await {
        Ok(redirect) => redirect,
        Err(e) => layout::message(e.status().max(400), "Sign-in failed", e.description(), None),
    }
}

/// GitHub's answer for a console sign-in (from `/callback`): a session for an operator.
pub async fn github_landed(
    console: &Console<'_>,
    signed_in: Result<GrantProps, OAuthError>,
) -> HttpResponse {
    let cleared = crate::oauth::endpoints::clear_cookie();
    match signed_in {
        Ok(props) => {
            let name = props.name.clone();
            start(console, &props, &name).await
        }
        Err(e) => layout::message(403, "Sign-in failed", e.description(), None),
    }
    .with_header("Set-Cookie", &cleared)
}

/// Opens a session for who signed in, if an operator; audited either way.
async fn start(console: &Console<'_>, props: &GrantProps, name: &str) -> HttpResponse {
    let server = console.server;
    let role = server
        .settings
        .role_of(&props.idp, &props.subject, &props.name);
    let record = |outcome: &str, detail: &str| {
        Entry::new("console", name, outcome)
            .ip(server.address.as_deref())
            .detail(detail)
    };
    if role != Some(Role::Operator) {
        audit::record(
            server.platform.objects,
            record("denied", "sign-in: not an operator"),
        )
        .await;
        return super::forbidden(name);
    }
    let now = server.platform.clock.now_ms();
    let Ok(session) = Session::new(
        server.platform.random,
        &props.idp,
        &props.subject,
        name,
        now,
    ) else {
        return layout::message(
            503,
            "Unavailable",
            "No randomness just now; try again.",
            None,
        );
    };
    audit::record(
        server.platform.objects,
        record("success", &format!("sign-in with {}", props.idp)),
    )
    .await;
    layout::see_other("/console").with_header("Set-Cookie", &session.set_cookie(server.signing_key))
}

/// `POST /console/signout`: ends the session in this browser.
pub async fn sign_out(console: &Console<'_>, operator: &Operator) -> HttpResponse {
    console.audit(operator, "sign-out", "success", "").await;
    layout::see_other("/console/signin")
        .with_header("Set-Cookie", &cookie::clear(super::session::COOKIE))
}
