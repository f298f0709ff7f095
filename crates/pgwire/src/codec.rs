//! Private primitives shared by every message: a bounds-checked [`Reader`] over a body
//! and the writers that frame a body behind its tag and length word.
//!
//! Every read is checked: nothing here indexes a slice or unwraps, so no input can panic.

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{Error, Result};

/// A cursor over a message body. `what` names the message in every error it returns.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], what: &'static str) -> Self {
        Reader { buf, what }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let (head, tail) = self
            .buf
            .split_first_chunk::<N>()
            .ok_or(Error::Truncated { what: self.what })?;
        self.buf = tail;
        Ok(*head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        self.array::<1>().map(|[b]| b)
    }

    pub(crate) fn i8(&mut self) -> Result<i8> {
        self.array::<1>().map(i8::from_be_bytes)
    }

    pub(crate) fn i16(&mut self) -> Result<i16> {
        self.array::<2>().map(i16::from_be_bytes)
    }

    /// An Int16 count. PostgreSQL reads these unsigned (`pq_getmsgint(msg, 2)`), so a Bind
    /// may carry up to 65535 parameters; so do we.
    pub(crate) fn u16(&mut self) -> Result<u16> {
        self.array::<2>().map(u16::from_be_bytes)
    }

    pub(crate) fn i32(&mut self) -> Result<i32> {
        self.array::<4>().map(i32::from_be_bytes)
    }

    /// An OID: Int32 on the wire, unsigned in PostgreSQL.
    pub(crate) fn u32(&mut self) -> Result<u32> {
        self.array::<4>().map(u32::from_be_bytes)
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.buf.len() {
            return Err(Error::Truncated { what: self.what });
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    /// Everything left in the body.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.buf)
    }

    /// A NUL-terminated string's bytes, terminator consumed and not returned.
    pub(crate) fn cstr_bytes(&mut self) -> Result<&'a [u8]> {
        let end = self
            .buf
            .iter()
            .position(|&b| b == 0)
            .ok_or(Error::MissingNul { what: self.what })?;
        let (head, tail) = self.buf.split_at(end);
        self.buf = tail.get(1..).unwrap_or_default();
        Ok(head)
    }

    /// A NUL-terminated UTF-8 string.
    pub(crate) fn cstr(&mut self) -> Result<String> {
        let bytes = self.cstr_bytes()?;
        self.utf8(bytes)
    }

    pub(crate) fn utf8(&self, bytes: &[u8]) -> Result<String> {
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| Error::InvalidUtf8 { what: self.what })
    }

    /// An unsigned Int16 count of elements that each take at least `min_size` bytes.
    pub(crate) fn count16(&mut self, min_size: usize) -> Result<usize> {
        let count = usize::from(self.u16()?);
        self.check_count(count, min_size)
    }

    /// An Int32 count of elements that each take at least `min_size` bytes.
    pub(crate) fn count32(&mut self, min_size: usize) -> Result<usize> {
        let raw = self.i32()?;
        let count = usize::try_from(raw).map_err(|_| Error::InvalidCount {
            what: self.what,
            count: i64::from(raw),
            remaining: self.buf.len(),
        })?;
        self.check_count(count, min_size)
    }

    fn check_count(&self, count: usize, min_size: usize) -> Result<usize> {
        if count.saturating_mul(min_size) > self.buf.len() {
            return Err(Error::InvalidCount {
                what: self.what,
                count: i64::try_from(count).unwrap_or(i64::MAX),
                remaining: self.buf.len(),
            });
        }
        Ok(count)
    }

    /// An Int32 length followed by that many bytes; -1 is NULL.
    pub(crate) fn nullable_bytes(&mut self) -> Result<Option<Bytes>> {
        let len = self.i32()?;
        if len == -1 {
            return Ok(None);
        }
        let n = usize::try_from(len).map_err(|_| Error::NegativeLength {
            what: self.what,
            len,
        })?;
        self.take(n).map(|b| Some(Bytes::copy_from_slice(b)))
    }

    /// Succeeds only when the whole body was consumed.
    pub(crate) fn finish(self) -> Result<()> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(Error::TrailingBytes {
                what: self.what,
                count: self.buf.len(),
            })
        }
    }
}

/// Writes a NUL-terminated string; refuses one that contains a NUL byte.
pub(crate) fn put_cstr(buf: &mut BytesMut, s: &str, what: &'static str) -> Result<()> {
    if s.as_bytes().contains(&0) {
        return Err(Error::InvalidString { what });
    }
    buf.put_slice(s.as_bytes());
    buf.put_u8(0);
    Ok(())
}

