//! The benchmark floor: the least a Rust Worker can do for an MCP request — read it and
//! answer a constant body — so `make bench` can subtract the runtime's own cost.
//!
//! Built with the `store` feature (`build/floor-store`), it is also the floor of a webhook
//! delivery: `POST /webhooks/github` hands the body to one SQLite Durable Object, which
//! inserts it as one row, and answers 202 once the object has — the least any Worker can do to
//! keep a delivery durably, with no signature, parsing or bookkeeping.

/// The constant answer.
pub const BODY: &str = r#"{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}"#;

/// The store floor's answer to a kept delivery.
pub const ACCEPTED: &str = r#"{"accepted":true,"duplicate":false}"#;

#[cfg(target_arch = "wasm32")]
mod entry {
    use worker::{event, Context, Env, Request, Response, Result};

    #[event(fetch)]
    async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
        // Read the body as the gateway does, so the floor pays for the same input.
        let body = req.bytes().await?;
        #[cfg(feature = "store")]
        if req.path() == "/webhooks/github" {
            return super::store::keep(&env, body).await;
        }
        let _ = (&env, body);
        let mut resp = Response::from_bytes(super::BODY.as_bytes().to_vec())?;
        resp.headers_mut().set("Content-Type", "application/json")?;
        Ok(resp)
    }
}

#[cfg(all(target_arch = "wasm32", feature = "store"))]
mod store {
    use worker::{
        durable_object, DurableObject, Env, Method, Request, RequestInit, Response, Result,
        SqlStorageValue, State,
    };

    /// The binding `make bench` gives the class.
    const BINDING: &str = "FLOOR_STORE";

    /// Sends `body` to the one store object and answers 202 once it is kept.
    pub async fn keep(env: &Env, body: Vec<u8>) -> Result<Response> {
        let stub = env.durable_object(BINDING)?.get_by_name("tenant")?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
        let req = Request::new_with_init("https://object.internal/", &init)?;
        let mut answer = stub.fetch_with_request(req).await?;
        let _ = answer.bytes().await?;
        let mut resp = Response::from_bytes(super::ACCEPTED.as_bytes().to_vec())?;
        resp.headers_mut().set("Content-Type", "application/json")?;
        Ok(resp.with_status(202))
    }

    /// One SQLite table of delivery bodies.
    #[durable_object]
    pub struct FloorStore {
        state: State,
    }

    impl DurableObject for FloorStore {
        fn new(state: State, _env: Env) -> Self {
            let sql = state.storage().sql();
            // Table creation is not measured: it runs once per instance.
            let _ = sql.exec(
                "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, body BLOB NOT NULL)",
                None,
            );
            Self { state }
        }

        async fn fetch(&self, mut req: Request) -> Result<Response> {
            let body = req.bytes().await?;
            self.state.storage().sql().exec(
                "INSERT INTO events (body) VALUES (?)",
                vec![SqlStorageValue::Blob(body)],
            )?;
            Response::from_bytes(b"+".to_vec())
        }
    }
}
