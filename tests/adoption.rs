//! Adoption counters end to end, on both backends: batched writes that add up and survive a failing
//! store, the 30-day report, and the tenant page's two anonymous counting endpoints with the
//! counting cookie of a real page view.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
#![allow(
    clippy::disallowed_methods,
    reason = "a plain HTTP client for our own server, like tests/support"
)]

mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use authwalk::App;
use authwalk::admin::adoption::{Adoption, Event, PrereqFailure, REPORT_DAYS, TroubleKey};
use authwalk::device::WalkthroughKind;
use authwalk::domain::DomainName;
use authwalk::profile::{Cloud, DomainStatus, NamespaceType, Signals, Tenant, TenantProfile};
use authwalk::store::Store;
use reqwest::header;
use sqlx::Connection;
use support::fake_microsoft::CONTOSO_TENANT;
use support::{Backend, TestDatabase, Upstreams};
use time::macros::date;
use time::{Date, OffsetDateTime};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// Long enough that no background flush runs during a test: the tests flush themselves.
const NO_BACKGROUND_FLUSH: Duration = Duration::from_secs(3600);

const FABRIKAM: Uuid = Uuid::from_u128(0xfab0_0000_0000_4000_8000_0000_0000_0001);
const NEVER_STORED: Uuid = Uuid::from_u128(0x0dd0_0000_0000_4000_8000_0000_0000_0002);

async fn open(url: &str) -> Store {
    let database = authwalk::config::RawConfig {
        database_url: url.to_owned(),
        ..Default::default()
    }
    .validate()
    .unwrap()
    .database;
    let store = Store::connect(&database).await.unwrap();
    store.migrate().await.unwrap();
    store
}

/// Save `domain` as an Entra domain of `tenant_id` (counters need a known tenant).
async fn save_tenant(store: &Store, domain: &str, tenant_id: Uuid) {
    store
        .save_profile(&TenantProfile {
            domain: DomainName::parse(domain).unwrap(),
            status: DomainStatus::Entra,
            tenant: Some(Tenant {
                tenant_id,
                display_name: Some("Fabrikam".to_owned()),
                cloud: Cloud::Public,
                region_scope: None,
                region_sub_scope: None,
            }),
            namespace_type: NamespaceType::Managed,
            federation: None,
            brandings: None,
            signals: Signals::default(),
            website_logo: None,
            brand_color: None,
            resolved_at: OffsetDateTime::now_utc(),
        })
        .await
        .unwrap();
}

/// The stored counts of `tenant_id` from `from` to `to` as (day, metric, dimension) → count.
async fn stored(
    store: &Store,
    tenant_id: Uuid,
    from: Date,
    to: Date,
) -> BTreeMap<(Date, String, String), i64> {
    store
        .adoption_counts(tenant_id, from, to)
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            assert_eq!(row.tenant_id, tenant_id);
            ((row.day, row.metric, row.dimension), row.count)
        })
        .collect()
}

fn row(day: Date, metric: &str, dimension: &str, count: i64) -> ((Date, String, String), i64) {
    ((day, metric.to_owned(), dimension.to_owned()), count)
}

/// Run one statement on the test database, past the store (to break and mend it).
async fn execute(database: &TestDatabase, statement: &'static str) {
    match database.backend {
        Backend::Sqlite => {
            let mut connection = sqlx::SqliteConnection::connect(&database.url)
                .await
                .unwrap();
            sqlx::query(statement)
                .execute(&mut connection)
                .await
                .unwrap();
        }
        Backend::Postgres => {
            let mut connection = sqlx::PgConnection::connect(&database.url).await.unwrap();
            sqlx::query(statement)
                .execute(&mut connection)
                .await
                .unwrap();
        }
    }
}

const DAY_1: Date = date!(2024 - 03 - 01);
const DAY_2: Date = date!(2024 - 03 - 02);

