//! Tenant administration end to end: proving control of a domain (DNS TXT against the fake DNS
//! server, and the operator's one-time link), sessions, CSRF and cross-origin refusals, tenant
//! isolation, logo uploads, settings, the rollout kit, short links, and settings changes reaching
//! every instance — on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use authwalk::admin::TenantCustomizations;
use authwalk::admin::challenge;
use authwalk::admin::secret::sha256_hex;
use authwalk::domain::DomainName;
use authwalk::store::Store;
use authwalk::store::models::{GrantMethod, GrantStatus};
use reqwest::header;
use reqwest::{Response, StatusCode};
use scraper::{Html, Selector};
use support::fake_dns::FakeRecord;
use support::fake_microsoft::{CONTOSO_TENANT, NORTHWIND_TENANT};
use support::fake_web::{HTML_AS_IMAGE, images};
use support::{Backend, TestApp, TestDatabase, Upstreams, test_config};
use time::OffsetDateTime;
use uuid::Uuid;

// --- a small browser: cookies, same-origin form posts ---

/// A browser on one app: keeps cookies and sends `Origin` like a browser does on form posts.
#[derive(Clone)]
struct Browser {
    base: String,
    client: reqwest::Client,
    cookies: Arc<Mutex<HashMap<String, String>>>,
}

impl Browser {
    fn new(app: &TestApp) -> Self {
        Self {
            base: app.url(""),
            client: app.client.clone(),
            cookies: Arc::default(),
        }
    }

