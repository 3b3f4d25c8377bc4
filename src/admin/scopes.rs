//! Changing what a scope's pages show: settings, logo, short link. Every method names the scope
//! (a domain) and checks it against the session's rights first: the proven domain and its
//! subdomains, never its parent, and nothing at all while the grant awaits approval.

use std::sync::Arc;

use bytes::Bytes;

use crate::branding::image::ImageRole;
use crate::branding::slots::DecodeLane;
use crate::domain::DomainName;
use crate::profile::TenantProfile;
use crate::store::models::{GrantStatus, LogoChange, LogoChanged, SettingsSaved};

use super::customizations::Customization;
use super::session::AdminSession;
use super::settings::{self, FieldErrors, SettingsForm};
use super::{AdminError, AdminService};

/// Most scopes (domains with settings of their own) one tenant holds: a scope may be any
/// subdomain an admin's rights cover, so without a bound one admin could make a tenant's every
/// page load carry thousands of them.
pub const MAX_SCOPES_PER_TENANT: usize = 100;

/// What saving the settings form did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsOutcome {
    /// Saved; the scope's new version.
    Saved(i64),
    /// Refused with a message per field; nothing saved.
    Invalid(Box<FieldErrors>),
    /// Someone saved the scope since the form was loaded; nothing overwritten. What is stored
    /// now (the defaults, version 0, when the scope's settings were removed meanwhile).
    Stale(Box<Customization>),
}

impl AdminService {
    /// The scope an admin page works on: `requested` (a domain the session's rights cover), or
    /// the session's own domain. Refused while the grant awaits approval.
    pub fn scope(
        &self,
        session: &AdminSession,
        requested: Option<&str>,
    ) -> Result<DomainName, AdminError> {
        if !session.rights.is_active() {
            return Err(AdminError::AwaitingApproval {
                domain: session.rights.root.to_unicode(),
            });
        }
        let Some(requested) = requested.filter(|raw| !raw.trim().is_empty()) else {
            return Ok(session.rights.root.clone());
        };
        let scope = DomainName::parse(requested)?;
        if !session.rights.covers(scope.as_str()) {
            return Err(AdminError::OutsideRights {
                domain: scope.to_unicode(),
                root: session.rights.root.to_unicode(),
            });
        }
        Ok(scope)
    }

    /// The scopes the session may work on: its own domain first, then the tenant's active
    /// verified domains and the scopes with settings below it.
    pub async fn editable_scopes(
        &self,
        session: &AdminSession,
    ) -> Result<Vec<DomainName>, AdminError> {
        let root = &session.rights.root;
        let mut below: Vec<String> = self
            .store
            .verified_domains(session.tenant_id())
            .await?
            .into_iter()
            .filter(|grant| grant.status == GrantStatus::Active)
            .map(|grant| grant.domain)
            .chain(
                self.customizations
                    .for_tenant(session.tenant_id())
                    .await?
                    .scope_names()
                    .map(str::to_owned)
                    .collect::<Vec<_>>(),
            )
            .filter(|domain| domain != root.as_str() && session.rights.covers(domain))
            .collect();
        below.sort();
        below.dedup();
        let mut scopes = vec![root.clone()];
        scopes.extend(
            below
                .iter()
                .filter_map(|domain| DomainName::parse(domain).ok()),
        );
        Ok(scopes)
    }

    /// Refuse to give `scope` settings of its own when it has none and the tenant already holds
    /// [`MAX_SCOPES_PER_TENANT`] scopes.
    async fn require_room_for(
        &self,
        session: &AdminSession,
        scope: &DomainName,
    ) -> Result<(), AdminError> {
        let scopes = self.customizations.for_tenant(session.tenant_id()).await?;
        let held = scopes.scope_names().count();
        if scopes.own(scope.as_str()).is_none() && held >= MAX_SCOPES_PER_TENANT {
            return Err(AdminError::TooManyScopes {
                domain: scope.to_unicode(),
            });
        }
        Ok(())
    }

