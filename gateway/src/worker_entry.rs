//! The Worker's entry points, and only the adapting: `worker` requests become the gateway's
//! (head, and a body stream read through the route's capped reader), its answers become
//! `worker` responses, and an `/events` stream waits as `webhooks::pace` says. Everything that
//! decides anything is native code: `router`, `deployment`, `webhooks::pace`, `objects`.

use async_trait::async_trait;
use worker::{
    event, ByteStream, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent,
};

use crate::body::BodySource;
use crate::deployment::Deployment;
use crate::handlers::{Answer, StreamStart};
use crate::health::{KV_BINDING, SIGN_IN};
use crate::http::{Headers, HttpRequest, HttpResponse};
use crate::log::{RequestLine, Trace};
use crate::platform::workers::{WorkersClock, WorkersHost, WorkersRandom, WorkersSecrets};
use crate::platform::{Clock, Random, Secrets};
use crate::ratelimit::Leases;
use crate::router::{self, Gateway};
use crate::webhooks::admin::Export;
use crate::webhooks::pace::{Pace, Step};

/// A request body: read whole when its length is declared, else a chunk at a time as it
/// arrives (the stream is opened on the first chunk). A body left unread is cancelled when the
/// request is done with, so the runtime answers without waiting for the rest of it.
struct Stream {
    request: Request,
    read: Reading,
}

/// The largest body read with one `arrayBuffer()`.
const WHOLE_MAX_BYTES: usize = 1 << 20;

/// How far a request body has been read.
enum Reading {
    /// Not touched yet.
    Unread,
    /// Read chunk by chunk, from this stream (none if the request has no body).
    Chunks(Option<ByteStream>),
    /// Read whole.
    Whole,
}

#[async_trait(?Send)]
impl BodySource for Stream {
    async fn next_chunk(&mut self) -> std::result::Result<Option<Vec<u8>>, String> {
        use futures_util::StreamExt;
        match &self.read {
            Reading::Unread => self.read = Reading::Chunks(self.request.stream().ok()),
            Reading::Whole => return Ok(None),
            Reading::Chunks(_) => {}
        }
        let Reading::Chunks(Some(stream)) = &mut self.read else {
            return Ok(None);
        };
        stream.next().await.transpose().map_err(|e| e.to_string())
    }

    async fn whole(&mut self, declared: usize) -> Option<std::result::Result<Vec<u8>, String>> {
        // A large body is streamed: read whole it would be held twice at once, in JavaScript
        // and in wasm memory.
        if declared > WHOLE_MAX_BYTES || !matches!(self.read, Reading::Unread) {
            return None;
        }
        self.read = Reading::Whole;
        let read = async {
            let buffer = self
                .request
                .inner()
                .array_buffer()
                .map_err(|e| format!("{e:?}"))?;
            let buffer = worker::wasm_bindgen_futures::JsFuture::from(buffer)
                .await
                .map_err(|e| format!("{e:?}"))?;
            Ok(worker::js_sys::Uint8Array::new(&buffer).to_vec())
        };
        Some(read.await)
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        if let Reading::Unread = self.read {
            // Opened and dropped at once: the stream is cancelled, the rest of the body unread.
            drop(self.request.stream());
        }
    }
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

thread_local! {
    /// This isolate's configuration, or why it is unusable: read once, since an isolate's env
    /// never changes (a new variable or secret is a new deployment, served by new isolates).
    static LOADED: std::cell::OnceCell<&'static std::result::Result<Deployment, String>> =
        const { std::cell::OnceCell::new() };
    /// The rate-limit leases of this isolate (one thread): they live as long as it does.
    static LEASES: &'static Leases = Box::leak(Box::default());
    /// What a misconfigured isolate serves `/health` with: the defaults.
    static UNUSABLE: &'static Deployment = Box::leak(Box::new(Deployment {
        config: crate::config::Config::default(),
        signing_key: None,
        previous_signing_key: None,
        oauth: None,
    }));
}

