//! Access tokens this isolate checked lately. Reading a token's record from KV is most of an
//! authenticated request's cost, and a client sends many requests with one token; so for
//! `ACCESS_TOKEN_CACHE_SECS` (10 s by default, 0 for never) after a bearer check read a live,
//! unrevoked record, this isolate takes the record from memory instead of reading it again.
//!
//! What is remembered is the record, under the token's hash (never the token), not the
//! verdict: the token's expiry, its resource and whether its user may still sign in are judged
//! again on every request. Unknown and revoked tokens are never remembered. A revocation made
//! through this isolate forgets the grant's tokens here at once; one made through another
//! isolate is seen here within the cache time after KV shows it here — KV itself takes up to
//! about a minute to carry it to other locations, so the setting stops at 60 to keep the
//! whole delay within twice KV's own.

use std::cell::{Cell, RefCell};

use super::store::AccessRecord;
use crate::expiring::Expiring;

/// Most tokens an isolate remembers.
const ENTRIES: usize = 1024;

thread_local! {
    static CHECKED: RefCell<Expiring<String, AccessRecord>> =
        RefCell::new(Expiring::new(ENTRIES));
    /// How many times this isolate has forgotten tokens.
    static FORGETS: Cell<u64> = const { Cell::new(0) };
}

/// When a KV read of a token's record began, as the count of forgets before it. A record read
/// across a revocation made meanwhile in this isolate may be the one revoked, so `remember`
/// does not keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadStart(u64);

/// Marks the start of a KV read of a token's record.
pub fn read_start() -> ReadStart {
    ReadStart(FORGETS.get())
}

/// The record of the token hashed `hash`, if this isolate read it less than the cache time
/// before `now_ms`.
pub fn recall(hash: &str, now_ms: u64) -> Option<AccessRecord> {
    CHECKED.with(|c| c.borrow().get(hash, now_ms))
}

/// Remembers `record`, read as the live record of the token hashed `hash` by a read that began
/// at `start`, for `cache_secs` after `now_ms` — unless this isolate forgot tokens since.
pub fn remember(hash: &str, record: &AccessRecord, start: ReadStart, cache_secs: u64, now_ms: u64) {
    if cache_secs == 0 || start != read_start() {
        return;
    }
    let until = now_ms.saturating_add(cache_secs.saturating_mul(1000));
    CHECKED.with(|c| {
        c.borrow_mut()
            .insert(hash.to_owned(), record.clone(), until, now_ms)
    });
}

/// Forgets every token of grant `grant_id` (it was revoked).
pub fn forget_grant(grant_id: &str) {
    FORGETS.set(FORGETS.get() + 1);
    CHECKED.with(|c| c.borrow_mut().retain(|r| r.grant_id != grant_id));
}

/// Forgets the tokens hashed `hashes` (their records were deleted).
pub fn forget_tokens(hashes: &[String]) {
    FORGETS.set(FORGETS.get() + 1);
    CHECKED.with(|c| {
        let mut checked = c.borrow_mut();
        for hash in hashes {
            checked.remove(hash.as_str());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(grant_id: &str) -> AccessRecord {
        serde_json::from_value(serde_json::json!({
            "grant_id": grant_id, "client_id": "c", "idp": "password", "subject": "owner",
            "name": "owner", "scopes": "", "resource": "https://gw.example/mcp",
            "expires_ms": u64::MAX,
        }))
        .unwrap()
    }

    #[test]
    fn a_record_read_across_a_revocation_in_this_isolate_is_not_kept() {
        let start = read_start();
        forget_grant("g1");
        remember("h1", &record("g1"), start, 10, 0);
        assert_eq!(recall("h1", 0), None);
        remember("h1", &record("g1"), read_start(), 10, 0);
        assert_eq!(recall("h1", 0).map(|r| r.grant_id), Some("g1".to_owned()));
        assert_eq!(recall("h1", 10_000), None, "kept for the cache time only");
    }

    #[test]
    fn forgetting_a_grant_or_tokens_leaves_the_others() {
        let start = read_start();
        remember("h1", &record("g1"), start, 10, 0);
        remember("h2", &record("g2"), start, 10, 0);
        remember("h3", &record("g3"), start, 10, 0);
        forget_grant("g1");
        forget_tokens(&["h2".to_owned()]);
        let left = ["h1", "h2", "h3"].map(|h| recall(h, 0).is_some());
        assert_eq!(left, [false, false, true]);
    }
}
