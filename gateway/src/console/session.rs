//! The console's session: a `__Host-` cookie holding who signed in (identity provider,
//! subject, name), a random session id and an expiry, signed with the gateway's signing key.
//! It lives [`MAX_AGE_SECS`]; the role is not in it but read from the configuration at every
//! request, so an operator removed from `OPERATORS` loses the console at once. Each session
//! has its own CSRF token: the HMAC of its id, which a form carries and every POST checks.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::platform::{Random, RandomError};
use crate::web::cookie;

/// The cookie.
pub const COOKIE: &str = "__Host-dovecote-console";
/// How long a session lasts: short, it opens every operator power.
pub const MAX_AGE_SECS: u64 = 30 * 60;
/// Longest cookie value read (a GitHub login is at most 39 characters; ids are short).
const MAX_COOKIE_LEN: usize = 1024;

/// Who a session speaks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// `password` or `github`.
    pub idp: String,
    /// The stable id at the identity provider.
    pub subject: String,
    /// The name shown and audited (the GitHub login; `owner` for the password).
    pub name: String,
    /// The session's random id.
    pub sid: String,
    /// When it ends, in milliseconds since the epoch.
    pub expires_ms: u64,
}

fn mac(key: &[u8], purpose: &str, data: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(purpose.as_bytes());
    mac.update(b"\0");
    mac.update(data.as_bytes());
    mac
}

impl Session {
    /// A new session for who signed in, from `now_ms`.
    pub fn new(
        random: &dyn Random,
        idp: &str,
        subject: &str,
        name: &str,
        now_ms: u64,
    ) -> Result<Self, RandomError> {
        let mut bytes = [0u8; 16];
        random.fill(&mut bytes)?;
        Ok(Self {
            idp: idp.into(),
            subject: subject.into(),
            name: name.into(),
            sid: B64.encode(bytes),
            expires_ms: now_ms + MAX_AGE_SECS * 1000,
        })
    }

    /// The `Set-Cookie` value carrying this session, signed with `key`.
    pub fn set_cookie(&self, key: &[u8]) -> String {
        let body = B64.encode(serde_json::to_vec(self).unwrap_or_default());
        let tag = B64.encode(mac(key, "console-session", &body).finalize().into_bytes());
        cookie::set(COOKIE, &format!("{body}.{tag}"), MAX_AGE_SECS)
    }

    /// The session in the request's `Cookie` header, if one of `keys` signed it and it has
    /// not expired at `now_ms`.
    pub fn from_cookies(header: Option<&str>, keys: &[&[u8]], now_ms: u64) -> Option<Self> {
        let value = cookie::get(header, COOKIE).filter(|v| v.len() <= MAX_COOKIE_LEN)?;
        let (body, tag) = value.split_once('.')?;
        let tag = B64.decode(tag).ok()?;
        keys.iter()
            .any(|key| mac(key, "console-session", body).verify_slice(&tag).is_ok())
            .then_some(())?;
        let session: Self = serde_json::from_slice(&B64.decode(body).ok()?).ok()?;
        (session.expires_ms > now_ms).then_some(session)
    }

    /// The CSRF token of this session's forms.
    pub fn csrf(&self, key: &[u8]) -> String {
        B64.encode(mac(key, "console-csrf", &self.sid).finalize().into_bytes())
    }

    /// Whether `token` is this session's CSRF token under one of `keys` (constant time).
    pub fn csrf_ok(&self, keys: &[&[u8]], token: &str) -> bool {
        let Ok(tag) = B64.decode(token) else {
            return false;
        };
        keys.iter().any(|key| {
            mac(key, "console-csrf", &self.sid)
                .verify_slice(&tag)
                .is_ok()
        })
    }

    /// Who to name in the audit trail.
    pub fn actor(&self) -> &str {
        &self.name
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::platform::native::OsRandom;

    const KEY: &[u8] = b"an HMAC key of thirty-two bytes!";
    const OTHER: &[u8] = b"another key of thirty-two bytes!";

    fn jar(set: &str) -> String {
        set.split(';').next().unwrap().to_owned()
    }

    #[test]
    fn a_session_reads_back_only_with_its_key_and_before_it_expires() {
        let s = Session::new(&OsRandom, "github", "583231", "octocat", 1_000).unwrap();
        let set = s.set_cookie(KEY);
        for attr in [
            "__Host-dovecote-console=",
            "Secure",
            "HttpOnly",
            "SameSite=Lax",
            "Path=/",
        ] {
            assert!(set.contains(attr), "{set}");
        }
        let cookie = jar(&set);
        assert_eq!(
            Session::from_cookies(Some(&cookie), &[KEY], 2_000),
            Some(s.clone())
        );
        assert_eq!(
            Session::from_cookies(Some(&cookie), &[OTHER, KEY], 2_000),
            Some(s.clone()),
            "previous key"
        );
        assert_eq!(
            Session::from_cookies(Some(&cookie), &[OTHER], 2_000),
            None,
            "other key"
        );
        let expired = 1_000 + MAX_AGE_SECS * 1000;
        assert_eq!(
            Session::from_cookies(Some(&cookie), &[KEY], expired),
            None,
            "expired"
        );
        assert_eq!(Session::from_cookies(None, &[KEY], 2_000), None);
    }

    #[test]
    fn a_changed_identity_breaks_the_signature() {
        let s = Session::new(&OsRandom, "github", "666", "mallory", 0).unwrap();
        let cookie = jar(&s.set_cookie(KEY));
        let (_, tag) = cookie.split_once('.').unwrap();
        let mut forged = s.clone();
        forged.name = "octocat".into();
        let body = B64.encode(serde_json::to_vec(&forged).unwrap());
        let forged = format!("{COOKIE}={body}.{tag}");
        assert_eq!(Session::from_cookies(Some(&forged), &[KEY], 1), None);
        assert_eq!(
            Session::from_cookies(Some(&format!("{COOKIE}=garbage")), &[KEY], 1),
            None
        );
    }

    #[test]
    fn csrf_tokens_belong_to_one_session() {
        let a = Session::new(&OsRandom, "password", "owner", "owner", 0).unwrap();
        let b = Session::new(&OsRandom, "password", "owner", "owner", 0).unwrap();
        let token = a.csrf(KEY);
        assert!(a.csrf_ok(&[KEY], &token));
        assert!(!b.csrf_ok(&[KEY], &token), "another session");
        assert!(!a.csrf_ok(&[OTHER], &token), "another key");
        assert!(!a.csrf_ok(&[KEY], "forged"));
        assert!(!a.csrf_ok(&[KEY], ""));
    }
}