    /// The scope's own settings (the defaults, version 0, when it has none: its pages then read
    /// the nearest scope above it).
    pub async fn own_settings(
        &self,
        session: &AdminSession,
        scope: &DomainName,
    ) -> Result<Arc<Customization>, AdminError> {
        let scopes = self.customizations.for_tenant(session.tenant_id()).await?;
        Ok(scopes.own(scope.as_str()).unwrap_or_default())
    }

    /// What the scope's pages show now (its own settings or the nearest scope's above it).
    pub async fn shown_settings(
        &self,
        session: &AdminSession,
        scope: &DomainName,
    ) -> Result<Arc<Customization>, AdminError> {
        self.customizations
            .for_domain(session.tenant_id(), scope.as_str())
            .await
    }

    /// The tenant profile of the scope's domain (company name, discovered branding).
    pub async fn profile(&self, scope: &DomainName) -> Arc<TenantProfile> {
        self.discovery.profile(scope).await
    }

    /// Save the settings form for `scope`, only over the version it was loaded at.
    pub async fn save_settings(
        &self,
        session: &AdminSession,
        scope: &DomainName,
        loaded_version: i64,
        form: &SettingsForm,
    ) -> Result<SettingsOutcome, AdminError> {
        let tenant_id = session.tenant_id();
        let validated = form.validate();
        let mut errors = match &validated {
            Ok(_) => FieldErrors::default(),
            Err(errors) => (**errors).clone(),
        };
        // Say everything at once: a valid short link may still be no name of ours, or taken.
        if errors.short_slug.is_none()
            && let Ok(Some(slug)) = settings::short_slug(&form.short_slug)
        {
            errors.short_slug = self.short_slug_refusal(session, scope, &slug).await?;
        }
        let update = match validated {
            Ok(update) if errors.is_empty() => update,
            _ => return Ok(SettingsOutcome::Invalid(Box::new(errors))),
        };
        self.require_room_for(session, scope).await?;
        let saved = self
            .store
            .save_scope_settings(tenant_id, scope.as_str(), loaded_version, &update)
            .await?;
        self.customizations.invalidate(tenant_id).await;
        Ok(match saved {
            SettingsSaved::Saved(version) => SettingsOutcome::Saved(version),
            SettingsSaved::SlugTaken => SettingsOutcome::Invalid(Box::new(FieldErrors {
                short_slug: Some(settings::slug_taken_message(
                    update.short_slug.as_deref().unwrap_or_default(),
                )),
                ..FieldErrors::default()
            })),
            SettingsSaved::Stale(current) => {
                SettingsOutcome::Stale(Box::new(Customization::from_record(current.as_deref())))
            }
        })
    }

    /// Why `slug` can't be the scope's short link, if it can't: it must be a name of one of the
    /// tenant's active domains, and nobody else's.
    async fn short_slug_refusal(
        &self,
        session: &AdminSession,
        scope: &DomainName,
        slug: &str,
    ) -> Result<Option<String>, AdminError> {
        let domains: Vec<DomainName> = self
            .store
            .verified_domains(session.tenant_id())
            .await?
            .into_iter()
            .filter(|grant| grant.status == GrantStatus::Active)
            .filter_map(|grant| DomainName::parse(&grant.domain).ok())
            .collect();
        let labels = settings::slug_labels(domains.iter());
        if !labels.iter().any(|label| label == slug) {
            return Ok(Some(settings::slug_not_own_message(slug, &labels)));
        }
        if self
            .store
            .slug_taken(slug, session.tenant_id(), scope.as_str())
            .await?
        {
            return Ok(Some(settings::slug_taken_message(slug)));
        }
        Ok(None)
    }

