//! Discovery: a `DomainName` becomes a `TenantProfile`.
//!
//! Order of answers: memory cache → store → resolve. Resolution runs every lookup concurrently, each
//! with its own deadline, and merges what came back (partial results are normal). One flight per
//! domain: concurrent requests for the same unknown domain share one resolution (moka's
//! `try_get_with` coalesces them), and with Postgres an advisory lock stops several instances from
//! resolving the same domain at once. A stale profile is served at once and refreshed in the
//! background; a failed refresh keeps the old one. `unreachable` is returned but never remembered.
//!
//! Parsing lives in one file per endpoint (pure functions, unit-tested); I/O goes through `net`.

pub mod credential_type;
pub mod dns_signals;
mod fresh;
pub mod openid;
pub mod realm;
pub mod website;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use time::OffsetDateTime;
use tokio::sync::watch;
use url::Url;

use tracing::Instrument;

use crate::branding::image::ImageRole;
use crate::branding::prepare;
use crate::domain::DomainName;
use crate::metrics::{self, CacheResult};
use crate::net::client::IMAGE_CAP;
use crate::net::{Dns, FetchError, OutboundClient};
use crate::profile::{
    Branding, Cloud, DomainStatus, NamespaceType, Signals, Tenant, TenantProfile, WebsiteLogo,
};
use crate::store::Store;
use crate::store::models::NewAsset;
use credential_type::BrandingOutcome;
use openid::OpenIdOutcome;
use realm::Realm;

/// Why one lookup gave no usable answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LookupError {
    /// The request failed (timeout, refused, TLS, too large…).
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// An unexpected HTTP status.
    #[error("unexpected HTTP status {0}")]
    Status(u16),
    /// HTTP 429 or a throttling answer.
    #[error("throttled by Microsoft")]
    Throttled,
    /// Microsoft refused the request with an error other than "not found".
    #[error("Microsoft refused the lookup: {0}")]
    Rejected(String),
    /// The body was not what the endpoint sends.
    #[error("malformed answer: {0}")]
    Malformed(String),
    /// The lookup did not finish in time.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
}

/// Timing, freshness and trust rules.
#[derive(Debug, Clone)]
pub struct DiscoverySettings {
    /// Hosts branding images may be downloaded from (Microsoft's CDN).
    pub branding_hosts: Vec<String>,
    /// Deadline of each lookup.
    pub upstream_timeout: Duration,
    /// Age after which an `entra` profile is refreshed in the background.
    pub refresh_after: Duration,
    /// How long a `not_entra` answer is remembered.
    pub not_found_ttl: Duration,
    /// Most resolutions running at once (each sends several upstream requests).
    pub max_resolutions: usize,
    /// How long a resolution waits for a free slot before the answer is "busy".
    pub resolution_queue_wait: Duration,
}

/// How long a resolution waits for a free slot by default: long enough to ride out a burst,
/// short enough that the visitor gets an answer.
pub const RESOLUTION_QUEUE_WAIT: Duration = Duration::from_secs(2);

/// What a visitor turned away as busy is told to wait before trying again.
pub const BUSY_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Too many resolutions are running at once; nothing was looked up (and nothing remembered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many lookups are running; try again in {retry_after:?}")]
pub struct Busy {
    /// A reasonable wait before trying again.
    pub retry_after: Duration,
}

/// Most profiles kept in memory.
const CACHE_CAPACITY: u64 = 50_000;

/// The discovery service; cheap to clone.
#[derive(Clone)]
pub struct Discovery {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    client: OutboundClient,
    dns: Dns,
    settings: DiscoverySettings,
    /// One permit per running resolution (`max_resolutions`).
    resolutions: tokio::sync::Semaphore,
    cache: moka::future::Cache<DomainName, Arc<TenantProfile>>,
    refreshing: Mutex<HashSet<DomainName>>,
    /// Resolutions served from memory because the store refused them; saved on a later visit.
    unsaved: Mutex<HashMap<DomainName, Resolution>>,
    /// Whether `unsaved` holds anything; read without the lock on every warm request, written
    /// only while holding it.
    any_unsaved: AtomicBool,
    progress: Mutex<HashMap<DomainName, watch::Sender<Progress>>>,
}

impl std::fmt::Debug for Discovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Discovery")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

/// The lookups of a resolution, as the progress page lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lookup {
    /// OpenID configuration (tenant id, cloud).
    Tenant,
    /// User realm (managed or federated).
    SignIn,
    /// Credential type and its images (branding).
    Branding,
    /// DNS evidence of Microsoft 365.
    Dns,
    /// The company website's logo.
    Website,
}

