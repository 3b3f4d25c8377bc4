//! Faults: the database going away mid-run, and Microsoft's endpoints hanging, resetting or
//! answering 503.
//!
//! The database is a real Postgres reached through `support::tcp_proxy::TcpProxy`, which can
//! refuse connections (`cut`: the server is down, the client hears at once) or swallow them
//! (`stall`: a network partition, the client hears nothing). Either way: warm tenant pages are
//! served from memory, `/readyz` answers 503, a new domain is still answered, admin writes fail
//! with a clear message and lose nothing, and everything recovers without a restart.
//! What the database holds is counted on a connection of the test's own, past the proxy.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::time::{Duration, Instant};

use authwalk::domain::DomainName;
use authwalk::store::{ACQUIRE_TIMEOUT, PING_TIMEOUT};
use reqwest::StatusCode;
use reqwest::header;
use serde_json::Value;
use support::admin_client::{AdminClient, text_of};
use support::fake_microsoft::{CONTOSO_TENANT, Endpoint, NORTHWIND_TENANT};
use support::fake_web::images;
use support::tcp_proxy::TcpProxy;
use support::upstream_fault::Fault;
use support::{Backend, RowCounts, TestApp, TestDatabase, Upstreams, test_config};

/// The per-lookup deadline every test here configures.
const TIMEOUT: Duration = Duration::from_secs(1);
/// Scheduling slack on top of a deadline (two shared cores, debug builds).
const MARGIN: Duration = Duration::from_millis(3000);
/// How the error page and the probe say the database is gone.
const DATABASE_DOWN: &str =
    "authwalk cannot reach its database at the moment. Please try again in a minute.";
/// The page of an unknown domain whose lookups failed.
const COULD_NOT_REACH_MICROSOFT: &str = "We couldn’t reach Microsoft just now";

/// An app on a fresh Postgres database behind a proxy, wired to `upstreams`; `None` without
/// Postgres.
async fn app_behind_proxy(upstreams: &Upstreams) -> Option<(TestApp, TcpProxy)> {
    let (database, proxy, url) = TestDatabase::postgres_behind_proxy().await?;
    let mut config = test_config(&url);
    upstreams.wire(&mut config);
    config.upstream_timeout = "1s".into();
    Some((TestApp::start(config, database).await, proxy))
}

/// `GET path` on `app` that must answer within `limit`; the response.
async fn get_within(app: &TestApp, path: &str, limit: Duration) -> reqwest::Response {
    let started = Instant::now();
    let response = app.get(path).await;
    let elapsed = started.elapsed();
    assert!(elapsed < limit, "{path} took {elapsed:?} (limit {limit:?})");
    response
}

/// The lead paragraph of an error page.
async fn lead(response: reqwest::Response) -> String {
    let html = response.text().await.unwrap();
    text_of(&html, "p.lead").unwrap_or_else(|| panic!("no lead paragraph: {html}"))
}

/// Poll `/readyz` until it answers 200 (the app was not restarted).
async fn wait_until_ready(app: &TestApp) -> Duration {
    let started = Instant::now();
    while app.get("/readyz").await.status() != StatusCode::OK {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "/readyz did not recover"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed()
}

/// What a test warmed up before the outage.
struct Warm {
    /// Contoso's logo URL (served from memory once seen).
    logo: String,
    /// Contoso's admin, signed in.
    admin: AdminClient,
    /// The admin session's CSRF token.
    csrf: String,
}

/// Warm `contoso.com` (page, API, logo) and sign in as its admin with saved settings.
async fn warm_up(app: &TestApp, upstreams: &Upstreams) -> Warm {
    let (status, json) = app.get_json("/api/v1/tenants/contoso.com").await;
    assert_eq!(status, 200);
    assert_eq!(json["tenant_id"], CONTOSO_TENANT);
    let logo = json["branding"]["logo_url"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&logo).await.status(), 200);
    assert_eq!(app.get("/t/contoso.com").await.status(), 200);

    let admin = AdminClient::sign_in(app, upstreams, "contoso.com").await;
    let csrf = admin.csrf().await;
    let response = admin
        .post_form(
            "/admin/settings",
            &settings(&csrf, "0", "Before the outage."),
        )
        .await;
    assert_eq!(response.status(), 200);
    // Seen once, so the tenant's customisation is in memory too.
    let page = app.get("/t/contoso.com").await.text().await.unwrap();
    assert!(page.contains("Before the outage."), "the intro is shown");
    Warm { logo, admin, csrf }
}

