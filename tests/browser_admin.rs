//! The admin journey in headless Chromium, against the fake DNS and Microsoft: sign in by proving
//! control of contoso.com with a DNS TXT record read off the page, open the settings, upload a logo
//! through the real file input, see the preview, publish it and find it on the tenant page, then
//! the rollout kit (each field's label above its field, not run on after the previous copy button)
//! and the poster in the company's colour (printed: one page), sign out, and sign in again with the
//! operator's one-time link (`authwalk admin-link`). Every page — the error states too (an unknown
//! domain, DNS not there yet, a bad colour, a file that is not an image, a used link) — passes the
//! axe-core audit with zero violations, and the pages an admin reaches are audited again at phone
//! width and in dark mode; screenshots go to `target/screenshots/admin-*.png`.
//!
//! Needs the same tools as `tests/browser.rs` (see `support::browser`): without them the test
//! prints one line and passes, except under CI where that is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::wd::PrintConfiguration;
use fantoccini::{Client, Locator};
use image::{ImageFormat, Rgba, RgbaImage};
use serde_json::json;
use support::browser::{
    Chromedriver, Device, REDUCED_MOTION, Scheme, Tools, assert_audit_reports,
    assert_no_violations, assert_scheme, check, emulate_scheme, emulate_viewport, open,
    pdf_page_count, screenshot_dir, session_with_args, tools,
};
use support::fake_dns::FakeRecord;
use support::fake_microsoft::CONTOSO_TENANT;
use support::{Backend, TestApp, Upstreams};
use uuid::Uuid;

/// The phone whose width the admin pages are audited at again.
const PHONE: Device = Device {
    name: "phone",
    user_agent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    width: 390,
    height: 844,
    pixel_ratio: 3.0,
};

/// How long any one page may take to appear after a click.
const PAGE_DEADLINE: Duration = Duration::from_secs(15);

/// The two colours of the uploaded logo: left half, right half.
const LEFT: [u8; 3] = [0xc0, 0x20, 0x30];
const RIGHT: [u8; 3] = [0x20, 0x50, 0xc0];

/// Wait for an element of the page a click leads to (by a selector only that page has).
async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    match client
        .wait()
        .at_most(PAGE_DEADLINE)
        .every(Duration::from_millis(50))
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => element,
        Err(error) => {
            let url = client.current_url().await.unwrap();
            let text = match client.find(Locator::Css("main")).await {
                Ok(main) => main.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            panic!("no {css} on {url} within {PAGE_DEADLINE:?} ({error}); the page says: {text}")
        }
    }
}

/// Click the button or link `css` as a user would: scrolled into view first.
async fn press(client: &Client, css: &str) {
    let element = wait_for(client, css).await;
    client
        .execute(
            "arguments[0].scrollIntoView({ block: 'center', inline: 'nearest' });",
            vec![serde_json::to_value(&element).unwrap()],
        )
        .await
        .unwrap();
    element
        .click()
        .await
        .unwrap_or_else(|error| panic!("click {css}: {error}"));
}

