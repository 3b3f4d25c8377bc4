//! The HTTP server loop: hyper (HTTP/1.1 and HTTP/2) with the slow-client and idle-connection
//! limits `axum::serve` does not offer.
//!
//! axum 0.8's `serve` gives hyper no timer, so hyper's header-read timeout never runs: a client
//! that sends half a request line and stalls holds its connection and task forever (slow-loris).
//! Here every connection gets hyper's HTTP/1 header-read timeout, and every connection, HTTP/1 or
//! HTTP/2, is closed once it has had no request in flight for that long (`AUTHWALK_HEADER_READ_TIMEOUT`):
//! one that never sends a request is dropped, an idle one is shut down gracefully (HTTP/2: GOAWAY).
//! A request counts as in flight until its response body has been sent, so a progress stream keeps
//! its connection. HTTP/2 connections also get keep-alive pings (a peer that stops answering them
//! is dropped even mid-stream) and at most [`MAX_CONCURRENT_STREAMS`] requests at once.
//! Request bodies and handlers are bounded by the router's own timeout layer.
//!
//! The accept loop holds at most `AUTHWALK_MAX_CONNECTIONS` connections: at the cap it stops
//! accepting, and further clients wait in the kernel's listen queue, instead of each costing a
//! file descriptor until the process runs out of them.
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
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, watch};
use tower::ServiceExt;

use crate::config::Config;

/// How long to pause accepting after an accept error (out of file descriptors, say), so the loop
/// does not spin while the condition lasts.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Most requests one HTTP/2 connection may have in flight (RFC 9113 recommends no fewer than 100).
pub const MAX_CONCURRENT_STREAMS: u32 = 100;

/// The limits of the server loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a client may take to send a request head, and how long a connection may sit with
    /// no request in flight before it is closed.
    pub idle_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
}

impl ConnectionLimits {
    /// The configured limits (`AUTHWALK_HEADER_READ_TIMEOUT`, `AUTHWALK_MAX_CONNECTIONS`).
    pub fn from_config(config: &Config) -> Self {
        Self {
            idle_timeout: config.header_read_timeout,
            max_connections: config.max_connections,
        }
    }
}

/// Serve `router` on `listener` until `shutdown` completes, then finish in-flight requests.
/// Handlers see the peer address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let idle_timeout = limits.idle_timeout;
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(idle_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(idle_timeout))
        .keep_alive_timeout(idle_timeout)
        .max_concurrent_streams(MAX_CONCURRENT_STREAMS);
    let max_connections = limits.max_connections.max(1);
    let open_slots = Arc::new(Semaphore::new(max_connections));
    let (closing, closing_seen) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut at_cap = false;
    loop {
        // A free connection slot first: at the cap, clients wait in the listen queue.
        let slot = match Arc::clone(&open_slots).try_acquire_owned() {
            Ok(slot) => {
                at_cap = false;
                slot
            }
            Err(_) => {
                if !at_cap {
                    at_cap = true;
                    tracing::warn!(
                        max_connections,
                        "connection limit reached: new clients wait until one closes"
                    );
                }
                tokio::select! {
                    biased;
                    () = shutdown.as_mut() => break,
                    slot = Arc::clone(&open_slots).acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break,
                    },
                }
            }
        };
        // Shutdown first: its first poll is what installs the signal handler, so it must happen
        // before the first connection is served (a signal after that answer must stop us).
        let (stream, peer) = tokio::select! {
            biased;
            () = shutdown.as_mut() => break,
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(error) => {
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
        };
        let activity = Arc::new(Activity::default());
        let service = {
            let router = router.clone();
            let activity = Arc::clone(&activity);
            hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                let in_flight = InFlight::begin(Arc::clone(&activity));
                request.extensions_mut().insert(ConnectInfo(peer));
                let answer = router.clone().oneshot(request);
                async move {
                    let response = answer.await?;
                    // In flight until the body has been sent (or dropped).
                    Ok::<_, std::convert::Infallible>(response.map(|body| {
                        Body::new(TrackedBody {
                            inner: body,
                            _in_flight: in_flight,
                        })
                    }))
                }
            })
        };
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let closing = closing_seen.clone();
        tokio::spawn(async move {
            run_connection(
                connection,
                |connection| connection.graceful_shutdown(),
                &activity,
                idle_timeout,
                closing,
                peer,
            )
            .await;
            // The slot frees only when the connection is gone.
            drop(slot);
        });
    }
    drop(listener);
    let _ = closing.send(true);
    // Every connection holds a slot until it ends: having them all back means all have ended.
    let everything = u32::try_from(max_connections).unwrap_or(u32::MAX);
    let _ = open_slots.acquire_many(everything).await;
}

