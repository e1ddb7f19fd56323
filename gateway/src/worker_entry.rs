//! The Worker's entry points: the fetch handler and the Durable Object classes. Converts
//! between `worker` types and the gateway's own, and reads configuration from the env.

use worker::{
    durable_object, event, Context, DurableObject, Env, Request, Response, Result, ScheduleContext,
    ScheduledEvent, State,
};

use crate::config::{signing_key, Config};
use crate::health::KV_BINDING;
use crate::http::{Headers, HttpRequest, HttpResponse};
use crate::log::{RequestLine, Trace};
use crate::platform::workers::{
    WorkersClock, WorkersFetch, WorkersKv, WorkersObjects, WorkersRandom, WorkersSecrets,
    WorkersSql,
};
use crate::platform::{Clock, Memory, Platform, Random};
use crate::ratelimit::Leases;
use crate::router::{self, Gateway};

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .ok()
        .map(|v| v.to_string())
        .or_else(|| env.secret(name).ok().map(|s| s.to_string()))
}

async fn to_http(mut req: Request, max_body: usize) -> Result<HttpRequest> {
    let headers = Headers::new(req.headers().entries().collect());
    let url = req.url()?.to_string();
    let declared = headers
        .get("content-length")
        .and_then(|l| l.trim().parse::<usize>().ok());
    // An oversized declared body is refused unread; the MCP layer answers 413 from the header.
    let body = if declared.is_some_and(|l| l > max_body) {
        Vec::new()
    } else {
        req.bytes().await.unwrap_or_default()
    };
    Ok(HttpRequest::new(req.method().as_ref(), &url, headers, body))
}

fn from_http(resp: HttpResponse) -> Result<Response> {
    let headers = worker::Headers::new();
    for (name, value) in &resp.headers {
        headers.append(name, value)?;
    }
    let response = if resp.body.is_empty() {
        Response::empty()?
    } else {
        Response::from_bytes(resp.body)?
    };
    Ok(response.with_status(resp.status).with_headers(headers))
}

/// The Workers side of the platform seam over one env: for a request, a scheduled run, or an
/// object that does its own outbound work (an alarm).
struct Host<'e> {
    kv: WorkersKv<'e>,
    objects: WorkersObjects<'e>,
    secrets: WorkersSecrets<'e>,
}

impl<'e> Host<'e> {
    fn new(env: &'e Env) -> Self {
        Self {
            kv: WorkersKv {
                env,
                binding: KV_BINDING,
            },
            objects: WorkersObjects(env),
            secrets: WorkersSecrets(env),
        }
    }

    fn platform(&self) -> Platform<'_> {
        Platform {
            kv: &self.kv,
            objects: &self.objects,
            clock: &WorkersClock,
            random: &WorkersRandom,
            fetch: &WorkersFetch,
            secrets: &self.secrets,
        }
    }
}