impl Lookup {
    /// Every lookup, in the order the progress page lists them.
    pub const ALL: [Lookup; 5] = [
        Lookup::Tenant,
        Lookup::SignIn,
        Lookup::Branding,
        Lookup::Dns,
        Lookup::Website,
    ];

    /// Stable name (SSE data, element ids).
    pub fn as_str(self) -> &'static str {
        match self {
            Lookup::Tenant => "tenant",
            Lookup::SignIn => "sign_in",
            Lookup::Branding => "branding",
            Lookup::Dns => "dns",
            Lookup::Website => "website",
        }
    }
}

/// How far a running resolution has got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Lookups that have finished (whatever their answer).
    pub finished: Vec<Lookup>,
    /// Whether the whole resolution is over.
    pub done: bool,
}

/// A resolved profile with the images to store alongside it.
#[derive(Debug)]
pub struct Resolution {
    /// What was learnt.
    pub profile: TenantProfile,
    /// Our copies of the images the profile refers to.
    pub assets: Vec<NewAsset>,
}

/// Most resolutions kept for a later save while the store refuses them.
const MAX_UNSAVED: usize = 1_000;

/// The error moka shares between coalesced callers: nothing servable to remember.
#[derive(Debug)]
enum Unanswered {
    /// The lookups ran and failed: the unreachable profile itself.
    Unreachable(Box<TenantProfile>),
    /// No resolution slot was free in time; nothing was looked up.
    Busy,
}

/// How old a profile may be before it is refreshed, per outcome.
#[derive(Debug, PartialEq, Eq)]
enum Freshness {
    Fresh,
    /// Serve it, and refresh in the background.
    Stale,
    /// Do not serve it; resolve again now.
    Expired,
}

