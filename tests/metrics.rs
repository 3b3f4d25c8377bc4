//! Operability: `/metrics` in Prometheus text format after real requests against the fakes, and
//! the request id carried into discovery's JSON log lines by the real binary.
//!
//! The metrics recorder is process-wide, so these tests compare before/after values, and take a
//! lock so the two backends' runs do not add to each other's counts.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{Backend, TestApp, Upstreams};
use tokio::sync::Mutex;

/// One test at a time touches the process-wide counters.
static COUNTERS: Mutex<()> = Mutex::const_new(());

/// Parsed `/metrics`: (name, sorted labels) → value.
#[derive(Debug)]
struct Scrape(BTreeMap<(String, Vec<(String, String)>), f64>);

impl Scrape {
    async fn take(app: &TestApp) -> Self {
        let response = app.get("/metrics").await;
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        Self::parse(&response.text().await.unwrap())
    }

    fn parse(text: &str) -> Self {
        let mut samples = BTreeMap::new();
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let (series, value) = line.rsplit_once(' ').expect("name value");
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => (name, parse_labels(labels.trim_end_matches('}'))),
                None => (series, Vec::new()),
            };
            samples.insert((name.to_owned(), labels), value.parse::<f64>().unwrap());
        }
        Self(samples)
    }

    /// The value of `name` with exactly `labels`; 0 when absent (never recorded yet).
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let mut key: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        key.sort();
        self.0
            .get(&(name.to_owned(), key))
            .copied()
            .unwrap_or_default()
    }

    /// Every label value `label` takes on `name`.
    fn label_values(&self, name: &str, label: &str) -> Vec<String> {
        self.0
            .keys()
            .filter(|(series, _)| series == name)
            .flat_map(|(_, labels)| labels.iter().filter(|(k, _)| k == label))
            .map(|(_, v)| v.clone())
            .collect()
    }
}

fn parse_labels(text: &str) -> Vec<(String, String)> {
    let mut labels: Vec<(String, String)> = text
        .split("\",")
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').expect("label=value");
            (
                key.to_owned(),
                value.trim_matches('"').replace("\\\"", "\""),
            )
        })
        .collect();
    labels.sort();
    labels
}

/// The growth of `name{labels}` between two scrapes.
fn delta(before: &Scrape, after: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    after.value(name, labels) - before.value(name, labels)
}

/// Requests, resolutions (with latency), upstream errors and the cache's answers all show up,
/// labelled by route template and outcome.
async fn metrics_count_requests_resolutions_and_cache_answers(backend: Backend) {
    let _serial = COUNTERS.lock().await;
    let upstreams = Upstreams::start().await;
    upstreams.dns.add_microsoft365("contoso.com");
    // northwind.com's DNS answers SERVFAIL: its DNS signals are upstream errors.
    upstreams.dns.fail("northwind.com");
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let before = Scrape::take(&app).await;

    let (status, json) = app.get_json("/api/v1/tenants/contoso.com").await;
    assert_eq!(
        (status.as_u16(), json["status"].as_str()),
        (200, Some("entra"))
    );
    let (_, json) = app.get_json("/api/v1/tenants/contoso.com").await;
    assert_eq!(json["status"], "entra");
    let (_, json) = app.get_json("/api/v1/tenants/northwind.com").await;
    assert_eq!(json["status"], "entra");
    let (_, json) = app.get_json("/api/v1/tenants/no-tenant-here.com").await;
    assert_eq!(json["status"], "not_entra");
    assert_eq!(app.get("/no/such/page-4711").await.status(), 404);

    let after = Scrape::take(&app).await;
    let requests = "http_requests_total";
    let api = [
        ("route", "/api/v1/tenants/{domain}"),
        ("method", "GET"),
        ("status", "200"),
    ];
    assert_eq!(delta(&before, &after, requests, &api), 4.0);
    let unmatched = [("route", "unmatched"), ("method", "GET"), ("status", "404")];
    assert_eq!(delta(&before, &after, requests, &unmatched), 1.0);
    // The raw path never becomes a label: only templates.
    let routes = after.label_values(requests, "route");
    assert!(
        routes.iter().all(|route| !route.contains("4711")),
        "{routes:?}"
    );
    assert!(
        routes.iter().all(|route| !route.contains("contoso")),
        "{routes:?}"
    );
    assert!(
        after.value(
            "http_request_duration_seconds_count",
            &[("route", "/api/v1/tenants/{domain}"), ("method", "GET")]
        ) >= 4.0
    );

    let resolutions = "discovery_resolutions_total";
    assert_eq!(
        delta(&before, &after, resolutions, &[("outcome", "entra")]),
        2.0
    );
    assert_eq!(
        delta(&before, &after, resolutions, &[("outcome", "not_entra")]),
        1.0
    );
    assert_eq!(
        delta(
            &before,
            &after,
            "discovery_resolution_duration_seconds_count",
            &[("outcome", "entra")]
        ),
        2.0
    );
    // A real histogram (buckets), not a summary.
    assert!(
        after.value(
            "discovery_resolution_duration_seconds_bucket",
            &[("outcome", "entra"), ("le", "+Inf")]
        ) >= 2.0
    );

    let cache = "discovery_cache_requests_total";
    assert_eq!(delta(&before, &after, cache, &[("result", "miss")]), 3.0);
    assert_eq!(
        delta(&before, &after, cache, &[("result", "memory_hit")]),
        1.0
    );

    assert!(
        delta(
            &before,
            &after,
            "upstream_errors_total",
            &[("endpoint", "dns")]
        ) >= 1.0
    );
    assert_eq!(
        delta(
            &before,
            &after,
            "upstream_errors_total",
            &[("endpoint", "openid")]
        ),
        0.0,
        "Microsoft answered every OpenID lookup"
    );

    // A restart forgets memory; the database still knows contoso.com.
    let (database, raw) = app.stop_keeping_database().await;
    let app = TestApp::start(raw, database).await;
    let before = Scrape::take(&app).await;
    let (_, json) = app.get_json("/api/v1/tenants/contoso.com").await;
    assert_eq!(json["status"], "entra");
    let after = Scrape::take(&app).await;
    assert_eq!(
        delta(&before, &after, cache, &[("result", "store_hit")]),
        1.0
    );
    assert_eq!(
        delta(&before, &after, resolutions, &[("outcome", "entra")]),
        0.0
    );
    app.stop().await;
}
both_backends!(
    metrics_count_requests_resolutions_and_cache_answers_test,
    metrics_count_requests_resolutions_and_cache_answers
);

