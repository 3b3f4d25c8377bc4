//! Admin pages (`/admin/…`) and the short-link redirect (`/go/{slug}`). HTTP only: the rules live
//! in [`crate::admin`].
//!
//! Security decisions:
//! - The tenant always comes from the session row, never from the URL or a form field.
//! - Every POST under `/admin` passes [`refuse_cross_origin`] (Go's CrossOriginProtection rules:
//!   `Sec-Fetch-Site`, else `Origin` against `Host`) and carries a CSRF token: the session's, or
//!   before sign-in the random value of the `authwalk_admin_csrf` cookie (double submit).
//! - Only the logo upload route accepts bodies over the global 64 KiB limit.
//! - Admin responses are `Cache-Control: no-store`.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartError;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Multipart, Path, Request, State};
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
use crate::admin::kit::{self, Announcement};
use crate::admin::service::SignedIn;
use crate::admin::session::{self, AdminSession, SESSION_COOKIE, SIGN_IN_CSRF_COOKIE};
use crate::admin::settings::{FieldErrors, SettingsForm};
use crate::admin::{AdminError, Customization, secret};
use crate::branding::image::{ImageError, MAX_INPUT_BYTES};
use crate::device::WalkthroughKind;
use crate::store::models::LogoChange;

use super::AppState;
use super::assets;
use super::client_ip::ClientIp;
use super::error::AppError;
use super::views::{
    AdminChallengePage, AdminDashboardPage, AdminKitPage, AdminLinkPage, AdminLogoPage, AdminNav,
    AdminPosterPage, AdminSettingsPage, AdminSignInPage, AdoptionRow, AnnouncementHtml,
    AnnouncementText, Layout,
};

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
        let cookie = cookie(&parts.headers, SESSION_COOKIE);
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

/// A signed-in admin; without a live session the request is sent to the sign-in page.
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

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|header| session::cookie_value(header, name))
        .map(str::to_owned)
}

fn secure_cookies(state: &AppState) -> bool {
    state.config.public_url.scheme() == "https"
}

/// Sign-in forms' CSRF token: the cookie's value when the browser has one, else a fresh one (and
/// the `Set-Cookie` to send with the page).
fn sign_in_csrf(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(String, Option<HeaderValue>), AppError> {
    if let Some(token) = cookie(headers, SIGN_IN_CSRF_COOKIE)
        && token.len() >= 32
    {
        return Ok((token, None));
    }
    let token = secret::session_secret().map_err(AppError::Admin)?;
    let set_cookie = session::cookie(SIGN_IN_CSRF_COOKIE, &token, secure_cookies(state), None);
    Ok((token, HeaderValue::from_str(&set_cookie).ok()))
}

/// Refuse a sign-in form whose token is not the browser's sign-in CSRF cookie.
fn check_sign_in_csrf(headers: &HeaderMap, submitted: &str) -> Result<(), AppError> {
    match cookie(headers, SIGN_IN_CSRF_COOKIE) {
        Some(expected) if secret::same_secret(submitted, &expected) => Ok(()),
        _ => Err(AppError::Admin(AdminError::Csrf)),
    }
}

fn signed_in_response(state: &AppState, signed_in: &SignedIn) -> Result<Response, AppError> {
    let cookie = session::cookie(
        SESSION_COOKIE,
        &signed_in.cookie_value,
        secure_cookies(state),
        Some(session::ABSOLUTE_TIMEOUT),
    );
    let mut response = Redirect::to("/admin").into_response();
    let value = HeaderValue::from_str(&cookie).map_err(|_| AppError::Admin(AdminError::Csrf))?;
    response.headers_mut().append(header::SET_COOKIE, value);
    Ok(no_store(response))
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
        AdminError::Unreachable { .. } | AdminError::DnsFailed { .. } => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::BAD_REQUEST,
    }
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
    let (csrf, set_cookie) = sign_in_csrf(state, headers)?;
    let html = AdminSignInPage {
        layout: Layout::new("Administer your company's walkthrough · authwalk"),
        domain,
        error,
        csrf,
    }
    .render()?;
    let mut response = page(status, html);
    if let Some(set_cookie) = set_cookie {
        response
            .headers_mut()
            .append(header::SET_COOKIE, set_cookie);
    }
    Ok(response)
}