    /// Remove the scope's own settings (its pages then read the nearest scope above it), only
    /// at the version the admin saw.
    pub async fn remove_settings(
        &self,
        session: &AdminSession,
        scope: &DomainName,
        loaded_version: i64,
    ) -> Result<(), AdminError> {
        let removed = self
            .store
            .delete_scope_settings(session.tenant_id(), scope.as_str(), loaded_version)
            .await?;
        self.customizations.invalidate(session.tenant_id()).await;
        if removed {
            Ok(())
        } else {
            Err(AdminError::SettingsChanged)
        }
    }

    /// Check and store an uploaded logo as the scope's preview; returns its SHA-256. The
    /// published logo is untouched until [`Self::change_logo`] publishes it. Waits a bounded time
    /// for a decode slot ([`ImageError::Busy`](crate::branding::image::ImageError::Busy) past it).
    pub async fn upload_logo(
        &self,
        session: &AdminSession,
        scope: &DomainName,
        bytes: Bytes,
    ) -> Result<String, AdminError> {
        self.require_room_for(session, scope).await?;
        let slots = &self.decode_slots;
        let asset =
            crate::branding::prepare(bytes, ImageRole::Logo, slots, DecodeLane::Upload).await?;
        self.store.save_asset(&asset).await?;
        self.store
            .change_scope_logo(
                session.tenant_id(),
                scope.as_str(),
                &LogoChange::SetPending(asset.sha256.clone()),
            )
            .await?;
        self.customizations.invalidate(session.tenant_id()).await;
        Ok(asset.sha256)
    }

    /// Publish or discard the preview the admin saw, or go back to automatic branding.
    pub async fn change_logo(
        &self,
        session: &AdminSession,
        scope: &DomainName,
        change: LogoChange,
    ) -> Result<(), AdminError> {
        if let LogoChange::PublishPending(_) = &change {
            let own = self.own_settings(session, scope).await?;
            if own.pending_logo_sha256.is_none() {
                return Err(AdminError::NothingToPublish);
            }
        }
        let changed = self
            .store
            .change_scope_logo(session.tenant_id(), scope.as_str(), &change)
            .await?;
        self.customizations.invalidate(session.tenant_id()).await;
        match changed {
            LogoChanged::Changed => Ok(()),
            LogoChanged::Stale => Err(AdminError::PreviewChanged),
        }
    }

    /// The domain a short link leads to, if the slug is valid and taken, and still the tenant's
    /// to use: its scope is covered by an active grant of the tenant, and the slug is still a
    /// name of one of the tenant's active domains (a domain removed, or moved to another
    /// tenant, takes its name with it).
    pub async fn domain_for_slug(&self, raw: &str) -> Result<Option<DomainName>, AdminError> {
        let Ok(Some(slug)) = settings::short_slug(raw) else {
            return Ok(None);
        };
        let Some((tenant_id, scope)) = self.store.domain_for_slug(&slug).await? else {
            return Ok(None);
        };
        let Ok(scope) = DomainName::parse(&scope) else {
            return Ok(None);
        };
        let active: Vec<DomainName> = self
            .store
            .verified_domains(tenant_id)
            .await?
            .into_iter()
            .filter(|grant| grant.status == GrantStatus::Active)
            .filter_map(|grant| DomainName::parse(&grant.domain).ok())
            .collect();
        let covered = active
            .iter()
            .any(|grant| super::rights::covers(grant.as_str(), scope.as_str()));
        let still_ours = settings::slug_labels(active.iter()).contains(&slug);
        Ok((covered && still_ours).then_some(scope))
    }

    /// The ONE link the scope's employees get: its short link when set, else `/t/{scope}`.
    pub fn share_url(&self, scope: &DomainName, customization: &Customization) -> String {
        let own_slug = customization
            .short_slug
            .as_ref()
            .filter(|_| customization.scope.as_deref() == Some(scope.as_str()));
        let path = match own_slug {
            Some(slug) => format!("go/{slug}"),
            None => format!("t/{}", scope.as_str()),
        };
        self.public_url
            .join(&path)
            .map(|url| url.to_string())
            .unwrap_or_default()
    }
}
