//! Abuse limits against the real app and the fakes: the global cap on concurrent resolutions,
//! slow clients, graceful shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::time::{Duration, Instant};

use authwalk::Services;
use authwalk::domain::DomainName;
use authwalk::profile::DomainStatus;
use support::fake_microsoft::Endpoint;
use support::{Backend, TestApp, TestDatabase, Upstreams, test_config};

/// Wait (bounded) until `done` holds.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// With one resolution slot, a second new domain is answered busy while a slow one resolves —
/// and busy is not remembered: once the slot is free, the same domain resolves.
async fn a_full_resolution_cap_answers_busy(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let mut raw = test_config(&database.url);
    upstreams.wire(&mut raw);
    raw.max_resolutions = "1".into();
    // `slow-tenant.com` answers after 30 s: its resolution holds the one slot for this long.
    raw.upstream_timeout = "5s".into();
    let services = Services::build(&raw.validate().unwrap()).await.unwrap();
    let discovery = services.discovery.clone();

    let slow = DomainName::parse("slow-tenant.com").unwrap();
    let first = tokio::spawn({
        let discovery = discovery.clone();
        async move { discovery.try_profile(&slow).await }
    });
    eventually("the slow resolution to start", || {
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration) > 0
    })
    .await;

    let contoso = DomainName::parse("contoso.com").unwrap();
    let asked = Instant::now();
    let busy = discovery.try_profile(&contoso).await.unwrap_err();
    assert!(busy.retry_after >= Duration::from_secs(1), "{busy:?}");
    // It waited for a slot a little, not for the slow resolution.
    assert!(
        asked.elapsed() < Duration::from_secs(4),
        "{:?}",
        asked.elapsed()
    );
    assert_eq!(
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration),
        1,
        "nothing was asked about contoso.com while busy"
    );
    // Busy is not remembered.
    assert!(discovery.known(&contoso).await.is_none());

    let slow_profile = first.await.unwrap().unwrap();
    assert_eq!(slow_profile.status, DomainStatus::Unreachable);
    let profile = discovery.try_profile(&contoso).await.unwrap();
    assert_eq!(profile.status, DomainStatus::Entra);
    assert!(discovery.known(&contoso).await.is_some());
    services.store.close().await;
}
both_backends!(
    a_full_resolution_cap_answers_busy_test,
    a_full_resolution_cap_answers_busy
);

/// Read from `stream` until the server closes it; `Err` when it is still open after `limit`.
async fn closed_within(stream: &mut tokio::net::TcpStream, limit: Duration) -> Result<(), String> {
    use tokio::io::AsyncReadExt;
    let deadline = Instant::now() + limit;
    let mut buffer = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Ok(()),
            // A 408 may come first; the close is what matters.
            Ok(Ok(_)) => continue,
            Err(_) => return Err(format!("still open after {limit:?}")),
        }
    }
}

/// Slow-loris: a client that sends half a request line, or nothing at all, is disconnected once
/// the header timeout passes; a normal request on another connection is answered meanwhile.
async fn slow_clients_are_disconnected(backend: Backend) {
    use tokio::io::AsyncWriteExt;
    let Some(app) = TestApp::spawn_with(backend, |config| {
        config.header_read_timeout = "1s".into();
    })
    .await
    else {
        return;
    };
    let mut half_line = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    half_line.write_all(b"GET /healthz HT").await.unwrap();
    let mut silent = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let mut half_headers = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    half_headers
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();

    // The server still answers other clients.
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);

    let started = Instant::now();
    for (what, stream) in [
        ("half a request line", &mut half_line),
        ("nothing", &mut silent),
        ("half the headers", &mut half_headers),
    ] {
        closed_within(stream, Duration::from_secs(5))
            .await
            .unwrap_or_else(|error| panic!("a client that sent {what}: {error}"));
    }
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "closed by the timeout, not at once: {:?}",
        started.elapsed()
    );
    app.stop().await;
}
both_backends!(
    slow_clients_are_disconnected_test,
    slow_clients_are_disconnected
);

