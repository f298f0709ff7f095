//! Message-boundary tracking for forwarding: cuts a byte stream into pieces without
//! decoding bodies, so a large DataRow or CopyData streams on as it arrives.
//!
//! Only messages whose tag the caller asks to inspect are held back until whole
//! (ReadyForQuery, Terminate: a few bytes each); everything else is handed on as soon
//! as bytes are there.

use bytes::BytesMut;
use pgwire::peek_header;

/// Largest length word of a small control message held back for inspection.
pub const MAX_CONTROL_MESSAGE: usize = 64 * 1024;

/// Which tags a [`Scanner`] holds back whole, and the largest length word allowed for
/// each (`None`: stream it).
pub type Inspect = fn(u8) -> Option<usize>;

/// A piece of the stream, ready to forward.
#[derive(Debug)]
pub enum Piece {
    /// A whole message the caller asked to inspect (tag, length word and body).
    Inspect { tag: u8, frame: BytesMut },
    /// The start of a message that is not inspected: its tag and the bytes here so far.
    Start { tag: u8, bytes: BytesMut },
    /// More bytes of the message last started.
    More(BytesMut),
}

impl Piece {
    /// The bytes to forward.
    pub fn into_bytes(self) -> BytesMut {
        match self {
            Piece::Inspect { frame, .. } => frame,
            Piece::Start { bytes, .. } => bytes,
            Piece::More(bytes) => bytes,
        }
    }
}

/// Tracks where messages start in one direction of a connection.
#[derive(Debug)]
pub struct Scanner {
    /// Bytes of the current message not yet handed on.
    remaining: usize,
    max_len: usize,
    inspect: Inspect,
}

impl Scanner {
    /// A scanner that holds back messages for which `inspect(tag)` gives a limit (their
    /// length word must not exceed it), and refuses length words above `max_len`.
    pub fn new(max_len: usize, inspect: Inspect) -> Scanner {
        Scanner {
            remaining: 0,
            max_len,
            inspect,
        }
    }

    /// True between messages.
    pub fn at_boundary(&self) -> bool {
        self.remaining == 0
    }

    /// The next piece at the front of `buf`, split off it; `None` when `buf` holds no
    /// piece yet (an inspected message not yet whole, or less than a header).
    pub fn next(&mut self, buf: &mut BytesMut) -> Result<Option<Piece>, pgwire::Error> {
        let Some(span) = self.next_at(buf, 0)? else {
            return Ok(None);
        };
        let bytes = buf.split_to(span.end);
        Ok(Some(match span.kind {
            SpanKind::Inspect(tag) => Piece::Inspect { tag, frame: bytes },
            SpanKind::Start(tag) => Piece::Start { tag, bytes },
            SpanKind::More => Piece::More(bytes),
        }))
    }

    /// The next piece of `buf` from offset `at` (where the pieces found before end),
    /// without splitting: a caller that forwards a run of messages unchanged splits
    /// once for the whole run. The piece counts as consumed: the next call continues
    /// after it.
    pub fn next_at(&mut self, buf: &[u8], at: usize) -> Result<Option<Span>, pgwire::Error> {
        let available = buf.len().saturating_sub(at);
        if available == 0 {
            return Ok(None);
        }
        if self.remaining > 0 {
            let n = self.remaining.min(available);
            self.remaining -= n;
            return Ok(Some(Span {
                kind: SpanKind::More,
                start: at,
                end: at + n,
            }));
        }
        let Some(header) = peek_header(&buf[at..], self.max_len)? else {
            return Ok(None);
        };
        let total = header.frame_len();
        if let Some(limit) = (self.inspect)(header.tag) {
            if header.len > limit {
                return Err(pgwire::Error::TooLarge {
                    tag: Some(header.tag),
                    len: header.len,
                    max: limit,
                });
            }
            if available < total {
                return Ok(None);
            }
            return Ok(Some(Span {
                kind: SpanKind::Inspect(header.tag),
                start: at,
                end: at + total,
            }));
        }
        let n = total.min(available);
        self.remaining = total - n;
        Ok(Some(Span {
            kind: SpanKind::Start(header.tag),
            start: at,
            end: at + n,
        }))
    }
}

