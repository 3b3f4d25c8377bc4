//! Browser tests: the pages in headless Chromium (through chromedriver and fantoccini) on an
//! emulated iPhone (iOS 17.4 and iOS 26), Pixel and Galaxy and on a desktop window, each in light
//! and dark mode, switching devices with the tabs, and the axe-core accessibility audit on every
//! page (zero violations): the landing page, the tenant page on every tab, the not-Entra,
//! unreachable, progress and not-found pages. Full-page screenshots of each view go to
//! `target/screenshots/` (`{device}-{scheme}-{page}.png`), so the mock-ups can be looked at per
//! device and per OS version.
//!
//! Needs `chromium`, `chromedriver` and `tests/browser/node_modules/axe-core` (`.ci/run` installs
//! them). Without them the test prints one line and passes — except under CI (`CI` set), where
//! that is a failure, so CI can never skip it silently. The plumbing is in `support::browser`.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::time::{Duration, Instant};

use fantoccini::wd::PrintConfiguration;
use fantoccini::{Client, Locator};
use support::browser::{
    Chromedriver, Device, Scheme, Tools, assert_audit_reports, assert_no_violations, assert_scheme,
    check, emulate_scheme, open, pdf_page_count, screenshot_dir, screenshot_element, session,
    tools,
};
use support::{Backend, TestApp, Upstreams};

const IPHONE_17_4: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const IPHONE_26: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1";
const ANDROID_REDUCED: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
const SAMSUNG_INTERNET: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36";

const IPHONE: Device = Device {
    name: "iphone",
    user_agent: IPHONE_17_4,
    width: 390,
    height: 844,
    pixel_ratio: 3.0,
};

const IPHONE_ON_IOS_26: Device = Device {
    name: "iphone26",
    user_agent: IPHONE_26,
    width: 402,
    height: 874,
    pixel_ratio: 3.0,
};

const PIXEL: Device = Device {
    name: "pixel",
    user_agent: ANDROID_REDUCED,
    width: 412,
    height: 915,
    pixel_ratio: 2.625,
};

const GALAXY: Device = Device {
    name: "galaxy",
    user_agent: SAMSUNG_INTERNET,
    width: 384,
    height: 832,
    pixel_ratio: 3.0,
};

/// Every tab of the tenant page, by its `?device=` value.
const TABS: [&str; 4] = ["ios", "android", "samsung", "desktop"];

/// An attribute of `<main>`.
async fn main_attribute(client: &Client, name: &str) -> Option<String> {
    client
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .attr(name)
        .await
        .unwrap()
}

/// Open `path`, prove the page sees `scheme`, then screenshot and audit it as `name`.
async fn visit(
    client: &Client,
    tools: &Tools,
    app: &TestApp,
    scheme: Scheme,
    path: &str,
    name: &str,
    failures: &mut Vec<String>,
) {
    open(client, &app.url(path)).await;
    assert_scheme(client, scheme).await;
    check(client, tools, name, failures).await;
}

/// On a phone session: the detected device is shown, and the tab for `other` switches to it.
async fn switch_tabs(
    client: &Client,
    tools: &Tools,
    app: &TestApp,
    device: &Device,
    detected: &str,
    other: &str,
    failures: &mut Vec<String>,
) {
    open(client, &app.url("/t/contoso.com")).await;
    assert_eq!(
        main_attribute(client, "data-shown").await.as_deref(),
        Some(detected),
        "{}: shown walkthrough",
        device.name
    );
    let tab = client
        .find(Locator::Css(&format!(
            "a.device-tabs__tab[href$=\"device={other}\"]"
        )))
        .await
        .unwrap_or_else(|_| panic!("{}: a tab for {other}", device.name));
    tab.click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let shown = main_attribute(client, "data-shown").await;
        if shown.as_deref() == Some(other) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{}: after clicking the {other} tab, data-shown is {shown:?}",
            device.name
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let platform = main_attribute(client, "data-platform").await;
    assert_eq!(
        platform.as_deref(),
        Some(if detected == "ios" { "ios" } else { "android" }),
        "{}: the detected platform stays after switching",
        device.name
    );
    check(
        client,
        tools,
        &format!("{}-clicked-{other}", device.name),
        failures,
    )
    .await;
}

