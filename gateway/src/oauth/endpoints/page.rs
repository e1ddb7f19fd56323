//! The sign-in and consent page, and the error page of `/authorize`. Every value from the
//! client is escaped; high-privilege scopes are marked, and so are scopes only operators
//! receive when who signs in is not known yet (GitHub).

use super::authorize::AuthRequest;
use crate::http::HttpResponse;
use crate::toolbox::{ScopeDecl, ScopeGrant};
use crate::web::html::escape;
use crate::web::page::render;

/// What the consent page shows.
pub(super) struct Consent<'a> {
    pub request: &'a AuthRequest,
    pub csrf: &'a str,
    pub scopes: &'a [ScopeDecl],
    pub error: Option<&'a str>,
    /// Whether approving continues at GitHub rather than asking for the password.
    pub github: bool,
    /// How scopes only operators may hold are shown.
    pub operator_scopes: OperatorScopes,
}

/// Whether the person signing in may receive the scopes only operators may hold.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum OperatorScopes {
    /// Yes: the password owner is an operator.
    Granted,
    /// Only if GitHub says they are in `OPERATORS`: listed and marked "(operators only)".
    IfOperator,
    /// No: GitHub sign-in with nobody in `OPERATORS`. Not listed.
    Never,
}

/// An error page for a request that cannot be sent back to the client.
pub(super) fn error(status: u16, message: &str) -> HttpResponse {
    render(
        status,
        "Sign-in cannot continue",
        &format!("<p class=\"error\">{}</p>", escape(message)),
    )
}

fn redirect_host(uri: &str) -> &str {
    let rest = uri.split_once("://").map_or(uri, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// The page that asks the person to sign in and approve the client.
pub(super) fn consent(status: u16, c: &Consent<'_>) -> HttpResponse {
    let r = c.request;
    let name = r
        .client
        .metadata
        .client_name
        .as_deref()
        .unwrap_or("An unnamed application");
    let mut body = format!(
        "<p><strong>{}</strong> wants to use this Dovecote gateway on your behalf.</p>\
         <p>After you approve, you will be sent to <code>{}</code>.</p><p>It asks to:</p><ul>",
        escape(name),
        escape(redirect_host(&r.redirect_uri)),
    );
    for scope in r.scopes.iter() {
        let declared = c.scopes.iter().find(|s| s.name == scope.as_str());
        let description = declared.map_or("", |s| s.description);
        let operators_only = declared.is_some_and(|s| s.grant == ScopeGrant::Operators);
        if operators_only && c.operator_scopes == OperatorScopes::Never {
            continue;
        }
        let mut marker = String::new();
        if super::HIGH_PRIVILEGE_SCOPES.contains(&scope.as_str()) {
            marker.push_str(" <span class=\"high\">(high privilege)</span>");
        }
        if operators_only && c.operator_scopes == OperatorScopes::IfOperator {
            marker.push_str(" <span class=\"high\">(operators only)</span>");
        }
        body.push_str(&format!(
            "<li>{}{marker} <small><code>{}</code></small></li>",
            escape(description),
            escape(scope.as_str())
        ));
    }
    body.push_str("</ul><form method=\"post\" action=\"/authorize\">");
    for (name, value) in &r.carried {
        body.push_str(&format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(value)
        ));
    }
    body.push_str(&format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(c.csrf)
    ));
    if let Some(error) = c.error {
        body.push_str(&format!(
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(error)
        ));
    }
    if c.github {
        body.push_str(
            "<p>Approving continues at GitHub, where you sign in.</p>\
             <button class=\"primary\" type=\"submit\" name=\"decision\" value=\"approve\" autofocus>Approve and sign in with GitHub</button>",
        );
    } else {
        body.push_str(
            "<label for=\"password\">Password</label>\
             <input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" autofocus>\
             <button class=\"primary\" type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>",
        );
    }
    body.push_str("<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>");
    body.push_str(&format!(
        "<p><small>Client id: <code>{}</code></small></p>",
        escape(r.client_id.as_str())
    ));
    render(status, "Approve access", &body)
}
