//! Secrets we issue (codes, tokens, client secrets): made from 256 random bits, stored only as
//! SHA-256 hashes, compared in constant time, and never printed.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::OAuthError;
use super::newtype::newtype;
use crate::platform::{Random, RandomError};

/// Random bytes in every token we issue: 256 bits.
pub const TOKEN_BYTES: usize = 32;
/// Longest token, code or client secret accepted from a client (ours are far shorter).
pub const MAX_SECRET_LEN: usize = 512;

/// A new secret: `prefix` then 32 random bytes in unpadded base64url (43 characters).
pub fn new_token(random: &dyn Random, prefix: &str) -> Result<String, RandomError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    random.fill(&mut bytes)?;
    Ok(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// The storage form of a secret: unpadded base64url SHA-256. Everything hashed here is a
/// 256-bit random value we issued, so a fast hash cannot be brute-forced and needs no salt or
/// stretching; client secrets are issued the same way and hashed the same way.
pub fn hash_secret(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths.
pub fn eq_constant_time(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

fn shape(value: &str, what: &str) -> Result<(), String> {
    if value.is_empty()
        || value.len() > MAX_SECRET_LEN
        || !value.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(format!(
            "{what} must be 1 to {MAX_SECRET_LEN} visible ASCII characters"
        ));
    }
    Ok(())
}

fn check_access_token(v: &str) -> Result<(), OAuthError> {
    shape(v, "The access token").map_err(OAuthError::InvalidToken)
}

fn check_refresh_token(v: &str) -> Result<(), OAuthError> {
    shape(v, "refresh_token").map_err(OAuthError::InvalidGrant)
}

fn check_code(v: &str) -> Result<(), OAuthError> {
    shape(v, "code").map_err(OAuthError::InvalidGrant)
}

fn check_client_secret(v: &str) -> Result<(), OAuthError> {
    shape(v, "client_secret").map_err(OAuthError::InvalidClient)
}

newtype!(
    /// A bearer access token, as issued or as presented.
    secret AccessToken: check_access_token
);

newtype!(
    /// A refresh token, as issued or as presented.
    secret RefreshToken: check_refresh_token
);

newtype!(
    /// An authorization code, as issued or as presented.
    secret AuthorizationCode: check_code
);

newtype!(
    /// A confidential client's secret, as issued or as presented.
    secret ClientSecret: check_client_secret
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    struct Counting(Cell<u8>);

    impl Random for Counting {
        fn fill(&self, buf: &mut [u8]) -> Result<(), crate::platform::RandomError> {
            for b in buf {
                *b = self.0.get();
                self.0.set(self.0.get().wrapping_add(1));
            }
            Ok(())
        }
    }

    #[test]
    fn tokens_carry_256_random_bits() {
        let random = Counting(Cell::new(0));
        let a = new_token(&random, "dca_").unwrap();
        let b = new_token(&random, "dca_").unwrap();
        assert!(a.starts_with("dca_"));
        assert_eq!(a.len(), 4 + 43);
        assert_ne!(a, b);
        let decoded = URL_SAFE_NO_PAD.decode(&a[4..]).unwrap();
        assert_eq!(decoded, (0..32).collect::<Vec<u8>>());
    }

    #[test]
    fn hashes_are_sha256_base64url() {
        // SHA-256("abc") from FIPS 180-2.
        let expected = URL_SAFE_NO_PAD.encode([
            0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
            0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
            0xf2, 0x00, 0x15, 0xad,
        ]);
        assert_eq!(hash_secret("abc"), expected);
        assert_ne!(hash_secret("abc"), hash_secret("abd"));
    }

    #[test]
    fn constant_time_equality() {
        assert!(eq_constant_time(b"same", b"same"));
        assert!(!eq_constant_time(b"same", b"sane"));
        assert!(!eq_constant_time(b"same", b"same-but-longer"));
    }

    #[test]
    fn presented_secrets_get_the_error_of_their_endpoint() {
        let t = AccessToken::parse("dca_abc").unwrap();
        assert_eq!(format!("{t:?}"), "AccessToken([redacted])");
        assert_eq!(t.hash(), hash_secret("dca_abc"));
        assert!(matches!(
            AccessToken::parse("a b"),
            Err(OAuthError::InvalidToken(_))
        ));
        assert!(matches!(
            RefreshToken::parse(""),
            Err(OAuthError::InvalidGrant(_))
        ));
        assert!(matches!(
            AuthorizationCode::parse("\n"),
            Err(OAuthError::InvalidGrant(_))
        ));
        let long = "s".repeat(MAX_SECRET_LEN + 1);
        assert!(matches!(
            ClientSecret::parse(&long),
            Err(OAuthError::InvalidClient(_))
        ));
        let e = ClientSecret::parse("has space").unwrap_err();
        assert!(!e.description().contains("has space"));
    }
}
