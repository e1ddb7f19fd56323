//! The frame of every console page: a skip link, the navigation, who is signed in with the
//! sign-out button, and the page. Sent with a strict policy: no script, styles only from the
//! one style sheet below (allowed by its hash), forms only to the console, never framed,
//! never cached, no referrer. Readable at phone width (one column under 40rem).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::session::Session;
use crate::http::HttpResponse;
use crate::web::html::escape;

const STYLE: &str = "*{box-sizing:border-box}\
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fff}\
a{color:#0645ad}a:focus,button:focus,input:focus,select:focus{outline:3px solid #0645ad;outline-offset:2px}\
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}\
header{background:#1d1d1f;color:#fff;padding:.75rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}\
header a{color:#fff}header nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}\
header a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}\
.who{margin-left:auto;display:flex;gap:.75rem;align-items:center}.who button{margin:0}\
main{max-width:72rem;margin:0 auto;padding:1rem}h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #d2d2d7;vertical-align:top}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
.scroll{overflow-x:auto}code,pre{background:#f5f5f7;border-radius:4px}code{padding:0 .25rem}\
pre{padding:.75rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}\
button{font:inherit;padding:.35rem .9rem;border-radius:6px;border:1px solid #555;background:#fff;color:#1d1d1f;cursor:pointer}\
button.danger{border-color:#a4001d;color:#a4001d}button.primary{background:#1d1d1f;color:#fff}\
form.inline{display:inline}label{display:block;margin:.5rem 0 .2rem}\
input,select{font:inherit;padding:.35rem;border:1px solid #555;border-radius:4px;max-width:100%}\
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}.filters label{margin:0}\
.ok{color:#1b5e20}.bad{color:#a4001d}.note{color:#4a4a4f}.box{border:1px solid #d2d2d7;border-radius:10px;padding:1rem;margin:1rem 0}\
.chart{width:100%;max-width:48rem;height:auto}.legend{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;padding:0}\
.key{display:inline-block;width:1rem;height:1rem;border:1px solid #1d1d1f;vertical-align:middle;margin-right:.3rem}\
.k-0{background:#1f4e99}.k-1{background:repeating-linear-gradient(45deg,#fff 0 3px,#6b6b70 3px 5px)}\
.k-2{background:#a4001d}\
.pages{display:flex;gap:1rem;margin:1rem 0}\
@media (max-width:40rem){header{flex-direction:column;align-items:flex-start}.who{margin-left:0}th,td{padding:.3rem}}";

/// The pages in the navigation: path and label.
pub const NAV: [(&str, &str); 5] = [
    ("/console", "Overview"),
    ("/console/webhooks", "Webhooks"),
    ("/console/notifications", "Notifications"),
    ("/console/grants", "Clients and grants"),
    ("/console/audit", "Audit trail"),
];

fn policy() -> String {
    let hash = B64.encode(Sha256::digest(STYLE.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'self'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    )
}

/// Who is signed in, for the header: the session and its CSRF token.
pub struct Signed<'a> {
    /// The session.
    pub session: &'a Session,
    /// Its CSRF token, for the sign-out form.
    pub csrf: &'a str,
}

/// A console page with `status`; `title` is plain text, `body` escaped HTML; `current` is
/// the navigation entry it belongs to.
pub fn page(
    status: u16,
    title: &str,
    current: &str,
    signed: Option<&Signed<'_>>,
    body: &str,
) -> HttpResponse {
    let title = escape(title);
    let header = match signed {
        None => String::new(),
        Some(s) => {
            let links: String = NAV
                .iter()
                .map(|(path, label)| {
                    let here = if *path == current {
                        " aria-current=\"page\""
                    } else {
                        ""
                    };
                    format!("<li><a href=\"{path}\"{here}>{label}</a></li>")
                })
                .collect();
            format!(
                "<header><strong>Dovecote console</strong><nav aria-label=\"Console\"><ul>{links}</ul></nav>\
<div class=\"who\"><span>Signed in as {}</span><form class=\"inline\" method=\"post\" action=\"/console/signout\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">Sign out</button></form></div></header>",
                escape(&s.session.name),
                escape(s.csrf)
            )
        }
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title} · Dovecote console</title><style>{STYLE}</style></head>\
<body><a class=\"skip\" href=\"#main\">Skip to the page</a>{header}<main id=\"main\"><h1>{title}</h1>{body}</main></body></html>"
    );
    headers(HttpResponse::empty(status)).with_body(html)
}

/// The console's security headers on `response`.
pub fn headers(response: HttpResponse) -> HttpResponse {
    response
        .with_header("Content-Type", "text/html; charset=utf-8")
        .with_header("Content-Security-Policy", &policy())
        .with_header("X-Frame-Options", "DENY")
        .with_header("Referrer-Policy", "no-referrer")
        .with_header("X-Content-Type-Options", "nosniff")
        .with_header("Cache-Control", "no-store")
}

/// A page that only says `message` (an error, a refusal), with a way back.
pub fn message(
    status: u16,
    title: &str,
    message: &str,
    signed: Option<&Signed<'_>>,
) -> HttpResponse {
    let back = if signed.is_some() {
        "<p><a href=\"/console\">Back to the overview</a></p>"
    } else {
        "<p><a href=\"/console/signin\">Sign in</a></p>"
    };
    page(
        status,
        title,
        "",
        signed,
        &format!("<p class=\"bad\">{}</p>{back}", escape(message)),
    )
}

/// A `303` to `location` (after a POST), with the console's headers.
pub fn see_other(location: &str) -> HttpResponse {
    headers(HttpResponse::empty(303)).with_header("Location", location)
}

/// A time in milliseconds since the epoch, as `2026-12-02 07:42 UTC`.
pub fn when(ms: u64) -> String {
    let iso = crate::webhooks::time::iso8601(ms);
    format!("{} {} UTC", &iso[..10], iso.get(11..16).unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_carry_a_strict_policy_that_allows_their_own_style() {
        let r = page(200, "<Overview>", "/console", None, "<p>x</p>");
        let csp = r.header("Content-Security-Policy").unwrap().to_owned();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let hash = B64.encode(Sha256::digest(STYLE.as_bytes()));
        assert!(csp.contains(&hash));
        assert_eq!(r.header("Referrer-Policy"), Some("no-referrer"));
        let body = String::from_utf8(r.body).unwrap();
        assert!(body.contains("&lt;Overview&gt;"), "the title is escaped");
        assert!(!body.contains("<script"));
    }
}
