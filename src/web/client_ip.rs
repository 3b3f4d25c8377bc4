//! Which client a request comes from, for rate limits and logs.
//!
//! The TCP peer is the client unless it is one of the operator's trusted reverse proxies
//! (`AUTHWALK_TRUSTED_PROXIES`). Behind trusted proxies the client is the right-most
//! `X-Forwarded-For` entry that is not itself a trusted proxy: every proxy appends the address it
//! saw, so entries left of the first untrusted one may have been written by the client and are
//! never believed (crates.io's rule). A malformed entry where we would have to believe it means
//! the chain cannot be read, and the peer is used instead.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

use super::AppState;

/// The header proxies append the address they saw to.
const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The address of the client a request comes from, as far as we can tell (an axum extractor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// Work out the client from the TCP peer, the request headers and the trusted proxies.
    pub fn from_peer(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpNet]) -> Self {
        let peer = peer.to_canonical();
        if !is_trusted(peer, trusted_proxies) {
            return Self(peer);
        }
        let mut entries = Vec::new();
        for value in headers.get_all(X_FORWARDED_FOR) {
            let Ok(text) = value.to_str() else {
                return Self(peer);
            };
            entries.extend(text.split(','));
        }
        let mut client = peer;
        for entry in entries.iter().rev() {
            let Some(address) = parse_forwarded_entry(entry) else {
                return Self(peer);
            };
            client = address;
            if !is_trusted(address, trusted_proxies) {
                break;
            }
        }
        // Every entry was a trusted proxy (or there were none): the left-most one is the client.
        Self(client)
    }

    /// The client's address.
    pub fn ip(&self) -> IpAddr {
        self.0
    }

    /// The key rate limits count under: the address itself for IPv4, its /64 network for IPv6
    /// (one subscriber usually holds a whole /64, so single IPv6 addresses cost an abuser nothing).
    pub fn limiter_key(&self) -> IpAddr {
        match self.0 {
            IpAddr::V4(v4) => IpAddr::V4(v4),
            IpAddr::V6(v6) => {
                let network = u128::from(v6) & !u128::from(u64::MAX);
                IpAddr::V6(Ipv6Addr::from(network))
            }
        }
    }
}

impl std::fmt::Display for ClientIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(peer)) => peer.ip(),
            None => {
                // The server always records the peer; without it every such request shares one
                // key, so a missing peer can only make limits stricter, never lift them.
                tracing::error!("request without connection info: client address unknown");
                IpAddr::V4(Ipv4Addr::UNSPECIFIED)
            }
        };
        Ok(Self::from_peer(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        ))
    }
}

fn is_trusted(address: IpAddr, trusted_proxies: &[IpNet]) -> bool {
    trusted_proxies
        .iter()
        .any(|network| network.contains(&address))
}

/// One `X-Forwarded-For` entry: an IP address, optionally with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`), as some proxies write it.
fn parse_forwarded_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let address = entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|socket| socket.ip()))?;
    Some(address.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|net| net.parse().unwrap()).collect()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(X_FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let headers = forwarded(&["198.51.100.9"]);
        let client = ClientIp::from_peer(ip("203.0.113.5"), &headers, &[]);
        assert_eq!(client.ip(), ip("203.0.113.5"));
    }

    #[test]
    fn an_untrusted_peer_cannot_claim_another_address() {
        let headers = forwarded(&["198.51.100.9"]);
        let trusted = nets(&["10.0.0.0/8"]);
        let client = ClientIp::from_peer(ip("203.0.113.5"), &headers, &trusted);
        assert_eq!(client.ip(), ip("203.0.113.5"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_entry_is_the_client() {
        // The client wrote "1.1.1.1" itself; the proxy appended the address it really saw.
        let headers = forwarded(&["1.1.1.1, 198.51.100.9"]);
        let trusted = nets(&["10.0.0.0/8"]);
        let client = ClientIp::from_peer(ip("10.1.2.3"), &headers, &trusted);
        assert_eq!(client.ip(), ip("198.51.100.9"));
    }

    #[test]
    fn chains_of_trusted_proxies_are_skipped_across_header_lines() {
        let headers = forwarded(&["1.1.1.1, 198.51.100.9", "10.0.0.7", " 10.9.9.9 "]);
        let trusted = nets(&["10.0.0.0/8"]);
        let client = ClientIp::from_peer(ip("10.1.2.3"), &headers, &trusted);
        assert_eq!(client.ip(), ip("198.51.100.9"));
    }

    #[test]
    fn entries_with_ports_and_mapped_addresses_are_read() {
        let trusted = nets(&["10.0.0.0/8"]);
        let headers = forwarded(&["198.51.100.9:4711"]);
        assert_eq!(
            ClientIp::from_peer(ip("10.1.2.3"), &headers, &trusted).ip(),
            ip("198.51.100.9")
        );
        let headers = forwarded(&["[2001:db8::1]:4711"]);
        assert_eq!(
            ClientIp::from_peer(ip("10.1.2.3"), &headers, &trusted).ip(),
            ip("2001:db8::1")
        );
        // A proxy on a dual-stack socket shows up as an IPv4-mapped IPv6 peer.
        let headers = forwarded(&["::ffff:198.51.100.9"]);
        assert_eq!(
            ClientIp::from_peer(ip("::ffff:10.1.2.3"), &headers, &trusted).ip(),
            ip("198.51.100.9")
        );
    }

    #[test]
    fn a_malformed_entry_falls_back_to_the_peer() {
        let trusted = nets(&["10.0.0.0/8"]);
        for value in ["unknown", "198.51.100.9, not-an-ip", "", "198.51.100.9,,"] {
            let headers = forwarded(&[value]);
            let client = ClientIp::from_peer(ip("10.1.2.3"), &headers, &trusted);
            assert_eq!(client.ip(), ip("10.1.2.3"), "{value:?}");
        }
    }

    #[test]
    fn a_malformed_entry_left_of_the_client_is_never_read() {
        let trusted = nets(&["10.0.0.0/8"]);
        let headers = forwarded(&["garbage, 198.51.100.9"]);
        let client = ClientIp::from_peer(ip("10.1.2.3"), &headers, &trusted);
        assert_eq!(client.ip(), ip("198.51.100.9"));
    }

    #[test]
    fn a_trusted_peer_without_the_header_is_the_client() {
        let trusted = nets(&["10.0.0.0/8"]);
        let client = ClientIp::from_peer(ip("10.1.2.3"), &HeaderMap::new(), &trusted);
        assert_eq!(client.ip(), ip("10.1.2.3"));
    }

    #[test]
    fn only_trusted_entries_make_the_left_most_the_client() {
        let trusted = nets(&["10.0.0.0/8"]);
        let headers = forwarded(&["10.0.0.1, 10.0.0.2"]);
        let client = ClientIp::from_peer(ip("10.1.2.3"), &headers, &trusted);
        assert_eq!(client.ip(), ip("10.0.0.1"));
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        let a = ClientIp(ip("2001:db8:1:2:aaaa::1"));
        let b = ClientIp(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        let other = ClientIp(ip("2001:db8:1:3::1"));
        assert_eq!(a.limiter_key(), ip("2001:db8:1:2::"));
        assert_eq!(a.limiter_key(), b.limiter_key());
        assert_ne!(a.limiter_key(), other.limiter_key());
        let v4 = ClientIp(ip("198.51.100.9"));
        assert_eq!(v4.limiter_key(), ip("198.51.100.9"));
    }
}
