//! Headless Chromium for the browser tests: finding chromium, chromedriver and axe-core, running
//! chromedriver, opening sessions (desktop or an emulated phone), light and dark mode (Chrome
//! DevTools' media emulation), the axe-core audit, full-page screenshots to `target/screenshots/`
//! and counting the pages of a printed PDF.
//!
//! Without the tools a browser test prints one line and passes — except under CI (`CI` set),
//! where that is a failure, so CI can never skip it silently.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test support")]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::{Capabilities, TimeoutConfiguration, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

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

/// Chromium flag: the page sees `prefers-reduced-motion: reduce` (no smooth scrolling, so a click
/// never lands on an element that is still scrolling into place).
pub const REDUCED_MOTION: &str = "--force-prefers-reduced-motion";

/// An emulated phone.
pub struct Device {
    /// Short name, used in screenshot names and messages.
    pub name: &'static str,
    /// The `User-Agent` it sends.
    pub user_agent: &'static str,
    /// Viewport width in CSS pixels.
    pub width: u32,
    /// Viewport height in CSS pixels.
    pub height: u32,
    /// Device pixels per CSS pixel.
    pub pixel_ratio: f64,
}

/// A light or a dark page, as `prefers-color-scheme` tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `prefers-color-scheme: light`.
    Light,
    /// `prefers-color-scheme: dark`.
    Dark,
}

impl Scheme {
    /// Both, light first.
    pub const BOTH: [Scheme; 2] = [Scheme::Light, Scheme::Dark];

    /// The media feature's value, also used in screenshot names.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Light => "light",
            Scheme::Dark => "dark",
        }
    }
}

/// A Chrome DevTools Protocol command, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    command: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({ "cmd": self.command, "params": self.params });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// Run a DevTools command on the session's page and return its result.
async fn cdp(client: &Client, command: &'static str, params: Value) -> Value {
    client
        .issue_cmd(Cdp { command, params })
        .await
        .unwrap_or_else(|error| panic!("DevTools {command}: {error}"))
}

/// Make the session's pages see `prefers-color-scheme: scheme` (kept across navigations).
pub async fn emulate_scheme(client: &Client, scheme: Scheme) {
    cdp(
        client,
        "Emulation.setEmulatedMedia",
        json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme.as_str() }] }),
    )
    .await;
}

/// Give the session's page the viewport of `phone` (touch, its pixel ratio), or the desktop
/// window's again with `None`, without a new session (an admin keeps their sign-in).
pub async fn emulate_viewport(client: &Client, phone: Option<&Device>) {
    match phone {
        Some(phone) => {
            cdp(
                client,
                "Emulation.setDeviceMetricsOverride",
                json!({
                    "width": phone.width,
                    "height": phone.height,
                    "deviceScaleFactor": phone.pixel_ratio,
                    "mobile": true,
                }),
            )
            .await;
        }
        None => {
            cdp(client, "Emulation.clearDeviceMetricsOverride", json!({})).await;
        }
    }
}

/// Fail unless the current page sees `scheme` (the emulation is live, not assumed).
pub async fn assert_scheme(client: &Client, scheme: Scheme) {
    let dark = client
        .execute(
            "return window.matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        dark.as_bool(),
        Some(scheme == Scheme::Dark),
        "the page does not see prefers-color-scheme: {}",
        scheme.as_str()
    );
}

/// What the browser tests need on the machine.
pub struct Tools {
    /// The Chromium binary.
    pub chromium: PathBuf,
    /// The chromedriver binary.
    pub chromedriver: PathBuf,
    /// The text of `axe.min.js`.
    pub axe: String,
}

