//! Cutting frames out of a byte stream, without decoding their bodies.
//!
//! A regular message is `tag: u8`, `len: i32` (counting itself and the body, not the
//! tag), then `len - 4` body bytes. A startup-phase packet (StartupMessage, SSLRequest,
//! GSSENCRequest, CancelRequest) has no tag: `len: i32` (counting itself), then the body,
//! whose first Int32 is the protocol version or request code.
//!
//! The functions here return `Ok(None)` while the buffer holds less than a whole frame
//! (read more bytes and call again), and a typed error as soon as the length word is
//! known to be bad: below the header size, or above the caller's `max_len`. `max_len`
//! bounds the length word itself, so a hostile peer is refused before its body arrives.
//!
//! [`split_frame`] hands back the whole frame with `BytesMut::split_to`: no copy, no
//! parse, ready to forward. [`peek_header`] lets a proxy stream a large CopyData or
//! DataRow onward piece by piece while it is still arriving.

use bytes::{Bytes, BytesMut};

use crate::error::{Error, Result};

/// Bytes before the body of a tagged message: tag + Int32 length.
pub const HEADER_LEN: usize = 5;

/// Bytes before the body of a startup-phase packet: Int32 length.
pub const STARTUP_HEADER_LEN: usize = 4;

/// PostgreSQL's own limit on a startup packet (`MAX_STARTUP_PACKET_LENGTH`).
pub const MAX_STARTUP_PACKET_LEN: usize = 10_000;

/// PostgreSQL's own limit on any message once authenticated (`PQ_LARGE_MESSAGE_LIMIT`,
/// 1 GiB - 1). Proxies usually want a smaller one.
pub const MAX_MESSAGE_LEN: usize = (1 << 30) - 1;

/// The fixed header of a tagged message, read without touching the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// The message type byte.
    pub tag: u8,
    /// The length word: 4 + body length (the tag is not counted).
    pub len: usize,
}

impl Header {
    /// Body length in bytes.
    pub fn body_len(&self) -> usize {
        self.len.saturating_sub(4)
    }

    /// Whole frame on the wire: tag + length word + body.
    pub fn frame_len(&self) -> usize {
        self.len.saturating_add(1)
    }
}

/// Reads the tag and length of the message at the front of `buf`, if 5 bytes are there.
///
/// Errors when the length word is below 4 ([`Error::InvalidLength`]) or above `max_len`
/// ([`Error::TooLarge`]); both mean the stream can no longer be trusted.
pub fn peek_header(buf: &[u8], max_len: usize) -> Result<Option<Header>> {
    let Some((&tag, rest)) = buf.split_first() else {
        return Ok(None);
    };
    let Some(word) = rest.first_chunk::<4>() else {
        return Ok(None);
    };
    let raw = i32::from_be_bytes(*word);
    let len = checked_len(raw, 4, max_len, Some(tag))?;
    Ok(Some(Header { tag, len }))
}

/// Splits the whole message at the front of `buf` off into a [`Frame`] (zero-copy), or
/// returns `Ok(None)` and leaves `buf` untouched if it is not all there yet.
pub fn split_frame(buf: &mut BytesMut, max_len: usize) -> Result<Option<Frame>> {
    let Some(header) = peek_header(buf, max_len)? else {
        return Ok(None);
    };
    if buf.len() < header.frame_len() {
        return Ok(None);
    }
    let bytes = buf.split_to(header.frame_len());
    Ok(Some(Frame {
        tag: header.tag,
        bytes,
    }))
}

/// Reads the length word of the startup-phase packet at the front of `buf`.
///
/// The length counts itself and must hold at least the Int32 code: below 8 is
/// [`Error::InvalidLength`], above `max_len` is [`Error::TooLarge`]
/// (use [`MAX_STARTUP_PACKET_LEN`] as PostgreSQL does).
pub fn peek_startup_len(buf: &[u8], max_len: usize) -> Result<Option<usize>> {
    let Some(word) = buf.first_chunk::<4>() else {
        return Ok(None);
    };
    checked_len(i32::from_be_bytes(*word), 8, max_len, None).map(Some)
}

/// Splits the whole startup-phase packet at the front of `buf` off (zero-copy), or
/// returns `Ok(None)` and leaves `buf` untouched if it is not all there yet.
pub fn split_startup_frame(buf: &mut BytesMut, max_len: usize) -> Result<Option<StartupFrame>> {
    let Some(len) = peek_startup_len(buf, max_len)? else {
        return Ok(None);
    };
    if buf.len() < len {
        return Ok(None);
    }
    Ok(Some(StartupFrame {
        bytes: buf.split_to(len),
    }))
}

fn checked_len(raw: i32, min: usize, max_len: usize, tag: Option<u8>) -> Result<usize> {
    let len = usize::try_from(raw)
        .ok()
        .filter(|&l| l >= min)
        .ok_or(Error::InvalidLength { tag, len: raw })?;
    if len > max_len {
        return Err(Error::TooLarge {
            tag,
            len,
            max: max_len,
        });
    }
    Ok(len)
}

/// One whole tagged message, still as bytes (tag and length word included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    tag: u8,
    bytes: BytesMut,
}

impl Frame {
    /// The message type byte.
    pub fn tag(&self) -> u8 {
        self.tag
    }

    /// The body: what the message `decode` functions take.
    pub fn body(&self) -> &[u8] {
        self.bytes.get(HEADER_LEN..).unwrap_or_default()
    }

    /// The whole frame as it came off the wire, ready to forward.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The whole frame, to forward without a copy.
    pub fn into_bytes(self) -> BytesMut {
        self.bytes
    }

    /// The whole frame, frozen.
    pub fn freeze(self) -> Bytes {
        self.bytes.freeze()
    }

    /// Decodes the body as a message sent by a client.
    pub fn decode_frontend(&self) -> Result<crate::frontend::FrontendMessage> {
        crate::frontend::FrontendMessage::decode(self.tag, self.body())
    }

    /// Decodes the body as a message sent by a server.
    pub fn decode_backend(&self) -> Result<crate::backend::BackendMessage> {
        crate::backend::BackendMessage::decode(self.tag, self.body())
    }
}

/// One whole startup-phase packet, still as bytes (length word included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartupFrame {
    bytes: BytesMut,
}

impl StartupFrame {
    /// The body after the length word, starting with the Int32 version / request code.
    pub fn body(&self) -> &[u8] {
        self.bytes.get(STARTUP_HEADER_LEN..).unwrap_or_default()
    }

    /// The whole packet as it came off the wire.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The whole packet, to forward without a copy.
    pub fn into_bytes(self) -> BytesMut {
        self.bytes
    }

    /// Decodes the packet.
    pub fn decode(&self) -> Result<crate::frontend::StartupPacket> {
        crate::frontend::StartupPacket::decode(self.body())
    }
}