/// Longest typed value echoed back into a form field.
const ECHO_LIMIT: usize = 256;

fn echo(value: &str) -> String {
    value.chars().take(ECHO_LIMIT).collect()
}

/// `POST /admin/challenge`: issue a DNS challenge for the typed domain (a domain we would have to
/// look up first costs the visitor part of their new-domain allowance, as on the tenant page).
pub async fn start_challenge(
    State(state): State<AppState>,
    client: ClientIp,
    headers: HeaderMap,
    Form(form): Form<DomainForm>,
) -> Result<Response, AppError> {
    check_sign_in_csrf(&headers, &form.csrf)?;
    if let Ok(domain) = crate::domain::DomainName::parse(&form.domain)
        && state.discovery.would_resolve(&domain).await
    {
        state.limits.new_domain(&client)?;
    }
    match state.admin.start_challenge(&form.domain, now()).await {
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
            Ok(page(StatusCode::OK, html))
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

/// `POST /admin/verify`: look the challenge up in DNS and sign in on success (attempts are
/// rate-limited per domain and per client before any lookup).
pub async fn verify(
    State(state): State<AppState>,
    maybe: MaybeAdmin,
    client: ClientIp,
    headers: HeaderMap,
    Form(form): Form<DomainForm>,
) -> Result<Response, AppError> {
    check_sign_in_csrf(&headers, &form.csrf)?;
    let domain = match crate::domain::DomainName::parse(&form.domain) {
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
    state.limits.verification(&client, &domain)?;
    let result = state
        .admin
        .verify(&domain, maybe.cookie.as_deref(), now())
        .await;
    match result {
        Ok(signed_in) => signed_in_response(&state, &signed_in),
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
    let (csrf, set_cookie) = sign_in_csrf(&state, &headers)?;
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
    if let Some(set_cookie) = set_cookie {
        response
            .headers_mut()
            .append(header::SET_COOKIE, set_cookie);
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
    check_sign_in_csrf(&headers, &form.csrf)?;
    match state
        .admin
        .redeem_link(&token, maybe.cookie.as_deref(), now())
        .await
    {
        Ok(signed_in) => signed_in_response(&state, &signed_in),
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
    let cleared = session::cookie(
        SESSION_COOKIE,
        "",
        secure_cookies(&state),
        Some(time::Duration::ZERO),
    );
    let mut response = Redirect::to("/admin").into_response();
    if let Ok(value) = HeaderValue::from_str(&cleared) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(no_store(response))
}

// --- the signed-in pages ---

/// What every signed-in page knows about its tenant.
struct Context {
    session: AdminSession,
    customization: Arc<Customization>,
    company: String,
    automatic_logo_sha256: Option<String>,
}

async fn context(state: &AppState, session: &AdminSession) -> Result<Context, AppError> {
    let customization = state.admin.customization(session).await?;
    let profile = state.admin.profile(session).await?;
    let company = profile
        .tenant
        .as_ref()
        .and_then(|tenant| tenant.display_name.clone())
        .unwrap_or_else(|| profile.domain.to_unicode());
    Ok(Context {
        session: session.clone(),
        customization,
        company,
        automatic_logo_sha256: profile.shown_branding().logo_sha256,
    })
}

impl Context {
    fn nav(&self, current: &'static str) -> AdminNav {
        AdminNav {
            csrf: self.session.csrf_token.clone(),
            company: self.company.clone(),
            domain: self.session.domain.clone(),
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
}

async fn dashboard(
    state: &AppState,
    session: &AdminSession,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let context = context(state, session).await?;
    let (sign_in_csrf, set_cookie) = sign_in_csrf(state, headers)?;
    let verified_domains = state.admin.verified_domains(session).await?;
    let share_url = state.admin.share_url(session, &context.customization);
    let report = state
        .adoption
        .report(session.tenant_id, OffsetDateTime::now_utc().date())
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
        verified_domains,
        share_url,
        has_logo: customization.logo_sha256.is_some(),
        has_pending_logo: customization.pending_logo_sha256.is_some(),
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
    if let Some(set_cookie) = set_cookie {
        response
            .headers_mut()
            .append(header::SET_COOKIE, set_cookie);
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
    let report = state
        .adoption
        .report(session.tenant_id, OffsetDateTime::now_utc().date())
        .await?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("authwalk-{}-adoption.csv", filename_safe(&session.domain)),
        report.to_csv().into_bytes(),
    ))
}

/// `GET /admin/settings`: the settings form with what is stored.
pub async fn settings_page(
    State(state): State<AppState>,
    Admin(session): Admin,
) -> Result<Response, AppError> {
    let context = context(&state, &session).await?;
    let form = SettingsForm::from_customization(&context.customization);
    render_settings(
        &context,
        form,
        FieldErrors::default(),
        false,
        StatusCode::OK,
    )
}

fn render_settings(
    context: &Context,
    form: SettingsForm,
    errors: FieldErrors,
    saved: bool,
    status: StatusCode,
) -> Result<Response, AppError> {
    let html = AdminSettingsPage {
        layout: Layout::new(format!("Settings · {} · authwalk admin", context.company)),
        nav: context.nav("settings"),
        form,
        errors,
        saved,
    }
    .render()?;
    Ok(page(status, html))
}

/// The settings form as posted, with its CSRF token.
#[derive(Debug, Deserialize)]
pub struct SettingsPost {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The fields.
    #[serde(flatten)]
    pub form: SettingsForm,
}

/// `POST /admin/settings`: save every field, or re-show the form with a message per field (400).
pub async fn save_settings(
    State(state): State<AppState>,
    Admin(session): Admin,
    Form(post): Form<SettingsPost>,
) -> Result<Response, AppError> {
    session.check_csrf(&post.csrf)?;
    match state.admin.save_settings(&session, &post.form).await? {
        Ok(()) => {
            let context = context(&state, &session).await?;
            let form = SettingsForm::from_customization(&context.customization);
            render_settings(&context, form, FieldErrors::default(), true, StatusCode::OK)
        }
        Err(errors) => {
            let context = context(&state, &session).await?;
            render_settings(&context, post.form, *errors, false, StatusCode::BAD_REQUEST)
        }
    }
}

/// `GET /admin/logo`: the published, pending and automatic logos and the upload form.
pub async fn logo_page(
    State(state): State<AppState>,
    Admin(session): Admin,
) -> Result<Response, AppError> {
    let context = context(&state, &session).await?;
    render_logo(&context, None, StatusCode::OK)
}

fn render_logo(
    context: &Context,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let customization = &context.customization;
    let html = AdminLogoPage {
        layout: Layout::new(format!("Logo · {} · authwalk admin", context.company)),
        nav: context.nav("logo"),
        published_logo_url: customization
            .logo_sha256
            .as_deref()
            .map(assets::tenant_image_url),
        pending_logo_url: customization
            .pending_logo_sha256
            .as_deref()
            .map(assets::tenant_image_url),
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

/// `POST /admin/logo` (multipart: `csrf`, `logo`): check the image and keep it as the preview.
/// Limited per tenant (429) and by free decode slots (503), both with `Retry-After`.
pub async fn upload_logo(
    State(state): State<AppState>,
    client: ClientIp,
    Admin(session): Admin,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let (csrf, file) = match read_upload(multipart).await {
        Ok(parts) => parts,
        Err(error) => {
            let context = context(&state, &session).await?;
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
    session.check_csrf(&csrf)?;
    if let Err(AppError::RateLimited { retry_after }) =
        state.limits.logo_upload(session.tenant_id, &client)
    {
        let context = context(&state, &session).await?;
        let message = format!(
            "Your company's admins have uploaded several logos in a short time. Try again in {} \
             seconds; nothing was saved.",
            retry_after.as_secs().max(1)
        );
        let page = render_logo(&context, Some(message), StatusCode::TOO_MANY_REQUESTS)?;
        return Ok(with_retry_after(page, retry_after));
    }
    let result = match file {
        Some(bytes) if !bytes.is_empty() => state.admin.upload_logo(&session, bytes).await,
        _ => Err(AdminError::NoFile),
    };
    match result {
        Ok(_) => Ok(no_store(Redirect::to("/admin/logo").into_response())),
        Err(AdminError::Image(ImageError::Busy { retry_after })) => {
            let context = context(&state, &session).await?;
            let message = format!(
                "We're processing many images right now, so yours wasn't checked. Try again in \
                 {} seconds; nothing was saved.",
                retry_after.as_secs().max(1)
            );
            let page = render_logo(&context, Some(message), StatusCode::SERVICE_UNAVAILABLE)?;
            Ok(with_retry_after(page, retry_after))
        }
        Err(error) if !error.is_server_side() => {
            let context = context(&state, &session).await?;
            render_logo(&context, Some(error.to_string()), StatusCode::BAD_REQUEST)
        }
        Err(error) => Err(error.into()),
    }
}

/// `response` with `Retry-After` in whole seconds (at least 1).
fn with_retry_after(mut response: Response, wait: std::time::Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

/// The CSRF token and the file of an upload form.
async fn read_upload(mut multipart: Multipart) -> Result<(String, Option<Bytes>), MultipartError> {
    let mut csrf = String::new();
    let mut file = None;
    while let Some(field) = multipart.next_field().await? {
        match field.name() {
            Some("csrf") => csrf = field.text().await?,
            Some("logo") => file = Some(field.bytes().await?),
            _ => {}
        }
    }
    Ok((csrf, file))
}

async fn change_logo(
    state: &AppState,
    session: &AdminSession,
    csrf: &str,
    change: LogoChange,
) -> Result<Response, AppError> {
    session.check_csrf(csrf)?;
    match state.admin.change_logo(session, change).await {
        Ok(()) => Ok(no_store(Redirect::to("/admin/logo").into_response())),
        Err(error) if !error.is_server_side() => {
            let context = context(state, session).await?;
            render_logo(&context, Some(error.to_string()), StatusCode::BAD_REQUEST)
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST /admin/logo/publish`: the preview becomes the logo every page shows.
pub async fn publish_logo(
    State(state): State<AppState>,
    Admin(session): Admin,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    change_logo(&state, &session, &form.csrf, LogoChange::PublishPending).await
}

/// `POST /admin/logo/discard`: drop the preview.
pub async fn discard_logo(
    State(state): State<AppState>,
    Admin(session): Admin,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    change_logo(&state, &session, &form.csrf, LogoChange::DiscardPending).await
}

/// `POST /admin/logo/automatic`: no admin logo; Entra or website branding again.
pub async fn automatic_logo(
    State(state): State<AppState>,
    Admin(session): Admin,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    change_logo(&state, &session, &form.csrf, LogoChange::UseAutomatic).await
}

// --- rollout kit ---

fn announcement(state: &AppState, context: &Context) -> (Announcement, String) {
    let share_url = state
        .admin
        .share_url(&context.session, &context.customization);
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
) -> Result<Response, AppError> {
    let context = context(&state, &session).await?;
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
) -> Result<Response, AppError> {
    let context = context(&state, &session).await?;
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

fn qr_filename(session: &AdminSession, extension: &str) -> String {
    format!("authwalk-{}-qr.{extension}", filename_safe(&session.domain))
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
) -> Result<Response, AppError> {
    let context = context(&state, &session).await?;
    let (_, share_url) = announcement(&state, &context);
    let svg = state
        .qr_codes
        .svg_for(&share_url, &format!("QR code for {share_url}"))
        .ok_or(AppError::NotFound)?;
    // `svg_for` always names the SVG namespace, so the inline markup is a valid file as it is.
    Ok(download(
        "image/svg+xml",
        &qr_filename(&session, "svg"),
        svg.as_bytes().to_vec(),
    ))
}

/// `GET /admin/kit/qr.png`: the link's QR code as a PNG for print and slides.
pub async fn qr_png(
    State(state): State<AppState>,
    Admin(session): Admin,
) -> Result<Response, AppError> {
    let context = context(&state, &session).await?;
    let (_, share_url) = announcement(&state, &context);
    let png = tokio::task::spawn_blocking(move || kit::qr_png(&share_url))
        .await
        .ok()
        .flatten()
        .ok_or(AppError::NotFound)?;
    Ok(download("image/png", &qr_filename(&session, "png"), png))
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
