//! Walkthrough page benchmark: the warm tenant page `GET /t/contoso.com` as iPhone Safari asks for
//! it (`Accept-Encoding: gzip, deflate, br`) against a static file of about the same size served by
//! the same binary with the same header, against the landing page `/`, and against the same page
//! and file fetched uncompressed (`identity`). Nothing is asserted on time; the program exits
//! non-zero only when something is broken (a failed request, a non-200 answer, a body of the wrong
//! size or encoding).
//!
//! The real app (`App::build`, SQLite) runs against the fakes of `tests/support`, like
//! `bench/branding.rs`. Each target is driven by [`CONNECTIONS`] keep-alive HTTP/1.1 connections for
//! [`SLICE`], interleaved page, static, landing, page, … for [`ROUNDS`] rounds; the printed
//! figures are the median over the slices. A ratio pairs each round's slices (the page against the
//! reference measured right after it) and reports the median of those per-round ratios, so a
//! stretch when the machine is busy moves both sides of a pair together.
//!
//! A second measurement sends the same requests to the app's router directly, one after another
//! on one task (no sockets, no hyper): what each answer costs the application itself, middleware
//! and handler, so the page's extra work per request shows up in microseconds.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark program: it prints its results, builds plain HTTP clients for our \
              server, and shares the tests' support code"
)]

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use tower::ServiceExt as _;

use authwalk::web::variants::{Effort, Variants};
use common::{
    Backend, IOS_MARKER, MIB, Result, Row, RunningApp, SAFARI_ACCEPT_ENCODING, Schedule, Slice,
    app_client, asset_urls, iphone_identity, iphone_safari, median, ms, size,
};
use reqwest::header::{HeaderMap, HeaderValue};
use support::Upstreams;

/// Keep-alive connections driving each target.
const CONNECTIONS: usize = 32;
/// One measuring slice; each target gets [`ROUNDS`], interleaved.
const SLICE: Duration = Duration::from_secs(1);
/// Measuring slices per target (the median is reported).
const ROUNDS: usize = 15;
/// Untimed warm-up of each target before measuring.
const WARM_UP: Duration = Duration::from_millis(500);
/// Each target by its own client, sending that target's headers (iPhone Safari's, or identity).
const SCHEDULE: Schedule = Schedule {
    connections: CONNECTIONS,
    warm_up: WARM_UP,
    slice: SLICE,
    rounds: ROUNDS,
};
/// Requests per router-only round and target.
const ROUTER_REQUESTS: u32 = 20_000;
/// Router-only rounds, interleaved across the targets (the median is reported).
const ROUTER_ROUNDS: usize = 7;
/// The tenant whose walkthrough is served.
const DOMAIN: &str = "contoso.com";

fn main() -> ExitCode {
    common::exit_code("bench", run())
}

