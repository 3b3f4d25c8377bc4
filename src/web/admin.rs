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

use crate::admin::adoption::{Event, Figure};
use crate::admin::chart;
use crate::admin::session::{AdminCookies, AdminSession, SESSION_COOKIE, SIGN_IN_CSRF_COOKIE};
use crate::admin::{AdminError, Customization, secret};
use crate::branding::image::{ImageError, MAX_INPUT_BYTES};
use crate::device::WalkthroughKind;
use crate::domain::DomainName;
use crate::store::models::LogoChange;

use super::AppState;
use super::assets;
use super::client_ip::ClientIp;
use super::error::AppError;
use super::views::{AdminDashboardPage, AdminLogoPage, AdminNav, AdoptionRow, Layout, ScopeChoice};

mod kit;
mod settings;
mod sign_in;
mod team;

/// Largest upload request: the 5 MiB image plus room for the multipart framing and the token, so a
/// slightly larger file still reaches the image check and gets its specific message.
pub const UPLOAD_BODY_LIMIT: usize = MAX_INPUT_BYTES + 256 * 1024;

/// Every admin route except the upload (it needs a larger body limit; see [`upload_routes`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(sign_in::home))
        .route("/admin/challenge", post(sign_in::start_challenge))
        .route("/admin/verify", post(sign_in::verify))
        .route(
            "/admin/link/{token}",
            get(sign_in::link_page).post(sign_in::redeem_link),
        )
        .route("/admin/signout", post(sign_in::sign_out))
        .route(
            "/admin/settings",
            get(settings::settings_page).post(settings::save_settings),
        )
        .route("/admin/settings/remove", post(settings::remove_settings))
        .route("/admin/sessions/revoke", post(team::revoke_session))
        .route("/admin/domains/revoke", post(team::revoke_domain))
        .route("/admin/domains/approve", post(team::approve_domain))
        .route("/admin/domains/refuse", post(team::refuse_domain))
        .route("/admin/logo", get(logo_page))
        .route("/admin/logo/publish", post(publish_logo))
        .route("/admin/logo/discard", post(discard_logo))
        .route("/admin/logo/automatic", post(automatic_logo))
        .route("/admin/kit", get(kit::kit_page))
        .route("/admin/kit/poster", get(kit::poster_page))
        .route("/admin/kit/qr.svg", get(kit::qr_svg))
        .route("/admin/kit/qr.png", get(kit::qr_png))
        .route("/admin/adoption.csv", get(kit::adoption_csv))
        .route("/go/{slug}", get(short_link))
        .route_layer(middleware::from_fn(refuse_cross_origin))
}

/// `POST /admin/logo`, with its own body limit (the router's global one is 64 KiB).
pub fn upload_routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/admin/logo", post(upload_logo))
        .route_layer(middleware::from_fn(refuse_cross_origin))
        .layer(RequestBodyLimitLayer::new(UPLOAD_BODY_LIMIT))
        // The layer above already limits every read of the body. A second, extractor-level limit
        // would wrap the body twice, and axum's `MultipartError::status()` looks through only one
        // wrapper for the length-limit error: a chunked upload cut off by the limit would then be
        // "could not be read" instead of 413 "too large".
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(
            state,
            refuse_oversized_upload,
        ))
}