/// Answers `/health` from what the env holds (before the configuration is read, so a broken
/// one is reported rather than hidden behind 503).
fn health(env: &Env, method: &str) -> HttpResponse {
    if method != "GET" && method != "HEAD" {
        return HttpResponse::json(
            405,
            r#"{"error":"method_not_allowed","error_description":"Use GET"}"#,
        )
        .with_header("Allow", "GET");
    }
    let has_binding = |name: &str| {
        if name == KV_BINDING {
            env.kv(name).is_ok()
        } else {
            env.durable_object(name).is_ok()
        }
    };
    crate::health::report(&crate::health::Probe {
        var: &|name| var(env, name),
        has_binding: &has_binding,
        sign_in: !cfg!(feature = "conformance"),
    })
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let started = WorkersClock.now_ms();
    let request_id = crate::log::request_id(
        req.headers().get("cf-ray").ok().flatten().as_deref(),
        || {
            let mut bytes = [0u8; 8];
            WorkersRandom.fill(&mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        },
    );
    let method = req.method().to_string();
    let route = crate::log::route_name(&req.path());
    let trace = Trace::default();
    let answer = if route == "/health" {
        Answer::Http(health(&env, &method))
    } else {
        serve(req, &env, &trace).await?
    };
    let status = match &answer {
        Answer::Http(r) => r.status,
        Answer::Stream(r) => r.status_code(),
    };
    RequestLine {
        request_id: &request_id,
        method: &method,
        route,
        status,
        latency_ms: WorkersClock.now_ms().saturating_sub(started),
        principal: trace.principal_id(),
        tool: trace.tool_name(),
    }
    .emit();
    match answer {
        Answer::Http(r) => from_http(r),
        Answer::Stream(r) => Ok(r),
    }
}

/// What a misconfigured gateway answers: 503 naming the variable (never its value).
fn misconfigured(why: &str) -> HttpResponse {
    crate::log::internal("configuration", why);
    let body = serde_json::json!({"error": "server_misconfigured", "error_description": why});
    HttpResponse::json(503, body.to_string())
}

/// What a request gets: a whole response, or an `/events` stream that stays open.
enum Answer {
    Http(HttpResponse),
    Stream(Response),
}

/// What the env configures, read and checked once per isolate: an isolate's env never
/// changes (a new variable or secret is a new deployment, served by new isolates).
struct Loaded {
    config: Config,
    key: Option<Vec<u8>>,
    previous_key: Option<Vec<u8>>,
    settings: Option<crate::oauth::Settings>,
}

impl Loaded {
    fn read(env: &Env) -> std::result::Result<Self, String> {
        let config = Config::from_vars(|name| var(env, name)).map_err(|e| e.0)?;
        let key = var(env, "DOVECOTE_SIGNING_KEY")
            .map(|k| signing_key(&k))
            .transpose()
            .map_err(|e| e.0)?;
        let previous_key = var(env, "DOVECOTE_SIGNING_KEY_PREVIOUS")
            .filter(|k| !k.trim().is_empty())
            .map(|k| {
                signing_key(&k).map_err(|e| {
                    e.0.replace("DOVECOTE_SIGNING_KEY", "DOVECOTE_SIGNING_KEY_PREVIOUS")
                })
            })
            .transpose()?;
        // The conformance build serves /mcp without sign-in, for the suite's runner.
        let settings = if cfg!(feature = "conformance") {
            None
        } else {
            Some(crate::oauth::Settings::from_vars(|name| var(env, name)).map_err(|e| e.0)?)
        };
        Ok(Self {
            config,
            key,
            previous_key,
            settings,
        })
    }
}

thread_local! {
    /// This isolate's configuration, or why it is unusable.
    static LOADED: std::cell::OnceCell<&'static std::result::Result<Loaded, String>> =
        const { std::cell::OnceCell::new() };
}

fn loaded(env: &Env) -> &'static std::result::Result<Loaded, String> {
    LOADED.with(|l| *l.get_or_init(|| Box::leak(Box::new(Loaded::read(env)))))
}

async fn serve(req: Request, env: &Env, trace: &Trace) -> Result<Answer> {
    let Loaded {
        config,
        key,
        previous_key,
        settings,
    } = match loaded(env) {
        Ok(l) => l,
        Err(why) => return Ok(Answer::Http(misconfigured(why))),
    };
    let host = Host::new(env);
    let gateway = Gateway {
        config,
        platform: host.platform(),
        signing_key: key.as_deref(),
        previous_signing_key: previous_key.as_deref(),
        oauth: settings.as_ref(),
        leases: isolate_leases(),
    };
    // Deliveries have their own, larger limit; `/mcp` keeps the small one.
    let max_body = if req.path() == crate::webhooks::intake::PATH {
        config.webhooks.max_body_bytes
    } else {
        config.max_body_bytes
    };
    let request = to_http(req, max_body).await?;
    if request.path == "/events" && request.method == "GET" {
        return Ok(match router::open_stream(&gateway, &request).await {
            Ok(start) => Answer::Stream(event_stream(env.clone(), config.webhooks.clone(), start)?),
            Err(response) => Answer::Http(response),
        });
    }
    Ok(Answer::Http(
        router::route_traced(&gateway, &request, trace).await,
    ))
}

/// Runs the jobs of the Cron Trigger that fired (`crate::scheduled`), logging each outcome.
#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let host = Host::new(&env);
    for outcome in crate::scheduled::run(&event.cron(), &host.platform()).await {
        let line = serde_json::to_string(&outcome).unwrap_or_default();
        if outcome.error.is_some() {
            worker::console_error!("{line}");
        } else {
            worker::console_log!("{line}");
        }
    }
}

/// What an open `/events` stream carries from one step to the next.
struct Listener {
    env: Env,
    settings: crate::webhooks::WebhookSettings,
    cursor: crate::webhooks::stream::Cursor,
    holder: Option<crate::oauth::bearer::Holder>,
    opening: Option<Vec<u8>>,
    started_ms: u64,
    last_sent_ms: u64,
}

