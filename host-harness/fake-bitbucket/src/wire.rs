//! The bytes on the wire: [`WireBody`], a response body made of
//! [`Step`]s, so one type sends ordinary answers, generated padding, and the
//! raw-socket faults (pauses before pieces, a body cut off half way).

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame};
use tokio::sync::OwnedSemaphorePermit;

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
