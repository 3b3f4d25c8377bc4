//! Abuse limits per client: a domain we have never seen makes us send requests to Microsoft, DNS
//! and the company's website, an admin verification makes us query DNS and Microsoft, and a new
//! DNS challenge is a row in the database, so all three are rationed.
//!
//! Each limit is a governor keyed limiter (GCRA: a steady rate plus a small burst). Clients are
//! keyed by [`ClientIp::limiter_key`] (IPv6 by /64); challenges and verifications are limited per
//! client AND per domain, so neither many addresses nor many domains buy more attempts. The
//! client's bucket is checked first and the domain's is charged only when the client may go on:
//! one client's refused attempts never use up a domain's allowance (with the domain's burst above
//! the client's, one client alone cannot lock a domain's admin out). Keys that have earned their
//! whole burst back hold no information and are dropped periodically; each map holds at most
//! [`MAX_KEYS`] keys, past which new keys share one overflow bucket (a flood of addresses or
//! domains cannot grow memory without bound).
//!
//! IPv6 clients rotate addresses cheaply: a subscriber's /64 is one client for new domains, and
//! its /48 (the block one site is given) shares [`NETWORK_SHARE`] clients' worth, so a /48's
//! 65 536 /64s buy no more than that. The admin sign-in limits (challenges, "Check DNS") count a
//! whole IPv6 /48 as one client: otherwise one client with a /48 could use up a domain's
//! allowance by itself, locking the domain's real admin out.
//!
//! Logo uploads are limited per tenant ([`Limits::logo_upload`]): decoding is the costliest work
//! an admin can ask for, and a tenant's allowance is shared by all its admins. Every other admin
//! write (settings, logo changes, removals, approvals) is limited per tenant and proven domain
//! ([`Limits::admin_save`]), so one admin cannot use up the allowance of the admins above them.
//!
//! A refusal is logged with the client's address truncated (IPv4 /24, IPv6 /48): enough to see
//! an abusive network, not enough to name a person.

use std::net::IpAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use std::hash::Hash;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, NotUntil, Quota, RateLimiter};
use uuid::Uuid;

use crate::config::{Config, Rate};
use crate::domain::DomainName;

use super::client_ip::ClientIp;
use super::error::AppError;

/// How often idle limiter keys are dropped.
pub const CLEANUP_INTERVAL: Duration = Duration::from_secs(60);
/// Most keys one limiter map holds; new keys past it share one overflow bucket.
pub const MAX_KEYS: usize = 100_000;
/// How many clients' allowance of new domains one IPv6 /48 shares.
pub const NETWORK_SHARE: u32 = 16;

/// Which limit turned a request away (the `limit` label of `rate_limited_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// Lookups of domains not seen before, per client.
    NewDomain,
    /// Admin verification attempts, per client or per domain.
    Verification,
    /// New admin DNS challenges, per client or per domain.
    Challenge,
    /// Logo uploads, per tenant.
    LogoUpload,
    /// Admin writes (settings, logo changes, removals, approvals), per tenant and proven domain.
    AdminSave,
}

impl LimitKind {
    /// Stable name (metrics label).
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::NewDomain => "new_domain",
            LimitKind::Verification => "verification",
            LimitKind::Challenge => "challenge",
            LimitKind::LogoUpload => "logo_upload",
            LimitKind::AdminSave => "admin_save",
        }
    }
}

/// The rate limits of the service; cheap to clone (one set per process).
#[derive(Clone)]
pub struct Limits {
    inner: Arc<Inner>,
}

struct Inner {
    new_domain: Bounded<IpAddr>,
    new_domain_by_network: Bounded<IpAddr>,
    admin_saves: Bounded<(Uuid, String)>,
    verification_by_client: Bounded<IpAddr>,
    verification_by_domain: Bounded<DomainName>,
    challenge_by_client: Bounded<IpAddr>,
    challenge_by_domain: Bounded<DomainName>,
    logo_uploads: Bounded<Uuid>,
    clock: DefaultClock,
}

