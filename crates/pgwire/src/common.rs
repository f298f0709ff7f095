//! Types both directions share: format codes, the COPY data stream, cancel secret keys.

use bytes::{BufMut, Bytes, BytesMut};

use crate::codec::{empty_message, write_frame, Reader};
use crate::error::{Error, Result};

/// A format code: how a parameter or column value is represented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// 0: text.
    #[default]
    Text,
    /// 1: binary.
    Binary,
}

impl Format {
    /// The Int16 wire code.
    pub fn code(self) -> i16 {
        match self {
            Format::Text => 0,
            Format::Binary => 1,
        }
    }

    /// Parses a wire code; anything but 0 or 1 is [`Error::InvalidValue`].
    pub fn from_code(code: i16, what: &'static str) -> Result<Format> {
        match code {
            0 => Ok(Format::Text),
            1 => Ok(Format::Binary),
            other => Err(Error::InvalidValue {
                what,
                value: i64::from(other),
            }),
        }
    }

    pub(crate) fn read16(r: &mut Reader<'_>, what: &'static str) -> Result<Format> {
        Format::from_code(r.i16()?, what)
    }

    pub(crate) fn read_list(r: &mut Reader<'_>, what: &'static str) -> Result<Vec<Format>> {
        let n = r.count16(2)?;
        (0..n).map(|_| Format::read16(r, what)).collect()
    }

    pub(crate) fn put_list(buf: &mut BytesMut, list: &[Format], what: &'static str) -> Result<()> {
        crate::codec::put_count16(buf, list.len(), what)?;
        for f in list {
            buf.put_i16(f.code());
        }
        Ok(())
    }
}

/// CopyData (`d`), sent by both sides: a chunk of the COPY stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CopyData {
    /// The bytes; message boundaries need not match rows.
    pub data: Bytes,
}

impl CopyData {
    /// The message type byte.
    pub const TAG: u8 = b'd';

    /// Appends the frame to `buf` (fails only beyond 2 GiB).
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| {
            b.put_slice(&self.data);
            Ok(())
        })
    }

    /// Decodes a body: all of it is data.
    pub fn decode(body: &[u8]) -> Result<CopyData> {
        Ok(CopyData {
            data: Bytes::copy_from_slice(body),
        })
    }
}

empty_message! {
    /// CopyDone (`c`), sent by both sides: the COPY stream is complete.
    CopyDone = b'c'
}

/// The secret key of BackendKeyData and CancelRequest.
///
/// Protocol 3.0 keys are 4 bytes (an Int32); protocol 3.2 (PostgreSQL 18) allows
/// 4 to 256 bytes. The constructor enforces that range, so encoding cannot fail.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    /// Shortest key the protocol allows.
    pub const MIN_LEN: usize = 4;
    /// Longest key the protocol allows.
    pub const MAX_LEN: usize = 256;

    /// A protocol 3.0 key.
    pub fn from_i32(key: i32) -> SecretKey {
        SecretKey(key.to_be_bytes().to_vec())
    }

    /// A key of 4 to 256 bytes; other lengths are [`Error::InvalidValue`].
    pub fn new(bytes: &[u8]) -> Result<SecretKey> {
        if (Self::MIN_LEN..=Self::MAX_LEN).contains(&bytes.len()) {
            Ok(SecretKey(bytes.to_vec()))
        } else {
            Err(Error::InvalidValue {
                what: "secret key length",
                value: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            })
        }
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The key as a protocol 3.0 Int32, when it is 4 bytes long.
    pub fn as_i32(&self) -> Option<i32> {
        let word: [u8; 4] = self.0.as_slice().try_into().ok()?;
        Some(i32::from_be_bytes(word))
    }
}
