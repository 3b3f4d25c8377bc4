//! A fake of Microsoft's login endpoints and branding CDN over real HTTPS, answering as
//! `shared/reference/entra.md` documents.
//!
//! [`FakeMicrosoft::start_with_ca`] takes a leaf certificate from a [`TestCa`] for every Microsoft
//! host the app talks to ([`HOSTS`]) and serves an axum router over tokio-rustls on `127.0.0.1:0`
//! (HTTP/1.1 and HTTP/2 by ALPN); [`FakeMicrosoft::start`] makes a CA of its own. The app reaches
//! it only through its configuration: [`FakeMicrosoft::connect_to`] for `AUTHWALK_CONNECT_TO` and
//! [`FakeMicrosoft::ca_pem_path`] for `AUTHWALK_EXTRA_CA`; TLS is verified for the real host name.
//!
//! Requests are routed on the Host header (HTTP/1.1) or the `:authority` (HTTP/2):
//! `login.microsoftonline.com` is the public cloud, `login.microsoftonline.us` US Government,
//! `login.partner.microsoftonline.cn` China; the branding CDN hosts ([`CDN_HOSTS`]) serve the
//! images the scenario tenants' branding points at (host and path must match; the `ts` query is
//! ignored, as the CDN does) and answer 404 (Azure Blob's XML) for anything else.
//! The answer depends on the domain asked about (see the scenario constants below); every request
//! is counted per host and [`Endpoint`], CDN requests also per path
//! ([`FakeMicrosoft::cdn_requests`]), and may be delayed.
//!
//! Which host knows which tenant: the public and US Government hosts answer about tenants of every
//! cloud (the public host tells a US Government or China tenant where its cloud is); the China host
//! knows only China tenants. A US Government tenant asked about on another cloud's host has no
//! brand name in its realm and no branding in its credential type, as Microsoft answers.
//!
//! Any domain whose first label starts with `icons-` (the website scenarios of
//! [`super::fake_web`]) is a managed public-cloud tenant WITHOUT branding, its brand derived from
//! the label ([`icons_brand`]: `icons-apple.com` is "Icons Apple") and its id from a SHA-256 of the
//! domain ([`icons_tenant_id`]). Such a tenant is found by domain only, not by its id.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Version, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

use super::fake_web::images::{self, Asset, Rgb};
use super::fake_web::{HTML_AS_IMAGE, HUGE_BODY_BYTES, huge_jpeg_parts, stream_parts};
use super::test_ca::{TestCa, request_host};
use super::upstream_fault::Fault;

/// The public cloud's login host.
pub const PUBLIC_LOGIN_HOST: &str = "login.microsoftonline.com";
/// The US Government cloud's login host (GCC High, DoD).
pub const US_GOV_LOGIN_HOST: &str = "login.microsoftonline.us";
/// The China (21Vianet) cloud's login host.
pub const CHINA_LOGIN_HOST: &str = "login.partner.microsoftonline.cn";
/// Microsoft's branding CDN hosts: they serve the scenario tenants' images, 404 for anything else.
pub const CDN_HOSTS: [&str; 3] = [
    "aadcdn.msftauthimages.net",
    "aadcdn.msauthimages.net",
    "secure.aadcdn.microsoftonline-p.com",
];
/// Every host the certificate names and [`FakeMicrosoft::connect_to`] pins.
pub const HOSTS: [&str; 6] = [
    PUBLIC_LOGIN_HOST,
    US_GOV_LOGIN_HOST,
    CHINA_LOGIN_HOST,
    CDN_HOSTS[0],
    CDN_HOSTS[1],
    CDN_HOSTS[2],
];

/// `contoso.com`: managed, public cloud, region NA, brand "Contoso", WITH branding (locales 0, 1031).
pub const CONTOSO_TENANT: &str = "c0a7050c-1111-4a11-8c11-000000000001";
/// `northwind.com`: managed, public cloud, region EU, brand "Northwind Traders", no branding.
pub const NORTHWIND_TENANT: &str = "a0e7f1d2-2222-4b22-9d22-000000000002";
/// `fabrikam.com`: federated (AD FS at `sts.fabrikam.com`, WS-Trust), region NA, no branding.
pub const FABRIKAM_TENANT: &str = "fab01ca3-3333-4c33-ae33-000000000003";
/// `gcchigh-agency.gov`: US Government GCC High (`USGov` + `DODCON`), brand "Agency" on the .us host.
pub const GCC_HIGH_TENANT: &str = "9cc41900-4444-4d44-bf44-000000000004";
/// `gcc-moderate.gov`: GCC Moderate (`NA` + `GCC`), public cloud, brand "Moderate Agency".
pub const GCC_MODERATE_TENANT: &str = "9cc30de7-5555-4e55-8055-000000000005";
/// `contoso-china.cn`: China (21Vianet), region AS, brand "Contoso China", no branding.
pub const CONTOSO_CHINA_TENANT: &str = "c4140c40-6666-4f66-9166-000000000006";
/// `branding-throttled.com`: managed, brand "Throttled Co"; credential type answers throttled.
pub const BRANDING_THROTTLED_TENANT: &str = "7b7077ed-7777-4077-a277-000000000007";
/// `slow-tenant.com`: like Northwind, but every endpoint waits [`SLOW_TENANT_DELAY`] first.
pub const SLOW_TENANT: &str = "5104e7e0-8888-4188-b388-000000000008";
/// `hostile-branding.com`: managed, public cloud, brand "Hostile Branding", WITH branding whose
/// every image is hostile (see [`HOSTILE_BANNER_LOGO`] and the following constants).
pub const HOSTILE_BRANDING_TENANT: &str = "40571e00-9999-4a99-8a99-000000000009";
/// `cdn-elsewhere.com`: managed, public cloud, brand "CDN Elsewhere", branding whose banner logo
/// is on a host outside Microsoft's CDN ([`CDN_ELSEWHERE_BANNER_LOGO`]).
pub const CDN_ELSEWHERE_TENANT: &str = "e15e0000-aaaa-4baa-9baa-00000000000a";
/// `bidi-brand.com`: a brand name that a right-to-left override makes read "Contoso Helpdesk".
pub const BIDI_BRAND_TENANT: &str = "b1d1b1d1-bbbb-4bbb-8bbb-00000000000b";
/// The brand name `bidi-brand.com`'s realm answers: bidi controls and a zero-width space around
/// plain words.
pub const BIDI_BRAND_NAME: &str = "Fabrikam\u{202E}ksedpleH osotnoC\u{202C}\u{200B} IT";
/// What the page must show of it: the same characters, without the invisible ones.
pub const BIDI_BRAND_SHOWN: &str = "FabrikamksedpleH osotnoC IT";
/// `cdn-redirect.com`: managed, public cloud, brand "CDN Redirect", branding whose images are on
/// Microsoft's CDN but redirect: the banner logo off the CDN ([`CDN_REDIRECT_BANNER_LOGO`]), the
/// square logo to plain http ([`CDN_REDIRECT_TILE_LOGO`]), the dark square logo to another CDN
/// host ([`CDN_REDIRECT_TILE_DARK_LOGO`], the one that may be followed).
pub const CDN_REDIRECT_TENANT: &str = "c0d1e2e3-bbbb-4cbb-acbb-00000000000b";
/// How long `slow-tenant.com` makes every answer wait.
pub const SLOW_TENANT_DELAY: Duration = Duration::from_secs(30);

