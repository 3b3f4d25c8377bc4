//! Discovery: a `DomainName` becomes a `TenantProfile`.
//!
//! Order of answers: memory cache → store → resolve. Resolution (`resolve.rs`) runs every lookup
//! concurrently, each with its own deadline, and merges what came back (partial results are
//! normal). A stale profile is served at once and refreshed in the background; a failed refresh
//! keeps the old one. `unreachable` is returned but never remembered.
//!
//! One flight per domain: the first request for an unknown domain starts a *flight* — the store
//! check and the resolution in a task of their own — and every later request joins it until it
//! lands. The flight never belongs to a request: a client that disconnects, or a request that
//! times out, stops waiting but neither cancels the lookups nor leaves its progress behind. Whether
//! a request joins (free) or starts a flight (charged to the client's allowance) is decided under
//! the one lock that registers flights, so a crowd behind one address opening a fresh link at once
//! costs that address one lookup. With Postgres an advisory lock also stops several instances from
//! resolving the same domain at once.
//!
//! Parsing lives in one file per endpoint (pure functions, unit-tested); I/O goes through `net`.

pub mod credential_type;
pub mod dns_signals;
mod fresh;
pub mod openid;
pub mod realm;
mod resolve;
pub mod website;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::watch;
use tracing::Instrument;

use crate::branding::slots::DecodeSlots;
use crate::domain::DomainName;
use crate::metrics::{self, CacheResult};
use crate::net::{Dns, FetchError, OutboundClient};
use crate::profile::{DomainStatus, Signals, TenantProfile};
use crate::store::Store;
use crate::store::models::NewAsset;

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

/// Longest a progress stream follows a resolution; every lookup has its own deadline, so a
/// resolution normally ends well before, but a stream must end even if one does not.
pub const PROGRESS_STREAM_LIMIT: Duration = Duration::from_secs(60);

/// The discovery service; cheap to clone.
#[derive(Clone)]
pub struct Discovery {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    client: OutboundClient,
    dns: Dns,
    /// Image decoding for branding and website logos (discovery's own pool).
    decode_slots: DecodeSlots,
    settings: DiscoverySettings,
    /// One permit per running resolution (`max_resolutions`).
    resolutions: tokio::sync::Semaphore,
    cache: moka::sync::Cache<DomainName, Arc<TenantProfile>>,
    refreshing: Mutex<HashSet<DomainName>>,
    /// Resolutions served from memory because the store refused them; saved on a later visit.
    unsaved: Mutex<HashMap<DomainName, Resolution>>,
    /// Whether `unsaved` holds anything; read without the lock on every warm request, written
    /// only while holding it.
    any_unsaved: AtomicBool,
    /// Flights in the air: the domains being loaded or resolved right now.
    flights: Mutex<HashMap<DomainName, Flight>>,
    /// Numbers flights, so a finished one removes its own entry and nothing else.
    next_flight: std::sync::atomic::AtomicU64,
}

/// One domain being loaded from the store or resolved, in a task of its own.
struct Flight {
    id: u64,
    /// Each lookup as it finishes (the progress page follows it).
    progress: watch::Sender<Progress>,
    /// `None` while in the air; the outcome every joined request gets.
    outcome: watch::Receiver<Option<Outcome>>,
}

/// What a flight lands with, shared by every request that joined it.
type Outcome = Result<Arc<TenantProfile>, Unanswered>;

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

/// A flight that landed with nothing servable to remember.
#[derive(Debug, Clone)]
enum Unanswered {
    /// The lookups ran and failed: the unreachable profile itself.
    Unreachable(Arc<TenantProfile>),
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
    /// A discovery service over the shared store, client, resolver and decode slots.
    pub fn new(
        store: Store,
        client: OutboundClient,
        dns: Dns,
        decode_slots: DecodeSlots,
        settings: DiscoverySettings,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                client,
                dns,
                decode_slots,
                // A zero would refuse every resolution; the configuration refuses it too.
                resolutions: tokio::sync::Semaphore::new(settings.max_resolutions.max(1)),
                settings,
                cache: moka::sync::Cache::builder()
                    .max_capacity(CACHE_CAPACITY)
                    .build(),
                refreshing: Mutex::new(HashSet::new()),
                unsaved: Mutex::new(HashMap::new()),
                any_unsaved: AtomicBool::new(false),
                flights: Mutex::new(HashMap::new()),
                next_flight: std::sync::atomic::AtomicU64::new(0),
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
        let answer = self
            .profile_admitted(domain, None, || Ok::<(), Busy>(()))
            .await?;
        // Without a wait limit the answer always comes.
        Ok(answer.unwrap_or_else(|| Arc::new(unreachable(domain))))
    }

