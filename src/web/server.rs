//! The HTTP server loop: hyper (HTTP/1.1 and HTTP/2) with the slow-client timeouts `axum::serve`
//! does not offer.
//!
//! axum 0.8's `serve` gives hyper no timer, so hyper's header-read timeout never runs: a client
//! that sends half a request line and stalls holds its connection and task forever (slow-loris).
//! Here every connection gets hyper's HTTP/1 header-read timeout (which also ends keep-alive
//! connections idle for that long), and a first-request deadline that covers the moment before
//! hyper knows the protocol (HTTP/1 or HTTP/2 is sniffed from the first bytes, without a timeout).
//! Request bodies and handlers are bounded by the router's own timeout layer.
//!
//! Graceful shutdown: stop accepting, let in-flight requests finish, close idle connections.
//!
//! HTTP/1 requests hyper cannot parse (400), whose head is too large or has too many headers
//! (431) or whose URI is too long (414) never reach the router, so their answers carry none of
//! our security headers. hyper writes that answer itself from the status code alone (in its
//! HTTP/1 server role's `on_error`), and neither hyper's connection builders nor hyper-util's
//! offer a hook to change it. It has an empty body and the connection closes after it, so there
//! is no content for the CSP, `nosniff` or frame headers to guard (browsers keep HSTS from our
//! other answers).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How long to pause accepting after an accept error (out of file descriptors, say), so the loop
/// does not spin while the condition lasts.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Serve `router` on `listener` until `shutdown` completes, then finish in-flight requests.
/// Handlers see the peer address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(error) => {
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
            () = shutdown.as_mut() => break,
        };
        let first_request_seen = Arc::new(AtomicBool::new(false));
        let service = {
            let router = router.clone();
            let seen = Arc::clone(&first_request_seen);
            hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                seen.store(true, Ordering::Relaxed);
                request.extensions_mut().insert(ConnectInfo(peer));
                router.clone().oneshot(request)
            })
        };
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => finished(peer, result),
                () = tokio::time::sleep(header_read_timeout) => {
                    if first_request_seen.load(Ordering::Relaxed) {
                        finished(peer, connection.await);
                    } else {
                        // Dropping the connection closes it.
                        tracing::debug!(%peer, "no request within the header timeout: closed");
                    }
                }
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

fn finished(peer: SocketAddr, result: Result<(), Box<dyn std::error::Error + Send + Sync>>) {
    if let Err(error) = result {
        // Clients hanging up and timing out are normal on the internet: not worth a warning.
        tracing::debug!(%peer, %error, "connection ended with an error");
    }
}
