//! A connection that is plain TCP or TLS (rustls), on either side of the router.
//!
//! [`Stream`] implements tokio's `AsyncRead` / `AsyncWrite`; write through
//! [`Stream::send`], which also flushes the TLS records rustls may still hold.

use std::io::{self, Write};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

/// A client's or a server's connection.
#[derive(Debug)]
pub enum Stream {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS with the router as the TLS server (a client connection).
    ClientTls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
    /// TLS with the router as the TLS client (a server connection).
    ServerTls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    /// Left behind while the TCP stream is being upgraded; reads end, writes fail.
    Detached,
}

impl Stream {
    /// Whether the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        matches!(self, Stream::ClientTls(_) | Stream::ServerTls(_))
    }

    /// The socket's local address (`None` while detached).
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        match self {
            Stream::Plain(tcp) => tcp.local_addr().ok(),
            Stream::ClientTls(tls) => tls.get_ref().0.local_addr().ok(),
            Stream::ServerTls(tls) => tls.get_ref().0.local_addr().ok(),
            Stream::Detached => None,
        }
    }

    /// Takes the plain TCP stream out for a TLS handshake, leaving [`Stream::Detached`].
    pub fn take_plain(&mut self) -> Option<TcpStream> {
        match std::mem::replace(self, Stream::Detached) {
            Stream::Plain(tcp) => Some(tcp),
            other => {
                *self = other;
                None
            }
        }
    }

    /// Writes all of `data` and flushes it out of any TLS buffer.
    pub async fn send(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Stream::Plain(tcp) => tcp.write_all(data).await,
            other => {
                other.write_all(data).await?;
                other.flush().await
            }
        }
    }

    /// True when the connection is open and the peer sent nothing unasked. Never
    /// blocks; bytes read by the check are lost (the connection is discarded then).
    pub fn looks_healthy(&mut self) -> bool {
        match self {
            Stream::Plain(tcp) => {
                let mut probe = [0u8; 1];
                matches!(
                    tcp.try_read(&mut probe),
                    Err(ref e) if e.kind() == io::ErrorKind::WouldBlock
                )
            }
            Stream::Detached => false,
            tls => {
                let mut probe = [0u8; 1];
                let mut buf = ReadBuf::new(&mut probe);
                let mut cx = Context::from_waker(Waker::noop());
                // TLS-only records (session tickets, key updates) are consumed by
                // rustls and leave the read pending.
                Pin::new(tls).poll_read(&mut cx, &mut buf).is_pending()
            }
        }
    }

    /// Best effort, without blocking: writes `data` (and, for TLS, a close_notify) if
    /// the socket takes it now. For saying goodbye from `Drop`.
    pub fn send_now(&mut self, data: &[u8]) {
        match self {
            Stream::Plain(tcp) => {
                let _ = tcp.try_write(data);
            }
            Stream::ServerTls(tls) => {
                let (tcp, conn) = tls.get_mut();
                let _ = conn.writer().write_all(data);
                conn.send_close_notify();
                let _ = conn.write_tls(&mut TryWriter(tcp));
            }
            Stream::ClientTls(tls) => {
                let (tcp, conn) = tls.get_mut();
                let _ = conn.writer().write_all(data);
                conn.send_close_notify();
                let _ = conn.write_tls(&mut TryWriter(tcp));
            }
            Stream::Detached => {}
        }
    }
}

/// `std::io::Write` over a tokio socket's non-blocking `try_write`.
struct TryWriter<'a>(&'a TcpStream);

impl Write for TryWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.try_write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn detached() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "connection is being upgraded")
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::ClientTls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Stream::ServerTls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Stream::Detached => Poll::Ready(Ok(())),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::ClientTls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Stream::ServerTls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Stream::Detached => Poll::Ready(Err(detached())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::ClientTls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Stream::ServerTls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Stream::Detached => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::ClientTls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Stream::ServerTls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Stream::Detached => Poll::Ready(Ok(())),
        }
    }
}
