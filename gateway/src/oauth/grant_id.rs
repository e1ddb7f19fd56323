//! Grant ids that prove themselves. A code or refresh token is `<grant id>.<secret>`, and the
//! grant id names the grant's Durable Object; a stranger who could name any object would
//! create one per guess. So a grant id is 16 random bytes and a MAC over them with the signing
//! key (`DOVECOTE_SIGNING_KEY`, or the previous one during a rotation): a presented id whose
//! MAC holds reaches its object at once, even a second after it was issued at another
//! location. Any other well-formed id (the shorter ids of earlier releases, or ids signed with
//! a key since retired) reaches its object only when KV holds the grant's summary, written
//! when the grant was made — long ago for such ids, so KV's eventual consistency does not
//! matter. Malformed ids never get that far.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::secret::eq_constant_time;
use crate::platform::{Random, RandomError};

/// Random bytes in a grant id.
pub const GRANT_ID_RANDOM_BYTES: usize = 16;
/// Bytes of the MAC that follows them.
const TAG_BYTES: usize = 16;
/// Length of a grant id as issued now: base64url of random bytes and MAC.
const SIGNED_LEN: usize = 43;
/// Length of a grant id as earlier releases issued it: base64url of 16 random bytes.
const UNSIGNED_LEN: usize = 22;
/// Separates this MAC from the signing key's other uses (sessions, CSRF tokens).
const PURPOSE: &[u8] = b"dovecote grant id\0";

fn tag(key: &[u8], random: &[u8]) -> [u8; TAG_BYTES] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(PURPOSE);
    mac.update(random);
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; TAG_BYTES];
    out.copy_from_slice(&full[..TAG_BYTES]);
    out
}

/// A new grant id, signed with `key`.
pub fn new_grant_id(random: &dyn Random, key: &[u8]) -> Result<String, RandomError> {
    let mut bytes = [0u8; GRANT_ID_RANDOM_BYTES + TAG_BYTES];
    random.fill(&mut bytes[..GRANT_ID_RANDOM_BYTES])?;
    let tag = tag(key, &bytes[..GRANT_ID_RANDOM_BYTES]);
    bytes[GRANT_ID_RANDOM_BYTES..].copy_from_slice(&tag);
    Ok(B64.encode(bytes))
}

/// What the grant id at the head of a presented code or token is, read without storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantRef<'a> {
    /// Signed with one of our keys: its object may be asked.
    Signed(&'a str),
    /// Well-formed but not provably ours: ask KV for the grant's summary first.
    Unproven(&'a str),
}

impl<'a> GrantRef<'a> {
    /// The grant id of `token` (`<grant id>.<secret>`) checked against `keys`; `None` when it
    /// cannot be one of ours.
    pub fn of(token: &'a str, keys: &[&[u8]]) -> Option<Self> {
        let (id, secret) = token.split_once('.')?;
        let base64url = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if secret.is_empty() || !base64url(id) {
            return None;
        }
        match id.len() {
            UNSIGNED_LEN => Some(Self::Unproven(id)),
            SIGNED_LEN => {
                let bytes = B64.decode(id).ok()?;
                let (random, presented) = bytes.split_at(GRANT_ID_RANDOM_BYTES);
                let signed = keys
                    .iter()
                    .any(|key| eq_constant_time(&tag(key, random), presented));
                Some(if signed {
                    Self::Signed(id)
                } else {
                    Self::Unproven(id)
                })
            }
            _ => None,
        }
    }

    /// The grant id, proven or not.
    pub fn id(self) -> &'a str {
        match self {
            Self::Signed(id) | Self::Unproven(id) => id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::native::OsRandom;

    const KEY: &[u8] = b"an HMAC key of thirty-two bytes!";
    const OLD: &[u8] = b"the key before the last rotation";

    #[test]
    fn ids_signed_with_a_current_key_are_proven_and_others_are_not() {
        let id = new_grant_id(&OsRandom, KEY).unwrap();
        assert_eq!(id.len(), SIGNED_LEN);
        let token = format!("{id}.secret");
        assert_eq!(GrantRef::of(&token, &[KEY]), Some(GrantRef::Signed(&id)));
        assert_eq!(
            GrantRef::of(&token, &[OLD, KEY]),
            Some(GrantRef::Signed(&id))
        );
        assert_eq!(GrantRef::of(&token, &[OLD]), Some(GrantRef::Unproven(&id)));
        let mut forged = id.clone().into_bytes();
        forged[30] = if forged[30] == b'A' { b'B' } else { b'A' };
        let forged = String::from_utf8(forged).unwrap();
        assert_eq!(
            GrantRef::of(&format!("{forged}.secret"), &[KEY]),
            Some(GrantRef::Unproven(forged.as_str()))
        );
        let legacy = "MSeDYXby7xHTwnm_sz7cqQ.secret";
        assert!(matches!(
            GrantRef::of(legacy, &[KEY]),
            Some(GrantRef::Unproven(_))
        ));
    }

    #[test]
    fn malformed_ids_are_refused_before_storage() {
        for token in [
            "no-dot",
            ".x",
            "MSeDYXby7xHTwnm_sz7cqQ.",
            "MSeDYXby7xHTwnm_sz7cq.x",
            "MSeDYXby7xHTwnm_sz7cqQx.x",
            "MSeDYXby7xHTwnm/sz7cqQ.x",
            "../../etc/passwd.x",
            &format!("{}.x", "a".repeat(64)),
        ] {
            assert_eq!(GrantRef::of(token, &[KEY]), None, "{token}");
        }
    }
}
