//! Test support: start the real app on 127.0.0.1:0 against a fresh database of either backend.
//!
//! SQLite always runs (a file in a temporary directory). Postgres runs when `AUTHWALK_TEST_POSTGRES`
//! holds a server URL: each app gets its own database, created here and dropped afterwards. Without
//! the variable the Postgres variant prints one line and passes — except under CI (`CI` set), where a
//! missing server is a failure, so CI can never skip them silently.
#![allow(
    dead_code,
    reason = "each test crate uses a different part of the support code"
)]
#![allow(
    clippy::disallowed_methods,
    clippy::print_stdout,
    reason = "tests read their own environment, build plain HTTP clients for our server and say \
              when a backend was not run"
)]

pub mod admin_client;
pub mod browser;
pub mod fake_dns;
pub mod fake_microsoft;
pub mod fake_web;
pub mod tcp_proxy;
pub mod test_ca;
pub mod upstream_fault;

use std::net::SocketAddr;
use std::time::Duration;

use authwalk::App;
use authwalk::config::RawConfig;
use sqlx::Connection;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// A fresh database on the server named by `AUTHWALK_TEST_POSTGRES`.
    Postgres,
}

/// The Postgres server tests may use, or `None` (with one printed line) when there is none.
pub fn postgres_server() -> Option<String> {
    match std::env::var("AUTHWALK_TEST_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_owned()),
        _ if std::env::var_os("CI").is_some() => {
            panic!("AUTHWALK_TEST_POSTGRES is not set under CI: the Postgres tests must run")
        }
        _ => {
            // Once per test binary, and past libtest's capture (which only sees print macros).
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "postgres: not run (set AUTHWALK_TEST_POSTGRES=postgres://… to run these tests)"
                );
            });
            None
        }
    }
}

/// A database made for one test; a Postgres one is dropped when this is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    /// The `DATABASE_URL` the app should use.
    pub url: String,
    /// The backend.
    pub backend: Backend,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// A fresh, empty database, or `None` when the Postgres server is not configured.
    pub async fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let path = dir.path().join("authwalk.db");
                Some(Self {
                    url: format!("sqlite://{}", path.display()),
                    backend,
                    postgres: None,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let server = postgres_server()?;
                let name = format!("authwalk_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(&server)
                    .await
                    .expect("connect to AUTHWALK_TEST_POSTGRES");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .execute(&mut admin)
                    .await
                    .expect("create test database");
                let mut url = url::Url::parse(&server).expect("AUTHWALK_TEST_POSTGRES is a URL");
                url.set_path(&name);
                Some(Self {
                    url: url.to_string(),
                    backend,
                    postgres: Some((server, name)),
                    _dir: None,
                })
            }
        }
    }

    /// Another handle on an existing database that is NOT dropped with this handle (a second app
    /// instance on the same database).
    pub fn borrowed(url: &str, backend: Backend) -> Self {
        Self {
            url: url.to_owned(),
            backend,
            postgres: None,
            _dir: None,
        }
    }

    /// A fresh Postgres database reached through a [`tcp_proxy::TcpProxy`] the test can cut, and
    /// the `DATABASE_URL` that goes through it; `None` when Postgres is not configured.
    pub async fn postgres_behind_proxy() -> Option<(Self, tcp_proxy::TcpProxy, String)> {
        let database = Self::create(Backend::Postgres).await?;
        let mut url = url::Url::parse(&database.url).expect("database URL");
        let host = url.host_str().expect("database host").to_owned();
        let target = tokio::net::lookup_host((host.as_str(), url.port().unwrap_or(5432)))
            .await
            .expect("resolve the database host")
            .next()
            .expect("an address for the database host");
        let proxy = tcp_proxy::TcpProxy::start(target).await;
        url.set_host(Some("127.0.0.1")).expect("set host");
        url.set_port(Some(proxy.addr.port())).expect("set port");
        Some((database, proxy, url.to_string()))
    }

    /// The SQLite file path, for SQLite databases.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        self.url.strip_prefix("sqlite://").map(Into::into)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime for cleanup");
            runtime.block_on(async move {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&server).await {
                    let statement = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(statement))
                        .execute(&mut admin)
                        .await;
                }
            });
        });
        let _ = cleanup.join();
    }
}

/// A rate no test reaches by accident.
pub const GENEROUS_RATE: &str = "100000/s burst 100000";

/// The default configuration of a test app: port 0, quiet logs, the given database.
pub fn test_config(database_url: &str) -> RawConfig {
    RawConfig {
        listen: "127.0.0.1:0".into(),
        database_url: database_url.into(),
        // sqlx warns about slow statements; the per-test DROP DATABASE is slow by design.
        rust_log: "warn,sqlx=error".into(),
        // Generous limits: only tests about limits set tight ones.
        new_domain_rate: GENEROUS_RATE.into(),
        verify_rate: GENEROUS_RATE.into(),
        verify_domain_rate: GENEROUS_RATE.into(),
        challenge_rate: GENEROUS_RATE.into(),
        challenge_domain_rate: GENEROUS_RATE.into(),
        logo_upload_rate: GENEROUS_RATE.into(),
        admin_save_rate: GENEROUS_RATE.into(),
        ..RawConfig::default()
    }
}

