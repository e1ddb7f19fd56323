//! The route table: every path the gateway serves, declared once with its methods, handler,
//! log name and body cap. The router reads it for routing, `405` with `Allow`, `OPTIONS` and
//! CORS, the log's route names and the cap its body reader gets; nothing else lists paths.

use crate::config::Config;
use crate::handlers::{self as h, Handler};
use crate::http::{self, HttpResponse};
use crate::router::Gateway;

/// Which paths a route answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// Exactly this path.
    Exact(&'static str),
    /// Every path that starts with this (a family, logged under one name).
    Prefix(&'static str),
}

impl Path {
    fn matches(self, path: &str) -> bool {
        match self {
            Self::Exact(p) => p == path,
            Self::Prefix(p) => path.starts_with(p),
        }
    }
}

/// How much of a body a route reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    /// None: the body is never read (a `GET`), so nothing is buffered.
    Unread,
    /// Up to this many bytes.
    Bytes(usize),
    /// Up to `MCP_MAX_BODY_BYTES`.
    Mcp,
    /// Up to `WEBHOOK_MAX_BODY_BYTES`.
    Deliveries,
}

impl Cap {
    /// The cap in bytes under `config`.
    pub fn bytes(self, config: &Config) -> usize {
        match self {
            Self::Unread => 0,
            Self::Bytes(n) => n,
            Self::Mcp => config.max_body_bytes,
            Self::Deliveries => config.webhooks.max_body_bytes,
        }
    }
}

/// One route.
pub struct Route {
    /// The path or path family.
    pub path: Path,
    /// The methods it answers (`HEAD` is served wherever `GET` is).
    pub methods: &'static [&'static str],
    /// What serves it.
    pub handler: Handler,
    /// Its name in the request log.
    pub log: &'static str,
    /// The largest body it reads.
    pub cap: Cap,
    /// Whether it answers with a stream that stays open (`/events`).
    pub streams: bool,
    /// Whether browsers may preflight it: it answers `OPTIONS` and lists it in `Allow`.
    pub preflight: bool,
    /// Whether any origin may read it (discovery documents, health).
    pub public: bool,
    /// Whether it needs a Bearer token, checked before the method: a client probing it with
    /// another method and no token is shown how to sign in (401) rather than 405.
    pub bearer: bool,
    /// Whether its own HTML form posts to it with `Origin: null` (the sign-in page is sent
    /// with `Referrer-Policy: no-referrer`); the form's CSRF token and SameSite cookie
    /// protect those posts.
    pub own_form: bool,
    /// Whether it is served while the configuration is unusable (only `/health`).
    pub always: bool,
    /// Whether it exists in this deployment; otherwise it is not found.
    pub enabled: fn(&Gateway<'_>) -> bool,
    /// How it refuses (`405`, `413`): `status`, code and description to a response.
    pub refuse: fn(u16, &str, &str) -> HttpResponse,
}

impl Route {
    /// The `Allow` header: its methods, and `OPTIONS` when it may be preflighted.
    pub fn allow(&self) -> String {
        let mut methods = self.methods.to_vec();
        if self.preflight {
            methods.push("OPTIONS");
        }
        methods.join(", ")
    }

    /// Whether it answers `method` (`HEAD` counts as `GET`).
    pub fn answers(&self, method: &str) -> bool {
        let method = if method == "HEAD" { "GET" } else { method };
        self.methods.contains(&method)
    }
}

fn always(_: &Gateway<'_>) -> bool {
    true
}

fn signs_in(g: &Gateway<'_>) -> bool {
    g.oauth.is_some() && g.signing_key.is_some()
}

fn registration_open(g: &Gateway<'_>) -> bool {
    signs_in(g) && g.oauth.is_some_and(|s| s.registration_open)
}

fn admin_on(g: &Gateway<'_>) -> bool {
    signs_in(g) && g.oauth.is_some_and(|s| s.admin_token.is_some())
}

/// A browser-facing route answering `methods` with `handler`, named `log`, reading no body;
/// the fields below it say where a route differs.
const fn route(
    path: Path,
    methods: &'static [&'static str],
    handler: Handler,
    log: &'static str,
) -> Route {
    Route {
        path,
        methods,
        handler,
        log,
        cap: Cap::Unread,
        streams: false,
        preflight: true,
        public: false,
        bearer: false,
        own_form: false,
        always: false,
        enabled: always,
        refuse: http::error,
    }
}

