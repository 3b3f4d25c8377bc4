//! Walkthrough page benchmark: the warm tenant page `GET /t/contoso.com` (iPhone Safari) against a
//! static page of about the same size served by the same binary, and against the landing page `/`
//! (a template rendered per request). Nothing is asserted on time; the program exits non-zero only
//! when something is broken (a failed request, a non-200 answer, a body of the wrong size).
//!
//! The real app (`App::build`, SQLite) runs against the fakes of `tests/support`, like
//! `bench/branding.rs`. Every body is fetched uncompressed (`Accept-Encoding: identity`) so sizes
//! are comparable. Each target is driven by [`CONNECTIONS`] keep-alive HTTP/1.1 connections for
//! [`SLICE`], interleaved page, static, landing, page, … for [`ROUNDS`] rounds; the printed
//! figures are the median over the slices.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark program: it prints its results, builds plain HTTP clients for our \
              server, and shares the tests' support code"
)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use authwalk::App;
use reqwest::header::{ACCEPT_ENCODING, HeaderMap, HeaderValue, USER_AGENT};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use support::Upstreams;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T> = std::result::Result<T, Error>;

/// Keep-alive connections driving each target.
const CONNECTIONS: usize = 32;
/// One measuring slice; each target gets [`ROUNDS`], interleaved.
const SLICE: Duration = Duration::from_secs(3);
/// Measuring slices per target (the median is reported).
const ROUNDS: usize = 3;
/// Untimed warm-up of each target before measuring.
const WARM_UP: Duration = Duration::from_millis(500);
/// The tenant whose walkthrough is served.
const DOMAIN: &str = "contoso.com";
/// iPhone Safari, iOS 17.4: the page must show the iOS walkthrough.
const IPHONE_SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) \
                             AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 \
                             Mobile/15E148 Safari/604.1";
/// What the iOS walkthrough carries on its `<main>`.
const IOS_MARKER: &str = "data-shown=\"ios\"";
const MIB: f64 = 1024.0 * 1024.0;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: FAILED: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    println!(
        "\n== warm tenant page vs a static asset of about its size, {CONNECTIONS} keep-alive \
         connections, {ROUNDS} × {:.0} s each, interleaved (sqlite, identity encoding)",
        SLICE.as_secs_f64()
    );
    let results = runtime.block_on(walkthrough())?;
    results.print();
    println!("\n== summary ({:.0} s)\n", started.elapsed().as_secs_f64());
    print!("{}", table(&results.rows()));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------------------------

/// The real app on a fresh SQLite file, wired to the fakes, serving on 127.0.0.1:0.
struct RunningApp {
    addr: std::net::SocketAddr,
    shutdown: oneshot::Sender<()>,
    server: JoinHandle<std::result::Result<(), authwalk::StartError>>,
    _dir: tempfile::TempDir,
}

