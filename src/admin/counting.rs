//! What counts as a real visit: the rules in front of the adoption counters.
//!
//! - A view counts only for a top-level navigation by a browser that is no bot (the web layer
//!   checks `Sec-Fetch-Dest: document` and prefetch hints; an embedded image or a prefetch never
//!   gets here).
//! - Each counted page view hands the browser a [`ViewToken`] (in a cookie): signed with the
//!   deployment's secret, naming the tenant, the UTC day, the walkthrough shown and a random
//!   browser id. "Done" and the other events count only with a valid token of the same tenant,
//!   of today or yesterday (a page opened before midnight still counts its "Done"), for the same
//!   walkthrough; each (token, event) counts once. A script that never loaded a page counts
//!   nothing.
//! - De-duplication per client, in memory only: a browser (known by the id in its token) counts
//!   each (tenant, day, walkthrough, event) once. One network (an IPv4 address, an IPv6 /48: the
//!   block one site is given, so rotating /64s buys nothing) may bring new browsers only so fast
//!   ([`NEW_BROWSERS_PER_HOUR`], burst [`NEW_BROWSERS_BURST`]): a crowd behind one corporate NAT
//!   opening the link together is counted person by person, while a script that throws its
//!   cookies away soon shares one id per network, tenant and day — whatever User-Agent it sends,
//!   since a script picks that freely — and counts once more at most. At most
//!   [`MAX_NETWORKS`] networks' allowances are tracked; past that new networks get no new ids.
//! - The sets of what was counted and spent drop their oldest entries when full (never the one
//!   just added), so a flood cannot make a fresh token or browser count twice.
//!
//! Nothing here is stored: the in-memory sets hold keyed hashes (HMAC-SHA-256 under the secret)
//! that expire after two days; no address, User-Agent or token is ever written anywhere.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use data_encoding::BASE64URL_NOPAD;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::Date;
use uuid::Uuid;

use super::adoption::Event;
use crate::device::WalkthroughKind;

/// The name of the deployment secret that signs view tokens (`service_secrets.name`).
pub const SECRET_NAME: &str = "counting";
/// New browsers one address may bring per hour before its cookie-less views share one id.
pub const NEW_BROWSERS_PER_HOUR: u32 = 600;
/// New browsers one address may bring at once (a crowd opening a fresh link together).
pub const NEW_BROWSERS_BURST: u32 = 300;
/// How long the de-duplication sets remember a hash: a token lives for its day and the next.
const REMEMBER: Duration = Duration::from_secs(2 * 24 * 3600);
/// Most hashes each de-duplication set holds (about 100 bytes each, so some 25 MiB at most).
const MAX_REMEMBERED: u64 = 250_000;
/// Most networks whose new-browser allowance is tracked at once.
pub const MAX_NETWORKS: usize = 100_000;
/// Token layout: format version, day (Julian day number), walkthrough, browser id, nonce, MAC.
const TOKEN_VERSION: u8 = 1;
const TOKEN_BYTES: usize = 1 + 4 + 1 + 16 + 16 + 32;

/// A signed per-view token, as the page's cookie carries it (base64url).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewToken(String);

impl ViewToken {
    /// The cookie value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why an event was not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotCounted {
    /// No token came with it: no page view preceded it (or the browser refused our cookie).
    #[error(
        "this is only counted from a walkthrough page opened in a browser, and none was opened \
         here (its counting cookie is missing)"
    )]
    NoToken,
    /// The token is forged, damaged, of another tenant or too old.
    #[error(
        "this page view's counting cookie is not valid for this company today; reload the \
         walkthrough and try again"
    )]
    InvalidToken,
    /// The token was minted for another walkthrough (device) than the event names.
    #[error("this page view was for another device's walkthrough; reload the page you followed")]
    OtherWalkthrough,
}

/// The browser a request comes from, as far as counting can tell.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    /// Its address (or its rate-limit key); counting goes by its network (IPv6: the /48). Never
    /// its User-Agent: a script sends whatever it likes there.
    pub address: IpAddr,
}

/// The counting rules' state; one per process, shared through `Adoption`.
pub struct CountingGate {
    key: [u8; 32],
    /// Hashes of (browser, tenant, day, event) already counted.
    counted: moka::sync::Cache<[u8; 32], ()>,
    /// Hashes of (token nonce, event) already spent.
    spent: moka::sync::Cache<[u8; 32], ()>,
    /// New browser ids per address hash.
    new_browsers: DefaultKeyedRateLimiter<[u8; 16]>,
}

