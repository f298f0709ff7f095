//! The one error type of the crate: every way bytes can fail to be a message, and the
//! few ways a message can fail to become bytes.

use std::fmt;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a frame or a message body could not be decoded, or a message could not be encoded.
///
/// `what` names the message (or part of it) that failed, for logs; match on the variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The body ended before a fixed-size field or a counted byte string was complete.
    #[error("{what}: message body is truncated")]
    Truncated { what: &'static str },

    /// A string field runs to the end of the body without its NUL terminator.
    #[error("{what}: string is missing its NUL terminator")]
    MissingNul { what: &'static str },

    /// Bytes are left over after the last field of the message.
    #[error("{what}: {count} unexpected trailing byte(s)")]
    TrailingBytes { what: &'static str, count: usize },

    /// The length word of a frame is smaller than the header it must count
    /// (4 for a tagged message, 8 for a startup-phase packet).
    #[error("invalid message length {len} ({})", Tag(*.tag))]
    InvalidLength { tag: Option<u8>, len: i32 },

    /// The length word of a frame is above the caller's maximum.
    #[error("message length {len} exceeds the maximum {max} ({})", Tag(*.tag))]
    TooLarge {
        tag: Option<u8>,
        len: usize,
        max: usize,
    },

    /// A startup-phase packet carries a protocol version (or request code) this crate
    /// does not know. `major.minor` is the raw 32-bit code split in two halves.
    #[error("unsupported frontend protocol {major}.{minor}")]
    UnsupportedProtocolVersion { major: u16, minor: u16 },

    /// A tagged message whose type byte is not a message of this direction.
    #[error("unknown message type {}", Tag(Some(*.tag)))]
    UnknownTag { tag: u8 },

    /// An Authentication request code that is not in the protocol.
    #[error("unknown authentication request code {code}")]
    UnknownAuthCode { code: i32 },

    /// A length prefix below -1 (only -1, meaning NULL, may be negative).
    #[error("{what}: negative length {len}")]
    NegativeLength { what: &'static str, len: i32 },

    /// A count that is negative or larger than the remaining bytes could hold.
    #[error("{what}: impossible count {count} for {remaining} remaining byte(s)")]
    InvalidCount {
        what: &'static str,
        count: i64,
        remaining: usize,
    },

    /// A field holds a value outside its domain (format code, target byte, status byte...).
    #[error("{what}: invalid value {value}")]
    InvalidValue { what: &'static str, value: i64 },

    /// A string field is not valid UTF-8 (this crate requires `client_encoding` UTF8;
    /// forward such frames raw instead of decoding them).
    #[error("{what}: string is not valid UTF-8")]
    InvalidUtf8 { what: &'static str },

    /// Encoding: a string to be sent NUL-terminated contains a NUL byte, or is empty
    /// where an empty string would be read back as a list terminator.
    #[error("{what}: string contains a NUL byte or is empty where it must not be")]
    InvalidString { what: &'static str },

    /// Encoding: a count or length does not fit its wire field.
    #[error("{what}: too large to encode")]
    Overflow { what: &'static str },
}

/// Displays an optional tag byte as `'Q'` (printable) or `0x00`, or "startup packet".
struct Tag(Option<u8>);

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("startup packet"),
            Some(t) if t.is_ascii_graphic() => write!(f, "tag '{}'", char::from(t)),
            Some(t) => write!(f, "tag 0x{t:02x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_tag() {
        let e = Error::InvalidLength {
            tag: Some(b'Q'),
            len: 3,
        };
        assert_eq!(e.to_string(), "invalid message length 3 (tag 'Q')");
        let e = Error::TooLarge {
            tag: None,
            len: 20_000,
            max: 10_000,
        };
        assert_eq!(
            e.to_string(),
            "message length 20000 exceeds the maximum 10000 (startup packet)"
        );
        assert_eq!(
            Error::UnknownTag { tag: 0 }.to_string(),
            "unknown message type tag 0x00"
        );
    }
}
