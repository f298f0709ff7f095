//! Messages sent by clients (frontends): the untagged startup packets and the tagged
//! messages after them, plus [`FrontendMessage`] to decode any tagged one by its tag.

mod auth;
mod extended;
mod simple;
mod startup;

use bytes::{BufMut, Bytes, BytesMut};

pub use crate::common::{CopyData, CopyDone};
pub use auth::{
    AuthMessage, AuthStage, PasswordMessage, SaslInitialResponse, SaslResponse, AUTH_TAG,
};
pub use extended::{Bind, Close, Describe, Execute, Flush, Parse, Sync, Target};
pub use simple::{CopyFail, Query, Terminate};
pub use startup::{
    CancelRequest, GssEncRequest, ProtocolVersion, SslRequest, StartupMessage, StartupPacket,
    CANCEL_REQUEST_CODE, GSSENC_REQUEST_CODE, SSL_REQUEST_CODE,
};

use crate::codec::write_frame;
use crate::error::{Error, Result};

/// Message type bytes of the tagged frontend messages.
pub mod tag {
    pub const BIND: u8 = b'B';
    pub const CLOSE: u8 = b'C';
    pub const COPY_DATA: u8 = b'd';
    pub const COPY_DONE: u8 = b'c';
    pub const COPY_FAIL: u8 = b'f';
    pub const DESCRIBE: u8 = b'D';
    pub const EXECUTE: u8 = b'E';
    pub const FLUSH: u8 = b'H';
    pub const FUNCTION_CALL: u8 = b'F';
    pub const PARSE: u8 = b'P';
    /// PasswordMessage, SASLInitialResponse, SASLResponse (and GSSResponse).
    pub const PASSWORD: u8 = b'p';
    pub const QUERY: u8 = b'Q';
    pub const SYNC: u8 = b'S';
    pub const TERMINATE: u8 = b'X';
}

/// Any tagged message a client sends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FrontendMessage {
    Query(Query),
    Parse(Parse),
    Bind(Bind),
    Describe(Describe),
    Execute(Execute),
    Close(Close),
    Sync,
    Flush,
    Terminate,
    CopyData(CopyData),
    CopyDone,
    CopyFail(CopyFail),
    /// A `p` body, undecoded: which message it is depends on the authentication stage;
    /// decode it with [`AuthMessage::decode`].
    AuthData(Bytes),
    /// A FunctionCall (`F`) body, passed through raw.
    FunctionCall(Bytes),
}

impl FrontendMessage {
    /// Decodes the body of a message with type byte `tag`. Unknown tags are
    /// [`Error::UnknownTag`].
    pub fn decode(tag: u8, body: &[u8]) -> Result<FrontendMessage> {
        Ok(match tag {
            tag::QUERY => FrontendMessage::Query(Query::decode(body)?),
            tag::PARSE => FrontendMessage::Parse(Parse::decode(body)?),
            tag::BIND => FrontendMessage::Bind(Bind::decode(body)?),
            tag::DESCRIBE => FrontendMessage::Describe(Describe::decode(body)?),
            tag::EXECUTE => FrontendMessage::Execute(Execute::decode(body)?),
            tag::CLOSE => FrontendMessage::Close(Close::decode(body)?),
            tag::SYNC => Sync::decode(body).map(|_| FrontendMessage::Sync)?,
            tag::FLUSH => Flush::decode(body).map(|_| FrontendMessage::Flush)?,
            tag::TERMINATE => Terminate::decode(body).map(|_| FrontendMessage::Terminate)?,
            tag::COPY_DATA => FrontendMessage::CopyData(CopyData::decode(body)?),
            tag::COPY_DONE => CopyDone::decode(body).map(|_| FrontendMessage::CopyDone)?,
            tag::COPY_FAIL => FrontendMessage::CopyFail(CopyFail::decode(body)?),
            tag::PASSWORD => FrontendMessage::AuthData(Bytes::copy_from_slice(body)),
            tag::FUNCTION_CALL => FrontendMessage::FunctionCall(Bytes::copy_from_slice(body)),
            other => return Err(Error::UnknownTag { tag: other }),
        })
    }

    /// The message type byte.
    pub fn tag(&self) -> u8 {
        match self {
            FrontendMessage::Query(_) => tag::QUERY,
            FrontendMessage::Parse(_) => tag::PARSE,
            FrontendMessage::Bind(_) => tag::BIND,
            FrontendMessage::Describe(_) => tag::DESCRIBE,
            FrontendMessage::Execute(_) => tag::EXECUTE,
            FrontendMessage::Close(_) => tag::CLOSE,
            FrontendMessage::Sync => tag::SYNC,
            FrontendMessage::Flush => tag::FLUSH,
            FrontendMessage::Terminate => tag::TERMINATE,
            FrontendMessage::CopyData(_) => tag::COPY_DATA,
            FrontendMessage::CopyDone => tag::COPY_DONE,
            FrontendMessage::CopyFail(_) => tag::COPY_FAIL,
            FrontendMessage::AuthData(_) => tag::PASSWORD,
            FrontendMessage::FunctionCall(_) => tag::FUNCTION_CALL,
        }
    }

    /// Appends the whole frame to `buf`; on error `buf` is left as it was.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        match self {
            FrontendMessage::Query(m) => m.encode(buf),
            FrontendMessage::Parse(m) => m.encode(buf),
            FrontendMessage::Bind(m) => m.encode(buf),
            FrontendMessage::Describe(m) => m.encode(buf),
            FrontendMessage::Execute(m) => m.encode(buf),
            FrontendMessage::Close(m) => m.encode(buf),
            FrontendMessage::Sync => {
                Sync.encode(buf);
                Ok(())
            }
            FrontendMessage::Flush => {
                Flush.encode(buf);
                Ok(())
            }
            FrontendMessage::Terminate => {
                Terminate.encode(buf);
                Ok(())
            }
            FrontendMessage::CopyData(m) => m.encode(buf),
            FrontendMessage::CopyDone => {
                CopyDone.encode(buf);
                Ok(())
            }
            FrontendMessage::CopyFail(m) => m.encode(buf),
            FrontendMessage::AuthData(body) | FrontendMessage::FunctionCall(body) => {
                write_frame(buf, self.tag(), |b| {
                    b.put_slice(body);
                    Ok(())
                })
            }
        }
    }
}
