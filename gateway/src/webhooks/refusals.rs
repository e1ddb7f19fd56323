//! Deliveries refused before their account is known — a bad signature, an address over its
//! rate, an unknown installation or tenant — counted for the gateway as a whole. A flood of
//! them must not cost a storage write each: they are counted in the isolate's memory and
//! written to the `TenantRegistry` in batches (every [`FLUSH_EVERY`] refusals, or on the first
//! delivery or refusal [`FLUSH_AFTER_MS`] after the oldest unwritten one), as hourly counts.
//! Counts still in memory when an isolate is evicted are lost: the figures are a floor.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::objects::hourly::{self, HOUR_MS};
use crate::platform::{Objects, PlatformError, Sql, SqlError};

/// Refusals counted before a batch is written.
pub const FLUSH_EVERY: u64 = 100;
/// The longest a counted refusal waits in memory for the next request to write it.
pub const FLUSH_AFTER_MS: u64 = 60_000;

const TABLE: &str = "refusals";

/// Why a delivery was refused before its account was known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its signature did not verify.
    Signature,
    /// Its address sent more than `WEBHOOK_IP_RATE`.
    AddressRate,
    /// Its installation or tenant is not known.
    UnknownTenant,
}

/// One hour's refusals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hour {
    /// The hour, as hours since the epoch.
    pub hour: u64,
    /// Bad signatures.
    pub signature: u64,
    /// Addresses over their rate.
    pub address_rate: u64,
    /// Unknown installations or tenants.
    pub unknown_tenant: u64,
}

impl Hour {
    fn add(&mut self, other: &Hour) {
        self.signature += other.signature;
        self.address_rate += other.address_rate;
        self.unknown_tenant += other.unknown_tenant;
    }
}

#[derive(Default)]
struct Pending {
    hours: BTreeMap<u64, Hour>,
    count: u64,
    oldest_ms: Option<u64>,
}

thread_local! {
    /// This isolate's refusals not yet written.
    static PENDING: RefCell<Pending> = RefCell::new(Pending::default());
}

/// Counts a refusal at `now_ms`, in memory.
pub fn note(refusal: Refusal, now_ms: u64) {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        let hour = now_ms / HOUR_MS;
        let h = p.hours.entry(hour).or_insert(Hour {
            hour,
            ..Hour::default()
        });
        match refusal {
            Refusal::Signature => h.signature += 1,
            Refusal::AddressRate => h.address_rate += 1,
            Refusal::UnknownTenant => h.unknown_tenant += 1,
        }
        p.count += 1;
        p.oldest_ms.get_or_insert(now_ms);
    });
}

/// Writes this isolate's counts when a batch is due at `now_ms`; on failure they are kept for
/// the next try.
pub async fn flush_if_due(objects: &dyn Objects, now_ms: u64) {
    let due = PENDING.with(|p| {
        let p = p.borrow();
        p.count >= FLUSH_EVERY || p.oldest_ms.is_some_and(|t| now_ms >= t + FLUSH_AFTER_MS)
    });
    if !due {
        return;
    }
    let hours: Vec<Hour> = PENDING.with(|p| {
        let taken = std::mem::take(&mut *p.borrow_mut());
        taken.hours.into_values().collect()
    });
    if let Err(e) = super::registry::count_refusals(objects, hours.clone()).await {
        crate::log::internal("refusal counts", &e.0);
        PENDING.with(|p| {
            let mut p = p.borrow_mut();
            for h in &hours {
                p.hours
                    .entry(h.hour)
                    .or_insert(Hour {
                        hour: h.hour,
                        ..Hour::default()
                    })
                    .add(h);
                p.count += h.signature + h.address_rate + h.unknown_tenant;
            }
            p.oldest_ms.get_or_insert(now_ms);
        });
    }
}

/// The gateway's refusals of the last [`hourly::KEPT_HOURS`].
pub async fn recent(objects: &dyn Objects) -> Result<Vec<Hour>, PlatformError> {
    super::registry::refusals(objects).await
}

/// The registry's table of counts.
pub fn schema() -> String {
    hourly::schema(TABLE)
}

/// The registry's side: adds a batch of counts, and forgets hours past
/// [`hourly::KEPT_HOURS`].
pub fn add(sql: &dyn Sql, now_ms: u64, hours: &[Hour]) -> Result<(), SqlError> {
    for h in hours {
        for (kind, n) in [
            ("signature", h.signature),
            ("address_rate", h.address_rate),
            ("unknown_tenant", h.unknown_tenant),
        ] {
            if n > 0 {
                hourly::add(sql, TABLE, h.hour, kind, n)?;
            }
        }
    }
    hourly::forget_old(sql, TABLE, now_ms)
}

/// The registry's side: the counts of the last [`hourly::KEPT_HOURS`], oldest first.
pub fn read(sql: &dyn Sql, now_ms: u64) -> Result<Vec<Hour>, SqlError> {
    let start = |hour| Hour {
        hour,
        ..Hour::default()
    };
    let put = |h: &mut Hour, kind: &str, n: u64| match kind {
        "signature" => h.signature += n,
        "address_rate" => h.address_rate += n,
        "unknown_tenant" => h.unknown_tenant += n,
        _ => {}
    };
    hourly::read(sql, TABLE, now_ms, start, put)
}

/// Forgets this isolate's unwritten counts (tests).
#[cfg(test)]
pub fn reset() {
    PENDING.with(|p| *p.borrow_mut() = Pending::default());
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::objects::host::LocalObjects;
    use crate::platform::native::ManualClock;

    const START: u64 = 1_800_000_000_000;

    #[test]
    fn refusals_are_written_in_batches_not_one_by_one() {
        reset();
        let clock = ManualClock::new(START);
        let objects = LocalObjects::new(&clock);
        let seen = || pollster::block_on(recent(&objects)).unwrap();
        for _ in 0..FLUSH_EVERY - 1 {
            note(Refusal::Signature, START);
            pollster::block_on(flush_if_due(&objects, START));
        }
        assert_eq!(seen(), [], "nothing written before the batch is full");
        note(Refusal::AddressRate, START);
        pollster::block_on(flush_if_due(&objects, START));
        let hour = START / HOUR_MS;
        assert_eq!(
            seen(),
            [Hour {
                hour,
                signature: FLUSH_EVERY - 1,
                address_rate: 1,
                unknown_tenant: 0
            }]
        );
        // A lone refusal is written by the first request a minute later.
        note(Refusal::UnknownTenant, START + 1);
        pollster::block_on(flush_if_due(&objects, START + FLUSH_AFTER_MS));
        assert_eq!(seen()[0].unknown_tenant, 0, "not before");
        pollster::block_on(flush_if_due(&objects, START + 1 + FLUSH_AFTER_MS));
        assert_eq!(seen()[0].unknown_tenant, 1);
        assert_eq!(seen()[0].signature, FLUSH_EVERY - 1, "added, not replaced");
        reset();
    }
}
