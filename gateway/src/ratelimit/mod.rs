//! Per-caller, per-tool rate limits from `tools.toml`, exact across isolates: each caller has
//! one `RateLimiter` Durable Object, which decides with GCRA over its own SQLite row per tool.
//! High rates (20 a second or more: the webhook intake's per-address limit, a tool or resource
//! family declared that fast) are leased to isolates a few calls at a time (`lease`).

mod gcra;
mod lease;

use serde::{Deserialize, Serialize};

use crate::objects::{ask, Answer, Ask, Instance, ObjectClass};
use crate::platform::{Objects, PlatformError};
use crate::toolbox::Rate;

use gcra::RateCell;
pub use gcra::{Decision, Granted};
pub use lease::{lease_size, Leases, LEASE_SPAN_MS, MAX_LEASE};

/// The Durable Object binding (and class) that holds the counters.
pub const BINDING: &str = "RATE_LIMITER";

/// The class: one object per caller, a row per tool.
pub struct RateLimiter;

#[async_trait::async_trait(?Send)]
impl ObjectClass for RateLimiter {
    const BINDING: &'static str = BINDING;
    type Request = Request;

    fn serve(at: Instance<'_>, request: Request, _payload: &[u8]) -> Answer {
        match request {
            Request::Take(op) => Take::answer(gcra::take(at.sql, at.memory, at.now_ms, op.cell())),
            Request::TakeUpTo(op) => TakeUpTo::answer(gcra::take_up_to(
                at.sql,
                at.memory,
                at.now_ms,
                op.take.cell(),
                op.want,
            )),
        }
    }
}

crate::objects::operations!(RateLimiter, Request {
    Take => Decision,
    TakeUpTo => Granted,
});

/// Takes one call of `key` under a rate of `count` per `period_ms`.
#[derive(Serialize, Deserialize)]
pub struct Take {
    key: String,
    count: u32,
    period_ms: u64,
}

impl Take {
    fn new(key: &str, rate: Rate) -> Self {
        Self {
            key: key.to_owned(),
            count: rate.count,
            period_ms: rate.period.millis(),
        }
    }

    fn cell(&self) -> RateCell<'_> {
        RateCell {
            key: &self.key,
            count: self.count,
            period_ms: self.period_ms,
        }
    }
}

/// Takes up to `want` calls at once (a lease).
#[derive(Serialize, Deserialize)]
#[serde(from = "TakeUpToRead")]
pub struct TakeUpTo {
    #[serde(flatten)]
    take: Take,
    want: u32,
}

/// A `TakeUpTo` as it is read: `take`'s fields beside `want`, as they are written, read without
/// the buffering serde's `flatten` needs (see `objects::tagged`).
#[derive(Deserialize)]
struct TakeUpToRead {
    key: String,
    count: u32,
    period_ms: u64,
    want: u32,
}

impl From<TakeUpToRead> for TakeUpTo {
    fn from(read: TakeUpToRead) -> Self {
        Self {
            take: Take {
                key: read.key,
                count: read.count,
                period_ms: read.period_ms,
            },
            want: read.want,
        }
    }
}

/// Takes one call of `key` (a tool name) for `caller` under `rate`.
pub async fn take(
    objects: &dyn Objects,
    caller: &str,
    key: &str,
    rate: Rate,
) -> Result<Decision, PlatformError> {
    Ok(ask(objects, caller, Take::new(key, rate)).await?)
}

/// Takes up to `want` calls of `key` for `caller` at once.
pub async fn take_up_to(
    objects: &dyn Objects,
    caller: &str,
    key: &str,
    rate: Rate,
    want: u32,
) -> Result<Granted, PlatformError> {
    let op = TakeUpTo {
        take: Take::new(key, rate),
        want,
    };
    Ok(ask(objects, caller, op).await?)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::objects::host::LocalObjects;
    use crate::platform::native::ManualClock;
    use crate::platform::Sql;
    use crate::toolbox::RatePeriod;

    #[test]
    fn callers_are_limited_separately_and_recover_as_time_passes() {
        let clock = ManualClock::new(1_700_000_000_000);
        let objects = LocalObjects::new(&clock);
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
        let objects = LocalObjects::new(&clock);
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
        let objects = LocalObjects::new(&clock);
        let rate = Rate {
            count: 1,
            period: RatePeriod::Second,
        };
        let db = objects.database(BINDING, "x");
        let memory = crate::platform::Memory::default();
        let at = Instance {
            sql: &*db,
            memory: &memory,
            now_ms: 0,
        };
        let answer = crate::objects::serve::<RateLimiter>(at, b"{nope");
        assert!(String::from_utf8(answer)
            .unwrap()
            .starts_with("!bad request"));
        assert!(pollster::block_on(take(&objects, "x", "t", rate)).is_ok());
    }
}
