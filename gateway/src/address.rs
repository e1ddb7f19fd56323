//! Private addresses in every spelling: the one guard for URLs the gateway fetches or sends to
//! on someone else's word (Client ID Metadata Documents, channel URLs set at run time). A host
//! is read as a browser's URL parser and the resolver read it — `2130706433`, `0x7f.1`,
//! `0177.0.0.1` and `127.1` are all 127.0.0.1, a trailing dot is the same name, an IPv6 address
//! may carry an IPv4 one (mapped, NAT64, 6to4) — and refused when it names this machine or a
//! private network. A name that only *resolves* to a private address cannot be checked from
//! a Worker (it has no resolver): docs/security.md says so. Plain `std`: the macro crate and
//! the fuzz targets compile this very file (through `channels/rules.rs`).

use std::net::{Ipv4Addr, Ipv6Addr};

/// A URL's host, read as the resolver will read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// An IPv4 address, in whichever spelling it was written.
    V4(Ipv4Addr),
    /// An IPv6 literal (written in brackets).
    V6(Ipv6Addr),
    /// A DNS name, lower-cased, without a trailing dot.
    Name(String),
    /// Something a URL parser refuses or reads differently from us (`1.2.3.999`,
    /// `0x1g.1`, an unclosed `[`): refused wherever it appears.
    Unreadable,
}

impl Host {
    /// Reads `host` as written in a URL's authority (IPv6 in brackets, no port).
    pub fn parse(host: &str) -> Host {
        if let Some(inner) = host.strip_prefix('[') {
            return match inner.strip_suffix(']').map(str::parse::<Ipv6Addr>) {
                Some(Ok(v6)) => Host::V6(v6),
                _ => Host::Unreadable,
            };
        }
        let name = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
        if name.is_empty() || name.ends_with('.') {
            return Host::Unreadable;
        }
        match ipv4(&name) {
            Some(Some(v4)) => Host::V4(v4),
            Some(None) => Host::Unreadable,
            None => Host::Name(name),
        }
    }

    /// Whether this host is this machine, a private or shared network, or otherwise not a
    /// public destination (link-local, multicast, reserved, unreadable).
    pub fn is_private(&self) -> bool {
        match self {
            Host::V4(v4) => private_v4(*v4),
            Host::V6(v6) => private_v6(*v6),
            Host::Name(name) => ["localhost", "local", "internal", "localdomain", "home.arpa"]
                .iter()
                .any(|tld| name == tld || name.ends_with(&format!(".{tld}"))),
            Host::Unreadable => true,
        }
    }
}

/// Whether `host` (as written in a URL, without its port) names a private destination.
pub fn is_private_host(host: &str) -> bool {
    Host::parse(host).is_private()
}

/// One part of a WHATWG IPv4 host: `0x` hex, a leading `0` octal, else decimal.
fn ipv4_part(part: &str) -> Option<u64> {
    let (digits, radix) = if let Some(hex) = part.strip_prefix("0x") {
        (hex, 16)
    } else if part.len() > 1 && part.starts_with('0') {
        (&part[1..], 8)
    } else {
        (part, 10)
    };
    if digits.is_empty() {
        // `0x` alone is zero, as browsers read it.
        return (radix == 16).then_some(0);
    }
    if digits.len() > 32 || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// The IPv4 address `name` spells, as the WHATWG URL standard reads it: `None` when it is a
/// name, `Some(None)` when it looks numeric but is no address (a browser refuses it).
fn ipv4(name: &str) -> Option<Option<Ipv4Addr>> {
    let parts: Vec<&str> = name.split('.').collect();
    let last = parts.last().copied().unwrap_or_default();
    let numeric_last = !last.is_empty()
        && (last.bytes().all(|b| b.is_ascii_digit())
            || last
                .strip_prefix("0x")
                .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit())));
    if !numeric_last {
        return None;
    }
    if parts.len() > 4 {
        return Some(None);
    }
    let Some(values) = parts
        .iter()
        .map(|p| ipv4_part(p))
        .collect::<Option<Vec<u64>>>()
    else {
        return Some(None);
    };
    let (init, last) = values.split_at(values.len() - 1);
    if init.iter().any(|v| *v > 255) || last[0] >= 256u64.pow(5 - values.len() as u32) {
        return Some(None);
    }
    let mut address = last[0];
    for (i, v) in init.iter().enumerate() {
        address += v << (8 * (3 - i));
    }
    Some(u32::try_from(address).ok().map(Ipv4Addr::from))
}