/// Contoso's default (locale 0) banner logo.
pub const CONTOSO_BANNER_LOGO: &str = "https://aadcdn.msftauthimages.net/c1c6b6c8-o0aw3xmpgjpm1n7ai7mdbnyhkzcwagpnbcbdx4dwsca/logintenantbranding/0/bannerlogo?ts=638473919203401117";
/// Contoso's default square logo.
pub const CONTOSO_TILE_LOGO: &str = "https://aadcdn.msftauthimages.net/c1c6b6c8-o0aw3xmpgjpm1n7ai7mdbnyhkzcwagpnbcbdx4dwsca/logintenantbranding/0/tilelogo?ts=638473919208089287";
/// Contoso's default square logo for dark themes.
pub const CONTOSO_TILE_DARK_LOGO: &str = "https://aadcdn.msftauthimages.net/c1c6b6c8-o0aw3xmpgjpm1n7ai7mdbnyhkzcwagpnbcbdx4dwsca/logintenantbranding/0/squarelogodark?ts=638473919212933128";
/// Contoso's default background illustration.
pub const CONTOSO_ILLUSTRATION: &str = "https://aadcdn.msftauthimages.net/c1c6b6c8-o0aw3xmpgjpm1n7ai7mdbnyhkzcwagpnbcbdx4dwsca/logintenantbranding/0/illustration?ts=638473919196838772";
/// Contoso's default background colour.
pub const CONTOSO_BACKGROUND_COLOR: &str = "#0072C6";
/// Contoso's German (1031) background colour.
pub const CONTOSO_DE_BACKGROUND_COLOR: &str = "#004E8C";
/// The GCC High agency's banner logo (answered on the .us host only).
pub const GCC_HIGH_BANNER_LOGO: &str = "https://aadcdn.msftauthimages.net/81d6b03a-qlu1ltpvqyjdsixrykc4smhbbgfmbw6v7zu2abhbw5e/logintenantbranding/0/bannerlogo?ts=638311402551457305";
/// The GCC High agency's background colour (answered on the .us host only).
pub const GCC_HIGH_BACKGROUND_COLOR: &str = "#112E51";

/// `hostile-branding.com`'s banner logo: a PNG DECLARING 100000×100000 (valid signature and IHDR,
/// about 1 KiB), served as `image/png` by the older CDN host.
pub const HOSTILE_BANNER_LOGO: &str = "https://aadcdn.msauthimages.net/dbd5a2dd-n1p4xq8vzk3yt6rwm0aljc5hbe9gs7fuo2idqhvt/logintenantbranding/0/bannerlogo?ts=638602114375125603";
/// `hostile-branding.com`'s square logo: an HTML page served as `image/png`.
pub const HOSTILE_TILE_LOGO: &str = "https://aadcdn.msauthimages.net/dbd5a2dd-n1p4xq8vzk3yt6rwm0aljc5hbe9gs7fuo2idqhvt/logintenantbranding/0/tilelogo?ts=638602114379812741";
/// `hostile-branding.com`'s dark square logo: a JPEG cut inside its headers (`image/jpeg`).
pub const HOSTILE_TILE_DARK_LOGO: &str = "https://aadcdn.msauthimages.net/dbd5a2dd-n1p4xq8vzk3yt6rwm0aljc5hbe9gs7fuo2idqhvt/logintenantbranding/0/squarelogodark?ts=638602114383328166";
/// `hostile-branding.com`'s illustration: a 20 MiB `image/jpeg` body WITH Content-Length,
/// streamed, on the third CDN host.
pub const HOSTILE_ILLUSTRATION: &str = "https://secure.aadcdn.microsoftonline-p.com/dbd5a2dd-n1p4xq8vzk3yt6rwm0aljc5hbe9gs7fuo2idqhvt/logintenantbranding/0/illustration?ts=638602114370438490";
/// `hostile-branding.com`'s background colour (valid).
pub const HOSTILE_BACKGROUND_COLOR: &str = "#000000";
/// `cdn-elsewhere.com`'s banner logo: NOT on a Microsoft CDN host. It is served (a valid PNG) and
/// counted by [`super::fake_web::FakeWeb`], so a test can assert the app never fetched it.
pub const CDN_ELSEWHERE_BANNER_LOGO: &str = super::fake_web::EVIL_CDN_LOGO;
/// `cdn-redirect.com`'s banner logo: on the CDN, answered 302 to [`CDN_ELSEWHERE_BANNER_LOGO`]
/// (off the CDN, served and counted by the fake company websites).
pub const CDN_REDIRECT_BANNER_LOGO: &str = "https://aadcdn.msftauthimages.net/c0d1e2e3-r3d1r3ctq0xw/logintenantbranding/0/bannerlogo?ts=638700000000000001";
/// `cdn-redirect.com`'s square logo: on the CDN, answered 302 to the same path over plain http.
pub const CDN_REDIRECT_TILE_LOGO: &str = "https://aadcdn.msftauthimages.net/c0d1e2e3-r3d1r3ctq0xw/logintenantbranding/0/tilelogo?ts=638700000000000002";
/// `cdn-redirect.com`'s dark square logo: on the CDN, answered 302 to
/// [`CDN_REDIRECT_TILE_DARK_TARGET`] on another CDN host, which serves a valid PNG.
pub const CDN_REDIRECT_TILE_DARK_LOGO: &str = "https://aadcdn.msftauthimages.net/c0d1e2e3-r3d1r3ctq0xw/logintenantbranding/0/squarelogodark?ts=638700000000000003";
/// Where [`CDN_REDIRECT_TILE_DARK_LOGO`] redirects: Contoso's dark square logo's bytes.
pub const CDN_REDIRECT_TILE_DARK_TARGET: &str = "https://aadcdn.msauthimages.net/c0d1e2e3-r3d1r3ctq0xw/logintenantbranding/0/squarelogodark-moved";
/// `cdn-redirect.com`'s background colour.
pub const CDN_REDIRECT_BACKGROUND_COLOR: &str = "#2B579A";
/// `cdn-elsewhere.com`'s background colour.
pub const CDN_ELSEWHERE_BACKGROUND_COLOR: &str = "#5C2D91";

