//! Writing to the server without ceasing to read it.
//!
//! A client that pipelines (writes queries while it reads their answers: tokio-postgres,
//! psycopg's `executemany`, libpq's pipeline mode) can have more in flight than the
//! sockets hold. If the session finished its write to the server before it read again,
//! the server, blocked on answers nobody read, would stop reading its input, and the
//! write would never finish: a stall the router made, since the same client talks to
//! PostgreSQL directly without one. So while the server does not take a write, its
//! answers are read and forwarded to the client.
//!
//! The other direction needs no such care: a session waiting for the client to take
//! answers stops reading the client, which is the back-pressure the client would get
//! from the server directly.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use pgwire::SqlState;
use tokio::io::AsyncWrite;

use super::{End, Session, READ_CHUNK};
use crate::error::ClientError;
use crate::server::ServerConn;

/// What one poll of a write to the server achieved.
enum Step {
    /// This many bytes were written.
    Wrote(usize),
    /// All was written and flushed out of the TLS buffer.
    Flushed,
    /// The write waits; this many bytes of the server's were read meanwhile (0: the
    /// server closed the connection).
    Read(usize),
}

impl Session {
    /// Sends `out` to the attached server; while the server does not take it, reads and
    /// forwards what the server sends.
    pub(super) async fn send_to_server(&mut self, out: &[u8]) -> Option<End> {
        let mut written = 0;
        loop {
            let Some(server) = self.server.as_mut() else {
                // Not expected: a connection goes back to the pool only once every
                // Query / Sync is answered, and those not yet written are not.
                return Some(End::Refused(ClientError::fatal(
                    SqlState::INTERNAL_ERROR,
                    "the server connection was released while a message to it was half sent",
                )));
            };
            let conn = &mut server.conn;
            let flush = conn.stream.is_tls();
            let rest = out.get(written..).unwrap_or_default();
            match poll_fn(|cx| poll_step(conn, cx, rest, flush)).await {
                Ok(Step::Wrote(n)) => {
                    written += n;
                    if written == out.len() && !flush {
                        return None;
                    }
                }
                Ok(Step::Flushed) => return None,
                Ok(Step::Read(0)) => {
                    return Some(End::ServerLost("server closed the connection".to_owned()))
                }
                Ok(Step::Read(_)) => {
                    // Boxed: only a write the server did not take at once gets here.
                    if let Some(end) = Box::pin(self.on_server_data()).await {
                        return Some(end);
                    }
                }
                Err(e) => return Some(End::ServerLost(e.to_string())),
            }
        }
    }
}

/// Writes (or, once `rest` is empty, flushes) to the server; only when that waits,
/// reads from the server instead.
fn poll_step(
    conn: &mut ServerConn,
    cx: &mut Context<'_>,
    rest: &[u8],
    flush: bool,
) -> Poll<io::Result<Step>> {
    let stream = Pin::new(&mut conn.stream);
    let progress = if rest.is_empty() && flush {
        stream.poll_flush(cx).map_ok(|()| Step::Flushed)
    } else {
        stream.poll_write(cx, rest).map(|written| match written {
            Ok(0) if !rest.is_empty() => Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => Ok(Step::Wrote(n)),
            Err(e) => Err(e),
        })
    };
    if progress.is_ready() {
        return progress;
    }
    conn.buf.reserve(READ_CHUNK);
    tokio_util::io::poll_read_buf(Pin::new(&mut conn.stream), cx, &mut conn.buf).map_ok(Step::Read)
}
