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
//! file descriptor until the process runs out of them. One client (an address; IPv6: its /48,
//! the block one site is given) holds at most `AUTHWALK_MAX_CONNECTIONS_PER_CLIENT` of them, so
//! no single client can take them all; a connection past that is closed at once. Trusted proxies
//! (`AUTHWALK_TRUSTED_PROXIES`) carry everybody's requests and are not limited.
//!
//! Slots are not held for nothing: a connection whose first byte does not come within
//! `AUTHWALK_FIRST_BYTE_TIMEOUT` is closed, and so is one whose answer has waited
//! `AUTHWALK_SEND_TIMEOUT` for the client to take more of it (a client that stops reading, or
//! an HTTP/2 peer that never opens its flow-control window, would otherwise keep the connection,
//! its task and the answer in memory for ever, since a request counts as in flight until its
//! answer is sent).
//!
//! Graceful shutdown: stop accepting, let in-flight requests finish, close idle connections; after
//! `AUTHWALK_SHUTDOWN_TIMEOUT` whatever is still open is closed.
//!
//! HTTP/1 requests hyper cannot parse (400), whose head is too large or has too many headers
//! (431) or whose URI is too long (414) never reach the router, so their answers carry none of
//! our security headers. hyper writes that answer itself from the status code alone (in its
//! HTTP/1 server role's `on_error`), and neither hyper's connection builders nor hyper-util's
//! offer a hook to change it. It has an empty body and the connection closes after it, so there
//! is no content for the CSP, `nosniff` or frame headers to guard (browsers keep HSTS from our
//! other answers).

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use ipnet::IpNet;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tower::ServiceExt;

use crate::config::Config;

/// How long to pause accepting after an accept error (out of file descriptors, say), so the loop
/// does not spin while the condition lasts.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Most requests one HTTP/2 connection may have in flight (RFC 9113 recommends no fewer than 100).
pub const MAX_CONCURRENT_STREAMS: u32 = 100;

/// The limits of the server loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a client may take to send a request head, and how long a connection may sit with
    /// no request in flight before it is closed.
    pub idle_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
    /// Most connections one client may have open at once.
    pub max_per_client: usize,
    /// Peers not limited per client (the trusted reverse proxies).
    pub unlimited_peers: Vec<IpNet>,
    /// How long a new connection may stay silent before its first byte.
    pub first_byte_timeout: Duration,
    /// How long an answer may wait for the client to take more of it.
    pub send_timeout: Duration,
    /// How long a stop waits for open connections before closing them.
    pub shutdown_timeout: Duration,
}

impl ConnectionLimits {
    /// The configured limits (`AUTHWALK_HEADER_READ_TIMEOUT`, `AUTHWALK_MAX_CONNECTIONS`,
    /// `AUTHWALK_MAX_CONNECTIONS_PER_CLIENT`, `AUTHWALK_FIRST_BYTE_TIMEOUT`,
    /// `AUTHWALK_SEND_TIMEOUT`, `AUTHWALK_SHUTDOWN_TIMEOUT`, `AUTHWALK_TRUSTED_PROXIES`).
    pub fn from_config(config: &Config) -> Self {
        Self {
            idle_timeout: config.header_read_timeout,
            max_connections: config.max_connections,
            max_per_client: config.max_connections_per_client,
            unlimited_peers: config.trusted_proxies.clone(),
            first_byte_timeout: config.first_byte_timeout,
            send_timeout: config.send_timeout,
            shutdown_timeout: config.shutdown_timeout,
        }
    }
}

/// The key connections are counted under per client: the address itself for IPv4, the /48 for
/// IPv6 (one site usually holds a whole /48, so its single addresses cost an abuser nothing).
fn client_key(peer: IpAddr) -> IpAddr {
    match peer.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 80) - 1);
            IpAddr::V6(Ipv6Addr::from(network))
        }
    }
}

/// Open connections per client; each entry lives only while its client has one open, so the map
/// holds at most as many keys as there are connections.
#[derive(Debug, Default)]
struct PerClient {
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl PerClient {
    /// One more connection of `key`, unless it already has `max` open.
    fn admit(self: &Arc<Self>, key: IpAddr, max: usize) -> Option<ClientSlot> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = open.entry(key).or_insert(0);
        if *count >= max {
            if *count == 0 {
                open.remove(&key);
            }
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            clients: Arc::clone(self),
            key,
        })
    }
}