/// The settings form, saved over `version` (the one it was loaded at).
fn settings<'a>(csrf: &'a str, version: &'a str, intro: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("version", version),
        ("brand_color", ""),
        ("passkey_policy", "authenticator_only"),
        ("helpdesk_email", "helpdesk@contoso.com"),
        ("helpdesk_phone", ""),
        ("helpdesk_url", ""),
        ("intro_message", intro),
        ("short_slug", ""),
    ]
}

/// The stored intro message and settings version of Contoso, read past the proxy.
async fn stored_settings(database: &TestDatabase) -> (Option<String>, i64) {
    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(&database.url).await.unwrap();
    sqlx::query_as("SELECT intro_message, version FROM tenant_settings WHERE tenant_id = $1::uuid")
        .bind(CONTOSO_TENANT)
        .fetch_one(&mut connection)
        .await
        .unwrap()
}

/// While the database is away: everything a visitor and an admin can do, each answered in time.
async fn assert_served_while_the_database_is_away(
    app: &TestApp,
    warm: &Warm,
    store_wait: Duration,
    before: &RowCounts,
) {
    let Warm { logo, admin, csrf } = warm;
    // The probe says so, quickly; the process itself is alive.
    let ready = get_within(app, "/readyz", PING_TIMEOUT + MARGIN).await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(lead(ready).await, DATABASE_DOWN);
    assert_eq!(app.get("/healthz").await.status(), 200);

    // Warm pages, the API and the logo come from memory, at memory speed.
    // Under the store's 2 s pool wait: these never waited on the database.
    let quick = Duration::from_millis(1900);
    let page = get_within(app, "/t/contoso.com", quick).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Before the outage."), "customisation kept");
    let api = get_within(app, "/api/v1/tenants/contoso.com", quick).await;
    assert_eq!(api.status(), 200);
    let json: Value = api.json().await.unwrap();
    assert_eq!(json["tenant_id"], CONTOSO_TENANT);
    assert_eq!(get_within(app, logo, quick).await.status(), 200);
    assert_eq!(get_within(app, "/", quick).await.status(), 200);

    // Admin pages and writes: a clear 503 within the pool's wait, never a 500 or a hang.
    let started = Instant::now();
    let (status, page) = admin.get_text("/admin/settings").await;
    assert!(
        started.elapsed() < store_wait + MARGIN,
        "{:?}",
        started.elapsed()
    );
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(text_of(&page, "p.lead").as_deref(), Some(DATABASE_DOWN));
    let started = Instant::now();
    let response = admin
        .post_form(
            "/admin/settings",
            &settings(csrf, "0", "During the outage."),
        )
        .await;
    assert!(
        started.elapsed() < store_wait + MARGIN,
        "{:?}",
        started.elapsed()
    );
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(lead(response).await, DATABASE_DOWN);
    let started = Instant::now();
    let logo_upload = admin
        .upload_logo(csrf, "logo.png", images::asset(images::Asset::AppleTouch))
        .await;
    assert!(
        started.elapsed() < store_wait + MARGIN,
        "{:?}",
        started.elapsed()
    );
    assert_eq!(logo_upload.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(lead(logo_upload).await, DATABASE_DOWN);

    assert_eq!(
        &app.database.row_counts().await,
        before,
        "nothing half-written"
    );
}

/// Postgres stops (connections refused): warm pages stand, `/readyz` says 503, a new domain is
/// still answered, admin writes fail clearly and lose nothing, and all recovers without a
/// restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_database_leaves_warm_pages_standing_and_recovers_without_a_restart() {
    let upstreams = Upstreams::start().await;
    images::warm_up();
    let Some((app, proxy)) = app_behind_proxy(&upstreams).await else {
        return;
    };
    let warm = warm_up(&app, &upstreams).await;
    let before = app.database.row_counts().await;
    let saved = stored_settings(&app.database).await;
    assert_eq!(saved.0.as_deref(), Some("Before the outage."));

    proxy.cut();
    assert_served_while_the_database_is_away(&app, &warm, ACQUIRE_TIMEOUT, &before).await;

    // A domain never seen: asked of Microsoft and answered, though it cannot be stored.
    let api = get_within(&app, "/api/v1/tenants/northwind.com", TIMEOUT + MARGIN).await;
    assert_eq!(api.status(), 200);
    let json: Value = api.json().await.unwrap();
    assert_eq!(json["status"], "entra", "{json}");
    assert_eq!(json["tenant_id"], NORTHWIND_TENANT);
    let page = get_within(&app, "/t/fabrikam.com?wait=1", TIMEOUT + MARGIN).await;
    assert_eq!(page.status(), 200);
    assert_eq!(app.database.row_counts().await, before, "nothing stored");

    proxy.restore();
    wait_until_ready(&app).await;

    // Nothing was lost or half-written, the session survived, and the change goes through now.
    assert_eq!(stored_settings(&app.database).await, saved);
    let (status, page) = warm.admin.get_text("/admin/settings").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        text_of(&page, "#intro_message").as_deref(),
        Some("Before the outage.")
    );
    let version = saved.1.to_string();
    let response = warm
        .admin
        .post_form(
            "/admin/settings",
            &settings(&warm.csrf, &version, "After the outage."),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("Saved."));
    let (intro, new_version) = stored_settings(&app.database).await;
    assert_eq!(intro.as_deref(), Some("After the outage."));
    assert!(new_version > saved.1, "a new version");
    let page = app.get("/t/contoso.com").await.text().await.unwrap();
    assert!(
        page.contains("After the outage."),
        "the page follows at once"
    );

    // A new domain resolves and is stored again.
    let (status, json) = app.get_json("/api/v1/tenants/gcc-moderate.gov").await;
    assert_eq!(status, 200);
    assert_eq!(json["status"], "entra", "{json}");
    assert!(
        app.store
            .load_profile(&DomainName::parse("gcc-moderate.gov").unwrap())
            .await
            .unwrap()
            .is_some(),
        "stored once the database is back"
    );
    app.stop().await;
}