async fn flushes_write_the_counters_and_add_up(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let store = open(&database.url).await;
    save_tenant(&store, "fabrikam.com", FABRIKAM).await;
    let adoption = Adoption::start(store.clone(), NO_BACKGROUND_FLUSH);
    let biometric: TroubleKey = "biometric_failed".parse().unwrap();

    for _ in 0..3 {
        adoption.record_on(FABRIKAM, DAY_1, Event::View(WalkthroughKind::Ios));
    }
    adoption.record_on(FABRIKAM, DAY_1, Event::Done(WalkthroughKind::Ios));
    adoption.record_on(
        FABRIKAM,
        DAY_1,
        Event::PrereqFail(PrereqFailure::InAppBrowser),
    );
    adoption.record_on(FABRIKAM, DAY_2, Event::TroubleshootOpen(biometric));
    // A tenant the store never saw is skipped, not a reason to fail the batch.
    adoption.record_on(NEVER_STORED, DAY_1, Event::View(WalkthroughKind::Ios));
    assert_eq!(adoption.pending_counters(), 5);

    assert_eq!(adoption.flush().await.unwrap(), 4);
    assert_eq!(adoption.pending_counters(), 0);
    assert_eq!(
        stored(&store, FABRIKAM, DAY_1, DAY_2).await,
        BTreeMap::from([
            row(DAY_1, "done", "ios", 1),
            row(DAY_1, "prereq_fail", "in_app_browser", 1),
            row(DAY_1, "view", "ios", 3),
            row(DAY_2, "troubleshoot_open", "biometric_failed", 1),
        ])
    );
    assert!(stored(&store, NEVER_STORED, DAY_1, DAY_2).await.is_empty());
    // The range is inclusive on both ends and nothing else.
    assert_eq!(stored(&store, FABRIKAM, DAY_2, DAY_2).await.len(), 1);

    // A second batch adds to the stored counts.
    adoption.record_on(FABRIKAM, DAY_1, Event::View(WalkthroughKind::Ios));
    adoption.record_on(FABRIKAM, DAY_1, Event::View(WalkthroughKind::Ios));
    adoption.record_on(FABRIKAM, DAY_2, Event::View(WalkthroughKind::Samsung));
    assert_eq!(adoption.flush().await.unwrap(), 2);
    let after = stored(&store, FABRIKAM, DAY_1, DAY_2).await;
    assert_eq!(after[&(DAY_1, "view".into(), "ios".into())], 5);
    assert_eq!(after[&(DAY_2, "view".into(), "samsung".into())], 1);
    assert_eq!(after[&(DAY_1, "done".into(), "ios".into())], 1);
    // Nothing pending: a flush writes nothing.
    assert_eq!(adoption.flush().await.unwrap(), 0);
    store.close().await;
}
both_backends!(flushes, flushes_write_the_counters_and_add_up);

async fn a_failed_flush_keeps_the_counts_for_the_next(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let store = open(&database.url).await;
    save_tenant(&store, "fabrikam.com", FABRIKAM).await;
    let adoption = Adoption::start(store.clone(), NO_BACKGROUND_FLUSH);
    adoption.record_on(FABRIKAM, DAY_1, Event::View(WalkthroughKind::Android));
    adoption.record_on(FABRIKAM, DAY_1, Event::View(WalkthroughKind::Android));
    adoption.record_on(FABRIKAM, DAY_1, Event::Done(WalkthroughKind::Android));

    // The table is gone: every statement of the batch fails.
    execute(
        &database,
        "ALTER TABLE adoption_daily RENAME TO adoption_daily_away",
    )
    .await;
    assert!(adoption.flush().await.is_err());
    assert_eq!(adoption.pending_counters(), 2);
    // Counting goes on while the store fails, and merges with the kept counts.
    adoption.record_on(FABRIKAM, DAY_1, Event::View(WalkthroughKind::Android));
    adoption.record_on(FABRIKAM, DAY_2, Event::View(WalkthroughKind::Desktop));
    assert!(adoption.flush().await.is_err());
    assert_eq!(adoption.pending_counters(), 3);

    execute(
        &database,
        "ALTER TABLE adoption_daily_away RENAME TO adoption_daily",
    )
    .await;
    assert_eq!(adoption.flush().await.unwrap(), 3);
    assert_eq!(
        stored(&store, FABRIKAM, DAY_1, DAY_2).await,
        BTreeMap::from([
            row(DAY_1, "done", "android", 1),
            row(DAY_1, "view", "android", 3),
            row(DAY_2, "view", "desktop", 1),
        ])
    );
    store.close().await;
}
both_backends!(failed_flush, a_failed_flush_keeps_the_counts_for_the_next);