/// Keeps an `/events` stream open: polls the caller's stores every `poll_ms`, sends what
/// arrived, a heartbeat when nothing was sent for `heartbeat_ms`, and ends after
/// `stream_max_ms` (the client resumes with `Last-Event-ID`). Waiting costs no CPU, and no
/// Durable Object stays awake for it.
fn event_stream(
    env: Env,
    settings: crate::webhooks::WebhookSettings,
    start: router::StreamStart,
) -> Result<Response> {
    use crate::webhooks::stream;
    let now = WorkersClock.now_ms();
    let listener = Listener {
        env,
        settings,
        cursor: start.cursor,
        holder: start.holder,
        opening: Some(start.opening),
        started_ms: now,
        last_sent_ms: now,
    };
    let body = futures_util::stream::unfold(listener, |mut l| async move {
        if let Some(first) = l.opening.take() {
            return Some((Ok::<Vec<u8>, worker::Error>(first), l));
        }
        loop {
            if WorkersClock.now_ms() - l.started_ms >= l.settings.stream_max_ms {
                return None;
            }
            worker::Delay::from(std::time::Duration::from_millis(l.settings.poll_ms)).await;
            let host = Host::new(&l.env);
            let platform = host.platform();
            // The grant may have been revoked, or its user removed, since the last poll.
            if let Some(holder) = &l.holder {
                let held = match loaded(&l.env) {
                    Ok(Loaded {
                        settings: Some(settings),
                        ..
                    }) => crate::oauth::bearer::still_held(&platform, settings, holder).await,
                    _ => false,
                };
                if !held {
                    return None;
                }
            }
            let polled = stream::poll(&platform, &mut l.cursor).await;
            let now = WorkersClock.now_ms();
            match polled {
                Ok(frames) if !frames.is_empty() => {
                    l.last_sent_ms = now;
                    return Some((Ok(frames), l));
                }
                Ok(_) if now - l.last_sent_ms >= l.settings.heartbeat_ms => {
                    l.last_sent_ms = now;
                    return Some((Ok(stream::HEARTBEAT.to_vec()), l));
                }
                Ok(_) => {}
                Err(e) => {
                    // Ending the stream makes the client reconnect with its Last-Event-ID.
                    crate::log::internal("event stream", &e.0);
                    return None;
                }
            }
        }
    });
    let http = router::stream_response(Vec::new());
    let headers = worker::Headers::new();
    for (name, value) in &http.headers {
        headers.append(name, value)?;
    }
    Ok(Response::from_stream(body)?.with_headers(headers))
}

thread_local! {
    /// The rate-limit leases of this isolate (one thread): they live as long as it does.
    static LEASES: &'static Leases = Box::leak(Box::default());
}

fn isolate_leases() -> &'static Leases {
    LEASES.with(|l| *l)
}

/// Answers one request to a Durable Object with the class's logic over its SQL storage and
/// the instance's memory.
async fn serve_object(
    class: &str,
    state: &State,
    memory: &Memory,
    mut req: Request,
) -> Result<Response> {
    let body = req.bytes().await?;
    let sql = WorkersSql(state.storage().sql());
    let answer = crate::objects::handle(class, &sql, memory, WorkersClock.now_ms(), &body);
    Response::from_bytes(answer)
}

/// Sets the object's alarm to `at_ms`, or clears it. The logic that decides when lives in
/// plain Rust (e.g. `channels::outbox::next_wake`), so native tests fire it by moving a clock.
async fn schedule_alarm(state: &State, at_ms: Option<u64>) -> Result<()> {
    let storage = state.storage();
    match at_ms {
        Some(at) => {
            let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64));
            storage.set_alarm(worker::ScheduledTime::new(date)).await
        }
        None => storage.delete_alarm().await,
    }
}

/// Per-channel notification outbox (`OUTBOX`): answers requests, and its alarm retries what
/// is due.
#[durable_object]
pub struct Outbox {
    state: State,
    env: Env,
    memory: Memory,
}

impl DurableObject for Outbox {
    fn new(state: State, env: Env) -> Self {
        let memory = Memory::default();
        Self { state, env, memory }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let class = crate::channels::outbox::BINDING;
        let response = serve_object(class, &self.state, &self.memory, req).await?;
        let sql = WorkersSql(self.state.storage().sql());
        schedule_alarm(&self.state, crate::channels::outbox::next_wake(&sql)).await?;
        Ok(response)
    }

