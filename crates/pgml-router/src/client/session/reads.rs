//! Socket reads of the session: the client's (which holds no buffer while the client
//! is idle) and the attached server's.

use bytes::BytesMut;
use tokio::io::AsyncReadExt;

use crate::pool::Checkout;
use crate::stream::Stream;

/// How much room a socket read gets.
pub(super) const READ_CHUNK: usize = 16 * 1024;

/// How much room a client's first read after it was idle gets (larger messages grow
/// the buffer as they come).
pub(super) const FIRST_READ: usize = 2 * 1024;

/// Reads more of what the client sent into `buf`, with at least `room` bytes free. On
/// plain TCP the buffer grows only once the socket is readable, so an idle client
/// whose buffer was dropped (see `pump`) holds no buffer while it waits. The read
/// itself is tokio's `read_buf` (readiness is there, so it reads at once), which also
/// notes a short read as "drained": with `try_read_buf` instead, every wakeup cost one
/// more `recvfrom` failing with EAGAIN. TLS clients read through rustls as before.
pub(super) async fn read_client(
    client: &mut Stream,
    buf: &mut BytesMut,
    room: usize,
) -> std::io::Result<usize> {
    if let Stream::Plain(tcp) = client {
        std::future::poll_fn(|cx| tcp.poll_read_ready(cx)).await?;
    }
    buf.reserve(room);
    client.read_buf(buf).await
}

pub(super) async fn read_server(server: &mut Option<Checkout>) -> std::io::Result<usize> {
    match server {
        Some(checkout) => {
            let conn = &mut checkout.conn;
            conn.buf.reserve(READ_CHUNK);
            conn.stream.read_buf(&mut conn.buf).await
        }
        None => std::future::pending().await,
    }
}
