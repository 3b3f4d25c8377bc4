//! [`AdminService`]: the admin rules wired to the store, discovery and DNS. The web layer calls
//! only this; every method takes the session (never a tenant id from the request) and `now`.
//!
//! This file signs admins in and out; `scopes.rs` changes what a scope's pages show, `team.rs`
//! manages the tenant's admins (verified domains, sessions, approvals).

use time::OffsetDateTime;
use url::Url;
use uuid::Uuid;

use crate::branding::slots::DecodeSlots;
use crate::discovery::Discovery;
use crate::discovery::openid::{OpenIdOutcome, OpenIdTenant};
use crate::domain::DomainName;
use crate::net::{Dns, DnsError};
use crate::profile::DomainStatus;
use crate::store::Store;
use crate::store::models::{AdminSignIn, ChallengeKind, GrantStatus, SignInOutcome};

use super::challenge::{self, IssuedChallenge};
use super::link::{self, AdminLink};
use super::rights;
use super::session::{self, AdminSession, Verdict};
use super::{AdminError, TenantCustomizations, secret};

/// A completed sign-in: the cookie to set, and whether the proven domain gives rights yet.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The secret session id for the cookie.
    pub cookie_value: String,
    /// Active, or waiting for an existing admin's approval.
    pub status: GrantStatus,
}

/// The admin journey's rules over the shared services; cheap to clone.
#[derive(Debug, Clone)]
pub struct AdminService {
    pub(super) store: Store,
    pub(super) discovery: Discovery,
    dns: Dns,
    pub(super) customizations: TenantCustomizations,
    pub(super) public_url: Url,
    /// Uploads decode in their own pool (with a bounded wait), apart from discovery's.
    pub(super) decode_slots: DecodeSlots,
}

/// The tenant id of an Entra domain as discovery knows it (memory, store or a resolution); a
/// clear refusal for any other outcome. Good for issuing a challenge, never for granting rights.
pub(crate) async fn tenant_of(
    discovery: &Discovery,
    domain: &DomainName,
) -> Result<Uuid, AdminError> {
    let profile = discovery.profile(domain).await;
    match (profile.status, &profile.tenant) {
        (DomainStatus::Entra, Some(tenant)) => Ok(tenant.tenant_id),
        (DomainStatus::Unreachable, _) => Err(AdminError::Unreachable {
            domain: domain.to_unicode(),
        }),
        _ => Err(AdminError::NotEntra {
            domain: domain.to_unicode(),
        }),
    }
}

/// The tenant of an Entra domain as Microsoft says it now (no cache, no stored mapping): what
/// every grant of rights is decided on. Unreachable is a refusal, never a fallback.
async fn tenant_now(
    discovery: &Discovery,
    domain: &DomainName,
) -> Result<OpenIdTenant, AdminError> {
    match discovery.tenant_now(domain).await {
        Ok(OpenIdOutcome::Found(tenant)) => Ok(tenant),
        Ok(OpenIdOutcome::NotFound) => Err(AdminError::NotEntra {
            domain: domain.to_unicode(),
        }),
        Err(_) => Err(AdminError::TenantUnconfirmed {
            domain: domain.to_unicode(),
        }),
    }
}

impl AdminService {
    /// The service over the process's store, discovery, resolver and settings cache.
    pub fn new(
        store: Store,
        discovery: Discovery,
        dns: Dns,
        customizations: TenantCustomizations,
        public_url: Url,
        decode_slots: DecodeSlots,
    ) -> Self {
        Self {
            store,
            discovery,
            dns,
            customizations,
            public_url,
            decode_slots,
        }
    }

    /// The image decode slots uploads draw from.
    pub fn decode_slots(&self) -> &DecodeSlots {
        &self.decode_slots
    }

    /// The tenant settings cache this service invalidates.
    pub fn customizations(&self) -> &TenantCustomizations {
        &self.customizations
    }

    /// Issue a DNS challenge for an Entra tenant's domain, bound to the browser whose secret
    /// hashes to `browser_sha256` (older unused ones of that browser and domain beyond
    /// [`challenge::MAX_LIVE_PER_BROWSER`] are withdrawn).
    pub async fn start_challenge(
        &self,
        raw: &str,
        browser_sha256: &str,
        now: OffsetDateTime,
    ) -> Result<IssuedChallenge, AdminError> {
        let domain = DomainName::parse(raw)?;
        tenant_of(&self.discovery, &domain).await?;
        let (issued, stored) = challenge::issue(&domain, browser_sha256, now)?;
        self.store
            .insert_admin_challenge(&stored, challenge::MAX_LIVE_PER_BROWSER)
            .await?;
        Ok(issued)
    }