    /// The same cookies, on another instance.
    fn on(&self, app: &TestApp) -> Self {
        Self {
            base: app.url(""),
            ..self.clone()
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    fn keep_cookies(&self, response: &Response) {
        let mut cookies = self.cookies.lock().unwrap();
        for value in response.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    async fn get(&self, path: &str) -> Response {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header(header::COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        response
    }

    async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        (response.status(), response.text().await.unwrap())
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, self.cookie_header())
            .header(header::ORIGIN, self.base.trim_end_matches('/'))
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Response {
        let response = request.send().await.unwrap();
        self.keep_cookies(&response);
        response
    }

    async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.send(self.post(path).form(fields)).await
    }

    /// The session's CSRF token, read from a signed-in page.
    async fn csrf(&self) -> String {
        let (_, page) = self.get_text("/admin/settings").await;
        input_value(&page, "input[name=csrf]").expect("a CSRF field")
    }
}

/// reqwest's `form` needs a feature we don't build with: encode the fields ourselves.
trait FormBody {
    fn form(self, fields: &[(&str, &str)]) -> Self;
}

impl FormBody for reqwest::RequestBuilder {
    fn form(self, fields: &[(&str, &str)]) -> Self {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
    }
}

fn input_value(page: &str, selector: &str) -> Option<String> {
    let document = Html::parse_document(page);
    let selector = Selector::parse(selector).unwrap();
    document
        .select(&selector)
        .next()
        .and_then(|element| element.value().attr("value").map(str::to_owned))
}

fn text_of(page: &str, selector: &str) -> Option<String> {
    let document = Html::parse_document(page);
    let selector = Selector::parse(selector).unwrap();
    document
        .select(&selector)
        .next()
        .map(|element| element.text().collect::<String>())
}

fn location(response: &Response) -> String {
    response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned()
}

async fn body(response: Response) -> (StatusCode, String) {
    let status = response.status();
    (status, response.text().await.unwrap())
}

// --- signing in ---

/// Start a DNS challenge for `domain` in `browser`; returns the record value it shows.
async fn start_challenge(browser: &Browser, domain: &str) -> String {
    let (status, page) = browser.get_text("/admin").await;
    assert_eq!(status, 200);
    let csrf = input_value(&page, "form[action=\"/admin/challenge\"] input[name=csrf]").unwrap();
    let (status, page) = body(
        browser
            .post_form("/admin/challenge", &[("csrf", &csrf), ("domain", domain)])
            .await,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        input_value(&page, "#record-name").as_deref(),
        Some(format!("_authwalk-challenge.{domain}").as_str())
    );
    input_value(&page, "#record-value").unwrap()
}

async fn press_verify(browser: &Browser, domain: &str) -> Response {
    let csrf = browser.cookie("authwalk_admin_csrf").unwrap();
    browser
        .post_form("/admin/verify", &[("csrf", &csrf), ("domain", domain)])
        .await
}

/// A browser signed in as the admin of `domain`'s tenant, through the DNS challenge.
async fn signed_in(app: &TestApp, upstreams: &Upstreams, domain: &str) -> Browser {
    let browser = Browser::new(app);
    let value = start_challenge(&browser, domain).await;
    upstreams.dns.add(
        &format!("_authwalk-challenge.{domain}"),
        FakeRecord::Txt(value),
    );
    let response = press_verify(&browser, domain).await;
    assert_eq!(response.status(), 303, "{:?}", response.text().await);
    assert_eq!(location(&response), "/admin");
    assert!(browser.cookie("authwalk_admin").is_some());
    browser
}

fn tenant(id: &str) -> Uuid {
    Uuid::parse_str(id).unwrap()
}

async fn spawn(backend: Backend, upstreams: &Upstreams) -> Option<TestApp> {
    images::warm_up();
    TestApp::spawn_wired(backend, upstreams, |_| {}).await
}

// --- proving control of a domain ---

async fn dns_challenge_signs_in_only_with_the_exact_live_unused_record(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let record_name = "_authwalk-challenge.contoso.com";
    let browser = Browser::new(&app);
    let value = start_challenge(&browser, "contoso.com").await;
    assert!(
        value.starts_with("token=") && value.contains(" expiry="),
        "{value}"
    );

    // No record yet.
    let (status, page) = body(press_verify(&browser, "contoso.com").await).await;
    assert_eq!(status, 400);
    assert!(
        page.contains("We found no TXT record at _authwalk-challenge.contoso.com"),
        "{page}"
    );
    assert!(browser.cookie("authwalk_admin").is_none());

    // A wrong value (one character changed).
    let mut wrong = value.clone();
    wrong.replace_range(6..7, if &value[6..7] == "A" { "B" } else { "A" });
    upstreams
        .dns
        .add(record_name, FakeRecord::Txt(wrong.clone()));
    let (status, page) = body(press_verify(&browser, "contoso.com").await).await;
    assert_eq!(status, 400);
    let alert = text_of(&page, ".admin-alert--error").unwrap_or_default();
    assert!(
        alert.contains("doesn't match the challenge we issued"),
        "{alert}"
    );

    // The right value beside the wrong one: signed in.
    upstreams
        .dns
        .add(record_name, FakeRecord::Txt(value.clone()));
    let response = press_verify(&browser, "contoso.com").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin");
    let (status, dashboard) = browser.get_text("/admin").await;
    assert_eq!(status, 200);
    assert!(dashboard.contains("Contoso"), "{dashboard}");
    assert!(dashboard.contains("contoso.com"), "{dashboard}");
    let verified = app
        .store
        .verified_domains(tenant(CONTOSO_TENANT))
        .await
        .unwrap();
    assert_eq!(verified.len(), 1);
    assert_eq!(verified[0].domain, "contoso.com");
    assert_eq!(verified[0].method, GrantMethod::DnsTxt);
    assert_eq!(verified[0].status, GrantStatus::Active);

    // The same record again, from the same browser: used up.
    let (status, page) = body(press_verify(&browser, "contoso.com").await).await;
    assert_eq!(status, 400);
    assert!(
        page.contains("has no challenge for contoso.com waiting"),
        "{page}"
    );
    start_challenge(&browser, "contoso.com").await;
    let (status, page) = body(press_verify(&browser, "contoso.com").await).await;
    assert_eq!(status, 400);
    assert!(page.contains("already used"), "{page}");

    // An expired challenge of this browser, issued eight days ago.
    let other = Browser::new(&app);
    start_challenge(&other, "contoso.com").await;
    let other_browser = sha256_hex(&other.cookie("authwalk_admin_browser").unwrap());
    upstreams.dns.remove(record_name);
    let contoso = DomainName::parse("contoso.com").unwrap();
    let long_ago = OffsetDateTime::now_utc() - time::Duration::days(8);
    let (old, stored) = challenge::issue(&contoso, &other_browser, long_ago).unwrap();
    app.store.insert_admin_challenge(&stored, 3).await.unwrap();
    upstreams
        .dns
        .add(record_name, FakeRecord::Txt(old.record_value.clone()));
    let (status, page) = body(press_verify(&other, "contoso.com").await).await;
    assert_eq!(status, 400);
    assert!(page.contains("expired on"), "{page}");
    assert!(other.cookie("authwalk_admin").is_none());

    // Only the hash of a token is stored.
    let token = challenge::token_in(&value).unwrap();
    let stored = app
        .store
        .load_admin_challenge(&sha256_hex(token))
        .await
        .unwrap()
        .expect("stored under its hash");
    assert!(stored.used_at.is_some());
    assert!(
        app.store
            .load_admin_challenge(token)
            .await
            .unwrap()
            .is_none(),
        "never under the token itself"
    );
    app.stop().await;
}
both_backends!(
    dns_challenge,
    dns_challenge_signs_in_only_with_the_exact_live_unused_record
);

async fn only_entra_domains_and_never_public_suffixes_get_a_challenge(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let browser = Browser::new(&app);
    let (_, page) = browser.get_text("/admin").await;
    let csrf = input_value(&page, "input[name=csrf]").unwrap();
    for (domain, status, expected) in [
        ("co.uk", 400, "public suffix"),
        ("github.io", 400, "public suffix"),
        (
            "notentra.org",
            400,
            "isn't a domain of a Microsoft Entra tenant",
        ),
        ("unavailable-tenant.com", 503, "couldn't reach Microsoft"),
        ("10.0.0.1", 400, "IP address"),
    ] {
        let (got, page) = body(
            browser
                .post_form("/admin/challenge", &[("csrf", &csrf), ("domain", domain)])
                .await,
        )
        .await;
        assert_eq!(got, status, "{domain}: {page}");
        let error = text_of(&page, "#domain-error").unwrap_or_default();
        assert!(error.contains(expected), "{domain}: {error}");
        assert_eq!(
            input_value(&page, "#domain").as_deref(),
            Some(domain),
            "typed value kept"
        );
    }
    app.stop().await;
}
both_backends!(
    challenge_refusals,
    only_entra_domains_and_never_public_suffixes_get_a_challenge
);

/// Verification attempts are rate-limited per domain (the web layer's limits).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_attempts_are_rate_limited() {
    let upstreams = Upstreams::start().await;
    images::warm_up();
    let Some(app) = TestApp::spawn_wired(Backend::Sqlite, &upstreams, |config| {
        config.verify_rate = "2/h burst 2".into();
    })
    .await
    else {
        return;
    };
    let browser = Browser::new(&app);
    start_challenge(&browser, "contoso.com").await;
    for _ in 0..2 {
        assert_eq!(press_verify(&browser, "contoso.com").await.status(), 400);
    }
    let (status, page) = body(press_verify(&browser, "contoso.com").await).await;
    assert_eq!(status, 429, "{page}");
    assert!(page.contains("try again in"), "{page}");
    app.stop().await;
}

// --- the operator's admin link ---

async fn admin_link_works_once_and_only_for_fifteen_minutes(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let output = {
        let app_url = app.url("");
        let config = app.raw_config.clone();
        let probe = TestAppCommand { app_url, config };
        tokio::task::spawn_blocking(move || probe.run("contoso.com"))
            .await
            .unwrap()
    };
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let link = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let prefix = app.url("/admin/link/");
    assert!(link.starts_with(&prefix), "{link}");
    let path = &link[app.url("").len()..];

    // Opening the link only asks for confirmation (link scanners must not use it up).
    let browser = Browser::new(&app);
    let (status, page) = browser.get_text(path).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("contoso.com"));
    let csrf = input_value(&page, "input[name=csrf]").unwrap();
    let response = browser.post_form(path, &[("csrf", &csrf)]).await;
    assert_eq!(response.status(), 303);
    let (_, dashboard) = browser.get_text("/admin").await;
    assert!(dashboard.contains("Contoso"), "{dashboard}");
    assert!(
        dashboard.contains("operator"),
        "the method is shown: {dashboard}"
    );