/// One open connection of a client, given back when dropped.
#[derive(Debug)]
struct ClientSlot {
    clients: Arc<PerClient>,
    key: IpAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self
            .clients
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.key);
            }
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
    let timeouts = Timeouts {
        idle: idle_timeout,
        first_byte: limits.first_byte_timeout,
        send: limits.send_timeout,
    };
    let per_client = Arc::new(PerClient::default());
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
    let (forcing, forcing_seen) = watch::channel(false);
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
        // A client already holding its share of the connections gets no more: closed at once.
        let client_slot = if limits
            .unlimited_peers
            .iter()
            .any(|network| network.contains(&peer.ip().to_canonical()))
        {
            None
        } else {
            match per_client.admit(client_key(peer.ip()), limits.max_per_client) {
                Some(client_slot) => Some(client_slot),
                None => {
                    tracing::debug!(
                        client = %crate::web::limits::truncated(peer.ip()),
                        "too many connections from one client: closed"
                    );
                    continue;
                }
            }
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
                    Ok::<_, std::convert::Infallible>(
                        response.map(|body| Body::new(TrackedBody::new(body, in_flight))),
                    )
                }
            })
        };
        let builder = builder.clone();
        let signals = Signals {
            closing: closing_seen.clone(),
            forcing: forcing_seen.clone(),
        };
        tokio::spawn(async move {
            if first_byte(&stream, timeouts.first_byte, signals.clone()).await {
                let connection = builder
                    .serve_connection(TokioIo::new(stream), service)
                    .into_owned();
                run_connection(
                    connection,
                    |connection| connection.graceful_shutdown(),
                    &activity,
                    timeouts,
                    signals,
                    peer,
                )
                .await;
            } else {
                tracing::debug!(%peer, "no first byte in time: closed");
            }
            // The slots free only when the connection is gone.
            drop(client_slot);
            drop(slot);
        });
    }
    drop(listener);
    let _ = closing.send(true);
    // Every connection holds a slot until it ends: having them all back means all have ended.
    let everything = u32::try_from(max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.shutdown_timeout, open_slots.acquire_many(everything))
        .await
        .is_err()
    {
        let still_open = max_connections.saturating_sub(open_slots.available_permits());
        tracing::warn!(
            still_open,
            "connections still open after the shutdown timeout: closing them"
        );
        let _ = forcing.send(true);
        // Closing is immediate; give the tasks a moment to drop their connections.
        let _ = tokio::time::timeout(FORCED_CLOSE_WAIT, open_slots.acquire_many(everything)).await;
    }
}

/// How long a stop waits for connections it closed by force to be gone.
const FORCED_CLOSE_WAIT: Duration = Duration::from_secs(1);

/// The timeouts of one connection.
#[derive(Debug, Clone, Copy)]
struct Timeouts {
    /// No request in flight (and, for HTTP/1, a request head that is not complete) this long.
    idle: Duration,
    /// No first byte this long.
    first_byte: Duration,
    /// An answer the client has not taken more of this long.
    send: Duration,
}

/// The server's shutdown as a connection sees it.
#[derive(Debug, Clone)]
struct Signals {
    /// Stop taking requests, finish those in flight.
    closing: watch::Receiver<bool>,
    /// The shutdown timeout passed: close now.
    forcing: watch::Receiver<bool>,
}

/// Whether the client sent its first byte within `limit` (and the server is not stopping).
async fn first_byte(stream: &TcpStream, limit: Duration, mut signals: Signals) -> bool {
    let mut byte = [0u8; 1];
    tokio::select! {
        peeked = tokio::time::timeout(limit, stream.peek(&mut byte)) => {
            matches!(peeked, Ok(Ok(read)) if read > 0)
        }
        _ = signals.closing.wait_for(|closing| *closing) => false,
    }
}

