//! SSRF: a stranger's domain must never make us contact an internal address.
//!
//! The acceptance criterion, proved end to end with OUR production client (`net::OutboundClient`
//! over `net::Dns`, wired to the fakes only through configuration): a domain whose DNS points at
//! 127.0.0.1, 10.0.0.1, 169.254.169.254, ::1 or ::ffff:127.0.0.1, or whose site redirects there,
//! is never contacted. "Never contacted" is measured, not assumed: canary listeners on
//! 127.0.0.1:443, 127.0.0.1:80, [::1]:443 and [::1]:80 count every connection they accept, and
//! each attack compares the counts before and after.
//!
//! Also here: redirect limits, body caps while streaming, deadlines (silent and slow-loris
//! servers) and proxy variables in the environment (a child process of this test binary).
//!
//! The canaries bind ports 80 and 443, so this file needs root (tests and CI run as root) and
//! those ports free; a failed bind panics with the reason, it never skips.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use authwalk::config::RawConfig;
use authwalk::net::client::{HTML_CAP, JSON_CAP, MAX_REDIRECTS};
use authwalk::net::policy::BlockedRange;
use authwalk::net::{Dns, FetchError, OutboundClient};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex as AsyncMutex, MutexGuard as AsyncMutexGuard};
use tokio::task::{JoinHandle, JoinSet};
use url::Url;

use support::Upstreams;
use support::fake_dns::FakeRecord;
use support::fake_microsoft::PUBLIC_LOGIN_HOST;

// ---------------------------------------------------------------------------------------------
// Canaries: where a successful attack would land
// ---------------------------------------------------------------------------------------------

/// The loopback ports a successful attack from this machine would reach.
const CANARY_ADDRS: [&str; 4] = ["127.0.0.1:443", "127.0.0.1:80", "[::1]:443", "[::1]:80"];

/// How long to let a canary's accept thread catch up before reading its count.
const CANARY_SETTLE: Duration = Duration::from_millis(25);

/// The four canary listeners of this test binary (only one process may hold a port, so they are
/// bound once, each accepted on its own thread for the life of the process).
struct Canaries {
    counts: Vec<(SocketAddr, Arc<AtomicUsize>)>,
}

static CANARIES: OnceLock<Canaries> = OnceLock::new();

/// Held by every test that watches or touches the canaries, so one test's connections (the
/// sanity test's on purpose, or an attack that got through) never show up in another test's
/// before/after comparison and a failure names the attack that caused it.
static CANARY_GATE: AsyncMutex<()> = AsyncMutex::const_new(());

fn canaries() -> &'static Canaries {
    CANARIES.get_or_init(|| {
        // Bind all four before spawning anything, so a failure leaves no port held.
        let listeners: Vec<(SocketAddr, std::net::TcpListener)> = CANARY_ADDRS
            .iter()
            .map(|addr| {
                let addr: SocketAddr = addr.parse().unwrap();
                let listener = std::net::TcpListener::bind(addr).unwrap_or_else(|error| {
                    panic!(
                        "canary: cannot bind {addr}: {error}. The SSRF tests listen on ports 80 \
                         and 443 of 127.0.0.1 and ::1 to count connections an attack would make; \
                         run them as root with nothing else on those ports (and IPv6 loopback \
                         enabled)"
                    )
                });
                (addr, listener)
            })
            .collect();
        let counts = listeners
            .into_iter()
            .map(|(addr, listener)| {
                let count = Arc::new(AtomicUsize::new(0));
                let counter = Arc::clone(&count);
                std::thread::Builder::new()
                    .name(format!("canary {addr}"))
                    .spawn(move || {
                        // Even a failed accept means something knocked: count it too.
                        for stream in listener.incoming() {
                            counter.fetch_add(1, Ordering::SeqCst);
                            drop(stream);
                        }
                    })
                    .expect("canary thread");
                (addr, count)
            })
            .collect();
        Canaries { counts }
    })
}

impl Canaries {
    fn snapshot(&self) -> Vec<usize> {
        self.counts
            .iter()
            .map(|(_, count)| count.load(Ordering::SeqCst))
            .collect()
    }

