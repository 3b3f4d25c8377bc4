//! Browser tests: the pages in headless Chromium (through chromedriver and fantoccini) with iPhone
//! and Pixel emulation, switching devices with the tabs, and the axe-core accessibility audit on
//! every page (zero violations). Screenshots of each view go to `target/screenshots/`.
//!
//! Needs `chromium`, `chromedriver` and `tests/browser/node_modules/axe-core` (`.ci/run` installs
//! them). Without them the test prints one line and passes — except under CI (`CI` set), where
//! that is a failure, so CI can never skip it silently.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "tests"
)]
#![allow(
    clippy::disallowed_methods,
    reason = "tests read PATH and CI to find the browser, not configuration"
)]

mod support;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::{Capabilities, PrintConfiguration, TimeoutConfiguration};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use support::{Backend, TestApp, Upstreams};

const IPHONE_17_4: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const ANDROID_REDUCED: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

/// Chromium's flags: headless, no sandbox (containers), nothing that reaches the network.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
];

/// An emulated phone.
struct Device {
    name: &'static str,
    user_agent: &'static str,
    width: u32,
    height: u32,
    pixel_ratio: f64,
}

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

/// What the browser test needs on the machine.
struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
    axe: String,
}

/// Find a program on `PATH`.
fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The tools, or `None` (after one line, or a panic under CI) when something is missing.
fn tools() -> Option<Tools> {
    let axe_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser/node_modules/axe-core/axe.min.js");
    let chromium = which("chromium").or_else(|| which("chromium-browser"));
    let chromedriver = which("chromedriver");
    let axe = std::fs::read_to_string(&axe_path).ok();
    let mut missing = Vec::new();
    if chromium.is_none() {
        missing.push("chromium".to_owned());
    }
    if chromedriver.is_none() {
        missing.push("chromedriver".to_owned());
    }
    if axe.is_none() {
        missing.push(format!(
            "{} (run `npm ci` in tests/browser)",
            axe_path.display()
        ));
    }
    match (chromium, chromedriver, axe) {
        (Some(chromium), Some(chromedriver), Some(axe)) => Some(Tools {
            chromium,
            chromedriver,
            axe,
        }),
        _ if std::env::var_os("CI").is_some() => panic!(
            "browser tests cannot run under CI, missing: {} (.ci/run installs them)",
            missing.join(", ")
        ),
        _ => {
            println!("browser: not run (missing {})", missing.join(", "));
            None
        }
    }
}

/// A chromedriver on a free loopback port, killed on drop.
struct Chromedriver {
    child: Child,
    url: String,
}

impl Chromedriver {
    fn start(program: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver does not listen on {addr}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A new browser session: a fresh profile, and phone emulation when `device` is given.
async fn session(
    driver: &Chromedriver,
    tools: &Tools,
    profile: &Path,
    device: Option<&Device>,
) -> Client {
    let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|arg| (*arg).to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    if device.is_none() {
        args.push("--window-size=1280,900".to_owned());
    }
    let mut chrome = json!({
        "binary": tools.chromium.display().to_string(),
        "args": args,
    });
    if let Some(device) = device {
        chrome["mobileEmulation"] = json!({
            "deviceMetrics": {
                "width": device.width,
                "height": device.height,
                "pixelRatio": device.pixel_ratio,
                "mobile": true,
                "touch": true,
            },
            "userAgent": device.user_agent,
        });
    }
    let mut capabilities = Capabilities::new();
    capabilities.insert("browserName".to_owned(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".to_owned(), chrome);
    let client = ClientBuilder::rustls()
        .expect("rustls connector")
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("new WebDriver session");
    client
        .update_timeouts(TimeoutConfiguration::new(
            Some(Duration::from_secs(20)),
            Some(Duration::from_secs(20)),
            Some(Duration::ZERO),
        ))
        .await
        .unwrap();
    client
}

/// Open `url`; a progress page ("resolving") is followed by its `?wait=1` result.
async fn open(client: &Client, url: &str) {
    client.goto(url).await.unwrap();
    if client
        .find(Locator::Css("main[data-status=\"resolving\"]"))
        .await
        .is_ok()
    {
        let separator = if url.contains('?') { '&' } else { '?' };
        client
            .goto(&format!("{url}{separator}wait=1"))
            .await
            .unwrap();
    }
}

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

/// Run axe-core on the current page and return a description of each violation.
async fn audit(client: &Client, axe: &str) -> Vec<String> {
    client.execute(axe, vec![]).await.expect("inject axe-core");
    let result = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then((r) => done(JSON.stringify(r.violations)))
               .catch((e) => done(JSON.stringify({ error: String(e) })));",
            vec![],
        )
        .await
        .expect("run axe-core");
    let text = result.as_str().expect("axe result is a string");
    let violations: Value = serde_json::from_str(text).unwrap();
    let Some(violations) = violations.as_array() else {
        panic!("axe-core failed: {violations}");
    };
    violations
        .iter()
        .map(|violation| {
            let targets: Vec<String> = violation["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|node| node["target"].to_string())
                .collect();
            format!(
                "{} [{}] {}: {}",
                violation["id"].as_str().unwrap_or("?"),
                violation["impact"].as_str().unwrap_or("?"),
                violation["help"].as_str().unwrap_or("?"),
                targets.join(", ")
            )
        })
        .collect()
}

/// Pages of a PDF written by Chromium (its page objects are plain, uncompressed dictionaries).
fn pdf_page_count(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

/// Screenshot the current view to `target/screenshots/{name}.png`.
async fn screenshot(client: &Client, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Audit the current page as `name`, screenshot it, and collect its violations into `failures`.
async fn check(client: &Client, tools: &Tools, name: &str, failures: &mut Vec<String>) {
    screenshot(client, name).await;
    let url = client.current_url().await.unwrap();
    for violation in audit(client, &tools.axe).await {
        failures.push(format!("{name} ({url}): {violation}"));
    }
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
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::write(dir.join("poster.pdf"), &pdf).unwrap();
    assert!(pdf.starts_with(b"%PDF"), "printing did not give a PDF");
    assert_eq!(pdf_page_count(&pdf), 1, "the poster must print on one page");

    // The audit is live: an image without alternative text is reported.
    client
        .execute(
            "const img = document.createElement('img'); img.src = '/favicon.svg'; document.querySelector('main').append(img);",
            vec![],
        )
        .await
        .unwrap();
    let control = audit(&client, &tools.axe).await;
    assert!(
        control
            .iter()
            .any(|violation| violation.starts_with("image-alt ")),
        "axe-core does not report an image without alt text: {control:?}"
    );
    client.close().await.unwrap();
    drop(driver);
    app.stop().await;

    assert!(
        failures.is_empty(),
        "axe-core violations:\n{}",
        failures.join("\n")
    );
}
