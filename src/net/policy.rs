//! Which IP addresses an outbound connection may reach (SSRF defence).
//!
//! A stranger's domain makes us resolve names and connect, so every address we
//! are about to contact goes through [`check`] first: only public unicast
//! addresses pass. The refused ranges are written once, as data, in
//! `V4_BLOCKED` and `V6_BLOCKED`; IPv6 additionally has to fall inside the
//! global unicast block `2000::/3`, so ranges IANA assigns in the future outside
//! it are refused without a code change.
//!
//! IPv6 forms that carry an IPv4 address (IPv4-mapped, NAT64 well-known prefix,
//! 6to4) are judged by the IPv4 address inside, because that is where the packet
//! ends up; a refusal then reports the IPv4 range (e.g. `Loopback` for
//! `64:ff9b::7f00:1`).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address may not be contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockedRange {
    /// The unspecified address `0.0.0.0` or `::`.
    Unspecified,
    /// "This network", `0.0.0.0/8` (Linux routes it to the local host).
    ThisNetwork,
    /// RFC 1918 private networks.
    Private,
    /// Carrier-grade NAT shared space `100.64.0.0/10` (Alibaba metadata lives here).
    SharedCgnat,
    /// Loopback, `127.0.0.0/8` and `::1`.
    Loopback,
    /// Link-local, `169.254.0.0/16` and `fe80::/10` (cloud metadata 169.254.169.254).
    LinkLocal,
    /// IETF protocol assignments, `192.0.0.0/24` and `2001::/23`.
    IetfProtocol,
    /// Documentation-only ranges (TEST-NETs, `2001:db8::/32`, `3fff::/20`).
    Documentation,
    /// Deprecated 6to4 relay anycast `192.88.99.0/24`.
    Relay6to4Anycast,
    /// Benchmarking `198.18.0.0/15`.
    Benchmarking,
    /// Multicast, `224.0.0.0/4` and `ff00::/8`.
    Multicast,
    /// Reserved for future use, `240.0.0.0/4`.
    Reserved,
    /// Limited broadcast `255.255.255.255`.
    Broadcast,
    /// Deprecated IPv4-compatible IPv6 `::/96`.
    Ipv4Compatible,
    /// Local-use NAT64 prefix `64:ff9b:1::/48`, whose IPv4 position we cannot know.
    Nat64LocalUse,
    /// Discard-only prefix `100::/64`.
    Discard,
    /// Teredo tunnels `2001::/32`.
    Teredo,
    /// Unique local addresses `fc00::/7` (AWS IMDS `fd00:ec2::254` lives here).
    UniqueLocal,
    /// Deprecated site-local `fec0::/10`.
    SiteLocal,
    /// Any IPv6 address outside the global unicast block `2000::/3`.
    NonGlobalUnicast,
}

impl BlockedRange {
    /// Short human text naming the range, e.g. "loopback (127.0.0.0/8, ::1/128)".
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified address (0.0.0.0/32, ::/128)",
            Self::ThisNetwork => "\"this network\" (0.0.0.0/8)",
            Self::Private => "private network (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)",
            Self::SharedCgnat => "shared carrier-grade NAT space (100.64.0.0/10)",
            Self::Loopback => "loopback (127.0.0.0/8, ::1/128)",
            Self::LinkLocal => "link-local incl. cloud metadata (169.254.0.0/16, fe80::/10)",
            Self::IetfProtocol => "IETF protocol assignments (192.0.0.0/24, 2001::/23)",
            Self::Documentation => {
                "documentation (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20)"
            }
            Self::Relay6to4Anycast => "6to4 relay anycast (192.88.99.0/24)",
            Self::Benchmarking => "benchmarking (198.18.0.0/15)",
            Self::Multicast => "multicast (224.0.0.0/4, ff00::/8)",
            Self::Reserved => "reserved (240.0.0.0/4)",
            Self::Broadcast => "limited broadcast (255.255.255.255/32)",
            Self::Ipv4Compatible => "deprecated IPv4-compatible IPv6 (::/96)",
            Self::Nat64LocalUse => "local-use NAT64 (64:ff9b:1::/48)",
            Self::Discard => "discard-only (100::/64)",
            Self::Teredo => "Teredo tunnel (2001::/32)",
            Self::UniqueLocal => "unique local (fc00::/7)",
            Self::SiteLocal => "deprecated site-local (fec0::/10)",
            Self::NonGlobalUnicast => "not IPv6 global unicast (outside 2000::/3)",
        }
    }
}

