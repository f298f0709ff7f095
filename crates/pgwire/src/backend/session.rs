//! Session-level server messages: ParameterStatus, BackendKeyData, ReadyForQuery,
//! NotificationResponse, NegotiateProtocolVersion.

use bytes::{BufMut, BytesMut};

use crate::codec::{put_cstr, put_len32, write_frame, Reader};
use crate::common::SecretKey;
use crate::error::{Error, Result};

/// ParameterStatus (`S`): the current value of a reported run-time parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ParameterStatus {
    pub name: String,
    pub value: String,
}

impl ParameterStatus {
    /// The message type byte.
    pub const TAG: u8 = b'S';

    pub fn new(name: impl Into<String>, value: impl Into<String>) -> ParameterStatus {
        ParameterStatus {
            name: name.into(),
            value: value.into(),
        }
    }

    /// Appends the frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| {
            put_cstr(b, &self.name, "ParameterStatus name")?;
            put_cstr(b, &self.value, "ParameterStatus value")
        })
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<ParameterStatus> {
        let mut r = Reader::new(body, "ParameterStatus");
        let name = r.cstr()?;
        let value = r.cstr()?;
        r.finish()?;
        Ok(ParameterStatus { name, value })
    }
}

/// BackendKeyData (`K`): what a client needs to send a CancelRequest later.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BackendKeyData {
    pub process_id: i32,
    pub secret_key: SecretKey,
}

impl BackendKeyData {
    /// The message type byte.
    pub const TAG: u8 = b'K';

    /// Appends the frame (never fails: the key is 4 to 256 bytes by construction).
    pub fn encode(&self, buf: &mut BytesMut) {
        let key = self.secret_key.as_bytes();
        buf.put_u8(Self::TAG);
        buf.put_i32(i32::try_from(8 + key.len()).unwrap_or(i32::MAX));
        buf.put_i32(self.process_id);
        buf.put_slice(key);
    }

    /// Decodes a body: Int32 process id, then a 4 to 256 byte key (4 in protocol 3.0).
    pub fn decode(body: &[u8]) -> Result<BackendKeyData> {
        let mut r = Reader::new(body, "BackendKeyData");
        let process_id = r.i32()?;
        let secret_key = SecretKey::new(r.rest())?;
        Ok(BackendKeyData {
            process_id,
            secret_key,
        })
    }
}

/// The transaction status reported by ReadyForQuery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TransactionStatus {
    /// `I`: not in a transaction block.
    #[default]
    Idle,
    /// `T`: in a transaction block.
    InTransaction,
    /// `E`: in a failed transaction block (queries rejected until it ends).
    Failed,
}

impl TransactionStatus {
    /// The wire byte.
    pub fn byte(self) -> u8 {
        match self {
            TransactionStatus::Idle => b'I',
            TransactionStatus::InTransaction => b'T',
            TransactionStatus::Failed => b'E',
        }
    }

    /// Parses a wire byte.
    pub fn from_byte(b: u8) -> Result<TransactionStatus> {
        match b {
            b'I' => Ok(TransactionStatus::Idle),
            b'T' => Ok(TransactionStatus::InTransaction),
            b'E' => Ok(TransactionStatus::Failed),
            other => Err(Error::InvalidValue {
                what: "ReadyForQuery transaction status",
                value: i64::from(other),
            }),
        }
    }
}

/// ReadyForQuery (`Z`): the server is ready for a new query cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ReadyForQuery {
    pub status: TransactionStatus,
}

impl ReadyForQuery {
    /// The message type byte.
    pub const TAG: u8 = b'Z';

    /// Appends the 6-byte frame.
    pub fn encode(&self, buf: &mut BytesMut) {
        buf.put_u8(Self::TAG);
        buf.put_i32(5);
        buf.put_u8(self.status.byte());
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<ReadyForQuery> {
        let mut r = Reader::new(body, "ReadyForQuery");
        let status = TransactionStatus::from_byte(r.u8()?)?;
        r.finish()?;
        Ok(ReadyForQuery { status })
    }
}

/// NotificationResponse (`A`): a NOTIFY delivered to this session.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NotificationResponse {
    /// The notifying backend's process id.
    pub process_id: i32,
    pub channel: String,
    pub payload: String,
}

impl NotificationResponse {
    /// The message type byte.
    pub const TAG: u8 = b'A';

    /// Appends the frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| {
            b.put_i32(self.process_id);
            put_cstr(b, &self.channel, "NotificationResponse channel")?;
            put_cstr(b, &self.payload, "NotificationResponse payload")
        })
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<NotificationResponse> {
        let mut r = Reader::new(body, "NotificationResponse");
        let process_id = r.i32()?;
        let channel = r.cstr()?;
        let payload = r.cstr()?;
        r.finish()?;
        Ok(NotificationResponse {
            process_id,
            channel,
            payload,
        })
    }
}

/// NegotiateProtocolVersion (`v`): the server supports an older minor version than the
/// client asked for, and/or does not know some `_pq_.` options.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NegotiateProtocolVersion {
    /// Newest minor version the server supports for the requested major version.
    pub newest_minor: i32,
    /// Protocol options (`_pq_.*`) the server did not recognize.
    pub unrecognized_options: Vec<String>,
}

impl NegotiateProtocolVersion {
    /// The message type byte.
    pub const TAG: u8 = b'v';

    /// Appends the frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| {
            b.put_i32(self.newest_minor);
            put_len32(
                b,
                self.unrecognized_options.len(),
                "NegotiateProtocolVersion options",
            )?;
            for o in &self.unrecognized_options {
                put_cstr(b, o, "NegotiateProtocolVersion option")?;
            }
            Ok(())
        })
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<NegotiateProtocolVersion> {
        let mut r = Reader::new(body, "NegotiateProtocolVersion");
        let newest_minor = r.i32()?;
        let n = r.count32(1)?;
        let unrecognized_options = (0..n).map(|_| r.cstr()).collect::<Result<_>>()?;
        r.finish()?;
        Ok(NegotiateProtocolVersion {
            newest_minor,
            unrecognized_options,
        })
    }
}
