//! Socket helpers over `pgwire` framing: read one whole frame, write bytes.

use bytes::BytesMut;
use pgwire::{split_frame, split_startup_frame, Frame, StartupFrame};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Largest message accepted whole during startup and login (both directions).
pub const MAX_LOGIN_MESSAGE: usize = 64 * 1024;

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The peer closed the connection.
    #[error("connection closed by peer")]
    Closed,
    /// A socket error.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// Bad framing.
    #[error("protocol error: {0}")]
    Protocol(#[from] pgwire::Error),
}

/// Reads until one whole tagged frame is in `buf`, and splits it off.
pub async fn read_frame<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut BytesMut,
    max_len: usize,
) -> Result<Frame, ReadError> {
    loop {
        if let Some(frame) = split_frame(buf, max_len)? {
            return Ok(frame);
        }
        fill(r, buf).await?;
    }
}

/// Reads until one whole startup-phase packet is in `buf`, and splits it off.
pub async fn read_startup_frame<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut BytesMut,
) -> Result<StartupFrame, ReadError> {
    loop {
        if let Some(frame) = split_startup_frame(buf, pgwire::MAX_STARTUP_PACKET_LEN)? {
            return Ok(frame);
        }
        fill(r, buf).await?;
    }
}

/// Reads more bytes into `buf`; a closed peer is [`ReadError::Closed`].
pub async fn fill<R: AsyncRead + Unpin>(r: &mut R, buf: &mut BytesMut) -> Result<(), ReadError> {
    buf.reserve(8 * 1024);
    match r.read_buf(buf).await? {
        0 => Err(ReadError::Closed),
        _ => Ok(()),
    }
}
