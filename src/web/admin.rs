//! Admin pages (`/admin/…`) and the short-link redirect (`/go/{slug}`). HTTP only: the rules live
//! in [`crate::admin`].
//!
//! Security decisions:
//! - The tenant always comes from the session row, never from the URL or a form field; a scope
//!   (`?scope=` or a form's `scope`) is only ever a domain the session's rights cover, checked
//!   by [`crate::admin::AdminService::scope`].
//! - Every POST under `/admin` passes [`refuse_cross_origin`] (Go's CrossOriginProtection rules:
//!   `Sec-Fetch-Site`, else `Origin` against `Host`) and carries a CSRF token: the session's, or
//!   before sign-in the random value of the `authwalk_admin_csrf` cookie (double submit).
//! - Only the logo upload route accepts bodies over the global 64 KiB limit.
//! - Admin responses are `Cache-Control: no-store`.
//! - Cookies are named and shaped by [`AdminCookies`]: `__Host-`, `Secure`, `Path=/` behind https.
//! - A DNS challenge is bound to this browser's secret (the `authwalk_admin_browser` cookie).

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartError;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Multipart, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, middleware};
use bytes::Bytes;
use futures_util::StreamExt;
use serde::Deserialize;
use time::OffsetDateTime;
use tower_http::limit::RequestBodyLimitLayer;

use crate::admin::adoption::Event;
use crate::admin::challenge::CHALLENGE_LIFETIME;
use crate::admin::chart;
use crate::admin::kit::{self, Announcement};
use crate::admin::scopes::SettingsOutcome;
use crate::admin::service::SignedIn;
use crate::admin::session::{
    AdminCookies, AdminSession, BROWSER_COOKIE, SESSION_COOKIE, SIGN_IN_CSRF_COOKIE,
};
use crate::admin::settings::{FieldErrors, SettingsForm};
use crate::admin::{AdminError, Customization, secret};
use crate::branding::image::{ImageError, MAX_INPUT_BYTES};
use crate::device::WalkthroughKind;
use crate::domain::DomainName;
use crate::store::models::LogoChange;

use super::AppState;
use super::assets;
use super::client_ip::ClientIp;
use super::error::AppError;
use super::views::{
    AdminChallengePage, AdminDashboardPage, AdminKitPage, AdminLinkPage, AdminLogoPage, AdminNav,
    AdminPosterPage, AdminSettingsPage, AdminSignInPage, AdoptionRow, AnnouncementHtml,
    AnnouncementText, Layout, ScopeChoice, SettingsConflict,
};

mod team;

/// Largest upload request: the 5 MiB image plus room for the multipart framing and the token, so a
/// slightly larger file still reaches the image check and gets its specific message.
pub const UPLOAD_BODY_LIMIT: usize = MAX_INPUT_BYTES + 256 * 1024;

/// Every admin route except the upload (it needs a larger body limit; see [`upload_routes`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/challenge", post(start_challenge))
        .route("/admin/verify", post(verify))
        .route("/admin/link/{token}", get(link_page).post(redeem_link))
        .route("/admin/signout", post(sign_out))
        .route("/admin/settings", get(settings_page).post(save_settings))
        .route("/admin/settings/remove", post(remove_settings))
        .route("/admin/sessions/revoke", post(team::revoke_session))
        .route("/admin/domains/revoke", post(team::revoke_domain))
        .route("/admin/domains/approve", post(team::approve_domain))
        .route("/admin/domains/refuse", post(team::refuse_domain))
        .route("/admin/logo", get(logo_page))
        .route("/admin/logo/publish", post(publish_logo))
        .route("/admin/logo/discard", post(discard_logo))
        .route("/admin/logo/automatic", post(automatic_logo))
        .route("/admin/kit", get(kit_page))
        .route("/admin/kit/poster", get(poster_page))
        .route("/admin/kit/qr.svg", get(qr_svg))
        .route("/admin/kit/qr.png", get(qr_png))
        .route("/admin/adoption.csv", get(adoption_csv))
        .route("/go/{slug}", get(short_link))
        .route_layer(middleware::from_fn(refuse_cross_origin))
}

/// `POST /admin/logo`, with its own body limit (the router's global one is 64 KiB).
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/logo", post(upload_logo))
        .route_layer(middleware::from_fn(refuse_cross_origin))
        .layer(RequestBodyLimitLayer::new(UPLOAD_BODY_LIMIT))
        // The layer above already limits every read of the body. A second, extractor-level limit
        // would wrap the body twice, and axum's `MultipartError::status()` looks through only one
        // wrapper for the length-limit error: a chunked upload cut off by the limit would then be
        // "could not be read" instead of 413 "too large".
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn(refuse_oversized_upload))
}

/// Largest oversized upload we still read (and discard) before refusing it, so the browser gets
/// to show our answer instead of a reset connection; bigger ones are cut off.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// Middleware: an upload that announces more than [`UPLOAD_BODY_LIMIT`] is refused without
/// looking at it, saying why in words (the body-limit layer would only say "too much data").
async fn refuse_oversized_upload(request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    match announced {
        Some(bytes) if bytes > UPLOAD_BODY_LIMIT => {
            if bytes <= DRAIN_LIMIT {
                let mut chunks = request.into_body().into_data_stream();
                let mut seen = 0;
                while let Some(Ok(chunk)) = chunks.next().await {
                    seen += chunk.len();
                    if seen > DRAIN_LIMIT {
                        break;
                    }
                }
            }
            AppError::Admin(AdminError::Image(ImageError::TooLarge { bytes })).into_response()
        }
        _ => next.run(request).await,
    }
}

