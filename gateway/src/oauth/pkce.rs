//! PKCE (RFC 7636), S256 only: the challenge sent to `/authorize`, the verifier sent to
//! `/token`, and the check that binds them. `plain` is refused (OAuth 2.1 §4.1.1).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::error::{shown, OAuthError};
use super::newtype::newtype;
use super::secret::eq_constant_time;

/// Shortest verifier and challenge (RFC 7636 §4.1, §4.2).
pub const MIN_PKCE_LEN: usize = 43;
/// Longest verifier and challenge.
pub const MAX_PKCE_LEN: usize = 128;
/// Length of an S256 challenge: 32 bytes of SHA-256 in unpadded base64url.
pub const S256_CHALLENGE_LEN: usize = 43;

fn in_bounds(value: &str) -> bool {
    (MIN_PKCE_LEN..=MAX_PKCE_LEN).contains(&value.len())
}

fn check_challenge(value: &str) -> Result<(), OAuthError> {
    let base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if !in_bounds(value) || !value.bytes().all(base64url) {
        return Err(OAuthError::InvalidRequest(format!(
            "code_challenge must be {MIN_PKCE_LEN} to {MAX_PKCE_LEN} base64url characters \
             (A-Z a-z 0-9 - _): the unpadded base64url SHA-256 of the code_verifier"
        )));
    }
    Ok(())
}

fn check_verifier(value: &str) -> Result<(), OAuthError> {
    // A malformed verifier cannot redeem the code: `invalid_grant`, as for a wrong one.
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    if !in_bounds(value) || !value.bytes().all(unreserved) {
        return Err(OAuthError::InvalidGrant(format!(
            "code_verifier must be {MIN_PKCE_LEN} to {MAX_PKCE_LEN} characters of \
             A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)"
        )));
    }
    Ok(())
}

newtype!(
    /// A `code_challenge`: 43 to 128 base64url characters.
    CodeChallenge: check_challenge
);

newtype!(
    /// A `code_verifier`: 43 to 128 unreserved characters. Secret until the code is redeemed.
    secret CodeVerifier: check_verifier
);

/// The one challenge method accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeMethod {
    /// `S256`: the challenge is `BASE64URL(SHA256(verifier))`.
    S256,
}

impl ChallengeMethod {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        "S256"
    }
}

/// Reads `code_challenge_method`: `S256`, or an error naming what was sent instead. A missing
/// method means `plain` (RFC 7636 §4.3), so it is refused too.
pub fn challenge_method(method: Option<&str>) -> Result<ChallengeMethod, OAuthError> {
    match method {
        Some("S256") => Ok(ChallengeMethod::S256),
        None | Some("") => Err(OAuthError::InvalidRequest(
            "code_challenge_method is missing, which means `plain`; PKCE here requires \
             code_challenge_method=S256"
                .into(),
        )),
        Some("plain") => Err(OAuthError::InvalidRequest(
            "code_challenge_method `plain` is not allowed; PKCE here requires S256".into(),
        )),
        Some(other) => Err(OAuthError::InvalidRequest(format!(
            "code_challenge_method {} is not supported; PKCE here requires S256",
            shown(other)
        ))),
    }
}

/// Reads the PKCE parameters of an authorization request: a challenge is required, its
/// method must be S256, and an S256 challenge is exactly 43 characters.
pub fn challenge_from_request(
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<CodeChallenge, OAuthError> {
    let Some(challenge) = challenge.filter(|c| !c.is_empty()) else {
        return Err(OAuthError::InvalidRequest(
            "code_challenge is missing; PKCE is required: send code_challenge and \
             code_challenge_method=S256"
                .into(),
        ));
    };
    challenge_method(method)?;
    let challenge = CodeChallenge::parse(challenge)?;
    if challenge.as_str().len() != S256_CHALLENGE_LEN {
        return Err(OAuthError::InvalidRequest(format!(
            "code_challenge is {} characters; an S256 challenge is the {S256_CHALLENGE_LEN}-character \
             unpadded base64url SHA-256 of the code_verifier",
            challenge.as_str().len()
        )));
    }
    Ok(challenge)
}

/// The S256 challenge of `verifier`: `BASE64URL(SHA256(verifier))`.
pub fn s256(verifier: &CodeVerifier) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.secret().as_bytes()))
}

/// Whether `verifier` hashes to `challenge` under S256, compared in constant time.
pub fn verify_s256(verifier: &CodeVerifier, challenge: &CodeChallenge) -> bool {
    eq_constant_time(s256(verifier).as_bytes(), challenge.as_str().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc_7636_appendix_b() {
        let v = CodeVerifier::parse(VERIFIER).unwrap();
        let c = challenge_from_request(Some(CHALLENGE), Some("S256")).unwrap();
        assert!(verify_s256(&v, &c));
        let wrong = CodeVerifier::parse(&VERIFIER.replace('d', "e")).unwrap();
        assert!(!verify_s256(&wrong, &c));
        assert_eq!(format!("{v:?}"), "CodeVerifier([redacted])");
    }

    #[test]
    fn only_s256_is_accepted() {
        assert_eq!(challenge_method(Some("S256")), Ok(ChallengeMethod::S256));
        for (method, why) in [
            (None, "missing"),
            (Some("plain"), "plain"),
            (Some("S512"), "S512"),
            (Some("s256"), "s256"),
        ] {
            let e = challenge_from_request(Some(CHALLENGE), method).unwrap_err();
            assert!(matches!(e, OAuthError::InvalidRequest(_)));
            assert!(e.description().contains(why), "{}", e.description());
        }
    }

    #[test]
    fn a_missing_or_misshapen_challenge_names_pkce() {
        let e = challenge_from_request(None, Some("S256")).unwrap_err();
        assert!(e.description().contains("PKCE"));
        assert!(challenge_from_request(Some(&"a".repeat(44)), Some("S256")).is_err());
        assert!(challenge_from_request(Some(&"a+".repeat(22)), Some("S256")).is_err());
        assert!(CodeChallenge::parse(&"a".repeat(128)).is_ok());
    }

    #[test]
    fn verifiers_are_unreserved_characters_of_the_right_length() {
        assert!(CodeVerifier::parse(&"a~._-".repeat(9)).is_ok());
        let e = CodeVerifier::parse("short").unwrap_err();
        assert!(matches!(e, OAuthError::InvalidGrant(_)));
        assert!(CodeVerifier::parse(&"a".repeat(129)).is_err());
        assert!(CodeVerifier::parse(&"a+".repeat(22)).is_err());
    }
}