/// A piece found by [`Scanner::next_at`]: bytes `start..end` of the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub kind: SpanKind,
    pub start: usize,
    pub end: usize,
}

/// What a [`Span`] holds (as [`Piece`]'s variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    /// A whole inspected message with this tag.
    Inspect(u8),
    /// The start of a streamed message with this tag.
    Start(u8),
    /// More bytes of the message last started.
    More,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn frame(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        v.extend_from_slice(&(u32::try_from(body.len()).unwrap() + 4).to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn streams_large_and_holds_inspected() {
        let mut s = Scanner::new(1 << 20, |t| (t == b'Z').then_some(100));
        let mut buf = BytesMut::new();
        let big = frame(b'D', &[7u8; 100]);
        buf.extend_from_slice(&big[..50]);
        match s.next(&mut buf).unwrap() {
            Some(Piece::Start { tag: b'D', bytes }) => assert_eq!(bytes.len(), 50),
            other => panic!("{other:?}"),
        }
        assert!(!s.at_boundary());
        assert!(s.next(&mut buf).unwrap().is_none());
        buf.extend_from_slice(&big[50..]);
        let z = frame(b'Z', b"I");
        buf.extend_from_slice(&z[..3]);
        match s.next(&mut buf).unwrap() {
            Some(Piece::More(bytes)) => assert_eq!(bytes.len(), 55),
            other => panic!("{other:?}"),
        }
        assert!(s.at_boundary());
        assert!(s.next(&mut buf).unwrap().is_none());
        buf.extend_from_slice(&z[3..]);
        match s.next(&mut buf).unwrap() {
            Some(Piece::Inspect { tag: b'Z', frame }) => assert_eq!(&frame[..], &z[..]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn spans_walk_a_run_without_splitting() {
        let mut s = Scanner::new(1 << 20, |t| (t == b'Z').then_some(100));
        let (t, d, z) = (
            frame(b'T', b"row"),
            frame(b'D', &[1u8; 30]),
            frame(b'Z', b"I"),
        );
        let mut buf = Vec::new();
        buf.extend_from_slice(&t);
        buf.extend_from_slice(&d[..10]);
        let first = s.next_at(&buf, 0).unwrap().unwrap();
        assert_eq!(
            first,
            Span {
                kind: SpanKind::Start(b'T'),
                start: 0,
                end: t.len()
            }
        );
        let second = s.next_at(&buf, first.end).unwrap().unwrap();
        assert_eq!(
            second,
            Span {
                kind: SpanKind::Start(b'D'),
                start: t.len(),
                end: t.len() + 10
            }
        );
        assert!(!s.at_boundary());
        assert!(s.next_at(&buf, second.end).unwrap().is_none());
        // The rest of the DataRow and half a ReadyForQuery: the scan goes on where the
        // spans ended; the ReadyForQuery waits until whole.
        buf.extend_from_slice(&d[10..]);
        buf.extend_from_slice(&z[..3]);
        let third = s.next_at(&buf, second.end).unwrap().unwrap();
        assert_eq!(third.kind, SpanKind::More);
        assert_eq!(third.end - third.start, d.len() - 10);
        assert!(s.at_boundary());
        assert!(s.next_at(&buf, third.end).unwrap().is_none());
        buf.extend_from_slice(&z[3..]);
        let fourth = s.next_at(&buf, third.end).unwrap().unwrap();
        assert_eq!(fourth.kind, SpanKind::Inspect(b'Z'));
        assert_eq!(&buf[fourth.start..fourth.end], &z[..]);
        assert_eq!(fourth.end, buf.len());
        assert!(s.next_at(&buf, fourth.end).unwrap().is_none());
    }

    #[test]
    fn garbage_is_an_error() {
        let mut s = Scanner::new(1000, |_| None);
        let mut buf = BytesMut::from(&b"Q\xff\xff\xff\xffxx"[..]);
        assert!(s.next(&mut buf).is_err());
        let mut buf = BytesMut::from(&b"Q\x00\x00\x00\x01"[..]);
        assert!(s.next(&mut buf).is_err());
    }
}