/// A running app and a client for it.
pub struct TestApp {
    /// Where it listens.
    pub addr: SocketAddr,
    /// A client that does not follow redirects (tests assert them).
    pub client: reqwest::Client,
    /// The app's store, for asserting what was written.
    pub store: authwalk::store::Store,
    /// The app's shared state (its discovery, counters, decode slots…), for tests that must
    /// reach past HTTP.
    pub state: authwalk::web::AppState,
    /// The database (kept alive as long as the app).
    pub database: TestDatabase,
    /// The configuration it was started with.
    pub raw_config: RawConfig,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl TestApp {
    /// Start the app on a fresh database of `backend`; `None` when that backend is not available.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like [`TestApp::spawn`], with configuration changes applied before start.
    pub async fn spawn_with(
        backend: Backend,
        customize: impl FnOnce(&mut RawConfig),
    ) -> Option<Self> {
        let database = TestDatabase::create(backend).await?;
        let mut raw = test_config(&database.url);
        customize(&mut raw);
        Some(Self::start(raw, database).await)
    }

    /// Start the app with exactly this configuration on `database`.
    pub async fn start(raw: RawConfig, database: TestDatabase) -> Self {
        let raw_config = raw.clone();
        let config = raw.validate().expect("valid test configuration");
        authwalk::telemetry::init(&config.rust_log, config.log_format);
        let app = App::build(config).await.expect("app starts");
        let addr = app.local_addr();
        let store = app.state().store.clone();
        let state = app.state().clone();
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            app.run(async {
                let _ = stop.await;
            })
            .await
            .expect("server runs");
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Self {
            addr,
            client,
            store,
            state,
            database,
            raw_config,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    /// An absolute URL on this app.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// Stop serving but keep the database, to start another app on it (a "restart").
    pub async fn stop_keeping_database(mut self) -> (TestDatabase, RawConfig) {
        self.halt().await;
        (self.database, self.raw_config)
    }

    /// Stop serving and wait for the server task to end.
    pub async fn stop(mut self) {
        self.halt().await;
    }

    async fn halt(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

/// Run an async test body once per backend: `both_backends!(name, body_fn);` defines
/// `mod name { fn sqlite(); fn postgres(); }` where `body_fn(Backend)` is an async fn.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body($crate::support::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$body($crate::support::Backend::Postgres).await;
            }
        }
    };
}

/// The fake network edge: Microsoft's endpoints and CDN, company websites (both HTTPS, signed by
/// one test CA) and a DNS server.
pub struct Upstreams {
    /// The one test CA both HTTPS fakes use; its PEM file is `AUTHWALK_EXTRA_CA`.
    pub ca: test_ca::TestCa,
    /// Fake login hosts and branding CDN hosts.
    pub microsoft: fake_microsoft::FakeMicrosoft,
    /// Fake company websites (the website logo fallback).
    pub web: fake_web::FakeWeb,
    /// Fake authoritative DNS.
    pub dns: fake_dns::FakeDns,
}

impl Upstreams {
    /// Start every fake.
    pub async fn start() -> Self {
        let ca = test_ca::TestCa::new();
        Self {
            microsoft: fake_microsoft::FakeMicrosoft::start_with_ca(&ca).await,
            web: fake_web::FakeWeb::start_with_ca(&ca).await,
            dns: fake_dns::FakeDns::start().await,
            ca,
        }
    }

    /// `AUTHWALK_CONNECT_TO`: every host of both HTTPS fakes.
    pub fn connect_to(&self) -> String {
        format!("{},{}", self.microsoft.connect_to(), self.web.connect_to())
    }

    /// Wire a configuration to the fakes, exactly as an operator would: pins, extra CA and DNS.
    pub fn wire(&self, config: &mut RawConfig) {
        config.connect_to = Some(self.connect_to());
        config.extra_ca = Some(self.ca.pem_path().to_owned());
        config.dns_servers = Some(self.dns.addr().to_string());
    }
}

impl TestApp {
    /// Start the app on a fresh database of `backend`, wired to `upstreams`, with `customize`
    /// applied last.
    pub async fn spawn_wired(
        backend: Backend,
        upstreams: &Upstreams,
        customize: impl FnOnce(&mut RawConfig),
    ) -> Option<Self> {
        Self::spawn_with(backend, |config| {
            upstreams.wire(config);
            customize(config);
        })
        .await
    }

    /// `GET path` and its JSON body (asserting a JSON content type).
    pub async fn get_json(&self, path: &str) -> (reqwest::StatusCode, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            content_type.starts_with("application/json"),
            "{path}: {content_type}"
        );
        (status, response.json().await.expect("JSON body"))
    }
}

/// Every table of the schema, for [`TestDatabase::row_counts`].
pub const TABLES: [&str; 9] = [
    "domains",
    "tenants",
    "brandings",
    "assets",
    "tenant_settings",
    "verified_domains",
    "admin_challenges",
    "admin_sessions",
    "adoption_daily",
];

/// How many rows each table of [`TABLES`] holds, in that order.
pub type RowCounts = Vec<(&'static str, i64)>;

impl TestDatabase {
    /// The rows of every table of [`TABLES`], counted on a connection of the test's own (read-only
    /// for SQLite), never through the app: what the app wrote, whatever its caches say.
    pub async fn row_counts(&self) -> RowCounts {
        let mut counts = Vec::with_capacity(TABLES.len());
        match self.backend {
            Backend::Sqlite => {
                use std::str::FromStr;
                let options = sqlx::sqlite::SqliteConnectOptions::from_str(&self.url)
                    .expect("SQLite URL")
                    .read_only(true);
                let mut connection = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .expect("open the test SQLite database");
                for table in TABLES {
                    let statement = format!("SELECT COUNT(*) FROM {table}");
                    let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(statement))
                        .fetch_one(&mut connection)
                        .await
                        .expect("count rows");
                    counts.push((table, count));
                }
            }
            Backend::Postgres => {
                let mut connection = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("connect to the test Postgres database");
                for table in TABLES {
                    let statement = format!("SELECT COUNT(*) FROM {table}");
                    let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(statement))
                        .fetch_one(&mut connection)
                        .await
                        .expect("count rows");
                    counts.push((table, count));
                }
            }
        }
        counts
    }
}