impl std::fmt::Debug for CountingGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountingGate")
            .field("counted", &self.counted.entry_count())
            .field("spent", &self.spent.entry_count())
            .finish_non_exhaustive()
    }
}

/// What a page view decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewDecision {
    /// Whether the view counts (the first of this browser for the tenant, day and walkthrough).
    pub counts: bool,
    /// The token the page's events must carry.
    pub token: ViewToken,
}

impl CountingGate {
    /// The rules under `key` (the deployment's shared secret).
    pub fn new(key: [u8; 32]) -> Self {
        Self::with_new_browser_rate(key, NEW_BROWSERS_PER_HOUR, NEW_BROWSERS_BURST)
    }

    /// The rules under `key`, with one address bringing at most `per_hour` new browsers an hour,
    /// `burst` at once.
    pub fn with_new_browser_rate(key: [u8; 32], per_hour: u32, burst: u32) -> Self {
        Self::with_limits(key, per_hour, burst, MAX_REMEMBERED)
    }

    /// Like [`Self::with_new_browser_rate`], each de-duplication set holding at most `remembered`
    /// hashes.
    fn with_limits(key: [u8; 32], per_hour: u32, burst: u32, remembered: u64) -> Self {
        // Least recently used out: the default policy may refuse to admit a new entry when full,
        // which would let that token or browser count again.
        let remembered = || {
            moka::sync::Cache::builder()
                .max_capacity(remembered)
                .time_to_live(REMEMBER)
                .eviction_policy(moka::policy::EvictionPolicy::lru())
                .build()
        };
        let per_hour = NonZeroU32::new(per_hour).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        Self {
            key,
            counted: remembered(),
            spent: remembered(),
            new_browsers: RateLimiter::keyed(Quota::per_hour(per_hour).allow_burst(burst)),
        }
    }

    /// A top-level page view of `tenant`'s walkthrough `shown` on `today`: whether it counts, and
    /// the token for its events. `presented` is the token the browser brought, if any: a valid
    /// one of this tenant keeps the browser's id.
    pub fn page_view(
        &self,
        tenant: Uuid,
        today: Date,
        shown: WalkthroughKind,
        client: Client,
        presented: &[&str],
    ) -> ViewDecision {
        let browser = presented
            .iter()
            .find_map(|token| self.verify(token, tenant, today))
            .map(|claims| claims.browser)
            .unwrap_or_else(|| self.new_browser(client, tenant, today));
        let counts = self.first_time(browser, tenant, today, &event_key(Event::View(shown)));
        ViewDecision {
            counts,
            token: self.mint(tenant, today, shown, browser),
        }
    }

    /// May `event` of `tenant` count `today`, carried by one of `presented`? `Ok(true)`: count it;
    /// `Ok(false)`: valid, but this token or browser already counted it; `Err`: no valid token.
    pub fn event(
        &self,
        tenant: Uuid,
        today: Date,
        event: Event,
        presented: &[&str],
    ) -> Result<bool, NotCounted> {
        if presented.is_empty() {
            return Err(NotCounted::NoToken);
        }
        let claims = presented
            .iter()
            .find_map(|token| self.verify(token, tenant, today))
            .ok_or(NotCounted::InvalidToken)?;
        if let Event::Done(kind) = event
            && kind != claims.shown
        {
            return Err(NotCounted::OtherWalkthrough);
        }
        let key = event_key(event);
        let spent = self.hash(&[b"spent", &claims.nonce, key.as_bytes()]);
        if self.spent.contains_key(&spent) {
            return Ok(false);
        }
        self.spent.insert(spent, ());
        Ok(self.first_time(claims.browser, tenant, today, &key))
    }

    /// Drop the new-browser allowances of addresses that have earned their whole burst back (they
    /// would behave exactly like new ones), so the map stays as small as the traffic.
    pub fn forget_idle(&self) {
        self.new_browsers.retain_recent();
        self.new_browsers.shrink_to_fit();
    }

    /// How many addresses' new-browser allowances are tracked (for tests and debugging).
    pub fn tracked_addresses(&self) -> usize {
        self.new_browsers.len()
    }

    /// Mark (browser, tenant, day, event) counted; `true` if it was not yet.
    fn first_time(&self, browser: [u8; 16], tenant: Uuid, day: Date, event: &str) -> bool {
        let key = self.hash(&[
            b"counted",
            &browser,
            tenant.as_bytes(),
            &day.to_julian_day().to_be_bytes(),
            event.as_bytes(),
        ]);
        // `entry` decides under moka's per-key lock: of two racing requests, one is first.
        self.counted.entry(key).or_insert(()).is_fresh()
    }

