//! Authentication (`R`): the server's authentication requests and its final "ok".

use bytes::{BufMut, Bytes, BytesMut};

use crate::codec::{put_list_cstr, write_frame, Reader};
use crate::error::{Error, Result};

/// Authentication request codes (the Int32 after the tag).
pub mod auth_code {
    pub const OK: i32 = 0;
    pub const KERBEROS_V5: i32 = 2;
    pub const CLEARTEXT_PASSWORD: i32 = 3;
    pub const MD5_PASSWORD: i32 = 5;
    pub const GSS: i32 = 7;
    pub const GSS_CONTINUE: i32 = 8;
    pub const SSPI: i32 = 9;
    pub const SASL: i32 = 10;
    pub const SASL_CONTINUE: i32 = 11;
    pub const SASL_FINAL: i32 = 12;
}

/// An Authentication message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Authentication {
    /// AuthenticationOk.
    Ok,
    /// AuthenticationKerberosV5 (no longer supported by servers; decoded for completeness).
    KerberosV5,
    /// AuthenticationCleartextPassword.
    CleartextPassword,
    /// AuthenticationMD5Password with its 4-byte salt.
    Md5Password { salt: [u8; 4] },
    /// AuthenticationGSS.
    Gss,
    /// AuthenticationGSSContinue.
    GssContinue { data: Bytes },
    /// AuthenticationSSPI.
    Sspi,
    /// AuthenticationSASL with the mechanisms the server offers, in preference order.
    Sasl { mechanisms: Vec<String> },
    /// AuthenticationSASLContinue (e.g. SCRAM server-first).
    SaslContinue { data: Bytes },
    /// AuthenticationSASLFinal (e.g. SCRAM server-final).
    SaslFinal { data: Bytes },
}

impl Authentication {
    /// The message type byte.
    pub const TAG: u8 = b'R';

    /// The request code.
    pub fn code(&self) -> i32 {
        match self {
            Authentication::Ok => auth_code::OK,
            Authentication::KerberosV5 => auth_code::KERBEROS_V5,
            Authentication::CleartextPassword => auth_code::CLEARTEXT_PASSWORD,
            Authentication::Md5Password { .. } => auth_code::MD5_PASSWORD,
            Authentication::Gss => auth_code::GSS,
            Authentication::GssContinue { .. } => auth_code::GSS_CONTINUE,
            Authentication::Sspi => auth_code::SSPI,
            Authentication::Sasl { .. } => auth_code::SASL,
            Authentication::SaslContinue { .. } => auth_code::SASL_CONTINUE,
            Authentication::SaslFinal { .. } => auth_code::SASL_FINAL,
        }
    }

    /// Appends the frame; fails only on an empty mechanism name or one with a NUL.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, Self::TAG, |b| {
            b.put_i32(self.code());
            match self {
                Authentication::Md5Password { salt } => b.put_slice(salt),
                Authentication::GssContinue { data }
                | Authentication::SaslContinue { data }
                | Authentication::SaslFinal { data } => b.put_slice(data),
                Authentication::Sasl { mechanisms } => {
                    for m in mechanisms {
                        put_list_cstr(b, m, "AuthenticationSASL mechanism")?;
                    }
                    b.put_u8(0);
                }
                Authentication::Ok
                | Authentication::KerberosV5
                | Authentication::CleartextPassword
                | Authentication::Gss
                | Authentication::Sspi => {}
            }
            Ok(())
        })
    }

    /// Decodes a body. An unknown code is [`Error::UnknownAuthCode`].
    pub fn decode(body: &[u8]) -> Result<Authentication> {
        let mut r = Reader::new(body, "Authentication");
        let code = r.i32()?;
        let msg = match code {
            auth_code::OK => Authentication::Ok,
            auth_code::KERBEROS_V5 => Authentication::KerberosV5,
            auth_code::CLEARTEXT_PASSWORD => Authentication::CleartextPassword,
            auth_code::MD5_PASSWORD => {
                let salt = r.take(4)?;
                let mut s = [0u8; 4];
                s.copy_from_slice(salt);
                Authentication::Md5Password { salt: s }
            }
            auth_code::GSS => Authentication::Gss,
            auth_code::SSPI => Authentication::Sspi,
            auth_code::GSS_CONTINUE => Authentication::GssContinue {
                data: Bytes::copy_from_slice(r.rest()),
            },
            auth_code::SASL_CONTINUE => Authentication::SaslContinue {
                data: Bytes::copy_from_slice(r.rest()),
            },
            auth_code::SASL_FINAL => Authentication::SaslFinal {
                data: Bytes::copy_from_slice(r.rest()),
            },
            auth_code::SASL => {
                let mut mechanisms = Vec::new();
                loop {
                    let m = r.cstr_bytes()?;
                    if m.is_empty() {
                        break;
                    }
                    mechanisms.push(r.utf8(m)?);
                }
                Authentication::Sasl { mechanisms }
            }
            other => return Err(Error::UnknownAuthCode { code: other }),
        };
        r.finish()?;
        Ok(msg)
    }
}
