//! Messages sent by servers (backends), plus [`BackendMessage`] to decode any of them
//! by its tag.

mod auth;
mod copy;
mod notice;
mod query;
mod session;

use bytes::{BufMut, Bytes, BytesMut};

pub use crate::common::{CopyData, CopyDone};
pub use auth::{auth_code, Authentication};
pub use copy::{CopyBothResponse, CopyInResponse, CopyOutResponse};
pub use notice::{field, ErrorResponse, NoticeResponse, Severity};
pub use query::{
    BindComplete, CloseComplete, CommandComplete, DataRow, EmptyQueryResponse, FieldDescription,
    NoData, ParameterDescription, ParseComplete, PortalSuspended, RowDescription,
};
pub use session::{
    BackendKeyData, NegotiateProtocolVersion, NotificationResponse, ParameterStatus, ReadyForQuery,
    TransactionStatus,
};

use crate::codec::write_frame;
use crate::error::{Error, Result};

/// Message type bytes of the backend messages.
pub mod tag {
    pub const AUTHENTICATION: u8 = b'R';
    pub const BACKEND_KEY_DATA: u8 = b'K';
    pub const BIND_COMPLETE: u8 = b'2';
    pub const CLOSE_COMPLETE: u8 = b'3';
    pub const COMMAND_COMPLETE: u8 = b'C';
    pub const COPY_BOTH_RESPONSE: u8 = b'W';
    pub const COPY_DATA: u8 = b'd';
    pub const COPY_DONE: u8 = b'c';
    pub const COPY_IN_RESPONSE: u8 = b'G';
    pub const COPY_OUT_RESPONSE: u8 = b'H';
    pub const DATA_ROW: u8 = b'D';
    pub const EMPTY_QUERY_RESPONSE: u8 = b'I';
    pub const ERROR_RESPONSE: u8 = b'E';
    pub const FUNCTION_CALL_RESPONSE: u8 = b'V';
    pub const NEGOTIATE_PROTOCOL_VERSION: u8 = b'v';
    pub const NO_DATA: u8 = b'n';
    pub const NOTICE_RESPONSE: u8 = b'N';
    pub const NOTIFICATION_RESPONSE: u8 = b'A';
    pub const PARAMETER_DESCRIPTION: u8 = b't';
    pub const PARAMETER_STATUS: u8 = b'S';
    pub const PARSE_COMPLETE: u8 = b'1';
    pub const PORTAL_SUSPENDED: u8 = b's';
    pub const READY_FOR_QUERY: u8 = b'Z';
    pub const ROW_DESCRIPTION: u8 = b'T';
}

/// Any message a server sends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BackendMessage {
    Authentication(Authentication),
    ParameterStatus(ParameterStatus),
    BackendKeyData(BackendKeyData),
    ReadyForQuery(ReadyForQuery),
    RowDescription(RowDescription),
    DataRow(DataRow),
    CommandComplete(CommandComplete),
    EmptyQueryResponse,
    ErrorResponse(ErrorResponse),
    NoticeResponse(NoticeResponse),
    ParseComplete,
    BindComplete,
    CloseComplete,
    NoData,
    ParameterDescription(ParameterDescription),
    PortalSuspended,
    CopyInResponse(CopyInResponse),
    CopyOutResponse(CopyOutResponse),
    CopyBothResponse(CopyBothResponse),
    CopyData(CopyData),
    CopyDone,
    NotificationResponse(NotificationResponse),
    NegotiateProtocolVersion(NegotiateProtocolVersion),
    /// A FunctionCallResponse (`V`) body, passed through raw.
    FunctionCallResponse(Bytes),
}