impl fmt::Display for BlockedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

// So callers can `?` a refusal into their own error types.
impl std::error::Error for BlockedRange {}

/// What to do with an IPv6 address inside a table row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum V6Rule {
    /// Refuse for this reason.
    Refuse(BlockedRange),
    /// The packet really goes to an IPv4 address stored at bits
    /// `shift..shift + 32` (counted from the low end): judge that one instead.
    JudgeEmbeddedV4 { shift: u32 },
}

use BlockedRange as B;

/// Refused IPv4 ranges: (network, prefix length, reason). First match wins, so
/// a more specific row must come before the row that contains it.
const V4_BLOCKED: [(Ipv4Addr, u8, BlockedRange); 17] = [
    // RFC 1122 §3.2.1.3: 0.0.0.0 means "this host"; named apart from the /8 for clearer logs.
    (Ipv4Addr::new(0, 0, 0, 0), 32, B::Unspecified),
    // RFC 1122 §3.2.1.3 / RFC 6890: "this network"; connecting to it reaches the local host on Linux.
    (Ipv4Addr::new(0, 0, 0, 0), 8, B::ThisNetwork),
    // RFC 1918: private.
    (Ipv4Addr::new(10, 0, 0, 0), 8, B::Private),
    // RFC 6598: shared CGNAT space; also holds Alibaba's metadata 100.100.100.200.
    (Ipv4Addr::new(100, 64, 0, 0), 10, B::SharedCgnat),
    // RFC 1122 §3.2.1.3: loopback.
    (Ipv4Addr::new(127, 0, 0, 0), 8, B::Loopback),
    // RFC 3927: link-local; cloud metadata 169.254.169.254 (AWS, GCP, Azure).
    (Ipv4Addr::new(169, 254, 0, 0), 16, B::LinkLocal),
    // RFC 1918: private.
    (Ipv4Addr::new(172, 16, 0, 0), 12, B::Private),
    // RFC 6890: IETF protocol assignments.
    (Ipv4Addr::new(192, 0, 0, 0), 24, B::IetfProtocol),
    // RFC 5737: TEST-NET-1.
    (Ipv4Addr::new(192, 0, 2, 0), 24, B::Documentation),
    // RFC 7526: deprecated 6to4 relay anycast.
    (Ipv4Addr::new(192, 88, 99, 0), 24, B::Relay6to4Anycast),
    // RFC 1918: private.
    (Ipv4Addr::new(192, 168, 0, 0), 16, B::Private),
    // RFC 2544: benchmarking.
    (Ipv4Addr::new(198, 18, 0, 0), 15, B::Benchmarking),
    // RFC 5737: TEST-NET-2.
    (Ipv4Addr::new(198, 51, 100, 0), 24, B::Documentation),
    // RFC 5737: TEST-NET-3.
    (Ipv4Addr::new(203, 0, 113, 0), 24, B::Documentation),
    // RFC 5771: multicast.
    (Ipv4Addr::new(224, 0, 0, 0), 4, B::Multicast),
    // RFC 919 / RFC 8190: limited broadcast; before 240/4, which contains it.
    (Ipv4Addr::new(255, 255, 255, 255), 32, B::Broadcast),
    // RFC 1112 §4: reserved.
    (Ipv4Addr::new(240, 0, 0, 0), 4, B::Reserved),
];

