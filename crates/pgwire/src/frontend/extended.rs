//! Extended-query messages from the client: Parse, Bind, Describe, Execute, Close,
//! Sync, Flush.

use bytes::{BufMut, Bytes, BytesMut};

use crate::codec::{empty_message, put_count16, put_cstr, put_nullable, write_frame, Reader};
use crate::common::Format;
use crate::error::{Error, Result};

/// What a Describe or Close names: a prepared statement or a portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// `S`
    Statement,
    /// `P`
    Portal,
}

impl Target {
    /// The wire byte.
    pub fn byte(self) -> u8 {
        match self {
            Target::Statement => b'S',
            Target::Portal => b'P',
        }
    }

    fn read(r: &mut Reader<'_>, what: &'static str) -> Result<Target> {
        match r.u8()? {
            b'S' => Ok(Target::Statement),
            b'P' => Ok(Target::Portal),
            other => Err(Error::InvalidValue {
                what,
                value: i64::from(other),
            }),
        }
    }
}

/// Parse (`P`): prepare `query` as statement `name` ("" is the unnamed statement).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Parse {
    pub name: String,
    pub query: String,
    /// Parameter type OIDs the client specifies (0 = let the server infer).
    pub param_types: Vec<u32>,
}

impl Parse {
    /// The message type byte.
    pub const TAG: u8 = b'P';

    /// Appends the frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| {
            put_cstr(b, &self.name, "Parse statement name")?;
            put_cstr(b, &self.query, "Parse query")?;
            put_count16(b, self.param_types.len(), "Parse parameter types")?;
            for oid in &self.param_types {
                b.put_u32(*oid);
            }
            Ok(())
        })
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<Parse> {
        let mut r = Reader::new(body, "Parse");
        let name = r.cstr()?;
        let query = r.cstr()?;
        let n = r.count16(4)?;
        let param_types = (0..n).map(|_| r.u32()).collect::<Result<_>>()?;
        r.finish()?;
        Ok(Parse {
            name,
            query,
            param_types,
        })
    }
}

/// Bind (`B`): bind parameters to a prepared statement, creating a portal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Bind {
    pub portal: String,
    pub statement: String,
    /// None (all text), one (applies to all), or one per parameter.
    pub param_formats: Vec<Format>,
    /// Parameter values; `None` is SQL NULL (length -1 on the wire).
    pub params: Vec<Option<Bytes>>,
    /// None (all text), one (applies to all), or one per result column.
    pub result_formats: Vec<Format>,
}

impl Bind {
    /// The message type byte.
    pub const TAG: u8 = b'B';

    /// Appends the frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| {
            put_cstr(b, &self.portal, "Bind portal name")?;
            put_cstr(b, &self.statement, "Bind statement name")?;
            Format::put_list(b, &self.param_formats, "Bind parameter formats")?;
            put_count16(b, self.params.len(), "Bind parameters")?;
            for p in &self.params {
                put_nullable(b, p.as_deref(), "Bind parameter")?;
            }
            Format::put_list(b, &self.result_formats, "Bind result formats")
        })
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<Bind> {
        let mut r = Reader::new(body, "Bind");
        let portal = r.cstr()?;
        let statement = r.cstr()?;
        let param_formats = Format::read_list(&mut r, "Bind parameter format")?;
        let n = r.count16(4)?;
        let params = (0..n).map(|_| r.nullable_bytes()).collect::<Result<_>>()?;
        let result_formats = Format::read_list(&mut r, "Bind result format")?;
        r.finish()?;
        Ok(Bind {
            portal,
            statement,
            param_formats,
            params,
            result_formats,
        })
    }
}

/// Describe (`D`): ask for a statement's or portal's parameter / row description.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Describe {
    pub target: Target,
    pub name: String,
}

impl Describe {
    /// The message type byte.
    pub const TAG: u8 = b'D';

    /// Appends the frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| {
            b.put_u8(self.target.byte());
            put_cstr(b, &self.name, "Describe name")
        })
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<Describe> {
        let mut r = Reader::new(body, "Describe");
        let target = Target::read(&mut r, "Describe target")?;
        let name = r.cstr()?;
        r.finish()?;
        Ok(Describe { target, name })
    }
}

/// Execute (`E`): run a portal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Execute {
    pub portal: String,
    /// Row limit; 0 means no limit.
    pub max_rows: i32,
}

impl Execute {
    /// The message type byte.
    pub const TAG: u8 = b'E';

    /// Appends the frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| {
            put_cstr(b, &self.portal, "Execute portal name")?;
            b.put_i32(self.max_rows);
            Ok(())
        })
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<Execute> {
        let mut r = Reader::new(body, "Execute");
        let portal = r.cstr()?;
        let max_rows = r.i32()?;
        r.finish()?;
        Ok(Execute { portal, max_rows })
    }
}

/// Close (`C`): close a prepared statement or portal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Close {
    pub target: Target,
    pub name: String,
}

impl Close {
    /// The message type byte.
    pub const TAG: u8 = b'C';

    /// Appends the frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| {
            b.put_u8(self.target.byte());
            put_cstr(b, &self.name, "Close name")
        })
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<Close> {
        let mut r = Reader::new(body, "Close");
        let target = Target::read(&mut r, "Close target")?;
        let name = r.cstr()?;
        r.finish()?;
        Ok(Close { target, name })
    }
}

empty_message! {
    /// Sync (`S`): end of an extended-query batch; the server answers ReadyForQuery.
    Sync = b'S'
}

empty_message! {
    /// Flush (`H`): ask the server to send what it has buffered.
    Flush = b'H'
}
