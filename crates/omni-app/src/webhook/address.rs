//! Where Omni may deliver: the one address rule every outbound call obeys
//! (hub deliveries, care notifications, re-drives), so that a caller who may
//! register a callback cannot make Omni reach its own network (SSRF):
//! loopback, private and shared ranges, link-local (the cloud metadata
//! address 169.254.169.254), unique-local IPv6, multicast, unspecified,
//! broadcast, documentation and benchmarking ranges, and the IPv6 forms
//! that carry one of those IPv4 addresses. The operator's allow-list
//! (`OMNI_WEBHOOK_ALLOW`: CIDRs or host names) lets chosen ones through.
//!
//! The rule is applied twice: at registration, to tell the caller early, and
//! at connect time on the very addresses the HTTP client connects to (see
//! [`super::client`]), because a host name may resolve differently later
//! (DNS rebinding).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The operator's exceptions to the address rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    nets: Vec<Net>,
    /// Lower case, without a trailing dot.
    hosts: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr.parse::<IpAddr>().ok()?, Some(prefix)),
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
        };
        Some(Self { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => in_v4(ip, net, self.prefix),
            (IpAddr::V6(net), IpAddr::V6(ip)) => in_v6(ip, net, self.prefix),
            _ => false,
        }
    }
}

fn in_v4(ip: Ipv4Addr, net: Ipv4Addr, prefix: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(net) & mask
}

fn in_v6(ip: Ipv6Addr, net: Ipv6Addr, prefix: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(net) & mask
}

/// What a callback's address was refused as (for the caller's 400).
pub type Refusal = &'static str;

impl AddressPolicy {
    /// `OMNI_WEBHOOK_ALLOW`: comma-separated CIDRs (`10.1.0.0/16`), single
    /// addresses, or host names (`hooks.internal`); empty allows nothing
    /// beyond public addresses.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut policy = Self::default();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if let Some(net) = Net::parse(entry) {
                policy.nets.push(net);
            } else if entry.contains('/') || entry.contains(':') || entry.contains(' ') {
                return Err(format!(
                    "'{entry}' is neither a CIDR (like 10.0.0.0/8) nor a host name"
                ));
            } else {
                policy
                    .hosts
                    .push(entry.trim_end_matches('.').to_ascii_lowercase());
            }
        }
        Ok(policy)
    }

    pub fn is_empty(&self) -> bool {
        self.nets.is_empty() && self.hosts.is_empty()
    }

    /// Whether the operator named this host: every address it resolves to
    /// is then allowed.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    /// The address rule: whether Omni may connect to `ip` for a callback on
    /// `host` (the URL's host name; `None` for an address literal). Every
    /// outbound path comes here, at registration and at connect time.
    pub fn check(&self, host: Option<&str>, ip: IpAddr) -> Result<(), Refusal> {
        if host.is_some_and(|h| self.allows_host(h)) {
            return Ok(());
        }
        // An IPv4 address in IPv6 clothing is checked (and allowed) as the
        // IPv4 address it reaches.
        let plain = embedded_v4(ip).map_or(ip, IpAddr::V4);
        if self
            .nets
            .iter()
            .any(|n| n.contains(ip) || n.contains(plain))
        {
            return Ok(());
        }
        match refused(ip) {
            Some(reason) => Err(reason),
            None => Ok(()),
        }
    }
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64
/// (`64:ff9b::/96`) and 6to4 (`2002::/16`).
fn embedded_v4(ip: IpAddr) -> Option<Ipv4Addr> {
    let IpAddr::V6(v6) = ip else { return None };
    let s = v6.segments();
    let last = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(last),
        // `::` and `::1` are IPv6's own unspecified and loopback.
        [0, 0, 0, 0, 0, 0, _, _] if u128::from(v6) > 1 => Some(last),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(last),
        [0x2002, a, b, ..] => Some(Ipv4Addr::new(
            (a >> 8) as u8,
            a as u8,
            (b >> 8) as u8,
            b as u8,
        )),
        _ => None,
    }
}