/// Contoso's banner logo: 280×60 PNG, this blue on transparency.
pub const CONTOSO_BANNER_LOGO_COLOR: Rgb = [0x1F, 0x4E, 0x9C];
/// Contoso's banner logo size.
pub const CONTOSO_BANNER_LOGO_SIZE: (u32, u32) = (280, 60);
/// Contoso's square logo: 240×240 opaque PNG of this blue with a small white ring.
pub const CONTOSO_TILE_LOGO_COLOR: Rgb = [0x00, 0x78, 0xD4];
/// Contoso's square logo size (also its dark variant's).
pub const CONTOSO_TILE_LOGO_SIZE: (u32, u32) = (240, 240);
/// Contoso's dark square logo: 240×240 PNG, a tile of this light grey on transparency.
pub const CONTOSO_TILE_DARK_LOGO_COLOR: Rgb = [0xF3, 0xF2, 0xF1];
/// Contoso's illustration: 1920×1080 JPEG of flat colours, mostly this pale blue sky.
pub const CONTOSO_ILLUSTRATION_COLOR: Rgb = [0xC7, 0xE0, 0xF4];
/// Contoso's illustration size.
pub const CONTOSO_ILLUSTRATION_SIZE: (u32, u32) = (1920, 1080);
/// The GCC High agency's banner logo: 280×60 PNG, this red on transparency.
pub const GCC_HIGH_BANNER_LOGO_COLOR: Rgb = [0xB2, 0x22, 0x34];
/// The `Cache-Control` of every CDN image.
pub const CDN_CACHE_CONTROL: &str = "public, max-age=31536000";

/// What a request asked for, as counted by [`FakeMicrosoft::requests`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `GET /{tenant}[/v2.0]/.well-known/openid-configuration`.
    OpenIdConfiguration,
    /// `GET /getuserrealm.srf`.
    UserRealm,
    /// `POST /common/GetCredentialType`.
    CredentialType,
    /// Any request to a branding CDN host ([`CDN_HOSTS`]), found or not.
    Cdn,
    /// Anything else on a login host.
    Other,
}

/// One request as the fake received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// Host name (lower-case, without port).
    pub host: String,
    /// How it was classified.
    pub endpoint: Endpoint,
    /// HTTP method.
    pub method: Method,
    /// Path and query as sent.
    pub path_and_query: String,
    /// HTTP version (HTTP/1.1 or HTTP/2).
    pub version: Version,
    /// The User-Agent header, if any.
    pub user_agent: Option<String>,
    /// The request body (lossy UTF-8).
    pub body: String,
}

#[derive(Default)]
struct Shared {
    counts: HashMap<(String, Endpoint), usize>,
    cdn_paths: HashMap<(String, String), usize>,
    log: Vec<RecordedRequest>,
    delay: Duration,
    delay_for: HashMap<Endpoint, Duration>,
    faults: HashMap<Endpoint, Fault>,
}

type SharedState = Arc<Mutex<Shared>>;

fn lock(state: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running fake of Microsoft's login and CDN hosts; stops when dropped.
pub struct FakeMicrosoft {
    addr: SocketAddr,
    state: SharedState,
    ca: TestCa,
    server: JoinHandle<()>,
}

impl std::fmt::Debug for FakeMicrosoft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeMicrosoft")
            .field("addr", &self.addr)
            .field("ca", &self.ca)
            .finish_non_exhaustive()
    }
}

impl FakeMicrosoft {
    /// Make a CA of its own and start serving on `127.0.0.1:0`.
    pub async fn start() -> Self {
        Self::start_with_ca(&TestCa::named("authwalk fake Microsoft test CA")).await
    }

    /// Start serving on `127.0.0.1:0` with a leaf certificate from `ca` for every host of
    /// [`HOSTS`].
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

    /// The CA that signed its certificate.
    pub fn ca(&self) -> &TestCa {
        &self.ca
    }

    /// Where it listens (every host is served on this one address).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The test CA's PEM file, for `AUTHWALK_EXTRA_CA`.
    pub fn ca_pem_path(&self) -> &Path {
        self.ca.pem_path()
    }

    /// The test CA as PEM text.
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

    /// Requests received for `endpoint` on any host.
    pub fn requests(&self, endpoint: Endpoint) -> usize {
        lock(&self.state)
            .counts
            .iter()
            .filter(|((_, counted), _)| *counted == endpoint)
            .map(|(_, count)| count)
            .sum()
    }

    /// Requests received for `endpoint` on `host` (case-insensitive).
    pub fn requests_on(&self, host: &str, endpoint: Endpoint) -> usize {
        let key = (host.trim_end_matches('.').to_ascii_lowercase(), endpoint);
        lock(&self.state).counts.get(&key).copied().unwrap_or(0)
    }

    /// Requests received in all.
    pub fn total_requests(&self) -> usize {
        lock(&self.state).counts.values().sum()
    }

    /// CDN requests for an image: `target` is a full URL (its host and path must match; the query
    /// is ignored) or a path alone (counted on every CDN host).
    pub fn cdn_requests(&self, target: &str) -> usize {
        let state = lock(&self.state);
        if target.starts_with('/') {
            let path = target.split('?').next().unwrap_or(target);
            return state
                .cdn_paths
                .iter()
                .filter(|((_, counted), _)| counted == path)
                .map(|(_, count)| count)
                .sum();
        }
        let Ok(url) = url::Url::parse(target) else {
            return 0;
        };
        let key = (
            url.host_str().unwrap_or_default().to_ascii_lowercase(),
            url.path().to_owned(),
        );
        state.cdn_paths.get(&key).copied().unwrap_or(0)
    }

    /// Every request received since start (or the last [`FakeMicrosoft::reset_counts`]), in order.
    pub fn recorded(&self) -> Vec<RecordedRequest> {
        lock(&self.state).log.clone()
    }

    /// Make every answer wait `delay` first (zero: no delay). A per-endpoint delay takes precedence.
    pub fn set_delay(&self, delay: Duration) {
        lock(&self.state).delay = delay;
    }

    /// Make every answer for `endpoint` wait `delay` first, instead of the global delay.
    pub fn set_delay_for(&self, endpoint: Endpoint, delay: Duration) {
        lock(&self.state).delay_for.insert(endpoint, delay);
    }

    /// Make every request for `endpoint` (on any host) get `fault` instead of its answer, until
    /// [`FakeMicrosoft::clear_fault`]. The request is still counted and delayed first.
    pub fn set_fault(&self, endpoint: Endpoint, fault: Fault) {
        lock(&self.state).faults.insert(endpoint, fault);
    }