impl RunningApp {
    async fn start(upstreams: &Upstreams) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("authwalk.db").display());
        let mut raw = support::test_config(&url);
        upstreams.wire(&mut raw);
        let config = raw.validate()?;
        authwalk::telemetry::init(&config.rust_log, config.log_format);
        let app = App::build(config).await?;
        let addr = app.local_addr();
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run(async move {
            let _ = stop.await;
        }));
        Ok(Self {
            addr,
            shutdown,
            server,
            _dir: dir,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn stop(self) -> Result<()> {
        let _ = self.shutdown.send(());
        match tokio::time::timeout(Duration::from_secs(10), self.server).await {
            Ok(joined) => joined??,
            Err(_) => eprintln!("bench: the app did not stop within 10 s; carrying on"),
        }
        Ok(())
    }
}

/// A plain HTTP/1.1 client for our own server: iPhone Safari, no compression. Every target gets
/// one built the same way, so the request headers are identical.
fn app_client(pool: usize) -> Result<reqwest::Client> {
    let mut headers = HeaderMap::new();
    headers.insert(USER_AGENT, HeaderValue::from_static(IPHONE_SAFARI));
    headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
    Ok(reqwest::Client::builder()
        .no_proxy()
        .http1_only()
        .default_headers(headers)
        .pool_max_idle_per_host(pool)
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// One GET; the status, the `Content-Encoding` (if any) and the body.
async fn fetch(client: &reqwest::Client, url: &str) -> Result<(u16, Option<String>, String)> {
    let response = client.get(url).send().await?;
    let status = response.status().as_u16();
    let encoding = response
        .headers()
        .get(reqwest::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await?;
    Ok((status, encoding, body))
}

/// A 200, uncompressed body, or an error naming `what`.
async fn fetch_ok(client: &reqwest::Client, url: &str, what: &str) -> Result<String> {
    let (status, encoding, body) = fetch(client, url).await?;
    if status != 200 {
        return Err(format!("{what} GET {url}: HTTP {status} (expected 200)").into());
    }
    if let Some(encoding) = encoding.filter(|e| e != "identity") {
        return Err(
            format!("{what} GET {url}: Content-Encoding {encoding} despite identity").into(),
        );
    }
    Ok(body)
}

/// The `/assets/{file}` URLs (embedded, content-hashed) linked from `html`, in order, no repeats.
fn asset_urls(html: &str) -> Vec<String> {
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
// The measurement
// ---------------------------------------------------------------------------------------------

/// One target: what it is, its URL and body size, its slices.
struct Target {
    label: String,
    url: String,
    bytes: usize,
    slices: Vec<Slice>,
}

impl Target {
    fn new(label: impl Into<String>, url: String, bytes: usize) -> Self {
        Self {
            label: label.into(),
            url,
            bytes,
            slices: Vec::new(),
        }
    }

    fn rate(&self) -> f64 {
        median_f64(self.slices.iter().map(Slice::per_second).collect())
    }

    fn p50(&self) -> Duration {
        median_duration(self.slices.iter().map(|s| s.p50).collect())
    }

    fn p99(&self) -> Duration {
        median_duration(self.slices.iter().map(|s| s.p99).collect())
    }

    fn print(&self) {
        let each: Vec<String> = self
            .slices
            .iter()
            .map(|s| format!("{:.0}", s.per_second()))
            .collect();
        println!(
            "  {:<26} {:>9}  {:>8.0} req/s ({})  {:>6.1} MiB/s  p50 {}  p99 {}",
            self.label,
            size(self.bytes),
            self.rate(),
            each.join(", "),
            self.rate() * self.bytes as f64 / MIB,
            ms(self.p50()),
            ms(self.p99())
        );
    }
}

struct Results {
    page: Target,
    statik: Target,
    landing: Target,
    /// Every asset linked from the landing page, with its body size.
    candidates: Vec<(String, usize)>,
}

impl Results {
    fn print(&self) {
        println!(
            "  assets linked from /: {}",
            self.candidates
                .iter()
                .map(|(url, bytes)| format!("{url} ({})", size(*bytes)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!(
            "  static reference: {} ({}) for a tenant page of {} (size ratio {:.2})",
            self.statik.url,
            size(self.statik.bytes),
            size(self.page.bytes),
            self.statik.bytes as f64 / self.page.bytes as f64
        );
        println!("  median of {ROUNDS} slices (each slice's rate in brackets):");
        self.page.print();
        self.statik.print();
        self.landing.print();
        println!(
            "  ratio page / static: {:.2} (target ≥ 0.8)   page / landing: {:.2}",
            self.page.rate() / self.statik.rate(),
            self.page.rate() / self.landing.rate()
        );
    }

    fn rows(&self) -> Vec<Row> {
        let latency = |t: &Target| format!("p50 {} / p99 {}", ms(t.p50()), ms(t.p99()));
        vec![
            Row {
                label: format!(
                    "warm `/t/{DOMAIN}` (iOS, {}), {CONNECTIONS} conns",
                    size(self.page.bytes)
                ),
                figure: format!("{:.0} req/s", self.page.rate()),
                latency: latency(&self.page),
                reference: "—".into(),
                ratio: "—".into(),
            },
            Row {
                label: format!(
                    "static `{}` ({})",
                    self.statik.label,
                    size(self.statik.bytes)
                ),
                figure: format!("{:.0} req/s", self.statik.rate()),
                latency: latency(&self.statik),
                reference: "page / static (target ≥ 0.8)".into(),
                ratio: format!("{:.2}", self.page.rate() / self.statik.rate()),
            },
            Row {
                label: format!("landing `/` ({})", size(self.landing.bytes)),
                figure: format!("{:.0} req/s", self.landing.rate()),
                latency: latency(&self.landing),
                reference: "page / landing".into(),
                ratio: format!("{:.2}", self.page.rate() / self.landing.rate()),
            },
        ]
    }
}

async fn walkthrough() -> Result<Results> {
    let upstreams = Upstreams::start().await;
    upstreams.dns.add_microsoft365(DOMAIN);
    let app = RunningApp::start(&upstreams).await?;
    let client = app_client(1)?;

    // Warm the tenant as branding.rs does, then the page itself (`?wait=1` skips the progress
    // page of a first visit), then check the plain URL now answers with the iOS walkthrough.
    let api_url = app.url(&format!("/api/v1/tenants/{DOMAIN}"));
    fetch_ok(&client, &api_url, "warming").await?;
    let page_url = app.url(&format!("/t/{DOMAIN}"));
    let first = fetch_ok(&client, &format!("{page_url}?wait=1"), "first visit").await?;
    if !first.contains(IOS_MARKER) {
        return Err(format!("GET /t/{DOMAIN}?wait=1: no {IOS_MARKER} in the page").into());
    }
    let page = fetch_ok(&client, &page_url, "tenant page").await?;
    if !page.contains(IOS_MARKER) {
        return Err(format!("GET /t/{DOMAIN}: no {IOS_MARKER} in the warm page").into());
    }
    let again = fetch_ok(&client, &page_url, "tenant page").await?;
    if again.len() != page.len() {
        return Err(format!(
            "GET /t/{DOMAIN}: body size varies ({} then {} bytes)",
            page.len(),
            again.len()
        )
        .into());
    }

    // The references: the landing page, and the embedded asset it links closest in size.
    let landing_url = app.url("/");
    let landing = fetch_ok(&client, &landing_url, "landing").await?;
    let mut candidates = Vec::new();
    for url in asset_urls(&landing) {
        let body = fetch_ok(&client, &app.url(&url), "asset").await?;
        candidates.push((url, body.len()));
    }
    let (static_path, static_bytes) = candidates
        .iter()
        .min_by_key(|(_, bytes)| bytes.abs_diff(page.len()))
        .cloned()
        .ok_or("the landing page links no /assets/… file")?;
    drop(client);

    let file = static_path.rsplit('/').next().unwrap_or(&static_path);
    let mut targets = [
        Target::new(format!("GET /t/{DOMAIN}"), page_url, page.len()),
        Target::new(file, app.url(&static_path), static_bytes),
        Target::new("GET /", landing_url, landing.len()),
    ];
    let clients = [
        app_client(CONNECTIONS)?,
        app_client(CONNECTIONS)?,
        app_client(CONNECTIONS)?,
    ];
    for (target, client) in targets.iter().zip(&clients) {
        drive(client, &target.url, target.bytes, WARM_UP).await?;
    }
    for _ in 0..ROUNDS {
        for (target, client) in targets.iter_mut().zip(&clients) {
            let slice = drive(client, &target.url, target.bytes, SLICE).await?;
            target.slices.push(slice);
        }
    }
    drop(clients);
    app.stop().await?;
    let [page, statik, landing] = targets;
    Ok(Results {
        page,
        statik,
        landing,
        candidates,
    })
}

/// One measuring slice: requests done, wall time, latency percentiles.
struct Slice {
    requests: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
}

impl Slice {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// [`CONNECTIONS`] workers, each sending `GET url` back to back until `duration` is over; every
/// answer must be 200 with a body of `length` bytes.
async fn drive(
    client: &reqwest::Client,
    url: &str,
    length: usize,
    duration: Duration,
) -> Result<Slice> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = JoinSet::new();
    for _ in 0..CONNECTIONS {
        let (client, url) = (client.clone(), url.to_owned());
        workers.spawn(async move {
            let mut latencies = Vec::with_capacity(4096);
            loop {
                let sent = Instant::now();
                if sent >= deadline {
                    break;
                }
                let response = client.get(&url).send().await?;
                let status = response.status();
                let body = response.bytes().await?;
                latencies.push(sent.elapsed());
                if status != reqwest::StatusCode::OK || body.len() != length {
                    return Err::<Vec<Duration>, Error>(
                        format!(
                            "GET {url}: HTTP {status}, {} bytes (expected 200, {length})",
                            body.len()
                        )
                        .into(),
                    );
                }
            }
            Ok(latencies)
        });
    }
    let mut latencies = Vec::new();
    while let Some(joined) = workers.join_next().await {
        latencies.extend(joined??);
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
        requests: latencies.len(),
        elapsed,
        p50: at(0.50),
        p99: at(0.99),
    })
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

struct Row {
    label: String,
    figure: String,
    latency: String,
    reference: String,
    ratio: String,
}

/// A Markdown table, columns padded so it also reads well in a terminal.
fn table(rows: &[Row]) -> String {
    let header = ["benchmark", "figure", "latency", "reference", "ratio"];
    let cells: Vec<[&str; 5]> = rows
        .iter()
        .map(|row| {
            [
                row.label.as_str(),
                row.figure.as_str(),
                row.latency.as_str(),
                row.reference.as_str(),
                row.ratio.as_str(),
            ]
        })
        .collect();
    let mut widths = header.map(|cell| cell.chars().count());
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, row: &[&str; 5]| {
        out.push('|');
        for (cell, width) in row.iter().zip(widths) {
            let _ = write!(out, " {cell:<width$} |");
        }
        out.push('\n');
    };
    line(&mut out, &header);
    out.push('|');
    for width in widths {
        let _ = write!(out, "{}|", "-".repeat(width + 2));
    }
    out.push('\n');
    for row in &cells {
        line(&mut out, row);
    }
    out
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn size(bytes: usize) -> String {
    if bytes < 10 * 1024 {
        format!("{bytes} B")
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

fn median_f64(mut samples: Vec<f64>) -> f64 {
    samples.sort_unstable_by(f64::total_cmp);
    match samples.len() {
        0 => 0.0,
        n if n % 2 == 1 => samples[n / 2],
        n => (samples[n / 2 - 1] + samples[n / 2]) / 2.0,
    }
}

fn median_duration(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    match samples.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => samples[n / 2],
        n => (samples[n / 2 - 1] + samples[n / 2]) / 2,
    }
}
