//! Load benchmark: wrk against the release binary on loopback.
//!
//! Starts the real `authwalk` executable (release build, SQLite) as a child process, wired to the
//! fakes of `tests/support` through configuration exactly as an operator would wire real
//! upstreams, warms one tenant, then runs `wrk` (Debian package) against each target with the
//! headers a browser sends: iPhone Safari's User-Agent and `Accept-Encoding: gzip, deflate, br`,
//! Chrome's `gzip, deflate, br, zstd`, and identity beside them. The targets: an embedded static
//! file of about the tenant page's size (the reference) and the warm tenant page in each of the
//! three encodings, then the landing page, the tenant's logo and the JSON API as Safari asks for
//! them. Before measuring, every tab of the page is fetched in every encoding, so the peak RSS is
//! that of a server holding every variant. The time per target is cut into [`ROUND_SECONDS`]
//! rounds (rounded up to whole rounds), interleaved (static, page, static, page, …, landing, …),
//! because this VM's speed drifts by up to 2× over tens of seconds. Each page runs right after
//! its static file with the same header. It prints each target's median requests/s and p50/p99
//! latency (medians of the rounds' figures), its ratio against its reference (the median of
//! per-round ratios, each against the reference's run of the same round), the compressed pages'
//! ratio against the identity page, and the server's peak RSS.
//!
//! ```sh
//! cargo bench --bench load                          # 60 s per target, 64 connections
//! AUTHWALK_LOAD_SECONDS=20 cargo bench --bench load # a quicker look
//! ```
//!
//! Nothing is asserted on time. The program exits non-zero only when something is broken: a
//! socket error, a non-2xx answer, or a wrong body.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark program: it prints its results, starts processes, builds plain HTTP \
              clients for our server, and shares the tests' support code"
)]

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use common::{
    CHROME_ACCEPT_ENCODING, Error, IOS_MARKER, Result, SAFARI_ACCEPT_ENCODING, app_client,
    asset_urls, iphone_accepting, median, mib, vm_hwm_kib,
};
use reqwest::header::HeaderMap;
use support::Upstreams;

/// Connections wrk keeps open.
const CONNECTIONS: u32 = 64;
/// wrk threads: one, so the server keeps most of this 2-core machine.
const THREADS: u32 = 1;
/// Seconds per target unless `AUTHWALK_LOAD_SECONDS` says otherwise.
const DEFAULT_SECONDS: u64 = 60;
/// One wrk run; a target's seconds are split into rounds of this length.
const ROUND_SECONDS: u64 = 5;
/// The tenant served.
const DOMAIN: &str = "contoso.com";

fn main() -> ExitCode {
    common::exit_code("load", run())
}

fn run() -> Result<()> {
    let seconds = std::env::var("AUTHWALK_LOAD_SECONDS")
        .ok()
        .and_then(|value| value.parse::<u64>().ok())
        .unwrap_or(DEFAULT_SECONDS);
    which("wrk").ok_or("wrk is not installed (apt-get install wrk)")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let upstreams = runtime.block_on(Upstreams::start());
    let dir = tempfile::tempdir()?;
    let server = Server::start(&upstreams, &dir.path().join("authwalk.db"))?;
    let targets = runtime.block_on(warm(&server.base))?;

    let rounds = seconds.div_ceil(ROUND_SECONDS).max(1);
    let round_seconds = seconds.clamp(1, ROUND_SECONDS);
    println!(
        "\n== wrk, {THREADS} thread, {CONNECTIONS} connections, {rounds} × {round_seconds} s per \
         target interleaved, release binary on loopback (sqlite, iPhone Safari's User-Agent), {} \
         cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    // runs[target][round]
    let mut runs: Vec<Vec<WrkResult>> = targets.iter().map(|_| Vec::new()).collect();
    for round in 1..=rounds {
        let mut line = Vec::new();
        for (target, target_runs) in targets.iter().zip(&mut runs) {
            let result = wrk(target, round_seconds)?;
            if result.errors > 0 || result.non_2xx > 0 {
                return Err(format!(
                    "{}: {} socket errors, {} non-2xx answers",
                    target.name, result.errors, result.non_2xx
                )
                .into());
            }
            line.push(format!("{:.0}", result.requests_per_second));
            target_runs.push(result);
        }
        println!("  round {round:>2}: {} req/s", line.join(", "));
    }
    let peak_rss = server.peak_rss_bytes()?;
    server.stop();

    let paired = |of: usize, against: usize| {
        median(
            &runs[of]
                .iter()
                .zip(&runs[against])
                .map(|(run, reference)| run.requests_per_second / reference.requests_per_second)
                .collect::<Vec<_>>(),
        )
    };
    println!("\n== summary (medians over {rounds} rounds)\n");
    println!(
        "| target | Accept-Encoding | body | requests/s | ratio vs static (same header) | p50 | \
         p99 | requests | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (index, (target, target_runs)) in targets.iter().zip(&runs).enumerate() {
        let of = |field: fn(&WrkResult) -> f64| {
            median(&target_runs.iter().map(field).collect::<Vec<_>>())
        };
        let ratio = paired(index, target.reference);
        let requests: u64 = target_runs.iter().map(|run| run.requests).sum();
        let errors: u64 = target_runs.iter().map(|run| run.errors + run.non_2xx).sum();
        println!(
            "| {} | {} | {:.1} KiB | {:.0} | {:.2} | {:.2} ms | {:.2} ms | {} | {} |",
            target.name,
            target.accept_encoding,
            target.bytes as f64 / 1024.0,
            of(|run| run.requests_per_second),
            ratio,
            of(|run| run.p50_ms),
            of(|run| run.p99_ms),
            requests,
            errors
        );
    }
    for (name, compressed) in [("Safari", SAFARI_PAGE), ("Chrome", CHROME_PAGE)] {
        println!(
            "\ntenant page with {name}'s header / the same page uncompressed: {:.2} (target ≥ 0.8)",
            paired(compressed, IDENTITY_PAGE)
        );
    }
    println!(
        "\npeak RSS of the server: {} (VmHWM, whole run, every tab cached in every encoding)",
        mib(peak_rss)
    );
    Ok(())
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| std::path::Path::new(dir).join(program))
        .find(|path| path.is_file())
}