    // Once only.
    let other = Browser::new(&app);
    let (status, page) = other.get_text(path).await;
    assert_eq!(status, 410);
    assert!(page.contains("already used"), "{page}");
    let (status, _) = body(other.post_form(path, &[("csrf", &csrf)]).await).await;
    assert_eq!(
        status, 403,
        "the other browser has no sign-in CSRF cookie of this value"
    );
    let csrf = other.cookie("authwalk_admin_csrf").unwrap();
    let (status, page) = body(other.post_form(path, &[("csrf", &csrf)]).await).await;
    assert_eq!(status, 410, "{page}");
    assert!(other.cookie("authwalk_admin").is_none());

    // A link issued sixteen minutes ago no longer works (the clock is a parameter, not a sleep).
    let mut config = app.raw_config.clone();
    config.public_url = Some(app.url(""));
    let config = config.validate().unwrap();
    let services = authwalk::Services::build(&config).await.unwrap();
    let old = authwalk::admin::link::issue(
        &services.store,
        &services.discovery,
        &config.public_url,
        "contoso.com",
        OffsetDateTime::now_utc() - time::Duration::minutes(16),
    )
    .await
    .unwrap();
    let old_path = &old.url.as_str()[app.url("").len()..];
    let (status, page) = other.get_text(old_path).await;
    assert_eq!(status, 410);
    assert!(page.contains("expired"), "{page}");
    let (status, _) = body(other.post_form(old_path, &[("csrf", &csrf)]).await).await;
    assert_eq!(status, 410);
    let (status, _) = other.get_text("/admin/link/not-a-token").await;
    assert_eq!(status, 404);
    app.stop().await;
}
both_backends!(
    admin_link,
    admin_link_works_once_and_only_for_fifteen_minutes
);

/// The CLI as an operator runs it, pointed at a test app's database and fakes.
struct TestAppCommand {
    app_url: String,
    config: authwalk::config::RawConfig,
}

impl TestAppCommand {
    fn run(&self, domain: &str) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_authwalk"))
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("DATABASE_URL", &self.config.database_url)
            .env("AUTHWALK_PUBLIC_URL", &self.app_url)
            .env(
                "AUTHWALK_CONNECT_TO",
                self.config.connect_to.clone().unwrap(),
            )
            .env("AUTHWALK_EXTRA_CA", self.config.extra_ca.clone().unwrap())
            .env(
                "AUTHWALK_DNS_SERVERS",
                self.config.dns_servers.clone().unwrap(),
            )
            .env("RUST_LOG", "error")
            .args(["admin-link", domain])
            .output()
            .unwrap()
    }
}

/// `authwalk admin-link` refuses what is not an Entra tenant's domain, by exit status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_link_command_exits_by_outcome() {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(Backend::Sqlite, &upstreams).await else {
        return;
    };
    for (domain, code, says) in [
        ("co.uk", 2, "public suffix"),
        (
            "notentra.org",
            3,
            "isn't a domain of a Microsoft Entra tenant",
        ),
    ] {
        let command = TestAppCommand {
            app_url: app.url(""),
            config: app.raw_config.clone(),
        };
        let output = tokio::task::spawn_blocking(move || command.run(domain))
            .await
            .unwrap();
        assert_eq!(output.status.code(), Some(code), "{domain}: {output:?}");
        assert!(output.stdout.is_empty());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(says), "{stderr}");
    }
    app.stop().await;
}

// --- sessions, CSRF, cross-origin, isolation ---

async fn settings_version(app: &TestApp, tenant_id: &str, scope: &str) -> i64 {
    app.store
        .load_scope_settings(tenant(tenant_id), scope)
        .await
        .unwrap()
        .map_or(0, |row| row.version)
}

/// The version the settings form of `path` is loaded at (what a save may replace).
async fn form_version(browser: &Browser, path: &str) -> String {
    let (status, page) = browser.get_text(path).await;
    assert_eq!(status, 200, "{page}");
    input_value(
        &page,
        "form[action=\"/admin/settings\"] input[name=version]",
    )
    .unwrap()
}

/// Contoso's settings row (the contoso.com scope).
async fn contoso_row(app: &TestApp) -> authwalk::store::models::TenantSettingsRecord {
    app.store
        .load_scope_settings(tenant(CONTOSO_TENANT), "contoso.com")
        .await
        .unwrap()
        .unwrap()
}

/// Press "Publish" under the preview the logo page shows (its hash in the form, as a browser
/// sends it).
async fn publish_previewed(admin: &Browser, csrf: &str) -> Response {
    let (_, page) = admin.get_text("/admin/logo").await;
    let logo = input_value(
        &page,
        "form[action=\"/admin/logo/publish\"] input[name=logo]",
    )
    .unwrap_or_default();
    admin
        .post_form("/admin/logo/publish", &[("csrf", csrf), ("logo", &logo)])
        .await
}

