//! The store: every SQL statement lives here, one file per backend behind one API.
//!
//! Postgres is the production store (several instances share it); SQLite is the zero-setup default.
//! Both use runtime queries, so every statement is exercised by the integration tests on both backends.

pub mod models;
mod postgres;
mod sqlite;

use std::time::Duration;

use uuid::Uuid;

use crate::config::DatabaseUrl;
use crate::domain::DomainName;
use crate::profile::{
    Branding, Cloud, DomainStatus, Federation, NamespaceType, Tenant, TenantProfile, WebsiteLogo,
};
use models::{NewAsset, ProfileRow, StoredAsset};

/// How long a caller waits for a pooled connection before the database counts as unavailable.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a readiness ping may take: under two seconds, so probes see an outage quickly.
pub const PING_TIMEOUT: Duration = Duration::from_millis(1500);

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached (down, refused, timed out).
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// A statement failed.
    #[error("a database statement failed: {0}")]
    Query(#[source] sqlx::Error),
    /// Migrations could not be applied.
    #[error("database migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored row holds a value our code never writes.
    #[error("stored data for {what} is invalid: {detail}")]
    Corrupt {
        /// Which record.
        what: String,
        /// What is wrong with it.
        detail: String,
    },
    /// `unreachable` outcomes are never stored.
    #[error("refused to store an unreachable outcome for {0}")]
    Unstorable(String),
    /// The database file's directory could not be created.
    #[error("cannot create the directory for the SQLite database {path}: {source}")]
    CreateDir {
        /// The directory we tried to create.
        path: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            // A dropped or half-open connection surfaces as I/O, TLS or protocol errors.
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_) => StoreError::Unavailable(error),
            other => StoreError::Query(other),
        }
    }
}

/// Which backend a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// A Postgres server.
    Postgres,
    /// An embedded SQLite file.
    Sqlite,
}

#[derive(Debug, Clone)]
enum Backend {
    Postgres(sqlx::PgPool),
    Sqlite(sqlx::SqlitePool),
}

/// The one handle to the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
}

impl Store {
    /// Open the database the URL names. Postgres connects lazily (the first statement connects);
    /// SQLite creates the file (and its directory) if missing.
    pub async fn connect(database: &DatabaseUrl) -> Result<Self, StoreError> {
        let backend = match database {
            DatabaseUrl::Postgres(url) => Backend::Postgres(postgres::pool(url)?),
            DatabaseUrl::Sqlite(path) => Backend::Sqlite(sqlite::pool(path).await?),
        };
        Ok(Self { backend })
    }

    /// Which backend this store uses.
    pub fn kind(&self) -> BackendKind {
        match self.backend {
            Backend::Postgres(_) => BackendKind::Postgres,
            Backend::Sqlite(_) => BackendKind::Sqlite,
        }
    }