impl BackendMessage {
    /// Decodes the body of a message with type byte `tag`. Unknown tags are
    /// [`Error::UnknownTag`].
    pub fn decode(tag: u8, body: &[u8]) -> Result<BackendMessage> {
        use BackendMessage as M;
        Ok(match tag {
            tag::AUTHENTICATION => M::Authentication(Authentication::decode(body)?),
            tag::PARAMETER_STATUS => M::ParameterStatus(ParameterStatus::decode(body)?),
            tag::BACKEND_KEY_DATA => M::BackendKeyData(BackendKeyData::decode(body)?),
            tag::READY_FOR_QUERY => M::ReadyForQuery(ReadyForQuery::decode(body)?),
            tag::ROW_DESCRIPTION => M::RowDescription(RowDescription::decode(body)?),
            tag::DATA_ROW => M::DataRow(DataRow::decode(body)?),
            tag::COMMAND_COMPLETE => M::CommandComplete(CommandComplete::decode(body)?),
            tag::EMPTY_QUERY_RESPONSE => {
                EmptyQueryResponse::decode(body).map(|_| M::EmptyQueryResponse)?
            }
            tag::ERROR_RESPONSE => M::ErrorResponse(ErrorResponse::decode(body)?),
            tag::NOTICE_RESPONSE => M::NoticeResponse(NoticeResponse::decode(body)?),
            tag::PARSE_COMPLETE => ParseComplete::decode(body).map(|_| M::ParseComplete)?,
            tag::BIND_COMPLETE => BindComplete::decode(body).map(|_| M::BindComplete)?,
            tag::CLOSE_COMPLETE => CloseComplete::decode(body).map(|_| M::CloseComplete)?,
            tag::NO_DATA => NoData::decode(body).map(|_| M::NoData)?,
            tag::PARAMETER_DESCRIPTION => {
                M::ParameterDescription(ParameterDescription::decode(body)?)
            }
            tag::PORTAL_SUSPENDED => PortalSuspended::decode(body).map(|_| M::PortalSuspended)?,
            tag::COPY_IN_RESPONSE => M::CopyInResponse(CopyInResponse::decode(body)?),
            tag::COPY_OUT_RESPONSE => M::CopyOutResponse(CopyOutResponse::decode(body)?),
            tag::COPY_BOTH_RESPONSE => M::CopyBothResponse(CopyBothResponse::decode(body)?),
            tag::COPY_DATA => M::CopyData(CopyData::decode(body)?),
            tag::COPY_DONE => CopyDone::decode(body).map(|_| M::CopyDone)?,
            tag::NOTIFICATION_RESPONSE => {
                M::NotificationResponse(NotificationResponse::decode(body)?)
            }
            tag::NEGOTIATE_PROTOCOL_VERSION => {
                M::NegotiateProtocolVersion(NegotiateProtocolVersion::decode(body)?)
            }
            tag::FUNCTION_CALL_RESPONSE => M::FunctionCallResponse(Bytes::copy_from_slice(body)),
            other => return Err(Error::UnknownTag { tag: other }),
        })
    }

    /// The message type byte.
    pub fn tag(&self) -> u8 {
        use BackendMessage as M;
        match self {
            M::Authentication(_) => tag::AUTHENTICATION,
            M::ParameterStatus(_) => tag::PARAMETER_STATUS,
            M::BackendKeyData(_) => tag::BACKEND_KEY_DATA,
            M::ReadyForQuery(_) => tag::READY_FOR_QUERY,
            M::RowDescription(_) => tag::ROW_DESCRIPTION,
            M::DataRow(_) => tag::DATA_ROW,
            M::CommandComplete(_) => tag::COMMAND_COMPLETE,
            M::EmptyQueryResponse => tag::EMPTY_QUERY_RESPONSE,
            M::ErrorResponse(_) => tag::ERROR_RESPONSE,
            M::NoticeResponse(_) => tag::NOTICE_RESPONSE,
            M::ParseComplete => tag::PARSE_COMPLETE,
            M::BindComplete => tag::BIND_COMPLETE,
            M::CloseComplete => tag::CLOSE_COMPLETE,
            M::NoData => tag::NO_DATA,
            M::ParameterDescription(_) => tag::PARAMETER_DESCRIPTION,
            M::PortalSuspended => tag::PORTAL_SUSPENDED,
            M::CopyInResponse(_) => tag::COPY_IN_RESPONSE,
            M::CopyOutResponse(_) => tag::COPY_OUT_RESPONSE,
            M::CopyBothResponse(_) => tag::COPY_BOTH_RESPONSE,
            M::CopyData(_) => tag::COPY_DATA,
            M::CopyDone => tag::COPY_DONE,
            M::NotificationResponse(_) => tag::NOTIFICATION_RESPONSE,
            M::NegotiateProtocolVersion(_) => tag::NEGOTIATE_PROTOCOL_VERSION,
            M::FunctionCallResponse(_) => tag::FUNCTION_CALL_RESPONSE,
        }
    }

    /// Appends the whole frame to `buf`; on error `buf` is left as it was.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        use BackendMessage as M;
        match self {
            M::Authentication(m) => m.encode(buf),
            M::ParameterStatus(m) => m.encode(buf),
            M::BackendKeyData(m) => {
                m.encode(buf);
                Ok(())
            }
            M::ReadyForQuery(m) => {
                m.encode(buf);
                Ok(())
            }
            M::RowDescription(m) => m.encode(buf),
            M::DataRow(m) => m.encode(buf),
            M::CommandComplete(m) => m.encode(buf),
            M::ErrorResponse(m) => m.encode(buf),
            M::NoticeResponse(m) => m.encode(buf),
            M::ParameterDescription(m) => m.encode(buf),
            M::CopyInResponse(m) => m.encode(buf),
            M::CopyOutResponse(m) => m.encode(buf),
            M::CopyBothResponse(m) => m.encode(buf),
            M::CopyData(m) => m.encode(buf),
            M::NotificationResponse(m) => m.encode(buf),
            M::NegotiateProtocolVersion(m) => m.encode(buf),
            M::FunctionCallResponse(body) => write_frame(buf, self.tag(), |b| {
                b.put_slice(body);
                Ok(())
            }),
            M::EmptyQueryResponse
            | M::ParseComplete
            | M::BindComplete
            | M::CloseComplete
            | M::NoData
            | M::PortalSuspended
            | M::CopyDone => {
                crate::codec::write_empty(buf, self.tag());
                Ok(())
            }
        }
    }
}
