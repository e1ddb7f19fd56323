//! The frame every page shares — a small, readable layout with no scripts — and the headers
//! that keep it from being framed, cached or leaking its URL.

use crate::http::HttpResponse;

/// Security headers of every HTML page.
const HEADERS: [(&str, &str); 6] = [
    ("Content-Type", "text/html; charset=utf-8"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Frame-Options", "DENY"),
    // Browsers then send `Origin: null` on the page's own form; the router lets that through
    // to `/authorize` only, whose CSRF token and SameSite cookie protect it.
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
];

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}\
h1{font-size:1.4rem}.box{border:1px solid #d2d2d7;border-radius:12px;padding:1.25rem 1.5rem}\
label{display:block;margin:.75rem 0 .25rem}input[type=password]{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}\
button{font-size:1rem;padding:.5rem 1.25rem;margin:1rem .5rem 0 0;border-radius:8px;border:1px solid #888;background:#fff}\
button.primary{background:#1d1d1f;color:#fff}.error{color:#b00020}.high{color:#b00020;font-weight:600}\
ul{padding-left:1.2rem}code{background:#f5f5f7;padding:0 .25rem;border-radius:4px}";

/// An HTML page with `status`; `title` and `body` must already be escaped.
pub fn render(status: u16, title: &str, body: &str) -> HttpResponse {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title} · Dovecote</title><style>{STYLE}</style></head>\
<body><main class=\"box\"><h1>{title}</h1>{body}</main></body></html>"
    );
    HEADERS
        .iter()
        .fold(HttpResponse::empty(status), |r, (k, v)| r.with_header(k, v))
        .with_body(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_refuse_framing_and_caching() {
        let r = render(400, "Oops", "<p>x</p>");
        assert_eq!(r.status, 400);
        assert_eq!(r.header("X-Frame-Options"), Some("DENY"));
        assert!(r
            .header("Content-Security-Policy")
            .unwrap()
            .contains("frame-ancestors 'none'"));
        assert_eq!(r.header("Referrer-Policy"), Some("no-referrer"));
        assert!(String::from_utf8(r.body)
            .unwrap()
            .contains("<title>Oops · Dovecote</title>"));
    }
}