    /// Apply pending migrations (idempotent).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Postgres(pool) => postgres::migrate(pool).await,
            Backend::Sqlite(pool) => sqlite::migrate(pool).await,
        }
    }

    /// Check that the database answers a trivial statement within [`PING_TIMEOUT`].
    pub async fn ping(&self) -> Result<(), StoreError> {
        let ping = async {
            match &self.backend {
                Backend::Postgres(pool) => postgres::ping(pool).await,
                Backend::Sqlite(pool) => sqlite::ping(pool).await,
            }
        };
        match tokio::time::timeout(PING_TIMEOUT, ping).await {
            // Whatever failed, a database that cannot answer `SELECT 1` is not available.
            Ok(Err(StoreError::Query(error))) => Err(StoreError::Unavailable(error)),
            Ok(result) => result,
            Err(_) => Err(StoreError::Unavailable(sqlx::Error::PoolTimedOut)),
        }
    }

    /// Names of the tables the migrations created, sorted (for checks and diagnostics).
    pub async fn table_names(&self) -> Result<Vec<String>, StoreError> {
        match &self.backend {
            Backend::Postgres(pool) => postgres::table_names(pool).await,
            Backend::Sqlite(pool) => sqlite::table_names(pool).await,
        }
    }

    /// Persist a resolved profile: tenant, domain and (when known) the tenant's brandings, in one
    /// transaction. Brandings that are `None` (throttled) leave the stored ones as they are.
    pub async fn save_profile(&self, profile: &TenantProfile) -> Result<(), StoreError> {
        if profile.status == DomainStatus::Unreachable {
            return Err(StoreError::Unstorable(profile.domain.to_string()));
        }
        match &self.backend {
            Backend::Postgres(pool) => postgres::save_profile(pool, profile).await,
            Backend::Sqlite(pool) => sqlite::save_profile(pool, profile).await,
        }
    }

    /// The stored profile of `domain`, if any.
    pub async fn load_profile(
        &self,
        domain: &DomainName,
    ) -> Result<Option<TenantProfile>, StoreError> {
        let row = match &self.backend {
            Backend::Postgres(pool) => postgres::load_profile_row(pool, domain.as_str()).await?,
            Backend::Sqlite(pool) => sqlite::load_profile_row(pool, domain.as_str()).await?,
        };
        let Some(row) = row else {
            return Ok(None);
        };
        let tenant_id = row
            .tenant_id
            .as_deref()
            .map(|id| parse_uuid(domain, id))
            .transpose()?;
        let brandings = match tenant_id {
            Some(tenant_id) => match &self.backend {
                Backend::Postgres(pool) => postgres::load_brandings(pool, tenant_id).await?,
                Backend::Sqlite(pool) => sqlite::load_brandings(pool, tenant_id).await?,
            },
            None => Vec::new(),
        };
        profile_from_row(domain, row, tenant_id, brandings).map(Some)
    }

    /// Store an image in every format it has (idempotent: content-addressed).
    pub async fn save_asset(&self, asset: &NewAsset) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Postgres(pool) => postgres::save_asset(pool, asset).await,
            Backend::Sqlite(pool) => sqlite::save_asset(pool, asset).await,
        }
    }

    /// Delete every image no domain, branding or tenant setting names and that was last saved
    /// before `saved_before`; returns how many rows (one per format) went. Saving an image again
    /// refreshes it, so an image a concurrent save is about to name is never deleted.
    pub async fn sweep_unreferenced_assets(
        &self,
        saved_before: time::OffsetDateTime,
    ) -> Result<u64, StoreError> {
        match &self.backend {
            Backend::Postgres(pool) => {
                postgres::sweep_unreferenced_assets(pool, saved_before).await
            }
            Backend::Sqlite(pool) => sqlite::sweep_unreferenced_assets(pool, saved_before).await,
        }
    }

    /// The deployment's secret called `name`: `fresh` if none was stored yet (the first caller
    /// wins; every instance then reads the same one).
    pub async fn service_secret(
        &self,
        name: &str,
        fresh: &[u8; 32],
    ) -> Result<Vec<u8>, StoreError> {
        match &self.backend {
            Backend::Postgres(pool) => postgres::service_secret(pool, name, fresh).await,
            Backend::Sqlite(pool) => sqlite::service_secret(pool, name, fresh).await,
        }
    }

    /// One stored image in one format (`png` or `webp`).
    pub async fn load_asset(
        &self,
        sha256: &str,
        format: &str,
    ) -> Result<Option<StoredAsset>, StoreError> {
        match &self.backend {
            Backend::Postgres(pool) => postgres::load_asset(pool, sha256, format).await,
            Backend::Sqlite(pool) => sqlite::load_asset(pool, sha256, format).await,
        }
    }

    /// Serialise resolutions of one domain across instances: Postgres holds a transaction-scoped
    /// advisory lock until [`ResolutionLock::release`]; SQLite (one instance) needs none.
    pub async fn lock_resolution(&self, domain: &DomainName) -> Result<ResolutionLock, StoreError> {
        match &self.backend {
            Backend::Postgres(pool) => Ok(ResolutionLock {
                transaction: Some(postgres::lock_resolution(pool, domain.as_str()).await?),
            }),
            Backend::Sqlite(_) => Ok(ResolutionLock { transaction: None }),
        }
    }

    /// Close every pooled connection (used at shutdown so SQLite checkpoints its WAL).
    pub async fn close(&self) {
        match &self.backend {
            Backend::Postgres(pool) => pool.close().await,
            Backend::Sqlite(pool) => pool.close().await,
        }
    }
}

/// A held resolution lock (see [`Store::lock_resolution`]); dropping it also releases it.
#[derive(Debug)]
pub struct ResolutionLock {
    transaction: Option<sqlx::Transaction<'static, sqlx::Postgres>>,
}

