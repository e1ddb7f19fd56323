//! What each route of the table runs: a request in, an answer out. The router has already
//! checked the origin and the method; a handler reads its body (through the route's capped
//! reader) only when it needs it.

use futures_util::future::LocalBoxFuture;

use crate::body::{Body, BodyError};
use crate::http::{error, HttpRequest, HttpResponse};
use crate::log::Trace;
use crate::mcp::{self, McpServer};
use crate::oauth::bearer::{self, Rejection};
use crate::oauth::endpoints::{self, AuthServer};
use crate::oauth::Issuer;
use crate::router::Gateway;
use crate::routes::{Cap, Route};
use crate::toolbox::Principal;
use crate::tools;
use crate::triggers;
use crate::webhooks::{self, stream};

/// A route's handler.
pub type Handler = for<'r> fn(Call<'r>) -> LocalBoxFuture<'r, Answer>;

/// One request as a handler gets it.
pub struct Call<'r> {
    /// The gateway serving it.
    pub gateway: &'r Gateway<'r>,
    /// Method, URL and headers; the body is still in `body`.
    pub request: HttpRequest,
    /// The body, capped by the route.
    pub body: Body<'r>,
    /// Who called and which tool, for the log line.
    pub trace: &'r Trace,
    /// The route being served.
    pub route: &'static Route,
}

impl Call<'_> {
    /// The request with its body read, or the route's `413` (`400` for a broken body). A
    /// route that reads no body ([`Cap::Unread`]) leaves it unread and gets an empty one.
    pub async fn read(self) -> Result<HttpRequest, HttpResponse> {
        let Call {
            mut request,
            body,
            route,
            ..
        } = self;
        if route.cap == Cap::Unread {
            return Ok(request);
        }
        match body.read().await {
            Ok(bytes) => {
                request.body = bytes;
                Ok(request)
            }
            Err(BodyError::TooLarge { cap }) => Err((route.refuse)(
                413,
                "payload_too_large",
                &format!("the request body exceeds {cap} bytes"),
            )),
            Err(BodyError::Broken(why)) => {
                crate::log::internal("request body", &why);
                Err((route.refuse)(
                    400,
                    "invalid_request",
                    "the request body could not be read",
                ))
            }
        }
    }
}

/// What a handler answers: a whole response, the head of an `/events` stream and where it
/// starts, or the head of a tenant export and the export.
pub enum Answer {
    /// A whole response.
    Whole(HttpResponse),
    /// A stream that stays open: its status and headers, and its start.
    Stream(HttpResponse, StreamStart),
    /// A stream of an MCP session (a call's, a resumed one, the standalone one): its
    /// status and headers, and where it is.
    Session(HttpResponse, mcp::SessionStream),
    /// A `subscriptions/listen` stream: its status and headers, and what it polls.
    Listen(HttpResponse, mcp::FeedStream),
    /// A tenant's events, sent page by page as they are read.
    Export(HttpResponse, webhooks::admin::Export),
}

impl Answer {
    /// The status it answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Whole(r)
            | Self::Stream(r, _)
            | Self::Session(r, _)
            | Self::Listen(r, _)
            | Self::Export(r, _) => r.status,
        }
    }

    /// The answer as one response (native callers): a stream's opening, an export gathered.
    pub async fn whole(self, objects: &dyn crate::platform::Objects) -> HttpResponse {
        match self {
            Self::Whole(response) => response,
            Self::Stream(head, start) => head.with_body(start.opening),
            Self::Session(head, stream) => head.with_body(stream.opening),
            Self::Listen(head, stream) => head.with_body(stream.opening),
            Self::Export(head, export) => {
                let served = webhooks::admin::Served::Export(head, export);
                served.gather(objects).await
            }
        }
    }
}

impl From<webhooks::admin::Served> for Answer {
    fn from(served: webhooks::admin::Served) -> Self {
        match served {
            webhooks::admin::Served::Whole(r) => Self::Whole(r),
            webhooks::admin::Served::Export(head, export) => Self::Export(head, export),
        }
    }
}

