//! [`AdminService`]: the admin rules wired to the store, discovery and DNS. The web layer calls
//! only this; every method takes the session (never a tenant id from the request) and `now`.

use std::sync::Arc;

use bytes::Bytes;
use time::OffsetDateTime;
use url::Url;
use uuid::Uuid;

use crate::branding::image::ImageRole;
use crate::branding::slots::{DecodeLane, DecodeSlots};
use crate::discovery::Discovery;
use crate::domain::DomainName;
use crate::net::Dns;
use crate::profile::{DomainStatus, TenantProfile};
use crate::store::Store;
use crate::store::models::{AdminSignIn, ChallengeKind, LogoChange, SettingsSaved, VerifiedDomain};

use super::challenge::{self, IssuedChallenge};
use super::link::{self, AdminLink};
use super::session::{self, AdminSession, Verdict};
use super::settings::{self, Customization, FieldErrors, SettingsForm, TenantCustomizations};
use super::{AdminError, secret};

/// A completed sign-in: the cookie to set and the session it names.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The secret session id for the cookie.
    pub cookie_value: String,
    /// The new session.
    pub session: AdminSession,
}

/// The admin journey's rules over the shared services; cheap to clone.
#[derive(Debug, Clone)]
pub struct AdminService {
    store: Store,
    discovery: Discovery,
    dns: Dns,
    customizations: TenantCustomizations,
    public_url: Url,
    /// Uploads decode in their own pool (with a bounded wait), apart from discovery's.
    decode_slots: DecodeSlots,
}