impl ResolutionLock {
    /// Release the lock now.
    pub async fn release(self) {
        if let Some(transaction) = self.transaction
            && let Err(error) = transaction.commit().await
        {
            tracing::debug!(%error, "releasing the resolution lock failed; it ends with the session");
        }
    }
}

fn parse_uuid(domain: &DomainName, value: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(value).map_err(|error| StoreError::Corrupt {
        what: domain.to_string(),
        detail: format!("tenant id {value:?}: {error}"),
    })
}

fn profile_from_row(
    domain: &DomainName,
    row: ProfileRow,
    tenant_id: Option<Uuid>,
    brandings: Vec<Branding>,
) -> Result<TenantProfile, StoreError> {
    let corrupt = |detail: String| StoreError::Corrupt {
        what: domain.to_string(),
        detail,
    };
    let status = match row.status.as_str() {
        "entra" => DomainStatus::Entra,
        "not_entra" => DomainStatus::NotEntra,
        other => return Err(corrupt(format!("status {other:?}"))),
    };
    let tenant = match tenant_id {
        Some(tenant_id) => {
            let cloud_name = row.cloud.unwrap_or_default();
            let cloud = Cloud::from_stored(&cloud_name)
                .ok_or_else(|| corrupt(format!("cloud {cloud_name:?}")))?;
            Some(Tenant {
                tenant_id,
                // Stored before brand names lost their invisible characters at parse time.
                display_name: row
                    .display_name
                    .map(|name| crate::invisible::strip(&name).into_owned()),
                cloud,
                region_scope: row.region_scope,
                region_sub_scope: row.region_sub_scope,
            })
        }
        None => None,
    };
    let signals =
        serde_json::from_str(&row.signals).map_err(|error| corrupt(format!("signals: {error}")))?;
    Ok(TenantProfile {
        domain: domain.clone(),
        status,
        tenant,
        namespace_type: NamespaceType::from_stored(&row.namespace_type),
        federation: row.federation_idp_host.map(|idp_host| Federation {
            idp_host,
            protocol: row.federation_protocol,
        }),
        brandings: Some(brandings),
        signals,
        website_logo: row.website_logo_sha256.map(|sha256| WebsiteLogo {
            sha256,
            source_url: row.website_logo_source.unwrap_or_default(),
        }),
        brand_color: row.brand_color,
        resolved_at: row.resolved_at,
    })
}

// --- admin ---

mod admin;

pub use admin::{SETTINGS_CHANNEL, SettingsChange, SettingsChanges};

// --- adoption ---

/// One adoption counter: a tenant's count of one metric and dimension on one UTC day. Nothing else
/// is stored with it (no IP, no User-Agent, no cookie).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdoptionCount {
    /// The tenant.
    pub tenant_id: Uuid,
    /// The UTC day.
    pub day: time::Date,
    /// `view`, `prereq_fail`, `troubleshoot_open` or `done`.
    pub metric: String,
    /// The device class, failure or troubleshooting key (see `admin::adoption::Event`).
    pub dimension: String,
    /// How many.
    pub count: i64,
}

impl Store {
    /// Add each count to its row (created when missing), all in one transaction, and return how
    /// many rows were written. Counts of tenants the store does not know are skipped, so one
    /// stray counter can never make the whole batch fail.
    pub async fn add_adoption_counts(&self, counts: &[AdoptionCount]) -> Result<usize, StoreError> {
        match &self.backend {
            Backend::Postgres(pool) => postgres::add_adoption_counts(pool, counts).await,
            Backend::Sqlite(pool) => sqlite::add_adoption_counts(pool, counts).await,
        }
    }

    /// Every stored count of `tenant_id` from `from` to `to` (both included), ordered by day,
    /// metric and dimension.
    pub async fn adoption_counts(
        &self,
        tenant_id: Uuid,
        from: time::Date,
        to: time::Date,
    ) -> Result<Vec<AdoptionCount>, StoreError> {
        match &self.backend {
            Backend::Postgres(pool) => postgres::adoption_counts(pool, tenant_id, from, to).await,
            Backend::Sqlite(pool) => sqlite::adoption_counts(pool, tenant_id, from, to).await,
        }
    }
}

// --- end adoption ---
