//! `X-Hub-Signature-256`: HMAC-SHA256 of the raw body under the webhook secret, written
//! `sha256=` + 64 lower-case hex digits. Compared in constant time against every configured
//! secret (two during a rotation).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::platform::{Digests, PlatformError};

/// Why a signature does not verify. Callers answer 403 for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// No `X-Hub-Signature-256` header.
    Missing,
    /// Not `sha256=` followed by 64 hex digits.
    Malformed,
    /// Well-formed, but no configured secret produced it.
    Mismatch,
}

impl SignatureError {
    /// What the sender should do.
    pub fn description(self) -> &'static str {
        match self {
            Self::Missing => "the delivery has no X-Hub-Signature-256 header; set a secret on the webhook",
            Self::Malformed => "X-Hub-Signature-256 must be sha256= followed by 64 hex digits",
            Self::Mismatch => "X-Hub-Signature-256 does not match; check that the webhook's secret is GITHUB_WEBHOOK_SECRET",
        }
    }
}

fn decode_hex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        out[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(out)
}

/// The header value GitHub would send for `body` under `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256>>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex = crate::hex::lower(&digest);
    format!("sha256={hex}")
}

/// Checks `header` against `body` under each of `secrets`, hashing by `digests` (the host's
/// native code on Workers); every secret is tried and compared in constant time, so the time
/// taken does not say which one matched. The outer error is the host failing to hash.
pub async fn verify(
    digests: &dyn Digests,
    header: Option<&str>,
    body: &[u8],
    secrets: &[String],
) -> Result<Result<(), SignatureError>, PlatformError> {
    let Some(header) = header else {
        return Ok(Err(SignatureError::Missing));
    };
    let Some(expected) = header.trim().strip_prefix("sha256=").and_then(decode_hex) else {
        return Ok(Err(SignatureError::Malformed));
    };
    let mut matched = subtle::Choice::from(0);
    for secret in secrets {
        let tag = digests.hmac_sha256(secret.as_bytes(), body).await?;
        matched |= tag.ct_eq(&expected);
    }
    Ok(match bool::from(matched) {
        true => Ok(()),
        false => Err(SignatureError::Mismatch),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::native::SoftDigests;

    fn verify(header: Option<&str>, body: &[u8], secrets: &[String]) -> Result<(), SignatureError> {
        pollster::block_on(super::verify(&SoftDigests, header, body, secrets))
            .expect("hashing in Rust does not fail")
    }

    // GitHub's documented example ("Validating webhook deliveries").
    const SECRET: &str = "It's a Secret to Everybody";
    const BODY: &[u8] = b"Hello, World!";
    const SIGNATURE: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn githubs_test_vector_verifies() {
        assert_eq!(sign(SECRET.as_bytes(), BODY), SIGNATURE);
        assert_eq!(verify(Some(SIGNATURE), BODY, &[SECRET.into()]), Ok(()));
    }

    #[test]
    fn either_secret_of_a_rotation_verifies() {
        let secrets = ["new secret".to_owned(), SECRET.to_owned()];
        assert_eq!(verify(Some(SIGNATURE), BODY, &secrets), Ok(()));
        assert_eq!(
            verify(Some(SIGNATURE), BODY, &secrets[..1]),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn wrong_missing_malformed_and_truncated_signatures_are_refused() {
        let s = [SECRET.to_owned()];
        assert_eq!(verify(None, BODY, &s), Err(SignatureError::Missing));
        assert_eq!(
            verify(Some(SIGNATURE), b"Hello, World?", &s),
            Err(SignatureError::Mismatch)
        );
        let upper = format!("sha256={}", SIGNATURE[7..].to_uppercase());
        assert_eq!(
            verify(Some(&upper), BODY, &s),
            Ok(()),
            "hex is case-insensitive"
        );
        for bad in [
            &SIGNATURE[..SIGNATURE.len() - 1],
            &SIGNATURE[7..],
            "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "",
        ] {
            assert_eq!(
                verify(Some(bad), BODY, &s),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
        assert_eq!(
            verify(Some(SIGNATURE), BODY, &[]),
            Err(SignatureError::Mismatch)
        );
    }
}