/// Largest oversized upload we still read (and discard) before refusing it, so the browser gets
/// to show our answer instead of a reset connection; bigger ones are cut off.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// Middleware: an upload that announces more than [`UPLOAD_BODY_LIMIT`] is refused without
/// looking at it, saying why in words (the body-limit layer would only say "too much data"). Only
/// a signed-in admin's body is read (and discarded) first, for their browser's sake: a stranger
/// makes us read nothing.
async fn refuse_oversized_upload(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    match announced {
        Some(bytes) if bytes > UPLOAD_BODY_LIMIT => {
            let signed_in = match cookie(&state, request.headers(), SESSION_COOKIE) {
                Some(value) => matches!(state.admin.session(&value, now()).await, Ok(Some(_))),
                None => false,
            };
            if signed_in && bytes <= DRAIN_LIMIT {
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

pub(super) fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Delete, behind https, the unprefixed admin cookies the request still carries (never read:
/// see [`AdminCookies::clear_unprefixed`]).
fn clear_unprefixed_cookies(state: &AppState, headers: &HeaderMap, response: &mut Response) {
    let cookies = cookies(state);
    for header in headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
    {
        for clear in cookies.clear_unprefixed(header) {
            set_cookie(response, &clear);
        }
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

/// A redirect back to an admin page of `scope` (the root scope needs no query).
fn back_to(path: &str, session: &AdminSession, scope: &DomainName) -> Response {
    let target = if scope == &session.rights.root {
        path.to_owned()
    } else {
        format!("{path}?scope={}", scope.as_str())
    };
    no_store(Redirect::to(&target).into_response())
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
    /// The brand colour discovery found (the poster's colour when the admin chose none).
    automatic_brand_color: Option<String>,
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
    let branding = profile.shown_branding();
    Context {
        session: session.clone(),
        scope,
        customization,
        own,
        company,
        automatic_logo_sha256: branding.logo_sha256,
        automatic_brand_color: branding.brand_color,
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
    // Small counts are hidden ("fewer than 5"): no employee can be singled out.
    let figures = report.figures();
    let adoption_rows = WalkthroughKind::ALL
        .into_iter()
        .map(|kind| AdoptionRow {
            label: device_label(kind),
            views: figures.get(Event::View(kind)),
            done: figures.get(Event::Done(kind)),
        })
        .collect();
    let mut adoption_problems: Vec<(String, Figure)> = Event::all()
        .filter(|event| matches!(event, Event::PrereqFail(_) | Event::TroubleshootOpen(_)))
        .map(|event| (event.label(), figures.get(event)))
        .filter(|(_, figure)| !figure.is_zero())
        .collect();
    // Most first by what is shown; hidden ones after, in label order (their order would tell).
    adoption_problems.sort_by_key(|(label, figure)| match figure {
        Figure::Exact(count) | Figure::AtLeast(count) => (std::cmp::Reverse(*count), String::new()),
        Figure::FewerThanFive => (std::cmp::Reverse(0), label.clone()),
    });
    let customization = &context.customization;
    let html = AdminDashboardPage {
        layout: Layout::new(format!("{} · authwalk admin", context.company)),
        nav: context.nav("dashboard"),
        rights_method: team::method_label(session.rights.method),
        domains: team.domains,
        sessions: team.sessions,
        revocations: team.revocations,
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
        adoption_totals: figures,
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

/// `POST /admin/logo` (multipart: `csrf`, `scope`, `logo`, in the form's order): check the image
/// and keep it as the scope's preview. Everything that can refuse the upload — the session, the
/// CSRF token, the scope, the tenant's upload rate (429) — is decided before the file's bytes
/// are read, and the file is kept in memory only up to the 5 MiB images may have. Free decode
/// slots are waited for a bounded time (503); both refusals carry `Retry-After`.
pub async fn upload_logo(
    State(state): State<AppState>,
    client: ClientIp,
    Admin(session): Admin,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let mut csrf = String::new();
    let mut requested_scope = String::new();
    let file = loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break None,
            Err(error) => return unreadable_upload(&state, &session, &error).await,
        };
        let read = match field.name() {
            Some("csrf") => read_text_field(field).await.map(|text| csrf = text),
            Some("scope") => read_text_field(field)
                .await
                .map(|text| requested_scope = text),
            Some("logo") => {
                session.check_csrf(&csrf)?;
                let scope = state.admin.scope(&session, Some(&requested_scope))?;
                if let Err(AppError::RateLimited { retry_after }) =
                    state.limits.logo_upload(session.tenant_id(), &client)
                {
                    let context = context(&state, &session, Some(scope.as_str())).await?;
                    let message = format!(
                        "Your company's admins have uploaded several logos in a short time. Try \
                         again in {} seconds; nothing was saved.",
                        retry_after.as_secs().max(1)
                    );
                    let page = render_logo(&context, Some(message), StatusCode::TOO_MANY_REQUESTS)?;
                    return Ok(with_retry_after(page, retry_after));
                }
                match read_file_field(field).await {
                    Ok(file) => break Some((scope, file)),
                    Err(error) => return unreadable_upload(&state, &session, &error).await,
                }
            }
            _ => Ok(()),
        };
        if let Err(error) = read {
            return unreadable_upload(&state, &session, &error).await;
        }
    };
    let Some((scope, file)) = file else {
        session.check_csrf(&csrf)?;
        let scope = state.admin.scope(&session, Some(&requested_scope))?;
        let context = context(&state, &session, Some(scope.as_str())).await?;
        return render_logo(
            &context,
            Some(AdminError::NoFile.to_string()),
            StatusCode::BAD_REQUEST,
        );
    };
    let result = match file {
        UploadedFile::Kept(bytes) if !bytes.is_empty() => {
            state.admin.upload_logo(&session, &scope, bytes).await
        }
        UploadedFile::Kept(_) => Err(AdminError::NoFile),
        UploadedFile::TooLarge { bytes } => Err(AdminError::Image(ImageError::TooLarge { bytes })),
    };
    match result {
        Ok(_) => Ok(back_to("/admin/logo", &session, &scope)),
        Err(AdminError::Image(ImageError::Busy { retry_after })) => {
            let context = context(&state, &session, Some(scope.as_str())).await?;
            let message = format!(
                "We're processing many images right now, so yours wasn't checked. Try again in \
                 {} seconds; nothing was saved.",
                retry_after.as_secs().max(1)
            );
            let page = render_logo(&context, Some(message), StatusCode::SERVICE_UNAVAILABLE)?;
            Ok(with_retry_after(page, retry_after))
        }
        Err(error) if !error.is_server_side() => {
            let status = match error {
                AdminError::TooManyScopes { .. } => StatusCode::CONFLICT,
                _ => StatusCode::BAD_REQUEST,
            };
            let context = context(&state, &session, Some(scope.as_str())).await?;
            render_logo(&context, Some(error.to_string()), status)
        }
        Err(error) => Err(error.into()),
    }
}

/// The logo page after a multipart body that could not be read: 413 when it was cut off at the
/// route's limit, else 400.
async fn unreadable_upload(
    state: &AppState,
    session: &AdminSession,
    error: &MultipartError,
) -> Result<Response, AppError> {
    let context = context(state, session, None).await?;
    let (message, status) = if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        (
            format!(
                "That file is larger than the {} MiB we accept; save it smaller and try again.",
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
    render_logo(&context, Some(message), status)
}

/// `response` with `Retry-After` in whole seconds (at least 1).
pub(super) fn with_retry_after(mut response: Response, wait: std::time::Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

/// Longest text field of the upload form kept (the CSRF token and the scope are far shorter).
const TEXT_FIELD_LIMIT: usize = 1024;

/// A small text field, kept up to [`TEXT_FIELD_LIMIT`] bytes (the rest is read and dropped).
async fn read_text_field(
    mut field: axum::extract::multipart::Field<'_>,
) -> Result<String, MultipartError> {
    let mut kept = Vec::new();
    while let Some(chunk) = field.chunk().await? {
        let room = TEXT_FIELD_LIMIT.saturating_sub(kept.len());
        kept.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
    }
    Ok(String::from_utf8_lossy(&kept).into_owned())
}

/// The uploaded file: its bytes, or only its size when it is over [`MAX_INPUT_BYTES`].
enum UploadedFile {
    Kept(Bytes),
    TooLarge { bytes: usize },
}

/// The file field, kept in memory only up to [`MAX_INPUT_BYTES`]: past that the rest is counted
/// (within the route's body limit) and dropped, so the refusal can name the size.
async fn read_file_field(
    mut field: axum::extract::multipart::Field<'_>,
) -> Result<UploadedFile, MultipartError> {
    let mut kept = bytes::BytesMut::new();
    let mut seen = 0usize;
    while let Some(chunk) = field.chunk().await? {
        seen += chunk.len();
        if seen <= MAX_INPUT_BYTES {
            kept.extend_from_slice(&chunk);
        } else if !kept.is_empty() {
            kept = bytes::BytesMut::new();
        }
    }
    if seen > MAX_INPUT_BYTES {
        Ok(UploadedFile::TooLarge { bytes: seen })
    } else {
        Ok(UploadedFile::Kept(kept.freeze()))
    }
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
    client: &ClientIp,
    session: &AdminSession,
    form: &LogoForm,
    change: LogoChange,
) -> Result<Response, AppError> {
    session.check_csrf(&form.csrf)?;
    let scope = state.admin.scope(session, Some(&form.scope))?;
    state.limits.admin_save(session, client)?;
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
    client: ClientIp,
    Admin(session): Admin,
    Form(form): Form<LogoForm>,
) -> Result<Response, AppError> {
    let change = LogoChange::PublishPending(form.logo.clone());
    change_logo(&state, &client, &session, &form, change).await
}

/// `POST /admin/logo/discard`: drop the preview the admin saw.
pub async fn discard_logo(
    State(state): State<AppState>,
    client: ClientIp,
    Admin(session): Admin,
    Form(form): Form<LogoForm>,
) -> Result<Response, AppError> {
    let change = LogoChange::DiscardPending(form.logo.clone());
    change_logo(&state, &client, &session, &form, change).await
}

/// `POST /admin/logo/automatic`: no admin logo; Entra or website branding again.
pub async fn automatic_logo(
    State(state): State<AppState>,
    client: ClientIp,
    Admin(session): Admin,
    Form(form): Form<LogoForm>,
) -> Result<Response, AppError> {
    change_logo(&state, &client, &session, &form, LogoChange::UseAutomatic).await
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
