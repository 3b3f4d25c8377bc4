//! HTTP only: the router, its middleware and the handlers. Rules live in the modules below `web`.
//!
//! Errors: handlers return [`error::AppError`]; [`error::render_errors`] lays every error response
//! out as an HTML page or, under `/api/`, as JSON.

pub mod admin;
pub mod api;
pub mod assets;
pub mod client_ip;
pub mod error;
pub mod events;
pub mod limits;
pub mod metrics;
pub mod page_cache;
pub mod pages;
pub mod qr;
pub mod request_id;
pub mod server;
pub mod variants;
pub mod views;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::discovery::Discovery;
use crate::store::Store;

/// Shared state of every handler: one pointer, so the per-request clone axum makes is a single
/// reference-count increment (the services themselves are reached through `Deref`).
#[derive(Debug, Clone)]
pub struct AppState(Arc<SharedState>);

impl AppState {
    /// Wrap the services for the router.
    pub fn new(shared: SharedState) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// Everything the handlers use.
#[derive(Debug)]
pub struct SharedState {
    /// Validated configuration.
    pub config: Arc<Config>,
    /// The database.
    pub store: Store,
    /// Domain → tenant profile.
    pub discovery: Discovery,
    /// Tenant images, served from memory.
    pub images: assets::TenantImages,
    /// QR codes of tenant pages, drawn once.
    pub qr_codes: qr::QrCache,
    /// Per-client rate limits (new domains, admin verification).
    pub limits: limits::Limits,
    /// Anonymous adoption counters (written to the store in batches).
    pub adoption: crate::admin::adoption::Adoption,
    /// Device detection by header set, so a crowd's few distinct browsers are parsed once.
    pub devices: crate::device::Detections,
    /// Rendered tenant pages, so a warm page is not rendered again.
    pub rendered_pages: page_cache::PageCache,
    /// Per-tenant admin customisation, cached in memory (the tenant page and API read it).
    pub customizations: crate::admin::TenantCustomizations,
    /// The admin journey's rules (challenges, sessions, settings, uploads).
    pub admin: crate::admin::AdminService,
}

impl axum::extract::FromRef<AppState> for assets::TenantImages {
    fn from_ref(state: &AppState) -> Self {
        state.images.clone()
    }
}

/// Longest time a request may take before it is answered with 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest request body accepted by default (forms); upload routes raise it for themselves.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The Content-Security-Policy of every response: no inline script or style, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// What powerful browser features our pages may use: none.
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), \
    usb=(), interest-cohort=()";

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route of the service, with its middleware.
pub fn router(state: AppState) -> Router {
    let hsts = state.config.public_url.scheme() == "https";
    let routes = Router::new()
        .route("/", get(pages::landing))
        .route("/t", get(pages::lookup))
        .route("/t/{domain}", get(pages::tenant))
        .route("/t/{domain}/progress", get(pages::progress_events))
        .route(
            "/t/{domain}/done",
            axum::routing::post(events::done).layer(DefaultBodyLimit::max(events::BODY_LIMIT)),
        )
        .route(
            "/t/{domain}/events",
            axum::routing::post(events::events).layer(DefaultBodyLimit::max(events::BODY_LIMIT)),
        )
        .route("/api/v1/tenants/{domain}", get(api::tenant))
        .route("/healthz", get(pages::healthz))
        .route("/readyz", get(pages::readyz))
        .route("/metrics", get(metrics::serve))
        .route("/assets/{file}", get(assets::serve))
        .route("/assets/t/{file}", get(assets::serve_tenant_image))
        .route("/assets/brand/{file}", get(assets::serve_brand_stylesheet))
        .merge(admin::routes())
        // Form-sized bodies everywhere except the logo upload, merged after with its own limit.
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .merge(admin::upload_routes(state.clone()))
        // After every route: labels requests with the template that matched.
        .route_layer(axum::middleware::from_fn(metrics::remember_route))
        .fallback(|| async { error::AppError::NotFound })
        .with_state(state);

    let middleware = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(
            REQUEST_ID,
            request_id::SequentialRequestIds::new(),
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let request_id = request
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    path = %loggable_path(request.uri().path()),
                    request_id = %request_id,
                )
            }),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        // Outside error pages, timeouts and panics: counts every answer as the client got it.
        .layer(axum::middleware::from_fn(metrics::track))
        // A handler may send a stricter policy of its own (tenant images do).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(security_header(
            header::REFERRER_POLICY,
            "strict-origin-when-cross-origin",
        ))
        .layer(security_header(
            HeaderName::from_static("permissions-policy"),
            PERMISSIONS_POLICY,
        ))
        .layer(security_header(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            hsts.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains")),
        ))
        // Pages and embedded files come pre-compressed (`variants`); this compresses only large
        // bodies made per request (admin pages), at the fastest level.
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Fastest)
                .compress_when(variants::CompressOnTheFly),
        )
        .layer(axum::middleware::from_fn(error::render_errors))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(CatchPanicLayer::new());

    routes.layer(middleware)
}

/// Paths that carry a secret, and what logs show instead of the whole path: everything from the
/// prefix on, whatever follows or however it is spelt, so a one-time admin link never reaches a
/// log line or span.
const SECRET_PATHS: [(&str, &str); 1] = [("/admin/link", "/admin/link/{token}")];

/// The request path as logs may show it (see [`SECRET_PATHS`]).
fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    // Judge the path as a lenient reader would: percent-decoded, case-folded, slashes collapsed.
    let mut plain = String::with_capacity(path.len());
    let bytes = path.as_bytes();
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let decoded = (byte == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        let (byte, width) = decoded.map_or((byte, 1), |decoded| (decoded, 3));
        let byte = byte.to_ascii_lowercase();
        if !(byte == b'/' && plain.ends_with('/')) {
            plain.push(char::from(byte));
        }
        index += width;
    }
    for (prefix, shown) in SECRET_PATHS {
        if plain.starts_with(prefix) {
            return std::borrow::Cow::Borrowed(shown);
        }
    }
    std::borrow::Cow::Borrowed(path)
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_link_tokens_never_reach_the_logged_path() {
        for path in [
            "/admin/link/3q2-7wEAAQ_secret",
            "/admin/link/3q2-7wEAAQ_secret/extra",
            "/Admin/Link/3q2-7wEAAQ_secret",
            "//admin//link/3q2-7wEAAQ_secret",
            "/admin/%6Cink/3q2-7wEAAQ_secret",
            "/%61dmin/link%2F3q2-7wEAAQ_secret",
            "/admin/link",
            // Not the link route, but spelt like it: hidden all the same.
            "/admin/linked",
        ] {
            let logged = loggable_path(path);
            assert_eq!(logged, "/admin/link/{token}", "{path}");
            assert!(!logged.contains("secret"));
        }
        for path in ["/t/contoso.com", "/admin", "/admin/logo", "/", "/%zz"] {
            assert_eq!(loggable_path(path), path);
        }
    }
}