/// Postgres stops answering without closing anything (a partition): every wait is bounded by
/// the probe's and the pool's timeouts; recovery needs no restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_database_costs_bounded_waits_and_recovers_without_a_restart() {
    let upstreams = Upstreams::start().await;
    images::warm_up();
    let Some((app, proxy)) = app_behind_proxy(&upstreams).await else {
        return;
    };
    let warm = warm_up(&app, &upstreams).await;
    let before = app.database.row_counts().await;
    let saved = stored_settings(&app.database).await;

    proxy.stall();
    assert_served_while_the_database_is_away(&app, &warm, ACQUIRE_TIMEOUT, &before).await;

    // A first visit to a new domain: the progress page (or the walkthrough), after one pool
    // wait at most on top of the first-visit wait.
    let page = get_within(
        &app,
        "/t/northwind.com",
        ACQUIRE_TIMEOUT + Duration::from_millis(1200) + MARGIN,
    )
    .await;
    assert_eq!(page.status(), 200);

    proxy.restore();
    wait_until_ready(&app).await;
    assert_eq!(stored_settings(&app.database).await, saved, "nothing lost");
    let version = saved.1.to_string();
    let response = warm
        .admin
        .post_form(
            "/admin/settings",
            &settings(&warm.csrf, &version, "After the partition."),
        )
        .await;
    assert_eq!(response.status(), 200);
    let (intro, new_version) = stored_settings(&app.database).await;
    assert_eq!(intro.as_deref(), Some("After the partition."));
    assert!(new_version > saved.1, "a new version");
    app.stop().await;
}

/// What a silent database should cost a new domain: one pool wait (the first store read finds
/// it unavailable; later store calls of the same resolution should not wait again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "bug in src/discovery/mod.rs: each store call of a resolution (load, lock, every \
            image, save, reload) waits ACQUIRE_TIMEOUT in turn, ~10 s for a new domain"]
