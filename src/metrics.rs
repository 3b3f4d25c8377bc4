//! Prometheus metrics: every metric name, the process-wide recorder, and the small functions the
//! rest of the code records through (so names and labels are spelled once).
//!
//! Labels only ever take values from short fixed sets (route templates, outcomes, endpoints), never
//! raw paths or domains: each label value is a time series kept for the life of the process.
//! Until [`install`] runs, recording is a no-op (the `metrics` facade without a recorder), so unit
//! tests and the CLI pay nothing.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, OnceLock, RwLock};
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests answered, by route template, method and status (counter).
pub const HTTP_REQUESTS: &str = "http_requests_total";
/// Time to answer a request, by route template and method (histogram, seconds).
pub const HTTP_REQUEST_DURATION: &str = "http_request_duration_seconds";
/// Domain resolutions, by outcome: entra, not_entra, unreachable, busy (counter).
pub const DISCOVERY_RESOLUTIONS: &str = "discovery_resolutions_total";
/// Time a resolution took, by outcome (histogram, seconds).
pub const DISCOVERY_RESOLUTION_DURATION: &str = "discovery_resolution_duration_seconds";
/// Upstream lookups that failed, by endpoint (counter).
pub const UPSTREAM_ERRORS: &str = "upstream_errors_total";
/// Where discovery found a profile: memory_hit, store_hit or miss (counter).
pub const DISCOVERY_CACHE_REQUESTS: &str = "discovery_cache_requests_total";
/// Requests turned away by a rate limit, by limit (counter).
pub const RATE_LIMITED: &str = "rate_limited_total";

/// Histogram buckets for request and resolution durations, in seconds: from a warm page (a few
/// milliseconds) to a resolution that waits out its upstream timeouts.
const DURATION_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often histogram samples are folded in when nobody scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The one recorder of the process (tests start many apps in one process; all share it).
static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Install the Prometheus recorder once per process and return its handle; `None` when another
/// recorder was installed first (then metrics are not exported).
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("_duration_seconds".into()),
                    &DURATION_BUCKETS,
                )
                .and_then(PrometheusBuilder::install_recorder);
            match handle {
                Ok(handle) => {
                    describe();
                    spawn_upkeep(handle.clone());
                    Some(handle)
                }
                Err(error) => {
                    tracing::warn!(%error, "metrics recorder not installed: /metrics stays empty");
                    None
                }
            }
        })
        .clone()
}

/// The current metrics in Prometheus text format, or `None` when no recorder is installed.
pub fn render() -> Option<String> {
    let handle = HANDLE.get()?.as_ref()?;
    handle.run_upkeep();
    Some(handle.render())
}

/// One answered HTTP request: `route` is the matched route template (never the raw path).
///
/// The series' handles are looked up in the recorder once and kept: a request then costs a read
/// lock and two atomic updates, not a registry lookup with freshly allocated labels.
pub fn http_request(route: &str, method: &'static str, status: u16, elapsed: Duration) {
    if !recorder_installed() {
        return;
    }
    let series = HTTP_SERIES
        .read()
        .ok()
        .and_then(|series| series.get(route)?.get(&(method, status)).cloned())
        .unwrap_or_else(|| register_http_series(route, method, status));
    series.requests.increment(1);
    series.duration.record(elapsed.as_secs_f64());
}

/// The handles of one (route, method, status) series.
#[derive(Debug)]
struct HttpSeries {
    requests: metrics::Counter,
    duration: metrics::Histogram,
}

