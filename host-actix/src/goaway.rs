//! HTTP/2 GOAWAY when a drain starts.
//!
//! actix-http's HTTP/2 dispatcher holds its `h2::server::Connection` privately and never asks it
//! for a graceful shutdown (actix/actix-web#3169), so an HTTP/2 client of a draining replica
//! would keep sending requests on its connection until the connection is cut. RFC 9113 §6.8
//! describes the graceful way: a server that is going to shut down sends GOAWAY with the last
//! stream identifier 2³¹−1 and `NO_ERROR`, after which the client opens no new stream on the
//! connection (streams it already opened are still answered) and takes its next requests
//! elsewhere, here: through the balancer, to another replica.
//!
//! [`GoAwayOnDrain`] sits between the TLS stream and the dispatcher. On an HTTP/2 connection it
//! follows the frames the server writes (9-byte headers, payload lengths) and, once the drain has
//! started, writes that one GOAWAY frame between two frames: never before the server's SETTINGS
//! (the connection preface), never inside a frame, never between a HEADERS or PUSH_PROMISE
//! frame and its CONTINUATION frames (§6.10). The frame carries no header block, so the HPACK
//! state is untouched; it is not flow-controlled; h2 never sent a GOAWAY with a higher last
//! stream identifier (2³¹−1 is the highest), so one it sends later is still valid. An idle
//! connection is woken by the drain to send it. A connection accepted during the drain gets it
//! once its first response has begun (the balancer sent the client here before its checks saw
//! the drain; a GOAWAY right after SETTINGS would leave that client's first request nowhere to
//! go on this connection). HTTP/1.1 connections pass through untouched (they get
//! `Connection: close` from [`crate::shutdown`]).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::shutdown::Drain;

/// GOAWAY, stream 0, last stream identifier 2³¹−1, error code NO_ERROR (RFC 9113 §6.8).
pub(crate) const GOAWAY_FRAME: [u8; 17] = [
    0, 0, 8, // length
    7, // type GOAWAY
    0, // flags
    0, 0, 0, 0, // stream 0
    0x7f, 0xff, 0xff, 0xff, // last stream identifier
    0, 0, 0, 0, // NO_ERROR
];

const FRAME_HEADER: usize = 9;
const HEADERS: u8 = 0x1;
const PUSH_PROMISE: u8 = 0x5;
const CONTINUATION: u8 = 0x9;
const END_HEADERS: u8 = 0x4;

/// Where the server's outgoing byte stream is, frame-wise.
#[derive(Debug, Default, Clone)]
pub(crate) struct FrameCursor {
    header: [u8; FRAME_HEADER],
    header_filled: usize,
    payload_left: usize,
    frames: u64,
    in_header_block: bool,
    /// HEADERS frames written (responses begun).
    headers: u64,
}

impl FrameCursor {
    /// Takes in bytes the server wrote.
    pub(crate) fn advance(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.payload_left > 0 {
                let n = self.payload_left.min(bytes.len());
                bytes = bytes.get(n..).unwrap_or_default();
                self.payload_left -= n;
                continue;
            }
            let n = (FRAME_HEADER - self.header_filled).min(bytes.len());
            if let (Some(to), Some(from)) = (
                self.header
                    .get_mut(self.header_filled..self.header_filled + n),
                bytes.get(..n),
            ) {
                to.copy_from_slice(from);
            }
            self.header_filled += n;
            bytes = bytes.get(n..).unwrap_or_default();
            if self.header_filled == FRAME_HEADER {
                let [l0, l1, l2, kind, flags, ..] = self.header;
                self.payload_left = usize::from(l0) << 16 | usize::from(l1) << 8 | usize::from(l2);
                self.header_filled = 0;
                self.frames += 1;
                self.in_header_block = matches!(kind, HEADERS | PUSH_PROMISE | CONTINUATION)
                    && flags & END_HEADERS == 0;
                self.headers += u64::from(kind == HEADERS);
            }
        }
    }

    /// Whether a frame of our own may be written now: after the first frame, between frames,
    /// outside a header block.
    pub(crate) fn between_frames(&self) -> bool {
        self.frames > 0
            && self.header_filled == 0
            && self.payload_left == 0
            && !self.in_header_block
    }
}

type Started = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The HTTP/2 side of [`GoAwayOnDrain`].
struct H2 {
    drain: Drain,
    cursor: FrameCursor,
    /// Resolves when the drain starts (wakes an idle connection); `None` once it has.
    started: Option<Started>,
    /// Bytes of the GOAWAY frame written so far (`None`: not begun).
    written: Option<usize>,
    /// Accepted during the drain: the GOAWAY waits until a response has begun, so that the
    /// client's first request (which the balancer sent here before its checks saw the drain)
    /// is not refused with the connection.
    after_a_response: bool,
}

impl H2 {
    fn done(&self) -> bool {
        self.written == Some(GOAWAY_FRAME.len())
    }