/// Why `ip` is not a public address, if it is not.
pub fn refused(ip: IpAddr) -> Option<Refusal> {
    if let Some(v4) = embedded_v4(ip) {
        return refused_v4(v4).map(|_| "an IPv6 form of a non-public IPv4 address");
    }
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

const V4_RULES: &[([u8; 4], u8, Refusal)] = &[
    ([0, 0, 0, 0], 8, "an unspecified address (0.0.0.0/8)"),
    ([10, 0, 0, 0], 8, "a private address (10.0.0.0/8)"),
    (
        [100, 64, 0, 0],
        10,
        "a shared address (100.64.0.0/10, CGNAT)",
    ),
    ([127, 0, 0, 0], 8, "a loopback address"),
    (
        [169, 254, 0, 0],
        16,
        "a link-local address (169.254.0.0/16, cloud metadata)",
    ),
    ([172, 16, 0, 0], 12, "a private address (172.16.0.0/12)"),
    (
        [192, 0, 0, 0],
        24,
        "a protocol-assignment address (192.0.0.0/24)",
    ),
    ([192, 0, 2, 0], 24, "a documentation address (192.0.2.0/24)"),
    (
        [192, 88, 99, 0],
        24,
        "a relay anycast address (192.88.99.0/24)",
    ),
    ([192, 168, 0, 0], 16, "a private address (192.168.0.0/16)"),
    (
        [198, 18, 0, 0],
        15,
        "a benchmarking address (198.18.0.0/15)",
    ),
    (
        [198, 51, 100, 0],
        24,
        "a documentation address (198.51.100.0/24)",
    ),
    (
        [203, 0, 113, 0],
        24,
        "a documentation address (203.0.113.0/24)",
    ),
    ([224, 0, 0, 0], 4, "a multicast address"),
    ([255, 255, 255, 255], 32, "the broadcast address"),
    ([240, 0, 0, 0], 4, "a reserved address (240.0.0.0/4)"),
];

fn refused_v4(ip: Ipv4Addr) -> Option<Refusal> {
    V4_RULES
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, Ipv4Addr::from(*net), *prefix))
        .map(|(_, _, reason)| *reason)
}

const V6_RULES: &[([u16; 8], u8, Refusal)] = &[
    ([0, 0, 0, 0, 0, 0, 0, 0], 128, "an unspecified address (::)"),
    ([0, 0, 0, 0, 0, 0, 0, 1], 128, "a loopback address"),
    (
        [0x100, 0, 0, 0, 0, 0, 0, 0],
        64,
        "a discard address (100::/64)",
    ),
    (
        [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
        32,
        "a documentation address (2001:db8::/32)",
    ),
    (
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        "a special-purpose address (2001::/23, Teredo, benchmarking)",
    ),
    (
        [0x3fff, 0, 0, 0, 0, 0, 0, 0],
        20,
        "a documentation address (3fff::/20)",
    ),
    (
        [0xfc00, 0, 0, 0, 0, 0, 0, 0],
        7,
        "a unique-local address (fc00::/7)",
    ),
    (
        [0xfe80, 0, 0, 0, 0, 0, 0, 0],
        10,
        "a link-local address (fe80::/10)",
    ),
    (
        [0xfec0, 0, 0, 0, 0, 0, 0, 0],
        10,
        "a site-local address (fec0::/10)",
    ),
    ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "a multicast address"),
];

fn refused_v6(ip: Ipv6Addr) -> Option<Refusal> {
    V6_RULES
        .iter()
        .find(|(net, prefix, _)| in_v6(ip, Ipv6Addr::from(*net), *prefix))
        .map(|(_, _, reason)| *reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or_else(|_| panic!("{text}"))
    }

    #[test]
    fn non_public_addresses_are_refused() {
        let none = AddressPolicy::default();
        for bad in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "239.1.1.1",
            "255.255.255.255",
            "192.0.2.10",
            "198.51.100.1",
            "203.0.113.7",
            "198.18.0.1",
            "198.19.255.1",
            "240.0.0.1",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "::10.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::1",
        ] {
            assert!(none.check(None, ip(bad)).is_err(), "{bad} must be refused");
        }
        for good in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "192.169.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(none.check(None, ip(good)), Ok(()), "{good} must pass");
        }
    }

    #[test]
    fn the_allow_list_lets_named_ranges_and_hosts_through() {
        let policy = AddressPolicy::parse(" 127.0.0.0/8, 10.1.0.0/16 ,hooks.internal., fd00::/8")
            .expect("parses");
        assert_eq!(policy.check(None, ip("127.0.0.1")), Ok(()));
        assert_eq!(policy.check(None, ip("::ffff:127.0.0.1")), Ok(()));
        assert_eq!(policy.check(None, ip("10.1.9.9")), Ok(()));
        assert!(policy.check(None, ip("10.2.0.1")).is_err());
        assert_eq!(policy.check(None, ip("fd00::5")), Ok(()));
        assert!(policy.check(None, ip("169.254.169.254")).is_err());
        assert_eq!(
            policy.check(Some("HOOKS.internal"), ip("192.168.0.5")),
            Ok(())
        );
        assert!(
            policy
                .check(Some("other.internal"), ip("192.168.0.5"))
                .is_err()
        );
        assert!(AddressPolicy::parse("10.0.0.0/33").is_err());
        assert!(AddressPolicy::parse("not a host").is_err());
        assert!(AddressPolicy::parse("").expect("empty").is_empty());
    }
}