impl From<mcp::McpAnswer> for Answer {
    fn from(a: mcp::McpAnswer) -> Self {
        match a {
            mcp::McpAnswer::Whole(r) => Self::Whole(r),
            mcp::McpAnswer::Stream(head, stream) => Self::Session(head, stream),
            mcp::McpAnswer::Listen(head, stream) => Self::Listen(head, stream),
        }
    }
}

impl From<HttpResponse> for Answer {
    fn from(r: HttpResponse) -> Self {
        Self::Whole(r)
    }
}

macro_rules! read_or_answer {
    ($call:expr) => {
        match $call.read().await {
            Ok(request) => request,
            Err(response) => return response.into(),
        }
    };
}

thread_local! {
    /// The last public origin an issuer was made from, and that issuer: an isolate serves one
    /// origin (`PUBLIC_URL`, or the host its requests come to), so it is parsed once, not on
    /// every request.
    static LAST_ISSUER: std::cell::RefCell<Option<(String, Issuer)>> =
        const { std::cell::RefCell::new(None) };
}

fn issuer(gateway: &Gateway<'_>, req: &HttpRequest) -> Result<Issuer, HttpResponse> {
    let origin = public_origin(gateway.config, req);
    let known = LAST_ISSUER.with_borrow(|last| match last {
        Some((o, issuer)) if o == origin => Some(issuer.clone()),
        _ => None,
    });
    if let Some(issuer) = known {
        return Ok(issuer);
    }
    let issuer =
        Issuer::from_origin(origin).map_err(|e| error(400, "invalid_request", e.description()))?;
    LAST_ISSUER.set(Some((origin.to_owned(), issuer.clone())));
    Ok(issuer)
}

/// The origin clients should use: the configured public URL, else the request's.
pub fn public_origin<'a>(config: &'a crate::config::Config, req: &'a HttpRequest) -> &'a str {
    config.public_url.as_deref().unwrap_or_else(|| req.origin())
}

fn address(req: &HttpRequest) -> Option<String> {
    req.headers
        .get("cf-connecting-ip")
        .map(|a| a.trim().to_owned())
}

/// The scopes a 401 challenge names: a member's default grant. Nobody is known yet, so no
/// operator scope; high-privilege scopes are asked for by name, after a tool refuses with
/// insufficient_scope.
fn challenge_scopes() -> Vec<&'static str> {
    tools::TOOLBOX
        .scopes
        .iter()
        .filter(|s| s.grant == crate::toolbox::ScopeGrant::Members)
        .map(|s| s.name)
        .filter(|s| !endpoints::HIGH_PRIVILEGE_SCOPES.contains(s))
        .collect()
}

/// The caller of a protected endpoint: from its Bearer token, or anonymous in the conformance
/// build (which has no sign-in). It holds only the scopes its role may hold now. Noted in the
/// trace.
async fn caller(
    gateway: &Gateway<'_>,
    req: &HttpRequest,
    trace: &Trace,
    issuer: &Issuer,
    scope_names: &[&str],
) -> Result<Principal, HttpResponse> {
    let principal = match gateway.oauth {
        None => anonymous(req),
        Some(settings) => {
            match bearer::principal(req, &gateway.platform, issuer, settings, scope_names).await {
                Ok(p) => p.keep_grantable(&tools::TOOLBOX),
                Err(Rejection::Unauthorized(response)) => return Err(response),
            }
        }
    };
    trace.principal(&principal.id);
    Ok(principal)
}

/// The issuer a protected route answers as, and its caller (whose 401 challenge names
/// `scope_names`).
async fn signed_in(
    gateway: &Gateway<'_>,
    req: &HttpRequest,
    trace: &Trace,
    scope_names: &[&str],
) -> Result<(Issuer, Principal), HttpResponse> {
    let issuer = issuer(gateway, req)?;
    let principal = caller(gateway, req, trace, &issuer, scope_names).await?;
    Ok((issuer, principal))
}