    /// Whether the browser whose secret hashes to `browser_sha256` holds a live challenge for
    /// `domain`: a "Check DNS" from any other browser is refused before any lookup.
    pub async fn has_live_challenge(
        &self,
        domain: &DomainName,
        browser_sha256: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<bool, AdminError> {
        let Some(browser) = browser_sha256 else {
            return Ok(false);
        };
        Ok(self
            .store
            .live_challenges(domain.as_str(), browser, now)
            .await?
            > 0)
    }

    /// Check the domain's challenge record (uncached DNS, owned by the challenge name itself)
    /// and sign in on an exact, live match issued to this browser. Microsoft is asked afresh
    /// which tenant the domain belongs to. `previous` is the session cookie the browser had
    /// (ended: rotation). The caller rate-limits attempts per client and per domain.
    pub async fn verify(
        &self,
        domain: &DomainName,
        browser_sha256: Option<&str>,
        previous: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<SignedIn, AdminError> {
        if !self.has_live_challenge(domain, browser_sha256, now).await? {
            return Err(AdminError::NoBrowserChallenge {
                domain: domain.to_unicode(),
            });
        }
        let tenant = tenant_now(&self.discovery, domain).await?;
        let record_name = challenge::record_name(domain);
        let values = match self.dns.txt_uncached(&record_name).await {
            Ok(values) => values,
            Err(error) if error.is_no_records() => {
                return Err(AdminError::NoChallengeRecord { record_name });
            }
            Err(DnsError::Aliased { owner, .. }) => {
                return Err(AdminError::ChallengeAliased { record_name, owner });
            }
            Err(error) => {
                return Err(AdminError::DnsFailed {
                    record_name,
                    reason: error.to_string(),
                });
            }
        };
        let mut refusal = None;
        for value in &values {
            let Some(token) = challenge::token_in(value) else {
                continue;
            };
            let stored = self
                .store
                .load_admin_challenge(&secret::sha256_hex(token))
                .await?;
            match challenge::judge(value, token, stored.as_ref(), domain, browser_sha256, now) {
                Ok(()) => {
                    return self
                        .sign_in(token, domain, &tenant, ChallengeKind::DnsTxt, previous, now)
                        .await;
                }
                // "expired", "used" or "another browser's" says more than "doesn't match": keep
                // the first of those.
                Err(AdminError::ChallengeMismatch { .. }) => {}
                Err(other) => {
                    refusal.get_or_insert(other);
                }
            }
        }
        Err(refusal.unwrap_or(AdminError::ChallengeMismatch { record_name }))
    }

    /// Issue a one-time admin link for an Entra tenant's domain (what `authwalk admin-link` does).
    pub async fn issue_link(
        &self,
        raw: &str,
        now: OffsetDateTime,
    ) -> Result<AdminLink, AdminError> {
        link::issue(&self.store, &self.discovery, &self.public_url, raw, now).await
    }

    /// The domain an admin link would sign in for, if it still works (nothing is used up).
    pub async fn check_link(&self, token: &str, now: OffsetDateTime) -> Result<String, AdminError> {
        if !link::plausible_token(token) {
            return Err(AdminError::LinkInvalid);
        }
        let stored = self
            .store
            .load_admin_challenge(&secret::sha256_hex(token))
            .await?;
        link::judge(stored.as_ref(), now)?;
        Ok(stored.map(|stored| stored.domain).unwrap_or_default())
    }

    /// Use an admin link up and sign in (Microsoft is asked afresh which tenant it is).
    pub async fn redeem_link(
        &self,
        token: &str,
        previous: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<SignedIn, AdminError> {
        let domain = self.check_link(token, now).await?;
        let domain = DomainName::parse(&domain)?;
        let tenant = tenant_now(&self.discovery, &domain).await?;
        self.sign_in(
            token,
            &domain,
            &tenant,
            ChallengeKind::AdminLink,
            previous,
            now,
        )
        .await
    }

    async fn sign_in(
        &self,
        token: &str,
        domain: &DomainName,
        tenant: &OpenIdTenant,
        method: ChallengeKind,
        previous: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<SignedIn, AdminError> {
        let tenant_id = tenant.tenant_id;
        let started = session::start(tenant_id, domain.as_str(), method, now)?;
        let sign_in = AdminSignIn {
            token_sha256: secret::sha256_hex(token),
            domain: domain.as_str().to_owned(),
            tenant_id,
            cloud: tenant.cloud,
            method,
            now,
            session: started.row.clone(),
            replaces_session_sha256: previous.map(secret::sha256_hex),
        };
        let decide = |grants: &[_], removed: &[String]| {
            rights::status_of_new_grant(domain.as_str(), method.into(), grants, removed)
        };
        match self.store.complete_admin_sign_in(&sign_in, &decide).await? {
            SignInOutcome::AlreadyUsed => Err(match method {
                ChallengeKind::DnsTxt => AdminError::ChallengeUsed,
                ChallengeKind::AdminLink => AdminError::LinkUsed,
            }),
            SignInOutcome::TooManyDomains => Err(AdminError::TooManyDomains {
                domain: domain.to_unicode(),
            }),
            SignInOutcome::Started(status) => {
                tracing::info!(
                    %domain,
                    %tenant_id,
                    method = method.as_str(),
                    status = status.as_str(),
                    "admin signed in"
                );
                Ok(SignedIn {
                    cookie_value: started.cookie_value,
                    status,
                })
            }
        }
    }

    /// The live session a cookie names; `None` when there is none, it expired or its grant was
    /// revoked (then deleted).
    pub async fn session(
        &self,
        cookie_value: &str,
        now: OffsetDateTime,
    ) -> Result<Option<AdminSession>, AdminError> {
        let id_sha256 = secret::sha256_hex(cookie_value);
        let Some(stored) = self.store.load_admin_session(&id_sha256).await? else {
            return Ok(None);
        };
        match session::judge(&id_sha256, stored, now) {
            Verdict::Expired => {
                self.store.delete_admin_session(&id_sha256).await?;
                Ok(None)
            }
            Verdict::Active { session, touch } => {
                if touch {
                    self.store.touch_admin_session(&id_sha256, now).await?;
                }
                Ok(Some(session))
            }
        }
    }

    /// End the session.
    pub async fn sign_out(&self, session: &AdminSession) -> Result<(), AdminError> {
        self.store.delete_admin_session(&session.id_sha256).await?;
        Ok(())
    }

    /// The service's base URL.
    pub fn public_url(&self) -> &Url {
        &self.public_url
    }
}
