//! The operator's password, checked the same way wherever it is typed (`/authorize` and the
//! console's sign-in): within [`crate::oauth::SIGNIN_ATTEMPTS_PER_MINUTE`] per address, by
//! hash in constant time, and every failure audited.

use super::{storage_failed, AuthServer};
use crate::audit::{self, Entry};
use crate::oauth::{hash_secret, OAuthError};
use crate::ratelimit::{self, Decision};
use crate::toolbox::{Rate, RatePeriod};

/// Why a password was not taken.
pub enum Refused {
    /// Too many attempts from this address: wait this many seconds.
    TooMany(u64),
    /// It is not the password.
    Wrong,
    /// Storage failed; the error to show.
    Unavailable(OAuthError),
}

/// Checks `given` against `expected` for the caller of `server`; `client` is the OAuth client
/// the sign-in is for, if any (for the audit trail).
pub async fn check(
    server: &AuthServer<'_>,
    expected: &str,
    given: &str,
    client: Option<&str>,
) -> Result<(), Refused> {
    let ip = server.address.as_deref();
    let failure = |detail: &str| {
        let entry = Entry::new("signin", "owner", "failure")
            .ip(ip)
            .detail(detail);
        match client {
            Some(c) => entry.client(c),
            None => entry,
        }
    };
    let caller = format!("signin:{}", ip.unwrap_or("unknown"));
    let rate = Rate {
        count: crate::oauth::SIGNIN_ATTEMPTS_PER_MINUTE,
        period: RatePeriod::Minute,
    };
    match ratelimit::take(server.platform.objects, &caller, "password", rate).await {
        Ok(Decision::Allowed) => {}
        Ok(Decision::Limited { retry_after_ms }) => {
            audit::record(server.platform.objects, failure("too many attempts")).await;
            return Err(Refused::TooMany(retry_after_ms.div_ceil(1000).max(1)));
        }
        Err(e) => {
            return Err(Refused::Unavailable(storage_failed(
                "sign-in rate limit",
                &e,
            )))
        }
    }
    if !crate::oauth::eq_constant_time(
        hash_secret(given).as_bytes(),
        hash_secret(expected).as_bytes(),
    ) {
        audit::record(server.platform.objects, failure("wrong password")).await;
        return Err(Refused::Wrong);
    }
    Ok(())
}
