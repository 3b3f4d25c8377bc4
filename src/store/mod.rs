//! The store: every SQL statement lives here, one file per backend behind one API.
//!
//! Postgres is the production store (several instances share it); SQLite is the zero-setup default.
//! Both use runtime queries, so every statement is exercised by the integration tests on both backends.

mod postgres;
mod sqlite;

use std::time::Duration;

use crate::config::DatabaseUrl;

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

    /// Close every pooled connection (used at shutdown so SQLite checkpoints its WAL).
    pub async fn close(&self) {
        match &self.backend {
            Backend::Postgres(pool) => pool.close().await,
            Backend::Sqlite(pool) => pool.close().await,
        }
    }
}