    /// The profile of `domain` for a visitor: from memory, else the store, else a resolution.
    /// Joining a resolution already in flight is free; starting one first asks `admit` (the
    /// visitor's allowance), and the two are decided under the lock that registers flights, so
    /// of many simultaneous first requests exactly one is charged. With `wait`, stops waiting
    /// after that long and answers `Ok(None)`: the flight goes on (follow it with
    /// [`Discovery::progress`]). Busy (no resolution slot in time) is an error.
    pub async fn profile_admitted<E: From<Busy>>(
        &self,
        domain: &DomainName,
        wait: Option<Duration>,
        admit: impl FnOnce() -> Result<(), E>,
    ) -> Result<Option<Arc<TenantProfile>>, E> {
        if let Some(profile) = self.servable_in_memory(domain).await {
            return Ok(Some(profile));
        }
        // Boxed: the store load and the flight's bookkeeping are state every caller's future would
        // otherwise carry (and allocate and copy) on its warm path too.
        Box::pin(self.load_or_fly(domain, wait, admit)).await
    }

    /// A profile in memory that may be served (a stale one is, and refreshed in the background).
    async fn servable_in_memory(&self, domain: &DomainName) -> Option<Arc<TenantProfile>> {
        let profile = self.inner.cache.get(domain)?;
        match self.freshness(&profile) {
            Freshness::Fresh => {
                metrics::cache_request(CacheResult::MemoryHit);
                self.save_if_unsaved(domain);
                Some(profile)
            }
            Freshness::Stale => {
                metrics::cache_request(CacheResult::MemoryHit);
                self.refresh_in_background(domain.clone(), Arc::clone(&profile));
                Some(profile)
            }
            Freshness::Expired => {
                self.inner.cache.invalidate(domain);
                None
            }
        }
    }

    /// The cold path of [`Discovery::profile_admitted`]: join a flight, read the store, or start
    /// a flight.
    async fn load_or_fly<E: From<Busy>>(
        &self,
        domain: &DomainName,
        wait: Option<Duration>,
        admit: impl FnOnce() -> Result<(), E>,
    ) -> Result<Option<Arc<TenantProfile>>, E> {
        let mut admit = Some(admit);
        loop {
            // Joining costs nothing, not even a store read.
            if let Some(landing) = self.joinable(domain) {
                return Self::await_landing(domain, landing, wait)
                    .await
                    .map_err(E::from);
            }
            if let Some(stored) = self.load_stored(domain).await {
                metrics::cache_request(CacheResult::StoreHit);
                let stored = Arc::new(stored);
                self.inner.cache.insert(domain.clone(), Arc::clone(&stored));
                if self.freshness(&stored) == Freshness::Stale {
                    self.refresh_in_background(domain.clone(), Arc::clone(&stored));
                }
                return Ok(Some(stored));
            }
            match self.join_or_start(domain, &mut admit)? {
                Some(landing) => {
                    return Self::await_landing(domain, landing, wait)
                        .await
                        .map_err(E::from);
                }
                // A flight landed in the instant since we looked: serve what it left in memory
                // (or, if that is no longer servable, look again as a new request would).
                None => {
                    if let Some(profile) = self.servable_in_memory(domain).await {
                        return Ok(Some(profile));
                    }
                }
            }
        }
    }

    /// The outcome of the flight of `domain` in the air, if there is one.
    fn joinable(&self, domain: &DomainName) -> Option<watch::Receiver<Option<Outcome>>> {
        let flights = self.flights();
        flights.get(domain).map(|flight| flight.outcome.clone())
    }

    /// Under the flights lock: join the flight of `domain`, or start one if `admit` allows (it is
    /// asked at most once, and only then). `None` when a flight just landed: the profile is in
    /// memory.
    fn join_or_start<E>(
        &self,
        domain: &DomainName,
        admit: &mut Option<impl FnOnce() -> Result<(), E>>,
    ) -> Result<Option<watch::Receiver<Option<Outcome>>>, E> {
        let mut flights = self.flights();
        if let Some(flight) = flights.get(domain) {
            return Ok(Some(flight.outcome.clone()));
        }
        // A flight inserts its profile in memory before it leaves the map.
        if self.inner.cache.contains_key(domain) {
            return Ok(None);
        }
        if let Some(admit) = admit.take() {
            admit()?;
        }
        let id = self.inner.next_flight.fetch_add(1, Ordering::Relaxed);
        let (progress, _) = watch::channel(Progress::default());
        let (landed, outcome) = watch::channel(None);
        flights.insert(
            domain.clone(),
            Flight {
                id,
                progress: progress.clone(),
                outcome: outcome.clone(),
            },
        );
        drop(flights);
        let this = self.clone();
        let key = domain.clone();
        let flight = async move {
            let leaves = LeaveOnDrop {
                discovery: this.clone(),
                domain: key.clone(),
                id,
            };
            let result = this.load_or_resolve(&key, &progress).await;
            if let Ok(profile) = &result {
                this.inner.cache.insert(key.clone(), Arc::clone(profile));
            }
            // Off the map after the cache holds the profile (a request that finds no flight then
            // finds the profile) and before anyone hears the outcome: a request sent after an
            // answer must never join the flight that gave it, or an unreachable outcome, which
            // is never remembered, would be served again without asking.
            drop(leaves);
            landed.send_replace(Some(result));
        };
        // The flight outlives the request that started it and keeps its span (request id).
        tokio::spawn(flight.instrument(tracing::Span::current()));
        Ok(Some(outcome))
    }