    async fn alarm(&self) -> Result<Response> {
        let host = Host::new(&self.env);
        let platform = host.platform();
        let sql = WorkersSql(self.state.storage().sql());
        let next =
            crate::channels::outbox::run_due(&sql, &platform, crate::channels::CHANNELS).await;
        schedule_alarm(&self.state, next).await?;
        Response::ok("")
    }
}

/// The instance's memory: its alarm is set.
const ALARM_SET: &str = "alarm_set";

/// `serve_object` for a class with an alarm: after the request, sets the alarm the class asks
/// for if none is set. The instance remembers that an alarm is set, so a busy object asks
/// storage once rather than on every request.
async fn serve_object_with_alarm(
    class: &str,
    state: &State,
    memory: &Memory,
    req: Request,
) -> Result<Response> {
    let response = serve_object(class, state, memory, req).await?;
    if memory.knows(ALARM_SET) {
        return Ok(response);
    }
    let storage = state.storage();
    if storage.get_alarm().await?.is_some() {
        memory.set(ALARM_SET, 1);
        return Ok(response);
    }
    let now = WorkersClock.now_ms();
    let sql = WorkersSql(storage.sql());
    if let Some(at) = crate::objects::wanted_alarm(class, &sql, memory, now) {
        storage.set_alarm(at.saturating_sub(now) as i64).await?;
        memory.set(ALARM_SET, 1);
    }
    Ok(response)
}

/// Runs the alarm of an object of `class` and sets the next one it asks for.
async fn run_alarm(class: &str, state: &State, memory: &Memory) -> Result<Response> {
    let storage = state.storage();
    let now = WorkersClock.now_ms();
    let next = crate::objects::alarm(class, &WorkersSql(storage.sql()), memory, now);
    match next {
        Some(at) => {
            storage.set_alarm(at.saturating_sub(now) as i64).await?;
            memory.set(ALARM_SET, 1);
        }
        None => memory.forget(ALARM_SET),
    }
    Response::empty()
}

/// Webhook events of one tenant (`EVENT_STORE`), purged by its alarm.
#[durable_object]
pub struct EventStore {
    state: State,
    memory: Memory,
}

impl DurableObject for EventStore {
    fn new(state: State, _env: Env) -> Self {
        let memory = Memory::default();
        Self { state, memory }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let class = crate::webhooks::store::BINDING;
        serve_object_with_alarm(class, &self.state, &self.memory, req).await
    }

    async fn alarm(&self) -> Result<Response> {
        run_alarm(crate::webhooks::store::BINDING, &self.state, &self.memory).await
    }
}

/// GitHub App installations and their accounts (`TENANT_REGISTRY`), one instance.
#[durable_object]
pub struct TenantRegistry {
    state: State,
    memory: Memory,
}

impl DurableObject for TenantRegistry {
    fn new(state: State, _env: Env) -> Self {
        let memory = Memory::default();
        Self { state, memory }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        serve_object(
            crate::webhooks::registry::BINDING,
            &self.state,
            &self.memory,
            req,
        )
        .await
    }
}

/// Per-caller rate-limit counters (`RATE_LIMITER`).
#[durable_object]
pub struct RateLimiter {
    state: State,
    memory: Memory,
}

impl DurableObject for RateLimiter {
    fn new(state: State, _env: Env) -> Self {
        let memory = Memory::default();
        Self { state, memory }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        serve_object(crate::ratelimit::BINDING, &self.state, &self.memory, req).await
    }
}

/// Per-caller knowledge base of the example tools (`KNOWLEDGE_BASE`).
#[durable_object]
pub struct KnowledgeBase {
    state: State,
    memory: Memory,
}

impl DurableObject for KnowledgeBase {
    fn new(state: State, _env: Env) -> Self {
        let memory = Memory::default();
        Self { state, memory }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        serve_object(crate::knowledge::BINDING, &self.state, &self.memory, req).await
    }
}

/// OAuth grants, one object per grant (`GRANTS`).
#[durable_object]
pub struct GrantStore {
    state: State,
    memory: Memory,
}

impl DurableObject for GrantStore {
    fn new(state: State, _env: Env) -> Self {
        let memory = Memory::default();
        Self { state, memory }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        serve_object(crate::grants::BINDING, &self.state, &self.memory, req).await
    }
}

/// The audit trail (`AUDIT_LOG`), one instance.
#[durable_object]
pub struct AuditLog {
    state: State,
    memory: Memory,
}

impl DurableObject for AuditLog {
    fn new(state: State, _env: Env) -> Self {
        let memory = Memory::default();
        Self { state, memory }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        serve_object(crate::audit::BINDING, &self.state, &self.memory, req).await
    }
}
