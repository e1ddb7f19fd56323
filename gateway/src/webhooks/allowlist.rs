//! GitHub's webhook source ranges (the `hooks` list of GitHub's meta API) and the check of a
//! caller's address against them — the outermost check of intake. The build carries the
//! ranges; in production a Cron Trigger refreshes them from the meta API into KV, where they
//! live a week (a stale copy falls back to the built-in list), read at most every five minutes
//! per isolate.

use std::cell::RefCell;
use std::net::IpAddr;

use serde::Deserialize;

use crate::platform::{Outbound, Platform};

/// Where GitHub publishes its ranges.
pub const META_URL: &str = "https://api.github.com/meta";
/// The KV key of the refreshed ranges.
pub const KV_KEY: &str = "webhooks:github-hook-ranges";
/// How long refreshed ranges are trusted without another refresh.
pub const KV_TTL_SECS: u64 = 7 * 24 * 3600;
/// How long an isolate keeps the ranges it read.
const CACHE_MS: u64 = 5 * 60 * 1000;
/// The meta document is a few hundred KiB (it lists every GitHub service's ranges).
const MAX_META_BYTES: usize = 4 * 1024 * 1024;
/// More hook ranges than this means the document is not what it should be.
const MAX_RANGES: usize = 1000;

/// GitHub's published `hooks` ranges when this was built. Update from
/// `curl https://api.github.com/meta | jq .hooks`.
pub const GITHUB_HOOK_RANGES: &[&str] = &[
    "192.30.252.0/22",
    "185.199.108.0/22",
    "140.82.112.0/20",
    "143.55.64.0/20",
    "2a0a:a440::/29",
    "2606:50c0::/32",
];

/// An address range, `address/prefix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    base: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `192.30.252.0/22` or `2a0a:a440::/29`.
    pub fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = text.trim().split_once('/')?;
        let base: IpAddr = addr.parse().ok()?;
        let prefix: u8 = prefix.parse().ok()?;
        let bits = if base.is_ipv4() { 32 } else { 128 };
        (prefix <= bits).then_some(Self { base, prefix })
    }

    /// Whether `ip` lies in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (a, b, bits) = match (self.base, ip.to_canonical()) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                (u128::from(u32::from(a)), u128::from(u32::from(b)), 32)
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
            _ => return false,
        };
        let shift = bits - u32::from(self.prefix);
        shift >= 128 || (a >> shift) == (b >> shift)
    }
}

fn built_in() -> Vec<Cidr> {
    GITHUB_HOOK_RANGES
        .iter()
        .filter_map(|r| Cidr::parse(r))
        .collect()
}

/// Whether `address` (from `CF-Connecting-IP`) lies in `ranges`. An absent or unparsable
/// address does not.
pub fn contains(ranges: &[Cidr], address: Option<&str>) -> bool {
    let Some(ip) = address.and_then(|a| a.trim().parse::<IpAddr>().ok()) else {
        return false;
    };
    ranges.iter().any(|c| c.contains(ip))
}

/// Whether `address` is one of GitHub's hook senders, by the built-in ranges.
pub fn is_github(address: Option<&str>) -> bool {
    contains(&built_in(), address)
}

fn parse_list(list: &[String]) -> Option<Vec<Cidr>> {
    let ranges: Option<Vec<Cidr>> = list.iter().map(|r| Cidr::parse(r)).collect();
    ranges.filter(|r| !r.is_empty() && r.len() <= MAX_RANGES)
}

thread_local! {
    static CACHE: RefCell<Option<(u64, Vec<Cidr>)>> = const { RefCell::new(None) };
}

/// The current ranges: the refreshed ones from KV, else the built-in list.
pub async fn current(platform: &Platform<'_>) -> Vec<Cidr> {
    let now = platform.clock.now_ms();
    if let Some(ranges) = CACHE.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(until, _)| *until > now)
            .map(|(_, r)| r.clone())
    }) {
        return ranges;
    }
    let stored = match platform.kv.get(KV_KEY).await {
        Ok(v) => v,
        Err(e) => {
            crate::log::internal("allowlist read", &e.0);
            None
        }
    };
    let ranges = stored
        .and_then(|b| serde_json::from_slice::<Vec<String>>(&b).ok())
        .and_then(|l| parse_list(&l))
        .unwrap_or_else(built_in);
    CACHE.with(|c| *c.borrow_mut() = Some((now + CACHE_MS, ranges.clone())));
    ranges
}

