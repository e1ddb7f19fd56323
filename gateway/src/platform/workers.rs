//! The Workers implementation of the seam: KV, Durable Object stubs and their SQL storage,
//! `Date.now()`, `crypto.getRandomValues` and `crypto.subtle`. The only module besides
//! `worker_entry` that touches `worker` types.

use async_trait::async_trait;
use wasm_bindgen::{JsCast, JsValue};
use worker::{Env, Method, Request, RequestInit, SqlStorage};

use super::{
    Clock, Digest256, Digests, Fetch, Fetched, HttpMethod, Kv, Objects, Outbound, Platform,
    PlatformError, Random, Secrets, Sql, SqlError, SqlValue, NO_ANSWER, TOO_LARGE,
};

/// The Workers side of the seam over one env: for a request, a scheduled run, or an object
/// that does its own outbound work (an alarm).
pub struct WorkersHost<'e> {
    kv: WorkersKv<'e>,
    objects: WorkersObjects<'e>,
    secrets: WorkersSecrets<'e>,
}

impl<'e> WorkersHost<'e> {
    /// The host over `env`, with its KV namespace bound as `kv_binding`.
    pub fn new(env: &'e Env, kv_binding: &'static str) -> Self {
        Self {
            kv: WorkersKv {
                env,
                binding: kv_binding,
            },
            objects: WorkersObjects(env),
            secrets: WorkersSecrets(env),
        }
    }

    /// The platform these services make.
    pub fn platform(&self) -> Platform<'_> {
        Platform {
            kv: &self.kv,
            objects: &self.objects,
            clock: &WorkersClock,
            random: &WorkersRandom,
            fetch: &WorkersFetch,
            secrets: &self.secrets,
            digests: &WorkersDigests,
        }
    }
}

fn platform_error(e: impl std::fmt::Display) -> PlatformError {
    PlatformError(e.to_string())
}

/// A response's whole body, read with one `arrayBuffer()`: `worker::Response::bytes` reads a
/// stream chunk by chunk through a reader, which costs several times the CPU for the small
/// bodies Durable Objects answer.
pub async fn body_bytes(resp: worker::Response) -> worker::Result<Vec<u8>> {
    let resp: worker::web_sys::Response = resp.into();
    let buffer = worker::wasm_bindgen_futures::JsFuture::from(resp.array_buffer()?).await?;
    Ok(worker::js_sys::Uint8Array::new(&buffer).to_vec())
}

/// A KV namespace binding, looked up when first used so that a request that needs no KV
/// never fails for want of one.
pub struct WorkersKv<'e> {
    /// The Worker's env.
    pub env: &'e Env,
    /// The binding's name.
    pub binding: &'static str,
}

impl WorkersKv<'_> {
    fn store(&self) -> Result<worker::kv::KvStore, PlatformError> {
        self.env.kv(self.binding).map_err(platform_error)
    }
}

#[async_trait(?Send)]
impl Kv for WorkersKv<'_> {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PlatformError> {
        self.store()?.get(key).bytes().await.map_err(platform_error)
    }

    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<Vec<u8>>>, PlatformError> {
        use wasm_bindgen::JsCast;
        let js = |e: wasm_bindgen::JsValue| PlatformError(format!("{e:?}"));
        let namespace =
            js_sys::Reflect::get(self.env.as_ref(), &self.binding.into()).map_err(js)?;
        let get: js_sys::Function = js_sys::Reflect::get(&namespace, &"get".into())
            .map_err(js)?
            .dyn_into()
            .map_err(|_| PlatformError(format!("KV binding {} has no get", self.binding)))?;
        let names: js_sys::Array = keys
            .iter()
            .map(|k| wasm_bindgen::JsValue::from_str(k))
            .collect();
        let promise: js_sys::Promise = get
            .call2(&namespace, &names, &"text".into())
            .map_err(js)?
            .dyn_into()
            .map_err(js)?;
        let found: js_sys::Map = worker::wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map_err(js)?
            .dyn_into()
            .map_err(js)?;
        Ok(keys
            .iter()
            .map(|k| found.get(&(*k).into()).as_string().map(String::into_bytes))
            .collect())
    }

    async fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl_secs: Option<u64>,
    ) -> Result<(), PlatformError> {
        let mut put = self
            .store()?
            .put_bytes(key, value)
            .map_err(platform_error)?;
        if let Some(ttl) = ttl_secs {
            // KV refuses TTLs under a minute.
            put = put.expiration_ttl(ttl.max(60));
        }
        put.execute().await.map_err(platform_error)
    }

    async fn delete(&self, key: &str) -> Result<(), PlatformError> {
        self.store()?.delete(key).await.map_err(platform_error)
    }

    async fn list(&self, prefix: &str, limit: usize) -> Result<Vec<String>, PlatformError> {
        let store = self.store()?;
        let mut keys = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut request = store.list().prefix(prefix.to_owned()).limit(1000);
            if let Some(c) = cursor.take() {
                request = request.cursor(c);
            }
            let page = request.execute().await.map_err(platform_error)?;
            keys.extend(page.keys.into_iter().map(|k| k.name));
            if page.list_complete || keys.len() >= limit || page.cursor.is_none() {
                break;
            }
            cursor = page.cursor;
        }
        keys.truncate(limit);
        Ok(keys)
    }

    fn bound(&self) -> bool {
        self.store().is_ok()
    }
}

