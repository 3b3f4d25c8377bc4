//! Discovery benchmarks: the real app (`App::build`) against the fakes of `tests/support`, each
//! figure printed with a reference measured in the same run and their ratio. Nothing is asserted on
//! time; the program exits non-zero only when something is broken (a request failed, a wrong
//! answer). See `bench/README.md`.
//!
//! 1. Cold resolution with every fake endpoint delayed 200 ms: median time of
//!    `GET /api/v1/tenants/{domain}` for a domain the app has never seen, against the slowest single
//!    lookup (one direct HTTPS request to the fake, and one DNS query, measured alongside).
//! 2. 500 concurrent first requests for one domain: upstream requests per lookup (target 1).
//! 3. Warm API throughput against `/healthz`, same process, same connection count.
//!
//! SQLite always; Postgres too for 1–2 when `AUTHWALK_BENCH_POSTGRES` holds a server URL.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark program: it prints its results, reads its own environment, builds plain \
              HTTP clients for our server and the fakes, and shares the tests' support code"
)]

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use serde_json::Value;
use tokio::task::JoinSet;

use common::{
    Backend, Error, Rate, Result, Row, RunningApp, Schedule, app_client, max, median, min, ms,
    ratio,
};
use support::Upstreams;
use support::fake_microsoft::{
    BRANDING_THROTTLED_TENANT, CONTOSO_TENANT, Endpoint, FABRIKAM_TENANT, GCC_MODERATE_TENANT,
    NORTHWIND_TENANT, PUBLIC_LOGIN_HOST,
};

/// The delay of every fake endpoint (HTTPS and DNS) in benchmarks 1 and 2.
const DELAY: Duration = Duration::from_millis(200);
/// Real tenants whose resolution is one stage (public cloud): domain and tenant id.
const TENANTS: [(&str, &str); 5] = [
    ("contoso.com", CONTOSO_TENANT),
    ("northwind.com", NORTHWIND_TENANT),
    ("fabrikam.com", FABRIKAM_TENANT),
    ("gcc-moderate.gov", GCC_MODERATE_TENANT),
    ("branding-throttled.com", BRANDING_THROTTLED_TENANT),
];
/// Rounds over [`TENANTS`] with a fresh app per sample (1a).
const FRESH_ROUNDS: usize = 3;
/// Rounds over [`TENANTS`] with one app per round, its connections warmed first (1b).
const WARM_ROUNDS: usize = 2;
/// Concurrent first requests (2).
const BURST: usize = 500;
/// Keep-alive connections driving the warm throughput test (3).
const CONNECTIONS: usize = 32;
/// One measuring slice of (3); each path gets two, interleaved.
const SLICE: Duration = Duration::from_millis(2500);
/// Untimed warm-up of each path before (3) measures.
const WARM_UP: Duration = Duration::from_millis(500);
/// How (3) drives the API and `/healthz`.
const SCHEDULE: Schedule = Schedule {
    connections: CONNECTIONS,
    warm_up: WARM_UP,
    slice: SLICE,
    rounds: 2,
};
/// The cold-resolution target: total / slowest single lookup.
const COLD_TARGET: f64 = 1.3;

fn main() -> ExitCode {
    common::exit_code(
        "bench",
        common::runtime().and_then(|runtime| runtime.block_on(run())),
    )
}