/// Refused (or re-judged) IPv6 ranges: (network, prefix length, rule). First
/// match wins. An address matching no row must still be in [`V6_GLOBAL_UNICAST`].
const V6_BLOCKED: [(Ipv6Addr, u8, V6Rule); 16] = [
    // RFC 4291 §2.5.2: unspecified; before ::/96, which contains it.
    (
        Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0),
        128,
        V6Rule::Refuse(B::Unspecified),
    ),
    // RFC 4291 §2.5.3: loopback; before ::/96, which contains it.
    (
        Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1),
        128,
        V6Rule::Refuse(B::Loopback),
    ),
    // RFC 4291 §2.5.5.2: IPv4-mapped; the OS connects over IPv4, so judge the IPv4.
    // `check` canonicalises these first; the row keeps `check_v6` right on its own.
    (
        Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0),
        96,
        V6Rule::JudgeEmbeddedV4 { shift: 0 },
    ),
    // RFC 4291 §2.5.5.1: IPv4-compatible, deprecated; refused outright (even ::8.8.8.8).
    (
        Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0),
        96,
        V6Rule::Refuse(B::Ipv4Compatible),
    ),
    // RFC 6052 §2.1: NAT64 well-known prefix, always /96 with the IPv4 in the last 32 bits.
    (
        Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0),
        96,
        V6Rule::JudgeEmbeddedV4 { shift: 0 },
    ),
    // RFC 8215: local-use NAT64; the operator picks a /48../96 layout, so the IPv4's
    // position is unknowable here and a crafted address could hide 127.0.0.1: refuse.
    (
        Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0),
        48,
        V6Rule::Refuse(B::Nat64LocalUse),
    ),
    // RFC 6666: discard-only.
    (
        Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0),
        64,
        V6Rule::Refuse(B::Discard),
    ),
    // RFC 4380: Teredo; the client IPv4 is obfuscated and the relay path is not ours
    // to judge, so refuse rather than decode. Before 2001::/23, which contains it.
    (
        Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0),
        32,
        V6Rule::Refuse(B::Teredo),
    ),
    // RFC 2928 / RFC 6890: IETF protocol assignments (not general-purpose hosts).
    (
        Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0),
        23,
        V6Rule::Refuse(B::IetfProtocol),
    ),
    // RFC 3849: documentation.
    (
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
        32,
        V6Rule::Refuse(B::Documentation),
    ),
    // RFC 3056 §2: 6to4, IPv4 at bits 16..48 from the top; the tunnel ends at that IPv4,
    // so judge it: 2002:7f00:1:: is loopback, 2002:808:808:: is allowed.
    (
        Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0),
        16,
        V6Rule::JudgeEmbeddedV4 { shift: 80 },
    ),
    // RFC 9637: documentation.
    (
        Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0),
        20,
        V6Rule::Refuse(B::Documentation),
    ),
    // RFC 4193: unique local; includes AWS IMDS fd00:ec2::254.
    (
        Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0),
        7,
        V6Rule::Refuse(B::UniqueLocal),
    ),
    // RFC 4291 §2.5.6: link-local.
    (
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0),
        10,
        V6Rule::Refuse(B::LinkLocal),
    ),
    // RFC 3879: deprecated site-local; some networks still route it internally.
    (
        Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0),
        10,
        V6Rule::Refuse(B::SiteLocal),
    ),
    // RFC 4291 §2.7: multicast.
    (
        Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0),
        8,
        V6Rule::Refuse(B::Multicast),
    ),
];

/// RFC 4291 §2.4 / IANA: the only IPv6 block allocated for global unicast.
/// Allow-listing it refuses anything IANA has not handed out for public use.
const V6_GLOBAL_UNICAST: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);

/// Whether `addr` lies in `net/len` (IPv4).
fn in_v4(addr: Ipv4Addr, net: Ipv4Addr, len: u8) -> bool {
    // checked_shl: a /0 would shift by 32, which overflows; its mask is all zeros.
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    addr.to_bits() & mask == net.to_bits() & mask
}

/// Whether `addr` lies in `net/len` (IPv6).
fn in_v6(addr: Ipv6Addr, net: Ipv6Addr, len: u8) -> bool {
    // checked_shl: a /0 would shift by 128, which overflows; its mask is all zeros.
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    addr.to_bits() & mask == net.to_bits() & mask
}

/// Ok(()) when `ip` is a public unicast address we may connect to; otherwise the range that forbids it.
pub fn check(ip: IpAddr) -> Result<(), BlockedRange> {
    // `::ffff:127.0.0.1` is not `is_loopback()` until canonicalised: judge it as IPv4.
    match ip.to_canonical() {
        IpAddr::V4(v4) => check_v4(v4),
        IpAddr::V6(v6) => check_v6(v6),
    }
}

/// [`check`] for an IPv4 address.
pub fn check_v4(ip: Ipv4Addr) -> Result<(), BlockedRange> {
    match V4_BLOCKED
        .iter()
        .find(|&&(net, len, _)| in_v4(ip, net, len))
    {
        Some(&(_, _, reason)) => Err(reason),
        None => Ok(()),
    }
}