fn private_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    v4.is_private()
        || v4.is_loopback()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || a == 0
        // Shared address space (carrier-grade NAT), RFC 6598.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, RFC 6890.
        || (a == 192 && b == 0 && c == 0)
        // Benchmarking, RFC 2544.
        || (a == 198 && (18..20).contains(&b))
        // Multicast and reserved.
        || a >= 224
}

fn private_v6(v6: Ipv6Addr) -> bool {
    let s = v6.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if let Some(v4) = v6.to_ipv4_mapped() {
        return private_v4(v4);
    }
    // IPv4-compatible (`::a.b.c.d`, deprecated) and NAT64's well-known prefix 64:ff9b::/96.
    if s[..6] == [0; 6] || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return private_v4(embedded(s[6], s[7]));
    }
    // 6to4 carries its IPv4 address in bits 16–48.
    if s[0] == 0x2002 {
        return private_v4(embedded(s[1], s[2]));
    }
    v6.is_loopback()
        || v6.is_unspecified()
        // Local-use NAT64, RFC 8215.
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1)
        // Unique local, link-local, site-local (deprecated), multicast.
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] & 0xffc0) == 0xfec0
        || (s[0] & 0xff00) == 0xff00
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_private_address_is_refused() {
        for host in [
            "127.0.0.1",
            "2130706433",
            "0x7f000001",
            "0x7f.1",
            "0x7F.0.0.1",
            "0177.0.0.1",
            "017700000001",
            "127.1",
            "127.0.1",
            "127.0.0.1.",
            "10.0.0.1",
            "012.1",
            "167772161",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "0xa9fea9fe",
            "100.64.0.1",
            "0.0.0.0",
            "0",
            "224.0.0.1",
            "255.255.255.255",
            "[::1]",
            "[::]",
            "[fd00::1]",
            "[fe80::1]",
            "[::ffff:127.0.0.1]",
            "[::ffff:7f00:1]",
            "[::ffff:10.0.0.1]",
            "[64:ff9b::7f00:1]",
            "[64:ff9b::10.0.0.1]",
            "[64:ff9b:1::1]",
            "[::127.0.0.1]",
            "[2002:7f00:1::1]",
            "[ff02::1]",
            "localhost",
            "LOCALHOST.",
            "api.localhost",
            "metadata.google.internal",
            "printer.local",
            "1.2.3.999",
            "0x1g.1",
            "1.2.3.4.5",
            "[::1",
            "a..",
            "",
        ] {
            assert!(is_private_host(host), "{host} should be private");
        }
    }

    #[test]
    fn public_hosts_pass_in_any_spelling() {
        for host in [
            "example.com",
            "example.com.",
            "8.8.8.8",
            "134744072",
            "0x8.0x8.0x8.0x8",
            "[2606:4700::1111]",
            "[::ffff:8.8.8.8]",
            "[64:ff9b::808:808]",
            "172.32.0.1",
            "1e100.net",
            "0xdead.example",
        ] {
            assert!(!is_private_host(host), "{host} should be public");
        }
    }

    #[test]
    fn spellings_read_as_the_whatwg_url_parser_reads_them() {
        let v4 = |s: &str| match Host::parse(s) {
            Host::V4(a) => a.to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(v4("2130706433"), "127.0.0.1");
        assert_eq!(v4("0x7f.1"), "127.0.0.1");
        assert_eq!(v4("127.1"), "127.0.0.1");
        assert_eq!(v4("192.168.257"), "192.168.1.1");
        assert_eq!(v4("0300.0250.1.1"), "192.168.1.1");
        assert_eq!(v4("0x.0x.0x.0x"), "0.0.0.0");
        assert_eq!(Host::parse("4294967296"), Host::Unreadable);
        assert_eq!(Host::parse("256.1.1.1"), Host::Unreadable);
        assert_eq!(Host::parse("08.1.1.1"), Host::Unreadable);
        assert_eq!(
            Host::parse("Example.COM."),
            Host::Name("example.com".into())
        );
    }
}
