//! Session-era `Mcp-Session-Id`s without server state: an id carries the negotiated revision,
//! when it was issued, and a random nonce, signed with HMAC-SHA256 under the gateway's signing
//! key. A request whose id is forged, altered or expired gets 404, so the client starts a new
//! session — what the spec asks of a server that ended a session.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::version::ProtocolVersion;

/// How long a session id stays valid.
pub const SESSION_TTL_MS: u64 = 24 * 60 * 60 * 1000;
/// Shortest signing key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;
const PREFIX: &str = "s1";

/// What a valid session id says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// The revision negotiated at `initialize`.
    pub version: ProtocolVersion,
    /// When the id was issued.
    pub issued_at_ms: u64,
}

/// Why a session id was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionError {
    /// Not an id we issued, or altered.
    Unknown,
    /// Older than `SESSION_TTL_MS`.
    Expired,
}

/// The tag also covers the session's owner, so an id works only for the caller it was issued
/// to (`<user>:<session>` binding) without carrying the user in the id.
fn mac(key: &[u8], owner: &str, payload: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(owner.as_bytes());
    mac.update(b"\0");
    mac.update(payload.as_bytes());
    mac
}

/// Issues an id for `owner` (the caller's principal id) and `version` at `now_ms` with a
/// 16-byte `nonce`.
pub fn issue(
    key: &[u8],
    owner: &str,
    version: ProtocolVersion,
    now_ms: u64,
    nonce: [u8; 16],
) -> String {
    let payload = format!(
        "{PREFIX}.{}.{now_ms}.{}",
        version.as_str(),
        B64.encode(nonce)
    );
    let tag = B64.encode(mac(key, owner, &payload).finalize().into_bytes());
    format!("{payload}.{tag}")
}

/// Verifies an id for `owner` (constant-time tag comparison) and reads it.
pub fn verify(key: &[u8], owner: &str, id: &str, now_ms: u64) -> Result<Session, SessionError> {
    let (payload, tag) = id.rsplit_once('.').ok_or(SessionError::Unknown)?;
    let tag = B64.decode(tag).map_err(|_| SessionError::Unknown)?;
    mac(key, owner, payload)
        .verify_slice(&tag)
        .map_err(|_| SessionError::Unknown)?;
    let mut parts = payload.split('.');
    let (Some(PREFIX), Some(version), Some(issued), Some(_nonce), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(SessionError::Unknown);
    };
    let version = ProtocolVersion::parse(version).ok_or(SessionError::Unknown)?;
    let issued_at_ms: u64 = issued.parse().map_err(|_| SessionError::Unknown)?;
    if now_ms.saturating_sub(issued_at_ms) > SESSION_TTL_MS {
        return Err(SessionError::Expired);
    }
    Ok(Session {
        version,
        issued_at_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn issued_ids_verify_and_are_visible_ascii() {
        let id = issue(
            KEY,
            "password:owner",
            ProtocolVersion::V2025_06_18,
            1_000,
            [7; 16],
        );
        assert!(id.bytes().all(|b| (0x21..=0x7e).contains(&b)), "{id}");
        let s = verify(KEY, "password:owner", &id, 2_000).unwrap();
        assert_eq!(s.version, ProtocolVersion::V2025_06_18);
    }

    #[test]
    fn altered_foreign_expired_and_other_users_ids_are_refused() {
        let owner = "password:owner";
        let id = issue(KEY, owner, ProtocolVersion::V2025_11_25, 1_000, [1; 16]);
        let altered = id.replacen("2025-11-25", "2025-06-18", 1);
        assert_eq!(
            verify(KEY, owner, &altered, 1_000),
            Err(SessionError::Unknown)
        );
        assert_eq!(
            verify(b"another key of at least 32 bytes!!", owner, &id, 1_000),
            Err(SessionError::Unknown)
        );
        assert_eq!(
            verify(KEY, owner, "garbage", 1_000),
            Err(SessionError::Unknown)
        );
        assert_eq!(
            verify(KEY, "github:42", &id, 1_000),
            Err(SessionError::Unknown),
            "another user"
        );
        assert_eq!(
            verify(KEY, owner, &id, 1_000 + SESSION_TTL_MS + 1),
            Err(SessionError::Expired)
        );
    }
}