    fn describe(&self, before: &[usize], after: &[usize]) -> String {
        self.counts
            .iter()
            .zip(before.iter().zip(after))
            .filter(|(_, (before, after))| before != after)
            .map(|((addr, _), (before, after))| format!("{addr}: +{}", after - before))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Counts at the start of an attack, and the gate held while it runs.
struct CanaryWatch {
    _gate: AsyncMutexGuard<'static, ()>,
    canaries: &'static Canaries,
    before: Vec<usize>,
}

async fn watch_canaries() -> CanaryWatch {
    let gate = CANARY_GATE.lock().await;
    let canaries = canaries();
    CanaryWatch {
        _gate: gate,
        canaries,
        before: canaries.snapshot(),
    }
}

impl CanaryWatch {
    /// No canary accepted a connection since the watch began (checked right now).
    fn assert_untouched_now(&self, what: &str) {
        let after = self.canaries.snapshot();
        assert_eq!(
            after,
            self.before,
            "{what}: a canary was contacted ({})",
            self.canaries.describe(&self.before, &after)
        );
    }

    /// Like [`CanaryWatch::assert_untouched_now`], after letting the accept threads catch up.
    async fn assert_untouched(&self, what: &str) {
        tokio::time::sleep(CANARY_SETTLE).await;
        self.assert_untouched_now(what);
    }
}

/// A zero is only meaningful if a real connection counts: connect to each canary on purpose.
#[tokio::test]
async fn canaries_count_a_real_connection() {
    let _exclusive = CANARY_GATE.lock().await;
    let canaries = canaries();
    for (index, (addr, _)) in canaries.counts.iter().enumerate() {
        let before = canaries.snapshot();
        let stream = std::net::TcpStream::connect(addr)
            .unwrap_or_else(|error| panic!("connect to the canary {addr}: {error}"));
        let mut expected = before.clone();
        expected[index] += 1;
        let deadline = Instant::now() + Duration::from_secs(2);
        while canaries.snapshot() != expected && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(
            canaries.snapshot(),
            expected,
            "connecting to {addr} counts exactly once, on that canary"
        );
        drop(stream);
    }
}

// ---------------------------------------------------------------------------------------------
// A site we may fetch: a plain-HTTP server pinned by configuration
// ---------------------------------------------------------------------------------------------

/// The pinned host of [`Site`] (pinned hosts are exempt from the address rule).
const SITE_HOST: &str = "redirector.example.com";

/// What the `/body` stream has done (one set per request; the last one is kept).
#[derive(Default, Debug)]
struct BodyStats {
    /// Bytes handed to the server so far.
    sent: AtomicUsize,
    /// The body was dropped before it was complete (the client hung up).
    dropped_early: AtomicBool,
}

#[derive(Default)]
struct SiteState {
    /// Path and query of every request, in order.
    requests: Mutex<Vec<String>>,
    body: Mutex<Option<Arc<BodyStats>>>,
}

/// A tiny plain-HTTP server on 127.0.0.1:0:
/// - `/to?status=S&location=L`: answers status S with `Location: L` (no Location when absent);
/// - `/loop`: 302 to itself; `/chain/N`: 302 to `/chain/N-1`, `/chain/0` answers 200;
/// - `/slowchain/N`: like `/chain/N` but every answer waits [`SLOW_HOP`];
/// - `/done`: 200 `done`;
/// - `/body?size=N&chunk=C&delay_ms=D[&length=1]`: N bytes in chunks of C, D ms apart, with a
///   Content-Length when `length` is given (chunked otherwise).
struct Site {
    addr: SocketAddr,
    state: Arc<SiteState>,
    task: JoinHandle<()>,
}

const SLOW_HOP: Duration = Duration::from_millis(300);

impl Site {
    async fn start() -> Self {
        let state = Arc::new(SiteState::default());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = Router::new()
            .fallback(serve_site)
            .with_state(Arc::clone(&state));
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self { addr, state, task }
    }

    /// Requests received so far.
    fn requests(&self) -> Vec<String> {
        self.state.requests.lock().unwrap().clone()
    }

    fn request_count(&self) -> usize {
        self.state.requests.lock().unwrap().len()
    }

    /// The stats of the last `/body` request.
    fn body(&self) -> Arc<BodyStats> {
        self.state
            .body
            .lock()
            .unwrap()
            .clone()
            .expect("a /body request was served")
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn redirect(status: u16, location: Option<&str>) -> Response {
    let mut response = Response::builder().status(status);
    if let Some(location) = location {
        response = response.header(header::LOCATION, location);
    }
    response.body(Body::empty()).unwrap()
}

async fn serve_site(State(state): State<Arc<SiteState>>, uri: Uri) -> Response {
    state.requests.lock().unwrap().push(
        uri.path_and_query()
            .map(ToString::to_string)
            .unwrap_or_default(),
    );
    let query: HashMap<String, String> = uri
        .query()
        .map(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let number = |name: &str, default: usize| {
        query
            .get(name)
            .map_or(default, |value| value.parse().unwrap())
    };
    let path = uri.path();
    if path == "/to" {
        let status = u16::try_from(number("status", 302)).unwrap();
        return redirect(status, query.get("location").map(String::as_str));
    }
    if path == "/loop" {
        return redirect(302, Some("/loop"));
    }
    if path == "/done" {
        return (StatusCode::OK, "done").into_response();
    }
    for (prefix, delay) in [("/chain/", None), ("/slowchain/", Some(SLOW_HOP))] {
        if let Some(hops) = path.strip_prefix(prefix) {
            if let Some(delay) = delay {
                tokio::time::sleep(delay).await;
            }
            let hops: usize = hops.parse().unwrap();
            if hops == 0 {
                return (StatusCode::OK, "end of chain").into_response();
            }
            return redirect(302, Some(&format!("{prefix}{}", hops - 1)));
        }
    }
    if path == "/body" {
        let size = number("size", 0);
        let chunk = number("chunk", 64 * 1024);
        let delay = Duration::from_millis(u64::try_from(number("delay_ms", 0)).unwrap());
        let stats = Arc::new(BodyStats::default());
        *state.body.lock().unwrap() = Some(Arc::clone(&stats));
        let mut response = Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "text/html");
        if query.contains_key("length") {
            response = response.header(header::CONTENT_LENGTH, size);
        }
        return response
            .body(Body::from_stream(body_stream(stats, size, chunk, delay)))
            .unwrap();
    }
    StatusCode::NOT_FOUND.into_response()
}

/// Where a `/body` stream is; records an early hang-up when dropped unfinished.
struct BodyProgress {
    stats: Arc<BodyStats>,
    remaining: usize,
}

impl Drop for BodyProgress {
    fn drop(&mut self) {
        if self.remaining > 0 {
            self.stats.dropped_early.store(true, Ordering::SeqCst);
        }
    }
}

fn body_stream(
    stats: Arc<BodyStats>,
    size: usize,
    chunk: usize,
    delay: Duration,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> + Send {
    let progress = BodyProgress {
        stats,
        remaining: size,
    };
    futures_util::stream::unfold(progress, move |mut progress| async move {
        if progress.remaining == 0 {
            return None;
        }
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let length = progress.remaining.min(chunk);
        progress.remaining -= length;
        progress.stats.sent.fetch_add(length, Ordering::SeqCst);
        Some((Ok(Bytes::from(vec![b'x'; length])), progress))
    })
}

fn site_url(path: &str) -> Url {
    Url::parse(&format!("http://{SITE_HOST}{path}")).unwrap()
}

/// `http://redirector.example.com/to?status=…&location=…`.
fn redirect_url(status: u16, location: &str) -> Url {
    let mut url = site_url("/to");
    url.query_pairs_mut()
        .append_pair("status", &status.to_string())
        .append_pair("location", location);
    url
}

// ---------------------------------------------------------------------------------------------
// Raw TCP servers that misbehave on purpose
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Misbehaviour {
    /// Accepts, reads, never writes a byte.
    Silent,
    /// Answers the status and headers, then one body byte every 100 ms, forever.
    TrickleBody,
    /// Answers the status line, then one header byte every 100 ms, forever.
    TrickleHeaders,
    /// An HTTP proxy that records the first line of each connection and answers 502.
    Proxy,
}

struct RawServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    first_lines: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl RawServer {
    async fn start(mode: Misbehaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let first_lines = Arc::new(Mutex::new(Vec::new()));
        let (count, lines) = (Arc::clone(&accepted), Arc::clone(&first_lines));
        let task = tokio::spawn(async move {
            // Connections live in the set, so aborting this task ends them too.
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                connections.spawn(misbehave(stream, mode, Arc::clone(&lines)));
            }
        });
        Self {
            addr,
            accepted,
            first_lines,
            task,
        }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn first_lines(&self) -> Vec<String> {
        self.first_lines.lock().unwrap().clone()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn misbehave(stream: TcpStream, mode: Misbehaviour, lines: Arc<Mutex<Vec<String>>>) {
    let mut stream = BufReader::new(stream);
    // Read the request head (request line and headers, up to the empty line).
    let mut first = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        match stream.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) if first.is_empty() => first = line.trim_end().to_owned(),
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let tick = Duration::from_millis(100);
    match mode {
        Misbehaviour::Silent => {
            let mut rest = Vec::new();
            let _ = tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut rest).await;
        }
        Misbehaviour::TrickleBody => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n\
                        transfer-encoding: chunked\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            while stream.write_all(b"1\r\nx\r\n").await.is_ok() {
                tokio::time::sleep(tick).await;
            }
        }
        Misbehaviour::TrickleHeaders => {
            if stream
                .write_all(b"HTTP/1.1 200 OK\r\nx-slow: ")
                .await
                .is_err()
            {
                return;
            }
            while stream.write_all(b"a").await.is_ok() {
                tokio::time::sleep(tick).await;
            }
        }
        Misbehaviour::Proxy => {
            lines.lock().unwrap().push(first);
            let answer =
                "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The client under test
// ---------------------------------------------------------------------------------------------

/// The fakes, the pinned site, and our production client wired to them by configuration.
struct Harness {
    upstreams: Upstreams,
    site: Site,
    client: OutboundClient,
}

async fn harness(timeout: &str) -> Harness {
    harness_with(timeout, &[]).await
}

/// Like [`harness`], with more `host=address` pins.
async fn harness_with(timeout: &str, extra_pins: &[(&str, SocketAddr)]) -> Harness {
    let upstreams = Upstreams::start().await;
    let site = Site::start().await;
    let mut raw = RawConfig {
        upstream_timeout: timeout.into(),
        ..RawConfig::default()
    };
    upstreams.wire(&mut raw);
    let mut pins = vec![raw.connect_to.take().unwrap_or_default()];
    pins.push(format!("{SITE_HOST}={}", site.addr));
    pins.extend(
        extra_pins
            .iter()
            .map(|(host, addr)| format!("{host}={addr}")),
    );
    raw.connect_to = Some(pins.join(","));
    let config = raw.validate().expect("valid configuration");
    let dns = Dns::new(&config.dns_servers, config.upstream_timeout).expect("resolver");
    let client = OutboundClient::new(&config, dns).expect("client");
    Harness {
        upstreams,
        site,
        client,
    }
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// A public address for the fake DNS (never contacted: the name is refused whole first).
const PUBLIC_V4: Ipv4Addr = Ipv4Addr::new(20, 70, 246, 20);

/// `evil-a.com` resolves to 127.0.0.1 in every harness.
const EVIL_A: &str = "evil-a.com";

/// Names whose DNS points inward: (name, records, the address to be named, its range).
fn inward_names() -> Vec<(&'static str, Vec<FakeRecord>, IpAddr, BlockedRange)> {
    vec![
        (
            EVIL_A,
            vec![FakeRecord::A(Ipv4Addr::LOCALHOST)],
            ip("127.0.0.1"),
            BlockedRange::Loopback,
        ),
        (
            "evil-private.com",
            vec![FakeRecord::A(Ipv4Addr::new(10, 0, 0, 1))],
            ip("10.0.0.1"),
            BlockedRange::Private,
        ),
        (
            "evil-metadata.com",
            vec![FakeRecord::A(Ipv4Addr::new(169, 254, 169, 254))],
            ip("169.254.169.254"),
            BlockedRange::LinkLocal,
        ),
        (
            "evil-aaaa.com",
            vec![FakeRecord::Aaaa(Ipv6Addr::LOCALHOST)],
            ip("::1"),
            BlockedRange::Loopback,
        ),
        (
            "evil-mapped.com",
            vec![FakeRecord::Aaaa(Ipv4Addr::LOCALHOST.to_ipv6_mapped())],
            ip("::ffff:127.0.0.1"),
            BlockedRange::Loopback,
        ),
        (
            "evil-mixed.com",
            vec![FakeRecord::A(PUBLIC_V4), FakeRecord::A(Ipv4Addr::LOCALHOST)],
            ip("127.0.0.1"),
            BlockedRange::Loopback,
        ),
        (
            "evil-mixed6.com",
            vec![
                FakeRecord::A(PUBLIC_V4),
                FakeRecord::Aaaa(Ipv6Addr::LOCALHOST),
            ],
            ip("::1"),
            BlockedRange::Loopback,
        ),
    ]
}

fn add_inward_names(harness: &Harness) {
    for (name, records, _, _) in inward_names() {
        for record in records {
            harness.upstreams.dns.add(name, record);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// DNS pointing inward
// ---------------------------------------------------------------------------------------------

/// Every name whose DNS answer holds a non-public address — alone, IPv4-mapped, or next to a
/// public one — is refused as `Blocked`, naming that address, before any connection is made.
#[tokio::test]
async fn dns_pointing_at_loopback_private_or_metadata_is_refused_before_connecting() {
    let harness = harness("5s").await;
    add_inward_names(&harness);
    let watch = watch_canaries().await;
    for (name, _, address, range) in inward_names() {
        let upper = name.to_ascii_uppercase();
        for target in [
            format!("https://{name}/.well-known/openid-configuration"),
            format!("http://{name}/"),
            format!("https://{upper}./"),
        ] {
            let result = harness.client.get(url(&target), HTML_CAP).await;
            // The canaries first: they are the evidence, whatever the client reports.
            watch
                .assert_untouched(&format!("{target} ({result:?})"))
                .await;
            match &result.expect_err(&target) {
                FetchError::Blocked {
                    host,
                    address: refused,
                    range: why,
                } => {
                    assert_eq!(host.trim_end_matches('.').to_ascii_lowercase(), name);
                    assert_eq!(*refused, address, "{target} names the bad address");
                    assert_eq!(*why, range, "{target}");
                }
                other => panic!("{target}: expected Blocked, got {other:?}"),
            }
        }
        assert!(
            harness.upstreams.dns.queries(name) >= 1,
            "{name} was resolved through our DNS"
        );
    }
    assert_eq!(harness.upstreams.microsoft.total_requests(), 0);
}

// ---------------------------------------------------------------------------------------------
// Redirects inward
// ---------------------------------------------------------------------------------------------

/// Redirect targets that must never be followed, and the address each must be refused for
/// (`None`: any loopback address, for names the resolver knows as localhost).
fn inward_locations() -> Vec<(&'static str, Option<IpAddr>, BlockedRange)> {
    let loopback = Some(ip("127.0.0.1"));
    vec![
        ("http://127.0.0.1/", loopback, BlockedRange::Loopback),
        ("https://127.0.0.1/", loopback, BlockedRange::Loopback),
        ("http://[::1]/", Some(ip("::1")), BlockedRange::Loopback),
        (
            "http://[::ffff:7f00:1]/",
            Some(ip("::ffff:127.0.0.1")),
            BlockedRange::Loopback,
        ),
        (
            "https://[::ffff:127.0.0.1]/",
            Some(ip("::ffff:127.0.0.1")),
            BlockedRange::Loopback,
        ),
        ("http://0x7f.1/", loopback, BlockedRange::Loopback),
        ("http://2130706433/", loopback, BlockedRange::Loopback),
        ("http://0177.0.0.1/", loopback, BlockedRange::Loopback),
        ("http://127.1/", loopback, BlockedRange::Loopback),
        (
            "http://169.254.169.254/latest/meta-data/",
            Some(ip("169.254.169.254")),
            BlockedRange::LinkLocal,
        ),
        (
            "http://10.0.0.1/",
            Some(ip("10.0.0.1")),
            BlockedRange::Private,
        ),
        ("http://evil-a.com/", loopback, BlockedRange::Loopback),
        ("https://EVIL-A.com./", loopback, BlockedRange::Loopback),
        ("http://localhost/", None, BlockedRange::Loopback),
        ("https://LOCALHOST./", None, BlockedRange::Loopback),
        ("http://anything.localhost/", None, BlockedRange::Loopback),
    ]
}

/// A site we may fetch redirects (301, 302, 303, 307, 308; GET and POST) to loopback in every
/// spelling, to cloud metadata, to a private address and to names resolving to loopback: every
/// hop is refused as `Blocked`, the site saw exactly the one request, and no canary was touched.
#[tokio::test]
async fn redirects_to_internal_addresses_are_refused_before_connecting() {
    let harness = harness("5s").await;
    add_inward_names(&harness);
    let watch = watch_canaries().await;
    for (location, address, range) in inward_locations() {
        for status in [301, 302, 303, 307, 308] {
            for post in [false, true] {
                let start = redirect_url(status, location);
                let what = format!(
                    "{} {start} -> {location}",
                    if post { "POST" } else { "GET" }
                );
                let before = harness.site.request_count();
                let result = if post {
                    harness
                        .client
                        .post_json(start, serde_json::json!({"probe": true}), JSON_CAP)
                        .await
                } else {
                    harness.client.get(start, HTML_CAP).await
                };
                // Settle only when something looks wrong, so the canaries speak first.
                if matches!(result, Err(FetchError::Blocked { .. })) {
                    watch.assert_untouched_now(&what);
                } else {
                    watch
                        .assert_untouched(&format!("{what} ({result:?})"))
                        .await;
                }
                match result {
                    Err(FetchError::Blocked {
                        address: refused,
                        range: why,
                        ..
                    }) => {
                        match address {
                            Some(address) => assert_eq!(refused, address, "{what}"),
                            None => assert!(refused.to_canonical().is_loopback(), "{what}"),
                        }
                        assert_eq!(why, range, "{what}");
                    }
                    other => panic!("{what}: expected Blocked, got {other:?}"),
                }
                assert_eq!(
                    harness.site.request_count(),
                    before + 1,
                    "{what}: the site saw exactly one request"
                );
            }
        }
        watch.assert_untouched(location).await;
    }
}

/// Pins name a socket address (`host=ip:port`) and exempt the host from the address rule. A site
/// redirecting to a pinned host with an explicit port must not turn the exemption into a way to
/// reach the pinned IP on any port (here: the loopback canaries on 80 and 443).
///
/// (hyper-util replaces a pin's port by the URL's explicit port, so the client refuses explicit
/// ports on pinned hosts other than the pin's own.)
#[tokio::test]
async fn a_redirect_to_a_pinned_host_on_another_port_stays_on_the_pinned_address() {
    let harness = harness("5s").await;
    let _gate = CANARY_GATE.lock().await;
    let canaries = canaries();
    let mut reached = Vec::new();
    for location in [
        format!("https://{SITE_HOST}:80/"),
        format!("http://{SITE_HOST}:443/"),
        format!("https://{PUBLIC_LOGIN_HOST}:80/"),
        format!("http://{PUBLIC_LOGIN_HOST}:443/"),
    ] {
        let before = canaries.snapshot();
        let result = harness
            .client
            .get(redirect_url(302, &location), HTML_CAP)
            .await;
        tokio::time::sleep(CANARY_SETTLE).await;
        let after = canaries.snapshot();
        if after != before {
            reached.push(format!(
                "{location} reached {} ({result:?})",
                canaries.describe(&before, &after)
            ));
        }
    }
    assert!(reached.is_empty(), "{reached:#?}");
}

// ---------------------------------------------------------------------------------------------
// Redirect limits
// ---------------------------------------------------------------------------------------------

/// A redirect loop and a chain one hop longer than [`MAX_REDIRECTS`] end in `Redirects`; a chain
/// of exactly [`MAX_REDIRECTS`] hops that ends in a 200 is followed to the end.
#[tokio::test]
async fn redirects_are_followed_at_most_five_times() {
    assert_eq!(MAX_REDIRECTS, 5);
    let harness = harness("5s").await;

    let looping = site_url("/loop");
    let error = harness.client.get(looping.clone(), HTML_CAP).await;
    assert!(
        matches!(&error, Err(FetchError::Redirects { url }) if *url == looping.to_string()),
        "{error:?}"
    );
    assert_eq!(harness.site.request_count(), MAX_REDIRECTS + 1);

    let too_long = site_url("/chain/6");
    let error = harness.client.get(too_long.clone(), HTML_CAP).await;
    assert!(
        matches!(&error, Err(FetchError::Redirects { url }) if *url == too_long.to_string()),
        "{error:?}"
    );
    let requests = harness.site.requests();
    assert_eq!(
        requests[MAX_REDIRECTS + 1..],
        [
            "/chain/6", "/chain/5", "/chain/4", "/chain/3", "/chain/2", "/chain/1"
        ],
        "the seventh request (/chain/0) is never made"
    );

    let fetched = harness
        .client
        .get(site_url("/chain/5"), HTML_CAP)
        .await
        .expect("five redirects are followed");
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.url, site_url("/chain/0"));
    assert_eq!(&fetched.body[..], b"end of chain");
}

/// Relative and scheme-relative `Location`s are resolved against the hop that sent them; a
/// redirect without a `Location` is malformed.
#[tokio::test]
async fn relative_locations_are_followed_and_a_missing_one_is_an_error() {
    let harness = harness("5s").await;
    for location in [
        "done",
        "./done",
        "../../done",
        "/done",
        "//redirector.example.com/done",
    ] {
        let fetched = harness
            .client
            .get(redirect_url(302, location), HTML_CAP)
            .await
            .unwrap_or_else(|error| panic!("{location}: {error}"));
        assert_eq!(fetched.url, site_url("/done"), "{location}");
        assert_eq!(&fetched.body[..], b"done");
    }
    let error = harness
        .client
        .get(site_url("/to?status=302"), HTML_CAP)
        .await;
    assert!(
        matches!(error, Err(FetchError::Redirects { .. })),
        "{error:?}"
    );
}

/// Redirects to other schemes, to other ports of hosts that are not pinned, or to URLs with
/// credentials are `NotAllowed`, refused before resolving or connecting.
#[tokio::test]
async fn redirects_to_other_schemes_or_ports_are_not_allowed() {
    let harness = harness("5s").await;
    add_inward_names(&harness);
    let watch = watch_canaries().await;
    for location in [
        "ftp://redirector.example.com/file",
        "file:///etc/passwd",
        "gopher://evil-a.com:70/_",
        "http://evil-a.com:8080/",
        "https://evil-a.com:8443/",
        "http://example.org:22/",
        "http://20.70.246.20:6379/",
        "http://127.0.0.1:443/",
        "https://127.0.0.1:80/",
        "http://user:secret@example.org/",
    ] {
        let start = redirect_url(302, location);
        let before = harness.site.request_count();
        let error = harness.client.get(start, HTML_CAP).await;
        watch
            .assert_untouched(&format!("{location} ({error:?})"))
            .await;
        match &error {
            Err(FetchError::NotAllowed { url, .. }) => {
                assert_eq!(*url, Url::parse(location).unwrap().to_string());
            }
            other => panic!("{location}: expected NotAllowed, got {other:?}"),
        }
        assert_eq!(harness.site.request_count(), before + 1, "{location}");
    }
    assert_eq!(
        harness.upstreams.dns.queries(EVIL_A),
        0,
        "refused before any DNS lookup"
    );
}

// ---------------------------------------------------------------------------------------------
// Body caps
// ---------------------------------------------------------------------------------------------

fn body_url(size: usize, chunk: usize, delay_ms: u64, with_length: bool) -> Url {
    let mut url = site_url("/body");
    url.query_pairs_mut()
        .append_pair("size", &size.to_string())
        .append_pair("chunk", &chunk.to_string())
        .append_pair("delay_ms", &delay_ms.to_string());
    if with_length {
        url.query_pairs_mut().append_pair("length", "1");
    }
    url
}

/// Waits until the site saw the client hang up on the current `/body` stream.
async fn assert_hung_up_early(site: &Site, total: usize, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while !site.body().dropped_early.load(Ordering::SeqCst) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stats = site.body();
    assert!(
        stats.dropped_early.load(Ordering::SeqCst),
        "{what}: the client hung up before the end ({stats:?})"
    );
    assert!(
        stats.sent.load(Ordering::SeqCst) < total,
        "{what}: {stats:?}"
    );
}

/// A 2 MiB body against a 1 MiB cap, sent slowly (64 KiB every 25 ms, 800 ms in all), ends in
/// `TooLarge` while the server is still sending: at once from the Content-Length, or as soon as
/// the cap is passed when streamed chunked — never after buffering it all.
#[tokio::test]
async fn a_body_over_the_cap_is_abandoned_while_streaming() {
    let harness = harness("5s").await;
    let total = 2 * 1024 * 1024;
    let chunk = 64 * 1024;
    for with_length in [true, false] {
        let what = if with_length {
            "with Content-Length"
        } else {
            "chunked"
        };
        let started = Instant::now();
        let error = harness
            .client
            .get(body_url(total, chunk, 25, with_length), HTML_CAP)
            .await;
        let elapsed = started.elapsed();
        let sent = harness.site.body().sent.load(Ordering::SeqCst);
        assert!(
            matches!(error, Err(FetchError::TooLarge { cap, .. }) if cap == HTML_CAP),
            "{what}: {error:?}"
        );
        if with_length {
            assert!(
                sent < HTML_CAP / 4,
                "{what}: refused on the header, {sent} bytes sent"
            );
        } else {
            assert!(
                sent <= HTML_CAP + 3 * chunk,
                "{what}: gave up just past the cap, {sent} bytes sent"
            );
        }
        assert!(
            elapsed < Duration::from_millis(750),
            "{what}: gave up before the server could finish ({elapsed:?})"
        );
        assert_hung_up_early(&harness.site, total, what).await;
    }
}

/// Exactly the cap is accepted; one byte more is `TooLarge`, with or without Content-Length.
#[tokio::test]
async fn the_cap_is_inclusive_to_the_byte() {
    let harness = harness("5s").await;
    for with_length in [true, false] {
        let fetched = harness
            .client
            .get(body_url(JSON_CAP, 10_000, 0, with_length), JSON_CAP)
            .await
            .unwrap_or_else(|error| panic!("length {with_length}: {error}"));
        assert_eq!(fetched.body.len(), JSON_CAP);
        let error = harness
            .client
            .get(body_url(JSON_CAP + 1, 10_000, 0, with_length), JSON_CAP)
            .await;
        assert!(
            matches!(error, Err(FetchError::TooLarge { cap, .. }) if cap == JSON_CAP),
            "length {with_length}: {error:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Deadlines
// ---------------------------------------------------------------------------------------------

const DEADLINE: Duration = Duration::from_secs(1);
/// Scheduling slack allowed past the deadline (the machine may be busy compiling).
const DEADLINE_SLACK: Duration = Duration::from_millis(900);

/// Fetches `target` from a client with a 1 s deadline and asserts `Timeout` close to it.
async fn assert_times_out(harness: &Harness, target: &str) {
    let started = Instant::now();
    let error = harness.client.get(url(target), HTML_CAP).await;
    let elapsed = started.elapsed();
    assert!(
        matches!(&error, Err(FetchError::Timeout { url, timeout }) if *timeout == DEADLINE && url == target),
        "{target}: {error:?}"
    );
    assert!(
        elapsed >= DEADLINE && elapsed < DEADLINE + DEADLINE_SLACK,
        "{target}: gave up after {elapsed:?}"
    );
}

/// A server that accepts and never answers ends in `Timeout` at the configured deadline.
#[tokio::test]
async fn a_server_that_never_answers_times_out_at_the_deadline() {
    let silent = RawServer::start(Misbehaviour::Silent).await;
    let harness = harness_with("1s", &[("silent.example.com", silent.addr)]).await;
    assert_times_out(&harness, "http://silent.example.com/").await;
    assert_eq!(silent.accepted(), 1, "the connection was made, then waited");
}

/// Slow-loris answers — a body one byte per 100 ms, or headers one byte per 100 ms — never
/// finish and end in `Timeout` at the deadline: it bounds the whole exchange, not each read.
#[tokio::test]
async fn a_slow_loris_answer_times_out_at_the_deadline() {
    let body = RawServer::start(Misbehaviour::TrickleBody).await;
    let headers = RawServer::start(Misbehaviour::TrickleHeaders).await;
    let harness = harness_with(
        "1s",
        &[
            ("trickle-body.example.com", body.addr),
            ("trickle-headers.example.com", headers.addr),
        ],
    )
    .await;
    assert_times_out(&harness, "http://trickle-body.example.com/").await;
    assert_times_out(&harness, "http://trickle-headers.example.com/").await;
    assert_eq!((body.accepted(), headers.accepted()), (1, 1));
}

/// The deadline covers every redirect hop together: five hops of 300 ms exceed 1 s.
#[tokio::test]
async fn the_deadline_covers_all_redirect_hops() {
    let harness = harness("1s").await;
    assert_times_out(&harness, &format!("http://{SITE_HOST}/slowchain/5")).await;
    assert!(
        harness.site.request_count() <= 4,
        "{:?}",
        harness.site.requests()
    );
}

// ---------------------------------------------------------------------------------------------
// Proxy variables in the environment
// ---------------------------------------------------------------------------------------------

/// Set (to anything) in the child process that runs [`proxy_child_fetches_with_proxy_variables_set`].
const PROXY_CHILD_VAR: &str = "AUTHWALK_SSRF_PROXY_CHILD";
const PROXY_CHILD_TEST: &str = "proxy_child_fetches_with_proxy_variables_set";
const PROXY_VARS: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// A proxy would resolve names itself, bypassing our filter: `HTTPS_PROXY`, `HTTP_PROXY` and
/// `ALL_PROXY` must be ignored. Setting variables in this process is `unsafe` (and the crate
/// forbids unsafe code), so this test runs [`proxy_child_fetches_with_proxy_variables_set`] in a
/// child process of this test binary with the variables pointing at a recording proxy, and
/// asserts the proxy saw only the child's control request (a plain reqwest client, proving the
/// variables were in effect), never one from our client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_variables_in_the_environment_are_ignored() {
    let proxy = RawServer::start(Misbehaviour::Proxy).await;
    let proxy_url = format!("http://{}", proxy.addr);
    let exe = std::env::current_exe().expect("the test binary");
    let output = tokio::task::spawn_blocking(move || {
        let mut child = std::process::Command::new(exe);
        child
            .args([
                "--exact",
                PROXY_CHILD_TEST,
                "--nocapture",
                "--test-threads=1",
            ])
            .env(PROXY_CHILD_VAR, "1")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .env_remove("REQUEST_METHOD");
        for name in PROXY_VARS {
            child.env(name, &proxy_url);
        }
        child.output()
    })
    .await
    .unwrap()
    .expect("run the child test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the child test failed or did not run:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        proxy.first_lines(),
        ["GET http://control.invalid/ HTTP/1.1"],
        "only the control client used the proxy"
    );
}

/// The child half of [`proxy_variables_in_the_environment_are_ignored`]; does nothing unless
/// `AUTHWALK_SSRF_PROXY_CHILD` is set (that test sets it, with the proxy variables).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[expect(
    clippy::disallowed_methods,
    reason = "the child reads its own environment and builds a plain reqwest client as a control"
)]
async fn proxy_child_fetches_with_proxy_variables_set() {
    if std::env::var_os(PROXY_CHILD_VAR).is_none() {
        return;
    }
    for name in PROXY_VARS {
        assert!(std::env::var_os(name).is_some(), "{name} reached the child");
    }
    let harness = harness("3s").await;
    harness
        .upstreams
        .dns
        .add(EVIL_A, FakeRecord::A(Ipv4Addr::LOCALHOST));

    // Plain HTTP and HTTPS to pinned hosts arrive directly (through the proxy they'd be 502s).
    let done = harness
        .client
        .get(site_url("/done"), HTML_CAP)
        .await
        .expect("plain HTTP, directly");
    assert_eq!(&done.body[..], b"done");
    let openid = harness
        .client
        .get(
            url(&format!(
                "https://{PUBLIC_LOGIN_HOST}/contoso.com/v2.0/.well-known/openid-configuration"
            )),
            JSON_CAP,
        )
        .await
        .expect("HTTPS, directly");
    assert_eq!(openid.status, StatusCode::OK);
    // A name resolving inward is still judged by our resolver (a proxy would resolve it itself).
    let error = harness
        .client
        .get(url("http://evil-a.com/"), HTML_CAP)
        .await;
    assert!(
        matches!(error, Err(FetchError::Blocked { .. })),
        "{error:?}"
    );

    // Control: a client that honours the variables does reach the proxy.
    let control = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap()
        .get("http://control.invalid/")
        .send()
        .await
        .expect("the control request reaches the proxy");
    assert_eq!(control.status(), StatusCode::BAD_GATEWAY);
}
