//! The web layer's one error type and how errors become responses.
//!
//! Handlers return `Result<_, AppError>`. `AppError::into_response` only decides the status and the
//! words; the `render_errors` middleware then writes them as an HTML page in the site layout, or as
//! JSON for `/api/` routes. The same middleware dresses bare error responses from axum and
//! tower-http (404 fallback, 405, timeouts, body limits, caught panics), so every error a visitor
//! sees looks the same and carries the same security headers.

use axum::Json;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use std::time::Duration;

use crate::domain::DomainError;
use crate::store::StoreError;

use super::views::{ErrorPage, Layout};
use askama::Template;

/// Everything that can go wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The visitor typed a domain that cannot be valid.
    #[error(transparent)]
    InvalidDomain(#[from] DomainError),
    /// No such page or resource.
    #[error("not found")]
    NotFound,
    /// The client made too many costly requests; it may try again after `retry_after`.
    #[error("rate limited for {retry_after:?}")]
    RateLimited {
        /// How long until the next request would be allowed.
        retry_after: Duration,
    },
    /// Too many lookups are running at once; try again after `retry_after`.
    #[error("too many lookups running; retry in {retry_after:?}")]
    Busy {
        /// A reasonable wait before trying again.
        retry_after: Duration,
    },
    /// The database failed or is unreachable.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A template failed to render (a bug).
    #[error("template rendering failed: {0}")]
    Render(#[from] askama::Error),
    /// An admin action was refused or failed (CSRF, cross-origin, links, settings storage).
    #[error(transparent)]
    Admin(#[from] crate::admin::AdminError),
    /// A counting request from the tenant page was refused (cross-site, or a malformed form).
    #[error(transparent)]
    Event(#[from] super::events::EventRejection),
}

impl From<crate::discovery::Busy> for AppError {
    fn from(busy: crate::discovery::Busy) -> Self {
        AppError::Busy {
            retry_after: busy.retry_after,
        }
    }
}

/// What an error response says; attached to the response for `render_errors` to lay out.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorDetails {
    /// Stable machine-readable code (the JSON `error` field).
    pub error: &'static str,
    /// Short headline for the HTML page.
    #[serde(skip)]
    pub heading: &'static str,
    /// What happened and what to do, for people.
    pub message: String,
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::InvalidDomain(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Store(StoreError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Store(_) | AppError::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Admin(error) => admin_status(error),
            AppError::Event(rejection) => rejection.status(),
        }
    }

    fn details(&self) -> ErrorDetails {
        match self {
            AppError::RateLimited { retry_after } => ErrorDetails {
                error: "rate_limited",
                heading: "You're going a bit fast",
                message: format!(
                    "You're going a bit fast — try again in {}.",
                    seconds_text(retry_after_seconds(*retry_after))
                ),
            },
            AppError::Busy { retry_after } => ErrorDetails {
                error: "busy",
                heading: "We're busy right now",
                message: format!(
                    "authwalk is looking up many companies at the moment. Please try again in {}.",
                    seconds_text(retry_after_seconds(*retry_after))
                ),
            },
            AppError::InvalidDomain(error) => ErrorDetails {
                error: error.code(),
                heading: "That doesn't look like a company domain",
                message: error.to_string(),
            },
            AppError::Store(StoreError::Unavailable(_)) => database_unavailable(),
            AppError::Event(rejection) => ErrorDetails {
                error: rejection.code(),
                heading: rejection.heading(),
                message: rejection.to_string(),
            },
            AppError::Admin(error) => admin_details(error, self.status()),
            AppError::NotFound | AppError::Store(_) | AppError::Render(_) => {
                details_for_status(self.status())
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = match &self {
            AppError::RateLimited { retry_after } | AppError::Busy { retry_after } => {
                Some(retry_after_seconds(*retry_after))
            }
            _ => None,
        };
        if status.is_server_error() && retry_after.is_none() {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = status.into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(self.details());
        response
    }
}

/// `Retry-After` in whole seconds, rounded up and at least 1 (0 would invite an instant retry).
fn retry_after_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

fn seconds_text(seconds: u64) -> String {
    if seconds == 1 {
        "1 second".into()
    } else {
        format!("{seconds} seconds")
    }
}

// --- admin ---

fn admin_status(error: &crate::admin::AdminError) -> StatusCode {
    use crate::admin::AdminError as E;
    match error {
        E::Csrf | E::CrossOrigin => StatusCode::FORBIDDEN,
        E::OutsideRights { .. } | E::AwaitingApproval { .. } | E::NotAnApprover { .. } => {
            StatusCode::FORBIDDEN
        }
        E::TooManyDomains { .. } | E::TooManyScopes { .. } => StatusCode::CONFLICT,
        E::LinkInvalid | E::NoSuchRecord { .. } => StatusCode::NOT_FOUND,
        E::LinkExpired { .. } | E::LinkUsed => StatusCode::GONE,
        E::SettingsChanged | E::PreviewChanged => StatusCode::CONFLICT,
        E::Unreachable { .. } | E::TenantUnconfirmed { .. } | E::DnsFailed { .. } => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        E::Store(StoreError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
        E::Settings(error) if matches!(**error, StoreError::Unavailable(_)) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        E::Image(crate::branding::image::ImageError::TooLarge { .. }) => {
            StatusCode::PAYLOAD_TOO_LARGE
        }
        E::Image(crate::branding::image::ImageError::Internal { .. }) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
        E::Store(_) | E::Settings(_) | E::Randomness(_) | E::PublicUrl(_) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::BAD_REQUEST,
    }
}

fn admin_details(error: &crate::admin::AdminError, status: StatusCode) -> ErrorDetails {
    use crate::admin::AdminError as E;
    let (code, heading) = match error {
        E::Csrf => ("csrf", "This form has expired"),
        E::CrossOrigin => ("cross_origin", "Refused: the form came from another site"),
        E::LinkInvalid | E::LinkExpired { .. } | E::LinkUsed => {
            ("admin_link", "This sign-in link can't be used")
        }
        E::InvalidDomain(error) => (error.code(), "That doesn't look like a company domain"),
        E::OutsideRights { .. } => ("outside_rights", "That's outside your rights"),
        E::AwaitingApproval { .. } => ("awaiting_approval", "Waiting for approval"),
        E::NotAnApprover { .. } => ("not_an_approver", "That's outside your rights"),
        E::TooManyDomains { .. } | E::TooManyScopes { .. } => ("limit", "That's the most we hold"),
        E::SettingsChanged | E::PreviewChanged => ("conflict", "Someone else changed this"),
        E::TenantUnconfirmed { .. } => ("tenant_unconfirmed", "We couldn't reach Microsoft"),
        E::Image(image) => (image.code(), "That image can't be used"),
        // An admin whose change was not saved hears why, as the probes do.
        E::Store(StoreError::Unavailable(_)) => return database_unavailable(),
        E::Settings(error) if matches!(**error, StoreError::Unavailable(_)) => {
            return database_unavailable();
        }
        _ if status.is_server_error() => return details_for_status(status),
        _ => ("admin", "That didn't work"),
    };
    ErrorDetails {
        error: code,
        heading,
        message: error.to_string(),
    }
}

/// The words when the database cannot be reached (503).
fn database_unavailable() -> ErrorDetails {
    ErrorDetails {
        error: "unavailable",
        heading: "We'll be right back",
        message: "authwalk cannot reach its database at the moment. Please try again in a minute."
            .into(),
    }
}

/// The words for an error response that carries no details of its own.
fn details_for_status(status: StatusCode) -> ErrorDetails {
    let (error, heading, message) = match status.as_u16() {
        400 => (
            "bad_request",
            "We couldn't understand that request",
            "Something in the address or the form was not in a form we accept. Check it and try again.",
        ),
        404 => (
            "not_found",
            "We couldn't find that page",
            "The address may be mistyped, or the page has moved. Start again from the home page.",
        ),
        405 => (
            "method_not_allowed",
            "That action isn't available here",
            "This address doesn't accept that kind of request.",
        ),
        408 => (
            "request_timeout",
            "That took too long",
            "Your request arrived too slowly. Please try again.",
        ),
        413 => (
            "payload_too_large",
            "That's too much data",
            "The request was larger than this page accepts.",
        ),
        429 => (
            "too_many_requests",
            "Slow down a little",
            "You've made many requests in a short time. Wait a moment and try again.",
        ),
        503 => (
            "unavailable",
            "We'll be right back",
            "authwalk is busy or cannot reach a service it needs. Please try again in a minute.",
        ),
        504 => (
            "timeout",
            "That took too long",
            "authwalk took too long to answer. Please try again.",
        ),
        code if code >= 500 => (
            "internal",
            "Something went wrong on our side",
            "We've logged the problem. Please try again; if it keeps happening, tell your IT team.",
        ),
        _ => (
            "error",
            "That didn't work",
            "The request could not be completed. Please try again.",
        ),
    };
    ErrorDetails {
        error,
        heading,
        message: message.into(),
    }
}

/// Longest rejection text from axum or tower-http we show back to the client.
const REJECTION_TEXT_LIMIT: usize = 1024;

/// Middleware: lay out every error response as JSON (`/api/…`) or as an HTML page (elsewhere).
pub async fn render_errors(request: Request, next: Next) -> Response {
    let wants_json = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let status = response.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        // The refused body is left unread, so hyper ends the connection after this answer;
        // saying so keeps a client from reusing it and losing its next request.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let details = match parts.extensions.get::<ErrorDetails>() {
        Some(details) => details.clone(),
        None => {
            let content_type = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            // A response a handler already dressed (a page with a form error, say) stays as it is.
            if content_type.starts_with("text/html") || content_type.starts_with("application/json")
            {
                return Response::from_parts(parts, body);
            }
            let mut details = details_for_status(status);
            // axum's rejections explain the client's mistake in a short text body: keep that,
            // except a body limit's, which speaks of buffers ("length limit exceeded").
            if status.is_client_error()
                && status != StatusCode::PAYLOAD_TOO_LARGE
                && content_type.starts_with("text/plain")
                && let Ok(bytes) = axum::body::to_bytes(body, REJECTION_TEXT_LIMIT).await
            {
                let text = String::from_utf8_lossy(&bytes).trim().to_owned();
                if !text.is_empty() {
                    details.message = text;
                }
            }
            details
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    let dressed = if wants_json {
        Json(&details).into_response()
    } else {
        html_error_page(status, &details)
    };
    let (dressed_parts, body) = dressed.into_parts();
    if let Some(content_type) = dressed_parts.headers.get(header::CONTENT_TYPE) {
        parts
            .headers
            .insert(header::CONTENT_TYPE, content_type.clone());
    }
    // Error pages must never be cached by shared caches.
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Response::from_parts(parts, body)
}

fn html_error_page(status: StatusCode, details: &ErrorDetails) -> Response {
    let page = ErrorPage {
        layout: Layout::new(format!("{} · authwalk", details.heading)),
        status: status.as_u16(),
        heading: details.heading.into(),
        message: details.message.clone(),
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "error page failed to render");
            let mut fallback = Response::new(Body::from(details.message.clone()));
            fallback.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            fallback
        }
    }
}
