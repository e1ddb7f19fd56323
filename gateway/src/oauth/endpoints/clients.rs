//! Finding the client behind a `client_id`: a registered one in KV, or one whose id is the
//! https URL of its Client ID Metadata Document, fetched (no redirects to other hosts, a
//! timeout, a size limit, no private addresses), validated, and cached as HTTP says.

use super::AuthServer;
use crate::oauth::store::{self, StoredClient};
use crate::oauth::{validate_metadata_document, ClientId, OAuthError, MAX_METADATA_DOCUMENT_BYTES};
use crate::platform::{Fetched, PlatformError, NO_ANSWER, TOO_LARGE};

/// Longest wait for a metadata document.
pub const METADATA_TIMEOUT_MS: u64 = 5_000;
/// Same-host redirects followed.
pub const MAX_REDIRECTS: usize = 3;
/// Cache lifetime when the document's server says nothing.
pub const DEFAULT_CACHE_SECS: u64 = 300;
/// Longest cache lifetime, whatever the server says.
pub const MAX_CACHE_SECS: u64 = 86_400;

fn cache_key(url: &str) -> String {
    format!("oauth:cimd:{url}")
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// Whether `host` (with its port, as in a URL's authority) is private in any spelling.
pub fn is_private_address(host: &str) -> bool {
    let bare = match host.strip_prefix('[') {
        Some(_) => host.split_inclusive(']').next().unwrap_or(host),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    crate::address::is_private_host(bare)
}

fn cache_secs(answer: &Fetched) -> Option<u64> {
    let control = answer
        .header("cache-control")
        .unwrap_or("")
        .to_ascii_lowercase();
    if control.contains("no-store") || control.contains("no-cache") {
        return None;
    }
    let max_age = control
        .split(',')
        .filter_map(|d| d.trim().strip_prefix("max-age="))
        .find_map(|v| v.trim().parse::<u64>().ok());
    Some(
        max_age
            .unwrap_or(DEFAULT_CACHE_SECS)
            .clamp(60, MAX_CACHE_SECS),
    )
}

fn refused(why: String) -> OAuthError {
    OAuthError::InvalidClient(format!("client metadata document: {why}"))
}

/// A failed fetch, told in our words (the runtime's own text goes to the log only).
fn unfetched(e: &PlatformError) -> OAuthError {
    let why = if e.0.starts_with(NO_ANSWER) {
        format!(
            "its server sent no complete answer within {} seconds",
            METADATA_TIMEOUT_MS / 1000
        )
    } else if e.0.starts_with(TOO_LARGE) {
        format!(
            "it is larger than {MAX_METADATA_DOCUMENT_BYTES} bytes, the most a metadata document \
             may be"
        )
    } else {
        crate::log::internal("client metadata fetch", &e.0);
        "its server could not be reached".into()
    };
    refused(why)
}

/// The client `id` names, or `None` when no such client is registered.
pub(super) async fn lookup(
    server: &AuthServer<'_>,
    id: &ClientId,
) -> Result<Option<StoredClient>, OAuthError> {
    let kv = server.platform.kv;
    let loopback = id.is_loopback_metadata_url();
    if !id.is_metadata_url() && !loopback {
        return store::client(kv, id)
            .await
            .map_err(|e| super::storage_failed("client lookup", &e));
    }
    if loopback && !server.allow_loopback_metadata {
        return Err(refused(
            "http loopback documents are fetched only in local development".into(),
        ));
    }
    if !loopback && is_private_address(host_of(id.as_str())) {
        return Err(refused("the document's host is a private address".into()));
    }
    if let Ok(Some(bytes)) = kv.get(&cache_key(id.as_str())).await {
        if let Ok(client) = serde_json::from_slice::<StoredClient>(&bytes) {
            return Ok(Some(client));
        }
    }
    let mut url = id.as_str().to_owned();
    let mut answer = None;
    for _ in 0..=MAX_REDIRECTS {
        let got = server
            .platform
            .fetch
            .get(&url, MAX_METADATA_DOCUMENT_BYTES, METADATA_TIMEOUT_MS)
            .await
            .map_err(|e| unfetched(&e))?;
        if !(300..400).contains(&got.status) {
            answer = Some(got);
            break;
        }
        let next = got.header("location").unwrap_or_default().to_owned();
        let next = if next.starts_with('/') {
            format!("https://{}{next}", host_of(&url))
        } else {
            next
        };
        if host_of(&next) != host_of(id.as_str()) || !next.starts_with("https://") && !loopback {
            return Err(refused("it redirects to another host".into()));
        }
        url = next;
    }
    let answer = answer.ok_or_else(|| refused("too many redirects".into()))?;
    if answer.status != 200 {
        return Err(refused(format!(
            "its server answered HTTP {}",
            answer.status
        )));
    }
    let metadata = validate_metadata_document(id.as_str(), &answer.body)
        .map_err(|e| refused(e.description().to_owned()))?;
    let client = StoredClient {
        metadata,
        secret_hash: None,
        issued_at: server.platform.clock.now_ms() / 1000,
        self_registered: false,
    };
    if let (Some(ttl), Ok(bytes)) = (cache_secs(&answer), serde_json::to_vec(&client)) {
        let _ = kv.put(&cache_key(id.as_str()), &bytes, Some(ttl)).await;
    }
    Ok(Some(client))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_loopback_literals_are_recognised() {
        for host in [
            "10.0.0.1",
            "172.16.5.4:443",
            "192.168.1.1",
            "127.0.0.1:8787",
            "169.254.169.254",
            "[::1]",
            "[fd00::1]",
            "[fe80::1]:80",
            "[::ffff:10.0.0.1]",
            "localhost",
            "100.64.0.1",
            "0.0.0.0",
            "2130706433",
            "0x7f.1",
            "127.1",
            "0177.0.0.1",
            "127.0.0.1.",
            "localhost.",
            "[::ffff:7f00:1]",
            "[64:ff9b::7f00:1]",
            "[64:ff9b::169.254.169.254]",
        ] {
            assert!(is_private_address(host), "{host}");
        }
        for host in ["example.com", "8.8.8.8", "[2606:4700::1111]", "172.32.0.1"] {
            assert!(!is_private_address(host), "{host}");
        }
    }

    #[test]
    fn caching_follows_cache_control_within_bounds() {
        let with = |v: &str| Fetched {
            status: 200,
            headers: vec![("cache-control".into(), v.into())],
            body: vec![],
        };
        assert_eq!(cache_secs(&with("max-age=600")), Some(600));
        assert_eq!(cache_secs(&with("public, max-age=5")), Some(60));
        assert_eq!(cache_secs(&with("max-age=99999999")), Some(MAX_CACHE_SECS));
        assert_eq!(cache_secs(&with("no-store")), None);
        assert_eq!(cache_secs(&Fetched::default()), Some(DEFAULT_CACHE_SECS));
    }
}
