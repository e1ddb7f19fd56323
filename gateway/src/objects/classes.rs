//! The Durable Object classes as Workers sees them, one declaration each: every class answers
//! requests with its logic in `objects::handle` and runs its alarm through `objects::alarm`,
//! under the one alarm rule of `objects`. Class names are what `wrangler.toml` migrated; they
//! never change.

use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

use crate::platform::workers::{WorkersClock, WorkersHost, WorkersSql};
use crate::platform::{Clock, Memory};

/// Sets the alarm of `state` to `at_ms` (absolute), or clears it.
async fn set_alarm(state: &State, memory: &Memory, at_ms: Option<u64>) -> Result<()> {
    let storage = state.storage();
    match at_ms {
        Some(at) => {
            let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64));
            storage.set_alarm(worker::ScheduledTime::new(date)).await?;
            memory.set(super::ALARM_AT, at as i64);
        }
        None => {
            storage.delete_alarm().await?;
            memory.forget(super::ALARM_AT);
        }
    }
    Ok(())
}

/// Answers one request to an object of `class`, then gives it the alarm it wants. The
/// instance remembers when its alarm is set, so a busy object asks storage once.
async fn fetch(class: &str, state: &State, memory: &Memory, mut req: Request) -> Result<Response> {
    let body = req.bytes().await?;
    let sql = WorkersSql(state.storage().sql());
    let now = WorkersClock.now_ms();
    let answer = super::handle(class, &sql, memory, now, &body);
    if let Some(wanted) = super::wanted_alarm(class, &sql, memory, now) {
        let set = match memory.get(super::ALARM_AT) {
            Some(at) => Some(at.max(0) as u64),
            None => state
                .storage()
                .get_alarm()
                .await?
                .map(|ms| ms.max(0) as u64),
        };
        match (super::alarm_to_set(set, wanted), set) {
            (Some(at), _) => set_alarm(state, memory, Some(at)).await?,
            (None, Some(at)) => memory.set(super::ALARM_AT, at as i64),
            (None, None) => {}
        }
    }
    Response::from_bytes(answer)
}

/// Runs the alarm of an object of `class` and sets the next one it asks for.
async fn alarm(class: &str, state: &State, env: &Env, memory: &Memory) -> Result<Response> {
    let host = WorkersHost::new(env, crate::health::KV_BINDING);
    let sql = WorkersSql(state.storage().sql());
    memory.forget(super::ALARM_AT);
    let next = super::alarm(class, &sql, memory, &host.platform()).await;
    set_alarm(state, memory, next).await?;
    Response::empty()
}

/// Declares each class: its doc, its name and the binding whose logic it runs.
macro_rules! classes {
    ($($(#[$doc:meta])* $class:ident => $binding:path;)*) => {$(
        $(#[$doc])*
        #[durable_object]
        pub struct $class {
            state: State,
            env: Env,
            memory: Memory,
        }

        impl DurableObject for $class {
            fn new(state: State, env: Env) -> Self {
                let memory = Memory::default();
                Self { state, env, memory }
            }

            async fn fetch(&self, req: Request) -> Result<Response> {
                fetch($binding, &self.state, &self.memory, req).await
            }

            async fn alarm(&self) -> Result<Response> {
                alarm($binding, &self.state, &self.env, &self.memory).await
            }
        }
    )*};
}

classes! {
    /// Per-channel notification outbox (`OUTBOX`); its alarm retries what is due.
    Outbox => crate::channels::outbox::BINDING;
    /// Webhook events of one tenant (`EVENT_STORE`), purged by its alarm.
    EventStore => crate::webhooks::store::BINDING;
    /// GitHub App installations and their accounts (`TENANT_REGISTRY`), one instance.
    TenantRegistry => crate::webhooks::registry::BINDING;
    /// Per-caller rate-limit counters (`RATE_LIMITER`).
    RateLimiter => crate::ratelimit::BINDING;
    /// Per-caller knowledge base of the example tools (`KNOWLEDGE_BASE`).
    KnowledgeBase => crate::knowledge::BINDING;
    /// OAuth grants, one object per grant (`GRANTS`).
    GrantStore => crate::grants::BINDING;
    /// The audit trail (`AUDIT_LOG`), one instance.
    AuditLog => crate::audit::BINDING;
}
