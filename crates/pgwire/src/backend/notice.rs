//! ErrorResponse (`E`) and NoticeResponse (`N`): a list of `(field code, text)` pairs.
//!
//! Build a proper error with
//! `ErrorResponse::new(Severity::Fatal, SqlState::TOO_MANY_CONNECTIONS, "...")`, then
//! `.with_detail(..)` / `.with_hint(..)`; read one with `.code()`, `.message()`, ...

use std::fmt;

use bytes::{BufMut, BytesMut};

use crate::codec::{put_cstr, write_frame, Reader};
use crate::error::{Error, Result};
use crate::sqlstate::SqlState;

/// Field type codes of ErrorResponse / NoticeResponse.
pub mod field {
    /// Severity, possibly localized.
    pub const SEVERITY: u8 = b'S';
    /// Severity, never localized (PostgreSQL 9.6+).
    pub const SEVERITY_NONLOCALIZED: u8 = b'V';
    /// SQLSTATE code.
    pub const CODE: u8 = b'C';
    /// Primary message.
    pub const MESSAGE: u8 = b'M';
    pub const DETAIL: u8 = b'D';
    pub const HINT: u8 = b'H';
    /// Cursor position in the query string (1-based, in characters).
    pub const POSITION: u8 = b'P';
    pub const INTERNAL_POSITION: u8 = b'p';
    pub const INTERNAL_QUERY: u8 = b'q';
    pub const WHERE: u8 = b'W';
    pub const SCHEMA: u8 = b's';
    pub const TABLE: u8 = b't';
    pub const COLUMN: u8 = b'c';
    pub const DATA_TYPE: u8 = b'd';
    pub const CONSTRAINT: u8 = b'n';
    pub const FILE: u8 = b'F';
    pub const LINE: u8 = b'L';
    pub const ROUTINE: u8 = b'R';
}

/// The severity of an error or notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    // ErrorResponse
    Error,
    Fatal,
    Panic,
    // NoticeResponse
    Warning,
    Notice,
    Debug,
    Info,
    Log,
}

impl Severity {
    /// The non-localized wire text, e.g. `FATAL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Fatal => "FATAL",
            Severity::Panic => "PANIC",
            Severity::Warning => "WARNING",
            Severity::Notice => "NOTICE",
            Severity::Debug => "DEBUG",
            Severity::Info => "INFO",
            Severity::Log => "LOG",
        }
    }

    /// Parses the non-localized text.
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "ERROR" => Severity::Error,
            "FATAL" => Severity::Fatal,
            "PANIC" => Severity::Panic,
            "WARNING" => Severity::Warning,
            "NOTICE" => Severity::Notice,
            "DEBUG" => Severity::Debug,
            "INFO" => Severity::Info,
            "LOG" => Severity::Log,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn encode_fields(
    buf: &mut BytesMut,
    tag: u8,
    fields: &[(u8, String)],
    what: &'static str,
) -> Result<()> {
    write_frame(buf, tag, |b| {
        for (code, value) in fields {
            if *code == 0 {
                return Err(Error::InvalidValue { what, value: 0 });
            }
            b.put_u8(*code);
            put_cstr(b, value, what)?;
        }
        b.put_u8(0);
        Ok(())
    })
}

fn decode_fields(body: &[u8], what: &'static str) -> Result<Vec<(u8, String)>> {
    let mut r = Reader::new(body, what);
    let mut fields = Vec::new();
    loop {
        let code = r.u8()?;
        if code == 0 {
            break;
        }
        fields.push((code, r.cstr()?));
    }
    r.finish()?;
    Ok(fields)
}

macro_rules! notice_like {
    ($(#[$meta:meta])* $name:ident = $tag:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        pub struct $name {
            /// `(field code, value)` in wire order; see [`field`].
            pub fields: Vec<(u8, String)>,
        }

        impl $name {
            /// The message type byte.
            pub const TAG: u8 = $tag;

            /// A message with severity (`S` and `V`), SQLSTATE (`C`) and message (`M`).
            pub fn new(severity: Severity, code: SqlState, message: impl Into<String>) -> Self {
                $name {
                    fields: vec![
                        (field::SEVERITY, severity.as_str().to_owned()),
                        (field::SEVERITY_NONLOCALIZED, severity.as_str().to_owned()),
                        (field::CODE, code.as_str().to_owned()),
                        (field::MESSAGE, message.into()),
                    ],
                }
            }

            /// Sets field `code` (replacing an earlier value), builder style.
            pub fn with_field(mut self, code: u8, value: impl Into<String>) -> Self {
                let value = value.into();
                match self.fields.iter_mut().find(|(c, _)| *c == code) {
                    Some(slot) => slot.1 = value,
                    None => self.fields.push((code, value)),
                }
                self
            }

            /// Sets the detail (`D`).
            pub fn with_detail(self, detail: impl Into<String>) -> Self {
                self.with_field(field::DETAIL, detail)
            }

            /// Sets the hint (`H`).
            pub fn with_hint(self, hint: impl Into<String>) -> Self {
                self.with_field(field::HINT, hint)
            }

            /// The first value of field `code`.
            pub fn field(&self, code: u8) -> Option<&str> {
                self.fields
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map(|(_, v)| v.as_str())
            }

            /// Severity from `V`, else from `S` (which may be localized and so unknown).
            pub fn severity(&self) -> Option<Severity> {
                self.field(field::SEVERITY_NONLOCALIZED)
                    .and_then(Severity::parse)
                    .or_else(|| self.field(field::SEVERITY).and_then(Severity::parse))
            }

            /// The SQLSTATE (`C`), if present and well formed.
            pub fn code(&self) -> Option<SqlState> {
                self.field(field::CODE).and_then(SqlState::new)
            }

            /// The primary message (`M`).
            pub fn message(&self) -> Option<&str> {
                self.field(field::MESSAGE)
            }

            /// The detail (`D`).
            pub fn detail(&self) -> Option<&str> {
                self.field(field::DETAIL)
            }

            /// The hint (`H`).
            pub fn hint(&self) -> Option<&str> {
                self.field(field::HINT)
            }

            /// Appends the frame; fails on a field code 0 or a value containing a NUL.
            pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
                encode_fields(buf, Self::TAG, &self.fields, stringify!($name))
            }

            /// Decodes a body: pairs until a 0 code, which must be the last byte.
            pub fn decode(body: &[u8]) -> Result<Self> {
                decode_fields(body, stringify!($name)).map(|fields| $name { fields })
            }
        }

        /// `SEVERITY: message (SQLSTATE code)`, for logs.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let sev = self
                    .field(field::SEVERITY_NONLOCALIZED)
                    .or_else(|| self.field(field::SEVERITY))
                    .unwrap_or("ERROR");
                write!(f, "{sev}: {}", self.message().unwrap_or(""))?;
                if let Some(code) = self.field(field::CODE) {
                    write!(f, " (SQLSTATE {code})")?;
                }
                Ok(())
            }
        }
    };
}

notice_like! {
    /// ErrorResponse (`E`).
    ErrorResponse = b'E'
}

notice_like! {
    /// NoticeResponse (`N`): a warning or notice; the query goes on.
    NoticeResponse = b'N'
}

impl ErrorResponse {
    /// An ERROR: the current statement (or extended-query batch) failed.
    pub fn error(code: SqlState, message: impl Into<String>) -> ErrorResponse {
        ErrorResponse::new(Severity::Error, code, message)
    }

    /// A FATAL: the session ends after this message.
    pub fn fatal(code: SqlState, message: impl Into<String>) -> ErrorResponse {
        ErrorResponse::new(Severity::Fatal, code, message)
    }
}