/// The tenant id of an Entra domain; a clear refusal for any other outcome.
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

    /// Issue a DNS challenge for an Entra tenant's domain.
    pub async fn start_challenge(
        &self,
        raw: &str,
        now: OffsetDateTime,
    ) -> Result<IssuedChallenge, AdminError> {
        let domain = DomainName::parse(raw)?;
        tenant_of(&self.discovery, &domain).await?;
        let (issued, stored) = challenge::issue(&domain, now)?;
        self.store.insert_admin_challenge(&stored).await?;
        Ok(issued)
    }

    /// Check the domain's challenge record (uncached DNS) and sign in on an exact, live match.
    /// `previous` is the session cookie the browser had (ended: rotation). The caller rate-limits
    /// attempts per domain and per client before calling.
    pub async fn verify(
        &self,
        domain: &DomainName,
        previous: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<SignedIn, AdminError> {
        let domain = domain.clone();
        let tenant_id = tenant_of(&self.discovery, &domain).await?;
        let record_name = challenge::record_name(&domain);
        let values = match self.dns.txt_uncached(&record_name).await {
            Ok(values) => values,
            Err(error) if error.is_no_records() => {
                return Err(AdminError::NoChallengeRecord { record_name });
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
            match challenge::judge(value, token, stored.as_ref(), &domain, now) {
                Ok(()) => {
                    return self
                        .sign_in(
                            token,
                            &domain,
                            tenant_id,
                            ChallengeKind::DnsTxt,
                            previous,
                            now,
                        )
                        .await;
                }
                // "expired" or "used" says more than "doesn't match": keep the first of those.
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

    /// Use an admin link up and sign in.
    pub async fn redeem_link(
        &self,
        token: &str,
        previous: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<SignedIn, AdminError> {
        let domain = self.check_link(token, now).await?;
        let domain = DomainName::parse(&domain)?;
        let tenant_id = tenant_of(&self.discovery, &domain).await?;
        self.sign_in(
            token,
            &domain,
            tenant_id,
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
        tenant_id: Uuid,
        method: ChallengeKind,
        previous: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<SignedIn, AdminError> {
        let started = session::start(tenant_id, domain.as_str(), now)?;
        let sign_in = AdminSignIn {
            token_sha256: secret::sha256_hex(token),
            domain: domain.as_str().to_owned(),
            tenant_id,
            method,
            now,
            session: started.row.clone(),
            replaces_session_sha256: previous.map(secret::sha256_hex),
        };
        if !self.store.complete_admin_sign_in(&sign_in).await? {
            return Err(match method {
                ChallengeKind::DnsTxt => AdminError::ChallengeUsed,
                ChallengeKind::AdminLink => AdminError::LinkUsed,
            });
        }
        let row = started.row;
        Ok(SignedIn {
            cookie_value: started.cookie_value,
            session: AdminSession {
                tenant_id: row.tenant_id,
                domain: row.domain,
                csrf_token: row.csrf_token,
                id_sha256: row.id_sha256,
                expires_at: row.expires_at,
            },
        })
    }

    /// The live session a cookie names; `None` when there is none or it expired (then deleted).
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

    /// The session's tenant customisation (memory first).
    pub async fn customization(
        &self,
        session: &AdminSession,
    ) -> Result<Arc<Customization>, AdminError> {
        self.customizations.for_tenant(session.tenant_id).await
    }

    /// The tenant profile of the session's domain (company name, discovered branding).
    pub async fn profile(&self, session: &AdminSession) -> Result<Arc<TenantProfile>, AdminError> {
        let domain = DomainName::parse(&session.domain)?;
        Ok(self.discovery.profile(&domain).await)
    }

    /// Save the settings form: `Ok(Err(..))` with a message per refused field (nothing saved).
    pub async fn save_settings(
        &self,
        session: &AdminSession,
        form: &SettingsForm,
    ) -> Result<Result<(), Box<FieldErrors>>, AdminError> {
        let update = match form.validate() {
            Ok(update) => update,
            Err(mut errors) => {
                // Say everything at once: a valid short link may still be someone else's.
                if errors.short_slug.is_none()
                    && let Ok(Some(slug)) = settings::short_slug(&form.short_slug)
                    && self.store.slug_taken(&slug, session.tenant_id).await?
                {
                    errors.short_slug = Some(settings::slug_taken_message(&slug));
                }
                return Ok(Err(errors));
            }
        };
        match self
            .store
            .save_tenant_settings(session.tenant_id, &update)
            .await?
        {
            SettingsSaved::Saved => {
                self.customizations.invalidate(session.tenant_id).await;
                Ok(Ok(()))
            }
            SettingsSaved::SlugTaken => Ok(Err(Box::new(FieldErrors {
                short_slug: Some(settings::slug_taken_message(
                    update.short_slug.as_deref().unwrap_or_default(),
                )),
                ..FieldErrors::default()
            }))),
        }
    }

    /// Check and store an uploaded logo as the preview; returns its SHA-256. The published logo is
    /// untouched until [`Self::change_logo`] publishes it. Waits a bounded time for a decode slot
    /// ([`ImageError::Busy`](crate::branding::image::ImageError::Busy) past it).
    pub async fn upload_logo(
        &self,
        session: &AdminSession,
        bytes: Bytes,
    ) -> Result<String, AdminError> {
        let slots = &self.decode_slots;
        let asset =
            crate::branding::prepare(bytes, ImageRole::Logo, slots, DecodeLane::Upload).await?;
        self.store.save_asset(&asset).await?;
        self.store
            .change_tenant_logo(
                session.tenant_id,
                &LogoChange::SetPending(asset.sha256.clone()),
            )
            .await?;
        self.customizations.invalidate(session.tenant_id).await;
        Ok(asset.sha256)
    }

    /// Publish or discard the preview, or go back to automatic branding.
    pub async fn change_logo(
        &self,
        session: &AdminSession,
        change: LogoChange,
    ) -> Result<(), AdminError> {
        if change == LogoChange::PublishPending {
            let stored = self.store.load_tenant_settings(session.tenant_id).await?;
            if stored.and_then(|row| row.pending_logo_sha256).is_none() {
                return Err(AdminError::NothingToPublish);
            }
        }
        self.store
            .change_tenant_logo(session.tenant_id, &change)
            .await?;
        self.customizations.invalidate(session.tenant_id).await;
        Ok(())
    }

    /// The tenant's verified domains, oldest first.
    pub async fn verified_domains(
        &self,
        session: &AdminSession,
    ) -> Result<Vec<VerifiedDomain>, AdminError> {
        Ok(self.store.verified_domains(session.tenant_id).await?)
    }

    /// The domain a short link leads to, if the slug is valid and taken.
    pub async fn domain_for_slug(&self, raw: &str) -> Result<Option<DomainName>, AdminError> {
        let Ok(Some(slug)) = settings::short_slug(raw) else {
            return Ok(None);
        };
        let Some(domain) = self.store.domain_for_slug(&slug).await? else {
            return Ok(None);
        };
        Ok(DomainName::parse(&domain).ok())
    }

    /// The ONE link employees get: the short link when set, else `/t/{domain}`.
    pub fn share_url(&self, session: &AdminSession, customization: &Customization) -> String {
        let path = match &customization.short_slug {
            Some(slug) => format!("go/{slug}"),
            None => format!("t/{}", session.domain),
        };
        self.public_url
            .join(&path)
            .map(|url| url.to_string())
            .unwrap_or_default()
    }

    /// The service's base URL.
    pub fn public_url(&self) -> &Url {
        &self.public_url
    }
}
