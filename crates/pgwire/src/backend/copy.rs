//! CopyInResponse, CopyOutResponse, CopyBothResponse: the server starts a COPY.
//! All three have the same body: overall format (Int8) and per-column formats.

use bytes::{BufMut, BytesMut};

use crate::codec::{write_frame, Reader};
use crate::common::Format;
use crate::error::Result;

macro_rules! copy_response {
    ($(#[$meta:meta])* $name:ident = $tag:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        pub struct $name {
            /// Overall format: text or binary.
            pub format: Format,
            /// One per column (all text when `format` is text).
            pub column_formats: Vec<Format>,
        }

        impl $name {
            /// The message type byte.
            pub const TAG: u8 = $tag;

            /// Appends the frame.
            pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
                write_frame(buf, Self::TAG, |b| {
                    // Format codes are 0 or 1: the i8 cast cannot truncate.
                    b.put_i8(if self.format == Format::Binary { 1 } else { 0 });
                    Format::put_list(b, &self.column_formats, stringify!($name))
                })
            }

            /// Decodes a body.
            pub fn decode(body: &[u8]) -> Result<Self> {
                let what = stringify!($name);
                let mut r = Reader::new(body, what);
                let format = Format::from_code(i16::from(r.i8()?), what)?;
                let column_formats = Format::read_list(&mut r, what)?;
                r.finish()?;
                Ok($name {
                    format,
                    column_formats,
                })
            }
        }
    };
}

copy_response! {
    /// CopyInResponse (`G`): the server is ready for COPY FROM STDIN data.
    CopyInResponse = b'G'
}

copy_response! {
    /// CopyOutResponse (`H`): COPY TO STDOUT data follows.
    CopyOutResponse = b'H'
}

copy_response! {
    /// CopyBothResponse (`W`): streaming replication, both directions.
    CopyBothResponse = b'W'
}