/// Every admin page path a signed-in admin can GET (tests iterate over it).
pub const ADMIN_PAGES: [&str; 8] = [
    "/admin",
    "/admin/settings",
    "/admin/logo",
    "/admin/kit",
    "/admin/kit/poster",
    "/admin/kit/qr.svg",
    "/admin/kit/qr.png",
    "/admin/adoption.csv",
];

// --- cross-origin protection ---

/// Middleware: refuse a state-changing request another site's page sent (403), as Go's
/// CrossOriginProtection does: `Sec-Fetch-Site` must be `same-origin` or `none`; without it, an
/// `Origin` must name this host (or the configured public URL); with neither it is not a browser's
/// cross-site request.
pub async fn refuse_cross_origin(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe || same_origin(request.headers()) {
        next.run(request).await
    } else {
        AppError::Admin(AdminError::CrossOrigin).into_response()
    }
}

fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = text(header::ORIGIN) else {
        return true;
    };
    let Some(host) = text(header::HOST) else {
        return false;
    };
    url::Url::parse(origin).is_ok_and(|origin| {
        let authority = match (origin.host_str(), origin.port()) {
            (Some(name), Some(port)) => format!("{name}:{port}"),
            (Some(name), None) => name.to_owned(),
            (None, _) => return false,
        };
        authority.eq_ignore_ascii_case(host)
    })
}

// --- sessions ---

/// The admin's session when the request carries a live one (an extractor that never rejects).
#[derive(Debug, Clone)]
pub struct MaybeAdmin {
    /// The live session, if any.
    pub session: Option<AdminSession>,
    /// The session cookie as sent (ended on the next sign-in: rotation).
    pub cookie: Option<String>,
}

impl FromRequestParts<AppState> for MaybeAdmin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let cookie = cookie(state, &parts.headers, SESSION_COOKIE);
        let session = match &cookie {
            Some(value) => {
                state
                    .admin
                    .session(value, OffsetDateTime::now_utc())
                    .await?
            }
            None => None,
        };
        Ok(Self { session, cookie })
    }
}

/// A signed-in admin (whose grant may still await approval: every action checks the rights);
/// without a live session the request is sent to the sign-in page.
#[derive(Debug, Clone)]
pub struct Admin(pub AdminSession);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let maybe = MaybeAdmin::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match maybe.session {
            Some(session) => Ok(Admin(session)),
            None => Err(no_store(Redirect::to("/admin").into_response())),
        }
    }
}

/// The admin cookies' names and attributes for this service's public URL.
fn cookies(state: &AppState) -> AdminCookies {
    AdminCookies::for_scheme(state.config.public_url.scheme())
}

/// The value of admin cookie `base` (under its `__Host-` name behind https).
fn cookie(state: &AppState, headers: &HeaderMap, base: &str) -> Option<String> {
    let cookies = cookies(state);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|header| cookies.value(header, base))
        .map(str::to_owned)
}

fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Sign-in forms' CSRF token: the cookie's value when the browser has one, else a fresh one (and
/// the `Set-Cookie` to send with the page).
fn sign_in_csrf(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(String, Option<String>), AppError> {
    if let Some(token) = cookie(state, headers, SIGN_IN_CSRF_COOKIE)
        && token.len() >= 32
    {
        return Ok((token, None));
    }
    let token = secret::session_secret().map_err(AppError::Admin)?;
    let set = cookies(state).set(SIGN_IN_CSRF_COOKIE, &token, None);
    Ok((token, Some(set)))
}

/// Refuse a sign-in form whose token is not the browser's sign-in CSRF cookie.
fn check_sign_in_csrf(
    state: &AppState,
    headers: &HeaderMap,
    submitted: &str,
) -> Result<(), AppError> {
    match cookie(state, headers, SIGN_IN_CSRF_COOKIE) {
        Some(expected) if secret::same_secret(submitted, &expected) => Ok(()),
        _ => Err(AppError::Admin(AdminError::Csrf)),
    }
}

/// The SHA-256 of this browser's secret, if it has one.
fn browser_sha256(state: &AppState, headers: &HeaderMap) -> Option<String> {
    cookie(state, headers, BROWSER_COOKIE)
        .filter(|value| value.len() >= 32)
        .map(|value| secret::sha256_hex(&value))
}

/// This browser's secret's SHA-256, made when it has none, and the `Set-Cookie` that keeps the
/// secret at least as long as the challenge it is about to be bound to.
fn ensure_browser_secret(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(String, String), AppError> {
    let value = match cookie(state, headers, BROWSER_COOKIE).filter(|value| value.len() >= 32) {
        Some(value) => value,
        None => secret::session_secret().map_err(AppError::Admin)?,
    };
    let set = cookies(state).set(BROWSER_COOKIE, &value, Some(CHALLENGE_LIFETIME));
    Ok((secret::sha256_hex(&value), set))
}

fn signed_in_response(state: &AppState, signed_in: &SignedIn) -> Response {
    let cookie = cookies(state).set(
        SESSION_COOKIE,
        &signed_in.cookie_value,
        Some(crate::admin::session::ABSOLUTE_TIMEOUT),
    );
    let mut response = Redirect::to("/admin").into_response();
    set_cookie(&mut response, &cookie);
    no_store(response)
}

/// Admin pages are personal: never stored by any cache.
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn page(status: StatusCode, html: String) -> Response {
    no_store((status, Html(html)).into_response())
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// The status a form re-shown because of `error` carries.
fn status_of(error: &AdminError) -> StatusCode {
    match error {
        AdminError::Unreachable { .. }
        | AdminError::TenantUnconfirmed { .. }
        | AdminError::DnsFailed { .. } => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// A redirect back to an admin page of `scope` (the root scope needs no query).
fn back_to(path: &str, session: &AdminSession, scope: &DomainName) -> Response {
    let target = if scope == &session.rights.root {
        path.to_owned()
    } else {
        format!("{path}?scope={}", scope.as_str())
    };
    no_store(Redirect::to(&target).into_response())
}

// --- sign-in ---

/// A sign-in form: the domain (challenge, verify) and the CSRF token.
#[derive(Debug, Deserialize)]
pub struct DomainForm {
    /// The sign-in CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The domain as typed.
    #[serde(default)]
    pub domain: String,
}

/// A form that carries only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    /// The CSRF token.
    #[serde(default)]
    pub csrf: String,
}

/// `GET /admin`: the dashboard when signed in, else the sign-in page.
pub async fn home(
    State(state): State<AppState>,
    maybe: MaybeAdmin,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    match maybe.session {
        Some(session) => dashboard(&state, &session, &headers).await,
        None => sign_in_page(&state, &headers, String::new(), None, StatusCode::OK),
    }
}

fn sign_in_page(
    state: &AppState,
    headers: &HeaderMap,
    domain: String,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (csrf, set_csrf) = sign_in_csrf(state, headers)?;
    let html = AdminSignInPage {
        layout: Layout::new("Administer your company's walkthrough · authwalk"),
        domain,
        error,
        csrf,
    }
    .render()?;
    let mut response = page(status, html);
    if let Some(set_csrf) = set_csrf {
        set_cookie(&mut response, &set_csrf);
    }
    Ok(response)
}

/// Longest typed value echoed back into a form field.
const ECHO_LIMIT: usize = 256;

fn echo(value: &str) -> String {
    value.chars().take(ECHO_LIMIT).collect()
}

/// `POST /admin/challenge`: issue a DNS challenge for the typed domain, bound to this browser (a
/// domain we would have to look up first costs the visitor part of their new-domain allowance,
/// as on the tenant page; every challenge costs part of the client's and the domain's).
pub async fn start_challenge(
    State(state): State<AppState>,
    client: ClientIp,
    headers: HeaderMap,
    Form(form): Form<DomainForm>,
) -> Result<Response, AppError> {
    check_sign_in_csrf(&state, &headers, &form.csrf)?;
    if let Ok(domain) = DomainName::parse(&form.domain) {
        if state.discovery.would_resolve(&domain).await {
            state.limits.new_domain(&client)?;
        }
        state.limits.challenge(&client, &domain)?;
    }
    let (browser, set_browser) = ensure_browser_secret(&state, &headers)?;
    match state
        .admin
        .start_challenge(&form.domain, &browser, now())
        .await
    {
        Ok(challenge) => {
            let html = AdminChallengePage {
                layout: Layout::new("Prove you control your domain · authwalk"),
                domain: challenge.domain.as_str().to_owned(),
                display_domain: challenge.domain.to_unicode(),
                record_name: challenge.record_name,
                record_value: Some(challenge.record_value),
                expires: Some(crate::admin::format_time(challenge.expires_at)),
                error: None,
                csrf: form.csrf,
            }
            .render()?;
            let mut response = page(StatusCode::OK, html);
            set_cookie(&mut response, &set_browser);
            Ok(response)
        }
        Err(error) if !matches!(error, AdminError::Store(_) | AdminError::Randomness(_)) => {
            let status = status_of(&error);
            sign_in_page(
                &state,
                &headers,
                echo(&form.domain),
                Some(error.to_string()),
                status,
            )
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST /admin/verify`: look the challenge up in DNS and sign in on success. The client's
/// allowance is charged first; a browser holding no challenge for the domain is refused before
/// the domain's allowance is charged or DNS asked, so strangers cannot use it up.
pub async fn verify(
    State(state): State<AppState>,
    maybe: MaybeAdmin,
    client: ClientIp,
    headers: HeaderMap,
    Form(form): Form<DomainForm>,
) -> Result<Response, AppError> {
    check_sign_in_csrf(&state, &headers, &form.csrf)?;
    let domain = match DomainName::parse(&form.domain) {
        Ok(domain) => domain,
        Err(error) => {
            return sign_in_page(
                &state,
                &headers,
                echo(&form.domain),
                Some(error.to_string()),
                StatusCode::BAD_REQUEST,
            );
        }
    };
    state.limits.verification_by_client(&client)?;
    let browser = browser_sha256(&state, &headers);
    let result = if state
        .admin
        .has_live_challenge(&domain, browser.as_deref(), now())
        .await?
    {
        state.limits.verification_by_domain(&client, &domain)?;
        state
            .admin
            .verify(&domain, browser.as_deref(), maybe.cookie.as_deref(), now())
            .await
    } else {
        Err(AdminError::NoBrowserChallenge {
            domain: domain.to_unicode(),
        })
    };
    match result {
        Ok(signed_in) => Ok(signed_in_response(&state, &signed_in)),
        Err(error @ (AdminError::Store(_) | AdminError::Randomness(_))) => Err(error.into()),
        Err(error) => {
            let html = AdminChallengePage {
                layout: Layout::new("Prove you control your domain · authwalk"),
                domain: domain.as_str().to_owned(),
                display_domain: domain.to_unicode(),
                record_name: crate::admin::challenge::record_name(&domain),
                record_value: None,
                expires: None,
                error: Some(error.to_string()),
                csrf: form.csrf,
            }
            .render()?;
            Ok(page(status_of(&error), html))
        }
    }
}

/// `GET /admin/link/{token}`: confirm before using an admin link (link scanners only GET).
pub async fn link_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (csrf, set_csrf) = sign_in_csrf(&state, &headers)?;
    let (domain, error, status) = match state.admin.check_link(&token, now()).await {
        Ok(domain) => (Some(domain), None, StatusCode::OK),
        Err(error @ (AdminError::Store(_) | AdminError::Randomness(_))) => return Err(error.into()),
        Err(error) => (None, Some(error.to_string()), link_status(&error)),
    };
    let html = AdminLinkPage {
        layout: Layout::new("Sign in to administer authwalk"),
        domain,
        token: if error.is_none() {
            token
        } else {
            String::new()
        },
        csrf,
        error,
    }
    .render()?;
    let mut response = page(status, html);
    if let Some(set_csrf) = set_csrf {
        set_cookie(&mut response, &set_csrf);
    }
    Ok(response)
}

fn link_status(error: &AdminError) -> StatusCode {
    match error {
        AdminError::LinkExpired { .. } | AdminError::LinkUsed => StatusCode::GONE,
        AdminError::LinkInvalid => StatusCode::NOT_FOUND,
        other => status_of(other),
    }
}

/// `POST /admin/link/{token}`: use the link up and sign in.
pub async fn redeem_link(
    State(state): State<AppState>,
    maybe: MaybeAdmin,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    check_sign_in_csrf(&state, &headers, &form.csrf)?;
    match state
        .admin
        .redeem_link(&token, maybe.cookie.as_deref(), now())
        .await
    {
        Ok(signed_in) => Ok(signed_in_response(&state, &signed_in)),
        Err(error @ (AdminError::Store(_) | AdminError::Randomness(_))) => Err(error.into()),
        Err(error) => {
            let status = link_status(&error);
            let html = AdminLinkPage {
                layout: Layout::new("Sign in to administer authwalk"),
                domain: None,
                token: String::new(),
                csrf: form.csrf,
                error: Some(error.to_string()),
            }
            .render()?;
            Ok(page(status, html))
        }
    }
}

/// `POST /admin/signout`: end the session and clear its cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    Admin(session): Admin,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    session.check_csrf(&form.csrf)?;
    state.admin.sign_out(&session).await?;
    let cleared = cookies(&state).set(SESSION_COOKIE, "", Some(time::Duration::ZERO));
    let mut response = Redirect::to("/admin").into_response();
    set_cookie(&mut response, &cleared);
    Ok(no_store(response))
}

// --- the signed-in pages ---

/// `?scope=` of the signed-in pages: which of the session's domains the page works on.
#[derive(Debug, Default, Deserialize)]
pub struct ScopeQuery {
    /// A domain the session's rights cover; the session's own domain when absent.
    #[serde(default)]
    pub scope: Option<String>,
}

/// What every signed-in page knows about its tenant and the scope it works on.
struct Context {
    session: AdminSession,
    /// The domain whose pages this page changes.
    scope: DomainName,
    /// What the scope's pages show now: its own settings, or the nearest scope's above it.
    customization: Arc<Customization>,
    /// The scope's own settings (version 0: none of its own).
    own: Arc<Customization>,
    company: String,
    automatic_logo_sha256: Option<String>,
    /// The scopes the session may switch to.
    scopes: Vec<DomainName>,
}

async fn context(
    state: &AppState,
    session: &AdminSession,
    requested: Option<&str>,
) -> Result<Context, AppError> {
    let scope = state.admin.scope(session, requested)?;
    let customization = state.admin.shown_settings(session, &scope).await?;
    let own = state.admin.own_settings(session, &scope).await?;
    let scopes = state.admin.editable_scopes(session).await?;
    Ok(context_with(state, session, scope, customization, own, scopes).await)
}

/// The context of a page re-shown after the store failed: whatever memory still knows.
async fn context_after_failure(
    state: &AppState,
    session: &AdminSession,
    scope: DomainName,
) -> Context {
    let customization = state
        .admin
        .shown_settings(session, &scope)
        .await
        .unwrap_or_default();
    let own = state
        .admin
        .own_settings(session, &scope)
        .await
        .unwrap_or_default();
    let scopes = vec![scope.clone()];
    context_with(state, session, scope, customization, own, scopes).await
}

async fn context_with(
    state: &AppState,
    session: &AdminSession,
    scope: DomainName,
    customization: Arc<Customization>,
    own: Arc<Customization>,
    scopes: Vec<DomainName>,
) -> Context {
    let profile = state.admin.profile(&scope).await;
    let company = profile
        .tenant
        .as_ref()
        .and_then(|tenant| tenant.display_name.clone())
        .unwrap_or_else(|| profile.domain.to_unicode());
    Context {
        session: session.clone(),
        scope,
        customization,
        own,
        company,
        automatic_logo_sha256: profile.shown_branding().logo_sha256,
        scopes,
    }
}

impl Context {
    fn nav(&self, current: &'static str) -> AdminNav {
        let scope_query = if self.scope == self.session.rights.root {
            String::new()
        } else {
            format!("?scope={}", self.scope.as_str())
        };
        AdminNav {
            csrf: self.session.csrf_token.clone(),
            company: self.company.clone(),
            domain: self.session.rights.root.to_unicode(),
            scope: self.scope.to_unicode(),
            scope_query,
            current,
        }
    }

    fn logo_url(&self) -> Option<String> {
        self.customization
            .logo_sha256
            .as_deref()
            .or(self.automatic_logo_sha256.as_deref())
            .map(assets::tenant_image_url)
    }

    /// The scope choices for a page at `path`, the current one marked.
    fn scope_choices(&self, path: &str) -> Vec<ScopeChoice> {
        self.scopes
            .iter()
            .map(|scope| ScopeChoice {
                label: scope.to_unicode(),
                href: if scope == &self.session.rights.root {
                    path.to_owned()
                } else {
                    format!("{path}?scope={}", scope.as_str())
                },
                current: scope == &self.scope,
            })
            .collect()
    }

    /// The scope the shown settings come from, when it is not this page's own scope.
    fn inherited_from(&self) -> Option<String> {
        let from = self.customization.scope.as_deref()?;
        (from != self.scope.as_str())
            .then(|| DomainName::parse(from).map_or_else(|_| from.to_owned(), |d| d.to_unicode()))
    }
}

async fn dashboard(
    state: &AppState,
    session: &AdminSession,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    if !session.rights.is_active() {
        return team::awaiting_page(state, session).await;
    }
    let context = context(state, session, None).await?;
    let (sign_in_csrf, set_csrf) = sign_in_csrf(state, headers)?;
    let team = team::rows(state, session).await?;
    let share_url = state
        .admin
        .share_url(&context.scope, &context.customization);
    let session = &context.session;
    let report = state
        .adoption
        .report(session.tenant_id(), OffsetDateTime::now_utc().date())
        .await?;
    let adoption_rows = WalkthroughKind::ALL
        .into_iter()
        .map(|kind| AdoptionRow {
            label: device_label(kind),
            views: report.totals.get(Event::View(kind)),
            done: report.totals.get(Event::Done(kind)),
        })
        .collect();
    let mut adoption_problems: Vec<(String, u64)> = Event::all()
        .filter(|event| matches!(event, Event::PrereqFail(_) | Event::TroubleshootOpen(_)))
        .map(|event| (event.label(), report.totals.get(event)))
        .filter(|(_, count)| *count > 0)
        .collect();
    adoption_problems.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    let customization = &context.customization;
    let html = AdminDashboardPage {
        layout: Layout::new(format!("{} · authwalk admin", context.company)),
        nav: context.nav("dashboard"),
        rights_method: team::method_label(session.rights.method),
        domains: team.domains,
        sessions: team.sessions,
        scopes: context.scope_choices("/admin/settings"),
        share_url,
        has_logo: customization.logo_sha256.is_some(),
        has_pending_logo: context.own.pending_logo_sha256.is_some(),
        brand_color: customization.brand_color.clone(),
        has_helpdesk: customization.settings.helpdesk.is_some(),
        version: customization.version,
        sign_in_csrf,
        adoption_chart: chart::render_svg(&report),
        adoption_rows,
        adoption_totals: report.totals.clone(),
        adoption_problems,
    }
    .render()?;
    let mut response = page(StatusCode::OK, html);
    if let Some(set_csrf) = set_csrf {
        set_cookie(&mut response, &set_csrf);
    }
    Ok(response)
}

fn device_label(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Ios => "iPhone",
        WalkthroughKind::Android => "Android",
        WalkthroughKind::Samsung => "Samsung Galaxy",
        WalkthroughKind::Desktop => "Computer",
    }
}

/// `GET /admin/adoption.csv`: the last 30 days, one row per day, one column per counted event.
pub async fn adoption_csv(
    State(state): State<AppState>,
    Admin(session): Admin,
) -> Result<Response, AppError> {
    let scope = state.admin.scope(&session, None)?;
    let report = state
        .adoption
        .report(session.tenant_id(), OffsetDateTime::now_utc().date())
        .await?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("authwalk-{}-adoption.csv", filename_safe(scope.as_str())),
        report.to_csv().into_bytes(),
    ))
}

/// `GET /admin/settings`: the settings form of a scope, filled with what its pages show.
pub async fn settings_page(
    State(state): State<AppState>,
    Admin(session): Admin,
    Query(query): Query<ScopeQuery>,
) -> Result<Response, AppError> {
    let context = context(&state, &session, query.scope.as_deref()).await?;
    let form = SettingsForm::from_customization(&context.customization);
    let version = context.own.version;
    render_settings(
        &context,
        SettingsView {
            form,
            version,
            ..SettingsView::default()
        },
        StatusCode::OK,
    )
}

/// What a settings page shows besides its context.
#[derive(Debug, Default)]
struct SettingsView {
    form: SettingsForm,
    errors: FieldErrors,
    saved: bool,
    /// The version the form is loaded at (what a save may replace).
    version: i64,
    /// Someone else's save, shown beside what was typed.
    conflict: Option<SettingsConflict>,
    /// Why nothing could be saved (the store failed); the typed form is kept.
    failure: Option<String>,
}

fn render_settings(
    context: &Context,
    view: SettingsView,
    status: StatusCode,
) -> Result<Response, AppError> {
    let html = AdminSettingsPage {
        layout: Layout::new(format!("Settings · {} · authwalk admin", context.company)),
        nav: context.nav("settings"),
        scope: context.scope.as_str().to_owned(),
        scopes: context.scope_choices("/admin/settings"),
        inherited_from: (context.own.version == 0)
            .then(|| context.inherited_from())
            .flatten(),
        has_own_settings: context.own.version != 0,
        version: view.version,
        form: view.form,
        errors: view.errors,
        saved: view.saved,
        conflict: view.conflict,
        failure: view.failure,
    }
    .render()?;
    Ok(page(status, html))
}

/// The settings form as posted, with its CSRF token, scope and loaded version.
#[derive(Debug, Deserialize)]
pub struct SettingsPost {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The domain whose settings these are (the session's own when empty).
    #[serde(default)]
    pub scope: String,
    /// The version the form was loaded at (0: the scope had no settings of its own).
    #[serde(default)]
    pub version: String,
    /// The fields.
    #[serde(flatten)]
    pub form: SettingsForm,
}

/// `POST /admin/settings`: save every field over the version the form was loaded at, or re-show
/// the form as typed: with a message per field (400), beside what someone else saved meanwhile
/// (409), or after the store failed (503 or 500).
pub async fn save_settings(
    State(state): State<AppState>,
    Admin(session): Admin,
    Form(post): Form<SettingsPost>,
) -> Result<Response, AppError> {
    session.check_csrf(&post.csrf)?;
    let scope = state.admin.scope(&session, Some(&post.scope))?;
    let loaded_version = post.version.trim().parse::<i64>().unwrap_or(-1);
    let outcome = state
        .admin
        .save_settings(&session, &scope, loaded_version, &post.form)
        .await;
    let scope_text = scope.as_str().to_owned();
    match outcome {
        Ok(SettingsOutcome::Saved(version)) => {
            let context = context(&state, &session, Some(&scope_text)).await?;
            let form = SettingsForm::from_customization(&context.customization);
            let view = SettingsView {
                form,
                saved: true,
                version,
                ..SettingsView::default()
            };
            render_settings(&context, view, StatusCode::OK)
        }
        Ok(SettingsOutcome::Invalid(errors)) => {
            let context = context(&state, &session, Some(&scope_text)).await?;
            let view = SettingsView {
                form: post.form,
                errors: *errors,
                version: loaded_version.max(0),
                ..SettingsView::default()
            };
            render_settings(&context, view, StatusCode::BAD_REQUEST)
        }
        Ok(SettingsOutcome::Stale(current)) => {
            let context = context(&state, &session, Some(&scope_text)).await?;
            let theirs = SettingsForm::from_customization(&current);
            let view = SettingsView {
                conflict: Some(SettingsConflict::between(&theirs, &post.form)),
                form: post.form,
                // Saving again now replaces what is stored: the admin has seen both.
                version: current.version,
                failure: Some(AdminError::SettingsChanged.to_string()),
                ..SettingsView::default()
            };
            render_settings(&context, view, StatusCode::CONFLICT)
        }
        Err(error) if error.is_server_side() => {
            tracing::error!(%error, scope = %scope, "settings could not be saved");
            let status = unavailable_or_internal(&error);
            let context = context_after_failure(&state, &session, scope).await;
            let view = SettingsView {
                form: post.form,
                version: loaded_version.max(0),
                failure: Some(
                    "Nothing was saved: authwalk couldn't write to its database just now. Your \
                     changes are still in the form below; try saving again in a minute."
                        .into(),
                ),
                ..SettingsView::default()
            };
            render_settings(&context, view, status)
        }
        Err(error) => Err(error.into()),
    }
}

/// 503 when the database is unreachable (worth retrying), else 500.
fn unavailable_or_internal(error: &AdminError) -> StatusCode {
    use crate::store::StoreError;
    match error {
        AdminError::Store(StoreError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
        AdminError::Settings(error) if matches!(**error, StoreError::Unavailable(_)) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A form naming a scope and the version it was loaded at.
#[derive(Debug, Deserialize)]
pub struct ScopeVersionForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The scope.
    #[serde(default)]
    pub scope: String,
    /// The version the page was loaded at.
    #[serde(default)]
    pub version: String,
}

/// `POST /admin/settings/remove`: the scope's own settings go; its pages read the scope above.
pub async fn remove_settings(
    State(state): State<AppState>,
    Admin(session): Admin,
    Form(form): Form<ScopeVersionForm>,
) -> Result<Response, AppError> {
    session.check_csrf(&form.csrf)?;
    let scope = state.admin.scope(&session, Some(&form.scope))?;
    let version = form.version.trim().parse::<i64>().unwrap_or(-1);
    state
        .admin
        .remove_settings(&session, &scope, version)
        .await?;
    Ok(back_to("/admin/settings", &session, &scope))
}

/// `GET /admin/logo`: the published, pending and automatic logos and the upload form.
pub async fn logo_page(
    State(state): State<AppState>,
    Admin(session): Admin,
    Query(query): Query<ScopeQuery>,
) -> Result<Response, AppError> {
    let context = context(&state, &session, query.scope.as_deref()).await?;
    render_logo(&context, None, StatusCode::OK)
}

fn render_logo(
    context: &Context,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let own = &context.own;
    let html = AdminLogoPage {
        layout: Layout::new(format!("Logo · {} · authwalk admin", context.company)),
        nav: context.nav("logo"),
        scope: context.scope.as_str().to_owned(),
        scopes: context.scope_choices("/admin/logo"),
        published_logo_url: own.logo_sha256.as_deref().map(assets::tenant_image_url),
        inherited_logo: own
            .logo_sha256
            .is_none()
            .then(|| {
                let url = context.customization.logo_sha256.as_deref()?;
                Some((assets::tenant_image_url(url), context.inherited_from()?))
            })
            .flatten(),
        pending_logo_url: own
            .pending_logo_sha256
            .as_deref()
            .map(assets::tenant_image_url),
        pending_logo_sha256: own.pending_logo_sha256.clone().unwrap_or_default(),
        automatic_logo_url: context
            .automatic_logo_sha256
            .as_deref()
            .map(assets::tenant_image_url),
        error,
        max_megabytes: MAX_INPUT_BYTES / (1024 * 1024),
    }
    .render()?;
    Ok(page(status, html))
}

/// `POST /admin/logo` (multipart: `csrf`, `scope`, `logo`): check the image and keep it as the
/// scope's preview.
pub async fn upload_logo(
    State(state): State<AppState>,
    Admin(session): Admin,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let upload = match read_upload(multipart).await {
        Ok(upload) => upload,
        Err(error) => {
            let context = context(&state, &session, None).await?;
            let too_large = error.status() == StatusCode::PAYLOAD_TOO_LARGE;
            let (message, status) = if too_large {
                (
                    format!(
                        "That file is larger than the {} MiB we accept; save it smaller and try \
                         again.",
                        MAX_INPUT_BYTES / (1024 * 1024)
                    ),
                    StatusCode::PAYLOAD_TOO_LARGE,
                )
            } else {
                (
                    format!(
                        "The upload could not be read ({}); try again.",
                        error.body_text()
                    ),
                    StatusCode::BAD_REQUEST,
                )
            };
            return render_logo(&context, Some(message), status);
        }
    };
    session.check_csrf(&upload.csrf)?;
    let scope = state.admin.scope(&session, Some(&upload.scope))?;
    let result = match upload.file {
        Some(bytes) if !bytes.is_empty() => state.admin.upload_logo(&session, &scope, bytes).await,
        _ => Err(AdminError::NoFile),
    };
    match result {
        Ok(_) => Ok(back_to("/admin/logo", &session, &scope)),
        Err(error) if !error.is_server_side() => {
            let context = context(&state, &session, Some(scope.as_str())).await?;
            render_logo(&context, Some(error.to_string()), StatusCode::BAD_REQUEST)
        }
        Err(error) => Err(error.into()),
    }
}

/// The fields of an upload form.
struct Upload {
    csrf: String,
    scope: String,
    file: Option<Bytes>,
}

/// The CSRF token, the scope and the file of an upload form.
async fn read_upload(mut multipart: Multipart) -> Result<Upload, MultipartError> {
    let mut upload = Upload {
        csrf: String::new(),
        scope: String::new(),
        file: None,
    };
    while let Some(field) = multipart.next_field().await? {
        match field.name() {
            Some("csrf") => upload.csrf = field.text().await?,
            Some("scope") => upload.scope = field.text().await?,
            Some("logo") => upload.file = Some(field.bytes().await?),
            _ => {}
        }
    }
    Ok(upload)
}

/// A logo form: the CSRF token, the scope and the preview's hash the admin saw.
#[derive(Debug, Deserialize)]
pub struct LogoForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The scope whose logo changes.
    #[serde(default)]
    pub scope: String,
    /// The SHA-256 of the preview shown when the page was loaded.
    #[serde(default)]
    pub logo: String,
}

async fn change_logo(
    state: &AppState,
    session: &AdminSession,
    form: &LogoForm,
    change: LogoChange,
) -> Result<Response, AppError> {
    session.check_csrf(&form.csrf)?;
    let scope = state.admin.scope(session, Some(&form.scope))?;
    match state.admin.change_logo(session, &scope, change).await {
        Ok(()) => Ok(back_to("/admin/logo", session, &scope)),
        Err(error) if !error.is_server_side() => {
            let status = match error {
                AdminError::PreviewChanged => StatusCode::CONFLICT,
                _ => StatusCode::BAD_REQUEST,
            };
            let context = context(state, session, Some(scope.as_str())).await?;
            render_logo(&context, Some(error.to_string()), status)
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST /admin/logo/publish`: the preview the admin saw (its hash in the form) becomes the logo
/// every page of the scope shows; never whatever preview is there now.
pub async fn publish_logo(
    State(state): State<AppState>,
    Admin(session): Admin,
    Form(form): Form<LogoForm>,
) -> Result<Response, AppError> {
    let change = LogoChange::PublishPending(form.logo.clone());
    change_logo(&state, &session, &form, change).await
}

/// `POST /admin/logo/discard`: drop the preview the admin saw.
pub async fn discard_logo(
    State(state): State<AppState>,
    Admin(session): Admin,
    Form(form): Form<LogoForm>,
) -> Result<Response, AppError> {
    let change = LogoChange::DiscardPending(form.logo.clone());
    change_logo(&state, &session, &form, change).await
}

/// `POST /admin/logo/automatic`: no admin logo; Entra or website branding again.
pub async fn automatic_logo(
    State(state): State<AppState>,
    Admin(session): Admin,
    Form(form): Form<LogoForm>,
) -> Result<Response, AppError> {
    change_logo(&state, &session, &form, LogoChange::UseAutomatic).await
}

// --- rollout kit ---

fn announcement(state: &AppState, context: &Context) -> (Announcement, String) {
    let share_url = state
        .admin
        .share_url(&context.scope, &context.customization);
    let settings = &context.customization.settings;
    (
        Announcement {
            company: context.company.clone(),
            link: share_url.clone(),
            policy: settings.passkey_policy,
            intro_message: settings.intro_message.clone(),
            helpdesk: settings.helpdesk.clone(),
        },
        share_url,
    )
}

/// `GET /admin/kit`: the announcement email, the advice for IT, the poster and QR downloads.
pub async fn kit_page(
    State(state): State<AppState>,
    Admin(session): Admin,
    Query(query): Query<ScopeQuery>,
) -> Result<Response, AppError> {
    let context = context(&state, &session, query.scope.as_deref()).await?;
    let (announcement, share_url) = announcement(&state, &context);
    let text = AnnouncementText {
        email: announcement.clone(),
    }
    .render()?;
    let html_email = AnnouncementHtml {
        email: announcement.clone(),
    }
    .render()?;
    let html = AdminKitPage {
        layout: Layout::new(format!(
            "Rollout kit · {} · authwalk admin",
            context.company
        )),
        nav: context.nav("kit"),
        subject: announcement.subject(),
        text_email: text,
        html_email,
        qr_svg: state
            .qr_codes
            .svg_for(&share_url, &format!("QR code for {share_url}")),
        share_url,
        advice: kit::ROLLOUT_ADVICE.to_vec(),
    }
    .render()?;
    Ok(page(StatusCode::OK, html))
}

/// `GET /admin/kit/poster`: a print-ready page with the company, logo, link and a big QR code.
pub async fn poster_page(
    State(state): State<AppState>,
    Admin(session): Admin,
    Query(query): Query<ScopeQuery>,
) -> Result<Response, AppError> {
    let context = context(&state, &session, query.scope.as_deref()).await?;
    let (_, share_url) = announcement(&state, &context);
    let html = AdminPosterPage {
        layout: Layout::new(format!("{} · Set up your passkey", context.company)),
        company: context.company.clone(),
        logo_url: context.logo_url(),
        qr_svg: state
            .qr_codes
            .svg_for(&share_url, &format!("QR code for {share_url}")),
        share_url,
    }
    .render()?;
    Ok(page(StatusCode::OK, html))
}

fn download(content_type: &'static str, filename: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    let mut response = (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    no_store(response)
}

fn qr_filename(scope: &DomainName, extension: &str) -> String {
    format!("authwalk-{}-qr.{extension}", filename_safe(scope.as_str()))
}

/// A domain as it may appear in a download's file name.
fn filename_safe(domain: &str) -> String {
    domain
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `GET /admin/kit/qr.svg`: the link's QR code as a standalone SVG file.
pub async fn qr_svg(
    State(state): State<AppState>,
    Admin(session): Admin,
    Query(query): Query<ScopeQuery>,
) -> Result<Response, AppError> {
    let context = context(&state, &session, query.scope.as_deref()).await?;
    let (_, share_url) = announcement(&state, &context);
    let svg = state
        .qr_codes
        .svg_for(&share_url, &format!("QR code for {share_url}"))
        .ok_or(AppError::NotFound)?;
    // `svg_for` always names the SVG namespace, so the inline markup is a valid file as it is.
    Ok(download(
        "image/svg+xml",
        &qr_filename(&context.scope, "svg"),
        svg.as_bytes().to_vec(),
    ))
}

/// `GET /admin/kit/qr.png`: the link's QR code as a PNG for print and slides.
pub async fn qr_png(
    State(state): State<AppState>,
    Admin(session): Admin,
    Query(query): Query<ScopeQuery>,
) -> Result<Response, AppError> {
    let context = context(&state, &session, query.scope.as_deref()).await?;
    let (_, share_url) = announcement(&state, &context);
    let png = tokio::task::spawn_blocking(move || kit::qr_png(&share_url))
        .await
        .ok()
        .flatten()
        .ok_or(AppError::NotFound)?;
    Ok(download(
        "image/png",
        &qr_filename(&context.scope, "png"),
        png,
    ))
}

// --- short links ---

/// `GET /go/{slug}`: 303 to the tenant page of the short link's tenant.
pub async fn short_link(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let domain = state
        .admin
        .domain_for_slug(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut response = Redirect::to(&super::pages::tenant_path(&domain)).into_response();
    // The slug may be moved to another tenant; a browser must ask again next time.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}