/// Route template → (method, status) → handles. Bounded: route templates, methods and statuses
/// come from short fixed sets (see the module's note on labels).
type HttpSeriesMap = HashMap<String, HashMap<(&'static str, u16), Arc<HttpSeries>>>;

static HTTP_SERIES: LazyLock<RwLock<HttpSeriesMap>> = LazyLock::new(RwLock::default);

#[cold]
fn register_http_series(route: &str, method: &'static str, status: u16) -> Arc<HttpSeries> {
    let series = Arc::new(HttpSeries {
        requests: metrics::counter!(
            HTTP_REQUESTS,
            "route" => route.to_owned(),
            "method" => method,
            "status" => status.to_string(),
        ),
        duration: metrics::histogram!(
            HTTP_REQUEST_DURATION,
            "route" => route.to_owned(),
            "method" => method,
        ),
    });
    if let Ok(mut map) = HTTP_SERIES.write() {
        map.entry(route.to_owned())
            .or_default()
            .entry((method, status))
            .or_insert_with(|| series.clone());
    }
    series
}

/// One finished (or refused) resolution of a domain.
pub fn resolution(outcome: &'static str, elapsed: Duration) {
    metrics::counter!(DISCOVERY_RESOLUTIONS, "outcome" => outcome).increment(1);
    metrics::histogram!(DISCOVERY_RESOLUTION_DURATION, "outcome" => outcome)
        .record(elapsed.as_secs_f64());
}

/// One failed upstream lookup: `openid`, `realm`, `credential_type`, `dns`, `website` or `image`.
pub fn upstream_error(endpoint: &'static str) {
    metrics::counter!(UPSTREAM_ERRORS, "endpoint" => endpoint).increment(1);
}

/// Where discovery found (or did not find) a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheResult {
    /// In memory.
    MemoryHit,
    /// In the database.
    StoreHit,
    /// Nowhere usable: resolved.
    Miss,
}

impl CacheResult {
    /// The `result` label.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheResult::MemoryHit => "memory_hit",
            CacheResult::StoreHit => "store_hit",
            CacheResult::Miss => "miss",
        }
    }
}

/// One profile request answered from `result` (every warm page counts one: the handles are
/// looked up once).
pub fn cache_request(result: CacheResult) {
    if !recorder_installed() {
        return;
    }
    static COUNTERS: OnceLock<[metrics::Counter; 3]> = OnceLock::new();
    let counters = COUNTERS.get_or_init(|| {
        [
            CacheResult::MemoryHit,
            CacheResult::StoreHit,
            CacheResult::Miss,
        ]
        .map(|result| metrics::counter!(DISCOVERY_CACHE_REQUESTS, "result" => result.as_str()))
    });
    let index = match result {
        CacheResult::MemoryHit => 0,
        CacheResult::StoreHit => 1,
        CacheResult::Miss => 2,
    };
    counters[index].increment(1);
}

/// Whether this process's recorder is in place. Before that, the facade's calls are no-ops, and
/// a handle taken then would stay a no-op after the recorder is installed: cached handles are
/// only taken once it is.
fn recorder_installed() -> bool {
    matches!(HANDLE.get(), Some(Some(_)))
}

/// One request turned away by the limit named `limit`.
pub fn rate_limited(limit: &'static str) {
    metrics::counter!(RATE_LIMITED, "limit" => limit).increment(1);
}

fn describe() {
    metrics::describe_counter!(HTTP_REQUESTS, "HTTP requests answered");
    metrics::describe_histogram!(
        HTTP_REQUEST_DURATION,
        metrics::Unit::Seconds,
        "Time to answer an HTTP request"
    );
    metrics::describe_counter!(DISCOVERY_RESOLUTIONS, "Domain resolutions by outcome");
    metrics::describe_histogram!(
        DISCOVERY_RESOLUTION_DURATION,
        metrics::Unit::Seconds,
        "Time a domain resolution took"
    );
    metrics::describe_counter!(UPSTREAM_ERRORS, "Failed upstream lookups by endpoint");
    metrics::describe_counter!(
        DISCOVERY_CACHE_REQUESTS,
        "Profile requests by where the profile was found"
    );
    metrics::describe_counter!(RATE_LIMITED, "Requests refused by a rate limit");
}

/// Fold histogram samples in periodically on a thread of its own: the recorder outlives any one
/// tokio runtime (tests run many).
fn spawn_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_INTERVAL);
                handle.run_upkeep();
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "metrics upkeep thread not started; scrapes still fold samples in");
    }
}
