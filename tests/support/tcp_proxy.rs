//! A TCP forwarder the test can cut and restore, to make a real server "unreachable" for one app.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Forwards connections on a loopback port to `target` while open; refuses them while cut.
pub struct TcpProxy {
    /// The address to connect to instead of the target.
    pub addr: SocketAddr,
    open: Arc<AtomicBool>,
    cut_signal: watch::Sender<u64>,
}

impl TcpProxy {
    /// Start forwarding to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let open = Arc::new(AtomicBool::new(true));
        let (cut_signal, _) = watch::channel(0u64);
        let accept_open = open.clone();
        let accept_cut = cut_signal.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !accept_open.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let mut cut = accept_cut.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = copy_bidirectional(&mut inbound, &mut outbound) => {},
                        _ = cut.changed() => {},
                    }
                });
            }
        });
        Self {
            addr,
            open,
            cut_signal,
        }
    }

    /// Drop every open connection and refuse new ones.
    pub fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        self.cut_signal.send_modify(|generation| *generation += 1);
    }

    /// Forward again.
    pub fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}