impl Discovery {
    /// A discovery service over the shared store, client and resolver.
    pub fn new(
        store: Store,
        client: OutboundClient,
        dns: Dns,
        settings: DiscoverySettings,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                client,
                dns,
                // A zero would refuse every resolution; the configuration refuses it too.
                resolutions: tokio::sync::Semaphore::new(settings.max_resolutions.max(1)),
                settings,
                cache: moka::future::Cache::builder()
                    .max_capacity(CACHE_CAPACITY)
                    .build(),
                refreshing: Mutex::new(HashSet::new()),
                unsaved: Mutex::new(HashMap::new()),
                any_unsaved: AtomicBool::new(false),
                progress: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The profile of `domain`: from memory, else the store, else resolved now. Never fails: a
    /// domain we could not find out about (or could not look up now, being busy) gets a profile
    /// with status `unreachable`.
    pub async fn profile(&self, domain: &DomainName) -> Arc<TenantProfile> {
        match self.try_profile(domain).await {
            Ok(profile) => profile,
            Err(Busy { .. }) => Arc::new(TenantProfile::unreachable(
                domain.clone(),
                Signals::default(),
            )),
        }
    }

    /// Like [`Discovery::profile`], but says [`Busy`] when the domain had to be resolved and too
    /// many resolutions were already running (pages answer 503 with `Retry-After`).
    pub async fn try_profile(&self, domain: &DomainName) -> Result<Arc<TenantProfile>, Busy> {
        if let Some(profile) = self.inner.cache.get(domain).await {
            match self.freshness(&profile) {
                Freshness::Fresh => {
                    metrics::cache_request(CacheResult::MemoryHit);
                    self.save_if_unsaved(domain);
                    return Ok(profile);
                }
                Freshness::Stale => {
                    metrics::cache_request(CacheResult::MemoryHit);
                    self.refresh_in_background(domain.clone(), Arc::clone(&profile));
                    return Ok(profile);
                }
                Freshness::Expired => self.inner.cache.invalidate(domain).await,
            }
        }
        // Boxed: the store load and the resolution are tens of KiB of state machine, which every
        // caller's future would otherwise carry (and allocate and copy) on its warm path too.
        Box::pin(self.load_into_cache(domain)).await
    }

    /// The profile from the store or a resolution, put in the cache (one per domain however many
    /// ask at once); a stale stored profile is served and refreshed in the background.
    async fn load_into_cache(&self, domain: &DomainName) -> Result<Arc<TenantProfile>, Busy> {
        let this = self.clone();
        let key = domain.clone();
        let result = self
            .inner
            .cache
            .try_get_with(
                domain.clone(),
                async move { this.load_or_resolve(&key).await },
            )
            .await;
        match result {
            Ok(profile) => {
                if self.freshness(&profile) == Freshness::Stale {
                    self.refresh_in_background(domain.clone(), Arc::clone(&profile));
                }
                Ok(profile)
            }
            Err(unanswered) => match unanswered.as_ref() {
                Unanswered::Unreachable(profile) => Ok(Arc::new(TenantProfile::clone(profile))),
                Unanswered::Busy => Err(Busy {
                    retry_after: BUSY_RETRY_AFTER,
                }),
            },
        }
    }

    /// The profile if `domain` is already known — in memory or stored and still servable —
    /// without resolving anything. Rate limits use it: only unknown domains cost upstream requests.
    pub async fn known(&self, domain: &DomainName) -> Option<Arc<TenantProfile>> {
        if let Some(profile) = self.inner.cache.get(domain).await
            && self.freshness(&profile) != Freshness::Expired
        {
            return Some(profile);
        }
        // Boxed for the same reason as the load in `try_profile`.
        Box::pin(self.load_stored(domain)).await.map(Arc::new)
    }

    /// The profile if it is ready within `wait`; otherwise `None`, while the lookup goes on in the
    /// background (watch it with [`Discovery::progress`]).
    pub async fn profile_within(
        &self,
        domain: &DomainName,
        wait: Duration,
    ) -> Option<Arc<TenantProfile>> {
        // Warm path: no task, no timer.
        if self.inner.cache.contains_key(domain) {
            return Some(self.profile(domain).await);
        }
        let this = self.clone();
        let key = domain.clone();
        // The lookup outlives this request's wait: it keeps the request's span (request id).
        let lookup = tokio::spawn(
            async move { this.try_profile(&key).await }.instrument(tracing::Span::current()),
        );
        // Busy: not ready; the progress page's retry gets the busy answer.
        tokio::time::timeout(wait, lookup).await.ok()?.ok()?.ok()
    }

    /// Whether answering for `domain` now would start a new resolution (upstream requests): it is
    /// neither known ([`Discovery::known`]) nor being resolved already. Rate limits charge only
    /// for these.
    pub async fn would_resolve(&self, domain: &DomainName) -> bool {
        self.progress(domain).is_none() && self.known(domain).await.is_none()
    }

    /// Progress of the running resolution of `domain`; `None` when none is running.
    pub fn progress(&self, domain: &DomainName) -> Option<watch::Receiver<Progress>> {
        let running = self.inner.progress.lock().ok()?;
        running.get(domain).map(watch::Sender::subscribe)
    }

    /// The profile if it is in memory and fresh: the warm path of every page, one cache lookup,
    /// no task, no lock, no I/O.
    pub async fn fresh_in_memory(&self, domain: &DomainName) -> Option<Arc<TenantProfile>> {
        let profile = self.inner.cache.get(domain).await?;
        if self.freshness(&profile) != Freshness::Fresh {
            return None;
        }
        metrics::cache_request(CacheResult::MemoryHit);
        self.save_if_unsaved(domain);
        Some(profile)
    }

    /// The profile only if it is already in memory (no I/O).
    pub async fn cached(&self, domain: &DomainName) -> Option<Arc<TenantProfile>> {
        self.inner.cache.get(domain).await
    }

    fn freshness(&self, profile: &TenantProfile) -> Freshness {
        let age = (OffsetDateTime::now_utc() - profile.resolved_at)
            .try_into()
            .unwrap_or(Duration::ZERO);
        match profile.status {
            DomainStatus::Entra if age > self.inner.settings.refresh_after => Freshness::Stale,
            DomainStatus::NotEntra if age > self.inner.settings.not_found_ttl => Freshness::Expired,
            DomainStatus::Unreachable => Freshness::Expired,
            _ => Freshness::Fresh,
        }
    }

    /// Store first; resolve (under the cross-instance lock) when the store has nothing usable.
    async fn load_or_resolve(&self, domain: &DomainName) -> Result<Arc<TenantProfile>, Unanswered> {
        if let Some(stored) = self.load_stored(domain).await {
            metrics::cache_request(CacheResult::StoreHit);
            return Ok(Arc::new(stored));
        }
        metrics::cache_request(CacheResult::Miss);
        let Some(_slot) = self.resolution_slot().await else {
            tracing::warn!(%domain, "too many resolutions running: answered busy");
            metrics::resolution("busy", self.inner.settings.resolution_queue_wait);
            return Err(Unanswered::Busy);
        };
        let started = OffsetDateTime::now_utc();
        let lock = match self.inner.store.lock_resolution(domain).await {
            Ok(lock) => Some(lock),
            Err(error) => {
                tracing::warn!(%domain, %error, "resolving without the cross-instance lock");
                None
            }
        };
        // Another instance may have resolved it while we waited for the lock.
        if lock.is_some()
            && let Some(stored) = self.load_stored(domain).await
            && stored.resolved_at >= started
        {
            release(lock).await;
            return Ok(Arc::new(stored));
        }
        let resolution = self.resolve(domain).await;
        let outcome = self.remember(resolution).await;
        release(lock).await;
        outcome
            .map(Arc::new)
            .map_err(|profile| Unanswered::Unreachable(Box::new(profile)))
    }

    /// A resolution slot, waiting at most `resolution_queue_wait` for one; `None` when busy.
    async fn resolution_slot(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        let wait = self.inner.settings.resolution_queue_wait;
        tokio::time::timeout(wait, self.inner.resolutions.acquire())
            .await
            .ok()?
            .ok()
    }

    /// The stored profile when it may be served (a stale `entra` may; an expired `not_entra` not).
    async fn load_stored(&self, domain: &DomainName) -> Option<TenantProfile> {
        match self.inner.store.load_profile(domain).await {
            Ok(Some(profile)) if self.freshness(&profile) != Freshness::Expired => Some(profile),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(%domain, %error, "could not read the stored profile; resolving");
                None
            }
        }
    }