    /// Writes (the rest of) the GOAWAY when it is due and can go now. `Ready(Ok)` when nothing
    /// of it is left half written.
    fn poll_goaway<T: AsyncWrite + Unpin>(
        &mut self,
        io: &mut T,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let mut written = match self.written {
            Some(n) => n,
            None if self.drain.is_draining()
                && self.cursor.between_frames()
                && (!self.after_a_response || self.cursor.headers > 0) =>
            {
                0
            }
            None => return Poll::Ready(Ok(())),
        };
        while let Some(rest) = GOAWAY_FRAME.get(written..).filter(|r| !r.is_empty()) {
            self.written = Some(written);
            let n = ready!(Pin::new(&mut *io).poll_write(cx, rest))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            written += n;
        }
        self.written = Some(written);
        Poll::Ready(Ok(()))
    }
}

/// A connection's stream that sends an HTTP/2 GOAWAY once the drain starts (see the module
/// documentation); an HTTP/1.1 connection's passes through untouched.
pub(crate) struct GoAwayOnDrain<T> {
    io: T,
    h2: Option<Box<H2>>,
}

impl<T> std::fmt::Debug for GoAwayOnDrain<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoAwayOnDrain")
            .field("h2", &self.h2.is_some())
            .finish_non_exhaustive()
    }
}

impl<T> GoAwayOnDrain<T> {
    /// Wraps a connection's stream; `h2`: it speaks HTTP/2 (ALPN chose `h2`).
    pub(crate) fn new(io: T, h2: bool, drain: &Drain) -> Self {
        let h2 = h2.then(|| {
            let waiting = drain.clone();
            let started: Started = Box::pin(async move { waiting.started().await });
            Box::new(H2 {
                drain: drain.clone(),
                cursor: FrameCursor::default(),
                started: Some(started),
                written: None,
                after_a_response: drain.is_draining(),
            })
        });
        Self { io, h2 }
    }

