//! What a grant carries about its user, sealed (AES-256-GCM, bound to the grant id): who they
//! are, how they signed in, and — for GitHub sign-in — their GitHub tokens and the accounts of
//! their App installations. Only the gateway reads it; clients never see it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::github::UpstreamTokens;
use super::{OAuthError, Sealer};
use crate::platform::Random;

/// The identity provider names stored in grants and shown in `get_user_info`.
pub const IDP_PASSWORD: &str = "password";
/// GitHub sign-in.
pub const IDP_GITHUB: &str = "github";

/// A grant's sealed properties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantProps {
    /// The user's stable id at the identity provider.
    pub subject: String,
    /// Display name (for GitHub: the login).
    pub name: String,
    /// `password` or `github`.
    pub idp: String,
    /// The user's GitHub tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github: Option<UpstreamTokens>,
    /// Accounts of the user's GitHub App installations; `None` for the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenants: Option<Vec<String>>,
    /// What of each installation the user reaches (repositories, admin); absent in grants
    /// sealed before it was read, which see no events until their next refresh reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<Vec<crate::toolbox::Reach>>,
}

impl GrantProps {
    /// The operator, signed in with the password.
    pub fn owner() -> Self {
        Self {
            subject: "owner".into(),
            name: "Owner".into(),
            idp: IDP_PASSWORD.into(),
            github: None,
            tenants: None,
            reach: None,
        }
    }

    /// Seals these properties for grant `grant_id`, as stored base64url.
    pub fn seal(
        &self,
        sealer: &Sealer,
        random: &dyn Random,
        grant_id: &str,
    ) -> Result<String, OAuthError> {
        let plain = serde_json::to_vec(self)
            .map_err(|_| OAuthError::ServerError("the grant could not be sealed".into()))?;
        sealer
            .seal(random, &plain, grant_id.as_bytes())
            .map(|sealed| B64.encode(sealed))
            .map_err(|e| match e {
                super::SealError::NoRandom => crate::platform::RandomError.into(),
                _ => OAuthError::ServerError("the grant could not be sealed".into()),
            })
    }

    /// Opens the sealed properties of grant `grant_id`. What a retired key sealed cannot be
    /// read: the user signs in again.
    pub fn open(sealer: &Sealer, grant_id: &str, sealed: &str) -> Result<Self, OAuthError> {
        let unreadable =
            || OAuthError::InvalidGrant("the grant is unreadable; sign in again".into());
        let bytes = B64.decode(sealed).map_err(|_| unreadable())?;
        let plain = sealer.open(&bytes, grant_id.as_bytes()).map_err(|_| {
            OAuthError::InvalidGrant(
                "the grant was sealed with a retired key; sign in again".into(),
            )
        })?;
        serde_json::from_slice(&plain).map_err(|_| unreadable())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::native::OsRandom;

    #[test]
    fn props_round_trip_only_for_their_own_grant() {
        let sealer = Sealer::new(&[7u8; 32], None).unwrap();
        let props = GrantProps {
            github: Some(UpstreamTokens {
                access_token: "ghu_secret".into(),
                expires_ms: Some(5),
                refresh_token: Some("ghr_secret".into()),
                refresh_expires_ms: None,
            }),
            tenants: Some(vec!["octo-org".into()]),
            ..GrantProps::owner()
        };
        let sealed = props.seal(&sealer, &OsRandom, "grant-a").unwrap();
        assert!(!sealed.contains("ghu_secret"));
        assert_eq!(
            GrantProps::open(&sealer, "grant-a", &sealed).unwrap(),
            props
        );
        assert!(GrantProps::open(&sealer, "grant-b", &sealed).is_err());
        assert!(!format!("{props:?}").contains("ghu_secret"));
    }
}