fn loaded(env: &Env) -> &'static std::result::Result<Deployment, String> {
    LOADED.with(|l| {
        *l.get_or_init(|| {
            let secrets = WorkersSecrets(env);
            let read = Deployment::load(&|name| secrets.get(name), SIGN_IN);
            Box::leak(Box::new(read.map_err(|problems| problems.join("; "))))
        })
    })
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let started = WorkersClock.now_ms();
    let head = HttpRequest::new(
        req.method().as_ref(),
        // The runtime's URL is already parsed and serialized (WHATWG): parsing it again with
        // the `url` crate would cost a tenth of a small request's CPU.
        &req.inner().url(),
        Headers::new(req.headers().entries().collect()),
        Vec::new(),
    );
    let request_id = crate::log::request_id(head.headers.get("cf-ray"), || {
        let mut bytes = [0u8; 8];
        match WorkersRandom.fill(&mut bytes) {
            Ok(()) => crate::hex::lower(&bytes),
            // A request id only ties log lines together, it guards nothing: without random
            // bytes it is the start time (the buffer is not used).
            Err(_) => format!("t{started:x}"),
        }
    });
    let body = Stream {
        request: req,
        read: Reading::Unread,
    };
    let host = WorkersHost::new(&env, KV_BINDING);
    let (deployment, unusable) = match loaded(&env) {
        Ok(d) => (d, None),
        Err(why) => (UNUSABLE.with(|u| *u), Some(why.as_str())),
    };
    let leases = LEASES.with(|l| *l);
    let gateway = deployment.gateway(host.platform(), leases);
    let (method, route) = (head.method.clone(), crate::routes::log_name(&head.path));
    let trace = Trace::default();
    let answer = router::serve(&gateway, unusable, head, Box::new(body), &trace).await;
    let status = answer.status();
    let logging = deployment.config.log_requests;
    if unusable.is_some() || logging.wants(status) {
        RequestLine {
            event: "request",
            request_id: &request_id,
            method: &method,
            route,
            status,
            latency_ms: WorkersClock.now_ms().saturating_sub(started),
            principal: trace.principal_id(),
            tool: trace.tool_name(),
        }
        .emit();
    }
    match answer {
        Answer::Whole(r) => from_http(r),
        Answer::Stream(head, start) => event_stream(env.clone(), &gateway, head, start),
        Answer::Session(head, stream) => session_stream(env.clone(), &gateway, head, stream),
        Answer::Listen(head, stream) => listen_stream(env.clone(), &gateway, head, stream),
        Answer::Export(head, export) => export_stream(env.clone(), head, export),
    }
}

/// Sends a tenant's export page by page as the event store reads them. A failure midway ends
/// the stream with an error, so the client sees an incomplete answer (never a short one that
/// looks whole); it resumes with `?after=` the last `seq` it received.
fn export_stream(env: Env, head: HttpResponse, export: Export) -> Result<Response> {
    let body = futures_util::stream::unfold((env, export), |(env, mut export)| async move {
        let host = WorkersHost::new(&env, KV_BINDING);
        match export.next(host.platform().objects).await {
            Ok(Some(lines)) => Some((Ok::<Vec<u8>, worker::Error>(lines), (env, export))),
            Ok(None) => None,
            Err(e) => {
                crate::log::internal("tenant export", &e.0);
                let broken = worker::Error::RustError("the export stopped midway".into());
                Some((Err(broken), (env, export)))
            }
        }
    });
    streamed(head, body)
}

/// Keeps a stream of an MCP session open: asks the session object for new events, sends
/// heartbeats as `/events` does, and ends after the call's response (a call's stream), when
/// the session is gone, or once as old as it may be.
fn session_stream(
    env: Env,
    gateway: &Gateway<'_>,
    head: HttpResponse,
    start: crate::sessions::SessionStream,
) -> Result<Response> {
    // A call's stream waits for an answer and polls often; the standalone stream, on which
    // nothing is urgent, at the pace of `/events`.
    let webhooks = &gateway.config.webhooks;
    let settings = if start.stream.ends {
        crate::webhooks::WebhookSettings {
            poll_ms: crate::sessions::POLL_MS,
            stream_max_ms: crate::sessions::ANSWER_TIMEOUT_MS + 60_000,
            ..webhooks.clone()
        }
    } else {
        webhooks.clone()
    };
    let pace = Pace::new(&settings, WorkersClock.now_ms(), start.opening);
    let state = (env, start.stream, pace, false, start.feed);
    let body = futures_util::stream::unfold(state, |mut s| async move {
        loop {
            if s.3 {
                return None;
            }
            match s.2.next(WorkersClock.now_ms()) {
                Step::Send(bytes) => {
                    s.3 = s.1.done;
                    return Some((Ok::<Vec<u8>, worker::Error>(bytes), s));
                }
                Step::End => return None,
                Step::Wait(ms) => {
                    worker::Delay::from(std::time::Duration::from_millis(ms)).await;
                    let host = WorkersHost::new(&s.0, KV_BINDING);
                    // The feed appends to the session's log first, so this poll reads it.
                    if let Some(feed) = s.4.as_mut() {
                        if let Err(e) = feed.poll(&host.platform()).await {
                            crate::log::internal("subscription feed", &e.0);
                        }
                    }
                    let polled = s.1.poll(host.platform().objects).await;
                    s.2.polled(WorkersClock.now_ms(), polled);
                    if s.1.done {
                        // The session is gone or the call answered: send what came, then end.
                        if let Step::Send(bytes) = s.2.next(WorkersClock.now_ms()) {
                            s.3 = true;
                            return Some((Ok(bytes), s));
                        }
                        return None;
                    }
                }
            }
        }
    });
    streamed(head, body)
}

