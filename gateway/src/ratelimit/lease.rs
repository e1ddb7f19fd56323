//! Leases of high rates. A rate of many calls a second from one caller (all of GitHub's
//! deliveries come from a handful of addresses) would make that caller's `RateLimiter` object a
//! request per call and a bottleneck. Instead an isolate takes a few calls at once — at most a
//! tenth of the rate and at most a second of it — and spends them itself within a second. The
//! object counts every leased call as taken, so the long-run rate holds across isolates; what
//! a lease has left after its second is dropped, never saved up for a later burst. The cost:
//! a leased call may be spent up to a second after the object counted it, so a period can see
//! up to what the isolates hold — one lease each — beyond the burst. Rates too low to lease
//! are taken call by call.

use std::cell::RefCell;
use std::collections::HashMap;

use super::gcra::RateCell;
use super::{Decision, Granted};
use crate::platform::{Objects, PlatformError};
use crate::toolbox::Rate;

/// Most calls one lease takes.
pub const MAX_LEASE: u32 = 64;
/// A lease covers at most this much of the rate's time.
pub const LEASE_SPAN_MS: u64 = 1000;
/// A lease takes at most this fraction (1/N) of a period's calls, so many isolates each get some.
const SHARE: u32 = 10;
/// Callers remembered before expired leases are dropped.
const MAX_HELD: usize = 4096;

/// How many calls one lease of `rate` takes; 1 means the rate is taken call by call.
pub fn lease_size(rate: Rate) -> u32 {
    let cell = cell(rate);
    let by_span = (LEASE_SPAN_MS / cell.interval_ms()).min(u64::from(MAX_LEASE)) as u32;
    (rate.count / SHARE).min(by_span).max(1)
}

fn cell(rate: Rate) -> RateCell<'static> {
    RateCell {
        key: "",
        count: rate.count,
        period_ms: rate.period.millis(),
    }
}

/// What an isolate holds for one caller and key.
#[derive(Debug, Clone, Copy)]
enum Held {
    /// Calls left of a lease.
    Calls(u32),
    /// The object refused; nothing is allowed before the lease ends.
    Refused,
}

#[derive(Debug, Clone, Copy)]
struct Lease {
    held: Held,
    until_ms: u64,
}

/// The leases one isolate holds, by caller and key. Lives as long as the isolate.
#[derive(Debug, Default)]
pub struct Leases {
    held: RefCell<HashMap<String, Lease>>,
}

impl Leases {
    /// Takes one call of `key` for `caller` under `rate`: from a lease this isolate holds, or
    /// from the caller's `RateLimiter` object (a new lease for high rates).
    pub async fn take(
        &self,
        objects: &dyn Objects,
        now_ms: u64,
        caller: &str,
        key: &str,
        rate: Rate,
    ) -> Result<Decision, PlatformError> {
        let size = lease_size(rate);
        if size <= 1 {
            return super::take(objects, caller, key, rate).await;
        }
        let id = format!("{caller}\n{key}");
        if let Some(decision) = self.spend(&id, now_ms) {
            return Ok(decision);
        }
        match super::take_up_to(objects, caller, key, rate, size).await? {
            Granted::Calls { granted } => {
                let until = now_ms + LEASE_SPAN_MS;
                self.hold(id, Held::Calls(granted - 1), now_ms, until);
                Ok(Decision::Allowed)
            }
            Granted::Limited { retry_after_ms } => {
                // The object allows nothing sooner, so a flood is refused here until then.
                let until = now_ms + retry_after_ms;
                self.hold(id, Held::Refused, now_ms, until);
                Ok(Decision::Limited { retry_after_ms })
            }
        }
    }

    /// The decision this isolate can make alone: a call from a live lease, or a refusal the
    /// object gave that still stands.
    fn spend(&self, id: &str, now_ms: u64) -> Option<Decision> {
        let mut held = self.held.borrow_mut();
        let lease = held.get_mut(id).filter(|l| now_ms < l.until_ms)?;
        match &mut lease.held {
            Held::Calls(0) => None,
            Held::Calls(left) => {
                *left -= 1;
                Some(Decision::Allowed)
            }
            Held::Refused => Some(Decision::Limited {
                retry_after_ms: lease.until_ms - now_ms,
            }),
        }
    }