/// A keep-alive connection left idle is closed after the header timeout; one in use is not.
async fn idle_keep_alive_connections_are_closed(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some(app) = TestApp::spawn_with(backend, |config| {
        config.header_read_timeout = "1s".into();
    })
    .await
    else {
        return;
    };
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    for _ in 0..3 {
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buffer = [0u8; 4096];
        let read = stream.read(&mut buffer).await.unwrap();
        let response = String::from_utf8_lossy(&buffer[..read]);
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        // Busy, but within the timeout each time: the connection stays.
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    closed_within(&mut stream, Duration::from_secs(5))
        .await
        .unwrap();
    app.stop().await;
}
both_backends!(
    idle_keep_alive_connections_are_closed_test,
    idle_keep_alive_connections_are_closed
);

/// Stopping the server lets a request in flight finish with its answer.
async fn shutdown_finishes_a_request_in_flight(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.upstream_timeout = "2s".into();
    })
    .await
    else {
        return;
    };
    let client = app.client.clone();
    let url = app.url("/api/v1/tenants/slow-tenant.com");
    let request = tokio::spawn(async move { client.get(url).send().await });
    eventually("the slow lookup to start", || {
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration) > 0
    })
    .await;
    let addr = app.addr;
    let stopping = Instant::now();
    app.stop().await;
    let response = request
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert!(response.status().is_success(), "{}", response.status());
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(json["status"], "unreachable");
    assert!(
        stopping.elapsed() >= Duration::from_millis(500),
        "the stop waited for the request: {:?}",
        stopping.elapsed()
    );
    // Stopped: nothing listens any more.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
both_backends!(
    shutdown_finishes_a_request_in_flight_test,
    shutdown_finishes_a_request_in_flight
);

/// The `Retry-After` seconds of a response (asserting there is one).
fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Each client may look up only so many domains we do not know; known domains are never limited,
/// and a limited client gets 429 with `Retry-After` and a friendly page (JSON under /api/).
async fn new_domains_are_rate_limited_per_client(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.new_domain_rate = "1/h burst 2".into();
    })
    .await
    else {
        return;
    };
    let (status, json) = app.get_json("/api/v1/tenants/contoso.com").await;
    assert_eq!((status.as_u16(), &json["status"]), (200, &"entra".into()));
    assert_eq!(app.get("/t/northwind.com?wait=1").await.status(), 200);
    let asked = upstreams.microsoft.total_requests();

    let page = app.get("/t/fabrikam.com").await;
    assert_eq!(page.status(), 429);
    let wait = retry_after(&page);
    assert!((1..=3600).contains(&wait), "{wait}");
    let content_type = page.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = page.text().await.unwrap();
    assert!(html.contains("going a bit fast"), "{html}");
    assert!(
        html.contains(&format!("try again in {wait} seconds")),
        "{html}"
    );

    let api = app.get("/api/v1/tenants/fabrikam.com").await;
    assert_eq!(api.status(), 429);
    assert!(retry_after(&api) >= 1);
    let json: serde_json::Value = api.json().await.unwrap();
    assert_eq!(json["error"], "rate_limited");
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains("going a bit fast")
    );
    assert_eq!(
        upstreams.microsoft.total_requests(),
        asked,
        "a limited lookup sends nothing upstream"
    );

    // What is known stays available to the limited client.
    assert_eq!(app.get("/t/contoso.com").await.status(), 200);
    assert_eq!(
        app.get("/t/northwind.com?device=android").await.status(),
        200
    );
    let (status, _) = app.get_json("/api/v1/tenants/northwind.com").await;
    assert_eq!(status, 200);
    app.stop().await;
}
both_backends!(
    new_domains_are_rate_limited_per_client_test,
    new_domains_are_rate_limited_per_client
);

/// `GET` with an `X-Forwarded-For` header.
async fn get_from(app: &TestApp, path: &str, forwarded_for: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("x-forwarded-for", forwarded_for)
        .send()
        .await
        .unwrap()
}