/// Keeps a `subscriptions/listen` stream open at the pace of `/events`: polls its feed, sends
/// what it finds and heartbeats, and at the stream's maximum age ends it with the listen
/// result (the client listens again); a failed poll ends it without one.
fn listen_stream(
    env: Env,
    gateway: &Gateway<'_>,
    head: HttpResponse,
    start: crate::sessions::FeedStream,
) -> Result<Response> {
    let pace = Pace::new(
        &gateway.config.webhooks,
        WorkersClock.now_ms(),
        start.opening,
    );
    let state = (env, start.feed, pace, false, false);
    let body = futures_util::stream::unfold(state, |mut s| async move {
        loop {
            if s.4 {
                return None;
            }
            match s.2.next(WorkersClock.now_ms()) {
                Step::Send(bytes) => return Some((Ok::<Vec<u8>, worker::Error>(bytes), s)),
                Step::End => {
                    s.4 = true;
                    let closing = if s.3 { None } else { s.1.closing() };
                    return closing.map(|bytes| (Ok(bytes), s));
                }
                Step::Wait(ms) => {
                    worker::Delay::from(std::time::Duration::from_millis(ms)).await;
                    let host = WorkersHost::new(&s.0, KV_BINDING);
                    let polled = s.1.poll(&host.platform()).await;
                    s.3 |= polled.is_err();
                    s.2.polled(WorkersClock.now_ms(), polled);
                }
            }
        }
    });
    streamed(head, body)
}

/// A response whose body is `body`, with `head`'s status and headers.
fn streamed(
    head: HttpResponse,
    body: impl futures_util::Stream<Item = Result<Vec<u8>>> + 'static,
) -> Result<Response> {
    let headers = worker::Headers::new();
    for (name, value) in &head.headers {
        headers.append(name, value)?;
    }
    Ok(Response::from_stream(body)?
        .with_status(head.status)
        .with_headers(headers))
}

/// Keeps an `/events` stream open, doing what its `Pace` says: waiting costs no CPU, and no
/// Durable Object stays awake for it.
fn event_stream(
    env: Env,
    gateway: &Gateway<'_>,
    head: HttpResponse,
    start: StreamStart,
) -> Result<Response> {
    let pace = Pace::new(
        &gateway.config.webhooks,
        WorkersClock.now_ms(),
        start.opening,
    );
    let state = (env, start.cursor, pace, start.holder);
    let body = futures_util::stream::unfold(state, |mut s| async move {
        loop {
            match s.2.next(WorkersClock.now_ms()) {
                Step::Send(bytes) => return Some((Ok::<Vec<u8>, worker::Error>(bytes), s)),
                Step::End => return None,
                Step::Wait(ms) => {
                    worker::Delay::from(std::time::Duration::from_millis(ms)).await;
                    let host = WorkersHost::new(&s.0, KV_BINDING);
                    // The grant may have been revoked, or its user removed, since the last poll.
                    if let Some(holder) = &s.3 {
                        let settings = loaded(&s.0).as_ref().ok().and_then(|d| d.oauth.as_ref());
                        let held = match settings {
                            Some(settings) => {
                                crate::oauth::bearer::still_held(&host.platform(), settings, holder)
                                    .await
                            }
                            None => false,
                        };
                        if !held {
                            return None;
                        }
                    }
                    let polled = crate::webhooks::stream::poll(&host.platform(), &mut s.1).await;
                    s.2.polled(WorkersClock.now_ms(), polled);
                }
            }
        }
    });
    streamed(head, body)
}

/// Runs the jobs of the Cron Trigger that fired (`crate::scheduled`), logging each outcome.
#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let host = WorkersHost::new(&env, KV_BINDING);
    for outcome in crate::scheduled::run(&event.cron(), &host.platform()).await {
        let line = serde_json::to_string(&outcome).unwrap_or_default();
        if outcome.error.is_some() {
            worker::console_error!("{line}");
        } else {
            worker::console_log!("{line}");
        }
    }
}