    /// The wrapped stream (what `on_connect` inspects).
    pub(crate) fn get_ref(&self) -> &T {
        &self.io
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for GoAwayOnDrain<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(h2) = this.h2.as_mut().filter(|h2| !h2.done()) {
            // An idle connection waits here: the drain's start wakes it to send the GOAWAY.
            if let Some(started) = h2.started.as_mut()
                && started.as_mut().poll(cx).is_ready()
            {
                h2.started = None;
            }
            match h2.poll_goaway(&mut this.io, cx) {
                Poll::Ready(Ok(())) if h2.done() => {
                    // Out now, not with the next response.
                    if let Poll::Ready(Err(e)) = Pin::new(&mut this.io).poll_flush(cx) {
                        return Poll::Ready(Err(e));
                    }
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                // Not due yet, or the socket is full (it wakes this task when writable).
                Poll::Ready(Ok(())) | Poll::Pending => {}
            }
        }
        Pin::new(&mut this.io).poll_read(cx, buf)
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for GoAwayOnDrain<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let Some(h2) = this.h2.as_mut() else {
            return Pin::new(&mut this.io).poll_write(cx, buf);
        };
        ready!(h2.poll_goaway(&mut this.io, cx))?;
        let n = ready!(Pin::new(&mut this.io).poll_write(cx, buf))?;
        h2.cursor.advance(buf.get(..n).unwrap_or_default());
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match this.h2.as_ref() {
            None => Pin::new(&mut this.io).poll_write_vectored(cx, bufs),
            // One buffer at a time, so that the cursor sees every byte written.
            Some(_) => {
                let first = bufs
                    .iter()
                    .find(|b| !b.is_empty())
                    .map_or(&[][..], |b| &**b);
                Pin::new(this).poll_write(cx, first)
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.h2.is_none() && self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(h2) = this.h2.as_mut() {
            ready!(h2.poll_goaway(&mut this.io, cx))?;
        }
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )]
    use super::*;

    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let len = payload.len();
        let mut f = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
        f.extend_from_slice(&stream.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    /// Parses a byte stream into (type, flags, payload) frames; panics on a torn frame.
    fn frames(mut bytes: &[u8]) -> Vec<(u8, u8, Vec<u8>)> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            assert!(bytes.len() >= 9, "torn header");
            let len =
                usize::from(bytes[0]) << 16 | usize::from(bytes[1]) << 8 | usize::from(bytes[2]);
            assert!(bytes.len() >= 9 + len, "torn payload");
            out.push((bytes[3], bytes[4], bytes[9..9 + len].to_vec()));
            bytes = &bytes[9 + len..];
        }
        out
    }

    /// An in-memory stream that takes at most `chunk` bytes per write.
    struct Sink {
        written: Vec<u8>,
        chunk: usize,
    }

    impl AsyncWrite for Sink {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let this = self.get_mut();
            let n = buf.len().min(this.chunk);
            this.written.extend_from_slice(&buf[..n]);
            Poll::Ready(Ok(n))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncRead for Sink {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Poll::Pending
        }
    }

    /// The server's frames: SETTINGS, then a response split into HEADERS + CONTINUATION, DATA,
    /// another HEADERS with END_HEADERS, DATA.
    fn server_stream() -> Vec<Vec<u8>> {
        vec![
            frame(0x4, 0, 0, &[0, 3, 0, 0, 0, 100]),
            frame(0x4, 0x1, 0, &[]),
            frame(HEADERS, 0, 1, &[0x88; 20]),
            frame(CONTINUATION, END_HEADERS, 1, &[0x0f; 30]),
            frame(0x0, 0x1, 1, &[b'x'; 300]),
            frame(HEADERS, END_HEADERS, 3, &[0x88; 10]),
            frame(0x0, 0x1, 3, &[b'y'; 70_000]),
        ]
    }

    /// Writes the server's frames through a wrapper in `write_size` pieces, the drain starting
    /// before the `start_at`th piece; the frames that came out.
    fn run(write_size: usize, chunk: usize, start_at: usize) -> Vec<(u8, u8, Vec<u8>)> {
        let drain = Drain::default();
        let mut io = GoAwayOnDrain::new(
            Sink {
                written: Vec::new(),
                chunk,
            },
            true,
            &drain,
        );
        let bytes: Vec<u8> = server_stream().concat();
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut offset = 0;
        let mut piece = 0;
        while offset < bytes.len() {
            if piece == start_at {
                drain.start(1);
            }
            let end = (offset + write_size).min(bytes.len());
            match Pin::new(&mut io).poll_write(&mut cx, &bytes[offset..end]) {
                Poll::Ready(Ok(n)) => offset += n,
                other => panic!("{other:?}"),
            }
            piece += 1;
        }
        if start_at >= piece {
            drain.start(1);
        }
        // An idle connection sends it from its read side.
        let mut scratch = [0_u8; 1];
        let _ = Pin::new(&mut io).poll_read(&mut cx, &mut ReadBuf::new(&mut scratch));
        frames(&io.io.written)
    }

    #[test]
    fn the_goaway_goes_between_frames_once_and_never_inside_a_header_block() {
        let original = frames(&server_stream().concat());
        for write_size in [1, 2, 5, 9, 10, 17, 64, 1000, 100_000] {
            for chunk in [1, 3, 8, 4096, usize::MAX] {
                for start_at in [0, 1, 2, 3, 5, 8, 13, 40, 100_000] {
                    let out = run(write_size, chunk, start_at);
                    let goaways: Vec<usize> = out
                        .iter()
                        .enumerate()
                        .filter(|(_, f)| f.0 == 7)
                        .map(|(i, _)| i)
                        .collect();
                    assert_eq!(goaways.len(), 1, "{write_size}/{chunk}/{start_at}: {out:?}");
                    let at = goaways[0];
                    assert!(at >= 1, "not before the server's SETTINGS");
                    assert_eq!(out[at].2, GOAWAY_FRAME[9..].to_vec());
                    let previous = &out[at - 1];
                    assert!(
                        !(matches!(previous.0, HEADERS | CONTINUATION)
                            && previous.1 & END_HEADERS == 0),
                        "inside a header block: {write_size}/{chunk}/{start_at}"
                    );
                    let mut without = out.clone();
                    without.remove(at);
                    assert_eq!(without, original, "every server frame intact, in order");
                }
            }
        }
    }

    #[test]
    fn a_connection_accepted_while_draining_gets_it_after_its_first_response_begins() {
        let drain = Drain::default();
        drain.start(1);
        let mut io = GoAwayOnDrain::new(
            Sink {
                written: Vec::new(),
                chunk: usize::MAX,
            },
            true,
            &drain,
        );
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let stream = server_stream();
        for frame in &stream {
            let _ = Pin::new(&mut io).poll_write(&mut cx, frame);
        }
        let out = frames(&io.io.written);
        let at = out.iter().position(|f| f.0 == 7).unwrap();
        // SETTINGS, SETTINGS ack, HEADERS + CONTINUATION, then the GOAWAY.
        assert_eq!(at, 4, "{out:?}");
    }

    #[test]
    fn nothing_is_added_before_the_drain_or_to_http1() {
        let drain = Drain::default();
        let bytes = server_stream().concat();
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        for h2 in [true, false] {
            let mut io = GoAwayOnDrain::new(
                Sink {
                    written: Vec::new(),
                    chunk: usize::MAX,
                },
                h2,
                &drain,
            );
            assert!(matches!(
                Pin::new(&mut io).poll_write(&mut cx, &bytes),
                Poll::Ready(Ok(n)) if n == bytes.len()
            ));
            assert_eq!(io.io.written, bytes);
        }
        drain.start(1);
        let mut http1 = GoAwayOnDrain::new(
            Sink {
                written: Vec::new(),
                chunk: usize::MAX,
            },
            false,
            &drain,
        );
        let response = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        let _ = Pin::new(&mut http1).poll_write(&mut cx, response);
        assert_eq!(http1.io.written, response);
    }
}