    /// Wait for a flight to land (at most `wait`, when given).
    async fn await_landing(
        domain: &DomainName,
        mut landing: watch::Receiver<Option<Outcome>>,
        wait: Option<Duration>,
    ) -> Result<Option<Arc<TenantProfile>>, Busy> {
        let landed = async {
            match landing.wait_for(Option::is_some).await {
                Ok(outcome) => outcome.clone(),
                // The flight's task ended without an outcome (the runtime is shutting down).
                Err(_) => None,
            }
        };
        let outcome = match wait {
            None => landed.await,
            Some(wait) => match tokio::time::timeout(wait, landed).await {
                Ok(outcome) => outcome,
                Err(_) => return Ok(None),
            },
        };
        match outcome {
            Some(Ok(profile)) => Ok(Some(profile)),
            Some(Err(Unanswered::Unreachable(profile))) => Ok(Some(profile)),
            Some(Err(Unanswered::Busy)) => Err(Busy {
                retry_after: BUSY_RETRY_AFTER,
            }),
            None => Ok(Some(Arc::new(unreachable(domain)))),
        }
    }

    fn flights(&self) -> std::sync::MutexGuard<'_, HashMap<DomainName, Flight>> {
        // The map stays consistent whatever panicked while holding it.
        self.inner
            .flights
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The profile if `domain` is already known — in memory or stored and still servable —
    /// without resolving anything. Rate limits use it: only unknown domains cost upstream requests.
    pub async fn known(&self, domain: &DomainName) -> Option<Arc<TenantProfile>> {
        if let Some(profile) = self.inner.cache.get(domain)
            && self.freshness(&profile) != Freshness::Expired
        {
            return Some(profile);
        }
        // Boxed for the same reason as the load in `profile_admitted`.
        Box::pin(self.load_stored(domain)).await.map(Arc::new)
    }

    /// Whether answering for `domain` now would start a new resolution (upstream requests): it is
    /// neither known ([`Discovery::known`]) nor in flight already. A hint only: the page and the
    /// API decide it under the flights lock with [`Discovery::profile_admitted`].
    pub async fn would_resolve(&self, domain: &DomainName) -> bool {
        self.joinable(domain).is_none() && self.known(domain).await.is_none()
    }

    /// Progress of the flight of `domain`; `None` when none is in the air. The sender leaves with
    /// the flight, so a receiver sees the end even if it missed the `done` mark.
    pub fn progress(&self, domain: &DomainName) -> Option<watch::Receiver<Progress>> {
        let flights = self.flights();
        flights
            .get(domain)
            .map(|flight| flight.progress.subscribe())
    }

    /// How many flights are in the air (for tests and debugging).
    pub fn flights_in_the_air(&self) -> usize {
        self.flights().len()
    }

    /// The profile if it is in memory and fresh: the warm path of every page, one cache lookup,
    /// no task, no lock, no I/O.
    pub async fn fresh_in_memory(&self, domain: &DomainName) -> Option<Arc<TenantProfile>> {
        self.fresh_in_memory_spelled(domain.as_str()).await
    }

    /// [`Discovery::fresh_in_memory`] by the name as text: a hit means `name` is the canonical
    /// spelling of a known domain, so a page can skip parsing it.
    pub async fn fresh_in_memory_spelled(&self, name: &str) -> Option<Arc<TenantProfile>> {
        let profile = self.inner.cache.get(name)?;
        if self.freshness(&profile) != Freshness::Fresh {
            return None;
        }
        metrics::cache_request(CacheResult::MemoryHit);
        self.save_if_unsaved(&profile.domain);
        Some(profile)
    }

    /// The profile only if it is already in memory (no I/O).
    pub async fn cached(&self, domain: &DomainName) -> Option<Arc<TenantProfile>> {
        self.inner.cache.get(domain)
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
    async fn load_or_resolve(
        &self,
        domain: &DomainName,
        progress: &watch::Sender<Progress>,
    ) -> Result<Arc<TenantProfile>, Unanswered> {
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
        let resolution = self.resolve_reporting(domain, progress).await;
        let outcome = self.remember(resolution).await;
        release(lock).await;
        outcome
            .map(Arc::new)
            .map_err(|profile| Unanswered::Unreachable(Arc::new(profile)))
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
                    Ok(fresh) => this.inner.cache.insert(domain.clone(), Arc::new(fresh)),
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
}

/// Takes a flight off the map when its task ends, however it ends (landed, panicked, or dropped
/// with the runtime), so no flight or progress entry outlives its lookups.
struct LeaveOnDrop {
    discovery: Discovery,
    domain: DomainName,
    id: u64,
}

impl Drop for LeaveOnDrop {
    fn drop(&mut self) {
        let mut flights = self.discovery.flights();
        if flights
            .get(&self.domain)
            .is_some_and(|flight| flight.id == self.id)
        {
            flights.remove(&self.domain);
        }
    }
}

/// The answer for a domain nothing could be learnt about.
fn unreachable(domain: &DomainName) -> TenantProfile {
    TenantProfile::unreachable(domain.clone(), Signals::default())
}

async fn release(lock: Option<crate::store::ResolutionLock>) {
    if let Some(lock) = lock {
        lock.release().await;
    }
}
