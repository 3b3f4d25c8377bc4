//! Plumbing shared by the benchmark programs, each of which includes it next to `tests/support`:
//!
//! ```ignore
//! #[path = "../tests/support/mod.rs"]
//! mod support;
//! #[path = "common/mod.rs"]
//! mod common;
//! ```
//!
//! The exit code and error type, the real app (`App::build`) on a fresh database wired to the fakes
//! of `tests/support`, plain HTTP clients for it, the keep-alive load driver, the summary table, and
//! the formatting and statistics helpers.
#![allow(
    dead_code,
    reason = "each benchmark program uses a different part of the common code"
)]

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use authwalk::App;
use reqwest::header::{ACCEPT_ENCODING, HeaderMap, HeaderValue, USER_AGENT};
use sqlx::Connection;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use crate::support::{self, Upstreams};

/// Any failure of a benchmark program: it is printed, and the program exits non-zero.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// A benchmark step's result.
pub type Result<T> = std::result::Result<T, Error>;

/// Bytes in a MiB.
pub const MIB: f64 = 1024.0 * 1024.0;
/// iPhone Safari, iOS 17.4: the tenant page shows the iOS walkthrough to it.
pub const IPHONE_SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) \
                                 AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 \
                                 Mobile/15E148 Safari/604.1";
/// What the iOS walkthrough carries on its `<main>`.
pub const IOS_MARKER: &str = "data-shown=\"ios\"";

// ---------------------------------------------------------------------------------------------
// The program
// ---------------------------------------------------------------------------------------------

/// The exit code of a program's `outcome`; a failure is printed as `{program}: FAILED: {error}`.
pub fn exit_code(program: &str, outcome: Result<()>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{program}: FAILED: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A multi-threaded tokio runtime (one worker per core) for the app, the fakes and the driver.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}").into())
}

// ---------------------------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------------------------

/// The database backend an app runs on.
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A server URL; every app gets a fresh database on it.
    Postgres(String),
}

impl Backend {
    /// The backend's name in the printed figures.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

/// A fresh database for one app: a SQLite file in a temporary directory, or a Postgres database
/// created on the server and dropped again (as `tests/support`'s `TestDatabase` does).
struct BenchDatabase {
    url: String,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl BenchDatabase {
    async fn create(backend: &Backend) -> Result<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite://{}", dir.path().join("authwalk.db").display());
                Ok(Self {
                    url,
                    postgres: None,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres(server) => {
                let name = format!("authwalk_bench_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(server)
                    .await
                    .map_err(|e| format!("connect to AUTHWALK_BENCH_POSTGRES: {e}"))?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .execute(&mut admin)
                    .await?;
                let _ = admin.close().await;
                let mut url = url::Url::parse(server)?;
                url.set_path(&name);
                Ok(Self {
                    url: url.to_string(),
                    postgres: Some((server.clone(), name)),
                    _dir: None,
                })
            }
        }
    }

    async fn remove(mut self) {
        if let Some((server, name)) = self.postgres.take() {
            drop_postgres(&server, &name).await;
        }
    }
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        // Only on an error path: `remove` took it otherwise.
        if let Some((server, name)) = self.postgres.take() {
            let cleanup = std::thread::spawn(move || {
                if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    runtime.block_on(drop_postgres(&server, &name));
                }
            });
            let _ = cleanup.join();
        }
    }
}

async fn drop_postgres(server: &str, name: &str) {
    if let Ok(mut admin) = sqlx::PgConnection::connect(server).await {
        let statement = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        let _ = sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut admin)
            .await;
        let _ = admin.close().await;
    }
}

/// The real app on a fresh database of its backend, wired to the fakes, serving on 127.0.0.1:0.
pub struct RunningApp {
    addr: std::net::SocketAddr,
    /// The state the server runs with, for driving its router without sockets.
    state: authwalk::web::AppState,
    shutdown: oneshot::Sender<()>,
    server: JoinHandle<std::result::Result<(), authwalk::StartError>>,
    database: BenchDatabase,
}

