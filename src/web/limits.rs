//! Abuse limits per client: a domain we have never seen makes us send requests to Microsoft, DNS
//! and the company's website, and an admin verification makes us query DNS, so both are rationed.
//!
//! Each limit is a governor keyed limiter (GCRA: a steady rate plus a small burst). Clients are
//! keyed by [`ClientIp::limiter_key`] (IPv6 by /64); verification is limited per client AND per
//! domain, so neither many addresses nor many domains buy more attempts. Keys that have earned
//! their whole burst back hold no information and are dropped periodically.
//!
//! Logo uploads are limited per tenant ([`Limits::logo_upload`]): decoding is the costliest work
//! an admin can ask for, and a tenant's allowance is shared by all its admins.
//!
//! A refusal is logged with the client's address truncated (IPv4 /24, IPv6 /48): enough to see
//! an abusive network, not enough to name a person.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use uuid::Uuid;

use crate::config::{Config, Rate};
use crate::domain::DomainName;

use super::client_ip::ClientIp;
use super::error::AppError;

/// How often idle limiter keys are dropped.
pub const CLEANUP_INTERVAL: Duration = Duration::from_secs(60);

/// Which limit turned a request away (the `limit` label of `rate_limited_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// Lookups of domains not seen before, per client.
    NewDomain,
    /// Admin verification attempts, per client or per domain.
    Verification,
    /// Logo uploads, per tenant.
    LogoUpload,
}

impl LimitKind {
    /// Stable name (metrics label).
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::NewDomain => "new_domain",
            LimitKind::Verification => "verification",
            LimitKind::LogoUpload => "logo_upload",
        }
    }
}

/// The rate limits of the service; cheap to clone (one set per process).
#[derive(Clone)]
pub struct Limits {
    inner: Arc<Inner>,
}

struct Inner {
    new_domain: DefaultKeyedRateLimiter<IpAddr>,
    verification_by_client: DefaultKeyedRateLimiter<IpAddr>,
    verification_by_domain: DefaultKeyedRateLimiter<DomainName>,
    logo_uploads: DefaultKeyedRateLimiter<Uuid>,
    clock: DefaultClock,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("tracked_keys", &self.tracked_keys())
            .finish_non_exhaustive()
    }
}

impl Limits {
    /// Limits with the given rates for new domains and for verification attempts.
    pub fn new(new_domain: Rate, verification: Rate) -> Self {
        Self {
            inner: Arc::new(Inner {
                new_domain: RateLimiter::keyed(quota(new_domain)),
                verification_by_client: RateLimiter::keyed(quota(verification)),
                verification_by_domain: RateLimiter::keyed(quota(verification)),
                logo_uploads: RateLimiter::keyed(quota(default_logo_upload_rate())),
                clock: DefaultClock::default(),
            }),
        }
    }

    /// These limits with `rate` for logo uploads per tenant (instead of the default).
    pub fn with_logo_upload_rate(mut self, rate: Rate) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.logo_uploads = RateLimiter::keyed(quota(rate));
        }
        self
    }

    /// Limits with the configured rates (`AUTHWALK_NEW_DOMAIN_RATE`, `AUTHWALK_VERIFY_RATE`,
    /// `AUTHWALK_LOGO_UPLOAD_RATE`).
    pub fn from_config(config: &Config) -> Self {
        Self::new(config.new_domain_rate, config.verify_rate)
            .with_logo_upload_rate(config.logo_upload_rate)
    }

    /// May an admin of `tenant_id` upload a logo now? One allowance per tenant, whichever admin
    /// and address it comes from.
    pub fn logo_upload(&self, tenant_id: Uuid, client: &ClientIp) -> Result<(), AppError> {
        self.inner
            .logo_uploads
            .check_key(&tenant_id)
            .map_err(|not_until| {
                self.refused(
                    LimitKind::LogoUpload,
                    client,
                    not_until.wait_time_from(self.inner.clock.now()),
                )
            })
    }

    /// May `client` make us look up a domain we do not know yet? Call it only for unknown domains:
    /// known ones cost nothing upstream.
    pub fn new_domain(&self, client: &ClientIp) -> Result<(), AppError> {
        let limiter = &self.inner.new_domain;
        limiter
            .check_key(&client.limiter_key())
            .map_err(|not_until| {
                self.refused(
                    LimitKind::NewDomain,
                    client,
                    not_until.wait_time_from(self.inner.clock.now()),
                )
            })
    }

    /// May `client` try to verify control of `domain` now? Limited per client and per domain.
    pub fn verification(&self, client: &ClientIp, domain: &DomainName) -> Result<(), AppError> {
        let now = || self.inner.clock.now();
        self.inner
            .verification_by_domain
            .check_key(domain)
            .map_err(|not_until| {
                self.refused(
                    LimitKind::Verification,
                    client,
                    not_until.wait_time_from(now()),
                )
            })?;
        self.inner
            .verification_by_client
            .check_key(&client.limiter_key())
            .map_err(|not_until| {
                self.refused(
                    LimitKind::Verification,
                    client,
                    not_until.wait_time_from(now()),
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
            + self.inner.verification_by_client.len()
            + self.inner.verification_by_domain.len()
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
        inner.new_domain.retain_recent();
        inner.new_domain.shrink_to_fit();
        inner.verification_by_client.retain_recent();
        inner.verification_by_client.shrink_to_fit();
        inner.verification_by_domain.retain_recent();
        inner.verification_by_domain.shrink_to_fit();
        inner.logo_uploads.retain_recent();
        inner.logo_uploads.shrink_to_fit();
    }

    fn refused(&self, kind: LimitKind, client: &ClientIp, wait: Duration) -> AppError {
        crate::metrics::rate_limited(kind.as_str());
        let network = truncated(client.ip());
        tracing::info!(limit = kind.as_str(), client = %network, ?wait, "rate limited");
        AppError::RateLimited { retry_after: wait }
    }
}

/// The default of `AUTHWALK_LOGO_UPLOAD_RATE` (20 an hour, 5 at once).
fn default_logo_upload_rate() -> Rate {
    Rate {
        count: NonZeroU32::new(20).unwrap_or(NonZeroU32::MIN),
        period: Duration::from_secs(3600),
        burst: NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN),
    }
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
    use super::*;

    fn rate(count: u32, period: Duration, burst: u32) -> Rate {
        Rate {
            count: NonZeroU32::new(count).unwrap(),
            period,
            burst: NonZeroU32::new(burst).unwrap(),
        }
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
            rate(10, Duration::from_secs(3600), 5),
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
    fn one_ipv6_64_shares_one_allowance() {
        let limits = Limits::new(
            rate(1, Duration::from_secs(60), 1),
            rate(1, Duration::from_secs(60), 1),
        );
        assert!(limits.new_domain(&client("2001:db8:1:2::1")).is_ok());
        assert!(limits.new_domain(&client("2001:db8:1:2::ffff")).is_err());
        assert!(limits.new_domain(&client("2001:db8:1:3::1")).is_ok());
    }

    #[test]
    fn verification_is_limited_per_domain_across_clients_and_per_client_across_domains() {
        let limits = Limits::new(
            rate(20, Duration::from_secs(60), 20),
            rate(10, Duration::from_secs(3600), 2),
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
            rate(10, Duration::from_secs(3600), 5),
        )
        .with_logo_upload_rate(rate(2, Duration::from_secs(3600), 2));
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
    fn recovered_keys_are_forgotten_and_limited_ones_kept() {
        let limits = Limits::new(
            rate(1000, Duration::from_secs(1), 1),
            rate(1, Duration::from_secs(3600), 1),
        );
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