fn run() -> Result<()> {
    let started = Instant::now();
    let runtime = common::runtime()?;
    println!(
        "\n== warm tenant page vs a static asset of about its size, {CONNECTIONS} keep-alive \
         connections, {ROUNDS} × {:.0} s each, interleaved (sqlite, Accept-Encoding \
         `{SAFARI_ACCEPT_ENCODING}` and identity)",
        SLICE.as_secs_f64()
    );
    let results = runtime.block_on(walkthrough())?;
    results.print();
    common::print_summary(started, &results.rows());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Fetching
// ---------------------------------------------------------------------------------------------

/// One GET; the status, the `Content-Encoding` (if any) and the body as sent.
async fn fetch(client: &reqwest::Client, url: &str) -> Result<(u16, Option<String>, bytes::Bytes)> {
    let response = client.get(url).send().await?;
    let status = response.status().as_u16();
    let encoding = response
        .headers()
        .get(reqwest::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.bytes().await?;
    Ok((status, encoding, body))
}

/// A 200 body in `encoding` (`None`: uncompressed), or an error naming `what`.
async fn fetch_ok(
    client: &reqwest::Client,
    url: &str,
    what: &str,
    encoding: Option<&str>,
) -> Result<bytes::Bytes> {
    let (status, sent_encoding, body) = fetch(client, url).await?;
    if status != 200 {
        return Err(format!("{what} GET {url}: HTTP {status} (expected 200)").into());
    }
    if sent_encoding.as_deref() != encoding {
        return Err(format!(
            "{what} GET {url}: Content-Encoding {sent_encoding:?}, expected {encoding:?}"
        )
        .into());
    }
    Ok(body)
}

/// An uncompressed 200 body as text.
async fn fetch_text(client: &reqwest::Client, url: &str, what: &str) -> Result<String> {
    let body = fetch_ok(client, url, what, None).await?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

// ---------------------------------------------------------------------------------------------
// The measurement
// ---------------------------------------------------------------------------------------------

/// One target: what it is, its URL, request headers and body size, its slices.
struct Target {
    label: String,
    url: String,
    headers: HeaderMap,
    bytes: usize,
    slices: Vec<Slice>,
    /// Path and query on the app (for the router-only measurement).
    path: String,
    /// Router-only cost of one request, per round.
    router_costs: Vec<Duration>,
}

impl Target {
    fn new(
        label: impl Into<String>,
        path: String,
        url: String,
        headers: HeaderMap,
        bytes: usize,
    ) -> Self {
        Self {
            label: label.into(),
            url,
            headers,
            bytes,
            slices: Vec::new(),
            path,
            router_costs: Vec::new(),
        }
    }

    fn router_cost(&self) -> Duration {
        median(&self.router_costs)
    }

    fn rate(&self) -> f64 {
        let rates: Vec<f64> = self.slices.iter().map(|s| s.rate.per_second()).collect();
        median(&rates)
    }

    fn p50(&self) -> Duration {
        let p50s: Vec<Duration> = self.slices.iter().map(|s| s.p50).collect();
        median(&p50s)
    }

    fn p99(&self) -> Duration {
        let p99s: Vec<Duration> = self.slices.iter().map(|s| s.p99).collect();
        median(&p99s)
    }

    fn print(&self) {
        let each: Vec<String> = self
            .slices
            .iter()
            .map(|s| format!("{:.0}", s.rate.per_second()))
            .collect();
        println!(
            "  {:<26} {:>9}  {:>8.0} req/s ({})  {:>6.1} MiB/s  p50 {}  p99 {}",
            self.label,
            size(self.bytes, 1),
            self.rate(),
            each.join(", "),
            self.rate() * self.bytes as f64 / MIB,
            ms(self.p50()),
            ms(self.p99())
        );
    }
}

/// The median over rounds of `numerator`'s rate over `denominator`'s in the same round.
fn paired_ratio(numerator: &Target, denominator: &Target) -> f64 {
    let ratios: Vec<f64> = numerator
        .slices
        .iter()
        .zip(&denominator.slices)
        .map(|(n, d)| n.rate.per_second() / d.rate.per_second())
        .collect();
    median(&ratios)
}

/// The mean cost of one `GET path` with `headers` sent straight to the router
/// ([`ROUTER_REQUESTS`] in a row, each answer checked: 200 and `bytes` long).
async fn router_cost(
    router: &axum::Router,
    path: &str,
    headers: &HeaderMap,
    bytes: usize,
) -> Result<Duration> {
    // What our server loop adds to every request (the client-IP extractor needs it).
    let peer = ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000)));
    let started = Instant::now();
    for _ in 0..ROUTER_REQUESTS {
        let mut request = axum::http::Request::get(path).body(Body::empty())?;
        *request.headers_mut() = headers.clone();
        request.extensions_mut().insert(peer);
        let response = router.clone().oneshot(request).await?;
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
        if status != axum::http::StatusCode::OK || body.len() != bytes {
            return Err(format!(
                "router GET {path}: HTTP {status}, {} bytes (expected 200, {bytes})",
                body.len()
            )
            .into());
        }
    }
    Ok(started.elapsed() / ROUTER_REQUESTS)
}

/// A per-request cost in microseconds.
fn micros(cost: Duration) -> String {
    format!("{:.2} µs", cost.as_secs_f64() * 1e6)
}

struct Results {
    /// The page, the static file and the landing page as Safari asks for them.
    page: Target,
    statik: Target,
    landing: Target,
    /// The page and the static file uncompressed.
    page_identity: Target,
    statik_identity: Target,
    /// Every asset linked from the landing page, with its uncompressed body size.
    candidates: Vec<(String, usize)>,
    /// One compression of the identity page into its three variants, at the page levels and at
    /// the best levels (median of [`COMPRESS_ROUNDS`]).
    compress_page: Duration,
    compress_best: Duration,
}

/// Times the page is compressed for the one-off figure.
const COMPRESS_ROUNDS: usize = 9;

/// The median time to compress `page` into its variants at `effort`.
fn compress_cost(page: &[u8], effort: Effort) -> Duration {
    let samples: Vec<Duration> = (0..COMPRESS_ROUNDS)
        .map(|_| {
            let started = Instant::now();
            let variants = Variants::compress(
                bytes::Bytes::copy_from_slice(page),
                HeaderValue::from_static("text/html; charset=utf-8"),
                effort,
            );
            std::hint::black_box(variants);
            started.elapsed()
        })
        .collect();
    median(&samples)
}