impl RunningApp {
    /// Builds and starts the app; `AUTHWALK_BENCH_LOG` replaces its log filter (`warn`), for
    /// looking into a surprising figure.
    pub async fn start(upstreams: &Upstreams, backend: &Backend) -> Result<Self> {
        let database = BenchDatabase::create(backend).await?;
        let mut raw = support::test_config(&database.url);
        upstreams.wire(&mut raw);
        // Every load generator here is one address holding a pool per target: allowed as many
        // connections as the whole server, as an operator would allow a known load balancer.
        raw.max_connections_per_client
            .clone_from(&raw.max_connections);
        if let Ok(filter) = std::env::var("AUTHWALK_BENCH_LOG") {
            raw.rust_log = filter;
        }
        let config = raw.validate()?;
        authwalk::telemetry::init(&config.rust_log, config.log_format);
        let app = App::build(config).await?;
        let addr = app.local_addr();
        let state = app.state().clone();
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run(async move {
            let _ = stop.await;
        }));
        Ok(Self {
            addr,
            state,
            shutdown,
            server,
            database,
        })
    }

    /// The app's router over the running app's state (caches, store): requests sent to it
    /// skip the sockets, hyper and the connection loop.
    pub fn router(&self) -> axum::Router {
        authwalk::app(self.state.clone())
    }

    /// The absolute URL of `path` on this app.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops serving (waiting up to 10 s) and drops the database.
    pub async fn stop(self) -> Result<()> {
        let _ = self.shutdown.send(());
        match tokio::time::timeout(Duration::from_secs(10), self.server).await {
            Ok(joined) => joined??,
            Err(_) => eprintln!("bench: the app did not stop within 10 s; carrying on"),
        }
        self.database.remove().await;
        Ok(())
    }
}

/// A plain HTTP/1.1 client for our own server, keeping up to `pool` idle connections, sending
/// `headers` on every request.
pub fn app_client(pool: usize, headers: HeaderMap) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .http1_only()
        .default_headers(headers)
        .pool_max_idle_per_host(pool)
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// The request headers of a page view: iPhone Safari, no compression (so body sizes compare).
pub fn iphone_identity() -> HeaderMap {
    iphone_accepting("identity")
}

/// What iPhone Safari sends as `Accept-Encoding`.
pub const SAFARI_ACCEPT_ENCODING: &str = "gzip, deflate, br";
/// What Chrome sends as `Accept-Encoding`.
pub const CHROME_ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// The request headers of a page view from iPhone Safari, as the browser sends them.
pub fn iphone_safari() -> HeaderMap {
    iphone_accepting(SAFARI_ACCEPT_ENCODING)
}

/// iPhone Safari's User-Agent with this `Accept-Encoding`.
pub fn iphone_accepting(accept_encoding: &'static str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(USER_AGENT, HeaderValue::from_static(IPHONE_SAFARI));
    headers.insert(ACCEPT_ENCODING, HeaderValue::from_static(accept_encoding));
    headers
}

/// The `/assets/{file}` URLs (embedded, content-hashed) linked from `html`, in order, no repeats;
/// files under a subfolder (tenant images `/assets/t/…`, brand stylesheets) are left out.
pub fn asset_urls(html: &str) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for (at, _) in html.match_indices("\"/assets/") {
        let rest = &html[at + 1..];
        let Some(end) = rest.find('"') else { continue };
        let url = &rest[..end];
        let file = &url["/assets/".len()..];
        if file.is_empty() || file.contains('/') || urls.iter().any(|u| u == url) {
            continue;
        }
        urls.push(url.to_owned());
    }
    urls
}

// ---------------------------------------------------------------------------------------------
// The load driver
// ---------------------------------------------------------------------------------------------

/// Requests answered, and their body bytes, in some time.
#[derive(Default, Clone, Copy)]
pub struct Rate {
    /// Requests answered.
    pub requests: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// Wall time.
    pub elapsed: Duration,
}

