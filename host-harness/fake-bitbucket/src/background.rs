//! A TCP server of the fake's on its own tokio runtime and thread: bound
//! to `127.0.0.1` (any free port unless told), stopped and joined when
//! dropped (the thread returns from its accept loop, closing the listener,
//! and drops the runtime, which drops every connection). The fake
//! Bitbucket and the delay proxy both run this way.

use anyhow::Context;
use std::future::Future;
use std::net::SocketAddr;
use std::thread::JoinHandle;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub(crate) struct Background {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Background {
    /// A listener on `127.0.0.1:port` (0: any free port) and its address
    /// (bound before it is served, so what serves it can know where it is
    /// reached).
    pub(crate) fn bind(name: &str, port: u16) -> anyhow::Result<(std::net::TcpListener, SocketAddr)> {
        let listener =
            std::net::TcpListener::bind(("127.0.0.1", port)).with_context(|| format!("{name}: cannot bind 127.0.0.1:{port}"))?;
        listener.set_nonblocking(true).with_context(|| format!("{name}: cannot make the listener non-blocking"))?;
        let address = listener.local_addr().with_context(|| format!("{name}: listener has no address"))?;
        Ok((listener, address))
    }

    /// `listener` (from [`bind`](Self::bind)) handed with a stop signal to
    /// `serve` on a runtime of two workers; `name` names the threads and
    /// errors.
    pub(crate) fn serve<Serve, Serving>(name: &str, listener: std::net::TcpListener, serve: Serve) -> anyhow::Result<Background>
    where
        Serve: FnOnce(TcpListener, oneshot::Receiver<()>) -> Serving + Send + 'static,
        Serving: Future<Output = ()>,
    {
        let address = listener.local_addr().with_context(|| format!("{name}: listener has no address"))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(name)
            .enable_all()
            .build()
            .with_context(|| format!("{name}: cannot start its runtime"))?;
        let listener = {
            let _context = runtime.enter();
            TcpListener::from_std(listener).with_context(|| format!("{name}: cannot serve on {address}"))?
        };
        let (stop, stopped) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name(format!("{name}-accept"))
            .spawn(move || runtime.block_on(serve(listener, stopped)))
            .with_context(|| format!("{name}: cannot spawn its thread"))?;
        Ok(Background { address, stop: Some(stop), thread: Some(thread) })
    }

    /// The address it listens on.
    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