/// Writes a NUL-terminated string that must also be non-empty (an empty one would read
/// back as the terminator of a list).
pub(crate) fn put_list_cstr(buf: &mut BytesMut, s: &str, what: &'static str) -> Result<()> {
    if s.is_empty() {
        return Err(Error::InvalidString { what });
    }
    put_cstr(buf, s, what)
}

/// Writes an Int16 count (up to 65535, as PostgreSQL reads it).
pub(crate) fn put_count16(buf: &mut BytesMut, n: usize, what: &'static str) -> Result<()> {
    let n = u16::try_from(n).map_err(|_| Error::Overflow { what })?;
    buf.put_u16(n);
    Ok(())
}

/// Writes an Int32 count or length.
pub(crate) fn put_len32(buf: &mut BytesMut, n: usize, what: &'static str) -> Result<()> {
    let n = i32::try_from(n).map_err(|_| Error::Overflow { what })?;
    buf.put_i32(n);
    Ok(())
}

/// Writes an Int32 length and the bytes, or -1 for NULL.
pub(crate) fn put_nullable(buf: &mut BytesMut, v: Option<&[u8]>, what: &'static str) -> Result<()> {
    match v {
        None => buf.put_i32(-1),
        Some(b) => {
            put_len32(buf, b.len(), what)?;
            buf.put_slice(b);
        }
    }
    Ok(())
}

/// Writes `tag`, a length word, then the body written by `body`, and back-fills the
/// length. On error `buf` is restored to its previous length.
pub(crate) fn write_frame(
    buf: &mut BytesMut,
    tag: u8,
    body: impl FnOnce(&mut BytesMut) -> Result<()>,
) -> Result<()> {
    let start = buf.len();
    buf.put_u8(tag);
    finish_frame(buf, start, body)
}

/// Like [`write_frame`] without a tag: startup-phase packets.
pub(crate) fn write_untagged_frame(
    buf: &mut BytesMut,
    body: impl FnOnce(&mut BytesMut) -> Result<()>,
) -> Result<()> {
    let start = buf.len();
    finish_frame(buf, start, body)
}

fn finish_frame(
    buf: &mut BytesMut,
    start: usize,
    body: impl FnOnce(&mut BytesMut) -> Result<()>,
) -> Result<()> {
    let len_at = buf.len();
    buf.put_i32(0);
    let written = body(buf).and_then(|()| {
        let len = i32::try_from(buf.len() - len_at).map_err(|_| Error::Overflow {
            what: "message length",
        })?;
        let slot = buf.get_mut(len_at..len_at + 4).ok_or(Error::Overflow {
            what: "message length",
        })?;
        slot.copy_from_slice(&len.to_be_bytes());
        Ok(())
    });
    if written.is_err() {
        buf.truncate(start);
    }
    written
}

/// Writes a message that has a tag and no body.
pub(crate) fn write_empty(buf: &mut BytesMut, tag: u8) {
    buf.put_u8(tag);
    buf.put_i32(4);
}

/// Declares a message that is a tag and nothing else (Sync, ParseComplete...).
macro_rules! empty_message {
    ($(#[$meta:meta])* $name:ident = $tag:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name;

        impl $name {
            /// The message type byte.
            pub const TAG: u8 = $tag;

            /// Appends the whole frame (tag, length 4) to `buf`.
            pub fn encode(&self, buf: &mut ::bytes::BytesMut) {
                $crate::codec::write_empty(buf, Self::TAG);
            }

            /// Decodes the body (which must be empty).
            pub fn decode(body: &[u8]) -> $crate::Result<Self> {
                $crate::codec::Reader::new(body, stringify!($name)).finish()?;
                Ok($name)
            }
        }
    };
}
pub(crate) use empty_message;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_reports_truncation_and_missing_nul() {
        let mut r = Reader::new(&[0, 1], "t");
        assert_eq!(r.i32(), Err(Error::Truncated { what: "t" }));
        assert_eq!(r.i16(), Ok(1));
        assert_eq!(r.u8(), Err(Error::Truncated { what: "t" }));
        let mut r = Reader::new(b"abc", "t");
        assert_eq!(r.cstr(), Err(Error::MissingNul { what: "t" }));
        let mut r = Reader::new(b"ab\0c", "t");
        assert_eq!(r.cstr().as_deref(), Ok("ab"));
        assert_eq!(
            r.finish(),
            Err(Error::TrailingBytes {
                what: "t",
                count: 1
            })
        );
    }

    #[test]
    fn failed_frame_leaves_buffer_untouched() {
        let mut buf = BytesMut::from(&b"xy"[..]);
        let r = write_frame(&mut buf, b'Q', |b| put_cstr(b, "a\0b", "Query"));
        assert_eq!(r, Err(Error::InvalidString { what: "Query" }));
        assert_eq!(&buf[..], b"xy");
    }
}
