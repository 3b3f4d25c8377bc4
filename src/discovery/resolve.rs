//! Resolution: every lookup of one domain, run concurrently with its own deadline, and the merge
//! of their answers into a [`TenantProfile`] with our copies of its images. No cache, no store and
//! no single flight here: `mod.rs` decides when a resolution runs.

use bytes::Bytes;
use time::OffsetDateTime;
use tokio::sync::watch;
use url::Url;

use super::credential_type::{self, BrandingOutcome};
use super::openid::{self, OpenIdOutcome};
use super::realm::{self, Realm};
use super::{Discovery, Lookup, LookupError, Progress, Resolution, dns_signals, website};
use crate::branding::image::ImageRole;
use crate::branding::prepare;
use crate::branding::slots::DecodeLane;
use crate::domain::DomainName;
use crate::metrics;
use crate::net::client::IMAGE_CAP;
use crate::profile::{
    Branding, Cloud, DomainStatus, NamespaceType, Signals, Tenant, TenantProfile, WebsiteLogo,
};
use crate::store::models::NewAsset;

impl Discovery {
    /// Run every lookup for `domain` now (no cache, no store, no single flight) and merge the
    /// answers.
    pub async fn resolve(&self, domain: &DomainName) -> Resolution {
        let (progress, _) = watch::channel(Progress::default());
        self.resolve_reporting(domain, &progress).await
    }

    /// [`Discovery::resolve`], publishing each finished lookup to `progress` (then `done`).
    pub(super) async fn resolve_reporting(
        &self,
        domain: &DomainName,
        progress: &watch::Sender<Progress>,
    ) -> Resolution {
        let started = std::time::Instant::now();
        let resolution = self.resolve_lookups(domain, progress).await;
        tracing::info!(
            %domain,
            outcome = resolution.profile.status.as_str(),
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "domain resolved"
        );
        metrics::resolution(resolution.profile.status.as_str(), started.elapsed());
        progress.send_modify(|progress| progress.done = true);
        resolution
    }

    async fn resolve_lookups(
        &self,
        domain: &DomainName,
        progress: &watch::Sender<Progress>,
    ) -> Resolution {
        let client = &self.inner.client;
        let public = Cloud::Public.login_host();
        let website_budget = self.inner.settings.upstream_timeout * 2;
        let finished = |lookup: Lookup| {
            progress.send_modify(|progress| progress.finished.push(lookup));
        };
        let (openid, realm, branding, signals, website) = tokio::join!(
            async {
                let answer = self
                    .deadline("openid", openid::fetch(client, public, domain))
                    .await;
                finished(Lookup::Tenant);
                answer
            },
            async {
                let answer = self
                    .deadline("realm", realm::fetch(client, public, domain))
                    .await;
                finished(Lookup::SignIn);
                answer
            },
            async {
                let answer = self.branding_with_images(public, domain).await;
                finished(Lookup::Branding);
                answer
            },
            async {
                let answer = dns_signals::gather(&self.inner.dns, domain).await;
                finished(Lookup::Dns);
                answer
            },
            async {
                let answer =
                    website::find_logo(client, &self.inner.decode_slots, domain, website_budget)
                        .await;
                finished(Lookup::Website);
                answer
            },
        );
        let tenant = match openid {
            Ok(OpenIdOutcome::Found(tenant)) => tenant,
            Ok(OpenIdOutcome::NotFound) => {
                return Resolution {
                    profile: not_entra(domain.clone(), signals),
                    assets: Vec::new(),
                };
            }
            Err(error) => {
                metrics::upstream_error("openid");
                tracing::warn!(%domain, %error, "OpenID lookup failed: outcome unreachable");
                return Resolution {
                    profile: TenantProfile::unreachable(domain.clone(), signals),
                    assets: Vec::new(),
                };
            }
        };
        // Sovereign tenants: the public host knows the tenant id but not its realm or branding.
        let (realm, (branding, mut assets)) = if tenant.cloud == Cloud::Public {
            (realm, branding)
        } else {
            let host = tenant.cloud.login_host();
            tokio::join!(
                self.deadline("realm", realm::fetch(client, host, domain)),
                async {
                    if tenant.cloud == Cloud::China {
                        // 21Vianet tenants have no custom branding.
                        (Ok(BrandingOutcome::Unbranded), Vec::new())
                    } else {
                        self.branding_with_images(host, domain).await
                    }
                },
            )
        };
        let realm = realm.unwrap_or_else(|error| {
            metrics::upstream_error("realm");
            tracing::warn!(%domain, %error, "user realm lookup failed: sign-in type unknown");
            Realm {
                namespace_type: NamespaceType::Unknown,
                brand_name: None,
                federation: None,
            }
        });
        let brandings = match branding {
            Ok(BrandingOutcome::Branded(brandings)) => Some(brandings),
            Ok(BrandingOutcome::Unbranded) => Some(Vec::new()),
            Ok(BrandingOutcome::Throttled) => {
                tracing::info!(%domain, "branding lookup throttled: branding unknown this time");
                None
            }
            Err(error) => {
                metrics::upstream_error("credential_type");
                tracing::warn!(%domain, %error, "branding lookup failed: branding unknown");
                None
            }
        };
        let website_logo = website.map(|found| {
            let logo = WebsiteLogo {
                sha256: found.asset.sha256.clone(),
                source_url: found.source_url.to_string(),
            };
            assets.push(found.asset);
            logo
        });
        let mut profile = TenantProfile {
            domain: domain.clone(),
            status: DomainStatus::Entra,
            tenant: Some(Tenant {
                tenant_id: tenant.tenant_id,
                display_name: realm.brand_name,
                cloud: tenant.cloud,
                region_scope: tenant.region_scope,
                region_sub_scope: tenant.region_sub_scope,
            }),
            namespace_type: realm.namespace_type,
            federation: realm.federation,
            brandings,
            signals,
            website_logo,
            brand_color: None,
            resolved_at: OffsetDateTime::now_utc(),
        };
        profile.brand_color = brand_colour(&profile, &assets);
        Resolution { profile, assets }
    }