    /// Save a resolved profile (images first) and return what should be served; unreachable is
    /// never saved. When the store refuses it, it is served anyway and kept for a later save.
    async fn remember(&self, resolution: Resolution) -> Result<TenantProfile, TenantProfile> {
        if resolution.profile.status == DomainStatus::Unreachable {
            return Err(resolution.profile);
        }
        if let Err(error) = self.persist(&resolution).await {
            tracing::warn!(domain = %resolution.profile.domain, %error, "could not store the profile; serving it from memory and saving it later");
            let profile = resolution.profile.clone();
            self.keep_unsaved(resolution);
            return Ok(profile);
        }
        // Reading back merges what this answer left unknown (throttled branding) with the store.
        match self
            .inner
            .store
            .load_profile(&resolution.profile.domain)
            .await
        {
            Ok(Some(stored)) => Ok(stored),
            _ => Ok(resolution.profile),
        }
    }

    /// Store the images, then the profile. A refused image is logged and skipped (the page falls
    /// back without it); a refused profile is the error.
    async fn persist(&self, resolution: &Resolution) -> Result<(), crate::store::StoreError> {
        for asset in &resolution.assets {
            if let Err(error) = self.inner.store.save_asset(asset).await {
                tracing::warn!(domain = %resolution.profile.domain, %error, "could not store an image");
            }
        }
        self.inner.store.save_profile(&resolution.profile).await
    }

    /// Keep a resolution the store refused, for [`Self::save_if_unsaved`] (bounded: beyond
    /// [`MAX_UNSAVED`] the profile lives in memory only, until its refresh).
    fn keep_unsaved(&self, resolution: Resolution) {
        if let Ok(mut unsaved) = self.inner.unsaved.lock()
            && (unsaved.len() < MAX_UNSAVED || unsaved.contains_key(&resolution.profile.domain))
        {
            unsaved.insert(resolution.profile.domain.clone(), resolution);
            self.inner.any_unsaved.store(true, Ordering::Release);
        }
    }

