//! Browser tests: the pages in headless Chromium (through chromedriver and fantoccini) with iPhone
//! and Pixel emulation, switching devices with the tabs, and the axe-core accessibility audit on
//! every page (zero violations). Screenshots of each view go to `target/screenshots/`.
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
    Chromedriver, Device, Tools, assert_audit_reports, assert_no_violations, check, open,
    pdf_page_count, screenshot_dir, session, tools,
};
use support::{Backend, TestApp, Upstreams};

const IPHONE_17_4: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const ANDROID_REDUCED: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

const IPHONE: Device = Device {
    name: "iphone",
    user_agent: IPHONE_17_4,
    width: 390,
    height: 844,
    pixel_ratio: 3.0,
};

const PIXEL: Device = Device {
    name: "pixel",
    user_agent: ANDROID_REDUCED,
    width: 412,
    height: 915,
    pixel_ratio: 2.625,
};

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

/// On a phone session: the detected device is shown, and the tab for `other` switches to it.
async fn phone_walkthrough(
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
        main_attribute(client, "data-platform").await.as_deref(),
        Some(detected),
        "{}: detected platform",
        device.name
    );
    assert_eq!(
        main_attribute(client, "data-shown").await.as_deref(),
        Some(detected),
        "{}: shown walkthrough",
        device.name
    );
    check(client, tools, device.name, failures).await;

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
    assert_eq!(
        main_attribute(client, "data-platform").await.as_deref(),
        Some(detected),
        "{}: the detected platform stays after switching",
        device.name
    );
    check(client, tools, &format!("{}-{other}", device.name), failures).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_headless_chromium_are_accessible_on_every_device() {
    let Some(tools) = tools() else {
        return;
    };
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let upstreams = Upstreams::start().await;
    let app = TestApp::spawn_wired(Backend::Sqlite, &upstreams, |_| {})
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

    // iPhone, then Pixel: each sees its own walkthrough and can switch to the other's.
    for (device, detected, other) in [(&IPHONE, "ios", "android"), (&PIXEL, "android", "ios")] {
        let client = session(
            &driver,
            &tools,
            &profiles.path().join(device.name),
            Some(device),
        )
        .await;
        phone_walkthrough(
            &client,
            &tools,
            &app,
            device,
            detected,
            other,
            &mut failures,
        )
        .await;
        client.close().await.unwrap();
    }

    // A desktop window: every other page.
    let client = session(&driver, &tools, &profiles.path().join("desktop"), None).await;
    let pages = [
        ("landing", "/"),
        ("desktop-contoso", "/t/contoso.com"),
        ("desktop-contoso-ios", "/t/contoso.com?device=ios"),
        ("desktop-contoso-android", "/t/contoso.com?device=android"),
        ("desktop-contoso-samsung", "/t/contoso.com?device=samsung"),
        ("desktop-contoso-desktop", "/t/contoso.com?device=desktop"),
        ("desktop-notentra", "/t/notentra.org"),
        ("not-found", "/this-page-does-not-exist"),
    ];
    for (name, path) in pages {
        open(&client, &app.url(path)).await;
        check(&client, &tools, name, &mut failures).await;
    }
    // Printing a tenant page gives the one-page poster: title and QR code, not the walkthrough.
    open(&client, &app.url("/t/contoso.com?device=desktop")).await;
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