/// Durable Object namespaces, looked up by binding name in the Worker's env.
pub struct WorkersObjects<'e>(pub &'e Env);

impl WorkersObjects<'_> {
    async fn send(
        &self,
        class: &str,
        name: &str,
        body: js_sys::Uint8Array,
    ) -> Result<Vec<u8>, PlatformError> {
        let stub = self
            .0
            .durable_object(class)
            .map_err(platform_error)?
            .get_by_name(name)
            .map_err(platform_error)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(body.into()));
        let req =
            Request::new_with_init("https://object.internal/", &init).map_err(platform_error)?;
        let resp = stub.fetch_with_request(req).await.map_err(platform_error)?;
        body_bytes(resp).await.map_err(platform_error)
    }
}

#[async_trait(?Send)]
impl Objects for WorkersObjects<'_> {
    fn bound(&self, class: &str) -> bool {
        self.0.durable_object(class).is_ok()
    }

    async fn call(
        &self,
        class: &str,
        name: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, PlatformError> {
        self.send(class, name, js_sys::Uint8Array::from(request))
            .await
    }

    async fn call_parts(
        &self,
        class: &str,
        name: &str,
        head: &[u8],
        body: &[u8],
    ) -> Result<Vec<u8>, PlatformError> {
        let total = head.len() + body.len();
        let array = js_sys::Uint8Array::new_with_length(total as u32);
        array.subarray(0, head.len() as u32).copy_from(head);
        array
            .subarray(head.len() as u32, total as u32)
            .copy_from(body);
        self.send(class, name, array).await
    }
}

/// A Durable Object's SQL storage.
pub struct WorkersSql(pub SqlStorage);

impl Sql for WorkersSql {
    fn exec(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>, SqlError> {
        // Straight to JavaScript values: no copy of a text or blob on the Rust side first, and
        // no call into JavaScript per integer (`worker`'s conversion asks `Number.isSafeInteger`
        // of each, to log a warning). An integer past 2^53 becomes the nearest number, as it did
        // through `worker`: only the "no limit" sentinels (`i64::MAX`) are that large.
        let bindings: js_sys::Array = params
            .iter()
            .map(|p| match p {
                SqlValue::Null => JsValue::NULL,
                SqlValue::Integer(i) => JsValue::from_f64(*i as f64),
                SqlValue::Real(r) => JsValue::from_f64(*r),
                SqlValue::Text(s) => JsValue::from_str(s),
                SqlValue::Blob(b) => js_sys::Uint8Array::from(b.as_slice()).into(),
            })
            .collect();
        let storage: &worker::worker_sys::SqlStorage = self.0.as_ref().unchecked_ref();
        let cursor = storage
            .exec(sql, bindings)
            .map_err(|e| SqlError(js_text(&e)))?;
        // Every row in one call (`Array.from` over the cursor's raw rows), then each value with
        // as few calls into JavaScript as its type needs: numbers and strings, the common ones,
        // first.
        let rows = js_sys::Array::from(&cursor.raw());
        (0..rows.length())
            .map(|i| {
                let row: js_sys::Array = rows.get(i).unchecked_into();
                (0..row.length()).map(|j| sql_value(row.get(j))).collect()
            })
            .collect()
    }
}

/// One value of a result row as SQLite gave it to JavaScript.
fn sql_value(v: JsValue) -> Result<SqlValue, SqlError> {
    if let Some(f) = v.as_f64() {
        // JavaScript numbers come back as floats; keep integers integral.
        return Ok(if f.fract() == 0.0 && f.abs() < 9.0e15 {
            SqlValue::Integer(f as i64)
        } else {
            SqlValue::Real(f)
        });
    }
    if let Some(s) = v.as_string() {
        return Ok(SqlValue::Text(s));
    }
    if v.is_null() || v.is_undefined() {
        return Ok(SqlValue::Null);
    }
    if let Some(b) = v.dyn_ref::<js_sys::ArrayBuffer>() {
        return Ok(SqlValue::Blob(js_sys::Uint8Array::new(b).to_vec()));
    }
    if let Some(b) = v.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(SqlValue::Blob(b.to_vec()));
    }
    if let Some(b) = v.as_bool() {
        return Ok(SqlValue::Integer(i64::from(b)));
    }
    Err(SqlError(
        "SQLite returned a value of an unknown type".into(),
    ))
}

