//! Simple-query and session messages from the client: Query, Terminate, CopyFail.

use bytes::BytesMut;

use crate::codec::{empty_message, put_cstr, write_frame, Reader};
use crate::error::Result;

/// Query (`Q`): one or more SQL statements, simple protocol.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Query {
    pub query: String,
}

impl Query {
    /// The message type byte.
    pub const TAG: u8 = b'Q';

    pub fn new(query: impl Into<String>) -> Query {
        Query {
            query: query.into(),
        }
    }

    /// Appends the frame; fails if the text contains a NUL.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| put_cstr(b, &self.query, "Query"))
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<Query> {
        let mut r = Reader::new(body, "Query");
        let query = r.cstr()?;
        r.finish()?;
        Ok(Query { query })
    }
}

/// CopyFail (`f`): the client aborts a COPY FROM STDIN with this message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CopyFail {
    pub message: String,
}

impl CopyFail {
    /// The message type byte.
    pub const TAG: u8 = b'f';

    /// Appends the frame; fails if the text contains a NUL.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| put_cstr(b, &self.message, "CopyFail"))
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<CopyFail> {
        let mut r = Reader::new(body, "CopyFail");
        let message = r.cstr()?;
        r.finish()?;
        Ok(CopyFail { message })
    }
}

empty_message! {
    /// Terminate (`X`): the client is closing the connection.
    Terminate = b'X'
}
