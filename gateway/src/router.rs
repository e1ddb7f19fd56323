//! The door every request goes through: finds its route in the table (`crate::routes`), checks
//! `Host` and `Origin`, answers `OPTIONS` and wrong methods, hands the handler a body reader
//! capped by the route, and adds CORS to whatever comes back. Only routes: no protocol here.

use crate::body::{Body, BodySource, Chunks};
use crate::config::Config;
use crate::handlers::{self, Answer, Call};
use crate::http::{error, HttpRequest, HttpResponse};
use crate::log::Trace;
use crate::oauth::Settings;
use crate::origin::{self, Verdict};
use crate::platform::Platform;
use crate::ratelimit::Leases;
use crate::routes::{self, Route};

pub use crate::handlers::{public_origin, StreamStart};

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

/// Serves one request whose body is already in memory (native callers and tests).
pub async fn route(gateway: &Gateway<'_>, req: &HttpRequest) -> HttpResponse {
    route_traced(gateway, req, &Trace::default()).await
}

/// `route`, noting in `trace` who called and which tool, for the request's log line. An
/// `/events` stream answers with its opening only: natively there is nothing to keep open; an
/// export is gathered whole.
pub async fn route_traced(gateway: &Gateway<'_>, req: &HttpRequest, trace: &Trace) -> HttpResponse {
    let mut head = req.clone();
    let body = std::mem::take(&mut head.body);
    serve(
        gateway,
        None,
        head,
        Box::new(Chunks::new(vec![body])),
        trace,
    )
    .await
    .whole(gateway.platform.objects)
    .await
}

/// Checks a `GET /events` request (Bearer token, scope) and replays what the caller missed.
pub async fn open_stream(
    gateway: &Gateway<'_>,
    req: &HttpRequest,
) -> Result<StreamStart, HttpResponse> {
    handlers::open_stream(gateway, req, &Trace::default()).await
}

/// What a misconfigured gateway answers: 503 naming the variable (never its value).
pub fn misconfigured(why: &str) -> HttpResponse {
    crate::log::internal("configuration", why);
    error(503, "server_misconfigured", why)
}

/// Serves one request: `request` is its head, `source` its body, unread. With `unusable`
/// (why the configuration cannot be used) only the routes marked `always` are served.
pub async fn serve<'r>(
    gateway: &'r Gateway<'r>,
    unusable: Option<&str>,
    request: HttpRequest,
    source: Box<dyn BodySource + 'r>,
    trace: &'r Trace,
) -> Answer {
    let route = routes::find(&request.path);
    let cors_origin = match origin::check(&request, gateway.config) {
        Verdict::Allowed(origin) => origin,
        Verdict::Forbidden(why) => match route {
            Some(r) if r.public => None,
            Some(r) if r.own_form && own_form_post(&request) && !why.starts_with("Host") => None,
            _ => return error(403, "forbidden", &why).into(),
        },
    };
    let answer = match (route, unusable) {
        (Some(route), None) => door(gateway, route, request, source, trace, &cors_origin).await,
        (Some(route), Some(_)) if route.always => {
            door(gateway, route, request, source, trace, &cors_origin).await
        }
        (_, Some(why)) => misconfigured(why).into(),
        (None, None) => handlers::not_found(&request).into(),
    };
    match (answer, cors_origin) {
        (answer, None) => answer,
        (Answer::Whole(r), Some(o)) => Answer::Whole(origin::with_cors(r, &o)),
        (Answer::Stream(r, start), Some(o)) => Answer::Stream(origin::with_cors(r, &o), start),
        (Answer::Session(r, stream), Some(o)) => Answer::Session(origin::with_cors(r, &o), stream),
        (Answer::Listen(r, stream), Some(o)) => Answer::Listen(origin::with_cors(r, &o), stream),
        (Answer::Export(r, export), Some(o)) => Answer::Export(origin::with_cors(r, &o), export),
    }
}

/// A post of the sign-in page's own form, which the browser sends with `Origin: null`.
fn own_form_post(req: &HttpRequest) -> bool {
    req.method == "POST" && req.headers.get("origin").map(str::trim) == Some("null")
}

/// Serves a request on its route: existence, `OPTIONS`, the method, then the handler.
async fn door<'r>(
    gateway: &'r Gateway<'r>,
    route: &'static Route,
    mut request: HttpRequest,
    source: Box<dyn BodySource + 'r>,
    trace: &'r Trace,
    cors_origin: &Option<String>,
) -> Answer {
    if !(route.enabled)(gateway) {
        return handlers::not_found(&request).into();
    }
    let allow = route.allow();
    if request.method == "OPTIONS" && route.preflight {
        return match cors_origin {
            Some(_) => origin::preflight(&allow, &request),
            None => HttpResponse::empty(204).with_header("Allow", &allow),
        }
        .into();
    }
    if !route.answers(&request.method) {
        if route.bearer {
            if let Err(challenge) = handlers::authenticate(gateway, &request, trace).await {
                return challenge.into();
            }
        }
        return (route.refuse)(405, "method_not_allowed", &format!("Use {allow}"))
            .with_header("Allow", &allow)
            .into();
    }
    if request.method == "HEAD" {
        // Served as GET; the runtime sends no body with the answer.
        request.method = "GET".into();
    }
    let declared = request.headers.get("content-length").map(str::to_owned);
    let body = Body::new(source, declared.as_deref(), route.cap.bytes(gateway.config));
    let call = Call {
        gateway,
        request,
        body,
        trace,
        route,
    };
    (route.handler)(call).await
}