/// Find a program on `PATH`.
fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The tools, or `None` (after one line, or a panic under CI) when something is missing.
pub fn tools() -> Option<Tools> {
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
pub struct Chromedriver {
    child: Child,
    url: String,
}

impl Chromedriver {
    /// Start `program` and wait (15 s at most) until it listens.
    pub fn start(program: &Path) -> Self {
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
pub async fn session(
    driver: &Chromedriver,
    tools: &Tools,
    profile: &Path,
    device: Option<&Device>,
) -> Client {
    session_with_args(driver, tools, profile, device, &[]).await
}

/// Like [`session`], with more Chromium flags (such as [`REDUCED_MOTION`]).
pub async fn session_with_args(
    driver: &Chromedriver,
    tools: &Tools,
    profile: &Path,
    device: Option<&Device>,
    extra_args: &[&str],
) -> Client {
    let mut args: Vec<String> = CHROMIUM_ARGS
        .iter()
        .chain(extra_args)
        .map(|arg| (*arg).to_owned())
        .collect();
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
pub async fn open(client: &Client, url: &str) {
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

/// Run axe-core on the current page and return a description of each violation.
pub async fn audit(client: &Client, axe: &str) -> Vec<String> {
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

/// Prove the audit is live: after `inject` (JavaScript that adds a faulty element to the page),
/// axe-core must report the rule `rule` (what it checks, for the failure message: `what`).
pub async fn assert_audit_reports(
    client: &Client,
    axe: &str,
    inject: &str,
    rule: &str,
    what: &str,
) {
    client.execute(inject, vec![]).await.unwrap();
    let control = audit(client, axe).await;
    let prefix = format!("{rule} ");
    assert!(
        control
            .iter()
            .any(|violation| violation.starts_with(&prefix)),
        "axe-core does not report {what}: {control:?}"
    );
}

/// Fail with every collected axe-core violation, if any.
pub fn assert_no_violations(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "axe-core violations:\n{}",
        failures.join("\n")
    );
}

/// Pages of a PDF written by Chromium (its page objects are plain, uncompressed dictionaries).
pub fn pdf_page_count(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

/// Where screenshots and printed PDFs go: `target/screenshots/` (created if missing).
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Screenshot the whole page (not only the view) to `target/screenshots/{name}.png`, one image
/// pixel per CSS pixel, so a phone's page reads top to bottom as the person scrolls it.
pub async fn screenshot(client: &Client, name: &str) {
    let dir = screenshot_dir();
    let metrics = cdp(client, "Page.getLayoutMetrics", json!({})).await;
    let size = &metrics["cssContentSize"];
    let ratio = client
        .execute("return window.devicePixelRatio;", vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap_or(1.0);
    let shot = cdp(
        client,
        "Page.captureScreenshot",
        json!({
            "format": "png",
            "captureBeyondViewport": true,
            "clip": {
                "x": 0, "y": 0,
                "width": size["width"].as_f64().unwrap_or(1280.0),
                "height": size["height"].as_f64().unwrap_or(900.0),
                "scale": 1.0 / ratio,
            },
        }),
    )
    .await;
    let png = data_encoding::BASE64
        .decode(shot["data"].as_str().unwrap_or_default().as_bytes())
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Screenshot one element of the current page — the `index`-th match of `css` — at the device's
/// pixel ratio (a close-up) to `target/screenshots/{name}.png`.
pub async fn screenshot_element(client: &Client, css: &str, index: usize, name: &str) {
    let rect = client
        .execute(
            "const el = document.querySelectorAll(arguments[0])[arguments[1]];
             const r = el.getBoundingClientRect();
             return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height];",
            vec![json!(css), json!(index)],
        )
        .await
        .unwrap();
    let [x, y, width, height] = [0, 1, 2, 3].map(|i| rect[i].as_f64().unwrap_or_default());
    let shot = cdp(
        client,
        "Page.captureScreenshot",
        json!({
            "format": "png",
            "captureBeyondViewport": true,
            "clip": { "x": x, "y": y, "width": width.max(1.0), "height": height.max(1.0), "scale": 1.0 },
        }),
    )
    .await;
    let png = data_encoding::BASE64
        .decode(shot["data"].as_str().unwrap_or_default().as_bytes())
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
}

/// Audit the current page as `name`, screenshot it, and collect its violations into `failures`.
pub async fn check(client: &Client, tools: &Tools, name: &str, failures: &mut Vec<String>) {
    screenshot(client, name).await;
    let url = client.current_url().await.unwrap();
    for violation in audit(client, &tools.axe).await {
        failures.push(format!("{name} ({url}): {violation}"));
    }
}