/// The admin journey's rates (see `AUTHWALK_VERIFY_RATE` and its siblings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminRates {
    /// Verification attempts per client.
    pub verify_per_client: Rate,
    /// Verification attempts per domain.
    pub verify_per_domain: Rate,
    /// New DNS challenges per client.
    pub challenge_per_client: Rate,
    /// New DNS challenges per domain.
    pub challenge_per_domain: Rate,
    /// Logo uploads per tenant.
    pub logo_upload_per_tenant: Rate,
    /// Other admin writes per tenant and proven domain.
    pub save_per_admin: Rate,
}

/// A keyed limiter whose map holds at most `max_keys` keys: past that, new keys are charged to
/// one shared overflow bucket (`None`) until the periodic cleanup makes room.
struct Bounded<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<Option<K>>,
    max_keys: usize,
}

impl<K: Hash + Eq + Clone> Bounded<K> {
    fn new(rate: Rate, max_keys: usize) -> Self {
        Self {
            limiter: RateLimiter::keyed(quota(rate)),
            max_keys,
        }
    }

    fn check(&self, key: &K) -> Result<(), NotUntil<<DefaultClock as Clock>::Instant>> {
        // A key already in the map past the bound is charged to the overflow bucket too: under a
        // flood that bucket is the one everybody new shares, and it is exhausted first.
        let key = (self.limiter.len() < self.max_keys).then(|| key.clone());
        self.limiter.check_key(&key)
    }

    fn len(&self) -> usize {
        self.limiter.len()
    }

    fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("tracked_keys", &self.tracked_keys())
            .finish_non_exhaustive()
    }
}

impl Limits {
    /// Limits with the given rates for new domains and for the admin journey.
    pub fn new(new_domain: Rate, admin: AdminRates) -> Self {
        Self::with_max_keys(new_domain, admin, MAX_KEYS)
    }