    /// GetCredentialType on `host`, then the default branding's images, downloaded and normalised
    /// as soon as their URLs are known (concurrently with the other lookups).
    async fn branding_with_images(
        &self,
        host: &str,
        domain: &DomainName,
    ) -> (Result<BrandingOutcome, LookupError>, Vec<NewAsset>) {
        let outcome = self
            .deadline(
                "credential_type",
                credential_type::fetch(&self.inner.client, host, domain),
            )
            .await;
        let Ok(BrandingOutcome::Branded(mut brandings)) = outcome else {
            return (outcome, Vec::new());
        };
        let mut assets = Vec::new();
        if let Some(default) = brandings.iter_mut().find(|branding| branding.locale == 0) {
            assets = self.download_images(default).await;
        }
        (Ok(BrandingOutcome::Branded(brandings)), assets)
    }

    /// Download and normalise a branding's images; record our copies' hashes in it.
    async fn download_images(&self, branding: &mut Branding) -> Vec<NewAsset> {
        let (banner, square, square_dark, illustration) = tokio::join!(
            self.fetch_image(branding.banner_logo_url.as_deref(), ImageRole::Logo),
            self.fetch_image(branding.square_logo_url.as_deref(), ImageRole::Logo),
            self.fetch_image(branding.square_logo_dark_url.as_deref(), ImageRole::Logo),
            self.fetch_image(
                branding.illustration_url.as_deref(),
                ImageRole::Illustration
            ),
        );
        let mut assets = Vec::new();
        for (asset, slot) in [
            (banner, &mut branding.banner_logo_sha256),
            (square, &mut branding.square_logo_sha256),
            (square_dark, &mut branding.square_logo_dark_sha256),
            (illustration, &mut branding.illustration_sha256),
        ] {
            if let Some(asset) = asset {
                *slot = Some(asset.sha256.clone());
                assets.push(asset);
            }
        }
        assets
    }