/// Type `text` into the (emptied) field `css`.
async fn type_into(client: &Client, css: &str, text: &str) {
    let field = wait_for(client, css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// The current value of the input `css`.
async fn value_of(client: &Client, css: &str) -> String {
    wait_for(client, css)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The text of `css`.
async fn text_of(client: &Client, css: &str) -> String {
    wait_for(client, css).await.text().await.unwrap()
}

/// Wait until the image `css` has loaded and return its natural width (0: it failed to load).
async fn loaded_width(client: &Client, css: &str) -> u64 {
    wait_for(client, css).await;
    let deadline = Instant::now() + PAGE_DEADLINE;
    loop {
        let state = client
            .execute(
                "const img = document.querySelector(arguments[0]);
                 return img && img.complete ? img.naturalWidth : null;",
                vec![json!(css)],
            )
            .await
            .unwrap();
        if let Some(width) = state.as_u64() {
            return width;
        }
        assert!(Instant::now() < deadline, "{css} never finished loading");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// On the kit page: each field's label that starts before the previous field's copy button
/// ends (a label "running on" after the button), as "label after button". Needs the buttons
/// shown (admin.js ran), which it checks too.
async fn labels_running_on(client: &Client) -> Vec<String> {
    let found = client
        .execute(
            "const fields = [...document.querySelectorAll('.admin-copy-field')];
             const problems = [];
             let previous = null;
             for (const field of fields) {
               const button = field.querySelector('button.admin-copy');
               if (!button || button.hidden) problems.push('no visible copy button in ' + field.textContent.trim().slice(0, 40));
               const label = field.querySelector('label');
               if (label && previous) {
                 const after = label.getBoundingClientRect();
                 const before = previous.getBoundingClientRect();
                 if (after.top < before.bottom) problems.push(label.textContent.trim() + ' after ' + previous.textContent.trim());
               }
               previous = button;
             }
             if (fields.length < 4) problems.push('only ' + fields.length + ' copy fields');
             return problems;",
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|problem| problem.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The path of the current page.
async fn path_of(client: &Client) -> String {
    client.current_url().await.unwrap().path().to_owned()
}

/// The link `authwalk admin-link {domain}` prints for `app` (the real command, on its database).
async fn admin_link(app: &TestApp, domain: &str) -> String {
    let config = app.raw_config.clone();
    let public_url = app.url("");
    let domain = domain.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_authwalk"))
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("DATABASE_URL", &config.database_url)
            .env("AUTHWALK_PUBLIC_URL", public_url)
            .env("AUTHWALK_CONNECT_TO", config.connect_to.unwrap())
            .env("AUTHWALK_EXTRA_CA", config.extra_ca.unwrap())
            .env("AUTHWALK_DNS_SERVERS", config.dns_servers.unwrap())
            .env("RUST_LOG", "error")
            .args(["admin-link", &domain])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success(), "admin-link: {output:?}");
    let link = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert!(link.starts_with(&app.url("/admin/link/")), "{link}");
    link
}

/// Whether the browser holds an admin session cookie.
async fn has_session_cookie(client: &Client) -> bool {
    client
        .get_all_cookies()
        .await
        .unwrap()
        .iter()
        .any(|cookie| cookie.name() == "authwalk_admin")
}

/// A 96×48 PNG: the left half [`LEFT`], the right half [`RIGHT`].
fn two_colour_png(path: &Path) {
    let logo = RgbaImage::from_fn(96, 48, |x, _| {
        let [r, g, b] = if x < 48 { LEFT } else { RIGHT };
        Rgba([r, g, b, 255])
    });
    logo.save_with_format(path, ImageFormat::Png).unwrap();
}

/// Whether `pixel` is `expected` give or take resampling.
fn near(pixel: Rgba<u8>, expected: [u8; 3]) -> bool {
    pixel.0[3] > 200
        && pixel.0[..3]
            .iter()
            .zip(expected)
            .all(|(got, want)| got.abs_diff(want) <= 12)
}

/// The published logo's address, from the store.
async fn published_logo_path(app: &TestApp) -> String {
    let tenant = Uuid::parse_str(CONTOSO_TENANT).unwrap();
    let settings = app
        .store
        .load_scope_settings(tenant, "contoso.com")
        .await
        .unwrap()
        .expect("a settings row after publishing");
    let sha = settings.logo_sha256.expect("a published logo");
    assert!(
        sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
        "{sha}"
    );
    format!("/assets/t/{sha}.png")
}

/// Sign in as contoso.com's admin: an unknown domain first (error state), then the challenge, a
/// "Check DNS" before the record exists (error state), the record, and "Check DNS" again.
async fn sign_in(
    client: &Client,
    tools: &Tools,
    app: &TestApp,
    upstreams: &Upstreams,
    failures: &mut Vec<String>,
) {
    open(client, &app.url("/admin")).await;
    wait_for(client, "#signin-title").await;
    check(client, tools, "admin-signin", failures).await;

    // A domain no Entra tenant has: the sign-in page again, with the reason at the field.
    type_into(client, "#domain", "notentra.org").await;
    press(
        client,
        "form[action=\"/admin/challenge\"] button[type=submit]",
    )
    .await;
    let error = text_of(client, "#domain-error").await;
    assert!(
        error.contains("isn't a domain of a Microsoft Entra tenant"),
        "{error}"
    );
    assert_eq!(value_of(client, "#domain").await, "notentra.org");
    check(client, tools, "admin-signin-error", failures).await;

    // contoso.com: the challenge page shows the record to publish.
    type_into(client, "#domain", "contoso.com").await;
    press(
        client,
        "form[action=\"/admin/challenge\"] button[type=submit]",
    )
    .await;
    wait_for(client, "#challenge-title").await;
    let record_name = value_of(client, "#record-name").await;
    let record_value = value_of(client, "#record-value").await;
    assert_eq!(record_name, "_authwalk-challenge.contoso.com");
    assert!(
        record_value.starts_with("token=") && record_value.contains(" expiry="),
        "{record_value}"
    );
    check(client, tools, "admin-challenge", failures).await;

    // "Check DNS" before the record is there: the challenge page says so, nobody is signed in.
    press(client, "form[action=\"/admin/verify\"] button[type=submit]").await;
    let alert = text_of(client, ".admin-alert--error").await;
    assert!(alert.contains("We found no TXT record"), "{alert}");
    assert!(
        !has_session_cookie(client).await,
        "signed in without the record"
    );
    check(client, tools, "admin-challenge-error", failures).await;

    // Published as the page said: "Check DNS" signs in and lands on the dashboard.
    upstreams
        .dns
        .add(&record_name, FakeRecord::Txt(record_value.clone()));
    press(client, "form[action=\"/admin/verify\"] button[type=submit]").await;
    wait_for(client, "#dashboard-title").await;
    assert_eq!(path_of(client).await, "/admin");
    assert_eq!(text_of(client, "#dashboard-title").await, "Contoso");
    assert!(has_session_cookie(client).await, "no session cookie");
    check(client, tools, "admin-dashboard", failures).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_journey_in_headless_chromium_is_accessible() {
    let Some(tools) = tools() else {
        return;
    };
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let upstreams = Upstreams::start().await;
    let app = TestApp::spawn_wired(Backend::Sqlite, &upstreams, |_| {})
        .await
        .expect("SQLite always runs");
    // Resolved beforehand, so the tenant page shows the walkthrough and its automatic logo.
    let status = app.get("/api/v1/tenants/contoso.com").await.status();
    assert!(status.is_success(), "warming contoso.com: {status}");

    let files = tempfile::tempdir().unwrap();
    let logo_file = files.path().join("contoso-logo.png");
    two_colour_png(&logo_file);
    let not_an_image = files.path().join("notes.png");
    std::fs::write(&not_an_image, "these are meeting notes, not a picture\n").unwrap();

    let driver = Chromedriver::start(&tools.chromedriver);
    let client = session_with_args(
        &driver,
        &tools,
        &files.path().join("profile"),
        None,
        &[REDUCED_MOTION],
    )
    .await;
    let mut failures = Vec::new();

    sign_in(&client, &tools, &app, &upstreams, &mut failures).await;

    // Settings: the form, and the same form refusing an unreadable colour.
    press(&client, ".admin-nav a[href=\"/admin/settings\"]").await;
    wait_for(&client, "#settings-title").await;
    check(&client, &tools, "admin-settings", &mut failures).await;
    type_into(&client, "#brand_color", "#ffff66").await;
    press(
        &client,
        "form[action=\"/admin/settings\"] button[type=submit]",
    )
    .await;
    let error = text_of(&client, "#brand_color-error").await;
    assert!(error.contains(":1"), "the message gives the ratio: {error}");
    check(&client, &tools, "admin-settings-error", &mut failures).await;

    // The logo page: the automatic logo is shown until an upload is published.
    press(&client, ".admin-nav a[href=\"/admin/logo\"]").await;
    wait_for(&client, "#logo-title").await;
    let automatic = match client.find(Locator::Css("#automatic-logo")).await {
        Ok(img) => img.attr("src").await.unwrap(),
        Err(_) => None,
    };
    check(&client, &tools, "admin-logo", &mut failures).await;

    // A file that is not an image: refused with a message, nothing pending.
    wait_for(&client, "#logo")
        .await
        .send_keys(&not_an_image.display().to_string())
        .await
        .unwrap();
    press(&client, "form[action=\"/admin/logo\"] button[type=submit]").await;
    wait_for(&client, ".admin-alert--error").await;
    assert!(client.find(Locator::Css("#pending-logo")).await.is_err());
    check(&client, &tools, "admin-logo-error", &mut failures).await;

    // Our PNG through the real file input: the preview shows it.
    wait_for(&client, "#logo")
        .await
        .send_keys(&logo_file.display().to_string())
        .await
        .unwrap();
    press(&client, "form[action=\"/admin/logo\"] button[type=submit]").await;
    let preview = wait_for(&client, "#pending-logo")
        .await
        .attr("src")
        .await
        .unwrap()
        .unwrap();
    assert!(
        client
            .find(Locator::Css(".admin-alert--error"))
            .await
            .is_err()
    );
    assert!(loaded_width(&client, "#pending-logo").await > 0, "preview");
    check(&client, &tools, "admin-logo-preview", &mut failures).await;

    // Publish: the preview becomes the logo shown now.
    press(
        &client,
        "form[action=\"/admin/logo/publish\"] button[type=submit]",
    )
    .await;
    let published = wait_for(&client, "#published-logo")
        .await
        .attr("src")
        .await
        .unwrap()
        .unwrap();
    assert!(client.find(Locator::Css("#pending-logo")).await.is_err());
    assert_eq!(published, preview, "the published logo is the preview");
    let logo_path = published_logo_path(&app).await;
    assert_eq!(published, logo_path);
    assert_ne!(Some(&logo_path), automatic.as_ref(), "a new logo");
    check(&client, &tools, "admin-logo-published", &mut failures).await;

    // The served file is our picture: two halves, our two colours, the same shape.
    let served = app.get(&logo_path).await;
    assert_eq!(served.status(), 200);
    let picture = image::load_from_memory(&served.bytes().await.unwrap())
        .unwrap()
        .to_rgba8();
    let (width, height) = picture.dimensions();
    assert_eq!(width, 2 * height, "{width}×{height}");
    assert!(near(*picture.get_pixel(width / 4, height / 2), LEFT));
    assert!(near(*picture.get_pixel(3 * width / 4, height / 2), RIGHT));

    // The tenant page shows it, and it loads.
    open(&client, &app.url("/t/contoso.com")).await;
    let hero = wait_for(&client, "img.tenant-hero__logo").await;
    assert_eq!(hero.attr("src").await.unwrap(), Some(logo_path.clone()));
    assert_eq!(
        loaded_width(&client, "img.tenant-hero__logo").await,
        u64::from(width),
        "the tenant page's logo loads"
    );
    check(&client, &tools, "admin-tenant-page", &mut failures).await;

    // The dashboard says so; the rollout kit and its poster (one printed page, with the logo).
    open(&client, &app.url("/admin")).await;
    let status = text_of(&client, ".admin-status").await;
    assert!(status.contains("Logo: your upload"), "{status}");
    press(&client, ".admin-nav a[href=\"/admin/kit\"]").await;
    wait_for(&client, "#kit-title").await;
    let share_url = value_of(&client, "#share-url").await;
    assert!(share_url.ends_with("/t/contoso.com"), "{share_url}");
    check(&client, &tools, "admin-kit", &mut failures).await;
    let run_on = labels_running_on(&client).await;
    assert!(
        run_on.is_empty(),
        "kit labels run on after a copy button: {run_on:?}"
    );
    // The email's steps start in Authenticator (the sentence above them already sends people to
    // the link on their phone), and a Galaxy owner keeps the Preferred service.
    let email = value_of(&client, "#email-text").await;
    assert_eq!(
        email
            .matches("the steps for the phone in your hand")
            .count(),
        1,
        "{email}"
    );
    for words in [
        "1. Open Authenticator on that phone.",
        "(Samsung Galaxy: under “Additional providers”; leave “Preferred service” as it is)",
        "iOS 17 or later (17.4 or later recommended)",
    ] {
        assert!(email.contains(words), "the email says {words}: {email}");
    }
    press(&client, "a[href=\"/admin/kit/poster\"]").await;
    let poster_logo = wait_for(&client, ".poster--screen .poster__logo")
        .await
        .attr("src")
        .await
        .unwrap();
    assert_eq!(poster_logo, Some(logo_path.clone()));
    assert!(loaded_width(&client, ".poster--screen .poster__logo").await > 0);
    let band = wait_for(&client, ".poster--screen .poster__band rect")
        .await
        .attr("fill")
        .await
        .unwrap();
    let contoso = authwalk::web::views::PosterColours::for_brand(Some("#0072C6"));
    assert_eq!(
        band,
        Some(contoso.fill),
        "the poster carries Contoso's colour"
    );
    let steps = text_of(&client, ".poster--screen .poster__steps").await;
    assert!(steps.contains("Create a passkey"), "{steps}");
    assert!(
        steps.contains("leave “Preferred service” as it is"),
        "{steps}"
    );
    check(&client, &tools, "admin-poster", &mut failures).await;
    let pdf = client
        .print(PrintConfiguration::default())
        .await
        .expect("print to PDF");
    std::fs::write(screenshot_dir().join("admin-poster.pdf"), &pdf).unwrap();
    assert!(pdf.starts_with(b"%PDF"), "printing did not give a PDF");
    assert_eq!(pdf_page_count(&pdf), 1, "the poster must print on one page");

    // Signing out ends the session: back on the sign-in page, and the admin pages send there.
    open(&client, &app.url("/admin/kit")).await;
    press(&client, ".admin-nav__signout button[type=submit]").await;
    wait_for(&client, "#signin-title").await;
    assert!(!has_session_cookie(&client).await, "signed out");
    open(&client, &app.url("/admin/settings")).await;
    wait_for(&client, "#signin-title").await;
    assert_eq!(path_of(&client).await, "/admin");

    // The operator's one-time link: its confirmation page signs in; used, it says why not.
    let link = admin_link(&app, "contoso.com").await;
    open(&client, &link).await;
    wait_for(&client, "form[action^=\"/admin/link/\"]").await;
    check(&client, &tools, "admin-link", &mut failures).await;
    press(
        &client,
        "form[action^=\"/admin/link/\"] button[type=submit]",
    )
    .await;
    wait_for(&client, "#dashboard-title").await;
    assert!(has_session_cookie(&client).await, "signed in by the link");
    open(&client, &link).await;
    let alert = text_of(&client, ".admin-alert--error").await;
    assert!(alert.contains("already used"), "{alert}");
    check(&client, &tools, "admin-link-used", &mut failures).await;

    // The pages an admin reaches, again at phone width and in dark mode (light at desktop width
    // was audited along the way), signed in and then signed out.
    let signed_in = [
        ("dashboard", "/admin"),
        ("settings", "/admin/settings"),
        ("logo", "/admin/logo"),
        ("kit", "/admin/kit"),
        ("poster", "/admin/kit/poster"),
    ];
    let views: [(Option<&Device>, Scheme); 3] = [
        (None, Scheme::Dark),
        (Some(&PHONE), Scheme::Light),
        (Some(&PHONE), Scheme::Dark),
    ];
    for (viewport, scheme) in views {
        emulate_viewport(&client, viewport).await;
        emulate_scheme(&client, scheme).await;
        let width = if viewport.is_some() {
            "phone"
        } else {
            "desktop"
        };
        for (name, path) in signed_in {
            open(&client, &app.url(path)).await;
            assert_eq!(path_of(&client).await, path, "still signed in");
            assert_scheme(&client, scheme).await;
            let name = format!("admin-{width}-{}-{name}", scheme.as_str());
            check(&client, &tools, &name, &mut failures).await;
            if path == "/admin/kit" {
                let run_on = labels_running_on(&client).await;
                assert!(run_on.is_empty(), "{name}: labels run on: {run_on:?}");
            }
        }
    }
    open(&client, &app.url("/admin/kit")).await;
    press(&client, ".admin-nav__signout button[type=submit]").await;
    wait_for(&client, "#signin-title").await;
    for (viewport, scheme) in views {
        emulate_viewport(&client, viewport).await;
        emulate_scheme(&client, scheme).await;
        open(&client, &app.url("/admin")).await;
        wait_for(&client, "#signin-title").await;
        assert_scheme(&client, scheme).await;
        let width = if viewport.is_some() {
            "phone"
        } else {
            "desktop"
        };
        check(
            &client,
            &tools,
            &format!("admin-{width}-{}-signin", scheme.as_str()),
            &mut failures,
        )
        .await;
    }
    emulate_viewport(&client, None).await;
    emulate_scheme(&client, Scheme::Light).await;

    // The audit is live here too: a field without a label is reported.
    assert_audit_reports(
        &client,
        &tools.axe,
        "const input = document.createElement('input'); input.type = 'text'; document.querySelector('main').append(input);",
        "label",
        "a field without a label",
    )
    .await;

    client.close().await.unwrap();
    drop(driver);
    app.stop().await;
    assert_no_violations(&failures);
}