/// The `authwalk serve` child process.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(upstreams: &Upstreams, database: &std::path::Path) -> Result<Self> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_authwalk"))
            .arg("serve")
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("AUTHWALK_LISTEN", "127.0.0.1:0")
            .env("AUTHWALK_LOG_FORMAT", "json")
            .env("RUST_LOG", "info,tower_http=warn")
            .env("DATABASE_URL", format!("sqlite://{}", database.display()))
            .env("AUTHWALK_CONNECT_TO", upstreams.connect_to())
            .env("AUTHWALK_EXTRA_CA", upstreams.ca.pem_path())
            .env("AUTHWALK_DNS_SERVERS", upstreams.dns.addr().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let logs = child.stderr.take().ok_or("no stderr")?;
        let mut lines = BufReader::new(logs).lines();
        let address = loop {
            let line = lines.next().ok_or("the server exited before listening")??;
            if let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line)
                && let Some(address) = entry["fields"]["address"].as_str()
            {
                break address.to_owned();
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(Self {
            child,
            base: format!("http://{address}"),
        })
    }

    /// Peak resident set size so far (`VmHWM`).
    fn peak_rss_bytes(&self) -> Result<u64> {
        Ok(vm_hwm_kib(&self.child.id().to_string())? * 1024)
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One URL wrk drives, with the `Accept-Encoding` it sends.
struct Target {
    name: String,
    url: String,
    accept_encoding: &'static str,
    /// Body bytes as sent in that encoding.
    bytes: usize,
    /// The index of the target its ratio is taken against.
    reference: usize,
}

/// Where the pages sit in the list [`warm`] returns (each right after its static file).
const SAFARI_PAGE: usize = 1;
const CHROME_PAGE: usize = 3;
const IDENTITY_PAGE: usize = 5;

/// Resolve the tenant, fetch every tab in every encoding (so every variant is cached), then
/// collect the targets with their body sizes as sent.
async fn warm(base: &str) -> Result<Vec<Target>> {
    let fetch = |accept_encoding: &'static str, path: String| {
        let url = format!("{base}{path}");
        async move {
            // The same request headers as wrk sends.
            let client = app_client(1, iphone_accepting(accept_encoding))?;
            let response = client.get(&url).send().await?;
            if !response.status().is_success() {
                return Err(Error::from(format!("GET {url}: {}", response.status())));
            }
            let encoding = response
                .headers()
                .get(reqwest::header::CONTENT_ENCODING)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("identity")
                .to_owned();
            Ok::<_, Error>((encoding, response.bytes().await?))
        }
    };
    let get = |path: String| async move { Ok::<_, Error>(fetch("identity", path).await?.1) };
    get(format!("/api/v1/tenants/{DOMAIN}")).await?;
    let page = get(format!("/t/{DOMAIN}?wait=1")).await?;
    let page_text = String::from_utf8_lossy(&page).into_owned();
    if !page_text.contains(IOS_MARKER) {
        return Err("the warm tenant page is not the iOS walkthrough".into());
    }
    for tab in ["ios", "android", "samsung", "desktop"] {
        for accept_encoding in [SAFARI_ACCEPT_ENCODING, CHROME_ACCEPT_ENCODING, "identity"] {
            fetch(accept_encoding, format!("/t/{DOMAIN}?device={tab}")).await?;
        }
    }
    let logo = attribute_after(&page_text, "tenant-hero__logo\" src=\"")
        .ok_or("the tenant page shows no logo")?;
    let landing = get("/".to_owned()).await?;
    let landing_text = String::from_utf8_lossy(&landing).into_owned();
    let mut assets = Vec::new();
    for path in asset_urls(&landing_text) {
        let body = get(path.clone()).await?;
        assets.push((path, body.len()));
    }
    let (static_path, _) = assets
        .into_iter()
        .min_by_key(|(_, bytes)| bytes.abs_diff(page.len()))
        .ok_or("the landing page links no /assets/… file")?;
    let static_name = static_path.rsplit('/').next().unwrap_or("").to_owned();
    let page_path = format!("/t/{DOMAIN}");
    let api_path = format!("/api/v1/tenants/{DOMAIN}");
    // (name, path, header, the encoding it must come back in, reference)
    let plan: [(String, &str, &'static str, Option<&str>, usize); 9] = [
        (
            format!("static {static_name}"),
            &static_path,
            SAFARI_ACCEPT_ENCODING,
            Some("br"),
            0,
        ),
        (
            format!("tenant page {page_path}"),
            &page_path,
            SAFARI_ACCEPT_ENCODING,
            Some("br"),
            0,
        ),
        (
            format!("static {static_name}"),
            &static_path,
            CHROME_ACCEPT_ENCODING,
            None,
            2,
        ),
        (
            format!("tenant page {page_path}"),
            &page_path,
            CHROME_ACCEPT_ENCODING,
            None,
            2,
        ),
        (
            format!("static {static_name}"),
            &static_path,
            "identity",
            Some("identity"),
            4,
        ),
        (
            format!("tenant page {page_path}"),
            &page_path,
            "identity",
            Some("identity"),
            4,
        ),
        (
            "landing /".to_owned(),
            "/",
            SAFARI_ACCEPT_ENCODING,
            Some("br"),
            0,
        ),
        (
            "logo /assets/t/….png".to_owned(),
            &logo,
            SAFARI_ACCEPT_ENCODING,
            Some("identity"),
            0,
        ),
        (
            "API /api/v1/tenants/…".to_owned(),
            &api_path,
            SAFARI_ACCEPT_ENCODING,
            None,
            0,
        ),
    ];
    let mut targets = Vec::new();
    for (name, path, accept_encoding, expected, reference) in plan {
        let (encoding, body) = fetch(accept_encoding, path.to_owned()).await?;
        if let Some(expected) = expected
            && encoding != expected
        {
            return Err(format!(
                "GET {path} with Accept-Encoding `{accept_encoding}`: {encoding}, expected \
                 {expected}"
            )
            .into());
        }
        targets.push(Target {
            name: format!("{name} ({encoding})"),
            url: format!("{base}{path}"),
            accept_encoding,
            bytes: body.len(),
            reference,
        });
    }
    Ok(targets)
}

fn attribute_after(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = start + html[start..].find('"')?;
    Some(html[start..end].to_owned())
}

/// What one wrk run reported.
struct WrkResult {
    requests: u64,
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    non_2xx: u64,
}

fn wrk(target: &Target, seconds: u64) -> Result<WrkResult> {
    let mut headers = Vec::new();
    let sent: HeaderMap = iphone_accepting(target.accept_encoding);
    for (name, value) in &sent {
        headers.push("-H".to_owned());
        headers.push(format!("{name}: {}", value.to_str()?));
    }
    let output = Command::new("wrk")
        .args([
            format!("-t{THREADS}"),
            format!("-c{CONNECTIONS}"),
            format!("-d{seconds}s"),
            "--latency".to_owned(),
        ])
        .args(headers)
        .arg(&target.url)
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!("wrk failed on {}: {text}", target.url).into());
    }
    parse_wrk(&text).ok_or_else(|| format!("cannot read wrk's report:\n{text}").into())
}

