//! The Durable Object classes as Workers sees them: `declare!` (run by `objects`' class list)
//! makes one `#[durable_object]` per class, whose requests and alarms run the class's
//! `ObjectClass` logic under the one alarm rule of `objects`. Class names are what
//! `wrangler.toml` migrated; they never change.

use worker::{Env, Request, Response, Result, State};

use super::{Instance, ObjectClass};
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

/// Answers one request to an object of class `C`, then gives it the alarm it wants. The
/// instance remembers when its alarm is set, so a busy object asks storage once.
pub async fn fetch<C: ObjectClass>(
    state: &State,
    memory: &Memory,
    mut req: Request,
) -> Result<Response> {
    let body = req.bytes().await?;
    let sql = WorkersSql(state.storage().sql());
    let at = Instance {
        sql: &sql,
        memory,
        now_ms: WorkersClock.now_ms(),
    };
    let answer = super::serve::<C>(at, &body);
    if let Some(wanted) = C::wanted_alarm(at) {
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

/// Runs the alarm of an object of class `C` and sets the next one it asks for.
pub async fn alarm<C: ObjectClass>(state: &State, env: &Env, memory: &Memory) -> Result<Response> {
    let host = WorkersHost::new(env, crate::health::KV_BINDING);
    let sql = WorkersSql(state.storage().sql());
    memory.forget(super::ALARM_AT);
    let platform = host.platform();
    let at = Instance {
        sql: &sql,
        memory,
        now_ms: platform.clock.now_ms(),
    };
    let next = C::alarm(at, &platform).await;
    set_alarm(state, memory, next).await?;
    Response::empty()
}

/// Declares each class: its doc, its Workers name and the type whose logic it runs.
macro_rules! declare {
    ($($(#[$doc:meta])* $name:ident = $class:path;)*) => {$(
        $(#[$doc])*
        #[worker::durable_object]
        pub struct $name {
            state: worker::State,
            env: worker::Env,
            memory: $crate::platform::Memory,
        }

        impl worker::DurableObject for $name {
            fn new(state: worker::State, env: worker::Env) -> Self {
                let memory = $crate::platform::Memory::default();
                Self { state, env, memory }
            }

            async fn fetch(&self, req: worker::Request) -> worker::Result<worker::Response> {
                $crate::objects::classes::fetch::<$class>(&self.state, &self.memory, req).await
            }

            async fn alarm(&self) -> worker::Result<worker::Response> {
                $crate::objects::classes::alarm::<$class>(&self.state, &self.env, &self.memory).await
            }
        }
    )*};
}
pub(super) use declare;