async fn form_posts_need_the_session_csrf_token_and_a_same_origin(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let admin = signed_in(&app, &upstreams, "contoso.com").await;
    let csrf = admin.csrf().await;
    let wrong = "x".repeat(43);
    let phone = ("helpdesk_phone", "+1 425 555 0100");
    let fields = [("csrf", csrf.as_str()), ("version", "0"), phone];

    let (status, page) = body(admin.post_form("/admin/settings", &[phone]).await).await;
    assert_eq!(status, 403, "no token");
    assert!(page.contains("form has expired"), "{page}");
    let (status, _) = body(
        admin
            .post_form("/admin/settings", &[("csrf", wrong.as_str()), phone])
            .await,
    )
    .await;
    assert_eq!(status, 403, "wrong token");
    let cross_site = admin
        .post("/admin/settings")
        .header("sec-fetch-site", "cross-site")
        .form(&fields);
    assert_eq!(admin.send(cross_site).await.status(), 403, "Sec-Fetch-Site");
    let other_origin = admin
        .client
        .post(format!("{}/admin/settings", admin.base))
        .header(header::COOKIE, admin.cookie_header())
        .header(header::ORIGIN, "https://evil.example")
        .form(&fields);
    assert_eq!(admin.send(other_origin).await.status(), 403, "Origin");
    let same_site = admin
        .post("/admin/logo/automatic")
        .header("sec-fetch-site", "same-site")
        .form(&[("csrf", csrf.as_str())]);
    assert_eq!(admin.send(same_site).await.status(), 403, "a sibling site");
    assert_eq!(
        settings_version(&app, CONTOSO_TENANT, "contoso.com").await,
        0,
        "nothing saved"
    );

    // The sign-in forms need the sign-in cookie's token.
    let stranger = Browser::new(&app);
    let response = stranger
        .post_form(
            "/admin/challenge",
            &[("csrf", "made-up"), ("domain", "contoso.com")],
        )
        .await;
    assert_eq!(response.status(), 403);

    // With everything right, it saves.
    let same_origin = admin
        .post("/admin/settings")
        .header("sec-fetch-site", "same-origin")
        .form(&fields);
    assert_eq!(admin.send(same_origin).await.status(), 200);
    assert!(settings_version(&app, CONTOSO_TENANT, "contoso.com").await > 0);
    app.stop().await;
}
both_backends!(
    csrf_and_origin,
    form_posts_need_the_session_csrf_token_and_a_same_origin
);

