//! Authenticated encryption of what a grant carries (upstream identity and tokens):
//! AES-256-GCM with a random 96-bit nonce, under `DOVECOTE_ENCRYPTION_KEY`, with one previous
//! key still readable during a rotation.
//!
//! Sealed format: `version (1) | key id (4) | nonce (12) | ciphertext | tag (16)`. The key id
//! is derived from the key, so rotating needs no numbering; the header is authenticated with
//! the caller's associated data, so a blob cannot be moved to another record or key slot.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::platform::Random;

/// Length of an encryption key: AES-256.
pub const KEY_LEN: usize = 32;
const VERSION: u8 = 1;
const KEY_ID_LEN: usize = 4;
const HEADER_LEN: usize = 1 + KEY_ID_LEN;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Why sealing or opening failed. None of them carries key material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealError {
    /// A configured key is not 32 bytes of base64; the message says how to make one.
    BadKey(String),
    /// Sealed under a key that is neither current nor previous (retired): the user signs in
    /// again.
    UnknownKey,
    /// Truncated, altered, sealed with other associated data, or too large to seal.
    Invalid,
    /// The random-number source failed: nothing was sealed.
    NoRandom,
}

impl From<crate::platform::RandomError> for SealError {
    fn from(_: crate::platform::RandomError) -> Self {
        Self::NoRandom
    }
}

impl std::fmt::Display for SealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BadKey(why) => f.write_str(why),
            Self::UnknownKey => f.write_str("sealed under a key that is no longer configured"),
            Self::Invalid => f.write_str("sealed data is damaged or belongs elsewhere"),
            Self::NoRandom => f.write_str("the random-number source failed"),
        }
    }
}

/// Decodes a key secret: base64 (standard or URL-safe) of exactly 32 bytes. The value never
/// appears in the error.
pub fn key_from_base64(value: &str) -> Result<[u8; KEY_LEN], SealError> {
    let value = value.trim();
    let decoded = STANDARD
        .decode(value)
        .or_else(|_| URL_SAFE_NO_PAD.decode(value.trim_end_matches('=')));
    decoded
        .ok()
        .and_then(|key| <[u8; KEY_LEN]>::try_from(key).ok())
        .ok_or_else(|| {
            SealError::BadKey(
                "DOVECOTE_ENCRYPTION_KEY must be exactly 32 random bytes, base64-encoded \
                 (generate one with: openssl rand -base64 32)"
                    .into(),
            )
        })
}

struct SealKey {
    id: [u8; KEY_ID_LEN],
    cipher: Aes256Gcm,
}

impl SealKey {
    fn new(key: &[u8]) -> Result<Self, SealError> {
        let cipher = Aes256Gcm::new_from_slice(key)
            .map_err(|_| SealError::BadKey(format!("an encryption key must be {KEY_LEN} bytes")))?;
        let digest = Sha256::new()
            .chain_update(b"dovecote seal key id\0")
            .chain_update(key)
            .finalize();
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        Ok(Self { id, cipher })
    }
}

/// Seals with the current key; opens with the current or the previous one.
pub struct Sealer {
    current: SealKey,
    previous: Option<SealKey>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer([redacted])")
    }
}

impl Sealer {
    /// A sealer with the `current` key and, during a rotation, the `previous` one.
    pub fn new(current: &[u8], previous: Option<&[u8]>) -> Result<Self, SealError> {
        Ok(Self {
            current: SealKey::new(current)?,
            previous: previous.map(SealKey::new).transpose()?,
        })
    }