/// A Postgres that goes away (the connection cut) and comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_keeps_the_counts_until_it_is_back() {
    let Some((_database, proxy, url)) = TestDatabase::postgres_behind_proxy().await else {
        return;
    };
    let store = open(&url).await;
    save_tenant(&store, "fabrikam.com", FABRIKAM).await;
    let adoption = Adoption::start(store.clone(), NO_BACKGROUND_FLUSH);
    adoption.record_on(FABRIKAM, DAY_1, Event::View(WalkthroughKind::Ios));
    adoption.record_on(FABRIKAM, DAY_1, Event::Done(WalkthroughKind::Ios));

    proxy.cut();
    let error = adoption.flush().await.unwrap_err();
    assert!(
        matches!(error, authwalk::store::StoreError::Unavailable(_)),
        "{error}"
    );
    assert_eq!(adoption.pending_counters(), 2);
    adoption.record_on(FABRIKAM, DAY_1, Event::Done(WalkthroughKind::Ios));

    proxy.restore();
    assert_eq!(adoption.flush().await.unwrap(), 2);
    assert_eq!(
        stored(&store, FABRIKAM, DAY_1, DAY_1).await,
        BTreeMap::from([row(DAY_1, "done", "ios", 2), row(DAY_1, "view", "ios", 1)])
    );
    store.close().await;
}

async fn the_report_covers_thirty_days_and_counts_everything_once(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let store = open(&database.url).await;
    save_tenant(&store, "fabrikam.com", FABRIKAM).await;
    let adoption = Adoption::start(store.clone(), NO_BACKGROUND_FLUSH);
    let today = date!(2024 - 03 - 10);
    let first = date!(2024 - 02 - 10);

    let empty = adoption.report(FABRIKAM, today).await.unwrap();
    assert_eq!(empty.days.len(), REPORT_DAYS);
    assert!(empty.is_empty());

    adoption.record_on(FABRIKAM, today, Event::View(WalkthroughKind::Ios));
    adoption.record_on(FABRIKAM, first, Event::Done(WalkthroughKind::Samsung));
    // Outside the 30 days (one day before, one after): not in the report.
    adoption.record_on(
        FABRIKAM,
        date!(2024 - 02 - 09),
        Event::View(WalkthroughKind::Ios),
    );
    adoption.record_on(
        FABRIKAM,
        date!(2024 - 03 - 11),
        Event::View(WalkthroughKind::Ios),
    );
    // Another tenant's counts are not in it either.
    save_tenant(&store, "contoso-other.com", NEVER_STORED).await;
    adoption.record_on(NEVER_STORED, today, Event::View(WalkthroughKind::Ios));

    // Before the flush the report shows what is pending; after it, the same, once.
    let pending = adoption.report(FABRIKAM, today).await.unwrap();
    adoption.flush().await.unwrap();
    let flushed = adoption.report(FABRIKAM, today).await.unwrap();
    assert_eq!(pending, flushed);
    // A second instance (nothing pending) reads the same from the store.
    let elsewhere = Adoption::start(store.clone(), NO_BACKGROUND_FLUSH)
        .report(FABRIKAM, today)
        .await
        .unwrap();
    assert_eq!(elsewhere, flushed);

    let report = flushed;
    assert_eq!(report.days.len(), REPORT_DAYS);
    assert_eq!(report.days.first().unwrap().day, first);
    assert_eq!(report.days.last().unwrap().day, today);
    assert_eq!(
        report.days[0]
            .counts
            .get(Event::Done(WalkthroughKind::Samsung)),
        1
    );
    assert_eq!(
        report.days[29]
            .counts
            .get(Event::View(WalkthroughKind::Ios)),
        1
    );
    assert!(report.days[1..29].iter().all(|day| day.counts.is_empty()));
    assert_eq!(report.totals.views(), 1);
    assert_eq!(report.totals.done(), 1);
    store.close().await;
}
both_backends!(
    report,
    the_report_covers_thirty_days_and_counts_everything_once
);

