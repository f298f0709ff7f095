//! PostgreSQL frontend/backend protocol v3, as bytes: no sockets, no tokio, no I/O.
//!
//! Bytes in, messages out, in three layers (after rust-postgres' `postgres-protocol`):
//!
//! 1. **Framing** ([`framing`]): cut one frame off the front of a `BytesMut` that a
//!    socket reader fills. [`split_frame`] handles tagged messages (`tag`, Int32 length,
//!    body) and [`split_startup_frame`] the untagged startup-phase packets. Both return
//!    `Ok(None)` until the whole frame is there, refuse a length word below the header
//!    size or above a caller-given maximum, and hand the frame back zero-copy
//!    (`BytesMut::split_to`), so a proxy can forward DataRow or CopyData without
//!    decoding it. [`peek_header`] reads tag and length alone, to stream a large message
//!    onward while it arrives.
//! 2. **Messages** ([`frontend`] for what clients send, [`backend`] for what servers
//!    send; one file per message family): each message is a plain struct with
//!    `decode(body: &[u8]) -> Result<Self>` and `encode(&self, &mut BytesMut)`, which
//!    writes the whole frame. [`FrontendMessage`] and [`BackendMessage`] decode any body
//!    by its tag. Encoding returns a `Result` wherever the content can be unencodable
//!    (a NUL inside a string, a count beyond its field); on error the buffer is left as
//!    it was.
//! 3. **Vocabulary**: [`SqlState`] codes and the ErrorResponse builder
//!    ([`backend::ErrorResponse::new`]) to answer clients with proper errors.
//!
//! Decoding never panics: truncated bodies, missing NUL terminators, negative lengths,
//! impossible counts, trailing bytes and unknown codes are all [`Error`] variants.
//! Strings are UTF-8 (`client_encoding` UTF8); a body that is not can still be
//! forwarded as a raw [`Frame`].
//!
//! ```
//! use bytes::BytesMut;
//! use pgwire::{split_frame, frontend::{FrontendMessage, Query}};
//!
//! let mut buf = BytesMut::new();
//! Query::new("SELECT 1").encode(&mut buf).unwrap();
//! let frame = split_frame(&mut buf, 1 << 20).unwrap().unwrap();
//! assert_eq!(frame.tag(), b'Q');
//! assert_eq!(
//!     frame.decode_frontend().unwrap(),
//!     FrontendMessage::Query(Query::new("SELECT 1"))
//! );
//! ```

#![forbid(unsafe_code)]

pub mod backend;
mod codec;
mod common;
pub mod error;
pub mod framing;
pub mod frontend;
pub mod sqlstate;

pub use backend::BackendMessage;
pub use common::{CopyData, CopyDone, Format, SecretKey};
pub use error::{Error, Result};
pub use framing::{
    peek_header, peek_startup_len, split_frame, split_startup_frame, Frame, Header, StartupFrame,
    HEADER_LEN, MAX_MESSAGE_LEN, MAX_STARTUP_PACKET_LEN, STARTUP_HEADER_LEN,
};
pub use frontend::{FrontendMessage, ProtocolVersion, StartupPacket};
pub use sqlstate::SqlState;