/// Checks the Bearer token of a request to a protected route (before its method: see
/// `Route::bearer`), answering the 401 challenge when there is none or it is not valid.
pub async fn authenticate(
    gateway: &Gateway<'_>,
    req: &HttpRequest,
    trace: &Trace,
) -> Result<(), HttpResponse> {
    signed_in(gateway, req, trace, &challenge_scopes())
        .await
        .map(|_| ())
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
    error(
        403,
        "insufficient_scope",
        &format!("this endpoint needs the scope {scope}; sign in again asking for it"),
    )
    .with_header("WWW-Authenticate", &header)
}

/// `/mcp` and the 2024-11-05 transport's `/sse` and `/messages`: the caller's principal, then
/// the MCP core (`POST` a message, `GET` a stream, `DELETE` the session; `GET /sse` a legacy
/// session's stream, `POST /messages?sessionId=…` one of its messages).
pub async fn mcp(call: Call<'_>) -> Answer {
    let signed_in = signed_in(call.gateway, &call.request, call.trace, &challenge_scopes()).await;
    let (issuer, principal) = match signed_in {
        Ok(found) => found,
        Err(response) => return response.into(),
    };
    let (gateway, trace) = (call.gateway, call.trace);
    let req = read_or_answer!(call);
    if let Some(tool) = called_tool(&req) {
        trace.tool(tool);
    }
    let challenge = tool_challenge(&issuer);
    let server = mcp_server(gateway, &challenge);
    let principal = &principal;
    match (req.path.as_str(), req.method.as_str()) {
        (mcp::legacy::SSE_PATH, _) => mcp::legacy::open(&server, principal).await,
        (mcp::legacy::MESSAGES_PATH, _) => {
            mcp::legacy::message(&server, &req, principal).await.into()
        }
        (_, "GET") => mcp::streams::get(&server, &req, principal).await,
        (_, "DELETE") => mcp::streams::delete(&server, &req, principal).await,
        _ => mcp::handle(&server, &req, principal).await,
    }
    .into()
}

/// The `insufficient_scope` challenge of a tool needing a scope, as `issuer`.
fn tool_challenge(issuer: &Issuer) -> impl Fn(&str) -> String + '_ {
    |scope: &str| {
        crate::oauth::www_authenticate(
            &issuer.protected_resource_metadata_url(),
            [scope],
            Some((
                "insufficient_scope",
                "the access token lacks the scope this tool requires",
            )),
        )
    }
}

/// The MCP core of `gateway`, refusing for want of scope with `challenge`.
fn mcp_server<'a>(
    gateway: &'a Gateway<'a>,
    challenge: &'a dyn Fn(&str) -> String,
) -> McpServer<'a> {
    McpServer {
        config: gateway.config,
        platform: gateway.platform,
        toolbox: &tools::TOOLBOX,
        catalog: tools::catalog(),
        signing_key: gateway.signing_key,
        previous_signing_key: gateway.previous_signing_key,
        challenge: Some(challenge),
        leases: gateway.leases,
    }
}