#[test]
fn csv_of_a_small_fixture_is_exact_and_hides_small_counts() {
    let today = date!(2024 - 03 - 10);
    let report = authwalk::admin::adoption::AdoptionReport::from_counts(
        today,
        [
            (today, Event::View(WalkthroughKind::Ios), 12),
            (today, Event::View(WalkthroughKind::Samsung), 3),
            (today, Event::Done(WalkthroughKind::Ios), 4),
            (today, Event::PrereqFail(PrereqFailure::OldOs), 2),
            (
                date!(2024 - 03 - 09),
                Event::TroubleshootOpen("passkey_already_exists".parse().unwrap()),
                1,
            ),
        ],
    );
    let csv = report.to_csv();
    let header = "day,view_ios,view_android,view_samsung,view_desktop,done_ios,done_android,\
                  done_samsung,done_desktop,prereq_fail_old_os,prereq_fail_in_app_browser,\
                  troubleshoot_open_not_supported_by_tenant,troubleshoot_open_cannot_verify_device,\
                  troubleshoot_open_authenticator_not_installed,troubleshoot_open_provider_missing,\
                  troubleshoot_open_samsung_pass_default,troubleshoot_open_qr_scanner_instead,\
                  troubleshoot_open_phone_cannot_connect,troubleshoot_open_biometric_failed,\
                  troubleshoot_open_passkey_already_exists,troubleshoot_open_in_app_browser,\
                  troubleshoot_open_conditional_access,troubleshoot_open_work_profile,\
                  troubleshoot_open_firefox_android,troubleshoot_open_network_blocks_cross_device,\
                  troubleshoot_open_app_not_approved\r\n";
    let mut expected = header.to_owned();
    let mut day = date!(2024 - 02 - 10);
    while day < date!(2024 - 03 - 09) {
        expected.push_str(&format!(
            "{day},0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\r\n"
        ));
        day = day.next_day().unwrap();
    }
    // Counts from 1 to 4 never appear as numbers: no single employee can be singled out.
    expected
        .push_str("2024-03-09,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,fewer than 5,0,0,0,0,0,0\r\n");
    expected.push_str(
        "2024-03-10,12,0,fewer than 5,0,fewer than 5,0,0,0,fewer than 5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\r\n",
    );
    assert_eq!(csv, expected);
}

