//! Authentication responses from the client. PasswordMessage, SASLInitialResponse and
//! SASLResponse share the tag `p`: only the stage of the exchange tells them apart, so
//! [`AuthMessage::decode`] takes it.

use bytes::{BufMut, Bytes, BytesMut};

use crate::codec::{put_cstr, put_nullable, write_frame, Reader};
use crate::error::Result;

/// The shared message type byte.
pub const AUTH_TAG: u8 = b'p';

/// Which authentication request the server sent last, hence what `p` carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthStage {
    /// After AuthenticationCleartextPassword or AuthenticationMD5Password.
    Password,
    /// After AuthenticationSASL.
    SaslInitial,
    /// After AuthenticationSASLContinue.
    SaslContinue,
}

/// PasswordMessage: a cleartext password, or `md5` + hex digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PasswordMessage {
    pub password: String,
}

impl PasswordMessage {
    /// Appends the frame; fails if the password contains a NUL.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, AUTH_TAG, |b| {
            put_cstr(b, &self.password, "PasswordMessage")
        })
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<PasswordMessage> {
        let mut r = Reader::new(body, "PasswordMessage");
        let password = r.cstr()?;
        r.finish()?;
        Ok(PasswordMessage { password })
    }
}

/// SASLInitialResponse: the chosen mechanism and the client-first message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SaslInitialResponse {
    /// E.g. `SCRAM-SHA-256`.
    pub mechanism: String,
    /// Initial response; `None` is length -1 (no initial response).
    pub data: Option<Bytes>,
}

impl SaslInitialResponse {
    /// Appends the frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, AUTH_TAG, |b| {
            put_cstr(b, &self.mechanism, "SASLInitialResponse mechanism")?;
            put_nullable(b, self.data.as_deref(), "SASLInitialResponse data")
        })
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<SaslInitialResponse> {
        let mut r = Reader::new(body, "SASLInitialResponse");
        let mechanism = r.cstr()?;
        let data = r.nullable_bytes()?;
        r.finish()?;
        Ok(SaslInitialResponse { mechanism, data })
    }
}

/// SASLResponse: a later client message of the SASL exchange (e.g. client-final).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SaslResponse {
    pub data: Bytes,
}

impl SaslResponse {
    /// Appends the frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        write_frame(buf, AUTH_TAG, |b| {
            b.put_slice(&self.data);
            Ok(())
        })
    }

    /// Decodes a body: all of it is data.
    pub fn decode(body: &[u8]) -> Result<SaslResponse> {
        Ok(SaslResponse {
            data: Bytes::copy_from_slice(body),
        })
    }
}

/// A decoded `p` message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AuthMessage {
    Password(PasswordMessage),
    SaslInitial(SaslInitialResponse),
    Sasl(SaslResponse),
}

impl AuthMessage {
    /// Decodes a `p` body as what `stage` expects.
    pub fn decode(body: &[u8], stage: AuthStage) -> Result<AuthMessage> {
        match stage {
            AuthStage::Password => PasswordMessage::decode(body).map(AuthMessage::Password),
            AuthStage::SaslInitial => {
                SaslInitialResponse::decode(body).map(AuthMessage::SaslInitial)
            }
            AuthStage::SaslContinue => SaslResponse::decode(body).map(AuthMessage::Sasl),
        }
    }

    /// Appends the frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<()> {
        match self {
            AuthMessage::Password(m) => m.encode(buf),
            AuthMessage::SaslInitial(m) => m.encode(buf),
            AuthMessage::Sasl(m) => m.encode(buf),
        }
    }
}
