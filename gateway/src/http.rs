//! The gateway's own HTTP request and response types: what the router and the protocol code
//! see, so they run natively in tests. The Workers layer converts to and from them.

use std::borrow::Cow;

/// The body of every refusal: `{"error": code, "error_description": description}`, the shape
/// of RFC 6749 §5.2 that OAuth errors need and every other endpoint shares, so a client reads
/// any refusal the same way.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ErrorBody<'a> {
    /// The machine-readable code, e.g. `invalid_request`.
    pub error: &'a str,
    /// What was wrong and what to do, for a person.
    pub error_description: Cow<'a, str>,
}

impl<'a> ErrorBody<'a> {
    /// The body for `code` with `description`.
    pub fn new(code: &'a str, description: impl Into<Cow<'a, str>>) -> Self {
        Self {
            error: code,
            error_description: description.into(),
        }
    }

    /// The body's JSON.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// A refusal: `status` with the JSON body of [`ErrorBody`].
pub fn error(status: u16, code: &str, description: &str) -> HttpResponse {
    HttpResponse::json(status, ErrorBody::new(code, description).to_bytes())
}

/// Request headers, looked up case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// Headers from name/value pairs.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Adds a header.
    pub fn push(&mut self, name: &str, value: &str) {
        self.0.push((name.to_owned(), value.to_owned()));
    }
}

/// An incoming request.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// `GET`, `POST`, … (upper case).
    pub method: String,
    /// The full URL the client asked for.
    pub url: String,
    /// The path part of the URL.
    pub path: String,
    /// The headers.
    pub headers: Headers,
    /// The body, read up to the configured limit.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A request, with its path taken from `url`.
    pub fn new(method: &str, url: &str, headers: Headers, body: Vec<u8>) -> Self {
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        let path_and_query = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
        let path = path_and_query
            .split(['?', '#'])
            .next()
            .unwrap_or("/")
            .to_owned();
        Self {
            method: method.to_ascii_uppercase(),
            url: url.to_owned(),
            path,
            headers,
            body,
        }
    }

    /// Whether the `Content-Type` is `media` (parameters such as `charset` aside).
    pub fn content_type_is(&self, media: &str) -> bool {
        let value = self.headers.get("content-type").unwrap_or("");
        value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case(media)
    }

    /// The scheme and authority of the URL, e.g. `http://127.0.0.1:8787`.
    pub fn origin(&self) -> &str {
        let end = self.url.find("://").map_or(0, |i| i + 3);
        let rest = &self.url[end..];
        let host_end = rest.find('/').map_or(self.url.len(), |i| end + i);
        &self.url[..host_end]
    }
}

/// A response.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// An empty response.
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A JSON response.
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::empty(status)
            .with_header("Content-Type", "application/json")
            .with_body(body)
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files that name `error_description` for another reason than building a body: the
    /// `WWW-Authenticate` parameter, GitHub's own error answers, and the redirect query of
    /// RFC 6749 §4.1.2.1.
    const NOT_BODIES: [&str; 4] = [
        "http.rs",
        "oauth/challenge.rs",
        "oauth/github/api.rs",
        "oauth/endpoints/authorize.rs",
    ];

    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn error_bodies_are_built_only_by_the_helper() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&root, &mut files);
        // As a JSON key in Rust source, or escaped inside a string literal.
        let needles = [
            ["\"error_", "description\""].concat(),
            ["error_", "description\\\""].concat(),
        ];
        let mut hand_built = Vec::new();
        for file in files {
            let name = file
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if NOT_BODIES.contains(&name.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            // Tests may spell out the body they expect.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (i, line) in code.lines().enumerate() {
                let comment = line.trim_start().starts_with("//");
                if !comment && needles.iter().any(|n| line.contains(n.as_str())) {
                    hand_built.push(format!("{name}:{}: {}", i + 1, line.trim()));
                }
            }
        }
        assert!(
            hand_built.is_empty(),
            "build error bodies with http::error or http::error_value:\n{}",
            hand_built.join("\n")
        );
    }

    #[test]
    fn an_error_has_its_status_code_and_description() {
        let r = error(409, "conflict", "say \"why\"");
        assert_eq!(r.status, 409);
        assert_eq!(r.header("content-type"), Some("application/json"));
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"error": "conflict", "error_description": "say \"why\""})
        );
    }

    #[test]
    fn path_and_origin_come_from_the_url() {
        let r = HttpRequest::new(
            "post",
            "http://127.0.0.1:8787/mcp?x=1",
            Headers::default(),
            vec![],
        );
        assert_eq!(r.path, "/mcp");
        assert_eq!(r.origin(), "http://127.0.0.1:8787");
        assert_eq!(r.method, "POST");
        let bare = HttpRequest::new("GET", "https://example.com", Headers::default(), vec![]);
        assert_eq!(bare.path, "/");
        assert_eq!(bare.origin(), "https://example.com");
    }

    #[test]
    fn content_types_compare_without_parameters_or_case() {
        let with = |v: &str| {
            let mut h = Headers::default();
            h.push("Content-Type", v);
            HttpRequest::new("POST", "http://h/", h, vec![])
        };
        assert!(with("application/json; charset=utf-8").content_type_is("application/json"));
        assert!(with("Application/JSON").content_type_is("application/json"));
        assert!(!with("application/jsonx").content_type_is("application/json"));
        assert!(!with("text/plain").content_type_is("application/json"));
        assert!(
            !HttpRequest::new("POST", "http://h/", Headers::default(), vec![])
                .content_type_is("application/json")
        );
    }
}