/// Read wrk's `--latency` report.
fn parse_wrk(text: &str) -> Option<WrkResult> {
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix))
            .map(str::trim)
    };
    let requests = text
        .lines()
        .find(|line| line.contains("requests in"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let requests_per_second = field("Requests/sec:")?.parse().ok()?;
    let p50_ms = latency_ms(field("50%")?)?;
    let p99_ms = latency_ms(field("99%")?)?;
    // "Socket errors: connect 0, read 0, write 0, timeout 0" appears only when some occurred.
    let errors = field("Socket errors:").map_or(0, |rest| {
        rest.split(',')
            .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
            .sum()
    });
    let non_2xx = field("Non-2xx or 3xx responses:")
        .and_then(|count| count.parse().ok())
        .unwrap_or(0);
    Some(WrkResult {
        requests,
        requests_per_second,
        p50_ms,
        p99_ms,
        errors,
        non_2xx,
    })
}

/// wrk's latency ("850.00us", "1.23ms", "1.02s") in milliseconds.
fn latency_ms(value: &str) -> Option<f64> {
    let (number, scale) = if let Some(number) = value.strip_suffix("us") {
        (number, 0.001)
    } else if let Some(number) = value.strip_suffix("ms") {
        (number, 1.0)
    } else if let Some(number) = value.strip_suffix("s") {
        (number, 1000.0)
    } else {
        (value, 1.0)
    };
    Some(number.parse::<f64>().ok()? * scale)
}
