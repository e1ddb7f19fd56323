//! `requestState` of an input exchange (2026-07-28): what the server asked and the answers so
//! far, carried by the client from one round to the next because the server keeps nothing.
//! It is signed with HMAC-SHA256 under the gateway's signing key (the previous key is still
//! honoured during a rotation), bound to the caller, the method and its target (the tool), a
//! digest of the arguments and an expiry: a state that was altered, issued to someone else,
//! for another call, or has expired is refused.
//!
//! Format: `r1.<base64url JSON>.<base64url tag>`; the tag covers the binding and the payload.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// How long a state is accepted after it was issued.
pub const STATE_TTL_MS: u64 = 10 * 60 * 1000;
/// The longest state accepted, in bytes (answers travel in it).
pub const MAX_STATE_BYTES: usize = 256 * 1024;
const PREFIX: &str = "r1";

/// The keys that sign states: the current one signs, both verify.
#[derive(Clone, Copy)]
pub struct StateKeys<'a> {
    /// The signing key.
    pub current: &'a [u8],
    /// The key before a rotation.
    pub previous: Option<&'a [u8]>,
}

/// What a state belongs to: who asked, with which request, on what.
#[derive(Clone, Copy)]
pub struct Binding<'a> {
    /// The caller's principal id.
    pub owner: &'a str,
    /// The method and its target, e.g. `tools/call send_notification`.
    pub target: &'a str,
    /// SHA-256 of the request's arguments as JSON (keys in order).
    pub arguments: [u8; 32],
}

impl<'a> Binding<'a> {
    /// The binding of a call by `owner` to `target` with `arguments`.
    pub fn new(owner: &'a str, target: &'a str, arguments: &Value) -> Self {
        let json = serde_json::to_vec(arguments).unwrap_or_default();
        Self {
            owner,
            target,
            arguments: Sha256::digest(&json).into(),
        }
    }
}

/// What a state carries between rounds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Carried {
    /// The answers given so far, by key.
    #[serde(default)]
    pub answers: BTreeMap<String, Value>,
    /// When the state stops being accepted (ms since the epoch).
    pub expires_ms: u64,
}

/// Why a state was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateError {
    /// Not issued by this gateway, altered, or issued for another caller or call.
    Forged,
    /// Older than `STATE_TTL_MS`.
    Expired,
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Forged => "requestState was not issued by this server for this call: call again without requestState and inputResponses",
            Self::Expired => "requestState has expired: call again without requestState and inputResponses",
        })
    }
}

fn mac(key: &[u8], binding: &Binding<'_>, payload: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(binding.owner.as_bytes());
    mac.update(b"\0");
    mac.update(binding.target.as_bytes());
    mac.update(b"\0");
    mac.update(&binding.arguments);
    mac.update(payload.as_bytes());
    mac
}

/// Issues a state carrying `carried`, for `binding`, under the current key.
pub fn issue(keys: StateKeys<'_>, binding: &Binding<'_>, carried: &Carried) -> String {
    let json = serde_json::to_vec(carried).unwrap_or_default();
    let payload = format!("{PREFIX}.{}", B64.encode(json));
    let tag = B64.encode(mac(keys.current, binding, &payload).finalize().into_bytes());
    format!("{payload}.{tag}")
}

/// Verifies `state` for `binding` at `now_ms` (constant-time, either key) and reads it.
pub fn open(
    keys: StateKeys<'_>,
    binding: &Binding<'_>,
    state: &str,
    now_ms: u64,
) -> Result<Carried, StateError> {
    if state.len() > MAX_STATE_BYTES {
        return Err(StateError::Forged);
    }
    let (payload, tag) = state.rsplit_once('.').ok_or(StateError::Forged)?;
    let tag = B64.decode(tag).map_err(|_| StateError::Forged)?;
    let signed = std::iter::once(keys.current)
        .chain(keys.previous)
        .any(|key| mac(key, binding, payload).verify_slice(&tag).is_ok());
    if !signed {
        return Err(StateError::Forged);
    }
    let body = payload
        .strip_prefix(PREFIX)
        .and_then(|p| p.strip_prefix('.'))
        .ok_or(StateError::Forged)?;
    let json = B64.decode(body).map_err(|_| StateError::Forged)?;
    let carried: Carried = serde_json::from_slice(&json).map_err(|_| StateError::Forged)?;
    if now_ms >= carried.expires_ms {
        return Err(StateError::Expired);
    }
    Ok(carried)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
    const OLD: &[u8] = b"fedcba9876543210fedcba9876543210";

    fn keys() -> StateKeys<'static> {
        StateKeys {
            current: KEY,
            previous: None,
        }
    }

    fn carried() -> Carried {
        Carried {
            answers: BTreeMap::from([("step1".into(), json!({"action": "accept"}))]),
            expires_ms: 1_000 + STATE_TTL_MS,
        }
    }

    #[test]
    fn a_state_opens_for_its_own_call_until_it_expires() {
        let args = json!({"channel": "x", "text": "hi"});
        let bound = Binding::new("alice", "tools/call send_notification", &args);
        let state = issue(keys(), &bound, &carried());
        assert_eq!(open(keys(), &bound, &state, 1_000), Ok(carried()));
        assert_eq!(
            open(keys(), &bound, &state, 1_000 + STATE_TTL_MS),
            Err(StateError::Expired)
        );
    }

    #[test]
    fn another_caller_tool_arguments_key_or_a_changed_byte_is_refused() {
        let args = json!({"channel": "x"});
        let bound = Binding::new("alice", "tools/call a", &args);
        let state = issue(keys(), &bound, &carried());
        let other_args = json!({"channel": "y"});
        for other in [
            Binding {
                owner: "mallory",
                ..bound
            },
            Binding {
                target: "tools/call b",
                ..bound
            },
            Binding::new("alice", "tools/call a", &other_args),
        ] {
            assert_eq!(open(keys(), &other, &state, 1_000), Err(StateError::Forged));
        }
        let other_key = StateKeys {
            current: OLD,
            previous: None,
        };
        assert_eq!(
            open(other_key, &bound, &state, 1_000),
            Err(StateError::Forged)
        );
        let mut bytes = state.clone().into_bytes();
        for i in [3, bytes.len() / 2, bytes.len() - 1] {
            let saved = bytes[i];
            bytes[i] = if saved == b'A' { b'B' } else { b'A' };
            let altered = String::from_utf8(bytes.clone()).unwrap();
            assert_eq!(
                open(keys(), &bound, &altered, 1_000),
                Err(StateError::Forged),
                "byte {i}"
            );
            bytes[i] = saved;
        }
        for junk in ["", ".", "r1..", "r1.e30.", &"x".repeat(MAX_STATE_BYTES + 1)] {
            assert_eq!(open(keys(), &bound, junk, 1_000), Err(StateError::Forged));
        }
    }

    #[test]
    fn a_state_signed_before_a_rotation_still_opens() {
        let args = json!({});
        let bound = Binding::new("alice", "tools/call a", &args);
        let old = StateKeys {
            current: OLD,
            previous: None,
        };
        let state = issue(old, &bound, &carried());
        let rotated = StateKeys {
            current: KEY,
            previous: Some(OLD),
        };
        assert_eq!(open(rotated, &bound, &state, 1_000), Ok(carried()));
    }
}