    /// A fresh random browser id, while the client's network may still bring new browsers; past
    /// that, one id per network, tenant and day.
    fn new_browser(&self, client: Client, tenant: Uuid, day: Date) -> [u8; 16] {
        let network = network_bytes(client.address);
        let network_key = self.hash(&[b"address", &network]);
        let mut short = [0u8; 16];
        short.copy_from_slice(&network_key[..16]);
        // Past the bound, new networks get no allowance of their own (memory stays bounded).
        let tracked = self.new_browsers.len() < MAX_NETWORKS;
        if tracked && self.new_browsers.check_key(&short).is_ok() {
            let mut browser = [0u8; 16];
            if getrandom::fill(&mut browser).is_ok() {
                return browser;
            }
        }
        let derived = self.hash(&[
            b"browser",
            &network,
            tenant.as_bytes(),
            &day.to_julian_day().to_be_bytes(),
        ]);
        let mut browser = [0u8; 16];
        browser.copy_from_slice(&derived[..16]);
        browser
    }

    fn mint(
        &self,
        tenant: Uuid,
        day: Date,
        shown: WalkthroughKind,
        browser: [u8; 16],
    ) -> ViewToken {
        let mut nonce = [0u8; 16];
        // Without randomness the nonce is zero: the token still works, only once per browser.
        let _ = getrandom::fill(&mut nonce);
        let mut bytes = Vec::with_capacity(TOKEN_BYTES);
        bytes.push(TOKEN_VERSION);
        bytes.extend_from_slice(&day.to_julian_day().to_be_bytes());
        bytes.push(kind_byte(shown));
        bytes.extend_from_slice(&browser);
        bytes.extend_from_slice(&nonce);
        let mac = self.hash(&[b"view-token", tenant.as_bytes(), &bytes]);
        bytes.extend_from_slice(&mac);
        ViewToken(BASE64URL_NOPAD.encode(&bytes))
    }

    /// The claims of a genuine token of `tenant` minted today or yesterday.
    fn verify(&self, token: &str, tenant: Uuid, today: Date) -> Option<Claims> {
        if token.len() > 2 * TOKEN_BYTES {
            return None;
        }
        let bytes = BASE64URL_NOPAD.decode(token.as_bytes()).ok()?;
        if bytes.len() != TOKEN_BYTES || bytes.first() != Some(&TOKEN_VERSION) {
            return None;
        }
        let (signed, mac) = bytes.split_at(TOKEN_BYTES - 32);
        let expected = self.hash(&[b"view-token", tenant.as_bytes(), signed]);
        if !bool::from(expected.as_slice().ct_eq(mac)) {
            return None;
        }
        let day = i32::from_be_bytes(signed.get(1..5)?.try_into().ok()?);
        let day = Date::from_julian_day(day).ok()?;
        let today_or_yesterday = day == today || day.next_day() == Some(today);
        if !today_or_yesterday {
            return None;
        }
        let shown = kind_from_byte(*signed.get(5)?)?;
        Some(Claims {
            shown,
            browser: signed.get(6..22)?.try_into().ok()?,
            nonce: signed.get(22..38)?.try_into().ok()?,
        })
    }

    /// HMAC-SHA-256 under the gate's key of the parts, each length-prefixed (so no two
    /// different part lists hash alike).
    fn hash(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut message = Vec::with_capacity(128);
        for part in parts {
            let length = u32::try_from(part.len()).unwrap_or(u32::MAX);
            message.extend_from_slice(&length.to_be_bytes());
            message.extend_from_slice(part);
        }
        hmac_sha256(&self.key, &message)
    }
}

/// What a genuine token says.
#[derive(Debug, Clone, Copy)]
struct Claims {
    shown: WalkthroughKind,
    browser: [u8; 16],
    nonce: [u8; 16],
}

/// The event as the de-duplication sets name it (`view:ios`, `done:android`…).
fn event_key(event: Event) -> String {
    format!("{}:{}", event.metric().as_str(), event.dimension())
}

fn kind_byte(kind: WalkthroughKind) -> u8 {
    match kind {
        WalkthroughKind::Ios => 1,
        WalkthroughKind::Android => 2,
        WalkthroughKind::Samsung => 3,
        WalkthroughKind::Desktop => 4,
    }
}