    /// Encrypts `plaintext`, bound to `aad` (e.g. the grant's id), under a fresh nonce. With
    /// random nonces one key should seal fewer than 2^32 values (NIST SP 800-38D §8.3).
    pub fn seal(
        &self,
        random: &dyn Random,
        plaintext: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        let mut header = [0u8; HEADER_LEN];
        header[0] = VERSION;
        header[1..].copy_from_slice(&self.current.id);
        let mut nonce = [0u8; NONCE_LEN];
        random.fill(&mut nonce)?;
        let bound = [&header[..], aad].concat();
        let sealed = self
            .current
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &bound,
                },
            )
            .map_err(|_| SealError::Invalid)?;
        Ok([&header[..], &nonce, &sealed].concat())
    }

    /// Decrypts what [`seal`](Self::seal) made with the same `aad`.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < HEADER_LEN + NONCE_LEN + TAG_LEN || sealed[0] != VERSION {
            return Err(SealError::Invalid);
        }
        let (header, rest) = sealed.split_at(HEADER_LEN);
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let bound = [header, aad].concat();
        let mut candidates = std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .filter(|k| k.id[..] == header[1..])
            .peekable();
        if candidates.peek().is_none() {
            return Err(SealError::UnknownKey);
        }
        candidates
            .find_map(|k| {
                k.cipher
                    .decrypt(
                        Nonce::from_slice(nonce),
                        Payload {
                            msg: ciphertext,
                            aad: &bound,
                        },
                    )
                    .ok()
            })
            .ok_or(SealError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    struct Counter(Cell<u8>);

    impl Random for Counter {
        fn fill(&self, buf: &mut [u8]) -> Result<(), crate::platform::RandomError> {
            for b in buf {
                self.0.set(self.0.get().wrapping_add(1));
                *b = self.0.get();
            }
            Ok(())
        }
    }

    const OLD: [u8; 32] = [1; 32];
    const NEW: [u8; 32] = [2; 32];

    #[test]
    fn round_trips_and_binds_associated_data() {
        let r = Counter(Cell::new(0));
        let s = Sealer::new(&NEW, None).unwrap();
        let a = s.seal(&r, b"github token", b"grant-1").unwrap();
        let b = s.seal(&r, b"github token", b"grant-1").unwrap();
        assert_ne!(a, b, "fresh nonce each time");
        assert_eq!(s.open(&a, b"grant-1").unwrap(), b"github token");
        assert_eq!(s.open(&a, b"grant-2"), Err(SealError::Invalid));
        assert!(!a.windows(6).any(|w| w == b"github"));
    }

    #[test]
    fn tampering_is_refused_not_panicked() {
        let r = Counter(Cell::new(0));
        let s = Sealer::new(&NEW, None).unwrap();
        let sealed = s.seal(&r, b"secret", b"").unwrap();
        for i in 0..sealed.len() {
            let mut t = sealed.clone();
            t[i] ^= 0x01;
            assert!(s.open(&t, b"").is_err(), "byte {i}");
        }
        for len in 0..sealed.len() {
            assert!(s.open(&sealed[..len], b"").is_err());
        }
    }

    #[test]
    fn rotation_reads_the_previous_key_and_refuses_retired_ones() {
        let r = Counter(Cell::new(0));
        let old = Sealer::new(&OLD, None).unwrap();
        let sealed = old.seal(&r, b"props", b"g").unwrap();
        let rotating = Sealer::new(&NEW, Some(&OLD)).unwrap();
        assert_eq!(rotating.open(&sealed, b"g").unwrap(), b"props");
        let resealed = rotating.seal(&r, b"props", b"g").unwrap();
        assert_eq!(old.open(&resealed, b"g"), Err(SealError::UnknownKey));
        let rotated = Sealer::new(&NEW, None).unwrap();
        assert_eq!(rotated.open(&sealed, b"g"), Err(SealError::UnknownKey));
        assert_eq!(rotated.open(&resealed, b"g").unwrap(), b"props");
    }

    #[test]
    fn keys_are_32_bytes_of_base64_and_never_echoed() {
        let b64 = STANDARD.encode(NEW);
        assert_eq!(key_from_base64(&b64).unwrap(), NEW);
        assert_eq!(key_from_base64(&URL_SAFE_NO_PAD.encode(NEW)).unwrap(), NEW);
        let short = STANDARD.encode([7u8; 16]);
        let SealError::BadKey(why) = key_from_base64(&short).unwrap_err() else {
            panic!("expected BadKey");
        };
        assert!(!why.contains(&short));
        assert!(matches!(
            Sealer::new(&[0; 16], None),
            Err(SealError::BadKey(_))
        ));
        assert_eq!(
            format!("{:?}", Sealer::new(&NEW, None).unwrap()),
            "Sealer([redacted])"
        );
    }
}