    /// Like [`Limits::new`], with at most `max_keys` keys per map.
    pub fn with_max_keys(new_domain: Rate, admin: AdminRates, max_keys: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                new_domain: Bounded::new(new_domain, max_keys),
                new_domain_by_network: Bounded::new(new_domain.times(NETWORK_SHARE), max_keys),
                admin_saves: Bounded::new(admin.save_per_admin, max_keys),
                verification_by_client: Bounded::new(admin.verify_per_client, max_keys),
                verification_by_domain: Bounded::new(admin.verify_per_domain, max_keys),
                challenge_by_client: Bounded::new(admin.challenge_per_client, max_keys),
                challenge_by_domain: Bounded::new(admin.challenge_per_domain, max_keys),
                logo_uploads: Bounded::new(admin.logo_upload_per_tenant, max_keys),
                clock: DefaultClock::default(),
            }),
        }
    }

    /// Limits with the configured rates (`AUTHWALK_NEW_DOMAIN_RATE`, `AUTHWALK_VERIFY_RATE`,
    /// `AUTHWALK_VERIFY_DOMAIN_RATE`, `AUTHWALK_CHALLENGE_RATE`, `AUTHWALK_CHALLENGE_DOMAIN_RATE`,
    /// `AUTHWALK_LOGO_UPLOAD_RATE`, `AUTHWALK_ADMIN_SAVE_RATE`).
    pub fn from_config(config: &Config) -> Self {
        Self::new(
            config.new_domain_rate,
            AdminRates {
                verify_per_client: config.verify_rate,
                verify_per_domain: config.verify_domain_rate,
                challenge_per_client: config.challenge_rate,
                challenge_per_domain: config.challenge_domain_rate,
                logo_upload_per_tenant: config.logo_upload_rate,
                save_per_admin: config.admin_save_rate,
            },
        )
    }

    /// May `client` make us look up a domain we do not know yet? Call it only for unknown domains:
    /// known ones cost nothing upstream.
    pub fn new_domain(&self, client: &ClientIp) -> Result<(), AppError> {
        self.charge(
            &self.inner.new_domain,
            &client.limiter_key(),
            LimitKind::NewDomain,
            client,
        )?;
        // The client's own allowance passed: its IPv6 /48 shares a bounded number of them.
        if let Some(network) = ipv6_network(client.ip()) {
            self.charge(
                &self.inner.new_domain_by_network,
                &network,
                LimitKind::NewDomain,
                client,
            )?;
        }
        Ok(())
    }

    /// May the admin of `session` write a change (settings, a logo change, a removal or an
    /// approval) now? One allowance per tenant and proven domain, checked after the form's CSRF
    /// token (a forged post costs nobody anything).
    pub fn admin_save(
        &self,
        session: &crate::admin::session::AdminSession,
        client: &ClientIp,
    ) -> Result<(), AppError> {
        let key = (session.tenant_id(), session.domain().to_owned());
        self.charge(&self.inner.admin_saves, &key, LimitKind::AdminSave, client)
    }

    /// May an admin of `tenant_id` upload a logo now? One allowance per tenant, whichever admin
    /// and address it comes from.
    pub fn logo_upload(&self, tenant_id: Uuid, client: &ClientIp) -> Result<(), AppError> {
        self.inner
            .logo_uploads
            .check(&tenant_id)
            .map_err(|not_until| {
                self.refused(
                    LimitKind::LogoUpload,
                    client,
                    not_until.wait_time_from(self.inner.clock.now()),
                )
            })
    }

    /// May `client` try to verify control of `domain` now? The client's bucket first, then the
    /// domain's (charged only when the client may go on).
    pub fn verification(&self, client: &ClientIp, domain: &DomainName) -> Result<(), AppError> {
        self.verification_by_client(client)?;
        self.verification_by_domain(client, domain)
    }

    /// May `client` try a verification now (its own bucket only)?
    pub fn verification_by_client(&self, client: &ClientIp) -> Result<(), AppError> {
        self.charge(
            &self.inner.verification_by_client,
            &admin_client_key(client),
            LimitKind::Verification,
            client,
        )
    }

    /// May `domain` be verified now (its bucket only; charge it after the client's)?
    pub fn verification_by_domain(
        &self,
        client: &ClientIp,
        domain: &DomainName,
    ) -> Result<(), AppError> {
        self.charge(
            &self.inner.verification_by_domain,
            domain,
            LimitKind::Verification,
            client,
        )
    }

    /// May `client` start a new DNS challenge for `domain`? The client's bucket first, then the
    /// domain's.
    pub fn challenge(&self, client: &ClientIp, domain: &DomainName) -> Result<(), AppError> {
        self.charge(
            &self.inner.challenge_by_client,
            &admin_client_key(client),
            LimitKind::Challenge,
            client,
        )?;
        self.charge(
            &self.inner.challenge_by_domain,
            domain,
            LimitKind::Challenge,
            client,
        )
    }

    fn charge<K: Hash + Eq + Clone>(
        &self,
        bucket: &Bounded<K>,
        key: &K,
        kind: LimitKind,
        client: &ClientIp,
    ) -> Result<(), AppError> {
        bucket.check(key).map_err(|not_until| {
            self.refused(
                kind,
                client,
                not_until.wait_time_from(self.inner.clock.now()),
            )
        })
    }

    /// Drop every key whose limit has fully recovered (it would behave exactly like a new key).
    pub fn forget_idle(&self) {
        Self::forget_idle_in(&self.inner);
    }

    /// How many keys the limiters hold (for tests and debugging).
    pub fn tracked_keys(&self) -> usize {
        self.inner.new_domain.len()
            + self.inner.new_domain_by_network.len()
            + self.inner.admin_saves.len()
            + self.inner.verification_by_client.len()
            + self.inner.verification_by_domain.len()
            + self.inner.challenge_by_client.len()
            + self.inner.challenge_by_domain.len()
            + self.inner.logo_uploads.len()
    }

    /// Drop idle keys every `every` until the last handle on these limits is gone.
    pub fn spawn_cleanup(&self, every: Duration) {
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // The first tick completes at once; nothing to drop yet.
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let Some(inner) = weak.upgrade() else {
                    return;
                };
                Self::forget_idle_in(&inner);
            }
        });
    }

    fn forget_idle_in(inner: &Inner) {
        inner.new_domain.forget_idle();
        inner.new_domain_by_network.forget_idle();
        inner.admin_saves.forget_idle();
        inner.verification_by_client.forget_idle();
        inner.verification_by_domain.forget_idle();
        inner.challenge_by_client.forget_idle();
        inner.challenge_by_domain.forget_idle();
        inner.logo_uploads.forget_idle();
    }

    fn refused(&self, kind: LimitKind, client: &ClientIp, wait: Duration) -> AppError {
        crate::metrics::rate_limited(kind.as_str());
        let network = truncated(client.ip());
        tracing::info!(limit = kind.as_str(), client = %network, ?wait, "rate limited");
        AppError::RateLimited { retry_after: wait }
    }
}

