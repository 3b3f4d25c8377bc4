//! HTTP metrics: every answered request counted by route template, method and status, and
//! `GET /metrics` in Prometheus text format (names in [`crate::metrics`]).
//!
//! The route label is the template the router matched (`/t/{domain}`), never the raw path: raw
//! paths are chosen by clients, and every distinct label value is a time series kept forever.
//! The router matches inside itself, so [`track`] (outside the router, where it also sees timeouts
//! and error pages) hands in an empty [`RouteSlot`] that [`remember_route`] (a route layer) fills.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::metrics;

/// The `Content-Type` of the Prometheus text exposition format.
pub const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The route label of requests no route matched (404s from the fallback).
const UNMATCHED: &str = "unmatched";

/// Where the matched route template is left for [`track`].
#[derive(Debug, Clone, Default)]
struct RouteSlot(Arc<OnceLock<MatchedPath>>);

/// Middleware (outside the router): count the request and time it once it is answered.
pub async fn track(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let slot = RouteSlot::default();
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    let route = slot.0.get().map_or(UNMATCHED, MatchedPath::as_str);
    metrics::http_request(route, method, response.status().as_u16(), started.elapsed());
    response
}

/// Route layer (inside the router): record which route template matched.
pub async fn remember_route(
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    if let (Some(matched), Some(slot)) = (matched, request.extensions().get::<RouteSlot>()) {
        let _ = slot.0.set(matched);
    }
    next.run(request).await
}

/// `GET /metrics`: the process's metrics in Prometheus text format.
pub async fn serve() -> Response {
    match metrics::render() {
        Some(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(PROMETHEUS_CONTENT_TYPE),
            )],
            text,
        )
            .into_response(),
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// The method as a label: the standard methods by name, anything a client invented as `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(method_label(&Method::from_bytes(b"X1").unwrap()), "other");
    }
}