    /// If `domain` was served without being stored, try to store it now, in the background (one
    /// attempt at a time per domain: it leaves the map while it runs).
    fn save_if_unsaved(&self, domain: &DomainName) {
        // The warm path: nothing waits to be saved, so no lock is taken.
        if !self.inner.any_unsaved.load(Ordering::Acquire) {
            return;
        }
        let pending = match self.inner.unsaved.lock() {
            Ok(mut unsaved) => {
                let pending = unsaved.remove(domain);
                if unsaved.is_empty() {
                    self.inner.any_unsaved.store(false, Ordering::Release);
                }
                pending
            }
            Err(_) => None,
        };
        let Some(resolution) = pending else {
            return;
        };
        let this = self.clone();
        let save = async move {
            match this.persist(&resolution).await {
                Ok(()) => {
                    tracing::info!(domain = %resolution.profile.domain, "stored a profile resolved while the database was away")
                }
                Err(error) => {
                    tracing::debug!(domain = %resolution.profile.domain, %error, "still cannot store the profile");
                    this.keep_unsaved(resolution);
                }
            }
        };
        tokio::spawn(save.instrument(tracing::Span::current()));
    }

    fn refresh_in_background(&self, domain: DomainName, previous: Arc<TenantProfile>) {
        {
            let Ok(mut refreshing) = self.inner.refreshing.lock() else {
                return;
            };
            if !refreshing.insert(domain.clone()) {
                return;
            }
        }
        let this = self.clone();
        let refresh = async move {
            if let Some(_slot) = this.resolution_slot().await {
                let lock = this.inner.store.lock_resolution(&domain).await.ok();
                let mut resolution = this.resolve(&domain).await;
                resolution.profile.keep_unlearnt(&previous);
                match this.remember(resolution).await {
                    Ok(fresh) => {
                        this.inner
                            .cache
                            .insert(domain.clone(), Arc::new(fresh))
                            .await
                    }
                    Err(_) => {
                        tracing::warn!(%domain, "background refresh failed; keeping the old one");
                    }
                }
                release(lock).await;
            } else {
                // The stale profile is still served; a later visit tries again.
                tracing::info!(%domain, "too many resolutions running: refresh postponed");
            }
            if let Ok(mut refreshing) = this.inner.refreshing.lock() {
                refreshing.remove(&domain);
            }
        };
        // Logged lines of the refresh carry the request that noticed the stale profile.
        tokio::spawn(refresh.instrument(tracing::Span::current()));
    }

    /// Run every lookup for `domain` now (no cache, no store) and merge the answers, publishing
    /// progress while it runs.
    pub async fn resolve(&self, domain: &DomainName) -> Resolution {
        let (sender, _) = watch::channel(Progress::default());
        if let Ok(mut running) = self.inner.progress.lock() {
            running.insert(domain.clone(), sender.clone());
        }
        let started = std::time::Instant::now();
        let resolution = self.resolve_lookups(domain, &sender).await;
        tracing::info!(
            %domain,
            outcome = resolution.profile.status.as_str(),
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "domain resolved"
        );
        metrics::resolution(resolution.profile.status.as_str(), started.elapsed());
        sender.send_modify(|progress| progress.done = true);
        if let Ok(mut running) = self.inner.progress.lock() {
            running.remove(domain);
        }
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
                let answer = website::find_logo(client, domain, website_budget).await;
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
    async fn fetch_image(&self, url: Option<&str>, role: ImageRole) -> Option<NewAsset> {
        let url = Url::parse(url?).ok()?;
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        // Strict allow-list: a pin only decides where an allowed host is reached.
        if !self.inner.settings.branding_hosts.contains(&host) {
            tracing::warn!(%url, "branding image outside Microsoft's CDN: not downloaded");
            return None;
        }
        let response = match self.inner.client.get(url.clone(), IMAGE_CAP).await {
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
        match prepare(Bytes::clone(&response.body), role).await {
            Ok(asset) => Some(asset),
            Err(error) => {
                tracing::warn!(%url, %error, "branding image refused");
                None
            }
        }
    }

    /// Bound one lookup by the upstream timeout (the client has its own; this covers the rest).
    async fn deadline<T>(
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

async fn release(lock: Option<crate::store::ResolutionLock>) {
    if let Some(lock) = lock {
        lock.release().await;
    }
}
