//! GitHub's webhook source ranges (the `hooks` list of GitHub's meta API), carried in the
//! build, and the check of a caller's address against them. The outermost check of intake:
//! it costs no storage and refuses most traffic that is not GitHub's.

use std::net::IpAddr;

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

/// Whether `address` (from `CF-Connecting-IP`) is one of GitHub's hook senders. An absent or
/// unparsable address is not.
pub fn is_github(address: Option<&str>) -> bool {
    let Some(ip) = address.and_then(|a| a.trim().parse::<IpAddr>().ok()) else {
        return false;
    };
    GITHUB_HOOK_RANGES
        .iter()
        .filter_map(|r| Cidr::parse(r))
        .any(|c| c.contains(ip))
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