    /// One branding image from an allowed host, normalised; `None` (logged) when refused or broken.
    /// Every hop, redirects included, must be https on an allowed host.
    async fn fetch_image(&self, url: Option<&str>, role: ImageRole) -> Option<NewAsset> {
        let url = Url::parse(url?).ok()?;
        let hosts = &self.inner.settings.branding_hosts;
        if let Err(reason) = branding_hop_allowed(&url, hosts) {
            tracing::warn!(%url, reason, "branding image not downloaded");
            return None;
        }
        let rule = |hop: &Url| branding_hop_allowed(hop, hosts);
        let response = match self
            .inner
            .client
            .get_checked(url.clone(), IMAGE_CAP, &rule)
            .await
        {
            Ok(response) if response.status.is_success() => response,
            Ok(response) => {
                metrics::upstream_error("image");
                tracing::info!(%url, status = %response.status, "branding image not served");
                return None;
            }
            Err(error) => {
                metrics::upstream_error("image");
                tracing::info!(%url, %error, "branding image not downloadable");
                return None;
            }
        };
        let slots = &self.inner.decode_slots;
        match prepare(
            Bytes::clone(&response.body),
            role,
            slots,
            DecodeLane::Discovery,
        )
        .await
        {
            Ok(asset) => Some(asset),
            Err(error) => {
                tracing::warn!(%url, %error, "branding image refused");
                None
            }
        }
    }

    /// Bound one lookup by the upstream timeout (the client has its own; this covers the rest).
    pub(super) async fn deadline<T>(
        &self,
        lookup: &'static str,
        future: impl Future<Output = Result<T, LookupError>>,
    ) -> Result<T, LookupError> {
        let limit = self.inner.settings.upstream_timeout;
        match tokio::time::timeout(limit, future).await {
            Ok(result) => {
                result.inspect_err(|error| tracing::debug!(lookup, %error, "lookup failed"))
            }
            Err(_) => Err(LookupError::Timeout(limit)),
        }
    }
}

/// Entra's background colour when set, else the dominant colour of the logo the page shows.
fn brand_colour(profile: &TenantProfile, assets: &[NewAsset]) -> Option<String> {
    if let Some(colour) = profile
        .default_branding()
        .and_then(|branding| branding.background_color.clone())
    {
        return Some(colour);
    }
    let logo = profile.shown_branding().logo_sha256?;
    assets
        .iter()
        .find(|asset| asset.sha256 == logo)
        .and_then(|asset| asset.dominant_color.clone())
}

fn not_entra(domain: DomainName, signals: Signals) -> TenantProfile {
    TenantProfile {
        status: DomainStatus::NotEntra,
        ..TenantProfile::unreachable(domain, signals)
    }
}

/// Whether a branding image may be fetched from `url` (the first URL or a redirect target): https
/// only, on one of the allowed hosts. A pin only decides where an allowed host is reached; it does
/// not make a host allowed.
fn branding_hop_allowed(url: &Url, allowed_hosts: &[String]) -> Result<(), &'static str> {
    if url.scheme() != "https" {
        return Err("branding images are fetched over https only");
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    if !allowed_hosts.iter().any(|allowed| allowed == host) {
        return Err(
            "the host is not one of Microsoft's branding CDN hosts (AUTHWALK_BRANDING_HOSTS)",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    #[test]
    fn branding_hops_must_be_https_on_an_allowed_host() {
        let hosts = vec!["aadcdn.msftauthimages.net".to_owned()];
        let allowed = |url: &str| branding_hop_allowed(&Url::parse(url).unwrap(), &hosts);
        assert!(allowed("https://aadcdn.msftauthimages.net/x/bannerlogo?ts=1").is_ok());
        assert!(allowed("https://AADCDN.msftauthimages.net./x").is_ok());
        for refused in [
            "http://aadcdn.msftauthimages.net/x",
            "https://images.evil-cdn.com/logo.png",
            "https://aadcdn.msftauthimages.net.evil.com/x",
            "https://evil.com/aadcdn.msftauthimages.net",
            "ftp://aadcdn.msftauthimages.net/x",
            "https://127.0.0.1/x",
        ] {
            assert!(allowed(refused).is_err(), "{refused}");
        }
    }
}