#[derive(Deserialize)]
struct Meta {
    hooks: Vec<String>,
}

/// Fetches GitHub's meta document and stores its `hooks` ranges; returns how many. A failed or
/// implausible answer changes nothing.
pub async fn refresh(platform: &Platform<'_>) -> Result<usize, String> {
    let request = Outbound::get(META_URL, MAX_META_BYTES, 10_000)
        .header("accept", "application/vnd.github+json")
        .header("user-agent", "dovecote-gateway");
    let answer = platform
        .fetch
        .send(&request)
        .await
        .map_err(|e| format!("fetching {META_URL}: {e}"))?;
    if answer.status != 200 {
        return Err(format!("{META_URL} answered {}", answer.status));
    }
    let meta: Meta = serde_json::from_slice(&answer.body)
        .map_err(|e| format!("{META_URL} has no usable hooks list: {e}"))?;
    let ranges = parse_list(&meta.hooks)
        .ok_or_else(|| format!("{META_URL} lists hook ranges that do not parse"))?;
    let body = serde_json::to_vec(&meta.hooks).map_err(|e| e.to_string())?;
    platform
        .kv
        .put(KV_KEY, &body, Some(KV_TTL_SECS))
        .await
        .map_err(|e| format!("storing the ranges: {e}"))?;
    CACHE.with(|c| *c.borrow_mut() = None);
    Ok(ranges.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_range_parses() {
        for r in GITHUB_HOOK_RANGES {
            assert!(Cidr::parse(r).is_some(), "{r}");
        }
    }

    #[test]
    fn github_addresses_pass_and_others_do_not() {
        assert!(is_github(Some("192.30.252.1")));
        assert!(is_github(Some("192.30.255.255")));
        assert!(!is_github(Some("192.30.251.255")));
        assert!(is_github(Some("140.82.127.254")));
        assert!(is_github(Some("2606:50c0:8000::154")));
        assert!(is_github(Some("::ffff:192.30.252.7")), "IPv4-mapped IPv6");
        assert!(!is_github(Some("2606:50c1::1")));
        assert!(!is_github(Some("127.0.0.1")));
        assert!(!is_github(Some("not an address")));
        assert!(!is_github(None));
    }

    #[test]
    fn a_refresh_replaces_the_ranges_and_a_bad_answer_keeps_them() {
        use crate::objects::host::TestHost;
        use crate::platform::native::ManualClock;
        let clock = ManualClock::new(1_800_000_000_000);
        let host = TestHost::new(&clock);
        let platform = host.platform();
        let fetch = &host.fetch;
        let now = |p: &Platform<'_>| pollster::block_on(current(p));
        assert!(contains(&now(&platform), Some("192.30.252.1")));
        fetch.answer_json(
            META_URL,
            200,
            &serde_json::json!({"hooks": ["198.51.100.0/24"], "web": ["x"]}),
        );
        assert_eq!(pollster::block_on(refresh(&platform)), Ok(1));
        assert!(contains(&now(&platform), Some("198.51.100.9")));
        assert!(
            !contains(&now(&platform), Some("192.30.252.1")),
            "the refreshed list replaces the built-in one"
        );
        fetch.answer_json(
            META_URL,
            200,
            &serde_json::json!({"hooks": ["not a range"]}),
        );
        assert!(pollster::block_on(refresh(&platform)).is_err());
        fetch.answer_json(META_URL, 503, &serde_json::json!({}));
        assert!(pollster::block_on(refresh(&platform)).is_err());
        assert!(
            contains(&now(&platform), Some("198.51.100.9")),
            "a failed refresh keeps the last list"
        );
        let sent = fetch.sent();
        assert!(sent
            .iter()
            .all(|r| r.headers.iter().any(|(n, _)| n == "user-agent")));
        clock.advance_ms(KV_TTL_SECS * 1000 + CACHE_MS);
        assert!(
            contains(&now(&platform), Some("192.30.252.1")),
            "a stale list falls back to the built-in one"
        );
    }

    #[test]
    fn prefixes_are_bounded() {
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("::/0")
            .unwrap()
            .contains("2001:db8::1".parse().unwrap()));
        assert!(!Cidr::parse("::/0")
            .unwrap()
            .contains("10.0.0.1".parse().unwrap()));
    }
}
