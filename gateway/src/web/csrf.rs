//! CSRF protection for the sign-in and consent forms: a random value in a `__Host-` cookie,
//! and in the form a token that is the HMAC-SHA256 of that value and the form's purpose under
//! the gateway's signing key. A forged form cannot produce the token without the cookie and
//! the key; tokens are compared in constant time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::cookie;
use crate::platform::{Random, RandomError};

/// The cookie that carries the CSRF secret.
pub const COOKIE: &str = "__Host-dovecote_csrf";
/// How long a form stays valid.
pub const MAX_AGE_SECS: u64 = 600;

fn mac(key: &[u8], secret: &str, purpose: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(secret.as_bytes());
    mac.update(b"\0");
    mac.update(purpose.as_bytes());
    mac
}

/// A CSRF pair for one form: the cookie to set (when the browser has none) and the token
/// to put in the form.
pub struct Issued {
    /// `Set-Cookie` value, when a new secret was made.
    pub set_cookie: Option<String>,
    /// The hidden form field's value.
    pub token: String,
}

/// The token for a form with `purpose`, reusing the browser's CSRF cookie when it has one.
pub fn issue(
    key: &[u8],
    random: &dyn Random,
    cookie_header: Option<&str>,
    purpose: &str,
) -> Result<Issued, RandomError> {
    let existing = cookie::get(cookie_header, COOKIE).filter(|v| v.len() == 43);
    let (secret, set_cookie) = match existing {
        Some(secret) => (secret.to_owned(), None),
        None => {
            let mut bytes = [0u8; 32];
            random.fill(&mut bytes)?;
            let secret = B64.encode(bytes);
            let set = cookie::set(COOKIE, &secret, MAX_AGE_SECS);
            (secret, Some(set))
        }
    };
    let token = B64.encode(mac(key, &secret, purpose).finalize().into_bytes());
    Ok(Issued { set_cookie, token })
}

/// Whether `token` from a submitted form matches the browser's cookie for `purpose`.
pub fn verify(key: &[u8], cookie_header: Option<&str>, purpose: &str, token: &str) -> bool {
    let Some(secret) = cookie::get(cookie_header, COOKIE) else {
        return false;
    };
    let Ok(tag) = B64.decode(token) else {
        return false;
    };
    mac(key, secret, purpose).verify_slice(&tag).is_ok()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::platform::native::OsRandom;

    const KEY: &[u8] = b"an HMAC key of thirty-two bytes!";

    fn cookie_of(set: &str) -> String {
        set.split(';').next().unwrap().to_owned()
    }

    #[test]
    fn a_token_verifies_only_with_its_cookie_purpose_and_key() {
        let issued = issue(KEY, &OsRandom, None, "consent:abc").unwrap();
        let jar = cookie_of(issued.set_cookie.as_deref().unwrap());
        assert!(verify(KEY, Some(&jar), "consent:abc", &issued.token));
        assert!(
            !verify(KEY, Some(&jar), "consent:other", &issued.token),
            "other purpose"
        );
        assert!(
            !verify(KEY, None, "consent:abc", &issued.token),
            "no cookie"
        );
        let other = cookie_of(
            issue(KEY, &OsRandom, None, "x")
                .unwrap()
                .set_cookie
                .as_deref()
                .unwrap(),
        );
        assert!(
            !verify(KEY, Some(&other), "consent:abc", &issued.token),
            "another browser"
        );
        assert!(!verify(
            b"another key of thirty-two bytes!",
            Some(&jar),
            "consent:abc",
            &issued.token
        ));
        assert!(!verify(KEY, Some(&jar), "consent:abc", "forged"));
    }

    #[test]
    fn an_existing_cookie_is_reused() {
        let first = issue(KEY, &OsRandom, None, "p").unwrap();
        let jar = cookie_of(first.set_cookie.as_deref().unwrap());
        let second = issue(KEY, &OsRandom, Some(&jar), "p").unwrap();
        assert!(second.set_cookie.is_none());
        assert_eq!(second.token, first.token);
    }
}