impl Results {
    fn print(&self) {
        println!(
            "  assets linked from /: {}",
            self.candidates
                .iter()
                .map(|(url, bytes)| format!("{url} ({})", size(*bytes, 1)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!(
            "  static reference: {} ({} uncompressed, {} as Safari gets it) for a tenant page of \
             {} ({} as Safari gets it)",
            self.statik.url,
            size(self.statik_identity.bytes, 1),
            size(self.statik.bytes, 1),
            size(self.page_identity.bytes, 1),
            size(self.page.bytes, 1),
        );
        println!("  median of {ROUNDS} slices (each slice's rate in brackets):");
        for target in self.targets() {
            target.print();
        }
        println!(
            "  Safari: page / static {:.2} (target ≥ 0.9), page / its identity rate {:.2} \
             (target ≥ 0.8), page / landing {:.2}; identity: page / static {:.2}",
            paired_ratio(&self.page, &self.statik),
            paired_ratio(&self.page, &self.page_identity),
            paired_ratio(&self.page, &self.landing),
            paired_ratio(&self.page_identity, &self.statik_identity),
        );
        println!(
            "  through the router only, one task, median of {ROUTER_ROUNDS} × {ROUTER_REQUESTS} \
             requests: page {}, static {}, landing {}, page identity {}, static identity {} per \
             request; the page's extra work {}",
            micros(self.page.router_cost()),
            micros(self.statik.router_cost()),
            micros(self.landing.router_cost()),
            micros(self.page_identity.router_cost()),
            micros(self.statik_identity.router_cost()),
            micros(
                self.page
                    .router_cost()
                    .saturating_sub(self.statik.router_cost())
            )
        );
    }

    fn targets(&self) -> [&Target; 5] {
        [
            &self.page,
            &self.statik,
            &self.landing,
            &self.page_identity,
            &self.statik_identity,
        ]
    }

    fn rows(&self) -> Vec<Row> {
        let latency = |t: &Target| Some(format!("p50 {} / p99 {}", ms(t.p50()), ms(t.p99())));
        vec![
            Row {
                label: format!(
                    "warm `/t/{DOMAIN}` (iOS Safari, br {}), {CONNECTIONS} conns",
                    size(self.page.bytes, 1)
                ),
                figure: format!("{:.0} req/s", self.page.rate()),
                latency: latency(&self.page),
                reference: "—".into(),
                ratio: "—".into(),
                target: None,
            },
            Row {
                label: format!(
                    "static `{}` (Safari, br {})",
                    self.statik.label,
                    size(self.statik.bytes, 1)
                ),
                figure: format!("{:.0} req/s", self.statik.rate()),
                latency: latency(&self.statik),
                reference: "page / static".into(),
                ratio: format!("{:.2}", paired_ratio(&self.page, &self.statik)),
                target: Some("≥ 0.9".into()),
            },
            Row {
                label: format!(
                    "warm page, identity ({})",
                    size(self.page_identity.bytes, 1)
                ),
                figure: format!("{:.0} req/s", self.page_identity.rate()),
                latency: latency(&self.page_identity),
                reference: "page br / page identity".into(),
                ratio: format!("{:.2}", paired_ratio(&self.page, &self.page_identity)),
                target: Some("≥ 0.8".into()),
            },
            Row {
                label: format!("static, identity ({})", size(self.statik_identity.bytes, 1)),
                figure: format!("{:.0} req/s", self.statik_identity.rate()),
                latency: latency(&self.statik_identity),
                reference: "page / static, identity".into(),
                ratio: format!(
                    "{:.2}",
                    paired_ratio(&self.page_identity, &self.statik_identity)
                ),
                target: None,
            },
            Row {
                label: "warm page (br) through the router only (no sockets)".into(),
                figure: format!("{} / request", micros(self.page.router_cost())),
                latency: None,
                reference: format!("static {} / request", micros(self.statik.router_cost())),
                ratio: format!(
                    "{:.2}",
                    self.statik.router_cost().as_secs_f64() / self.page.router_cost().as_secs_f64()
                ),
                target: None,
            },
            Row {
                label: "a new page entry: compressing the page into br, zstd and gzip once \
                        (page levels)"
                    .into(),
                figure: ms(self.compress_page),
                latency: None,
                reference: format!(
                    "best levels {}; one warm request {}",
                    ms(self.compress_best),
                    micros(self.page.router_cost())
                ),
                ratio: format!(
                    "{:.0} warm requests",
                    self.compress_page.as_secs_f64() / self.page.router_cost().as_secs_f64()
                ),
                target: None,
            },
            Row {
                label: format!("landing `/` (Safari, br {})", size(self.landing.bytes, 1)),
                figure: format!("{:.0} req/s", self.landing.rate()),
                latency: latency(&self.landing),
                reference: "page / landing".into(),
                ratio: format!("{:.2}", paired_ratio(&self.page, &self.landing)),
                target: None,
            },
        ]
    }
}

async fn walkthrough() -> Result<Results> {
    let upstreams = Upstreams::start().await;
    upstreams.dns.add_microsoft365(DOMAIN);
    let app = RunningApp::start(&upstreams, &Backend::Sqlite).await?;
    let client = app_client(1, iphone_identity())?;
    let safari = app_client(1, iphone_safari())?;

    // Warm the tenant as branding.rs does, then the page itself (`?wait=1` skips the progress
    // page of a first visit), then check the plain URL now answers with the iOS walkthrough.
    let api_url = app.url(&format!("/api/v1/tenants/{DOMAIN}"));
    fetch_ok(&client, &api_url, "warming", None).await?;
    let page_url = app.url(&format!("/t/{DOMAIN}"));
    let first = fetch_text(&client, &format!("{page_url}?wait=1"), "first visit").await?;
    if !first.contains(IOS_MARKER) {
        return Err(format!("GET /t/{DOMAIN}?wait=1: no {IOS_MARKER} in the page").into());
    }
    let page = fetch_text(&client, &page_url, "tenant page").await?;
    if !page.contains(IOS_MARKER) {
        return Err(format!("GET /t/{DOMAIN}: no {IOS_MARKER} in the warm page").into());
    }
    let page_br = fetch_ok(&safari, &page_url, "tenant page", Some("br")).await?;
    let again = fetch_ok(&safari, &page_url, "tenant page", Some("br")).await?;
    if again != page_br {
        return Err(format!(
            "GET /t/{DOMAIN}: brotli body varies ({} then {} bytes)",
            page_br.len(),
            again.len()
        )
        .into());
    }

    // The references: the landing page, and the embedded asset it links closest in size.
    let landing_url = app.url("/");
    let landing = fetch_text(&client, &landing_url, "landing").await?;
    let landing_br = fetch_ok(&safari, &landing_url, "landing", Some("br")).await?;
    let mut candidates = Vec::new();
    for url in asset_urls(&landing) {
        let body = fetch_ok(&client, &app.url(&url), "asset", None).await?;
        candidates.push((url, body.len()));
    }
    let (static_path, static_bytes) = candidates
        .iter()
        .min_by_key(|(_, bytes)| bytes.abs_diff(page.len()))
        .cloned()
        .ok_or("the landing page links no /assets/… file")?;
    let static_url = app.url(&static_path);
    let static_br = fetch_ok(&safari, &static_url, "asset", Some("br")).await?;
    drop((client, safari));

    let file = static_path.rsplit('/').next().unwrap_or(&static_path);
    let page_path = format!("/t/{DOMAIN}");
    let mut targets = [
        Target::new(
            format!("GET {page_path} (br)"),
            page_path.clone(),
            page_url.clone(),
            iphone_safari(),
            page_br.len(),
        ),
        Target::new(
            format!("{file} (br)"),
            static_path.clone(),
            static_url.clone(),
            iphone_safari(),
            static_br.len(),
        ),
        Target::new(
            "GET / (br)",
            "/".to_owned(),
            landing_url,
            iphone_safari(),
            landing_br.len(),
        ),
        Target::new(
            format!("GET {page_path} (identity)"),
            page_path,
            page_url,
            iphone_identity(),
            page.len(),
        ),
        Target::new(
            format!("{file} (identity)"),
            static_path.clone(),
            static_url,
            iphone_identity(),
            static_bytes,
        ),
    ];
    let runs: Vec<(&str, Option<usize>, &HeaderMap)> = targets
        .iter()
        .map(|target| (target.url.as_str(), Some(target.bytes), &target.headers))
        .collect();
    let slices = SCHEDULE.run_each(&runs).await?;
    for (target, slices) in targets.iter_mut().zip(slices) {
        target.slices = slices;
    }
    let router = app.router();
    for _ in 0..ROUTER_ROUNDS {
        for target in &mut targets {
            let cost = router_cost(&router, &target.path, &target.headers, target.bytes).await?;
            target.router_costs.push(cost);
        }
    }
    app.stop().await?;
    let compress_page = compress_cost(page.as_bytes(), Effort::Page);
    let compress_best = compress_cost(page.as_bytes(), Effort::Best);
    let [page, statik, landing, page_identity, statik_identity] = targets;
    Ok(Results {
        page,
        statik,
        landing,
        page_identity,
        statik_identity,
        candidates,
        compress_page,
        compress_best,
    })
}