async fn an_admin_never_reads_or_changes_another_tenant(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let contoso = signed_in(&app, &upstreams, "contoso.com").await;
    let contoso_csrf = contoso.csrf().await;
    let response = contoso
        .post_form(
            "/admin/settings",
            &[
                ("csrf", &contoso_csrf),
                ("version", "0"),
                ("helpdesk_email", "secret-desk@contoso.com"),
                ("short_slug", "contoso"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let contoso_version = settings_version(&app, CONTOSO_TENANT, "contoso.com").await;

    let northwind = signed_in(&app, &upstreams, "northwind.com").await;
    let northwind_csrf = northwind.csrf().await;
    let contoso_id = CONTOSO_TENANT;
    for path in authwalk::web::admin::ADMIN_PAGES {
        // Naming the other tenant in the query changes nothing: the tenant comes from the session.
        let tampered = format!("{path}?tenant_id={contoso_id}&domain=contoso.com");
        let response = northwind.get(&tampered).await;
        assert_eq!(response.status(), 200, "{path}");
        let bytes = response.bytes().await.unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for secret in ["secret-desk", "go/contoso", "Contoso", "contoso.com"] {
            assert!(!text.contains(secret), "{path} shows {secret}");
        }
        // Asking for the other tenant's domain as the page's scope is refused outright (the
        // overview and the tenant-wide figures take no scope).
        let scoped = format!("{path}?scope=contoso.com");
        let (status, page) = northwind.get_text(&scoped).await;
        if !matches!(path, "/admin" | "/admin/adoption.csv") {
            assert_eq!(status, 403, "{scoped}: {page:.300}");
        }
        assert!(!page.contains("secret-desk"), "{scoped}");
    }
    // Every form, with the other tenant named in its fields and the other tenant's token.
    let forms: [(&str, Vec<(&str, &str)>); 5] = [
        (
            "/admin/settings",
            vec![("helpdesk_email", "evil@northwind.com")],
        ),
        ("/admin/logo/publish", vec![]),
        ("/admin/logo/discard", vec![]),
        ("/admin/logo/automatic", vec![]),
        ("/admin/signout", vec![]),
    ];
    for (path, extra) in &forms {
        let mut fields = vec![
            ("csrf", contoso_csrf.as_str()),
            ("tenant_id", contoso_id),
            ("domain", "contoso.com"),
            ("scope", "contoso.com"),
        ];
        fields.extend(extra.iter().copied());
        let response = northwind.post_form(path, &fields).await;
        assert_eq!(
            response.status(),
            403,
            "{path}: another session's token is refused"
        );
    }
    let response = northwind
        .post_form(
            "/admin/settings",
            &[
                ("csrf", northwind_csrf.as_str()),
                ("tenant_id", contoso_id),
                ("domain", "contoso.com"),
                ("version", "0"),
                ("helpdesk_email", "desk@northwind.com"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    // With its own token but the other tenant's domain as the scope: refused for rights.
    let (status, page) = body(
        northwind
            .post_form(
                "/admin/settings",
                &[
                    ("csrf", northwind_csrf.as_str()),
                    ("scope", "contoso.com"),
                    ("version", &contoso_version.to_string()),
                    ("helpdesk_email", "evil@northwind.com"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, 403, "{page:.300}");
    assert_eq!(
        settings_version(&app, CONTOSO_TENANT, "contoso.com").await,
        contoso_version,
        "contoso untouched"
    );
    let northwind_row = app
        .store
        .load_scope_settings(tenant(NORTHWIND_TENANT), "northwind.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        northwind_row.helpdesk_email.as_deref(),
        Some("desk@northwind.com")
    );
    let contoso_row = contoso_row(&app).await;
    assert_eq!(
        contoso_row.helpdesk_email.as_deref(),
        Some("secret-desk@contoso.com")
    );
    // Without a session, every admin page sends the visitor to sign in.
    let stranger = Browser::new(&app);
    for path in authwalk::web::admin::ADMIN_PAGES.iter().skip(1) {
        let response = stranger.get(path).await;
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(location(&response), "/admin");
    }
    app.stop().await;
}
both_backends!(
    tenant_isolation,
    an_admin_never_reads_or_changes_another_tenant
);

async fn sessions_expire_rotate_and_end_at_sign_out(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let admin = signed_in(&app, &upstreams, "contoso.com").await;
    let first = admin.cookie("authwalk_admin").unwrap();
    let first_hash = sha256_hex(&first);
    let row = app
        .store
        .load_admin_session(&first_hash)
        .await
        .unwrap()
        .expect("session row under the id's hash");
    assert_eq!(row.tenant_id, tenant(CONTOSO_TENANT));
    assert!(
        app.store
            .load_admin_session(&first)
            .await
            .unwrap()
            .is_none(),
        "never under the id itself"
    );

    // The cookie's attributes.
    let browser = Browser::new(&app);
    let value = start_challenge(&browser, "contoso.com").await;
    upstreams.dns.remove("_authwalk-challenge.contoso.com");
    upstreams
        .dns
        .add("_authwalk-challenge.contoso.com", FakeRecord::Txt(value));
    let response = press_verify(&browser, "contoso.com").await;
    let set_cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/admin"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain http test server");

    // Signing in again in the same browser rotates the session: the old id stops working.
    let value = start_challenge(&admin, "contoso.com").await;
    upstreams.dns.remove("_authwalk-challenge.contoso.com");
    upstreams
        .dns
        .add("_authwalk-challenge.contoso.com", FakeRecord::Txt(value));
    assert_eq!(press_verify(&admin, "contoso.com").await.status(), 303);
    let second = admin.cookie("authwalk_admin").unwrap();
    assert_ne!(first, second);
    assert!(
        app.store
            .load_admin_session(&first_hash)
            .await
            .unwrap()
            .is_none()
    );

    // Idle for 31 minutes: back to the sign-in page, and the row is gone.
    let second_hash = sha256_hex(&second);
    app.store
        .touch_admin_session(
            &second_hash,
            OffsetDateTime::now_utc() - time::Duration::minutes(31),
        )
        .await
        .unwrap();
    let response = admin.get("/admin/settings").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin");
    let (status, page) = admin.get_text("/admin").await;
    assert_eq!(status, 200);
    assert!(page.contains("Get a DNS challenge"), "{page}");
    assert!(
        app.store
            .load_admin_session(&second_hash)
            .await
            .unwrap()
            .is_none()
    );

    // Signing out deletes the row and clears the cookie.
    let admin = signed_in(&app, &upstreams, "northwind.com").await;
    let id = admin.cookie("authwalk_admin").unwrap();
    let csrf = admin.csrf().await;
    let response = admin.post_form("/admin/signout", &[("csrf", &csrf)]).await;
    assert_eq!(response.status(), 303);
    assert!(admin.cookie("authwalk_admin").is_none());
    assert!(
        app.store
            .load_admin_session(&sha256_hex(&id))
            .await
            .unwrap()
            .is_none()
    );
    app.stop().await;
}
both_backends!(sessions, sessions_expire_rotate_and_end_at_sign_out);

// --- logo uploads ---

fn multipart(csrf: &str, filename: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "authwalk-test-boundary-7f3a";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; \
             filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(admin: &Browser, csrf: &str, filename: &str, bytes: &[u8]) -> Response {
    let (content_type, body) = multipart(csrf, filename, bytes);
    admin
        .send(
            admin
                .post("/admin/logo")
                .header(header::CONTENT_TYPE, content_type)
                .body(body),
        )
        .await
}

const EXTERNAL_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 64 64"><rect width="64" height="64" fill="#0072c6"/><image href="https://evil.example/track.png" width="64" height="64"/></svg>"##;

async fn hostile_uploads_are_refused_and_the_published_logo_stays(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let admin = signed_in(&app, &upstreams, "contoso.com").await;
    let csrf = admin.csrf().await;
    let good = images::square_icon(256, [0x6B, 0x2F, 0xA0], true).png();
    assert_eq!(upload(&admin, &csrf, "logo.png", &good).await.status(), 303);
    let response = publish_previewed(&admin, &csrf).await;
    assert_eq!(response.status(), 303);
    let published = contoso_row(&app).await;
    let logo = published.logo_sha256.clone().expect("published");
    assert!(published.pending_logo_sha256.is_none());

    let mut too_large = images::png_declaring(64, 64);
    too_large.resize(5 * 1024 * 1024 + 1, 0);
    let over_the_body_limit = vec![0u8; 6 * 1024 * 1024];
    let hostile: [(&str, Vec<u8>, u16, &str); 7] = [
        (
            "bomb.png",
            images::png_declaring(100_000, 100_000),
            400,
            "100000×100000 pixels",
        ),
        (
            "cut.jpg",
            images::truncated_jpeg(),
            400,
            "corrupt or truncated",
        ),
        (
            "page.png",
            HTML_AS_IMAGE.as_bytes().to_vec(),
            400,
            "unsupported file type",
        ),
        (
            "tracker.svg",
            EXTERNAL_SVG.as_bytes().to_vec(),
            400,
            "external resource",
        ),
        ("big.png", too_large, 400, "at most 5 MiB"),
        ("huge.bin", over_the_body_limit, 413, "at most 5 MiB"),
        ("empty.png", Vec::new(), 400, "Choose an image file"),
    ];
    for (name, bytes, status, says) in hostile {
        let (got, page) = body(upload(&admin, &csrf, name, &bytes).await).await;
        assert_eq!(got.as_u16(), status, "{name}: {page}");
        if status == 413 {
            // Refused before the body is read, on an error page of its own.
            assert!(page.contains(says), "{name}: {page}");
        } else {
            let alert = text_of(&page, ".admin-alert--error").unwrap_or_default();
            assert!(alert.contains(says), "{name}: {alert}");
            assert!(alert.contains("published logo has not changed"), "{name}");
        }
        let row = contoso_row(&app).await;
        assert_eq!(row.logo_sha256.as_deref(), Some(logo.as_str()), "{name}");
        assert!(row.pending_logo_sha256.is_none(), "{name}");
    }

    // Publishing with nothing pending says so.
    let (status, page) = body(
        admin
            .post_form("/admin/logo/publish", &[("csrf", &csrf), ("logo", &logo)])
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("no uploaded logo to publish"), "{page}");

    // "Use automatic branding" clears the admin logo.
    let response = admin
        .post_form("/admin/logo/automatic", &[("csrf", &csrf)])
        .await;
    assert_eq!(response.status(), 303);
    let row = contoso_row(&app).await;
    assert!(row.logo_sha256.is_none());
    let (_, page) = admin.get_text("/admin/logo").await;
    assert!(
        page.contains("id=\"automatic-logo\""),
        "Entra's logo again: {page}"
    );
    app.stop().await;
}
both_backends!(
    hostile_uploads,
    hostile_uploads_are_refused_and_the_published_logo_stays
);

async fn an_upload_is_previewed_then_published(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let admin = signed_in(&app, &upstreams, "contoso.com").await;
    let csrf = admin.csrf().await;
    let good = images::banner(400, 100, [0x6B, 0x2F, 0xA0]).png();
    let response = upload(&admin, &csrf, "logo.png", &good).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin/logo");
    let (_, page) = admin.get_text("/admin/logo").await;
    let document = Html::parse_document(&page);
    let preview = document
        .select(&Selector::parse("#pending-logo").unwrap())
        .next()
        .expect("a preview")
        .value()
        .attr("src")
        .unwrap()
        .to_owned();
    assert!(preview.starts_with("/assets/t/"), "{preview}");
    assert!(
        page.contains("id=\"automatic-logo\""),
        "still the Entra logo"
    );
    // The preview is servable at once, as our own PNG.
    let response = admin.get(&preview).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "image/png");

    assert_eq!(publish_previewed(&admin, &csrf).await.status(), 303);
    let (_, page) = admin.get_text("/admin/logo").await;
    assert!(
        page.contains(&format!("id=\"published-logo\" src=\"{preview}\"")),
        "{page}"
    );
    app.stop().await;
}
both_backends!(logo_preview, an_upload_is_previewed_then_published);

async fn a_published_logo_changes_the_tenant_page_and_api_at_once(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let admin = signed_in(&app, &upstreams, "contoso.com").await;
    let csrf = admin.csrf().await;
    let (_, before) = app.get_json("/api/v1/tenants/contoso.com").await;
    assert_eq!(before["branding"]["source"], "entra");
    let good = images::square_icon(256, [0x6B, 0x2F, 0xA0], true).png();
    assert_eq!(upload(&admin, &csrf, "logo.png", &good).await.status(), 303);
    let (_, pending) = app.get_json("/api/v1/tenants/contoso.com").await;
    assert_eq!(
        pending["branding"]["source"], "entra",
        "a preview is not published"
    );
    assert_eq!(publish_previewed(&admin, &csrf).await.status(), 303);
    let row = contoso_row(&app).await;
    let logo_url = format!("/assets/t/{}.png", row.logo_sha256.unwrap());
    let (_, after) = app.get_json("/api/v1/tenants/contoso.com").await;
    assert_eq!(after["branding"]["source"], "admin", "{after}");
    assert_eq!(after["branding"]["logo_url"], logo_url.as_str());
    let (_, page) = Browser::new(&app).get_text("/t/contoso.com?wait=1").await;
    assert!(
        page.contains(&logo_url),
        "the tenant page shows the new logo"
    );
    app.stop().await;
}
both_backends!(
    tenant_page_wiring,
    a_published_logo_changes_the_tenant_page_and_api_at_once
);

// --- settings ---

async fn settings_errors_reshow_every_field_and_save_nothing(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let admin = signed_in(&app, &upstreams, "contoso.com").await;
    let csrf = admin.csrf().await;
    // The department's pages take the short link "contoso" first.
    let response = admin
        .post_form(
            "/admin/settings",
            &[
                ("csrf", csrf.as_str()),
                ("scope", "dept.contoso.com"),
                ("version", "0"),
                ("short_slug", "contoso"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let dept_version = settings_version(&app, CONTOSO_TENANT, "dept.contoso.com").await;
    assert!(dept_version > 0);

    let intro = "x".repeat(501);
    let typed = [
        ("brand_color", "#ffff00"),
        ("passkey_policy", "synced_allowed"),
        ("helpdesk_email", "helpdesk at contoso"),
        ("helpdesk_phone", "call 555"),
        ("helpdesk_url", "javascript:alert(1)"),
        ("intro_message", intro.as_str()),
        ("short_slug", "contoso"),
    ];
    let mut fields = vec![("csrf", csrf.as_str()), ("version", "0")];
    fields.extend(typed);
    let (status, page) = body(admin.post_form("/admin/settings", &fields).await).await;
    assert_eq!(status, 400, "{page}");
    for (field, expected) in [
        ("brand_color", ":1"),
        ("helpdesk_email", "isn't an email address"),
        ("helpdesk_phone", "isn't a phone number"),
        ("helpdesk_url", "https://"),
        ("intro_message", "501 characters"),
        ("short_slug", "already taken"),
    ] {
        let message = text_of(&page, &format!("#{field}-error")).unwrap_or_default();
        assert!(message.contains(expected), "{field}: {message:?}");
    }
    // Every field shows what was typed.
    for (field, value) in typed {
        if field == "intro_message" {
            assert_eq!(text_of(&page, "#intro_message").as_deref(), Some(value));
        } else if field == "passkey_policy" {
            assert!(page.contains("value=\"synced_allowed\" checked"), "{page}");
        } else {
            assert_eq!(
                input_value(&page, &format!("#{field}")).as_deref(),
                Some(value),
                "{field}"
            );
        }
    }
    assert_eq!(
        settings_version(&app, CONTOSO_TENANT, "contoso.com").await,
        0,
        "nothing saved"
    );

    // Fixed, everything is saved at once and the version goes up with every change.
    let mut fixed = vec![
        ("csrf", csrf.as_str()),
        ("version", "0"),
        ("brand_color", "#0072C6"),
        ("passkey_policy", "synced_allowed"),
        ("helpdesk_email", "helpdesk@contoso.com"),
        ("helpdesk_phone", "+1 425 555 0100"),
        ("helpdesk_url", "https://help.contoso.com/passkeys"),
        ("intro_message", "Please set this up by Friday."),
        ("short_slug", ""),
    ];
    let (status, page) = body(admin.post_form("/admin/settings", &fixed).await).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Saved."));
    let row = contoso_row(&app).await;
    assert_eq!(row.brand_color.as_deref(), Some("#0072c6"));
    assert_eq!(row.passkey_policy, "synced_allowed");
    assert_eq!(row.short_slug, None);
    assert!(
        row.version > dept_version,
        "versions are unique across scopes"
    );
    let first = row.version.to_string();
    fixed[1] = ("version", first.as_str());
    assert_eq!(
        admin.post_form("/admin/settings", &fixed).await.status(),
        200
    );
    assert!(settings_version(&app, CONTOSO_TENANT, "contoso.com").await > row.version);
    app.stop().await;
}
both_backends!(
    settings_validation,
    settings_errors_reshow_every_field_and_save_nothing
);

async fn a_short_link_leads_to_its_tenant_page(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let admin = signed_in(&app, &upstreams, "contoso.com").await;
    let csrf = admin.csrf().await;
    let response = admin
        .post_form(
            "/admin/settings",
            &[
                ("csrf", csrf.as_str()),
                ("version", "0"),
                ("short_slug", "Contoso"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let response = app.get("/go/contoso").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/t/contoso.com");
    for missing in ["/go/nobody-here", "/go/-bad-", "/go/admin"] {
        assert_eq!(app.get(missing).await.status(), 404, "{missing}");
    }
    // The kit's link is the short link.
    let (_, kit) = admin.get_text("/admin/kit").await;
    let share = input_value(&kit, "#share-url").unwrap();
    assert_eq!(share, app.url("/go/contoso"));
    app.stop().await;
}
both_backends!(short_link, a_short_link_leads_to_its_tenant_page);

// --- rollout kit ---

async fn the_rollout_kit_has_the_email_poster_and_qr_codes(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let admin = signed_in(&app, &upstreams, "contoso.com").await;
    let csrf = admin.csrf().await;
    admin
        .post_form(
            "/admin/settings",
            &[
                ("csrf", csrf.as_str()),
                ("version", "0"),
                ("helpdesk_phone", "+1 425 555 0100"),
                ("intro_message", "Questions? <Ask> IT & co."),
            ],
        )
        .await;
    let link = app.url("/t/contoso.com");
    let (status, kit) = admin.get_text("/admin/kit").await;
    assert_eq!(status, 200);
    let subject = input_value(&kit, "#email-subject").unwrap();
    assert!(subject.contains("Contoso"), "{subject}");
    let text = text_of(&kit, "#email-text").unwrap();
    assert!(text.contains(&link), "{text}");
    assert!(text.contains("+1 425 555 0100"));
    assert!(
        text.contains("Questions? <Ask> IT & co."),
        "plain text as typed"
    );
    let html = text_of(&kit, "#email-html").unwrap();
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    assert!(
        html.contains("Questions? &#60;Ask&#62; IT &#38; co."),
        "escaped in HTML: {html}"
    );
    // The advice is for the admin, not in the email.
    assert!(kit.contains("48 hours"));
    assert!(kit.contains("Samsung, Pixel, iPhone and Windows"));
    assert!(!text.contains("48 hours") && !html.contains("48 hours"));
    assert!(kit.contains(&format!(
        "src=\"{}\"",
        authwalk::web::assets::url("admin.js")
    )));

    let (status, poster) = admin.get_text("/admin/kit/poster").await;
    assert_eq!(status, 200);
    assert!(poster.contains("Contoso") && poster.contains(&link));
    assert!(poster.contains("<svg class=\"qr\""), "a big QR code");

    let svg = admin.get("/admin/kit/qr.svg").await;
    assert_eq!(svg.status(), 200);
    assert_eq!(svg.headers()[header::CONTENT_TYPE], "image/svg+xml");
    assert!(
        svg.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let svg = svg.text().await.unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));

    let png = admin.get("/admin/kit/qr.png").await;
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()[header::CONTENT_TYPE], "image/png");
    let image = images::decode(&png.bytes().await.unwrap())
        .unwrap()
        .to_luma8();
    assert_eq!(image.width(), image.height());
    assert!(image.width() >= 300, "printable size");
    app.stop().await;
}
both_backends!(
    rollout_kit,
    the_rollout_kit_has_the_email_poster_and_qr_codes
);

// --- the settings cache ---

/// A warm tenant is answered from memory (the store is closed); a cold one is an error.
#[tokio::test]
async fn cached_customizations_answer_without_the_database() {
    let database = TestDatabase::create(Backend::Sqlite).await.unwrap();
    let config = test_config(&database.url).validate().unwrap();
    let store = Store::connect(&config.database).await.unwrap();
    store.migrate().await.unwrap();
    let customizations = TenantCustomizations::new(store.clone());
    let warm = tenant(CONTOSO_TENANT);
    let shown = |tenant_id| customizations.for_domain(tenant_id, "contoso.com");
    assert_eq!(shown(warm).await.unwrap().version, 0);
    store.close().await;
    assert_eq!(shown(warm).await.unwrap().version, 0);
    assert!(shown(tenant(NORTHWIND_TENANT)).await.is_err());
}

/// Poll `page` on `browser` until it contains `needle`, failing after `within`.
async fn wait_until_shown(
    browser: &Browser,
    page: &str,
    needle: &str,
    within: Duration,
) -> Duration {
    let started = Instant::now();
    loop {
        let (status, text) = browser.get_text(page).await;
        if status == 200 && text.contains(needle) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "{needle} not shown on {page} within {within:?} (status {status})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Two instances on one Postgres database: a change made through one reaches the other's memory
/// within a second, and after the other's database connection comes back too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_postgres_instances_see_a_change_within_a_second() {
    let upstreams = Upstreams::start().await;
    images::warm_up();
    let Some((database, proxy, proxied_url)) = TestDatabase::postgres_behind_proxy().await else {
        return;
    };
    let mut first_config = test_config(&database.url);
    upstreams.wire(&mut first_config);
    let first = TestApp::start(
        first_config,
        TestDatabase::borrowed(&database.url, Backend::Postgres),
    )
    .await;
    let mut second_config = test_config(&proxied_url);
    upstreams.wire(&mut second_config);
    let second = TestApp::start(second_config, database).await;

    let admin = signed_in(&first, &upstreams, "contoso.com").await;
    let on_second = admin.on(&second);
    // Warm the second instance's cache.
    let (status, page) = on_second.get_text("/admin/settings").await;
    assert_eq!(status, 200);
    assert!(!page.contains("+44 20 7946 0001"));

    let csrf = admin.csrf().await;
    let save = |phone: &'static str| {
        let admin = admin.clone();
        let csrf = csrf.clone();
        async move {
            let version = form_version(&admin, "/admin/settings").await;
            let response = admin
                .post_form(
                    "/admin/settings",
                    &[
                        ("csrf", csrf.as_str()),
                        ("version", &version),
                        ("helpdesk_phone", phone),
                    ],
                )
                .await;
            assert_eq!(response.status(), 200);
        }
    };
    save("+44 20 7946 0001").await;
    let took = wait_until_shown(
        &on_second,
        "/admin/settings",
        "+44 20 7946 0001",
        Duration::from_secs(1),
    )
    .await;
    assert!(took < Duration::from_secs(1), "{took:?}");

    // A published logo reaches the second instance's tenant API just as fast.
    let (_, before) = second.get_json("/api/v1/tenants/contoso.com").await;
    assert_eq!(before["branding"]["source"], "entra");
    let logo = images::square_icon(256, [0x6B, 0x2F, 0xA0], true).png();
    assert_eq!(upload(&admin, &csrf, "logo.png", &logo).await.status(), 303);
    let published = publish_previewed(&admin, &csrf).await;
    assert_eq!(published.status(), 303);
    let started = Instant::now();
    loop {
        let (_, json) = second.get_json("/api/v1/tenants/contoso.com").await;
        if json["branding"]["source"] == "admin" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "the second instance's API still shows {json}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The second instance loses its database; a change made meanwhile is not lost on it.
    proxy.cut();
    save("+44 20 7946 0002").await;
    proxy.restore();
    wait_until_shown(
        &on_second,
        "/admin/settings",
        "+44 20 7946 0002",
        Duration::from_secs(10),
    )
    .await;
    // And it listens again afterwards.
    save("+44 20 7946 0003").await;
    wait_until_shown(
        &on_second,
        "/admin/settings",
        "+44 20 7946 0003",
        Duration::from_secs(1),
    )
    .await;
    second.stop().await;
    first.stop().await;
}

// --- adoption on the dashboard ---

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
    (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

async fn the_dashboard_shows_adoption_and_offers_it_as_csv(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let admin = signed_in(&app, &upstreams, "contoso.com").await;
    let (_, before) = admin.get_text("/admin").await;
    let row = |page: &str| text_of(page, "#adoption-table tbody tr").unwrap_or_default();
    assert!(row(&before).contains("iPhone"), "{before}");
    // Six browsers open the page (a navigation each: only those count).
    for _ in 0..6 {
        let response = app
            .client
            .get(app.url("/t/contoso.com?wait=1"))
            .header(header::USER_AGENT, IPHONE)
            .header("sec-fetch-dest", "document")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let (status, dashboard) = admin.get_text("/admin").await;
    assert_eq!(status, 200);
    let iphone = row(&dashboard);
    assert!(
        iphone.contains("iPhone") && iphone.contains('6'),
        "six iPhone walkthroughs counted: {iphone}"
    );
    assert!(dashboard.contains("<svg"), "the chart");
    let csv = admin.get("/admin/adoption.csv").await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    let mut lines = csv.lines();
    let header_row = lines.next().unwrap();
    assert!(header_row.starts_with("day,view_ios"), "{header_row}");
    let today = lines.last().unwrap();
    assert!(today.split(',').nth(1) == Some("6"), "{today}");
    app.stop().await;
}
both_backends!(adoption, the_dashboard_shows_adoption_and_offers_it_as_csv);
