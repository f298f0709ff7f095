//! Query results and extended-query acknowledgements from the server.

use bytes::{BufMut, Bytes, BytesMut};

use crate::codec::{empty_message, put_count16, put_cstr, put_nullable, write_frame, Reader};
use crate::common::Format;
use crate::error::Result;

/// One column of a RowDescription.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FieldDescription {
    pub name: String,
    /// OID of the source table, or 0.
    pub table_oid: u32,
    /// Attribute number in the source table, or 0.
    pub column_id: i16,
    pub type_oid: u32,
    /// `pg_type.typlen`; negative for variable-width types.
    pub type_size: i16,
    /// `pg_attribute.atttypmod`; -1 when not applicable.
    pub type_modifier: i32,
    pub format: Format,
}

/// RowDescription (`T`): the columns of the rows that follow.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RowDescription {
    pub fields: Vec<FieldDescription>,
}

impl RowDescription {
    /// The message type byte.
    pub const TAG: u8 = b'T';

    /// Appends the frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| {
            put_count16(b, self.fields.len(), "RowDescription fields")?;
            for f in &self.fields {
                put_cstr(b, &f.name, "RowDescription field name")?;
                b.put_u32(f.table_oid);
                b.put_i16(f.column_id);
                b.put_u32(f.type_oid);
                b.put_i16(f.type_size);
                b.put_i32(f.type_modifier);
                b.put_i16(f.format.code());
            }
            Ok(())
        })
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<RowDescription> {
        let mut r = Reader::new(body, "RowDescription");
        // Each field: name NUL (>= 1) + 18 fixed bytes.
        let n = r.count16(19)?;
        let mut fields = Vec::with_capacity(n);
        for _ in 0..n {
            fields.push(FieldDescription {
                name: r.cstr()?,
                table_oid: r.u32()?,
                column_id: r.i16()?,
                type_oid: r.u32()?,
                type_size: r.i16()?,
                type_modifier: r.i32()?,
                format: Format::read16(&mut r, "RowDescription format")?,
            });
        }
        r.finish()?;
        Ok(RowDescription { fields })
    }
}

/// DataRow (`D`): one row; `None` is SQL NULL.
///
/// Proxies that only forward rows should not decode them: see [`crate::split_frame`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DataRow {
    pub values: Vec<Option<Bytes>>,
}

impl DataRow {
    /// The message type byte.
    pub const TAG: u8 = b'D';

    /// Appends the frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| {
            put_count16(b, self.values.len(), "DataRow columns")?;
            for v in &self.values {
                put_nullable(b, v.as_deref(), "DataRow value")?;
            }
            Ok(())
        })
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<DataRow> {
        let mut r = Reader::new(body, "DataRow");
        let n = r.count16(4)?;
        let values = (0..n).map(|_| r.nullable_bytes()).collect::<Result<_>>()?;
        r.finish()?;
        Ok(DataRow { values })
    }
}

/// CommandComplete (`C`): a statement finished; `tag` is e.g. `SELECT 3`, `INSERT 0 1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CommandComplete {
    pub tag: String,
}

impl CommandComplete {
    /// The message type byte.
    pub const TAG: u8 = b'C';

    pub fn new(tag: impl Into<String>) -> CommandComplete {
        CommandComplete { tag: tag.into() }
    }

    /// Appends the frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| {
            put_cstr(b, &self.tag, "CommandComplete")
        })
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<CommandComplete> {
        let mut r = Reader::new(body, "CommandComplete");
        let tag = r.cstr()?;
        r.finish()?;
        Ok(CommandComplete { tag })
    }
}

/// ParameterDescription (`t`): the parameter type OIDs of a described statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ParameterDescription {
    pub types: Vec<u32>,
}

impl ParameterDescription {
    /// The message type byte.
    pub const TAG: u8 = b't';

    /// Appends the frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| {
            put_count16(b, self.types.len(), "ParameterDescription types")?;
            for oid in &self.types {
                b.put_u32(*oid);
            }
            Ok(())
        })
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<ParameterDescription> {
        let mut r = Reader::new(body, "ParameterDescription");
        let n = r.count16(4)?;
        let types = (0..n).map(|_| r.u32()).collect::<Result<_>>()?;
        r.finish()?;
        Ok(ParameterDescription { types })
    }
}

empty_message! {
    /// EmptyQueryResponse (`I`): the query string was empty.
    EmptyQueryResponse = b'I'
}

empty_message! {
    /// ParseComplete (`1`).
    ParseComplete = b'1'
}

empty_message! {
    /// BindComplete (`2`).
    BindComplete = b'2'
}

empty_message! {
    /// CloseComplete (`3`).
    CloseComplete = b'3'
}

empty_message! {
    /// NoData (`n`): the described statement or portal returns no rows.
    NoData = b'n'
}

empty_message! {
    /// PortalSuspended (`s`): Execute stopped at its row limit.
    PortalSuspended = b's'
}