/// A JavaScript error's message (SQLite's, for a refused statement).
fn js_text(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// The Worker's env: `[vars]` and secrets, looked up by name.
pub struct WorkersSecrets<'e>(pub &'e Env);

impl Secrets for WorkersSecrets<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.0
            .secret(name)
            .ok()
            .map(|s| s.to_string())
            .or_else(|| self.0.var(name).ok().map(|v| v.to_string()))
    }
}

/// `Date.now()`.
pub struct WorkersClock;

#[async_trait(?Send)]
impl Clock for WorkersClock {
    fn now_ms(&self) -> u64 {
        worker::Date::now().as_millis()
    }

    async fn sleep_ms(&self, ms: u64) {
        worker::Delay::from(std::time::Duration::from_millis(ms)).await;
    }
}

/// `crypto.getRandomValues`.
pub struct WorkersRandom;

impl Random for WorkersRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), super::RandomError> {
        // getrandom's `js` backend calls crypto.getRandomValues (which refuses more than 64 KiB
        // at once, and could fail in a broken isolate): a failure is the caller's 503.
        getrandom::getrandom(buf).map_err(|_| super::RandomError)
    }
}

/// `crypto.subtle`: SHA-256 and HMAC-SHA256 in the runtime's native code.
pub struct WorkersDigests;

fn js_error(e: wasm_bindgen::JsValue) -> PlatformError {
    PlatformError(format!("crypto.subtle: {e:?}"))
}

/// Calls `crypto.subtle.<method>(...args)` and waits for its answer.
async fn subtle(
    method: &str,
    args: &js_sys::Array,
) -> Result<wasm_bindgen::JsValue, PlatformError> {
    use wasm_bindgen::JsCast;
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).map_err(js_error)?;
    let subtle = js_sys::Reflect::get(&crypto, &"subtle".into()).map_err(js_error)?;
    let function: js_sys::Function = js_sys::Reflect::get(&subtle, &method.into())
        .map_err(js_error)?
        .dyn_into()
        .map_err(js_error)?;
    let promise: js_sys::Promise = function
        .apply(&subtle, args)
        .map_err(js_error)?
        .dyn_into()
        .map_err(js_error)?;
    worker::wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(js_error)
}

/// The 32 bytes of a digest's `ArrayBuffer`.
fn digest_bytes(buffer: &wasm_bindgen::JsValue) -> Result<Digest256, PlatformError> {
    let bytes = js_sys::Uint8Array::new(buffer);
    let mut out = [0u8; 32];
    if bytes.length() as usize != out.len() {
        return Err(PlatformError(format!(
            "crypto.subtle: a digest of {} bytes",
            bytes.length()
        )));
    }
    bytes.copy_to(&mut out);
    Ok(out)
}

#[async_trait(?Send)]
impl Digests for WorkersDigests {
    async fn sha256(&self, data: &[u8]) -> Result<Digest256, PlatformError> {
        let args = js_sys::Array::of2(&"SHA-256".into(), &js_sys::Uint8Array::from(data));
        digest_bytes(&subtle("digest", &args).await?)
    }

    async fn hmac_sha256(&self, key: &[u8], data: &[u8]) -> Result<Digest256, PlatformError> {
        let key = hmac_key(key).await?;
        let sign = js_sys::Array::of3(&"HMAC".into(), &key, &js_sys::Uint8Array::from(data));
        digest_bytes(&subtle("sign", &sign).await?)
    }
}