impl Rate {
    /// Requests per second.
    pub fn per_second(self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// Body MiB per second.
    pub fn mib_per_second(self) -> f64 {
        self.bytes as f64 / MIB / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// The slices' requests, bytes and times summed.
    pub fn total(slices: &[Slice]) -> Rate {
        let mut total = Rate::default();
        for slice in slices {
            total.requests += slice.rate.requests;
            total.bytes += slice.rate.bytes;
            total.elapsed += slice.rate.elapsed;
        }
        total
    }
}

/// One run of [`drive`]: its rate and latency percentiles.
pub struct Slice {
    /// Requests, bytes and wall time.
    pub rate: Rate,
    /// Median latency of one request (send to last body byte).
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
}

/// `connections` workers on `client`, each sending `GET url` back to back until `duration` is over;
/// every answer must be 200, and have a body of `length` bytes when that is given.
pub async fn drive(
    client: &reqwest::Client,
    url: &str,
    connections: usize,
    length: Option<usize>,
    duration: Duration,
) -> Result<Slice> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = JoinSet::new();
    for _ in 0..connections {
        let (client, url) = (client.clone(), url.to_owned());
        workers.spawn(async move {
            let mut latencies = Vec::with_capacity(4096);
            let mut bytes = 0u64;
            loop {
                let sent = Instant::now();
                if sent >= deadline {
                    break;
                }
                let response = client.get(&url).send().await?;
                let status = response.status();
                let body = response.bytes().await?;
                latencies.push(sent.elapsed());
                bytes += body.len() as u64;
                match length {
                    Some(length) if status != reqwest::StatusCode::OK || body.len() != length => {
                        return Err(Error::from(format!(
                            "GET {url}: HTTP {status}, {} bytes (expected 200, {length})",
                            body.len()
                        )));
                    }
                    None if status != reqwest::StatusCode::OK => {
                        return Err(Error::from(format!("GET {url}: HTTP {status}")));
                    }
                    _ => {}
                }
            }
            Ok::<_, Error>((latencies, bytes))
        });
    }
    let mut latencies = Vec::new();
    let mut bytes = 0;
    while let Some(joined) = workers.join_next().await {
        let (worker_latencies, worker_bytes) = joined??;
        latencies.extend(worker_latencies);
        bytes += worker_bytes;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    Ok(Slice {
        rate: Rate {
            requests: latencies.len() as u64,
            bytes,
            elapsed,
        },
        p50: at(0.50),
        p99: at(0.99),
    })
}

/// How a throughput test drives its targets: each with its own client of `connections` keep-alive
/// connections, first for `warm_up` untimed, then for `rounds` slices of `slice`, interleaved across
/// the targets (a, b, c, a, b, c, …) so a drift of the machine touches them all alike.
pub struct Schedule {
    /// Keep-alive connections (and concurrent workers) per target.
    pub connections: usize,
    /// Untimed warm-up of each target.
    pub warm_up: Duration,
    /// One measuring slice.
    pub slice: Duration,
    /// Measuring slices per target.
    pub rounds: usize,
}

impl Schedule {
    /// The slices of each target — its URL, and its body length when every answer must have it —
    /// in round order. Every client is built the same way, with `headers`.
    pub async fn run(
        &self,
        targets: &[(&str, Option<usize>)],
        headers: &HeaderMap,
    ) -> Result<Vec<Vec<Slice>>> {
        let targets: Vec<_> = targets
            .iter()
            .map(|&(url, length)| (url, length, headers))
            .collect();
        self.run_each(&targets).await
    }

    /// As [`Schedule::run`], each target's client sending that target's own headers.
    pub async fn run_each(
        &self,
        targets: &[(&str, Option<usize>, &HeaderMap)],
    ) -> Result<Vec<Vec<Slice>>> {
        let mut clients = Vec::new();
        for (_, _, headers) in targets {
            clients.push(app_client(self.connections, (*headers).clone())?);
        }
        let targets: Vec<_> = targets
            .iter()
            .map(|&(url, length, _)| (url, length))
            .collect();
        for (&(url, length), client) in targets.iter().zip(&clients) {
            drive(client, url, self.connections, length, self.warm_up).await?;
        }
        let mut slices: Vec<Vec<Slice>> = targets.iter().map(|_| Vec::new()).collect();
        for _ in 0..self.rounds {
            for ((&(url, length), client), slices) in targets.iter().zip(&clients).zip(&mut slices)
            {
                slices.push(drive(client, url, self.connections, length, self.slice).await?);
            }
        }
        Ok(slices)
    }
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

/// One line of the summary table; `latency` and `target` are columns only when some row has them.
#[derive(Default)]
pub struct Row {
    /// What was measured.
    pub label: String,
    /// The figure.
    pub figure: String,
    /// Its latency percentiles, for a throughput figure.
    pub latency: Option<String>,
    /// The reference measured in the same run.
    pub reference: String,
    /// Figure / reference.
    pub ratio: String,
    /// What the ratio should be.
    pub target: Option<String>,
}

/// The summary: the run's wall time, then [`table`] of `rows`.
pub fn print_summary(started: Instant, rows: &[Row]) {
    println!("\n== summary ({:.0} s)\n", started.elapsed().as_secs_f64());
    print!("{}", table(rows));
}

/// A Markdown table, columns padded so it also reads well in a terminal.
pub fn table(rows: &[Row]) -> String {
    let latency = rows.iter().any(|row| row.latency.is_some());
    let target = rows.iter().any(|row| row.target.is_some());
    // A cell of an optional column: left out when the column is not shown, blank when missing.
    fn optional(shown: bool, cell: Option<&str>) -> Option<&str> {
        shown.then(|| cell.unwrap_or_default())
    }
    let header: Vec<&str> = [
        Some("benchmark"),
        Some("figure"),
        optional(latency, Some("latency")),
        Some("reference"),
        Some("ratio"),
        optional(target, Some("target")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let cells: Vec<Vec<&str>> = rows
        .iter()
        .map(|row| {
            [
                Some(row.label.as_str()),
                Some(row.figure.as_str()),
                optional(latency, row.latency.as_deref()),
                Some(row.reference.as_str()),
                Some(row.ratio.as_str()),
                optional(target, row.target.as_deref()),
            ]
            .into_iter()
            .flatten()
            .collect()
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|cell| cell.chars().count()).collect();
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, row: &[&str]| {
        out.push('|');
        for (cell, width) in row.iter().zip(widths.iter().copied()) {
            let _ = write!(out, " {cell:<width$} |");
        }
        out.push('\n');
    };
    line(&mut out, &header);
    out.push('|');
    for width in &widths {
        let _ = write!(out, "{}|", "-".repeat(width + 2));
    }
    out.push('\n');
    for row in &cells {
        line(&mut out, row);
    }
    out
}

/// A duration in milliseconds, one decimal.
pub fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// Bytes in MiB, one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB)
}

/// A body size: bytes under 10 KiB, else KiB with `decimals` decimals.
pub fn size(bytes: usize, decimals: usize) -> String {
    if bytes < 10 * 1024 {
        format!("{bytes} B")
    } else {
        format!("{:.decimals$} KiB", bytes as f64 / 1024.0)
    }
}

/// `figure / reference` (a zero reference does not divide by zero).
pub fn ratio(figure: Duration, reference: Duration) -> f64 {
    figure.as_secs_f64() / reference.as_secs_f64().max(f64::EPSILON)
}

/// A measured quantity of which a median can be taken; its default is the median of no samples.
pub trait Sample: Copy + Default {
    /// The sort order.
    fn order(&self, other: &Self) -> Ordering;
    /// The mean of two samples (the median of an even count).
    fn mean_with(self, other: Self) -> Self;
}

impl Sample for Duration {
    fn order(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }

    fn mean_with(self, other: Self) -> Self {
        (self + other) / 2
    }
}

impl Sample for u64 {
    fn order(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }

    fn mean_with(self, other: Self) -> Self {
        (self + other) / 2
    }
}

impl Sample for f64 {
    fn order(&self, other: &Self) -> Ordering {
        self.total_cmp(other)
    }

    fn mean_with(self, other: Self) -> Self {
        (self + other) / 2.0
    }
}

/// The median of `samples` (the mean of the middle two for an even count).
pub fn median<T: Sample>(samples: &[T]) -> T {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable_by(T::order);
    match sorted.len() {
        0 => T::default(),
        n if n % 2 == 1 => sorted[n / 2],
        n => sorted[n / 2 - 1].mean_with(sorted[n / 2]),
    }
}

/// The shortest of `samples` (zero for none).
pub fn min(samples: &[Duration]) -> Duration {
    samples.iter().copied().min().unwrap_or_default()
}

/// The longest of `samples` (zero for none).
pub fn max(samples: &[Duration]) -> Duration {
    samples.iter().copied().max().unwrap_or_default()
}

/// The peak resident set size of a process so far, in KiB: `VmHWM` of `/proc/{process}/status`,
/// `process` being `self` or a process id.
pub fn vm_hwm_kib(process: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{process}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no VmHWM in /proc/{process}/status (Linux only)").into())
}