/// The tool a `tools/call` names, for the log: the gateway's own name for it, or `unknown`, so
/// a caller cannot write what it likes into the log. `None` for other methods.
fn called_tool(req: &HttpRequest) -> Option<&'static str> {
    #[derive(serde::Deserialize)]
    struct Params {
        name: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Called {
        method: Option<String>,
        params: Option<Params>,
    }
    let call: Called = serde_json::from_slice(&req.body).ok()?;
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

/// `/auth`: served as `/authorize`, for clients told that path (the URL they see keeps it).
pub async fn authorize_alias(mut call: Call<'_>) -> Answer {
    call.request.path = "/authorize".to_owned();
    oauth(call).await
}

/// The authorization server's endpoints (discovery, registration, sign-in, tokens, admin).
pub async fn oauth(call: Call<'_>) -> Answer {
    let (server, req) = match with_auth_server(call).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    match endpoints::route(&server, &req).await {
        Some(response) => response.into(),
        None => not_found(&req).into(),
    }
}

/// The request, read, and the authorization server for it; or the answer (404 when this build
/// has no sign-in).
async fn with_auth_server<'r>(call: Call<'r>) -> Result<(AuthServer<'r>, HttpRequest), Answer> {
    let gateway = call.gateway;
    let (Some(settings), Some(key)) = (gateway.oauth, gateway.signing_key) else {
        return Err(not_found(&call.request).into());
    };
    let issuer = issuer(gateway, &call.request).map_err(Answer::from)?;
    let req = call.read().await.map_err(Answer::from)?;
    let server = auth_server(gateway, settings, key, issuer, &req);
    Ok((server, req))
}

/// The authorization server for one request: the deployment's settings and keys, the caller's
/// address, and loopback metadata documents only in development.
fn auth_server<'a>(
    gateway: &'a Gateway<'a>,
    settings: &'a crate::oauth::Settings,
    key: &'a [u8],
    issuer: crate::oauth::Issuer,
    req: &HttpRequest,
) -> AuthServer<'a> {
    AuthServer {
        settings,
        platform: gateway.platform,
        issuer,
        signing_key: key,
        previous_signing_key: gateway.previous_signing_key,
        scopes: tools::TOOLBOX.scopes,
        address: address(req),
        allow_loopback_metadata: settings.allow_loopback_metadata
            && gateway.config.environment == crate::config::Environment::Development,
    }
}

/// `/callback`: GitHub's answer, for an OAuth client's sign-in or the console's.
pub async fn github_callback(call: Call<'_>) -> Answer {
    let gateway = call.gateway;
    let (server, req) = match with_auth_server(call).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    match endpoints::github_callback(&server, &req).await {
        endpoints::Callback::Answered(response) => response.into(),
        endpoints::Callback::Console(signed_in) => {
            let console = crate::console::Console {
                server: &server,
                config: gateway.config,
            };
            crate::console::github_landed(&console, signed_in)
                .await
                .into()
        }
    }
}

/// `/console…`: the operator console.
pub async fn console(call: Call<'_>) -> Answer {
    let gateway = call.gateway;
    let (server, req) = match with_auth_server(call).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let console = crate::console::Console {
        server: &server,
        config: gateway.config,
    };
    crate::console::serve(&console, &req).await.into()
}

/// `/admin/tenants…`: the operator's tenant export and delete, behind the `/admin/` gate.
pub async fn admin_tenants(call: Call<'_>) -> Answer {
    let gateway = call.gateway;
    let (server, req) = match with_auth_server(call).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    match endpoints::admin::gate(&server, &req).await {
        None => not_found(&req).into(),
        Some(Err(refused)) => refused.into(),
        Some(Ok(())) => webhooks::admin::serve(
            &gateway.config.webhooks,
            &gateway.platform,
            &req,
            server.address.as_deref(),
        )
        .await
        .into(),
    }
}

/// 404 naming the path.
pub fn not_found(req: &HttpRequest) -> HttpResponse {
    error(
        404,
        "not_found",
        &format!("Nothing is served at {}", req.path),
    )
}

/// `POST /webhooks/github`: the delivery's cheap checks run before its body is read.
pub async fn deliveries(call: Call<'_>) -> Answer {
    let Call {
        gateway,
        request,
        body,
        ..
    } = call;
    let settings = &gateway.config.webhooks;
    let routes = triggers::Routes(tools::EVENT_ROUTES);
    webhooks::intake::receive(
        settings,
        &gateway.platform,
        gateway.leases,
        &request,
        body,
        &routes,
    )
    .await
    .into()
}