fn kind_from_byte(byte: u8) -> Option<WalkthroughKind> {
    WalkthroughKind::ALL
        .into_iter()
        .find(|kind| kind_byte(*kind) == byte)
}

/// The network counting knows a client by: an IPv4 address, an IPv6 /48.
fn network_bytes(address: IpAddr) -> Vec<u8> {
    match address.to_canonical() {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().get(..6).unwrap_or_default().to_vec(),
    }
}

/// HMAC-SHA-256 (RFC 2104) with a 32-byte key.
fn hmac_sha256(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut inner_pad = [0x36u8; BLOCK];
    let mut outer_pad = [0x5cu8; BLOCK];
    for (index, byte) in key.iter().enumerate() {
        if let (Some(inner), Some(outer)) = (inner_pad.get_mut(index), outer_pad.get_mut(index)) {
            *inner ^= byte;
            *outer ^= byte;
        }
    }
    let inner = Sha256::new()
        .chain_update(inner_pad)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(outer_pad)
        .chain_update(inner)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

    use time::macros::date;

    use super::*;

    const TENANT: Uuid = Uuid::from_u128(0x1111);
    const OTHER_TENANT: Uuid = Uuid::from_u128(0x2222);
    const TODAY: Date = date!(2026 - 03 - 10);

    fn gate() -> CountingGate {
        CountingGate::new([7; 32])
    }

    fn client(address: &str) -> Client {
        Client {
            address: address.parse().unwrap(),
        }
    }

    #[test]
    fn hmac_matches_rfc_4231_for_a_32_byte_key() {
        // RFC 4231 test case 1 (key 0x0b × 20): HMAC pads a short key with zeros, so the same
        // key written as 32 bytes gives the same MAC.
        let mut key = [0u8; 32];
        key[..20].copy_from_slice(&[0x0b; 20]);
        assert_eq!(
            hex::encode(hmac_sha256(&key, b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    #[test]
    fn a_browser_counts_its_view_once_and_its_events_once() {
        let gate = gate();
        let first = gate.page_view(
            TENANT,
            TODAY,
            WalkthroughKind::Ios,
            client("203.0.113.9"),
            &[],
        );
        assert!(first.counts);
        // The same browser again, bringing its token: not counted again.
        let again = gate.page_view(
            TENANT,
            TODAY,
            WalkthroughKind::Ios,
            client("203.0.113.9"),
            &[first.token.as_str()],
        );
        assert!(!again.counts);
        let done = Event::Done(WalkthroughKind::Ios);
        assert_eq!(
            gate.event(TENANT, TODAY, done, &[again.token.as_str()]),
            Ok(true)
        );
        // Single use, and once per browser even with the other token of the same browser.
        assert_eq!(
            gate.event(TENANT, TODAY, done, &[again.token.as_str()]),
            Ok(false)
        );
        assert_eq!(
            gate.event(TENANT, TODAY, done, &[first.token.as_str()]),
            Ok(false)
        );
    }

    #[test]
    fn events_without_a_genuine_token_of_this_tenant_and_day_count_nothing() {
        let gate = gate();
        let done = Event::Done(WalkthroughKind::Android);
        assert_eq!(
            gate.event(TENANT, TODAY, done, &[]),
            Err(NotCounted::NoToken)
        );
        assert_eq!(
            gate.event(TENANT, TODAY, done, &["forged"]),
            Err(NotCounted::InvalidToken)
        );
        let view = gate.page_view(
            TENANT,
            TODAY,
            WalkthroughKind::Android,
            client("198.51.100.1"),
            &[],
        );
        let token = view.token.as_str();
        // Another tenant, a token from two days ago, another gate's secret, a flipped bit.
        assert_eq!(
            gate.event(OTHER_TENANT, TODAY, done, &[token]),
            Err(NotCounted::InvalidToken)
        );
        let later = TODAY.next_day().unwrap().next_day().unwrap();
        assert_eq!(
            gate.event(TENANT, later, done, &[token]),
            Err(NotCounted::InvalidToken)
        );
        assert_eq!(
            CountingGate::new([8; 32]).event(TENANT, TODAY, done, &[token]),
            Err(NotCounted::InvalidToken)
        );
        let mut bytes = BASE64URL_NOPAD.decode(token.as_bytes()).unwrap();
        bytes[10] ^= 1;
        let tampered = BASE64URL_NOPAD.encode(&bytes);
        assert_eq!(
            gate.event(TENANT, TODAY, done, &[tampered.as_str()]),
            Err(NotCounted::InvalidToken)
        );
        // Another device's walkthrough.
        assert_eq!(
            gate.event(TENANT, TODAY, Event::Done(WalkthroughKind::Ios), &[token]),
            Err(NotCounted::OtherWalkthrough)
        );
        // A page opened yesterday still counts its Done today.
        let tomorrow = TODAY.next_day().unwrap();
        assert_eq!(gate.event(TENANT, tomorrow, done, &[token]), Ok(true));
    }

    #[test]
    fn recovered_address_allowances_are_forgotten_and_owed_ones_kept() {
        // One new browser a millisecond for 192.0.2.7's gate; the default (hourly) for the other.
        let fast = CountingGate::with_new_browser_rate([7; 32], 3_600_000, 1);
        fast.page_view(
            TENANT,
            TODAY,
            WalkthroughKind::Ios,
            client("192.0.2.7"),
            &[],
        );
        let hourly = gate();
        hourly.page_view(
            TENANT,
            TODAY,
            WalkthroughKind::Ios,
            client("192.0.2.7"),
            &[],
        );
        assert_eq!(
            (fast.tracked_addresses(), hourly.tracked_addresses()),
            (1, 1)
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
        fast.forget_idle();
        hourly.forget_idle();
        assert_eq!(
            (fast.tracked_addresses(), hourly.tracked_addresses()),
            (0, 1)
        );
    }

    #[test]
    fn a_crowd_behind_one_address_counts_person_by_person_until_the_new_browser_allowance_ends() {
        let gate = gate();
        let office = client("192.0.2.50");
        let mut counted = 0;
        for _ in 0..NEW_BROWSERS_BURST {
            counted += usize::from(
                gate.page_view(TENANT, TODAY, WalkthroughKind::Ios, office, &[])
                    .counts,
            );
        }
        assert_eq!(counted, usize::try_from(NEW_BROWSERS_BURST).unwrap());
        // Past the burst, cookie-less views from this address share one id.
        let extra: Vec<bool> = (0..20)
            .map(|_| {
                gate.page_view(TENANT, TODAY, WalkthroughKind::Ios, office, &[])
                    .counts
            })
            .collect();
        assert_eq!(extra.iter().filter(|counts| **counts).count(), 1);
        // Another address is not affected.
        assert!(
            gate.page_view(
                TENANT,
                TODAY,
                WalkthroughKind::Ios,
                client("192.0.2.51"),
                &[]
            )
            .counts
        );
    }

    #[test]
    fn a_script_rotating_64s_gains_no_counts_past_the_allowance() {
        let gate = CountingGate::with_new_browser_rate([7; 32], 600, 3);
        let view = |address: &str| {
            gate.page_view(
                TENANT,
                TODAY,
                WalkthroughKind::Ios,
                Client {
                    address: address.parse().unwrap(),
                },
                &[],
            )
            .counts
        };
        let mut counted = 0;
        for n in 0..40 {
            // A fresh /64 of the same /48 each time, no cookie.
            let address = format!("2001:db8:42:{n:x}::1");
            counted += usize::from(view(&address));
        }
        assert_eq!(counted, 3 + 1, "the burst, then one shared id");
        // Another site's network is not affected.
        assert!(view("2001:db8:43::1"));
    }

    #[test]
    fn a_token_spent_when_the_sets_are_full_is_still_remembered() {
        let gate = CountingGate::with_limits([7; 32], 600, 300, 100);
        // Both sets are full of entries seen again and again (a flood of genuine visits).
        let fillers: Vec<[u8; 32]> = (0..100u32)
            .map(|n| gate.hash(&[b"filler", &n.to_be_bytes()]))
            .collect();
        for _ in 0..5 {
            for filler in &fillers {
                for set in [&gate.spent, &gate.counted] {
                    set.insert(*filler, ());
                    let _ = set.get(filler);
                }
            }
            gate.spent.run_pending_tasks();
            gate.counted.run_pending_tasks();
        }
        let view = gate.page_view(
            TENANT,
            TODAY,
            WalkthroughKind::Ios,
            client("198.51.100.1"),
            &[],
        );
        let done = Event::Done(WalkthroughKind::Ios);
        let token = view.token.as_str();
        assert_eq!(gate.event(TENANT, TODAY, done, &[token]), Ok(true));
        gate.spent.run_pending_tasks();
        gate.counted.run_pending_tasks();
        // Replayed at once: the fresh spend was kept, the token counts nothing more.
        assert_eq!(gate.event(TENANT, TODAY, done, &[token]), Ok(false));
    }
}
