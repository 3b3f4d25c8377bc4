//! authwalk: branded, device-aware walkthroughs for passkeys in Microsoft Authenticator.
//!
//! [`App::build`] wires configuration, store and router and binds the listener; `main.rs` and the
//! integration tests both start the service through it.

pub mod admin;
pub mod branding;
pub mod config;
pub mod device;
pub mod discovery;
pub mod domain;
pub mod invisible;
pub mod metrics;
pub mod net;
pub mod profile;
pub mod store;
pub mod telemetry;
pub mod walkthrough;
pub mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::discovery::{Discovery, DiscoverySettings};
use crate::net::client::ClientSetupError;
use crate::net::{Dns, DnsError, OutboundClient};
use crate::store::{Store, StoreError};
use crate::web::AppState;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The DNS resolver could not be configured.
    #[error(transparent)]
    Dns(#[from] DnsError),
    /// The outbound HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] ClientSetupError),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address from `AUTHWALK_LISTEN`.
        addr: SocketAddr,
        /// Why binding failed.
        #[source]
        source: std::io::Error,
    },
    /// Serving stopped with an I/O error.
    #[error("the server stopped: {0}")]
    Serve(#[source] std::io::Error),
}

/// How often the adoption counters are written to the store.
pub const ADOPTION_FLUSH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// How often expired admin challenges, links, sessions and stale approval requests are deleted.
pub const ADMIN_PURGE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// The router of the whole service for the given state.
pub fn app(state: AppState) -> Router {
    web::router(state)
}

/// The long-lived services every entry point (server, CLI) needs.
#[derive(Debug, Clone)]
pub struct Services {
    /// The database (migrated).
    pub store: Store,
    /// Domain → tenant profile.
    pub discovery: Discovery,
    /// The shared resolver (admin domain-control checks query it uncached).
    pub dns: Dns,
    /// Image decode slots: discovery's pool and the uploads' pool.
    pub decode_slots: branding::slots::DecodeSlots,
}

impl Services {
    /// Open and migrate the store, and build the resolver, the outbound client and discovery.
    pub async fn build(config: &Config) -> Result<Self, StartError> {
        let store = Store::connect(&config.database).await?;
        store.migrate().await?;
        let dns = Dns::new(&config.dns_servers, config.upstream_timeout)?;
        let client = OutboundClient::new(config, dns.clone())?;
        let decode_slots =
            branding::slots::DecodeSlots::with_upload_wait(config.upload_decode_wait);
        let discovery = Discovery::new(
            store.clone(),
            client,
            dns.clone(),
            decode_slots.clone(),
            DiscoverySettings {
                branding_hosts: config.branding_hosts.clone(),
                upstream_timeout: config.upstream_timeout,
                refresh_after: config.refresh_after,
                not_found_ttl: config.not_found_ttl,
                max_resolutions: config.max_resolutions,
                resolution_queue_wait: discovery::RESOLUTION_QUEUE_WAIT,
            },
        );
        Ok(Self {
            store,
            discovery,
            dns,
            decode_slots,
        })
    }
}

/// A built service: database migrated, listener bound, not yet serving.
#[derive(Debug)]
pub struct App {
    listener: TcpListener,
    local_addr: SocketAddr,
    state: AppState,
    /// The periodic clean-ups (admin records, unreferenced images), stopped with the app.
    background: Vec<BackgroundTask>,
}

/// A task that ends with its owner (aborted when dropped).
#[derive(Debug)]
struct BackgroundTask(tokio::task::JoinHandle<()>);

impl Drop for BackgroundTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl App {
    /// Open and migrate the store, then bind `config.listen` (port 0 picks a free port).
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let services = Services::build(&config).await?;
        web::assets::preload();
        metrics::install();
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let local_addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
        let mut config = config;
        // `AUTHWALK_LISTEN=…:0` picks a free port; links must name the port actually bound.
        if config.public_url.port() == Some(0) {
            let _ = config.public_url.set_port(Some(local_addr.port()));
        }
        if let Some(warning) = config.plain_http_warning() {
            tracing::warn!("INSECURE: {warning}");
        }
        let counting_key = counting_key(&services.store).await?;
        let limits = web::limits::Limits::from_config(&config);
        limits.spawn_cleanup(web::limits::CLEANUP_INTERVAL);
        let admin_purge = spawn_admin_purge(services.store.clone(), ADMIN_PURGE_INTERVAL);
        let customizations = admin::TenantCustomizations::new(services.store.clone());
        customizations.listen_for_changes();
        let admin = admin::AdminService::new(
            services.store.clone(),
            services.discovery.clone(),
            services.dns.clone(),
            customizations.clone(),
            config.public_url.clone(),
            services.decode_slots.clone(),
        );
        let asset_sweep = BackgroundTask(tokio::spawn(branding::collect::sweep_every(
            services.store.clone(),
            config.asset_sweep_interval,
        )));
        let state = AppState::new(web::SharedState {
            customizations,
            admin,
            config: Arc::new(config),
            limits,
            images: web::assets::TenantImages::new(services.store.clone()),
            qr_codes: web::qr::QrCache::default(),
            adoption: admin::adoption::Adoption::start_with_key(
                services.store.clone(),
                ADOPTION_FLUSH_INTERVAL,
                counting_key,
            ),
            rendered_pages: web::page_cache::PageCache::default(),
            devices: device::Detections::default(),
            store: services.store,
            discovery: services.discovery,
        });
        Ok(Self {
            listener,
            local_addr,
            state,
            background: vec![admin_purge, asset_sweep],
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The shared state handlers see (for tests and the CLI).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serve until `shutdown` completes, then finish in-flight requests and close the store.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let Self {
            listener,
            state,
            background,
            ..
        } = self;
        let store = state.store.clone();
        let adoption = state.adoption.clone();
        let limits = web::server::ConnectionLimits::from_config(&state.config);
        let router = app(state);
        web::server::serve(listener, router, limits, shutdown).await;
        drop(background);
        let result = Ok(());
        // Counters still in memory would die with the process.
        if let Err(error) = adoption.flush().await {
            tracing::warn!(%error, "adoption counters could not be written at shutdown");
        }
        store.close().await;
        result
    }
}

/// Delete the admin records that can never be used again every `every` (the first run at once,
/// so a restart cleans up too); a failed run is logged and tried again next time.
fn spawn_admin_purge(store: Store, every: std::time::Duration) -> BackgroundTask {
    BackgroundTask(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match admin::team::purge_expired(&store, time::OffsetDateTime::now_utc()).await {
                Ok(purged) => tracing::debug!(?purged, "expired admin records purged"),
                Err(error) => tracing::warn!(%error, "could not purge expired admin records"),
            }
        }
    }))
}

/// The deployment's key for counting tokens: made by the first instance to start, then shared.
async fn counting_key(store: &Store) -> Result<[u8; 32], StartError> {
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).map_err(|error| {
        StartError::Store(StoreError::Corrupt {
            what: "the counting secret".into(),
            detail: format!("no randomness available: {error}"),
        })
    })?;
    let stored = store
        .service_secret(admin::counting::SECRET_NAME, &fresh)
        .await?;
    stored.try_into().map_err(|stored: Vec<u8>| {
        StartError::Store(StoreError::Corrupt {
            what: "the counting secret".into(),
            detail: format!("{} bytes instead of 32", stored.len()),
        })
    })
}

/// Completes on Ctrl-C or SIGTERM (the container runtime's stop signal).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