/// Drive one connection until it ends, is idle too long, or the server shuts down;
/// `close_gracefully` asks it to stop taking requests (HTTP/2: GOAWAY) and close once in-flight
/// ones are done.
async fn run_connection<C>(
    connection: C,
    close_gracefully: impl FnOnce(Pin<&mut C>),
    activity: &Activity,
    timeouts: Timeouts,
    signals: Signals,
    peer: SocketAddr,
) where
    C: Future<Output = Result<(), Box<dyn std::error::Error + Send + Sync>>>,
{
    let Signals {
        mut closing,
        mut forcing,
    } = signals;
    let idle_timeout = timeouts.idle;
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => return finished(peer, result),
        () = activity.stalled_for(timeouts.send) => {
            tracing::debug!(%peer, "the client stopped taking its answer: dropped");
            return;
        }
        _ = forcing.wait_for(|forcing| *forcing) => return,
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
        () = activity.stalled_for(timeouts.send) => {
            tracing::debug!(%peer, "the client stopped taking its answer: dropped");
        }
        _ = forcing.wait_for(|forcing| *forcing) => {}
        () = activity.idle_for(idle_timeout) => {
            tracing::debug!(%peer, "connection did not close after the goodbye: dropped");
        }
    }
}

/// What is going on on one connection: requests in flight, whether one ever came, and whether
/// an answer waits on the client.
#[derive(Debug)]
struct Activity {
    in_flight: AtomicUsize,
    seen_request: AtomicBool,
    changed: Notify,
    /// Answers whose body the server side has ready and hyper has not asked for again: they
    /// wait for the client to take more (read, or open its HTTP/2 window).
    waiting_on_client: AtomicUsize,
    /// When hyper last asked any answer of this connection for more, in milliseconds since
    /// `started`.
    last_progress_ms: AtomicU64,
    started: Instant,
}

impl Default for Activity {
    fn default() -> Self {
        Self {
            in_flight: AtomicUsize::new(0),
            seen_request: AtomicBool::new(false),
            changed: Notify::new(),
            waiting_on_client: AtomicUsize::new(0),
            last_progress_ms: AtomicU64::new(0),
            started: Instant::now(),
        }
    }
}

impl Activity {
    fn seen_request(&self) -> bool {
        self.seen_request.load(Ordering::Acquire)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// hyper asked an answer for more: the client is taking what it was sent.
    fn progress(&self) {
        self.last_progress_ms
            .store(self.now_ms(), Ordering::Release);
    }

    /// Completes once an answer has waited `limit` for the client with no progress meanwhile.
    async fn stalled_for(&self, limit: Duration) {
        let limit_ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
        // Checked a few times per period: a stall is noticed within a quarter of the limit.
        let tick = (limit / 4).max(Duration::from_millis(10));
        loop {
            tokio::time::sleep(tick).await;
            let waiting = self.waiting_on_client.load(Ordering::Acquire) > 0;
            let quiet = self
                .now_ms()
                .saturating_sub(self.last_progress_ms.load(Ordering::Acquire));
            if waiting && quiet >= limit_ms {
                return;
            }
        }
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

/// A response body that keeps its request in flight until it has been sent or dropped, and
/// tells its connection whether it waits on the client (hyper has not asked for more since the
/// body was made or last gave a frame) or on us (the body itself is not ready).
struct TrackedBody {
    inner: Body,
    _in_flight: InFlight,
    /// Whether this body counts in `waiting_on_client`.
    waiting_on_client: bool,
}

impl TrackedBody {
    fn new(inner: Body, in_flight: InFlight) -> Self {
        let activity = &in_flight.0;
        activity.progress();
        activity.waiting_on_client.fetch_add(1, Ordering::AcqRel);
        Self {
            inner,
            _in_flight: in_flight,
            waiting_on_client: true,
        }
    }

    fn set_waiting_on_client(&mut self, waiting: bool) {
        if self.waiting_on_client == waiting {
            return;
        }
        self.waiting_on_client = waiting;
        let counter = &self._in_flight.0.waiting_on_client;
        if waiting {
            counter.fetch_add(1, Ordering::AcqRel);
        } else {
            counter.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Drop for TrackedBody {
    fn drop(&mut self) {
        self.set_waiting_on_client(false);
    }
}

impl hyper::body::Body for TrackedBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        self._in_flight.0.progress();
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        // A frame handed over waits for the client until hyper asks again; a body that is not
        // ready (a progress stream between events), or is done, waits on nobody.
        let waiting = matches!(polled, Poll::Ready(Some(Ok(_))));
        self.set_waiting_on_client(waiting);
        polled
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
