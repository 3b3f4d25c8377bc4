//! A TCP forwarder the test can cut and restore, to make a real server "unreachable" for one app.
//!
//! Two ways to fail: [`TcpProxy::cut`] drops every connection and refuses new ones (a server
//! that is down: the client hears at once), [`TcpProxy::stall`] keeps every connection open but
//! carries no more bytes, and accepts new ones without answering (a network partition: the
//! client hears nothing, ever).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Wait until the stall flag is `value` (or its sender is gone).
async fn until(stall: &mut watch::Receiver<bool>, value: bool) {
    let _ = stall.wait_for(|stalled| *stalled == value).await;
}

/// Forwards connections on a loopback port to `target` while open; refuses them while cut.
pub struct TcpProxy {
    /// The address to connect to instead of the target.
    pub addr: SocketAddr,
    open: Arc<AtomicBool>,
    stalled: Arc<AtomicBool>,
    cut_signal: watch::Sender<u64>,
    stall_signal: watch::Sender<bool>,
}

impl TcpProxy {
    /// Start forwarding to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let open = Arc::new(AtomicBool::new(true));
        let stalled = Arc::new(AtomicBool::new(false));
        let (cut_signal, _) = watch::channel(0u64);
        let (stall_signal, _) = watch::channel(false);
        let accept_open = open.clone();
        let accept_stalled = stalled.clone();
        let accept_cut = cut_signal.clone();
        let accept_stall = stall_signal.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !accept_open.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let mut cut = accept_cut.subscribe();
                let mut stall = accept_stall.subscribe();
                if accept_stalled.load(Ordering::SeqCst) {
                    // Accepted, never answered, until the proxy is restored or cut.
                    tokio::spawn(async move {
                        tokio::select! {
                            () = until(&mut stall, false) => {},
                            _ = cut.changed() => {},
                        }
                        drop(inbound);
                    });
                    continue;
                }
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = copy_bidirectional(&mut inbound, &mut outbound) => {},
                        _ = cut.changed() => {},
                        () = until(&mut stall, true) => {
                            // Hold both ends open, silent, until restored or cut; then drop
                            // the connection (its bytes in flight are lost, as in a partition).
                            tokio::select! {
                                () = until(&mut stall, false) => {},
                                _ = cut.changed() => {},
                            }
                        },
                    }
                });
            }
        });
        Self {
            addr,
            open,
            stalled,
            cut_signal,
            stall_signal,
        }
    }

    /// Drop every open connection and refuse new ones.
    pub fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        self.cut_signal.send_modify(|generation| *generation += 1);
    }

    /// Keep every connection open but carry no more bytes, and accept new ones without ever
    /// answering: the database neither answers nor says it is gone.
    pub fn stall(&self) {
        self.stalled.store(true, Ordering::SeqCst);
        self.stall_signal.send_replace(true);
    }

    /// Forward again (after [`TcpProxy::cut`] or [`TcpProxy::stall`]).
    pub fn restore(&self) {
        self.stalled.store(false, Ordering::SeqCst);
        self.stall_signal.send_replace(false);
        self.open.store(true, Ordering::SeqCst);
    }
}