async fn run() -> Result<()> {
    let started = Instant::now();
    let mut backends = vec![Backend::Sqlite];
    match std::env::var("AUTHWALK_BENCH_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => backends.push(Backend::Postgres(url.trim().into())),
        _ => println!(
            "postgres: not run (set AUTHWALK_BENCH_POSTGRES=postgres://… to run 1–2 on it too)"
        ),
    }
    let upstreams = Upstreams::start().await;
    for (domain, _) in TENANTS {
        upstreams.dns.add_microsoft365(domain);
    }
    upstreams.microsoft.set_delay(DELAY);
    upstreams.web.set_delay(DELAY);
    upstreams.dns.set_delay(DELAY);
    let references = References::new(&upstreams)?;

    let mut rows = Vec::new();
    for backend in &backends {
        let name = backend.name();
        println!(
            "\n== 1a. cold resolution, fresh app per sample ({name}), fakes delayed {DELAY:?}"
        );
        let fresh = cold_fresh_apps(&upstreams, backend, &references).await?;
        fresh.print();
        rows.push(fresh.row(format!(
            "1a. cold resolution, fresh app, {name} (median of {})",
            fresh.totals.len()
        )));

        println!("\n== 1b. cold domain, app with warm upstream connections ({name})");
        let warm = cold_warm_apps(&upstreams, backend, &references).await?;
        warm.print();
        rows.push(warm.row(format!(
            "1b. cold domain, warm connections, {name} (median of {})",
            warm.totals.len()
        )));

        println!("\n== 2. {BURST} concurrent first requests for {BURST_DOMAIN} ({name})");
        let burst = burst(&upstreams, backend).await?;
        burst.print();
        rows.extend(burst.rows(name, fresh.median_of(BURST_DOMAIN)));
    }

    println!("\n== 3. warm throughput, {CONNECTIONS} keep-alive connections (sqlite)");
    upstreams.microsoft.set_delay(Duration::ZERO);
    upstreams.web.set_delay(Duration::ZERO);
    upstreams.dns.set_delay(Duration::ZERO);
    let throughput = throughput(&upstreams).await?;
    throughput.print();
    rows.push(throughput.row());

    common::print_summary(started, &rows);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The tenant API
// ---------------------------------------------------------------------------------------------

/// `GET url`, which must answer 200 with the profile of `tenant` (status `entra`).
async fn get_tenant(client: &reqwest::Client, url: &str, tenant: &str) -> Result<()> {
    let response = client.get(url).send().await?;
    let status = response.status();
    let body: Value = response.json().await?;
    check_tenant(url, status, &body, tenant)
}

fn check_tenant(url: &str, status: reqwest::StatusCode, body: &Value, tenant: &str) -> Result<()> {
    let found = body.get("tenant_id").and_then(Value::as_str);
    let entra = body.get("status").and_then(Value::as_str) == Some("entra");
    if status != reqwest::StatusCode::OK || !entra || found != Some(tenant) {
        return Err(format!(
            "GET {url}: HTTP {status}, status {:?}, tenant {found:?} (expected 200, entra, {tenant})",
            body.get("status")
        )
        .into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// References: one direct lookup against the fakes
// ---------------------------------------------------------------------------------------------

/// Direct single lookups against the fakes, measured the way the app meets them.
struct References {
    ca: reqwest::Certificate,
    microsoft: std::net::SocketAddr,
    dns: std::net::SocketAddr,
}

impl References {
    fn new(upstreams: &Upstreams) -> Result<Self> {
        Ok(Self {
            ca: reqwest::Certificate::from_pem(upstreams.microsoft.ca_pem().as_bytes())?,
            microsoft: upstreams.microsoft.addr(),
            dns: upstreams.dns.addr(),
        })
    }

    /// A client to the fake Microsoft trusting only its CA; HTTP/2 or 1.1 by ALPN, like the app's.
    fn client(&self) -> Result<reqwest::Client> {
        Ok(reqwest::Client::builder()
            .no_proxy()
            .tls_certs_only([self.ca.clone()])
            .resolve(PUBLIC_LOGIN_HOST, self.microsoft)
            .timeout(Duration::from_secs(30))
            .build()?)
    }

    /// One GET of the OpenID document of `domain` on `client`.
    async fn openid(client: &reqwest::Client, domain: &str) -> Result<Duration> {
        let url =
            format!("https://{PUBLIC_LOGIN_HOST}/{domain}/v2.0/.well-known/openid-configuration");
        let started = Instant::now();
        let response = client.get(&url).send().await?;
        let status = response.status();
        let _ = response.bytes().await?;
        let elapsed = started.elapsed();
        if !status.is_success() {
            return Err(format!("reference GET {url}: HTTP {status}").into());
        }
        Ok(elapsed)
    }

    /// One MX query with a fresh (cold-cache) production resolver.
    async fn dns(&self, domain: &str) -> Result<Duration> {
        let resolver = authwalk::net::Dns::new(&[self.dns], Duration::from_secs(4))?;
        let started = Instant::now();
        resolver.mx(domain).await?;
        Ok(started.elapsed())
    }

    /// The slowest single lookup on cold connections: new TCP + TLS + delay, vs one DNS query.
    async fn cold(&self, domain: &str) -> Result<Lookup> {
        let https = Self::openid(&self.client()?, domain).await?;
        let dns = self.dns(domain).await?;
        Ok(Lookup { https, dns })
    }

    /// The slowest single lookup on a warm (already connected) client.
    async fn warm(&self, client: &reqwest::Client, domain: &str) -> Result<Lookup> {
        let https = Self::openid(client, domain).await?;
        let dns = self.dns(domain).await?;
        Ok(Lookup { https, dns })
    }
}

#[derive(Clone, Copy)]
struct Lookup {
    https: Duration,
    dns: Duration,
}

impl Lookup {
    fn slowest(self) -> Duration {
        self.https.max(self.dns)
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Cold resolution
// ---------------------------------------------------------------------------------------------

struct Cold {
    /// Time of each `GET /api/v1/tenants/{domain}`.
    totals: Vec<Duration>,
    /// The domain of each sample.
    domains: Vec<&'static str>,
    /// The reference lookups measured next to each sample.
    references: Vec<Lookup>,
    reference_kind: &'static str,
}

impl Cold {
    fn new(reference_kind: &'static str) -> Self {
        Self {
            totals: Vec::new(),
            domains: Vec::new(),
            references: Vec::new(),
            reference_kind,
        }
    }

    /// Times `GET /api/v1/tenants/{domain}` on `app`, recorded with the reference `lookup`.
    async fn sample(
        &mut self,
        app: &RunningApp,
        client: &reqwest::Client,
        domain: &'static str,
        tenant: &str,
        lookup: Lookup,
    ) -> Result<()> {
        let url = app.url(&format!("/api/v1/tenants/{domain}"));
        let started = Instant::now();
        get_tenant(client, &url, tenant).await?;
        self.totals.push(started.elapsed());
        self.domains.push(domain);
        self.references.push(lookup);
        Ok(())
    }

    fn reference(&self) -> Duration {
        let slowest: Vec<Duration> = self.references.iter().map(|r| r.slowest()).collect();
        median(&slowest)
    }

    fn ratio(&self) -> f64 {
        ratio(median(&self.totals), self.reference())
    }

    /// The median total of one domain's samples.
    fn median_of(&self, domain: &str) -> Duration {
        let samples: Vec<Duration> = self
            .domains
            .iter()
            .zip(&self.totals)
            .filter(|(sampled, _)| **sampled == domain)
            .map(|(_, total)| *total)
            .collect();
        median(&samples)
    }

    fn print(&self) {
        let https: Vec<Duration> = self.references.iter().map(|r| r.https).collect();
        let dns: Vec<Duration> = self.references.iter().map(|r| r.dns).collect();
        println!(
            "  total  median {}  min {}  max {}  (n = {})",
            ms(median(&self.totals)),
            ms(min(&self.totals)),
            ms(max(&self.totals)),
            self.totals.len()
        );
        let per_domain: Vec<String> = TENANTS
            .iter()
            .map(|(domain, _)| format!("{domain} {}", ms(self.median_of(domain))))
            .collect();
        println!("  per domain (median): {}", per_domain.join(", "));
        println!(
            "  slowest single lookup ({}): median {}  (HTTPS {}, DNS {})",
            self.reference_kind,
            ms(self.reference()),
            ms(median(&https)),
            ms(median(&dns))
        );
        println!(
            "  ratio total / slowest lookup: {:.2}  (target < {COLD_TARGET})",
            self.ratio()
        );
    }

    fn row(&self, label: String) -> Row {
        Row {
            label,
            figure: ms(median(&self.totals)),
            reference: format!("{} slowest lookup", ms(self.reference())),
            ratio: format!("{:.2}", self.ratio()),
            target: Some(format!("< {COLD_TARGET}")),
            ..Row::default()
        }
    }
}

/// A fresh app (fresh database, empty caches, no upstream connections) for every sample.
async fn cold_fresh_apps(
    upstreams: &Upstreams,
    backend: &Backend,
    references: &References,
) -> Result<Cold> {
    let mut cold = Cold::new("new connection");
    for _ in 0..FRESH_ROUNDS {
        for (domain, tenant) in TENANTS {
            let app = RunningApp::start(upstreams, backend).await?;
            let client = app_client(1, HeaderMap::new())?;
            let lookup = references.cold(domain).await?;
            cold.sample(&app, &client, domain, tenant, lookup).await?;
            drop(client);
            app.stop().await?;
        }
    }
    Ok(cold)
}

/// One app per round: a never-seen unknown domain first (opens the upstream connections, not
/// timed), then every tenant once — each a never-seen domain on warm connections.
async fn cold_warm_apps(
    upstreams: &Upstreams,
    backend: &Backend,
    references: &References,
) -> Result<Cold> {
    let mut cold = Cold::new("warm connection");
    for round in 0..WARM_ROUNDS {
        let app = RunningApp::start(upstreams, backend).await?;
        let client = app_client(1, HeaderMap::new())?;
        let warm_up = app.url(&format!("/api/v1/tenants/bench-warm-up-{round}.com"));
        let response = client.get(&warm_up).send().await?;
        if !response.status().is_success() {
            return Err(format!("GET {warm_up}: HTTP {}", response.status()).into());
        }
        let _ = response.bytes().await?;
        let direct = references.client()?;
        let _ = References::openid(&direct, "bench-warm-up.com").await;
        for (domain, tenant) in TENANTS {
            let lookup = references.warm(&direct, domain).await?;
            cold.sample(&app, &client, domain, tenant, lookup).await?;
        }
        drop(client);
        app.stop().await?;
    }
    Ok(cold)
}

// ---------------------------------------------------------------------------------------------
// 2. Concurrent first requests
// ---------------------------------------------------------------------------------------------

/// Upstream requests of one kind: during one lone resolution, and during the burst.
struct Count {
    name: String,
    single: usize,
    burst: usize,
}

impl Count {
    fn ratio(&self) -> f64 {
        match (self.single, self.burst) {
            (0, 0) => 1.0,
            (0, _) => f64::INFINITY,
            (single, burst) => burst as f64 / single as f64,
        }
    }
}

struct Burst {
    counts: Vec<Count>,
    /// Whole burst, first send to last answer.
    wall: Duration,
    /// When the last request was handed to the client, after the burst started.
    last_sent: Duration,
    /// When the first answer arrived.
    first_answer: Duration,
}

impl Burst {
    fn worst(&self) -> f64 {
        self.counts.iter().map(Count::ratio).fold(0.0, f64::max)
    }

    fn totals(&self) -> (usize, usize) {
        let total = |name: &str| {
            self.counts
                .iter()
                .find(|count| count.name == name)
                .map_or((0, 0), |count| (count.single, count.burst))
        };
        let (https_single, https_burst) = total(TOTAL_HTTPS);
        let (dns_single, dns_burst) = total(TOTAL_DNS);
        (https_single + dns_single, https_burst + dns_burst)
    }

    fn print(&self) {
        println!(
            "  {:<44} {:>6} {:>6} {:>6}",
            "upstream requests", "1 req", "burst", "ratio"
        );
        for count in &self.counts {
            println!(
                "  {:<44} {:>6} {:>6} {:>6.2}",
                count.name,
                count.single,
                count.burst,
                count.ratio()
            );
        }
        println!(
            "  requests per endpoint, burst / one lone resolution (worst): {:.2}  (target exactly 1)",
            self.worst()
        );
        println!(
            "  all {BURST} answered 200 with tenant {CONTOSO_TENANT}; last request sent at {}, \
             first answer at {} ({}); burst wall time {}",
            ms(self.last_sent),
            ms(self.first_answer),
            if self.last_sent < self.first_answer {
                "all overlapped the resolution"
            } else {
                "NOT all overlapped the resolution: raise the delay"
            },
            ms(self.wall)
        );
    }

    fn rows(&self, backend: &str, cold: Duration) -> [Row; 2] {
        let (single, burst) = self.totals();
        [
            Row {
                label: format!(
                    "2. {BURST} concurrent first requests, {backend}: upstream requests"
                ),
                figure: format!("{burst}"),
                reference: format!("{single} for one lone request"),
                ratio: format!("{:.2} worst endpoint", self.worst()),
                target: Some("exactly 1".into()),
                ..Row::default()
            },
            Row {
                label: format!("2. {BURST} concurrent first requests, {backend}: wall time"),
                figure: ms(self.wall),
                reference: format!("{} one cold request for it (1a)", ms(cold)),
                ratio: format!("{:.2}", ratio(self.wall, cold)),
                target: Some("—".into()),
                ..Row::default()
            },
        ]
    }
}

const BURST_DOMAIN: &str = "contoso.com";
const TOTAL_HTTPS: &str = "all HTTPS (Microsoft + CDN + websites)";
const TOTAL_DNS: &str = "all DNS queries";

/// What is counted: every Microsoft endpoint, each DNS name the resolution of
/// [`BURST_DOMAIN`] may ask about, and the totals (which catch anything else).
fn counters(upstreams: &Upstreams) -> Vec<(String, usize)> {
    let microsoft = &upstreams.microsoft;
    let dns = &upstreams.dns;
    let mut counts = vec![
        (
            "OpenID configuration".to_owned(),
            microsoft.requests(Endpoint::OpenIdConfiguration),
        ),
        (
            "user realm".to_owned(),
            microsoft.requests(Endpoint::UserRealm),
        ),
        (
            "credential type".to_owned(),
            microsoft.requests(Endpoint::CredentialType),
        ),
        ("branding CDN".to_owned(), microsoft.requests(Endpoint::Cdn)),
        (
            "other login-host paths".to_owned(),
            microsoft.requests(Endpoint::Other),
        ),
    ];
    let names = [
        "",
        "www.",
        "autodiscover.",
        "enterpriseregistration.",
        "enterpriseenrollment.",
        "lyncdiscover.",
    ];
    for prefix in names {
        let name = format!("{prefix}{BURST_DOMAIN}");
        counts.push((format!("DNS {name}"), dns.queries(&name)));
    }
    counts.push((
        TOTAL_HTTPS.to_owned(),
        microsoft.total_requests() + upstreams.web.total_requests(),
    ));
    counts.push((TOTAL_DNS.to_owned(), dns.total_queries()));
    counts
}

fn difference(before: &[(String, usize)], after: &[(String, usize)]) -> Vec<usize> {
    before
        .iter()
        .zip(after)
        .map(|((_, before), (_, after))| after - before)
        .collect()
}

/// One request on a fresh app, then [`BURST`] concurrent ones on another: both must cost the
/// same upstream requests.
async fn burst(upstreams: &Upstreams, backend: &Backend) -> Result<Burst> {
    let path = format!("/api/v1/tenants/{BURST_DOMAIN}");

    let app = RunningApp::start(upstreams, backend).await?;
    let before = counters(upstreams);
    get_tenant(
        &app_client(1, HeaderMap::new())?,
        &app.url(&path),
        CONTOSO_TENANT,
    )
    .await?;
    settle().await;
    let single = difference(&before, &counters(upstreams));
    app.stop().await?;

    let app = RunningApp::start(upstreams, backend).await?;
    let client = app_client(BURST, HeaderMap::new())?;
    let url = app.url(&path);
    let before = counters(upstreams);
    let started = Instant::now();
    let mut requests = JoinSet::new();
    for _ in 0..BURST {
        let (client, url) = (client.clone(), url.clone());
        requests.spawn(async move {
            let sent = started.elapsed();
            let response = client.get(&url).send().await?;
            let answered = started.elapsed();
            let status = response.status();
            let body: Value = response.json().await?;
            check_tenant(&url, status, &body, CONTOSO_TENANT)?;
            Ok::<_, Error>((sent, answered))
        });
    }
    let mut last_sent = Duration::ZERO;
    let mut first_answer = Duration::MAX;
    while let Some(joined) = requests.join_next().await {
        let (sent, answered) = joined??;
        last_sent = last_sent.max(sent);
        first_answer = first_answer.min(answered);
    }
    let wall = started.elapsed();
    settle().await;
    let after = counters(upstreams);
    let burst = difference(&before, &after);
    drop(client);
    app.stop().await?;

    let counts = after
        .into_iter()
        .zip(single.into_iter().zip(burst))
        .map(|((name, _), (single, burst))| Count {
            name,
            single,
            burst,
        })
        .collect();
    Ok(Burst {
        counts,
        wall,
        last_sent,
        first_answer,
    })
}

/// Let anything still in flight reach the fakes before counting (background work included).
async fn settle() {
    tokio::time::sleep(DELAY + Duration::from_millis(100)).await;
}

// ---------------------------------------------------------------------------------------------
// 3. Warm throughput
// ---------------------------------------------------------------------------------------------

struct Throughput {
    api: Rate,
    healthz: Rate,
}

impl Throughput {
    fn ratio(&self) -> f64 {
        self.api.per_second() / self.healthz.per_second()
    }

    fn print(&self) {
        println!(
            "  GET /api/v1/tenants/contoso.com  {:>9.0} req/s  ({} requests in {:.1} s)",
            self.api.per_second(),
            self.api.requests,
            self.api.elapsed.as_secs_f64()
        );
        println!(
            "  GET /healthz                     {:>9.0} req/s  ({} requests in {:.1} s)",
            self.healthz.per_second(),
            self.healthz.requests,
            self.healthz.elapsed.as_secs_f64()
        );
        println!("  ratio api / healthz: {:.2}", self.ratio());
    }

    fn row(&self) -> Row {
        Row {
            label: format!("3. warm API throughput, {CONNECTIONS} connections"),
            figure: format!("{:.0} req/s", self.api.per_second()),
            reference: format!("{:.0} req/s /healthz", self.healthz.per_second()),
            ratio: format!("{:.2}", self.ratio()),
            target: Some("—".into()),
            ..Row::default()
        }
    }
}

async fn throughput(upstreams: &Upstreams) -> Result<Throughput> {
    let app = RunningApp::start(upstreams, &Backend::Sqlite).await?;
    let api_url = app.url("/api/v1/tenants/contoso.com");
    let healthz_url = app.url("/healthz");
    get_tenant(&app_client(1, HeaderMap::new())?, &api_url, CONTOSO_TENANT).await?;

    let targets = [(api_url.as_str(), None), (healthz_url.as_str(), None)];
    let slices = SCHEDULE.run(&targets, &HeaderMap::new()).await?;
    let result = Throughput {
        api: Rate::total(&slices[0]),
        healthz: Rate::total(&slices[1]),
    };
    app.stop().await?;
    Ok(result)
}