/// [`check`] for an IPv6 address; IPv4-mapped, NAT64 and 6to4 forms are judged by their IPv4.
pub fn check_v6(ip: Ipv6Addr) -> Result<(), BlockedRange> {
    let rule = V6_BLOCKED
        .iter()
        .find(|&&(net, len, _)| in_v6(ip, net, len))
        .map(|&(_, _, rule)| rule);
    match rule {
        Some(V6Rule::Refuse(reason)) => Err(reason),
        Some(V6Rule::JudgeEmbeddedV4 { shift }) => {
            // Truncation to u32 is the point: keep exactly the 32 embedded bits.
            check_v4(Ipv4Addr::from_bits((ip.to_bits() >> shift) as u32))
        }
        None if in_v6(ip, V6_GLOBAL_UNICAST.0, V6_GLOBAL_UNICAST.1) => Ok(()),
        None => Err(B::NonGlobalUnicast),
    }
}

/// Shorthand for `check(ip).is_ok()`.
pub fn is_public(ip: IpAddr) -> bool {
    check(ip).is_ok()
}

/// Ok when every address is public; the first refusal otherwise (a name is refused WHOLE when any of its addresses is).
///
/// The refused address is returned as given (not canonicalised). An empty slice is
/// `Ok(())`: there is nothing to connect to, so the caller must treat "no addresses"
/// as its own failure.
pub fn check_all(ips: &[IpAddr]) -> Result<(), (IpAddr, BlockedRange)> {
    // Refusing the whole name matters: happy-eyeballs may otherwise pick the bad address.
    ips.iter()
        .try_for_each(|&ip| check(ip).map_err(|reason| (ip, reason)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a test literal; a typo here is a bug in the test itself.
    fn ip(s: &str) -> IpAddr {
        match s.parse() {
            Ok(ip) => ip,
            Err(e) => panic!("bad test literal {s:?}: {e}"),
        }
    }

    fn assert_refused(addr: &str, want: BlockedRange) {
        assert_eq!(
            check(ip(addr)),
            Err(want),
            "{addr} should be refused as {want:?}"
        );
        assert!(!is_public(ip(addr)), "{addr} should not be public");
    }

    fn assert_allowed(addr: &str) {
        assert_eq!(check(ip(addr)), Ok(()), "{addr} should be allowed");
        assert!(is_public(ip(addr)), "{addr} should be public");
    }

    /// (first, inside, last, reason) per IPv4 row, written by hand so the test
    /// does not just replay the table.
    const V4_ROWS: [(&str, &str, &str, BlockedRange); 17] = [
        ("0.0.0.0", "0.0.0.0", "0.0.0.0", B::Unspecified),
        ("0.0.0.1", "0.1.2.3", "0.255.255.255", B::ThisNetwork),
        ("10.0.0.0", "10.0.0.1", "10.255.255.255", B::Private),
        (
            "100.64.0.0",
            "100.100.100.200",
            "100.127.255.255",
            B::SharedCgnat,
        ),
        ("127.0.0.0", "127.0.0.1", "127.255.255.255", B::Loopback),
        (
            "169.254.0.0",
            "169.254.169.254",
            "169.254.255.255",
            B::LinkLocal,
        ),
        ("172.16.0.0", "172.20.1.1", "172.31.255.255", B::Private),
        ("192.0.0.0", "192.0.0.9", "192.0.0.255", B::IetfProtocol),
        ("192.0.2.0", "192.0.2.1", "192.0.2.255", B::Documentation),
        (
            "192.88.99.0",
            "192.88.99.1",
            "192.88.99.255",
            B::Relay6to4Anycast,
        ),
        ("192.168.0.0", "192.168.1.1", "192.168.255.255", B::Private),
        (
            "198.18.0.0",
            "198.19.0.1",
            "198.19.255.255",
            B::Benchmarking,
        ),
        (
            "198.51.100.0",
            "198.51.100.7",
            "198.51.100.255",
            B::Documentation,
        ),
        (
            "203.0.113.0",
            "203.0.113.7",
            "203.0.113.255",
            B::Documentation,
        ),
        ("224.0.0.0", "239.1.2.3", "239.255.255.255", B::Multicast),
        (
            "255.255.255.255",
            "255.255.255.255",
            "255.255.255.255",
            B::Broadcast,
        ),
        ("240.0.0.0", "250.1.2.3", "255.255.255.254", B::Reserved),
    ];

    /// Public neighbours just below and above each IPv4 range (where one exists).
    const V4_NEIGHBOURS: [&str; 25] = [
        "1.0.0.0",
        "9.255.255.255",
        "11.0.0.0",
        "100.63.255.255",
        "100.128.0.0",
        "126.255.255.255",
        "128.0.0.0",
        "169.253.255.255",
        "169.255.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "191.255.255.255",
        "192.0.1.0",
        "192.0.3.0",
        "192.88.98.255",
        "192.88.100.0",
        "192.167.255.255",
        "192.169.0.0",
        "198.17.255.255",
        "198.20.0.0",
        "198.51.99.255",
        "198.51.101.0",
        "203.0.112.255",
        "203.0.114.0",
        "223.255.255.255",
    ];

    /// (first, inside, last, reason) per IPv6 row that refuses outright.
    const V6_ROWS: [(&str, &str, &str, BlockedRange); 16] = [
        ("::", "::", "::", B::Unspecified),
        ("::1", "::1", "::1", B::Loopback),
        ("::2", "::127.0.0.1", "::255.255.255.255", B::Ipv4Compatible),
        (
            "64:ff9b:1::",
            "64:ff9b:1::808:808",
            "64:ff9b:1:ffff:ffff:ffff:ffff:ffff",
            B::Nat64LocalUse,
        ),
        ("100::", "100::1", "100::ffff:ffff:ffff:ffff", B::Discard),
        (
            "2001::",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:0:ffff:ffff:ffff:ffff:ffff:ffff",
            B::Teredo,
        ),
        (
            "2001:1::",
            "2001:4:112::1",
            "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
            B::IetfProtocol,
        ),
        (
            "2001:db8::",
            "2001:db8::1",
            "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
            B::Documentation,
        ),
        (
            "3fff::",
            "3fff::1",
            "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff",
            B::Documentation,
        ),
        (
            "fc00::",
            "fd00:ec2::254",
            "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            B::UniqueLocal,
        ),
        (
            "fe80::",
            "fe80::1",
            "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            B::LinkLocal,
        ),
        (
            "fec0::",
            "fec0::1",
            "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            B::SiteLocal,
        ),
        (
            "ff00::",
            "ff02::1",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            B::Multicast,
        ),
        // Outside 2000::/3 on both sides, and the unassigned space between rows.
        (
            "::1:0:0",
            "5f00::1",
            "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            B::NonGlobalUnicast,
        ),
        (
            "4000::",
            "8000::1",
            "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            B::NonGlobalUnicast,
        ),
        (
            "64:ff9b::1:0:0",
            "64:ff9a::1",
            "64:ff9b:0:ffff:ffff:ffff:ffff:ffff",
            B::NonGlobalUnicast,
        ),
    ];

    /// Public neighbours just outside each IPv6 range inside 2000::/3.
    const V6_NEIGHBOURS: [&str; 8] = [
        "2000::",
        "2001:200::",
        "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:db9::",
        "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "2003::",
        "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "3fff:1000::",
    ];

    #[test]
    fn every_ipv4_range_refuses_its_first_inner_and_last_address() {
        for (first, inside, last, reason) in V4_ROWS {
            for addr in [first, inside, last] {
                assert_refused(addr, reason);
            }
        }
    }

    #[test]
    fn public_ipv4_addresses_just_outside_each_range_are_allowed() {
        for addr in V4_NEIGHBOURS {
            assert_allowed(addr);
        }
    }

    #[test]
    fn every_ipv6_range_refuses_its_first_inner_and_last_address() {
        for (first, inside, last, reason) in V6_ROWS {
            for addr in [first, inside, last] {
                assert_refused(addr, reason);
            }
        }
    }

    #[test]
    fn public_ipv6_addresses_just_outside_each_range_are_allowed() {
        for addr in V6_NEIGHBOURS {
            assert_allowed(addr);
        }
    }

    #[test]
    fn every_table_row_is_tested() {
        assert_eq!(V4_ROWS.len(), V4_BLOCKED.len());
        // 13 refusing rows + 3 NonGlobalUnicast gap rows; the 3 embedded rows have their own tests.
        let refusing = V6_BLOCKED
            .iter()
            .filter(|(_, _, rule)| matches!(rule, V6Rule::Refuse(_)))
            .count();
        assert_eq!(refusing + 3, V6_ROWS.len());
    }

    #[test]
    fn table_networks_have_no_host_bits_set() {
        // A stray host bit would make a row silently cover the wrong range.
        // Shifting out the prefix leaves only the host bits (a /32 or /128 has none).
        for (net, len, _) in V4_BLOCKED {
            let host = net.to_bits().checked_shl(u32::from(len)).unwrap_or(0);
            assert_eq!(host, 0, "{net}/{len}");
        }
        for (net, len, _) in V6_BLOCKED {
            let host = net.to_bits().checked_shl(u32::from(len)).unwrap_or(0);
            assert_eq!(host, 0, "{net}/{len}");
        }
    }

    #[test]
    fn common_internal_targets_are_refused() {
        assert_refused("127.0.0.1", B::Loopback);
        assert_refused("10.0.0.1", B::Private);
        assert_refused("169.254.169.254", B::LinkLocal);
        assert_refused("100.100.100.200", B::SharedCgnat);
        assert_refused("::1", B::Loopback);
        assert_refused("fe80::1", B::LinkLocal);
        assert_refused("fd00:ec2::254", B::UniqueLocal);
        assert_refused("ff02::1", B::Multicast);
        assert_refused("2001:db8::1", B::Documentation);
        assert_refused("3fff::1", B::Documentation);
    }

    #[test]
    fn ipv4_mapped_ipv6_is_judged_as_its_ipv4() {
        assert_refused("::ffff:127.0.0.1", B::Loopback);
        assert_refused("::ffff:7f00:1", B::Loopback);
        assert_refused("::ffff:169.254.169.254", B::LinkLocal);
        assert_refused("::ffff:0.0.0.0", B::Unspecified);
        assert_refused("::ffff:255.255.255.255", B::Broadcast);
        assert_allowed("::ffff:8.8.8.8");
        // Without canonicalising first, the table row alone still gets it right.
        let IpAddr::V6(mapped) = ip("::ffff:127.0.0.1") else {
            panic!("an IPv6 literal parsed as IPv4");
        };
        assert_eq!(check_v6(mapped), Err(B::Loopback));
    }

    #[test]
    fn ipv4_compatible_ipv6_is_refused_even_for_public_ipv4() {
        assert_refused("::127.0.0.1", B::Ipv4Compatible);
        assert_refused("::8.8.8.8", B::Ipv4Compatible);
    }

    #[test]
    fn nat64_well_known_prefix_is_judged_as_its_ipv4() {
        assert_refused("64:ff9b::", B::Unspecified);
        assert_refused("64:ff9b::7f00:1", B::Loopback);
        assert_refused("64:ff9b::a9fe:a9fe", B::LinkLocal);
        assert_refused("64:ff9b::ffff:ffff", B::Broadcast);
        assert_allowed("64:ff9b::808:808");
        assert_allowed("64:ff9b::1.1.1.1");
    }

    #[test]
    fn sixtofour_is_judged_as_its_ipv4() {
        assert_refused("2002::", B::Unspecified);
        assert_refused("2002:7f00:1::", B::Loopback);
        assert_refused("2002:c0a8:101::1", B::Private);
        assert_refused("2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", B::Broadcast);
        assert_allowed("2002:808:808::1");
    }

    #[test]
    fn teredo_is_refused() {
        assert_refused("2001:0::", B::Teredo);
        assert_refused("2001:0:4136:e378:8000:63bf:3fff:fdd2", B::Teredo);
    }

    #[test]
    fn well_known_public_services_are_allowed() {
        for addr in [
            "8.8.8.8",
            "1.1.1.1",
            "20.190.151.68",
            "13.107.42.14",
            "2620:1ec:bdf::45",
            "2603:1026::1",
            "2606:4700:4700::1111",
        ] {
            assert_allowed(addr);
        }
    }

    #[test]
    fn one_bad_address_refuses_the_whole_list() {
        let ips = [ip("8.8.8.8"), ip("::ffff:127.0.0.1"), ip("10.0.0.1")];
        assert_eq!(check_all(&ips), Err((ip("::ffff:127.0.0.1"), B::Loopback)));
    }

    #[test]
    fn a_list_of_public_addresses_is_allowed() {
        assert_eq!(
            check_all(&[ip("8.8.8.8"), ip("2606:4700:4700::1111")]),
            Ok(())
        );
    }

    #[test]
    fn an_empty_list_is_not_refused() {
        assert_eq!(check_all(&[]), Ok(()));
    }

    #[test]
    fn display_names_the_range() {
        assert_eq!(B::Loopback.to_string(), "loopback (127.0.0.0/8, ::1/128)");
        assert!(B::LinkLocal.to_string().contains("169.254.0.0/16"));
    }
}
