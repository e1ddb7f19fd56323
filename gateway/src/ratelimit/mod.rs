//! Per-caller, per-tool rate limits from `tools.toml`, exact across isolates: each caller has
//! one `RateLimiter` Durable Object, which decides with GCRA over its own SQLite row per tool.
//! High rates (the webhook intake's per-address limit) are leased to isolates a few calls at
//! a time (`lease`).

mod gcra;
mod lease;

use serde::{Deserialize, Serialize};

use crate::platform::{Memory, Objects, PlatformError, Sql};
use crate::toolbox::Rate;

use gcra::RateCell;
pub use gcra::{Decision, Granted};
pub use lease::{lease_size, Leases, LEASE_SPAN_MS, MAX_LEASE};

/// The Durable Object binding (and class) that holds the counters.
pub const BINDING: &str = "RATE_LIMITER";

#[derive(Serialize, Deserialize)]
struct TakeRequest<'a> {
    key: &'a str,
    count: u32,
    period_ms: u64,
    /// Calls wanted at once: more than one asks for a lease.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    want: u32,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

impl<'a> TakeRequest<'a> {
    fn new(key: &'a str, rate: Rate, want: u32) -> Self {
        Self {
            key,
            count: rate.count,
            period_ms: rate.period.millis(),
            want,
        }
    }

    fn cell(&self) -> RateCell<'a> {
        RateCell {
            key: self.key,
            count: self.count,
            period_ms: self.period_ms,
        }
    }
}

async fn ask<T: serde::de::DeserializeOwned>(
    objects: &dyn Objects,
    caller: &str,
    request: &TakeRequest<'_>,
) -> Result<T, PlatformError> {
    let body = serde_json::to_vec(request).map_err(|e| PlatformError(e.to_string()))?;
    let answer = objects.call(BINDING, caller, &body).await?;
    serde_json::from_slice(&answer).map_err(|_| {
        PlatformError(format!(
            "rate limiter answered {}",
            String::from_utf8_lossy(&answer)
        ))
    })
}

/// Takes one call of `key` (a tool name) for `caller` under `rate`.
pub async fn take(
    objects: &dyn Objects,
    caller: &str,
    key: &str,
    rate: Rate,
) -> Result<Decision, PlatformError> {
    ask(objects, caller, &TakeRequest::new(key, rate, 1)).await
}

/// Takes up to `want` calls of `key` for `caller` at once.
pub async fn take_up_to(
    objects: &dyn Objects,
    caller: &str,
    key: &str,
    rate: Rate,
    want: u32,
) -> Result<Granted, PlatformError> {
    ask(objects, caller, &TakeRequest::new(key, rate, want)).await
}

/// The object's side: one request, answered over its SQL.
pub fn handle(sql: &dyn Sql, memory: &Memory, now_ms: u64, request: &[u8]) -> Vec<u8> {
    let answer = match serde_json::from_slice::<TakeRequest>(request) {
        Ok(r) if r.want > 1 => gcra::take_up_to(sql, memory, now_ms, r.cell(), r.want)
            .map(|g| serde_json::to_value(g).unwrap_or_default()),
        Ok(r) => gcra::take(sql, memory, now_ms, r.cell())
            .map(|d| serde_json::to_value(d).unwrap_or_default()),
        Err(e) => Ok(serde_json::json!({"error": format!("bad request: {e}")})),
    };
    answer
        .unwrap_or_else(|e| serde_json::json!({"error": e.to_string()}))
        .to_string()
        .into_bytes()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::platform::native::{LocalObjects, ManualClock};
    use crate::toolbox::RatePeriod;

    fn only_limiter(_: &str, sql: &dyn Sql, memory: &Memory, now: u64, req: &[u8]) -> Vec<u8> {
        handle(sql, memory, now, req)
    }

    #[test]
    fn callers_are_limited_separately_and_recover_as_time_passes() {
        let clock = ManualClock::new(1_700_000_000_000);
        let objects = LocalObjects::new(only_limiter, &clock);
        let rate = Rate {
            count: 3,
            period: RatePeriod::Minute,
        };
        let take =
            |caller: &str| pollster::block_on(take(&objects, caller, "calculate", rate)).unwrap();
        for _ in 0..3 {
            assert_eq!(take("alice"), Decision::Allowed);
        }
        // The decision is storage's: an instance evicted and started again still refuses.
        objects.evict(BINDING, "alice");
        let Decision::Limited { retry_after_ms } = take("alice") else {
            panic!("4th call allowed")
        };
        assert_eq!(retry_after_ms, 20_000);
        assert_eq!(take("bob"), Decision::Allowed);
        clock.advance_ms(19_999);
        assert!(matches!(
            take("alice"),
            Decision::Limited { retry_after_ms: 1 }
        ));
        clock.advance_ms(1);
        assert_eq!(take("alice"), Decision::Allowed);
    }

    #[test]
    fn cells_in_the_past_are_dropped_at_most_once_a_minute() {
        let clock = ManualClock::new(1_700_000_000_000);
        let objects = LocalObjects::new(only_limiter, &clock);
        let rate = Rate {
            count: 1,
            period: RatePeriod::Second,
        };
        let take = |key: &str| pollster::block_on(take(&objects, "carol", key, rate)).unwrap();
        let cells = || {
            objects
                .database(BINDING, "carol")
                .exec("SELECT count(*) FROM rate_cells", &[])
                .unwrap()[0][0]
                .as_i64()
        };
        assert_eq!(take("a"), Decision::Allowed);
        clock.advance_ms(2_000);
        assert_eq!(take("b"), Decision::Allowed);
        assert_eq!(cells(), Some(2), "swept only a minute after the last sweep");
        clock.advance_ms(60_000);
        assert_eq!(take("b"), Decision::Allowed);
        assert_eq!(
            cells(),
            Some(1),
            "a's cell is in the past and b's is current"
        );
    }

    #[test]
    fn a_garbled_request_is_an_error_answer_not_a_panic() {
        let clock = ManualClock::new(0);
        let objects = LocalObjects::new(only_limiter, &clock);
        let rate = Rate {
            count: 1,
            period: RatePeriod::Second,
        };
        let db = objects.database(BINDING, "x");
        assert!(
            String::from_utf8(handle(&*db, &Memory::default(), 0, b"{nope"))
                .unwrap()
                .contains("error")
        );
        assert!(pollster::block_on(take(&objects, "x", "t", rate)).is_ok());
    }
}