/// The real binary with JSON logs: a request's `X-Request-Id` is on the lines discovery logs while
/// resolving the domain for that request (in a task of its own).
#[test]
#[expect(
    clippy::disallowed_methods,
    reason = "a plain client for our own server, not an outbound request"
)]
fn json_logs_carry_the_request_id_into_discovery() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let upstreams = runtime.block_on(Upstreams::start());
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_authwalk"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("AUTHWALK_LISTEN", "127.0.0.1:0")
        .env("AUTHWALK_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("logs.db").display()),
        )
        .env("AUTHWALK_CONNECT_TO", upstreams.connect_to())
        .env("AUTHWALK_EXTRA_CA", upstreams.ca.pem_path())
        .env("AUTHWALK_DNS_SERVERS", upstreams.dns.addr().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel::<serde_json::Value>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if let Ok(entry) = serde_json::from_str(&line)
                && lines_tx.send(entry).is_err()
            {
                return;
            }
        }
    });
    let next_line = |deadline: Instant| {
        lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .ok()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let address = loop {
        let entry = next_line(deadline).expect("the server logs its address");
        if let Some(address) = entry["fields"]["address"].as_str() {
            break address.to_owned();
        }
    };

    let response = runtime.block_on(async {
        reqwest::Client::new()
            .get(format!("http://{address}/t/contoso.com"))
            .header("x-request-id", "test-123")
            .send()
            .await
            .unwrap()
    });
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-request-id"], "test-123");

    let deadline = Instant::now() + Duration::from_secs(20);
    let found = loop {
        let Some(entry) = next_line(deadline) else {
            break None;
        };
        let from_discovery = entry["target"]
            .as_str()
            .is_some_and(|target| target.starts_with("authwalk::discovery"));
        if from_discovery && entry["fields"]["message"] == "domain resolved" {
            break Some(entry);
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let entry = found.expect("discovery logs the resolution");
    assert_eq!(entry["span"]["request_id"], "test-123", "{entry}");
    assert_eq!(entry["fields"]["domain"], "contoso.com", "{entry}");
}

/// A refused request is counted by the limit that refused it, and by its 429 status.
async fn rate_limited_requests_are_counted(backend: Backend) {
    let _serial = COUNTERS.lock().await;
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.new_domain_rate = "1/h burst 1".into();
    })
    .await
    else {
        return;
    };
    let before = Scrape::take(&app).await;
    assert_eq!(app.get("/api/v1/tenants/contoso.com").await.status(), 200);
    assert_eq!(app.get("/api/v1/tenants/northwind.com").await.status(), 429);
    assert_eq!(app.get("/t/fabrikam.com").await.status(), 429);
    let after = Scrape::take(&app).await;
    assert_eq!(
        delta(
            &before,
            &after,
            "rate_limited_total",
            &[("limit", "new_domain")]
        ),
        2.0
    );
    let limited_api = [
        ("route", "/api/v1/tenants/{domain}"),
        ("method", "GET"),
        ("status", "429"),
    ];
    assert_eq!(
        delta(&before, &after, "http_requests_total", &limited_api),
        1.0
    );
    let limited_page = [
        ("route", "/t/{domain}"),
        ("method", "GET"),
        ("status", "429"),
    ];
    assert_eq!(
        delta(&before, &after, "http_requests_total", &limited_page),
        1.0
    );
    app.stop().await;
}
both_backends!(
    rate_limited_requests_are_counted_test,
    rate_limited_requests_are_counted
);