async fn a_new_domain_costs_one_pool_wait_while_the_database_is_silent() {
    let upstreams = Upstreams::start().await;
    let Some((app, proxy)) = app_behind_proxy(&upstreams).await else {
        return;
    };
    assert_eq!(app.get("/readyz").await.status(), 200);
    proxy.stall();
    let api = get_within(
        &app,
        "/api/v1/tenants/northwind.com",
        ACQUIRE_TIMEOUT + TIMEOUT + MARGIN,
    )
    .await;
    assert_eq!(api.status(), 200);
    proxy.restore();
    app.stop().await;
}

/// Microsoft's endpoints hanging, resetting the connection or answering 503: the visitor gets
/// the "couldn't reach Microsoft" page (503 + Retry-After) within the configured timeout,
/// nothing is stored, and the first visit after the fault clears resolves normally.
async fn hanging_resetting_or_503_microsoft_gives_unreachable_within_the_timeout(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.upstream_timeout = "1s".into();
    })
    .await
    else {
        return;
    };
    let endpoints = [
        Endpoint::OpenIdConfiguration,
        Endpoint::UserRealm,
        Endpoint::CredentialType,
        Endpoint::Cdn,
    ];
    for (what, fault, domain) in [
        ("hang", Fault::Hang, "northwind.com"),
        ("reset", Fault::Reset, "fabrikam.com"),
        ("503", Fault::Status(503), "gcc-moderate.gov"),
    ] {
        for endpoint in endpoints {
            upstreams.microsoft.set_fault(endpoint, fault.clone());
        }
        let before = app.database.row_counts().await;
        let started = Instant::now();
        let page = app.get(&format!("/t/{domain}?wait=1")).await;
        let elapsed = started.elapsed();
        assert!(elapsed < TIMEOUT + MARGIN, "{what}: {elapsed:?}");
        if matches!(fault, Fault::Hang) {
            assert!(
                elapsed >= TIMEOUT,
                "{what}: {elapsed:?} is before the deadline"
            );
        }
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
        assert_eq!(page.headers()[header::RETRY_AFTER], "30", "{what}");
        let html = page.text().await.unwrap();
        assert!(html.contains(COULD_NOT_REACH_MICROSOFT), "{what}");
        assert!(html.contains("data-status=\"unreachable\""), "{what}");

        let api = get_within(&app, &format!("/api/v1/tenants/{domain}"), TIMEOUT + MARGIN).await;
        assert_eq!(api.headers()[header::CACHE_CONTROL], "no-store");
        let json: Value = api.json().await.unwrap();
        assert_eq!(json["status"], "unreachable", "{what}: {json}");
        assert_eq!(app.database.row_counts().await, before, "{what}: stored");

        for endpoint in endpoints {
            upstreams.microsoft.clear_fault(endpoint);
        }
        let (status, json) = app.get_json(&format!("/api/v1/tenants/{domain}")).await;
        assert_eq!(status, 200);
        assert_eq!(json["status"], "entra", "{what}: {json}");
        assert!(
            app.store
                .load_profile(&DomainName::parse(domain).unwrap())
                .await
                .unwrap()
                .is_some(),
            "{what}: stored once Microsoft answers"
        );
        assert_eq!(
            app.get(&format!("/t/{domain}")).await.status(),
            200,
            "{what}"
        );
    }
    app.stop().await;
}
both_backends!(
    microsoft_faults,
    hanging_resetting_or_503_microsoft_gives_unreachable_within_the_timeout
);

/// A domain first resolved while the database was down is stored once the database is back
/// (rather than living on in memory only, unknown to the other instances, until its refresh).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_resolved_during_an_outage_is_stored_after_recovery() {
    let upstreams = Upstreams::start().await;
    let Some((app, proxy)) = app_behind_proxy(&upstreams).await else {
        return;
    };
    assert_eq!(app.get("/readyz").await.status(), 200);
    proxy.cut();
    let (status, json) = app.get_json("/api/v1/tenants/northwind.com").await;
    assert_eq!(status, 200);
    assert_eq!(json["status"], "entra");
    proxy.restore();
    wait_until_ready(&app).await;
    let domain = DomainName::parse("northwind.com").unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        // Visits after recovery; the profile should reach the database.
        app.get("/t/northwind.com").await;
        if app.store.load_profile(&domain).await.unwrap().is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "never stored");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.stop().await;
}