/// Drive one connection until it ends, is idle too long, or the server shuts down;
/// `close_gracefully` asks it to stop taking requests (HTTP/2: GOAWAY) and close once in-flight
/// ones are done.
async fn run_connection<C>(
    connection: C,
    close_gracefully: impl FnOnce(Pin<&mut C>),
    activity: &Activity,
    idle_timeout: Duration,
    mut closing: watch::Receiver<bool>,
    peer: SocketAddr,
) where
    C: Future<Output = Result<(), Box<dyn std::error::Error + Send + Sync>>>,
{
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => return finished(peer, result),
        () = activity.idle_for(idle_timeout) => {
            if !activity.seen_request() {
                // Dropping the connection closes it.
                tracing::debug!(%peer, "no request within the header timeout: closed");
                return;
            }
            tracing::debug!(%peer, "connection idle: closing it");
        }
        _ = closing.wait_for(|closing| *closing) => {}
    }
    close_gracefully(connection.as_mut());
    // Idle or shutting down: in-flight requests finish, then the connection ends. An idle peer
    // that never reads the goodbye gets one more idle period before it is dropped.
    tokio::select! {
        result = connection.as_mut() => finished(peer, result),
        () = activity.idle_for(idle_timeout) => {
            tracing::debug!(%peer, "connection did not close after the goodbye: dropped");
        }
    }
}

/// What is going on on one connection: requests in flight, and whether one ever came.
#[derive(Debug, Default)]
struct Activity {
    in_flight: AtomicUsize,
    seen_request: AtomicBool,
    changed: Notify,
}

impl Activity {
    fn seen_request(&self) -> bool {
        self.seen_request.load(Ordering::Acquire)
    }

    /// Completes once no request has been in flight for `limit` in a row.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let changed = self.changed.notified();
            let mut changed = std::pin::pin!(changed);
            // Registered before the check, so a change in between is not missed.
            changed.as_mut().enable();
            if self.in_flight.load(Ordering::Acquire) == 0 {
                if tokio::time::timeout(limit, changed).await.is_err() {
                    return;
                }
            } else {
                changed.await;
            }
        }
    }
}

/// One request in flight on a connection, until dropped.
#[derive(Debug)]
struct InFlight(Arc<Activity>);

impl InFlight {
    fn begin(activity: Arc<Activity>) -> Self {
        activity.seen_request.store(true, Ordering::Release);
        activity.in_flight.fetch_add(1, Ordering::AcqRel);
        activity.changed.notify_waiters();
        Self(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.0.changed.notify_waiters();
    }
}

/// A response body that keeps its request in flight until it has been sent or dropped.
struct TrackedBody {
    inner: Body,
    _in_flight: InFlight,
}

impl hyper::body::Body for TrackedBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

fn finished(peer: SocketAddr, result: Result<(), Box<dyn std::error::Error + Send + Sync>>) {
    if let Err(error) = result {
        // Clients hanging up and timing out are normal on the internet: not worth a warning.
        tracing::debug!(%peer, %error, "connection ended with an error");
    }
}
