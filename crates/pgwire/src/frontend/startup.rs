//! Startup-phase packets: the untagged first packet of a connection.

use bytes::{BufMut, BytesMut};

use crate::codec::{put_cstr, put_list_cstr, write_untagged_frame, Reader};
use crate::common::SecretKey;
use crate::error::{Error, Result};

/// Request code of CancelRequest (1234.5678).
pub const CANCEL_REQUEST_CODE: i32 = 80_877_102;
/// Request code of SSLRequest (1234.5679).
pub const SSL_REQUEST_CODE: i32 = 80_877_103;
/// Request code of GSSENCRequest (1234.5680).
pub const GSSENC_REQUEST_CODE: i32 = 80_877_104;

/// A protocol version: the Int32 code is `major << 16 | minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProtocolVersion {
    pub major: u16,
    pub minor: u16,
}

impl ProtocolVersion {
    /// Protocol 3.0, spoken by every PostgreSQL since 7.4.
    pub const V3_0: ProtocolVersion = ProtocolVersion { major: 3, minor: 0 };
    /// Protocol 3.2 (PostgreSQL 18: longer cancel keys).
    pub const V3_2: ProtocolVersion = ProtocolVersion { major: 3, minor: 2 };

    /// Splits a wire code.
    pub fn from_code(code: i32) -> ProtocolVersion {
        let [a, b, c, d] = code.to_be_bytes();
        ProtocolVersion {
            major: u16::from_be_bytes([a, b]),
            minor: u16::from_be_bytes([c, d]),
        }
    }

    /// The wire code.
    pub fn code(self) -> i32 {
        let [a, b] = self.major.to_be_bytes();
        let [c, d] = self.minor.to_be_bytes();
        i32::from_be_bytes([a, b, c, d])
    }
}

/// StartupMessage: protocol version and the session parameters, in wire order.
///
/// Decoding accepts any 3.x minor version; a server (or pooler) that speaks an older
/// minor answers with NegotiateProtocolVersion. Parameters whose names start with
/// `_pq_.` are protocol options and are kept like any other.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StartupMessage {
    pub version: ProtocolVersion,
    /// `(name, value)` pairs in the order sent (`user`, `database`, `options`, GUCs...).
    pub parameters: Vec<(String, String)>,
}

impl StartupMessage {
    /// A protocol 3.0 StartupMessage with these parameters.
    pub fn new<K: Into<String>, V: Into<String>>(
        parameters: impl IntoIterator<Item = (K, V)>,
    ) -> StartupMessage {
        StartupMessage {
            version: ProtocolVersion::V3_0,
            parameters: parameters
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The value of the first parameter called `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `user` parameter (required by PostgreSQL; not enforced here).
    pub fn user(&self) -> Option<&str> {
        self.get("user")
    }

    /// The `database` parameter (defaults to the user name on the server).
    pub fn database(&self) -> Option<&str> {
        self.get("database")
    }

    /// Appends the packet (length word, version, pairs, terminator) to `buf`.
    /// Fails on an empty name or a NUL inside a name or value.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_untagged_frame(buf, |b| {
            b.put_i32(self.version.code());
            for (k, v) in &self.parameters {
                put_list_cstr(b, k, "StartupMessage parameter name")?;
                put_cstr(b, v, "StartupMessage parameter value")?;
            }
            b.put_u8(0);
            Ok(())
        })
    }

    fn decode_parameters(version: ProtocolVersion, mut r: Reader<'_>) -> Result<StartupMessage> {
        let mut parameters = Vec::new();
        loop {
            let name = r.cstr_bytes()?;
            if name.is_empty() {
                break;
            }
            let name = r.utf8(name)?;
            let value = r.cstr()?;
            parameters.push((name, value));
        }
        r.finish()?;
        Ok(StartupMessage {
            version,
            parameters,
        })
    }
}

/// SSLRequest: asks the server for TLS; the answer is one byte, `S` or `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SslRequest;

impl SslRequest {
    /// Appends the 8-byte packet.
    pub fn encode(&self, buf: &mut BytesMut) {
        buf.put_i32(8);
        buf.put_i32(SSL_REQUEST_CODE);
    }
}

/// GSSENCRequest: asks the server for GSSAPI encryption; the answer is `G` or `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GssEncRequest;

impl GssEncRequest {
    /// Appends the 8-byte packet.
    pub fn encode(&self, buf: &mut BytesMut) {
        buf.put_i32(8);
        buf.put_i32(GSSENC_REQUEST_CODE);
    }
}

/// CancelRequest: sent on a fresh connection to cancel the query of another backend.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CancelRequest {
    pub process_id: i32,
    pub secret_key: SecretKey,
}

impl CancelRequest {
    /// Appends the packet.
    pub fn encode(&self, buf: &mut BytesMut) {
        let key = self.secret_key.as_bytes();
        // SecretKey is at most 256 bytes: the length always fits.
        let len = i32::try_from(12 + key.len()).unwrap_or(i32::MAX);
        buf.put_i32(len);
        buf.put_i32(CANCEL_REQUEST_CODE);
        buf.put_i32(self.process_id);
        buf.put_slice(key);
    }
}

/// Any startup-phase packet, told apart by its Int32 code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StartupPacket {
    Startup(StartupMessage),
    SslRequest,
    GssEncRequest,
    Cancel(CancelRequest),
}

impl StartupPacket {
    /// Decodes the body after the length word (see [`crate::split_startup_frame`]).
    ///
    /// A code that is neither 3.x nor a known 1234.x request is
    /// [`Error::UnsupportedProtocolVersion`] carrying the version.
    pub fn decode(body: &[u8]) -> Result<StartupPacket> {
        let mut r = Reader::new(body, "startup packet");
        let code = r.i32()?;
        match code {
            SSL_REQUEST_CODE => {
                Reader::new(r.rest(), "SSLRequest").finish()?;
                Ok(StartupPacket::SslRequest)
            }
            GSSENC_REQUEST_CODE => {
                Reader::new(r.rest(), "GSSENCRequest").finish()?;
                Ok(StartupPacket::GssEncRequest)
            }
            CANCEL_REQUEST_CODE => {
                let mut r = Reader::new(r.rest(), "CancelRequest");
                let process_id = r.i32()?;
                let secret_key = SecretKey::new(r.rest())?;
                Ok(StartupPacket::Cancel(CancelRequest {
                    process_id,
                    secret_key,
                }))
            }
            _ => {
                let version = ProtocolVersion::from_code(code);
                if version.major != 3 {
                    return Err(Error::UnsupportedProtocolVersion {
                        major: version.major,
                        minor: version.minor,
                    });
                }
                let r = Reader::new(r.rest(), "StartupMessage");
                StartupMessage::decode_parameters(version, r).map(StartupPacket::Startup)
            }
        }
    }

    /// Appends the whole packet (length word included) to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        match self {
            StartupPacket::Startup(m) => m.encode(buf),
            StartupPacket::SslRequest => {
                SslRequest.encode(buf);
                Ok(())
            }
            StartupPacket::GssEncRequest => {
                GssEncRequest.encode(buf);
                Ok(())
            }
            StartupPacket::Cancel(c) => {
                c.encode(buf);
                Ok(())
            }
        }
    }
}