/// The REST endpoints beside the event tools.
pub async fn events_rest(call: Call<'_>) -> Answer {
    let signed_in = signed_in(call.gateway, &call.request, call.trace, &challenge_scopes()).await;
    let (issuer, principal) = match signed_in {
        Ok(found) => found,
        Err(response) => return response.into(),
    };
    let gateway = call.gateway;
    let req = read_or_answer!(call);
    let refuse = |scope: &str| insufficient_scope(&issuer, scope);
    webhooks::rest::serve(
        &gateway.config.webhooks,
        &gateway.platform,
        &principal,
        &req,
        &refuse,
    )
    .await
    .into()
}

/// `GET /`: the gateway's name, version and MCP endpoint.
pub async fn root(call: Call<'_>) -> Answer {
    let issuer = match issuer(call.gateway, &call.request) {
        Ok(i) => i,
        Err(response) => return response.into(),
    };
    /// The body of `GET /`.
    #[derive(serde::Serialize)]
    struct Root<'a> {
        name: &'static str,
        version: &'static str,
        mcp: &'a str,
    }
    let root = Root {
        name: "dovecote",
        version: env!("CARGO_PKG_VERSION"),
        mcp: issuer.resource().as_str(),
    };
    HttpResponse::json(200, serde_json::to_vec(&root).unwrap_or_default()).into()
}

/// `GET /health`: what the deployment has, from its variables and bindings.
pub async fn health(call: Call<'_>) -> Answer {
    let upstreams = crate::upstreams::drift::health(&call.gateway.platform).await;
    crate::health::with_probe(&call.gateway.platform, |p| {
        crate::health::report_with(p, upstreams)
    })
    .into()
}

/// An `/events` stream about to start: whose it is, where it resumes, and its first bytes
/// (the retry hint and every event after `Last-Event-ID`).
pub struct StreamStart {
    /// The cursor after the replayed events.
    pub cursor: stream::Cursor,
    /// The token the stream was opened with, checked again at every poll (`None` without
    /// sign-in, in the conformance build).
    pub holder: Option<bearer::Holder>,
    /// The bytes to send first.
    pub opening: Vec<u8>,
}

/// `GET /events`: checks the caller and replays what it missed; the Worker then keeps the
/// stream open.
pub async fn events(call: Call<'_>) -> Answer {
    match open_stream(call.gateway, &call.request, call.trace).await {
        Ok(start) => Answer::Stream(stream_head(), start),
        Err(response) => response.into(),
    }
}

/// Checks a `GET /events` request (Bearer token, scope) and replays what the caller missed,
/// from the request's `Last-Event-ID`. The Worker ends the stream at the first poll where
/// `bearer::still_held` says the token no longer speaks for anyone.
pub async fn open_stream(
    gateway: &Gateway<'_>,
    req: &HttpRequest,
    trace: &Trace,
) -> Result<StreamStart, HttpResponse> {
    let (issuer, principal) = signed_in(gateway, req, trace, &challenge_scopes()).await?;
    if !principal.has_scope(webhooks::rest::READ_SCOPE) {
        return Err(insufficient_scope(&issuer, webhooks::rest::READ_SCOPE));
    }
    let principal = &principal;
    let settings = &gateway.config.webhooks;
    let unavailable = |e: crate::platform::PlatformError| {
        crate::log::internal("event stream", &e.0);
        error(
            503,
            "temporarily_unavailable",
            "the event store is unavailable just now; reconnect in a few seconds",
        )
        .with_header("Retry-After", "5")
    };
    let tenants = webhooks::access::tenants_of(principal, settings, &gateway.platform)
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
    let holder = gateway.oauth.and_then(|_| bearer::Holder::of_request(req));
    Ok(StreamStart {
        cursor,
        holder,
        opening,
    })
}

/// The status and headers of an `/events` stream.
pub fn stream_head() -> HttpResponse {
    HttpResponse::empty(200)
        .with_header("Content-Type", "text/event-stream")
        .with_header("Cache-Control", "no-store")
        .with_header("X-Accel-Buffering", "no")
}
