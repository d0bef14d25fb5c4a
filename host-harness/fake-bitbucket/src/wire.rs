//! The bytes on the wire: [`Io`], a safe adapter from tokio's `TcpStream` to
//! hyper's IO traits, and [`WireBody`], a response body made of
//! [`Step`]s, so one type sends ordinary answers, generated padding, and the
//! raw-socket faults (pauses before pieces, a body cut off half way).

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;

/// An accepted connection, as hyper reads and writes it.
pub(crate) struct Io(pub TcpStream);

impl hyper::rt::Read for Io {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, mut buf: hyper::rt::ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        let mut scratch = [0u8; 16 * 1024];
        let n = buf.remaining().min(scratch.len());
        let mut read = ReadBuf::new(&mut scratch[..n]);
        ready!(Pin::new(&mut self.get_mut().0).poll_read(cx, &mut read))?;
        buf.put_slice(read.filled());
        Poll::Ready(Ok(()))
    }
}

impl hyper::rt::Write for Io {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

/// One piece of a [`WireBody`].
#[derive(Debug)]
pub(crate) enum Step {
    /// Send these bytes.
    Data(Bytes),
    /// Send this many `x` bytes (generated, in pieces of up to 64 KiB).
    Padding(usize),
    /// Wait this long; what was sent so far goes out meanwhile.
    Pause(Duration),
    /// Fail the body: hyper drops the connection (after what went out).
    Fail,
}

static XS: [u8; 64 * 1024] = [b'x'; 64 * 1024];

/// A response body sent step by step. It holds the worker permit of its
/// request, so a worker stays busy until its answer is sent (or dropped).
pub(crate) struct WireBody {
    steps: VecDeque<Step>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    _permit: Option<OwnedSemaphorePermit>,
}

impl WireBody {
    pub fn new(steps: Vec<Step>, permit: Option<OwnedSemaphorePermit>) -> WireBody {
        WireBody { steps: steps.into(), sleep: None, _permit: permit }
    }
}

impl Body for WireBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        loop {
            if let Some(sleep) = &mut this.sleep {
                ready!(sleep.as_mut().poll(cx));
                this.sleep = None;
            }
            let data = match this.steps.pop_front() {
                None => return Poll::Ready(None),
                Some(Step::Pause(delay)) => {
                    this.sleep = Some(Box::pin(tokio::time::sleep(delay)));
                    continue;
                }
                Some(Step::Fail) => return Poll::Ready(Some(Err(io::Error::other("answer cut off")))),
                Some(Step::Data(bytes)) if bytes.is_empty() => continue,
                Some(Step::Data(bytes)) => bytes,
                Some(Step::Padding(0)) => continue,
                Some(Step::Padding(n)) => {
                    let k = n.min(XS.len());
                    if n > k {
                        this.steps.push_front(Step::Padding(n - k));
                    }
                    Bytes::from_static(&XS[..k])
                }
            };
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
    }

    fn is_end_stream(&self) -> bool {
        self.sleep.is_none() && self.steps.is_empty()
    }
}
