//! Session-era upstreams' sessions, kept **per isolate**: the first call an isolate forwards to
//! such an upstream opens a session (`initialize`, then `notifications/initialized`) and later
//! calls from any caller reuse it, since what the upstream sees is the gateway (its
//! `bearer_secret`), never the caller. An isolate that ends takes its sessions with it; an
//! upstream that forgets one answers 404 and the client opens another, once.

use std::cell::RefCell;
use std::collections::HashMap;

use super::client::Session;

thread_local! {
    static SESSIONS: RefCell<HashMap<&'static str, Session>> = RefCell::new(HashMap::new());
}

/// The session held for `upstream`, if any.
pub fn get(upstream: &'static str) -> Option<Session> {
    SESSIONS.with(|s| s.borrow().get(upstream).cloned())
}

/// Keeps `session` for `upstream`.
pub fn keep(upstream: &'static str, session: Session) {
    SESSIONS.with(|s| s.borrow_mut().insert(upstream, session));
}

/// Forgets the session of `upstream`.
pub fn forget(upstream: &'static str) {
    SESSIONS.with(|s| s.borrow_mut().remove(upstream));
}