/// Behind a trusted proxy each forwarded client has its own allowance, keyed by the right-most
/// address the proxy vouches for; without a trusted proxy the header changes nothing.
async fn forwarded_for_counts_only_from_trusted_proxies(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.new_domain_rate = "1/h burst 1".into();
        config.trusted_proxies = Some("127.0.0.0/8".into());
    })
    .await
    else {
        return;
    };
    let api = "/api/v1/tenants/";
    let first = "198.51.100.1";
    assert_eq!(
        get_from(&app, &format!("{api}contoso.com"), first)
            .await
            .status(),
        200
    );
    assert_eq!(
        get_from(&app, &format!("{api}northwind.com"), first)
            .await
            .status(),
        429
    );
    // Another client behind the same proxy has an allowance of its own.
    assert_eq!(
        get_from(&app, &format!("{api}northwind.com"), "198.51.100.2")
            .await
            .status(),
        200
    );
    // An entry the client wrote itself (left of what the proxy saw) is not believed.
    let forged = "203.0.113.77, 198.51.100.1";
    assert_eq!(
        get_from(&app, &format!("{api}fabrikam.com"), forged)
            .await
            .status(),
        429
    );
    app.stop().await;

    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.new_domain_rate = "1/h burst 1".into();
    })
    .await
    else {
        return;
    };
    assert_eq!(
        get_from(&app, &format!("{api}contoso.com"), first)
            .await
            .status(),
        200
    );
    assert_eq!(
        get_from(&app, &format!("{api}northwind.com"), "198.51.100.2")
            .await
            .status(),
        429,
        "without a trusted proxy X-Forwarded-For is ignored"
    );
    app.stop().await;
}
both_backends!(
    forwarded_for_counts_only_from_trusted_proxies_test,
    forwarded_for_counts_only_from_trusted_proxies
);

/// When every resolution slot is taken, a new domain gets a "busy" page (503, Retry-After) and the
/// API a JSON "busy" error; nothing is remembered.
async fn busy_is_a_503_with_retry_after(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.max_resolutions = "1".into();
        config.upstream_timeout = "6s".into();
    })
    .await
    else {
        return;
    };
    let client = app.client.clone();
    let url = app.url("/api/v1/tenants/slow-tenant.com");
    let slow = tokio::spawn(async move { client.get(url).send().await.unwrap().status() });
    eventually("the slow resolution to start", || {
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration) > 0
    })
    .await;

    let (page, api) = tokio::join!(
        app.get("/t/contoso.com?wait=1"),
        app.get("/api/v1/tenants/northwind.com")
    );
    assert_eq!(page.status(), 503);
    assert!(retry_after(&page) >= 1);
    let html = page.text().await.unwrap();
    assert!(html.contains("busy"), "{html}");
    assert_eq!(api.status(), 503);
    assert!(retry_after(&api) >= 1);
    let json: serde_json::Value = api.json().await.unwrap();
    assert_eq!(json["error"], "busy");

    assert!(slow.await.unwrap().is_success());
    // The slot is free again: the same domain now resolves.
    let (status, json) = app.get_json("/api/v1/tenants/northwind.com").await;
    assert_eq!((status.as_u16(), &json["status"]), (200, &"entra".into()));
    app.stop().await;
}
both_backends!(
    busy_is_a_503_with_retry_after_test,
    busy_is_a_503_with_retry_after
);

/// A body over the default limit is refused with 413 before any handler runs, as a page or as
/// JSON under /api/.
async fn oversized_bodies_are_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let body = vec![b'a'; 70 * 1024];
    let page = app
        .client
        .post(app.url("/t/contoso.com/events"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 413);
    // The body was never read: the client is told not to reuse the connection.
    assert_eq!(page.headers()[reqwest::header::CONNECTION], "close");
    let api = app
        .client
        .get(app.url("/api/v1/tenants/contoso.com"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 413);
    let json: serde_json::Value = api.json().await.unwrap();
    assert_eq!(json["error"], "payload_too_large");
    app.stop().await;
}
both_backends!(
    oversized_bodies_are_refused_test,
    oversized_bodies_are_refused
);