/// The IPv6 /48 of an address (`None` for IPv4).
fn ipv6_network(address: IpAddr) -> Option<IpAddr> {
    match address.to_canonical() {
        IpAddr::V4(_) => None,
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 80) - 1);
            Some(IpAddr::V6(std::net::Ipv6Addr::from(network)))
        }
    }
}

/// The key of the admin sign-in limits: the address for IPv4, the whole /48 for IPv6.
fn admin_client_key(client: &ClientIp) -> IpAddr {
    ipv6_network(client.ip()).unwrap_or_else(|| client.limiter_key())
}

/// An address as logs may carry it: its network, IPv4 /24 or IPv6 /48 (`203.0.113.0/24`).
pub fn truncated(address: IpAddr) -> String {
    match address.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 80) - 1);
            format!("{}/48", std::net::Ipv6Addr::from(network))
        }
    }
}

fn quota(rate: Rate) -> Quota {
    // The configuration refuses rates whose interval rounds to zero.
    Quota::with_period(rate.replenish_interval())
        .unwrap_or_else(|| Quota::per_second(rate.count))
        .allow_burst(rate.burst)
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use super::*;

    fn rate(count: u32, period: Duration, burst: u32) -> Rate {
        Rate {
            count: NonZeroU32::new(count).unwrap(),
            period,
            burst: NonZeroU32::new(burst).unwrap(),
        }
    }

    fn admin(client: Rate, domain: Rate) -> AdminRates {
        AdminRates {
            verify_per_client: client,
            verify_per_domain: domain,
            challenge_per_client: client,
            challenge_per_domain: domain,
            logo_upload_per_tenant: domain,
            save_per_admin: domain,
        }
    }

    fn hourly(burst: u32) -> Rate {
        rate(10, Duration::from_secs(3600), burst)
    }

    fn client(text: &str) -> ClientIp {
        ClientIp(text.parse().unwrap())
    }

    fn retry_after(error: AppError) -> Duration {
        match error {
            AppError::RateLimited { retry_after } => retry_after,
            other => panic!("expected a rate limit, got {other:?}"),
        }
    }

    #[test]
    fn new_domains_are_allowed_up_to_the_burst_then_refused_with_a_wait() {
        let limits = Limits::new(
            rate(20, Duration::from_secs(60), 3),
            admin(hourly(5), hourly(5)),
        );
        let visitor = client("198.51.100.7");
        for attempt in 0..3 {
            assert!(limits.new_domain(&visitor).is_ok(), "attempt {attempt}");
        }
        let wait = retry_after(limits.new_domain(&visitor).unwrap_err());
        // One request is earned back every 3 s.
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(3),
            "{wait:?}"
        );
        // Another client is not affected.
        assert!(limits.new_domain(&client("198.51.100.8")).is_ok());
    }

    #[test]
    fn one_ipv6_48_gets_a_bounded_share_of_new_domains_however_many_64s_it_uses() {
        let one = rate(1, Duration::from_secs(3600), 1);
        let limits = Limits::new(one, admin(one, one));
        let network = NETWORK_SHARE;
        for n in 0..network {
            let address = client(&format!("2001:db8:7:{n:x}::1"));
            assert!(limits.new_domain(&address).is_ok(), "/64 number {n}");
        }
        assert!(
            limits.new_domain(&client("2001:db8:7:ff::1")).is_err(),
            "the /48's share is used up"
        );
        assert!(
            limits.new_domain(&client("2001:db8:8::1")).is_ok(),
            "another /48"
        );
    }

    #[test]
    fn admin_sign_in_limits_count_an_ipv6_48_as_one_client() {
        let limits = Limits::new(
            rate(20, Duration::from_secs(60), 20),
            admin(hourly(2), hourly(5)),
        );
        let contoso = DomainName::parse("contoso.com").unwrap();
        assert!(
            limits
                .challenge(&client("2001:db8:9:1::1"), &contoso)
                .is_ok()
        );
        assert!(
            limits
                .challenge(&client("2001:db8:9:2::1"), &contoso)
                .is_ok()
        );
        assert!(
            limits
                .challenge(&client("2001:db8:9:3::1"), &contoso)
                .is_err()
        );
        // The domain's allowance is left for its real admin elsewhere.
        assert!(limits.challenge(&client("198.51.100.7"), &contoso).is_ok());
    }

    #[test]
    fn one_ipv6_64_shares_one_allowance() {
        let one = rate(1, Duration::from_secs(60), 1);
        let limits = Limits::new(one, admin(one, one));
        assert!(limits.new_domain(&client("2001:db8:1:2::1")).is_ok());
        assert!(limits.new_domain(&client("2001:db8:1:2::ffff")).is_err());
        assert!(limits.new_domain(&client("2001:db8:1:3::1")).is_ok());
    }

    #[test]
    fn verification_is_limited_per_domain_across_clients_and_per_client_across_domains() {
        let limits = Limits::new(
            rate(20, Duration::from_secs(60), 20),
            admin(hourly(2), hourly(2)),
        );
        let contoso = DomainName::parse("contoso.com").unwrap();
        let fabrikam = DomainName::parse("fabrikam.com").unwrap();
        let northwind = DomainName::parse("northwind.com").unwrap();
        // Per domain: many clients cannot hammer one domain.
        assert!(limits.verification(&client("192.0.2.1"), &contoso).is_ok());
        assert!(limits.verification(&client("192.0.2.2"), &contoso).is_ok());
        let wait = retry_after(
            limits
                .verification(&client("192.0.2.3"), &contoso)
                .unwrap_err(),
        );
        assert!(wait > Duration::from_secs(60), "{wait:?}");
        // Per client: one client cannot try many domains.
        let busy = client("192.0.2.9");
        assert!(limits.verification(&busy, &fabrikam).is_ok());
        assert!(limits.verification(&busy, &northwind).is_ok());
        let other = DomainName::parse("example.org").unwrap();
        assert!(limits.verification(&busy, &other).is_err());
    }

    #[test]
    fn logo_uploads_are_limited_per_tenant_whoever_uploads() {
        let limits = Limits::new(
            rate(20, Duration::from_secs(60), 20),
            AdminRates {
                logo_upload_per_tenant: rate(2, Duration::from_secs(3600), 2),
                ..admin(hourly(5), hourly(5))
            },
        );
        let contoso = Uuid::from_u128(1);
        assert!(limits.logo_upload(contoso, &client("192.0.2.1")).is_ok());
        assert!(limits.logo_upload(contoso, &client("198.51.100.1")).is_ok());
        // A third upload of the same tenant, from yet another address.
        let wait = retry_after(
            limits
                .logo_upload(contoso, &client("203.0.113.1"))
                .unwrap_err(),
        );
        assert!(wait > Duration::from_secs(60), "{wait:?}");
        assert!(
            limits
                .logo_upload(Uuid::from_u128(2), &client("192.0.2.1"))
                .is_ok()
        );
    }

    #[test]
    fn logged_addresses_are_truncated_to_their_network() {
        assert_eq!(truncated("203.0.113.77".parse().unwrap()), "203.0.113.0/24");
        assert_eq!(
            truncated("::ffff:198.51.100.9".parse().unwrap()),
            "198.51.100.0/24"
        );
        assert_eq!(
            truncated("2001:db8:abcd:12:34:56:78:9a".parse().unwrap()),
            "2001:db8:abcd::/48"
        );
    }

    #[test]
    fn one_client_cannot_use_up_a_domains_allowance() {
        // The domain's burst is above the client's, and a client refused by its own bucket
        // never reaches the domain's.
        let limits = Limits::new(
            rate(20, Duration::from_secs(60), 20),
            admin(hourly(3), hourly(5)),
        );
        let contoso = DomainName::parse("contoso.com").unwrap();
        let attacker = client("203.0.113.66");
        for _ in 0..3 {
            assert!(limits.verification(&attacker, &contoso).is_ok());
        }
        for _ in 0..50 {
            assert!(limits.verification(&attacker, &contoso).is_err());
        }
        let admin_client = client("198.51.100.20");
        assert!(limits.verification(&admin_client, &contoso).is_ok());
        assert!(limits.verification(&admin_client, &contoso).is_ok());
    }

    #[test]
    fn new_challenges_are_limited_per_client_and_per_domain() {
        let limits = Limits::new(
            rate(20, Duration::from_secs(60), 20),
            admin(hourly(2), hourly(3)),
        );
        let contoso = DomainName::parse("contoso.com").unwrap();
        let spammer = client("203.0.113.7");
        assert!(limits.challenge(&spammer, &contoso).is_ok());
        assert!(limits.challenge(&spammer, &contoso).is_ok());
        assert!(limits.challenge(&spammer, &contoso).is_err(), "per client");
        assert!(limits.challenge(&client("203.0.113.8"), &contoso).is_ok());
        assert!(
            limits.challenge(&client("203.0.113.9"), &contoso).is_err(),
            "per domain: the third new client hits the domain's bucket"
        );
    }

    #[test]
    fn limiter_maps_hold_at_most_their_bound_and_new_keys_share_the_overflow_bucket() {
        let one = rate(1, Duration::from_secs(3600), 1);
        let limits = Limits::with_max_keys(one, admin(one, one), 4);
        for last in 1..=4 {
            assert!(
                limits
                    .new_domain(&client(&format!("198.51.100.{last}")))
                    .is_ok()
            );
        }
        // Thousands of new addresses: the map stays at its bound plus the overflow key, and they
        // all share one bucket.
        let mut allowed = 0;
        for last in 0..2000u32 {
            let address = format!("10.{}.{}.{}", last / 65536, (last / 256) % 256, last % 256);
            if limits.new_domain(&client(&address)).is_ok() {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 1, "one overflow bucket for every new key");
        assert_eq!(limits.tracked_keys(), 5);
    }

    #[test]
    fn recovered_keys_are_forgotten_and_limited_ones_kept() {
        let hour = rate(1, Duration::from_secs(3600), 1);
        let limits = Limits::new(rate(1000, Duration::from_secs(1), 1), admin(hour, hour));
        let fast = client("198.51.100.1");
        assert!(limits.new_domain(&fast).is_ok());
        let domain = DomainName::parse("contoso.com").unwrap();
        assert!(
            limits
                .verification(&client("198.51.100.2"), &domain)
                .is_ok()
        );
        assert_eq!(limits.tracked_keys(), 3);
        // The new-domain key recovers within 1 ms; the hourly verification keys do not.
        std::thread::sleep(Duration::from_millis(20));
        limits.forget_idle();
        assert_eq!(limits.tracked_keys(), 2);
        assert!(
            limits
                .verification(&client("198.51.100.2"), &domain)
                .is_err()
        );
    }
}
