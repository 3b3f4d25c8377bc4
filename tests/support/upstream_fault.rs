//! Hostile answers the HTTPS fakes give on demand, so tests can show what a visitor sees (and what
//! is stored) when an upstream misbehaves.
//!
//! [`super::fake_microsoft::FakeMicrosoft::set_fault`] applies a [`Fault`] to one
//! [`super::fake_microsoft::Endpoint`], [`super::fake_web::FakeWeb::set_fault`] to one website
//! host. The request is still counted (and delayed, if a delay is set) before the fault answers.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

/// Size of the [`Fault::Oversized`] body: far over every body cap of the app.
pub const OVERSIZED_BYTES: usize = 8 * 1024 * 1024;
/// How long [`Fault::SlowLoris`] waits between two bytes.
pub const SLOW_LORIS_INTERVAL: Duration = Duration::from_millis(200);
/// How many bytes [`Fault::SlowLoris`] sends before it would end (about a minute of dribbling).
pub const SLOW_LORIS_BYTES: usize = 300;

/// How a fake misbehaves.
#[derive(Clone, Debug)]
pub enum Fault {
    /// This status with a short HTML error page, as a load balancer in trouble sends.
    Status(u16),
    /// `200 OK` headers, a few bytes of JSON, then the connection (HTTP/1.1) or stream (HTTP/2)
    /// is reset mid-answer.
    Reset,
    /// Accepts the request and never answers.
    Hang,
    /// `200 OK` JSON streamed without Content-Length, [`OVERSIZED_BYTES`] long.
    Oversized,
    /// `200 OK` labelled `application/json; charset=utf-8` whose bytes are not UTF-8.
    InvalidUtf8,
    /// `200 OK` with an HTML sign-in page instead of the JSON or image asked for (a captive
    /// portal or a proxy's block page).
    WrongContentType,
    /// `302 Found` back to the very same URL, forever.
    RedirectLoop,
    /// `200 OK` JSON headers at once, then one body byte every [`SLOW_LORIS_INTERVAL`].
    SlowLoris,
    /// Exactly this answer.
    Answer {
        /// The status.
        status: u16,
        /// The Content-Type header.
        content_type: &'static str,
        /// The body.
        body: Bytes,
    },
}

const ERROR_PAGE: &str = "<!DOCTYPE html><html><head><title>Service Unavailable</title></head>\
    <body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your \
    request. Please try again later.</p></body></html>";

const SIGN_IN_PAGE: &str = "<!DOCTYPE html><html><head><title>Sign in to the network</title>\
    </head><body><form method=\"post\" action=\"/portal/login\"><input name=\"user\">\
    <input name=\"password\" type=\"password\"><button>Sign in</button></form></body></html>";

/// JSON-looking bytes that are not UTF-8 (lone continuation bytes, an overlong encoding).
const NOT_UTF8: &[u8] = b"{\"issuer\":\"https://login.microsoftonline.com/\x80\xbf\xc0\xaf/v2.0\",\"NameSpaceType\":\"Managed\xff\xfe\",\"FederationBrandName\":\"\xed\xa0\x80\"}";

impl Fault {
    /// The answer to a request for `path_and_query` (never returns for [`Fault::Hang`]).
    pub async fn respond(&self, path_and_query: &str) -> Response {
        match self {
            Fault::Status(code) => (
                StatusCode::from_u16(*code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::RETRY_AFTER, "30"),
                ],
                ERROR_PAGE,
            )
                .into_response(),
            Fault::Reset => {
                let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                    Ok(Bytes::from_static(b"{\"issuer\":\"https://login.micro")),
                    Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "fault: connection reset by the fake",
                    )),
                ];
                json_stream(Body::from_stream(futures_util::stream::iter(chunks)))
            }
            Fault::Hang => std::future::pending().await,
            Fault::Oversized => {
                let head = Bytes::from_static(b"{\"padding\":\"");
                let block = Bytes::from(vec![b'x'; 64 * 1024]);
                let blocks = OVERSIZED_BYTES / block.len();
                let chunks = std::iter::once(head)
                    .chain(std::iter::repeat_n(block, blocks))
                    .map(Ok::<_, Infallible>);
                json_stream(Body::from_stream(futures_util::stream::iter(chunks)))
            }
            Fault::InvalidUtf8 => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                Bytes::from_static(NOT_UTF8),
            )
                .into_response(),
            Fault::WrongContentType => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                SIGN_IN_PAGE,
            )
                .into_response(),
            Fault::RedirectLoop => {
                let mut response = (
                    StatusCode::FOUND,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    "<html><body>Moved</body></html>",
                )
                    .into_response();
                if let Ok(location) = HeaderValue::from_str(path_and_query) {
                    response.headers_mut().insert(header::LOCATION, location);
                }
                response
            }
            Fault::SlowLoris => {
                let stream = futures_util::stream::unfold(0usize, |sent| async move {
                    if sent >= SLOW_LORIS_BYTES {
                        return None;
                    }
                    if sent > 0 {
                        tokio::time::sleep(SLOW_LORIS_INTERVAL).await;
                    }
                    let byte = if sent == 0 { b"{" } else { b" " };
                    Some((Ok::<_, Infallible>(Bytes::from_static(byte)), sent + 1))
                });
                json_stream(Body::from_stream(stream))
            }
            Fault::Answer {
                status,
                content_type,
                body,
            } => (
                StatusCode::from_u16(*status).unwrap_or(StatusCode::OK),
                [(header::CONTENT_TYPE, *content_type)],
                body.clone(),
            )
                .into_response(),
        }
    }
}

fn json_stream(body: Body) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}
