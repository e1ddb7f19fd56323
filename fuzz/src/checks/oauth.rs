//! OAuth's inputs: form bodies and query strings with the parameters read from them, the
//! registration and client-metadata JSON, and redirect and resource URIs.

use dovecote_gateway::address::{self, Host};
use dovecote_gateway::oauth::{
    challenge_from_request, parse_registration, registration_response, validate_metadata_document,
    AccessToken, AuthorizationCode, ClientId, ClientSecret, CodeVerifier, HttpsUrl, OAuthError,
    RedirectUri, RefreshToken, ResourceUri, ScopeSet, State,
};
use dovecote_gateway::web::form::{encode, Form};

/// Longest error description: fixed words plus at most two short echoes of the input. A
/// longer one echoes input without `shown`'s limit.
const MAX_DESCRIPTION_CHARS: usize = 600;

/// An error OAuth would answer with: a client error with a bounded description that never
/// holds the secret that was refused.
fn refused(e: &OAuthError, secret: Option<&str>) {
    assert!((400..500).contains(&e.status()), "{e:?}");
    let description = e.description();
    assert!(
        description.chars().count() <= MAX_DESCRIPTION_CHARS,
        "{} characters: {description}",
        description.chars().count()
    );
    if let Some(secret) = secret.filter(|s| s.len() >= 8) {
        assert!(
            !description.contains(secret),
            "the secret is echoed: {description}"
        );
    }
}

fn parsed<T>(result: Result<T, OAuthError>, secret: Option<&str>) -> Option<T> {
    result.map_err(|e| refused(&e, secret)).ok()
}

/// `parsed`, for a value only checked.
fn checked<T>(result: Result<T, OAuthError>, secret: Option<&str>) {
    if let Err(e) = result {
        refused(&e, secret);
    }
}

/// Every parameter the endpoints read, parsed as they parse it.
const PARAMS: [&str; 11] = [
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "resource",
    "code_challenge",
    "code",
    "code_verifier",
    "refresh_token",
    "client_secret",
    "token",
];

/// A form body or query string: pairs decode only from well-formed escapes, a value read back
/// from its encoding is itself, and each parameter parses or is refused with a 4xx.
pub fn form(data: &[u8]) {
    let Some(text) = super::text(data) else {
        return;
    };
    let raw = text.as_bytes();
    if let Some(form) = Form::parse(text) {
        for (at, _) in text.match_indices('%') {
            let hex = |i: usize| raw.get(at + i).is_some_and(u8::is_ascii_hexdigit);
            assert!(hex(1) && hex(2), "accepted a bad escape at {at}");
        }
        for name in PARAMS {
            if let Ok(Some(value)) = form.get(name) {
                parameter(name, value, &form);
            }
        }
    }
    let _ = Form::from_url(text);
    if !text.is_empty() {
        let round = Form::parse(&format!("v={}", encode(text))).expect("an encoded value parses");
        assert_eq!(round.get("v"), Ok(Some(text)));
    }
}

fn parameter(name: &str, value: &str, form: &Form) {
    match name {
        "client_id" => checked(ClientId::parse(value), None),
        "redirect_uri" => checked(RedirectUri::parse(value), None),
        "state" => checked(State::parse(value), None),
        "scope" => checked(ScopeSet::parse(value), None),
        "resource" => checked(ResourceUri::parse(value), None),
        "code_challenge" => {
            let method = form.get("code_challenge_method").ok().flatten();
            checked(challenge_from_request(Some(value), method), None);
        }
        "code" => checked(AuthorizationCode::parse(value), Some(value)),
        "code_verifier" => checked(CodeVerifier::parse(value), Some(value)),
        "refresh_token" => checked(RefreshToken::parse(value), Some(value)),
        "client_secret" => checked(ClientSecret::parse(value), Some(value)),
        "token" => checked(AccessToken::parse(value), Some(value)),
        _ => {}
    }
}

/// A `/register` body, and a client metadata document fetched from the URL on the first line:
/// valid metadata makes a registration response; anything else is a 4xx naming the field.
pub fn registration(data: &[u8]) {
    match parse_registration(data) {
        Ok(metadata) => {
            let id = ClientId::parse("fuzz-client").expect("a plain id");
            let response = registration_response(&id, None, 0, &metadata);
            let response = serde_json::to_value(response).expect("a response encodes");
            assert_eq!(response["client_id"], "fuzz-client");
        }
        Err(e) => refused(&e, None),
    }
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    if let Ok(url) = std::str::from_utf8(&data[..split]) {
        let body = data.get(split + 1..).unwrap_or_default();
        if let Err(e) = validate_metadata_document(url, body) {
            refused(&e, None);
        }
    }
}

/// The private-address guard on a host: it never panics, and a host it reads as an address is
/// judged as that address's plain spelling is (so no spelling of a private address passes).
fn private_host(host: &str) {
    let private = address::is_private_host(host);
    match address::Host::parse(host) {
        Host::V4(v4) => assert_eq!(private, address::is_private_host(&v4.to_string()), "{host}"),
        Host::V6(v6) => assert_eq!(
            private,
            address::is_private_host(&format!("[{v6}]")),
            "{host}"
        ),
        Host::Unreadable => assert!(private, "{host} is unreadable yet passes"),
        Host::Name(_) => {}
    }
}

/// A registered redirect URI (first line) and a requested one (the rest): a valid URI
/// matches itself, and a match is always a valid URI of the same kind. The first line is
/// also a host for the private-address guard.
pub fn redirect_uri(data: &[u8]) {
    let Some(text) = super::text(data) else {
        return;
    };
    let (registered, requested) = text.split_once('\n').unwrap_or((text, text));
    private_host(registered);
    checked(ResourceUri::parse(registered), None);
    checked(HttpsUrl::parse(registered), None);
    let Some(uri) = parsed(RedirectUri::parse(registered), None) else {
        return;
    };
    assert!(uri.matches(registered));
    let _ = uri.host();
    if uri.matches(requested) {
        let other = RedirectUri::parse(requested).expect("a matching URI is itself valid");
        assert_eq!(other.kind(), uri.kind(), "{registered} / {requested}");
    }
}