thread_local! {
    /// HMAC keys already imported into `crypto.subtle`, with their bytes: the webhook secrets
    /// (two during a rotation) sign every delivery, so each is imported once per isolate.
    static HMAC_KEYS: std::cell::RefCell<Vec<(Vec<u8>, wasm_bindgen::JsValue)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Keys kept imported at most (a changed secret replaces them all).
const HMAC_KEYS_KEPT: usize = 4;

/// `key` as a `CryptoKey` for HMAC-SHA256 signing.
async fn hmac_key(key: &[u8]) -> Result<wasm_bindgen::JsValue, PlatformError> {
    let known = HMAC_KEYS.with(|keys| {
        let keys = keys.borrow();
        keys.iter()
            .find(|(bytes, _)| bytes == key)
            .map(|(_, k)| k.clone())
    });
    if let Some(imported) = known {
        return Ok(imported);
    }
    let algorithm = js_sys::Object::new();
    for (name, value) in [("name", "HMAC"), ("hash", "SHA-256")] {
        js_sys::Reflect::set(&algorithm, &name.into(), &value.into()).map_err(js_error)?;
    }
    let import = js_sys::Array::of5(
        &"raw".into(),
        &js_sys::Uint8Array::from(key),
        &algorithm,
        &false.into(),
        &js_sys::Array::of1(&"sign".into()),
    );
    let imported = subtle("importKey", &import).await?;
    HMAC_KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if keys.len() >= HMAC_KEYS_KEPT {
            keys.clear();
        }
        keys.push((key.to_vec(), imported.clone()));
    });
    Ok(imported)
}

/// `fetch()`, with redirects returned rather than followed, one deadline for the headers and
/// the body together, and a size limit the body is read no further than.
pub struct WorkersFetch;

fn too_large(max_bytes: usize) -> PlatformError {
    PlatformError(format!("{TOO_LARGE} {max_bytes} bytes"))
}

/// The answer's status, headers and body, reading no more than `max_bytes` of the body
/// (whether or not it declares its length).
async fn read_answer(
    mut resp: worker::Response,
    max_bytes: usize,
) -> Result<Fetched, PlatformError> {
    use futures_util::StreamExt;
    let headers: Vec<(String, String)> = resp
        .headers()
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let declared = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    if declared.is_some_and(|l| l > max_bytes) {
        return Err(too_large(max_bytes));
    }
    let status = resp.status_code();
    let body = match resp.body() {
        worker::ResponseBody::Empty => Vec::new(),
        worker::ResponseBody::Body(bytes) => bytes.clone(),
        worker::ResponseBody::Stream(_) => {
            let mut stream = resp.stream().map_err(platform_error)?;
            let mut body = Vec::new();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(platform_error)?;
                if body.len() + chunk.len() > max_bytes {
                    return Err(too_large(max_bytes));
                }
                body.extend_from_slice(&chunk);
            }
            body
        }
    };
    if body.len() > max_bytes {
        return Err(too_large(max_bytes));
    }
    Ok(Fetched {
        status,
        headers,
        body,
    })
}

#[async_trait(?Send)]
impl Fetch for WorkersFetch {
    async fn send(&self, request: &Outbound) -> Result<Fetched, PlatformError> {
        use futures_util::future::{select, Either};
        let (max_bytes, timeout_ms) = (request.max_bytes, request.timeout_ms);
        let mut init = RequestInit::new();
        init.with_method(match request.method {
            HttpMethod::Get => Method::Get,
            HttpMethod::Post => Method::Post,
            HttpMethod::Put => Method::Put,
            HttpMethod::Patch => Method::Patch,
            HttpMethod::Delete => Method::Delete,
        })
        .with_redirect(worker::RequestRedirect::Manual);
        if let Some(body) = &request.body {
            init.with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
        }
        let req = Request::new_with_init(&request.url, &init).map_err(platform_error)?;
        for (name, value) in &request.headers {
            req.headers().set(name, value).map_err(platform_error)?;
        }
        let controller = worker::AbortController::default();
        let signal = controller.signal();
        let fetch = worker::Fetch::Request(req);
        // One deadline for the whole answer: the headers and every byte of the body.
        let answer = Box::pin(async {
            let resp = fetch
                .send_with_signal(&signal)
                .await
                .map_err(platform_error)?;
            read_answer(resp, max_bytes).await
        });
        let deadline = Box::pin(worker::Delay::from(std::time::Duration::from_millis(
            timeout_ms,
        )));
        let outcome = match select(answer, deadline).await {
            Either::Left((outcome, _)) => outcome,
            Either::Right(_) => Err(PlatformError(format!("{NO_ANSWER} {timeout_ms} ms"))),
        };
        if outcome.is_err() {
            // Whatever is still coming is not wanted: the connection closes, not left to drip.
            controller.abort();
        }
        outcome
    }
}