    /// Answer `endpoint` normally again after [`FakeMicrosoft::set_fault`].
    pub fn clear_fault(&self, endpoint: Endpoint) {
        lock(&self.state).faults.remove(&endpoint);
    }

    /// Forget every count and recorded request (delays stay).
    pub fn reset_counts(&self) {
        let mut state = lock(&self.state);
        state.counts.clear();
        state.cdn_paths.clear();
        state.log.clear();
    }
}

impl Drop for FakeMicrosoft {
    fn drop(&mut self) {
        // Dropping the accept task drops its JoinSet, which aborts every open connection.
        self.server.abort();
    }
}

// ---------------------------------------------------------------------------------------------
// Routing, counting, delays
// ---------------------------------------------------------------------------------------------

/// The cloud a login host belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cloud {
    Public,
    UsGov,
    China,
}

impl Cloud {
    fn of_host(host: &str) -> Option<Self> {
        match host {
            PUBLIC_LOGIN_HOST => Some(Self::Public),
            US_GOV_LOGIN_HOST => Some(Self::UsGov),
            CHINA_LOGIN_HOST => Some(Self::China),
            _ => None,
        }
    }

    fn login_host(self) -> &'static str {
        match self {
            Self::Public => PUBLIC_LOGIN_HOST,
            Self::UsGov => US_GOV_LOGIN_HOST,
            Self::China => CHINA_LOGIN_HOST,
        }
    }

    fn instance_name(self) -> &'static str {
        match self {
            Self::Public => "microsoftonline.com",
            Self::UsGov => "microsoftonline.us",
            Self::China => "partner.microsoftonline.cn",
        }
    }

    fn graph_host(self) -> &'static str {
        match self {
            Self::Public => "graph.windows.net",
            Self::UsGov => "graph.microsoftazure.us",
            Self::China => "graph.chinacloudapi.cn",
        }
    }

    fn msgraph_host(self) -> &'static str {
        match self {
            Self::Public => "graph.microsoft.com",
            Self::UsGov => "graph.microsoft.us",
            Self::China => "microsoftgraph.chinacloudapi.cn",
        }
    }

    fn rbac_url(self) -> &'static str {
        match self {
            Self::Public => "https://pas.windows.net",
            Self::UsGov => "https://pasff.usgovcloudapi.net",
            Self::China => "https://pas.chinacloudapi.cn",
        }
    }

    /// The v1 issuer host: public and US Government share `sts.windows.net`.
    fn v1_sts(self) -> &'static str {
        match self {
            Self::Public | Self::UsGov => "sts.windows.net",
            Self::China => "sts.chinacloudapi.cn",
        }
    }

    /// Whether this host answers about a tenant of `home`.
    fn knows(self, home: Cloud) -> bool {
        self != Self::China || home == Self::China
    }
}

fn classify(host: &str, path: &str) -> Endpoint {
    if CDN_HOSTS.contains(&host) {
        return Endpoint::Cdn;
    }
    if Cloud::of_host(host).is_none() {
        return Endpoint::Other;
    }
    if path.ends_with("/.well-known/openid-configuration") {
        Endpoint::OpenIdConfiguration
    } else if path.eq_ignore_ascii_case("/getuserrealm.srf") {
        Endpoint::UserRealm
    } else if path.eq_ignore_ascii_case("/common/GetCredentialType") {
        Endpoint::CredentialType
    } else {
        Endpoint::Other
    }
}