/// Each mock-up on the current page, close up (at the device's pixel ratio), to
/// `target/screenshots/{prefix}-mock-{screen}.png`; returns the screens drawn.
async fn mockup_screenshots(client: &Client, prefix: &str) -> Vec<String> {
    let mut screens = Vec::new();
    let figures = client
        .find_all(Locator::Css("figure.mock-figure"))
        .await
        .unwrap();
    for (index, figure) in figures.iter().enumerate() {
        let screen = figure.attr("data-mock").await.unwrap().unwrap_or_default();
        if screens.contains(&screen) {
            continue;
        }
        screenshot_element(
            client,
            "figure.mock-figure",
            index,
            &format!("{prefix}-mock-{screen}"),
        )
        .await;
        screens.push(screen);
    }
    screens
}

/// What one emulated device sees in one scheme: `full` devices every page, the others their own
/// walkthrough (where their mock-ups differ).
async fn device_pages(
    client: &Client,
    tools: &Tools,
    app: &TestApp,
    name: &str,
    scheme: Scheme,
    full: bool,
    failures: &mut Vec<String>,
) {
    let prefix = format!("{name}-{}", scheme.as_str());
    visit(
        client,
        tools,
        app,
        scheme,
        "/t/contoso.com",
        &format!("{prefix}-contoso"),
        failures,
    )
    .await;
    let screens = mockup_screenshots(client, &prefix).await;
    assert!(
        screens.iter().any(|s| s == "authenticator_account"),
        "{prefix}: the account tile with “Create a passkey”: {screens:?}"
    );
    if !full {
        return;
    }
    let mut pages = vec![("landing".to_owned(), "/".to_owned())];
    for tab in TABS {
        pages.push((
            format!("contoso-{tab}"),
            format!("/t/contoso.com?device={tab}"),
        ));
    }
    pages.extend([
        ("notentra".to_owned(), "/t/notentra.org".to_owned()),
        (
            "unreachable".to_owned(),
            "/t/unavailable-tenant.com".to_owned(),
        ),
        (
            "not-found".to_owned(),
            "/this-page-does-not-exist".to_owned(),
        ),
    ]);
    for (page, path) in pages {
        let name = format!("{prefix}-{page}");
        visit(client, tools, app, scheme, &path, &name, failures).await;
        if page == "contoso-desktop" {
            // The computer's screens (Security info, its hand-off, the passkey window).
            mockup_screenshots(client, &name).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_headless_chromium_are_accessible_on_every_device_in_light_and_dark() {
    let Some(tools) = tools() else {
        return;
    };
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let upstreams = Upstreams::start().await;
    // A long lookup timeout keeps the progress page up while it is audited (see below).
    let app = TestApp::spawn_wired(Backend::Sqlite, &upstreams, |config| {
        config.upstream_timeout = "40s".into();
    })
    .await
    .expect("SQLite always runs");
    // Warm the domains, so pages render the walkthrough rather than a progress page.
    for domain in ["contoso.com", "notentra.org"] {
        let status = app.get(&format!("/api/v1/tenants/{domain}")).await.status();
        assert!(status.is_success(), "warming {domain}: {status}");
    }

    let driver = Chromedriver::start(&tools.chromedriver);
    let profiles = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();

    // Phones (their own walkthrough and its mock-ups, and for two of them every page at phone
    // width) and a desktop window (every page), each in light and dark mode.
    let devices: [(Option<&Device>, &str, bool); 5] = [
        (Some(&IPHONE), "iphone", true),
        (Some(&IPHONE_ON_IOS_26), "iphone26", false),
        (Some(&PIXEL), "pixel", true),
        (Some(&GALAXY), "galaxy", false),
        (None, "desktop", true),
    ];
    for (device, name, full) in devices {
        for scheme in Scheme::BOTH {
            let client = session(
                &driver,
                &tools,
                &profiles.path().join(format!("{name}-{}", scheme.as_str())),
                device,
            )
            .await;
            emulate_scheme(&client, scheme).await;
            device_pages(&client, &tools, &app, name, scheme, full, &mut failures).await;
            if scheme == Scheme::Light
                && let Some(phone) = device
                && full
            {
                let (detected, other) = if name == "iphone" {
                    ("ios", "android")
                } else {
                    ("android", "ios")
                };
                switch_tabs(&client, &tools, &app, phone, detected, other, &mut failures).await;
            }
            client.close().await.unwrap();
        }
    }

    // Each device's own tab shows its own provider screen.
    for (name, mock) in [
        ("iphone", "provider_ios17"),
        ("iphone26", "provider_ios18"),
        ("pixel", "provider_android"),
        ("galaxy", "provider_samsung"),
    ] {
        let shot = screenshot_dir().join(format!("{name}-light-contoso.png"));
        assert!(shot.is_file(), "{name}: no screenshot");
        let device = [&IPHONE, &IPHONE_ON_IOS_26, &PIXEL, &GALAXY]
            .into_iter()
            .find(|d| d.name == name)
            .unwrap();
        let html = app
            .client
            .get(app.url("/t/contoso.com"))
            .header(reqwest::header::USER_AGENT, device.user_agent)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains(&format!("data-mock=\"{mock}\"")),
            "{name} sees the {mock} mock-up"
        );
    }

    // The progress page of a first visit, at phone and desktop width, light and dark: Microsoft
    // answers slowly now, so the page stays up while it is audited.
    upstreams.microsoft.set_delay(Duration::from_secs(30));
    for (device, name) in [(Some(&PIXEL), "pixel"), (None, "desktop")] {
        for scheme in Scheme::BOTH {
            let client = session(
                &driver,
                &tools,
                &profiles
                    .path()
                    .join(format!("progress-{name}-{}", scheme.as_str())),
                device,
            )
            .await;
            emulate_scheme(&client, scheme).await;
            let domain = format!("progress-{name}-{}.com", scheme.as_str());
            client
                .goto(&app.url(&format!("/t/{domain}")))
                .await
                .unwrap();
            assert_eq!(
                main_attribute(&client, "data-status").await.as_deref(),
                Some("resolving"),
                "{name}: the progress page"
            );
            assert_scheme(&client, scheme).await;
            check(
                &client,
                &tools,
                &format!("{name}-{}-progress", scheme.as_str()),
                &mut failures,
            )
            .await;
            client.close().await.unwrap();
        }
    }

    // Printing a tenant page gives the one-page poster in the company's colour: title, QR code,
    // the three steps — not the walkthrough.
    let client = session(&driver, &tools, &profiles.path().join("print"), None).await;
    open(&client, &app.url("/t/contoso.com?device=desktop")).await;
    let band = client
        .find(Locator::Css(".poster .poster__band rect"))
        .await
        .unwrap()
        .attr("fill")
        .await
        .unwrap();
    let expected = authwalk::web::views::PosterColours::for_brand(Some("#0072C6"));
    assert_eq!(
        band,
        Some(expected.fill),
        "the poster carries Contoso's colour"
    );
    let steps = client
        .find_all(Locator::Css(".poster .poster__steps li"))
        .await
        .unwrap();
    assert_eq!(steps.len(), 3, "three steps in short");
    let pdf = client
        .print(PrintConfiguration::default())
        .await
        .expect("print to PDF");
    std::fs::write(screenshot_dir().join("poster.pdf"), &pdf).unwrap();
    assert!(pdf.starts_with(b"%PDF"), "printing did not give a PDF");
    assert_eq!(pdf_page_count(&pdf), 1, "the poster must print on one page");

    // The audit is live: an image without alternative text is reported.
    assert_audit_reports(
        &client,
        &tools.axe,
        "const img = document.createElement('img'); img.src = '/favicon.svg'; document.querySelector('main').append(img);",
        "image-alt",
        "an image without alt text",
    )
    .await;
    client.close().await.unwrap();
    drop(driver);
    app.stop().await;

    assert_no_violations(&failures);
}
