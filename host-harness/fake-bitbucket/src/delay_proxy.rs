//! A delaying TCP proxy on 127.0.0.1, for benchmarks with real round trips
//! (these machines' kernels have no `netem` qdisc, so `tc` cannot add
//! latency). Every chunk is held for half the round trip in each direction,
//! so a request and its answer cost one round trip, a TLS handshake what it
//! costs, and chunks in flight overlap as on a real link (latency, not a
//! bandwidth cap). A new connection's first bytes wait one more round trip,
//! as TCP's SYN / SYN-ACK would make them.

use crate::background::Background;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// A running proxy. Dropping it stops it and every connection through it.
pub struct DelayProxy {
    upstream: Arc<OnceLock<SocketAddr>>,
    connections: Arc<AtomicU64>,
    background: Background,
}

impl DelayProxy {
    /// Binds `127.0.0.1:0` with `round_trip` of latency. It forwards to
    /// the address given to [`forward_to`](Self::forward_to) (so a server
    /// can be started knowing the proxy's address, e.g. for its links).
    pub fn start(round_trip: Duration) -> anyhow::Result<DelayProxy> {
        let (listener, _address) = Background::bind("delay-proxy", 0)?;
        let (upstream, connections) = (Arc::new(OnceLock::new()), Arc::new(AtomicU64::new(0)));
        let (to, counted) = (upstream.clone(), connections.clone());
        let background = Background::serve("delay-proxy", listener, move |listener, stopped| {
            accept(listener, to, counted, round_trip, stopped)
        })?;
        Ok(DelayProxy { upstream, connections, background })
    }

    /// Where connections go on; set once.
    pub fn forward_to(&self, upstream: SocketAddr) {
        let _ = self.upstream.set(upstream);
    }

    /// The proxy's address.
    pub fn address(&self) -> SocketAddr {
        self.background.address()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }
}

async fn accept(
    listener: TcpListener,
    upstream: Arc<OnceLock<SocketAddr>>,
    connections: Arc<AtomicU64>,
    round_trip: Duration,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        let accepted = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => accepted,
        };
        let (Ok((client, _)), Some(&to)) = (accepted, upstream.get()) else {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        connections.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(to).await else { return };
            let _ = (client.set_nodelay(true), server.set_nodelay(true));
            let (client_read, client_write) = client.into_split();
            let (server_read, server_write) = server.into_split();
            let half = round_trip / 2;
            // The client's first bytes also wait out the TCP handshake.
            tokio::join!(
                relay(client_read, server_write, half, round_trip),
                relay(server_read, client_write, half, Duration::ZERO)
            );
        });
    }
}

/// Copies `from` to `to`, each chunk `delay` after it was read (the first
/// one `first_extra` later still), keeping their order; a chunk read while
/// others wait is not held up by them.
async fn relay(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, delay: Duration, first_extra: Duration) {
    let (queue, mut queued) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let reading = async move {
        let mut extra = first_extra;
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let due = Instant::now() + delay + std::mem::take(&mut extra);
                    if queue.send((due, buffer[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
        // Dropping `queue` ends the writer once it has sent what is due.
    };
    // Due times only grow (but the first), so in order is on time.
    let writing = async move {
        while let Some((due, chunk)) = queued.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reading, writing);
}