async fn handle(State(state): State<SharedState>, request: Request) -> Response {
    let host = request_host(&request);
    let endpoint = classify(&host, request.uri().path());
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1024 * 1024)
        .await
        .unwrap_or_default();
    let (delay, fault) = {
        let mut shared = lock(&state);
        *shared.counts.entry((host.clone(), endpoint)).or_default() += 1;
        if endpoint == Endpoint::Cdn {
            *shared
                .cdn_paths
                .entry((host.clone(), parts.uri.path().to_owned()))
                .or_default() += 1;
        }
        shared.log.push(RecordedRequest {
            host: host.clone(),
            endpoint,
            method: parts.method.clone(),
            path_and_query: parts
                .uri
                .path_and_query()
                .map(|pq| pq.as_str().to_owned())
                .unwrap_or_default(),
            version: parts.version,
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        let delay = shared
            .delay_for
            .get(&endpoint)
            .copied()
            .unwrap_or(shared.delay);
        (delay, shared.faults.get(&endpoint).cloned())
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(fault) = fault {
        let target = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
        return fault.respond(&target).await;
    }
    if endpoint == Endpoint::Cdn {
        return cdn(&host, &parts);
    }
    let Some(cloud) = Cloud::of_host(&host) else {
        return not_found();
    };
    let ctx = Ctx { host, cloud };
    match (endpoint, &parts.method) {
        (Endpoint::OpenIdConfiguration, &Method::GET) => openid(&ctx, parts.uri.path()).await,
        (Endpoint::UserRealm, &Method::GET) => realm(&ctx, parts.uri.query().unwrap_or("")).await,
        (Endpoint::CredentialType, &Method::POST) => credential_type(&ctx, &body).await,
        (Endpoint::Other | Endpoint::Cdn, _) => not_found(),
        _ => (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<html><body>Method not allowed</body></html>",
        )
            .into_response(),
    }
}

/// The host a request came to.
struct Ctx {
    host: String,
    cloud: Cloud,
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html><head><title>404 - Not Found</title></head>\
         <body><h1>404 - Not Found</h1></body></html>",
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Branding {
    None,
    Contoso,
    Agency,
    Throttled,
    Hostile,
    Elsewhere,
    Redirecting,
}

#[derive(Clone, Debug)]
struct Tenant {
    domains: &'static [&'static str],
    id: Cow<'static, str>,
    cloud: Cloud,
    region: &'static str,
    sub_scope: Option<&'static str>,
    brand: Cow<'static, str>,
    federated: bool,
    branding: Branding,
    slow: bool,
}

const TENANTS: &[Tenant] = &[
    Tenant {
        // A department's subdomain and a sibling domain verified in the same tenant (admin rights).
        domains: &[
            "contoso.com",
            "contoso.onmicrosoft.com",
            "dept.contoso.com",
            "eu.dept.contoso.com",
            "sales.contoso.com",
            "contoso.net",
            // A subdomain named after another company (short links must not borrow its name).
            "fabrikam.contoso.com",
        ],
        id: Cow::Borrowed(CONTOSO_TENANT),
        cloud: Cloud::Public,
        region: "NA",
        sub_scope: None,
        brand: Cow::Borrowed("Contoso"),
        federated: false,
        branding: Branding::Contoso,
        slow: false,
    },
    Tenant {
        domains: &["northwind.com", "northwindtraders.onmicrosoft.com"],
        id: Cow::Borrowed(NORTHWIND_TENANT),
        cloud: Cloud::Public,
        region: "EU",
        sub_scope: None,
        brand: Cow::Borrowed("Northwind Traders"),
        federated: false,
        branding: Branding::None,
        slow: false,
    },
    Tenant {
        domains: &["fabrikam.com"],
        id: Cow::Borrowed(FABRIKAM_TENANT),
        cloud: Cloud::Public,
        region: "NA",
        sub_scope: None,
        brand: Cow::Borrowed("Fabrikam"),
        federated: true,
        branding: Branding::None,
        slow: false,
    },
    Tenant {
        domains: &["gcchigh-agency.gov"],
        id: Cow::Borrowed(GCC_HIGH_TENANT),
        cloud: Cloud::UsGov,
        region: "USGov",
        sub_scope: Some("DODCON"),
        brand: Cow::Borrowed("Agency"),
        federated: false,
        branding: Branding::Agency,
        slow: false,
    },
    Tenant {
        domains: &["gcc-moderate.gov"],
        id: Cow::Borrowed(GCC_MODERATE_TENANT),
        cloud: Cloud::Public,
        region: "NA",
        sub_scope: Some("GCC"),
        brand: Cow::Borrowed("Moderate Agency"),
        federated: false,
        branding: Branding::None,
        slow: false,
    },
    Tenant {
        domains: &["contoso-china.cn"],
        id: Cow::Borrowed(CONTOSO_CHINA_TENANT),
        cloud: Cloud::China,
        region: "AS",
        sub_scope: None,
        brand: Cow::Borrowed("Contoso China"),
        federated: false,
        branding: Branding::None,
        slow: false,
    },
    Tenant {
        domains: &["branding-throttled.com"],
        id: Cow::Borrowed(BRANDING_THROTTLED_TENANT),
        cloud: Cloud::Public,
        region: "NA",
        sub_scope: None,
        brand: Cow::Borrowed("Throttled Co"),
        federated: false,
        branding: Branding::Throttled,
        slow: false,
    },
    Tenant {
        domains: &["hostile-branding.com"],
        id: Cow::Borrowed(HOSTILE_BRANDING_TENANT),
        cloud: Cloud::Public,
        region: "NA",
        sub_scope: None,
        brand: Cow::Borrowed("Hostile Branding"),
        federated: false,
        branding: Branding::Hostile,
        slow: false,
    },
    Tenant {
        domains: &["cdn-elsewhere.com"],
        id: Cow::Borrowed(CDN_ELSEWHERE_TENANT),
        cloud: Cloud::Public,
        region: "EU",
        sub_scope: None,
        brand: Cow::Borrowed("CDN Elsewhere"),
        federated: false,
        branding: Branding::Elsewhere,
        slow: false,
    },
    Tenant {
        domains: &["bidi-brand.com"],
        id: Cow::Borrowed(BIDI_BRAND_TENANT),
        cloud: Cloud::Public,
        region: "NA",
        sub_scope: None,
        brand: Cow::Borrowed(BIDI_BRAND_NAME),
        federated: false,
        branding: Branding::None,
        slow: false,
    },
    Tenant {
        domains: &["cdn-redirect.com"],
        id: Cow::Borrowed(CDN_REDIRECT_TENANT),
        cloud: Cloud::Public,
        region: "EU",
        sub_scope: None,
        brand: Cow::Borrowed("CDN Redirect"),
        federated: false,
        branding: Branding::Redirecting,
        slow: false,
    },
    Tenant {
        domains: &["slow-tenant.com"],
        id: Cow::Borrowed(SLOW_TENANT),
        cloud: Cloud::Public,
        region: "EU",
        sub_scope: None,
        brand: Cow::Borrowed("Northwind Traders"),
        federated: false,
        branding: Branding::None,
        slow: true,
    },
];

/// What the fake does for a domain (or tenant id) on a given host.
enum Scenario {
    Tenant(Cow<'static, Tenant>),
    BrokenJson,
    Throttled,
    Unavailable,
    Unknown,
}

fn scenario(cloud: Cloud, name: &str) -> Scenario {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    match name.as_str() {
        "broken-json.com" => return Scenario::BrokenJson,
        "throttled-tenant.com" => return Scenario::Throttled,
        "unavailable-tenant.com" => return Scenario::Unavailable,
        _ => {}
    }
    if let Some(tenant) = TENANTS
        .iter()
        .find(|tenant| *tenant.id == *name || tenant.domains.contains(&name.as_str()))
    {
        return if cloud.knows(tenant.cloud) {
            Scenario::Tenant(Cow::Borrowed(tenant))
        } else {
            Scenario::Unknown
        };
    }
    match icons_tenant(&name) {
        Some(tenant) if cloud.knows(tenant.cloud) => Scenario::Tenant(Cow::Owned(tenant)),
        _ => Scenario::Unknown,
    }
}

/// Whether `domain` is a website scenario tenant: its first label starts with `icons-`.
pub fn is_icons_domain(domain: &str) -> bool {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    domain.contains('.')
        && domain
            .split('.')
            .next()
            .is_some_and(|label| label.starts_with("icons-") && label.len() > "icons-".len())
        && valid_tenant_name(&domain)
}

/// The tenant id of a website scenario domain: a version-4-shaped GUID made from the first 16
/// bytes of the SHA-256 of the lower-case domain (deterministic).
pub fn icons_tenant_id(domain: &str) -> String {
    let digest = Sha256::digest(domain.trim_end_matches('.').to_ascii_lowercase().as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// The brand name of a website scenario domain: its first label's words, capitalised
/// (`icons-apple.com` is "Icons Apple").
pub fn icons_brand(domain: &str) -> String {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    domain
        .split('.')
        .next()
        .unwrap_or_default()
        .split('-')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn icons_tenant(domain: &str) -> Option<Tenant> {
    is_icons_domain(domain).then(|| Tenant {
        domains: &[],
        id: Cow::Owned(icons_tenant_id(domain)),
        cloud: Cloud::Public,
        region: "NA",
        sub_scope: None,
        brand: Cow::Owned(icons_brand(domain)),
        federated: false,
        branding: Branding::None,
        slow: false,
    })
}

/// Scenarios that answer the same on every endpoint, or `None` to answer normally.
async fn common_failure(ctx: &Ctx, scenario: &Scenario) -> Option<Response> {
    match scenario {
        Scenario::Tenant(tenant) if tenant.slow => {
            tokio::time::sleep(SLOW_TENANT_DELAY).await;
            None
        }
        Scenario::Throttled => {
            let mut response = aadsts_error(
                ctx,
                StatusCode::TOO_MANY_REQUESTS,
                "temporarily_unavailable",
                90055,
                "TenantThrottlingError - There are too many incoming requests. Try again later.",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            Some(response)
        }
        Scenario::Unavailable => Some(aadsts_error(
            ctx,
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            90041,
            "The service is temporarily unavailable. Please try again later.",
        )),
        _ => None,
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (
        status,
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::STRICT_TRANSPORT_SECURITY,
                "max-age=31536000; includeSubDomains",
            ),
        ],
        body.to_string(),
    )
        .into_response();
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        response.headers_mut().insert("x-ms-request-id", id);
    }
    response
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

fn html_response(body: &'static str) -> Response {
    no_store(
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response(),
    )
}

/// An error the way Microsoft's STS writes it.
fn aadsts_error(ctx: &Ctx, status: StatusCode, error: &str, code: u32, message: &str) -> Response {
    let timestamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default();
    let trace_id = uuid::Uuid::new_v4().to_string();
    let correlation_id = uuid::Uuid::new_v4().to_string();
    let body = json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {message} Trace ID: {trace_id} Correlation ID: {correlation_id} \
             Timestamp: {timestamp}"
        ),
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": format!("https://{}/error?code={code}", ctx.host),
    });
    no_store(json_response(status, &body))
}

// ---------------------------------------------------------------------------------------------
// OpenID configuration
// ---------------------------------------------------------------------------------------------

async fn openid(ctx: &Ctx, path: &str) -> Response {
    let rest = path
        .strip_suffix("/.well-known/openid-configuration")
        .unwrap_or(path);
    let (segment, v2) = match rest.strip_suffix("/v2.0") {
        Some(segment) => (segment, true),
        None => (rest, false),
    };
    let segment = segment.strip_prefix('/').unwrap_or(segment);
    if segment.is_empty() || segment.contains('/') {
        return not_found();
    }
    let tenant_name = percent_decode(segment);
    if !valid_tenant_name(&tenant_name) {
        return aadsts_error(
            ctx,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900023,
            &format!(
                "Specified tenant identifier '{tenant_name}' is neither a valid DNS name, nor a \
                 valid external domain."
            ),
        );
    }
    let scenario = scenario(ctx.cloud, &tenant_name);
    if let Some(response) = common_failure(ctx, &scenario).await {
        return response;
    }
    match scenario {
        Scenario::Tenant(tenant) => {
            let mut response = json_response(StatusCode::OK, &openid_document(&tenant, v2));
            let headers = response.headers_mut();
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=86400, private"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, OPTIONS"),
            );
            response
        }
        Scenario::BrokenJson => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/json; charset=utf-8"),
                (header::CACHE_CONTROL, "max-age=86400, private"),
            ],
            r#"{"token_endpoint":"https://login.micro"#,
        )
            .into_response(),
        Scenario::Unknown | Scenario::Throttled | Scenario::Unavailable => aadsts_error(
            ctx,
            StatusCode::BAD_REQUEST,
            "invalid_tenant",
            90002,
            &format!(
                "Tenant '{tenant_name}' not found. Check to make sure you have the correct tenant \
                 ID and are signing into the correct cloud. Check with your subscription \
                 administrator, this may happen if there are no active subscriptions for the \
                 tenant."
            ),
        ),
    }
}