/// One of the REST endpoints beside the event tools, logged under its path.
const fn rest(path: &'static str, methods: &'static [&'static str], cap: Cap) -> Route {
    Route {
        cap,
        bearer: true,
        ..route(
            Path::Exact(path),
            methods,
            |c| Box::pin(h::events_rest(c)),
            path,
        )
    }
}

const GET: &[&str] = &["GET"];
const POST: &[&str] = &["POST"];
const FORM: Cap = Cap::Bytes(crate::web::form::MAX_FORM_BYTES);
/// Admin bodies: a client's metadata or an environment profile (100 values of 4 KiB at most).
const ADMIN: Cap = Cap::Bytes(crate::config::DEFAULT_MAX_BODY_BYTES);

/// Every route, first match wins.
pub static ROUTES: [Route; 24] = [
    Route {
        refuse: crate::mcp::refuse,
        cap: Cap::Mcp,
        bearer: true,
        streams: true,
        ..route(
            Path::Exact("/mcp"),
            &["POST", "GET", "DELETE"],
            |c| Box::pin(h::mcp(c)),
            "/mcp",
        )
    },
    // The 2024-11-05 HTTP+SSE transport: the stream, and where its messages are posted.
    Route {
        bearer: true,
        streams: true,
        ..route(
            Path::Exact(crate::mcp::legacy::SSE_PATH),
            GET,
            |c| Box::pin(h::mcp(c)),
            "/sse",
        )
    },
    Route {
        refuse: crate::mcp::refuse,
        cap: Cap::Mcp,
        bearer: true,
        ..route(
            Path::Exact(crate::mcp::legacy::MESSAGES_PATH),
            POST,
            |c| Box::pin(h::mcp(c)),
            "/messages",
        )
    },
    Route {
        streams: true,
        ..route(
            Path::Exact("/events"),
            GET,
            |c| Box::pin(h::events(c)),
            "/events",
        )
    },
    Route {
        cap: Cap::Deliveries,
        ..route(
            Path::Exact(crate::webhooks::intake::PATH),
            POST,
            |c| Box::pin(h::deliveries(c)),
            "/webhooks/github",
        )
    },
    Route {
        public: true,
        always: true,
        preflight: false,
        ..route(
            Path::Exact("/health"),
            GET,
            |c| Box::pin(h::health(c)),
            "/health",
        )
    },
    route(Path::Exact("/"), GET, |c| Box::pin(h::root(c)), "/"),
    Route {
        public: true,
        enabled: signs_in,
        ..route(
            Path::Prefix("/.well-known/"),
            GET,
            |c| Box::pin(h::oauth(c)),
            "/.well-known/*",
        )
    },
    Route {
        cap: Cap::Bytes(crate::oauth::MAX_REGISTRATION_BYTES),
        enabled: registration_open,
        ..route(
            Path::Exact("/register"),
            POST,
            |c| Box::pin(h::oauth(c)),
            "/register",
        )
    },
    Route {
        cap: FORM,
        own_form: true,
        enabled: signs_in,
        ..route(
            Path::Exact("/authorize"),
            &["GET", "POST"],
            |c| Box::pin(h::oauth(c)),
            "/authorize",
        )
    },
    // Another name for `/authorize`, for clients told that path; logged as `/authorize`.
    Route {
        cap: FORM,
        own_form: true,
        enabled: signs_in,
        ..route(
            Path::Exact("/auth"),
            &["GET", "POST"],
            |c| Box::pin(h::authorize_alias(c)),
            "/authorize",
        )
    },
    Route {
        preflight: false,
        enabled: signs_in,
        ..route(
            Path::Exact(crate::oauth::endpoints::CALLBACK_PATH),
            GET,
            |c| Box::pin(h::github_callback(c)),
            "/callback",
        )
    },
    // The operator console: its own pages post their forms to it (`Origin: null`, as its
    // pages send no referrer); its CSRF tokens and SameSite cookie protect those posts.
    Route {
        cap: FORM,
        own_form: true,
        preflight: false,
        enabled: signs_in,
        ..route(
            Path::Prefix(crate::console::PREFIX),
            &["GET", "POST"],
            |c| Box::pin(h::console(c)),
            "/console/*",
        )
    },
    Route {
        cap: FORM,
        enabled: signs_in,
        ..route(
            Path::Exact("/token"),
            POST,
            |c| Box::pin(h::oauth(c)),
            "/token",
        )
    },
    Route {
        cap: FORM,
        enabled: signs_in,
        ..route(
            Path::Exact("/revoke"),
            POST,
            |c| Box::pin(h::oauth(c)),
            "/revoke",
        )
    },
    Route {
        enabled: signs_in,
        ..route(
            Path::Exact(crate::oauth::endpoints::member_grants::PATH),
            GET,
            |c| Box::pin(h::oauth(c)),
            "/grants",
        )
    },
    Route {
        enabled: signs_in,
        ..route(
            Path::Prefix("/grants/"),
            &["DELETE"],
            |c| Box::pin(h::oauth(c)),
            "/grants/*",
        )
    },
    Route {
        preflight: false,
        enabled: admin_on,
        ..route(
            Path::Prefix(crate::webhooks::admin::PREFIX),
            &["GET", "DELETE"],
            |c| Box::pin(h::admin_tenants(c)),
            "/admin/tenants/*",
        )
    },
    Route {
        cap: ADMIN,
        preflight: false,
        enabled: admin_on,
        ..route(
            Path::Prefix("/admin/"),
            &["GET", "POST", "PUT", "DELETE"],
            |c| Box::pin(h::oauth(c)),
            "/admin/*",
        )
    },
    rest("/pending-status", GET, Cap::Unread),
    rest("/pending-events", GET, Cap::Unread),
    rest("/webhook-events", GET, Cap::Unread),
    rest("/event", GET, Cap::Unread),
    rest(
        "/mark-processed",
        POST,
        Cap::Bytes(crate::webhooks::rest::MAX_MARK_BODY),
    ),
];

/// The route for `path`, if the gateway serves it.
pub fn find(path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.path.matches(path))
}

/// The route a path is logged as: the route's name, or `other`, so a caller cannot write what
/// it likes into the log.
pub fn log_name(path: &str) -> &'static str {
    find(path).map_or("other", |r| r.log)
}
