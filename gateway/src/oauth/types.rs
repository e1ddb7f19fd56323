//! Identifiers a client sends: `ClientId` (ours, or a Client ID Metadata Document URL) and
//! `State`. Scopes, URIs, PKCE values and secrets have their own files.

use super::error::{shown, OAuthError};
use super::newtype::newtype;
use super::uri::split;

/// Longest `client_id`, ours or a metadata document URL (it becomes part of storage keys).
pub const MAX_CLIENT_ID_LEN: usize = 255;
/// Longest `state` a client may send; it comes back in the redirect unchanged.
pub const MAX_STATE_LEN: usize = 1024;

fn is_url_form(value: &str) -> bool {
    let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The rules of a Client ID Metadata Document URL (draft-ietf-oauth-client-id-metadata-
/// document §3): https (or http on loopback, for local development), a path, no fragment;
/// `split` already refuses user info and dot segments.
fn metadata_url_rule(value: &str) -> Result<(), String> {
    let parts = split(value)?;
    if !(parts.is_https() || parts.is_loopback_http()) {
        return Err("must be an https URL to be used as a client metadata document".into());
    }
    if parts.path.is_empty() || parts.path == "/" {
        return Err("needs a path after the host to name a client metadata document".into());
    }
    if parts.fragment.is_some() {
        return Err("must not have a fragment".into());
    }
    Ok(())
}

fn check_client_id(value: &str) -> Result<(), OAuthError> {
    let bad = |why: String| OAuthError::InvalidRequest(format!("client_id {why}"));
    if value.is_empty() {
        return Err(bad("is empty; send the client_id you registered".into()));
    }
    if value.len() > MAX_CLIENT_ID_LEN {
        return Err(bad(format!(
            "is longer than {MAX_CLIENT_ID_LEN} characters"
        )));
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("may hold only visible ASCII characters".into()));
    }
    if is_url_form(value) {
        metadata_url_rule(value).map_err(|why| bad(format!("{} {why}", shown(value))))?;
    }
    Ok(())
}

fn check_state(value: &str) -> Result<(), OAuthError> {
    // RFC 6749 Appendix A.5: state = 1*VSCHAR, and VSCHAR includes the space.
    if value.is_empty()
        || value.len() > MAX_STATE_LEN
        || !value.bytes().all(|b| (0x20..=0x7e).contains(&b))
    {
        return Err(OAuthError::InvalidRequest(format!(
            "state must be 1 to {MAX_STATE_LEN} printable ASCII characters; omit it or shorten it"
        )));
    }
    Ok(())
}

newtype!(
    /// A client's identifier: 1 to 255 visible ASCII characters that we issued, or the URL of
    /// its Client ID Metadata Document.
    ClientId: check_client_id
);

newtype!(
    /// The client's opaque `state`, returned with the redirect as it came. A caller treats an
    /// empty `state=` as absent.
    State: check_state
);

impl ClientId {
    /// Whether this id is an https Client ID Metadata Document URL, to be fetched.
    pub fn is_metadata_url(&self) -> bool {
        split(&self.0).is_ok_and(|p| p.is_https())
    }

    /// Whether this id is a metadata document URL on a loopback http host: fetched only when
    /// local development allows it.
    pub fn is_loopback_metadata_url(&self) -> bool {
        is_url_form(&self.0) && split(&self.0).is_ok_and(|p| p.is_loopback_http())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_visible_ascii_or_metadata_urls() {
        let ours = ClientId::parse("dc_Zx8-abc").unwrap();
        assert!(!ours.is_metadata_url() && !ours.is_loopback_metadata_url());
        let url = ClientId::parse("https://claude.ai/oauth/mcp-oauth-client-metadata").unwrap();
        assert!(url.is_metadata_url() && !url.is_loopback_metadata_url());
        let dev = ClientId::parse("http://127.0.0.1:9999/client.json").unwrap();
        assert!(dev.is_loopback_metadata_url() && !dev.is_metadata_url());
        for bad in [
            "",
            "has space",
            "tab\there",
            "caf\u{e9}",
            "https://app.example",
            "https://app.example/",
            "https://app.example/c#frag",
            "https://app.example/a/../c",
            "http://app.example/client.json",
        ] {
            assert!(ClientId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ClientId::parse(&"a".repeat(MAX_CLIENT_ID_LEN)).is_ok());
        assert!(ClientId::parse(&"a".repeat(MAX_CLIENT_ID_LEN + 1)).is_err());
    }

    #[test]
    fn state_is_printable_ascii_up_to_the_limit() {
        assert_eq!(State::parse("a b~c").unwrap().as_str(), "a b~c");
        assert!(State::parse(&"s".repeat(MAX_STATE_LEN)).is_ok());
        let e = State::parse(&"s".repeat(MAX_STATE_LEN + 1)).unwrap_err();
        assert!(matches!(e, OAuthError::InvalidRequest(_)));
        assert!(State::parse("").is_err());
        assert!(State::parse("line\nbreak").is_err());
    }
}