    /// Holds `what` for `id` until `until_ms`. Calls granted to requests that asked at the
    /// same time add up, and none is dropped for a refusal that arrived after them.
    fn hold(&self, id: String, what: Held, now_ms: u64, until_ms: u64) {
        let mut held = self.held.borrow_mut();
        if held.len() >= MAX_HELD {
            held.retain(|_, l| l.until_ms > now_ms);
            if held.len() >= MAX_HELD {
                held.clear();
            }
        }
        let live = held.get(&id).filter(|l| l.until_ms > now_ms);
        let lease = match (live.map(|l| l.held), what) {
            (Some(Held::Calls(left)), Held::Calls(more)) => Lease {
                held: Held::Calls(left.saturating_add(more)),
                until_ms,
            },
            // A refusal that crossed a lease granted just before it: the calls still count.
            (Some(Held::Calls(left)), Held::Refused) if left > 0 => return,
            _ => Lease {
                held: what,
                until_ms,
            },
        };
        held.insert(id, lease);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::objects::host::LocalObjects;
    use crate::platform::native::ManualClock;
    use crate::platform::Clock;
    use crate::toolbox::RatePeriod;

    const PER_SECOND_100: Rate = Rate {
        count: 100,
        period: RatePeriod::Second,
    };

    /// One delivery from address `ip` at 100 a second, through `leases`.
    fn take_one(leases: &Leases, objects: &LocalObjects<'_>, clock: &ManualClock) -> Decision {
        let now = clock.now_ms();
        pollster::block_on(leases.take(objects, now, "ip", "delivery", PER_SECOND_100)).unwrap()
    }

    #[test]
    fn only_rates_high_enough_are_leased_and_a_lease_spans_at_most_a_second() {
        let size = |count, period| lease_size(Rate { count, period });
        assert_eq!(size(60, RatePeriod::Minute), 1, "a call a second");
        assert_eq!(size(5, RatePeriod::Second), 1, "a tenth of 5 is under 2");
        assert_eq!(size(100, RatePeriod::Second), 10);
        assert_eq!(
            size(600, RatePeriod::Minute),
            10,
            "10 calls = 1 s of the rate"
        );
        assert_eq!(size(1_000_000, RatePeriod::Second), MAX_LEASE);
    }

    #[test]
    fn isolates_together_never_pass_more_than_the_burst_and_ask_once_per_lease() {
        let clock = ManualClock::new(1_700_000_000_000);
        let objects = LocalObjects::new(&clock);
        let (a, b) = (Leases::default(), Leases::default());
        let before = objects.calls();
        let take = |leases: &Leases| take_one(leases, &objects, &clock);
        let mut allowed = 0;
        for i in 0..300 {
            if take(if i % 3 == 0 { &a } else { &b }) == Decision::Allowed {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 100, "two isolates share one burst of 100");
        // Ten leases of ten, a refusal for each isolate, and at most one lease each cut
        // short by the burst's end.
        assert!(
            objects.calls() - before <= 14,
            "leases and remembered refusals spare the object: {} requests for 300 calls",
            objects.calls() - before
        );
        let Decision::Limited { retry_after_ms } = take(&a) else {
            panic!("over the burst")
        };
        assert!(retry_after_ms >= 1);
    }

    #[test]
    fn calls_leased_by_requests_at_the_same_time_add_up_and_outlive_a_later_refusal() {
        let leases = Leases::default();
        leases.hold("ip".into(), Held::Calls(63), 1000, 2000);
        leases.hold("ip".into(), Held::Calls(63), 1001, 2001);
        leases.hold("ip".into(), Held::Refused, 1002, 1500);
        assert_eq!(
            leases.spend("ip", 1003),
            Some(Decision::Allowed),
            "calls outlive a refusal"
        );
        let spent = (0..200)
            .filter(|_| leases.spend("ip", 1500) == Some(Decision::Allowed))
            .count();
        assert_eq!(spent, 125, "both leases, less the call spent above");
        assert_eq!(
            leases.spend("ip", 1500),
            None,
            "then the object is asked again"
        );
    }

    #[test]
    fn a_lease_unspent_in_its_span_is_dropped_not_saved() {
        let clock = ManualClock::new(1_700_000_000_000);
        let objects = LocalObjects::new(&clock);
        let leases = Leases::default();
        let take = || take_one(&leases, &objects, &clock);
        let before = objects.calls();
        assert_eq!(take(), Decision::Allowed);
        assert_eq!(take(), Decision::Allowed);
        assert_eq!(
            objects.calls() - before,
            1,
            "the second call came from the lease"
        );
        clock.advance_ms(LEASE_SPAN_MS - 1);
        assert_eq!(take(), Decision::Allowed);
        assert_eq!(objects.calls() - before, 1, "still the lease");
        clock.advance_ms(1);
        assert_eq!(take(), Decision::Allowed);
        assert_eq!(objects.calls() - before, 2, "the rest of the lease expired");
    }
}