async fn the_table_holds_only_anonymous_counters(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let store = open(&database.url).await;
    let columns: Vec<String> = match backend {
        Backend::Sqlite => {
            let mut connection = sqlx::SqliteConnection::connect(&database.url)
                .await
                .unwrap();
            sqlx::query_scalar("SELECT name FROM pragma_table_info('adoption_daily') ORDER BY cid")
                .fetch_all(&mut connection)
                .await
                .unwrap()
        }
        Backend::Postgres => {
            let mut connection = sqlx::PgConnection::connect(&database.url).await.unwrap();
            sqlx::query_scalar(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_name = 'adoption_daily' AND table_schema = current_schema() \
                 ORDER BY ordinal_position",
            )
            .fetch_all(&mut connection)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        columns,
        ["tenant_id", "day", "metric", "dimension", "count"]
    );
    store.close().await;
}
both_backends!(schema, the_table_holds_only_anonymous_counters);

// --- the counting endpoints, through the running app ---

/// The app, started like `support::TestApp` but keeping its adoption counters at hand.
struct CountingApp {
    addr: SocketAddr,
    client: reqwest::Client,
    adoption: Adoption,
    store: Store,
    database: TestDatabase,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl CountingApp {
    async fn spawn(backend: Backend, upstreams: &Upstreams) -> Option<Self> {
        let database = TestDatabase::create(backend).await?;
        let mut raw = support::test_config(&database.url);
        upstreams.wire(&mut raw);
        let config = raw.validate().unwrap();
        authwalk::telemetry::init(&config.rust_log, config.log_format);
        let app = App::build(config).await.unwrap();
        let addr = app.local_addr();
        let adoption = app.state().adoption.clone();
        let store = app.state().store.clone();
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            app.run(async {
                let _ = stop.await;
            })
            .await
            .unwrap();
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Some(Self {
            addr,
            client,
            adoption,
            store,
            database,
            shutdown: Some(shutdown),
            server: Some(server),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A form POST as a browser sends it from our own page; `extra` headers replace defaults.
    async fn post(&self, path: &str, body: &str, extra: &[(&str, &str)]) -> reqwest::Response {
        let mut headers = header::HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        headers.insert(header::ORIGIN, self.origin().parse().unwrap());
        for (name, value) in extra {
            headers.insert(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        self.client
            .post(self.url(path))
            .headers(headers)
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }

    /// Resolve contoso.com through the fakes, as the first visit to its page does.
    async fn visit_contoso(&self) -> String {
        self.open_contoso("ios").await.0
    }

    /// Open contoso.com's `device` walkthrough as a browser navigates to it, without cookies (a
    /// new browser): the page and the counting cookie it sets (`name=value`).
    async fn open_contoso(&self, device: &str) -> (String, String) {
        let response = self
            .client
            .get(self.url(&format!("/t/contoso.com?device={device}&wait=1")))
            .header("sec-fetch-dest", "document")
            .header("sec-fetch-mode", "navigate")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let cookie = view_cookie(&response).expect("a page view sets its counting cookie");
        (response.text().await.unwrap(), cookie)
    }

    /// Contoso's counts around today (yesterday to tomorrow: a test may run across midnight),
    /// summed over the days, after writing everything pending.
    async fn contoso_counts(&self) -> BTreeMap<(String, String), i64> {
        self.adoption.flush().await.unwrap();
        let today = OffsetDateTime::now_utc().date();
        let mut counts = BTreeMap::new();
        for ((_, metric, dimension), count) in stored(
            &self.store,
            contoso(),
            today.previous_day().unwrap(),
            today.next_day().unwrap(),
        )
        .await
        {
            *counts.entry((metric, dimension)).or_default() += count;
        }
        counts
    }

    /// Stop serving (which writes the pending counters) and keep the database.
    async fn stop(mut self) -> TestDatabase {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap();
        }
        self.database
    }
}

fn contoso() -> Uuid {
    CONTOSO_TENANT.parse().unwrap()
}

fn counted(metric: &str, dimension: &str, count: i64) -> ((String, String), i64) {
    ((metric.to_owned(), dimension.to_owned()), count)
}

/// The counting cookie a response sets, as the browser sends it back (`aw_view=…`).
fn view_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("aw_view="))
        .and_then(|value| value.split(';').next())
        .map(str::to_owned)
}

fn assert_no_cookie(response: &reqwest::Response) {
    assert!(
        response.headers().get(header::SET_COOKIE).is_none(),
        "{:?}",
        response.headers()
    );
}

async fn done_and_troubleshooting_opens_are_counted(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = CountingApp::spawn(backend, &upstreams).await else {
        return;
    };
    let (page, view) = app.open_contoso("ios").await;
    // The page carries the "Done" form and a key on every troubleshooting entry.
    assert!(page.contains(
        "<form class=\"done-form\" method=\"post\" action=\"/t/contoso.com/done\" \
         data-events-url=\"/t/contoso.com/events\">"
    ));
    assert!(page.contains("I’ve set up my passkey"));
    assert!(page.contains("data-trouble=\"biometric_failed\""));
    let before = app.contoso_counts().await;

    let response = app
        .post("/t/contoso.com/done", "device=ios", &[("cookie", &view)])
        .await;
    assert_eq!(response.status(), 200);
    assert_no_cookie(&response);
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "no-store",
        "a confirmation is never cached"
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("You’re all set"), "{html}");
    assert!(html.contains("Next time you sign in to Contoso"), "{html}");
    assert!(
        html.contains("href=\"/t/contoso.com?device=ios\""),
        "{html}"
    );

    let response = app
        .post(
            "/t/contoso.com/events",
            "kind=troubleshoot_open&key=biometric_failed",
            &[("sec-fetch-site", "same-origin"), ("cookie", &view)],
        )
        .await;
    assert_eq!(response.status(), 204);
    assert_no_cookie(&response);
    // The same view cannot count them twice.
    for (path, body) in [
        ("/t/contoso.com/done", "device=ios"),
        (
            "/t/contoso.com/events",
            "kind=troubleshoot_open&key=biometric_failed",
        ),
    ] {
        let response = app.post(path, body, &[("cookie", &view)]).await;
        assert!(response.status().is_success(), "{path}");
    }

    let after = app.contoso_counts().await;
    let mut expected = before.clone();
    for (key, count) in [
        counted("done", "ios", 1),
        counted("troubleshoot_open", "biometric_failed", 1),
    ] {
        *expected.entry(key).or_default() += count;
    }
    assert_eq!(after, expected);
    app.stop().await;
}
both_backends!(counting, done_and_troubleshooting_opens_are_counted);

async fn refused_requests_count_nothing(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = CountingApp::spawn(backend, &upstreams).await else {
        return;
    };
    let (_, view) = app.open_contoso("ios").await;
    let before = app.contoso_counts().await;
    let microsoft_requests = upstreams.microsoft.total_requests();

    /// (path, form body, headers replacing the same-origin defaults, status, words in the answer)
    type Refusal = (
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
        u16,
        &'static str,
    );
    let cases: [Refusal; 10] = [
        // From another site: 403, whatever the form says.
        (
            "/t/contoso.com/done",
            "device=ios",
            &[("origin", "https://evil.example")],
            403,
            "another site",
        ),
        (
            "/t/contoso.com/events",
            "kind=troubleshoot_open&key=biometric_failed",
            &[("sec-fetch-site", "cross-site")],
            403,
            "another site",
        ),
        // Malformed forms: 400 with what is wrong.
        (
            "/t/contoso.com/events",
            "kind=troubleshoot_open&key=not_an_entry",
            &[],
            400,
            "unknown troubleshooting entry",
        ),
        (
            "/t/contoso.com/events",
            "kind=page_click&key=biometric_failed",
            &[],
            400,
            "unknown event kind",
        ),
        (
            "/t/contoso.com/done",
            "device=blackberry",
            &[],
            400,
            "unknown device",
        ),
        (
            "/t/contoso.com/done",
            "",
            &[],
            400,
            "missing its `device` field",
        ),
        (
            "/t/contoso.com/events",
            "kind=troubleshoot_open",
            &[],
            400,
            "missing its `key` field",
        ),
        // Not a domain: 400; a domain we don't know as an Entra tenant: 404, without a lookup.
        ("/t/localhost/done", "device=ios", &[], 400, ""),
        (
            "/t/never-looked-up.example.com/done",
            "device=ios",
            &[],
            404,
            "",
        ),
        (
            "/t/never-looked-up.example.com/events",
            "kind=troubleshoot_open&key=biometric_failed",
            &[],
            404,
            "",
        ),
    ];
    for (path, body, headers, status, message) in cases {
        // Each with a real view's counting cookie: the refusal is about the request itself.
        let mut headers = headers.to_vec();
        headers.push(("cookie", &view));
        let response = app.post(path, body, &headers).await;
        assert_eq!(response.status(), status, "{path} {body:?} {headers:?}");
        assert_no_cookie(&response);
        let text = response.text().await.unwrap();
        assert!(text.contains(message), "{path} {body:?}: {text}");
    }
    // A body far beyond a form's size is refused before it is read.
    let oversized = format!("device=ios&padding={}", "x".repeat(4096));
    let response = app.post("/t/contoso.com/done", &oversized, &[]).await;
    assert_eq!(response.status(), 413);
    // Only POST counts.
    let response = app
        .client
        .get(app.url("/t/contoso.com/done"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);

    assert_eq!(app.contoso_counts().await, before);
    assert_eq!(
        upstreams.microsoft.total_requests(),
        microsoft_requests,
        "counting never starts a lookup"
    );
    app.stop().await;
}
both_backends!(refused, refused_requests_count_nothing);

async fn pending_counters_are_written_at_shutdown(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = CountingApp::spawn(backend, &upstreams).await else {
        return;
    };
    app.visit_contoso().await;
    // The app also writes every few seconds: view and confirm (a new browser each time) until
    // this view and "Done" are the only things pending, then stop at once, so only the shutdown
    // can write them.
    let mut confirmed = 0;
    loop {
        app.adoption.flush().await.unwrap();
        let (_, view) = app.open_contoso("samsung").await;
        let response = app
            .post(
                "/t/contoso.com/done",
                "device=samsung",
                &[("cookie", &view)],
            )
            .await;
        assert_eq!(response.status(), 200);
        confirmed += 1;
        if app.adoption.pending_counters() == 2 {
            break;
        }
    }
    let database = app.stop().await;

    let store = open(&database.url).await;
    let today = OffsetDateTime::now_utc().date();
    let counts = stored(
        &store,
        contoso(),
        today.previous_day().unwrap(),
        today.next_day().unwrap(),
    )
    .await;
    let done: i64 = counts
        .iter()
        .filter(|((_, metric, dimension), _)| metric == "done" && dimension == "samsung")
        .map(|(_, count)| count)
        .sum();
    assert_eq!(done, confirmed);
    store.close().await;
}
both_backends!(shutdown, pending_counters_are_written_at_shutdown);

/// A script that drops its cookie and sends a new User-Agent with every view gains one count past
/// its address's allowance of new browsers, not one per User-Agent.
async fn a_script_rotating_user_agents_gains_nothing_past_the_allowance(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = CountingApp::spawn(backend, &upstreams).await else {
        return;
    };
    app.visit_contoso().await;
    let allowance = authwalk::admin::counting::NEW_BROWSERS_BURST;
    let view = |user_agent: String| {
        app.client
            .get(app.url("/t/contoso.com?device=ios"))
            .header("sec-fetch-dest", "document")
            .header("sec-fetch-mode", "navigate")
            .header(header::USER_AGENT, user_agent)
            .send()
    };
    // The rest of this address's allowance: each a new browser.
    for n in 1..allowance {
        assert_eq!(
            view(format!("Mozilla/5.0 (crowd {n})"))
                .await
                .unwrap()
                .status(),
            200
        );
    }
    // Then fifty more, each with a User-Agent never seen before.
    for n in 0..50 {
        assert_eq!(
            view(format!("Mozilla/5.0 (script {n})"))
                .await
                .unwrap()
                .status(),
            200
        );
    }
    let counts = app.contoso_counts().await;
    let views: i64 = counts
        .iter()
        .filter(|((metric, _), _)| metric == "view")
        .map(|(_, count)| count)
        .sum();
    assert_eq!(views, i64::from(allowance) + 1, "{counts:?}");
    app.stop().await;
}
both_backends!(
    rotating_user_agents,
    a_script_rotating_user_agents_gains_nothing_past_the_allowance
);