fn openid_document(tenant: &Tenant, v2: bool) -> Value {
    let cloud = tenant.cloud;
    let login = cloud.login_host();
    let tid = &tenant.id;
    let msgraph = cloud.msgraph_host();
    let mut document = if v2 {
        json!({
            "token_endpoint": format!("https://{login}/{tid}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("https://{login}/{tid}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("https://{login}/{tid}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": format!("https://{msgraph}/oidc/userinfo"),
            "authorization_endpoint": format!("https://{login}/{tid}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("https://{login}/{tid}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("https://{login}/{tid}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
            "kerberos_endpoint": format!("https://{login}/{tid}/kerberos"),
        })
    } else {
        json!({
            "token_endpoint": format!("https://{login}/{tid}/oauth2/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("https://{login}/common/discovery/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
            "scopes_supported": ["openid"],
            "issuer": format!("https://{}/{tid}/", cloud.v1_sts()),
            "microsoft_multi_refresh_token": true,
            "authorization_endpoint": format!("https://{login}/{tid}/oauth2/authorize"),
            "device_authorization_endpoint": format!("https://{login}/{tid}/oauth2/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("https://{login}/{tid}/oauth2/logout"),
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name", "family_name", "nickname"],
            "check_session_iframe": format!("https://{login}/{tid}/oauth2/checksession"),
            "userinfo_endpoint": format!("https://{login}/{tid}/openid/userinfo"),
            "kerberos_endpoint": format!("https://{login}/{tid}/kerberos"),
        })
    };
    let Some(fields) = document.as_object_mut() else {
        return document;
    };
    fields.insert("tenant_region_scope".into(), tenant.region.into());
    if let Some(sub_scope) = tenant.sub_scope {
        fields.insert("tenant_region_sub_scope".into(), sub_scope.into());
    }
    fields.insert("cloud_instance_name".into(), cloud.instance_name().into());
    fields.insert("cloud_graph_host_name".into(), cloud.graph_host().into());
    fields.insert("msgraph_host".into(), msgraph.into());
    fields.insert("rbac_url".into(), cloud.rbac_url().into());
    document
}

/// A DNS name (letters, digits, hyphens; labels of 1–63) or a GUID, lower-cased.
fn valid_tenant_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// User realm
// ---------------------------------------------------------------------------------------------

async fn realm(ctx: &Ctx, query: &str) -> Response {
    let login = url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key.eq_ignore_ascii_case("login"))
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let domain = domain_of(&login);
    let scenario = scenario(ctx.cloud, &domain);
    if let Some(response) = common_failure(ctx, &scenario).await {
        return response;
    }
    let body = match scenario {
        Scenario::Tenant(tenant) => realm_document(ctx, &tenant, &login, &domain),
        Scenario::BrokenJson => return html_response(BROKEN_HTML),
        _ => json!({"State": 4, "UserState": 1, "Login": login, "NameSpaceType": "Unknown"}),
    };
    no_store(json_response(StatusCode::OK, &body))
}

fn realm_document(ctx: &Ctx, tenant: &Tenant, login: &str, domain: &str) -> Value {
    let mut document = json!({
        "State": if tenant.federated { 3 } else { 4 },
        "UserState": if tenant.federated { 2 } else { 1 },
        "Login": login,
        "NameSpaceType": if tenant.federated { "Federated" } else { "Managed" },
        "DomainName": domain,
        "IsFederatedNS": tenant.federated,
    });
    let Some(fields) = document.as_object_mut() else {
        return document;
    };
    if tenant.federated {
        let username: String = url::form_urlencoded::byte_serialize(login.as_bytes()).collect();
        fields.insert("FederationGlobalVersion".into(), (-1).into());
        fields.insert(
            "AuthURL".into(),
            format!(
                "https://sts.{}/adfs/ls/?username={username}&wa=wsignin1.0\
                 &wtrealm=urn%3afederation%3aMicrosoftOnline&wctx=",
                tenant.domains[0]
            )
            .into(),
        );
    }
    // A US Government tenant asked about on another cloud's host answers without its brand.
    if tenant.cloud != Cloud::UsGov || ctx.cloud == Cloud::UsGov {
        fields.insert("FederationBrandName".into(), tenant.brand.as_ref().into());
    }
    fields.insert(
        "CloudInstanceName".into(),
        tenant.cloud.instance_name().into(),
    );
    fields.insert(
        "CloudInstanceIssuerUri".into(),
        "urn:federation:MicrosoftOnline".into(),
    );
    if tenant.federated {
        fields.insert("FederationProtocol".into(), "WSTrust".into());
        fields.insert("AuthNForwardType".into(), 1.into());
    }
    document
}

/// The domain after the last `@`, lower-case.
fn domain_of(login: &str) -> String {
    login
        .rsplit_once('@')
        .map_or("", |(_, domain)| domain)
        .trim()
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

const BROKEN_HTML: &str = "<!DOCTYPE html>\n<html><head><title>Sign in to your account</title>\
    </head><body><div id=\"error\">Sorry, but we're having trouble signing you in.</div>\
    </body></html>\n";

// ---------------------------------------------------------------------------------------------
// Credential type
// ---------------------------------------------------------------------------------------------

async fn credential_type(ctx: &Ctx, body: &[u8]) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return aadsts_error(
            ctx,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90100,
            "Request parameter is empty or not valid.",
        );
    };
    let username = request
        .get("username")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let domain = domain_of(&username);
    let scenario = scenario(ctx.cloud, &domain);
    if let Some(response) = common_failure(ctx, &scenario).await {
        return response;
    }
    let body = match scenario {
        Scenario::Tenant(tenant) => credential_document(ctx, &tenant, &username),
        Scenario::BrokenJson => return html_response(BROKEN_HTML),
        _ => credential_base(&username, 1, 0, 1, json!({"PrefCredential": 1})),
    };
    no_store(json_response(StatusCode::OK, &body))
}

fn credential_document(ctx: &Ctx, tenant: &Tenant, username: &str) -> Value {
    let domain_type = if tenant.federated { 4 } else { 3 };
    let mut credentials = json!({
        "PrefCredential": 1,
        "HasPassword": true,
        "RemoteNgcParams": null,
        "FidoParams": null,
        "SasParams": null,
        "CertAuthParams": null,
        "GoogleParams": null,
        "FacebookParams": null,
    });
    if tenant.federated
        && let Some(fields) = credentials.as_object_mut()
    {
        fields.insert(
            "FederationRedirectUrl".into(),
            format!(
                "https://sts.{}/adfs/ls/?username={}&wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx=",
                tenant.domains[0],
                url::form_urlencoded::byte_serialize(username.as_bytes()).collect::<String>()
            )
            .into(),
        );
        fields.insert("PrefCredential".into(), 4.into());
    }
    let (if_exists, throttle) = match tenant.branding {
        Branding::Throttled => (2, 1),
        _ => (1, 0),
    };
    let mut document = credential_base(username, if_exists, throttle, domain_type, credentials);
    let branding = match tenant.branding {
        Branding::Contoso => Some(json!([
            {
                "Locale": 0,
                "BannerLogo": CONTOSO_BANNER_LOGO,
                "TileLogo": CONTOSO_TILE_LOGO,
                "TileDarkLogo": CONTOSO_TILE_DARK_LOGO,
                "Illustration": CONTOSO_ILLUSTRATION,
                "BackgroundColor": CONTOSO_BACKGROUND_COLOR,
                "BoilerPlateText": "<p>Sign in with your Contoso account.</p>\n",
                "UserIdLabel": "someone@contoso.com",
                "KeepMeSignedInDisabled": false,
                "UseTransparentLightBox": false,
            },
            {
                "Locale": 1031,
                "BackgroundColor": CONTOSO_DE_BACKGROUND_COLOR,
                "BoilerPlateText": "<p>Melden Sie sich mit Ihrem Contoso-Konto an.</p>\n",
                "UserIdLabel": "jemand@contoso.com",
                "KeepMeSignedInDisabled": false,
                "UseTransparentLightBox": false,
            },
        ])),
        Branding::Hostile => Some(json!([
            {
                "Locale": 0,
                "BannerLogo": HOSTILE_BANNER_LOGO,
                "TileLogo": HOSTILE_TILE_LOGO,
                "TileDarkLogo": HOSTILE_TILE_DARK_LOGO,
                "Illustration": HOSTILE_ILLUSTRATION,
                "BackgroundColor": HOSTILE_BACKGROUND_COLOR,
                "BoilerPlateText": "<p onmouseover=\"alert(1)\">Welcome<script>alert(document.cookie)</script></p>\n",
                "UserIdLabel": "someone@hostile-branding.com",
                "KeepMeSignedInDisabled": false,
                "UseTransparentLightBox": false,
            },
        ])),
        Branding::Elsewhere => Some(json!([
            {
                "Locale": 0,
                "BannerLogo": CDN_ELSEWHERE_BANNER_LOGO,
                "BackgroundColor": CDN_ELSEWHERE_BACKGROUND_COLOR,
                "KeepMeSignedInDisabled": false,
                "UseTransparentLightBox": false,
            },
        ])),
        Branding::Redirecting => Some(json!([
            {
                "Locale": 0,
                "BannerLogo": CDN_REDIRECT_BANNER_LOGO,
                "TileLogo": CDN_REDIRECT_TILE_LOGO,
                "TileDarkLogo": CDN_REDIRECT_TILE_DARK_LOGO,
                "BackgroundColor": CDN_REDIRECT_BACKGROUND_COLOR,
                "KeepMeSignedInDisabled": false,
                "UseTransparentLightBox": false,
            },
        ])),
        Branding::Agency if ctx.cloud == Cloud::UsGov => Some(json!([
            {
                "Locale": 0,
                "BannerLogo": GCC_HIGH_BANNER_LOGO,
                "BackgroundColor": GCC_HIGH_BACKGROUND_COLOR,
                "BoilerPlateText": "<p>U.S. Government system. Authorized use only.</p>\n",
                "UserIdLabel": "first.last@gcchigh-agency.gov",
                "KeepMeSignedInDisabled": true,
                "UseTransparentLightBox": false,
            },
        ])),
        _ => None,
    };
    if let Some(branding) = branding
        && let Some(properties) = document
            .get_mut("EstsProperties")
            .and_then(Value::as_object_mut)
    {
        properties.insert("UserTenantBranding".into(), branding);
    }
    document
}

fn credential_base(
    username: &str,
    if_exists: i32,
    throttle: i32,
    domain_type: i32,
    credentials: Value,
) -> Value {
    let mut properties = json!({ "DomainType": domain_type });
    if throttle == 0
        && let Some(fields) = properties.as_object_mut()
    {
        fields.insert("UserTenantBranding".into(), Value::Null);
    }
    json!({
        "Username": username,
        "Display": username,
        "IfExistsResult": if_exists,
        "IsUnmanaged": false,
        "ThrottleStatus": throttle,
        "Credentials": credentials,
        "EstsProperties": properties,
        "IsSignupDisallowed": true,
        "apiCanary": "PAQABDgEAAABVrSpeuWamRam2jAF1XRQEfake-canary-for-tests",
    })
}

// ---------------------------------------------------------------------------------------------
// Branding CDN
// ---------------------------------------------------------------------------------------------

/// What one CDN object is.
#[derive(Clone, Copy, Debug)]
enum CdnObject {
    /// A generated image.
    Image(Asset, &'static str),
    /// Fixed bytes under a (possibly lying) content type.
    Raw(&'static [u8], &'static str),
    /// [`HUGE_BODY_BYTES`] of JPEG start and zeros, streamed, with Content-Length.
    Huge,
    /// `302 Found` to this URL.
    Redirect(&'static str),
}

/// Every CDN object by (host, path), from the branding URLs above.
static CDN_OBJECTS: LazyLock<HashMap<(String, String), CdnObject>> = LazyLock::new(|| {
    [
        (
            CONTOSO_BANNER_LOGO,
            CdnObject::Image(Asset::ContosoBanner, "image/png"),
        ),
        (
            CONTOSO_TILE_LOGO,
            CdnObject::Image(Asset::ContosoTile, "image/png"),
        ),
        (
            CONTOSO_TILE_DARK_LOGO,
            CdnObject::Image(Asset::ContosoTileDark, "image/png"),
        ),
        (
            CONTOSO_ILLUSTRATION,
            CdnObject::Image(Asset::ContosoIllustration, "image/jpeg"),
        ),
        (
            GCC_HIGH_BANNER_LOGO,
            CdnObject::Image(Asset::GccHighBanner, "image/png"),
        ),
        (
            HOSTILE_BANNER_LOGO,
            CdnObject::Image(Asset::BombPng, "image/png"),
        ),
        (
            HOSTILE_TILE_LOGO,
            CdnObject::Raw(HTML_AS_IMAGE.as_bytes(), "image/png"),
        ),
        (
            HOSTILE_TILE_DARK_LOGO,
            CdnObject::Image(Asset::TruncatedJpeg, "image/jpeg"),
        ),
        (HOSTILE_ILLUSTRATION, CdnObject::Huge),
        (
            CDN_REDIRECT_BANNER_LOGO,
            CdnObject::Redirect(CDN_ELSEWHERE_BANNER_LOGO),
        ),
        (
            CDN_REDIRECT_TILE_LOGO,
            CdnObject::Redirect(
                "http://aadcdn.msftauthimages.net/c0d1e2e3-r3d1r3ctq0xw/logintenantbranding/0/tilelogo",
            ),
        ),
        (
            CDN_REDIRECT_TILE_DARK_LOGO,
            CdnObject::Redirect(CDN_REDIRECT_TILE_DARK_TARGET),
        ),
        (
            CDN_REDIRECT_TILE_DARK_TARGET,
            CdnObject::Image(Asset::ContosoTileDark, "image/png"),
        ),
    ]
    .into_iter()
    .map(|(address, object)| {
        let url = url::Url::parse(address).expect("a CDN URL constant parses");
        let host = url.host_str().unwrap_or_default().to_owned();
        ((host, url.path().to_owned()), object)
    })
    .collect()
});

/// The answer of a CDN host: the object at (host, path), like Azure Blob Storage behind the CDN.
fn cdn(host: &str, parts: &axum::http::request::Parts) -> Response {
    if !matches!(parts.method, Method::GET | Method::HEAD) {
        return cdn_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "UnsupportedHttpVerb",
            "The resource doesn't support specified Http Verb.",
        );
    }
    let key = (host.to_owned(), parts.uri.path().to_owned());
    let Some(object) = CDN_OBJECTS.get(&key).copied() else {
        return cdn_error(
            StatusCode::NOT_FOUND,
            "BlobNotFound",
            "The specified blob does not exist.",
        );
    };
    if let CdnObject::Redirect(location) = object {
        return (
            StatusCode::FOUND,
            [
                (header::LOCATION, location),
                (header::CACHE_CONTROL, "no-cache"),
            ],
        )
            .into_response();
    }
    let (content_type, body, length, tag) = match object {
        CdnObject::Image(asset, content_type) => {
            let bytes = images::asset(asset);
            let body = axum::body::Body::from(bytes::Bytes::from_static(bytes));
            (content_type, body, bytes.len(), images::crc32(bytes))
        }
        CdnObject::Raw(bytes, content_type) => {
            let body = axum::body::Body::from(bytes::Bytes::from_static(bytes));
            (content_type, body, bytes.len(), images::crc32(bytes))
        }
        CdnObject::Huge => (
            "image/jpeg",
            stream_parts(huge_jpeg_parts()),
            HUGE_BODY_BYTES,
            0x2000_0000,
        ),
        CdnObject::Redirect(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let etag = format!("\"0x8DC4DB1{tag:08X}\"");
    let not_modified = parts
        .headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value == etag);
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = (StatusCode::OK, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        response
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CDN_CACHE_CONTROL),
    );
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(
        header::LAST_MODIFIED,
        HeaderValue::from_static("Tue, 26 Mar 2024 17:25:20 GMT"),
    );
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert("x-ms-blob-type", HeaderValue::from_static("BlockBlob"));
    headers.insert("x-ms-version", HeaderValue::from_static("2009-09-19"));
    headers.insert("x-cache", HeaderValue::from_static("TCP_HIT"));
    response
}

/// An Azure Blob Storage error document.
fn cdn_error(status: StatusCode, code: &str, message: &str) -> Response {
    let request_id = uuid::Uuid::new_v4();
    let time = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    (
        status,
        [
            (header::CONTENT_TYPE, "application/xml"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        format!(
            "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code>\
             <Message>{message}\nRequestId:{request_id}\nTime:{time}</Message></Error>"
        ),
    )
        .into_response()
}
