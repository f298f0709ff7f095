//! Proving the client's password: md5, SCRAM-SHA-256 or cleartext, all checked
//! against the plaintext password in the configuration.

use bytes::BytesMut;
use pgwire::backend::Authentication;
use pgwire::frontend::{AuthMessage, AuthStage};
use pgwire::SqlState;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::startup::{encode_error, io_error, read_error};
use crate::auth::scram::{ScramServer, MECHANISM};
use crate::auth::{constant_time_eq, md5_response, random_bytes};
use crate::config::AuthMethod;
use crate::error::ClientError;
use crate::wire::{read_frame, MAX_LOGIN_MESSAGE};

/// Runs the exchange; `Ok` means the password was right (AuthenticationOk not sent yet).
pub async fn authenticate(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    method: AuthMethod,
    user: &str,
    password: &str,
) -> Result<(), ClientError> {
    let failed = || {
        ClientError::fatal(
            SqlState::INVALID_PASSWORD,
            format!("password authentication failed for user \"{user}\""),
        )
    };
    match method {
        AuthMethod::Md5 => {
            let salt: [u8; 4] = random_bytes();
            send(stream, Authentication::Md5Password { salt }).await?;
            let answer = read_auth(stream, buf, AuthStage::Password).await?;
            let expected = md5_response(user, password, salt);
            match answer {
                AuthMessage::Password(p)
                    if constant_time_eq(p.password.as_bytes(), expected.as_bytes()) =>
                {
                    Ok(())
                }
                _ => Err(failed()),
            }
        }
        AuthMethod::Password => {
            send(stream, Authentication::CleartextPassword).await?;
            match read_auth(stream, buf, AuthStage::Password).await? {
                AuthMessage::Password(p)
                    if constant_time_eq(p.password.as_bytes(), password.as_bytes()) =>
                {
                    Ok(())
                }
                _ => Err(failed()),
            }
        }
        AuthMethod::ScramSha256 => {
            let mechanisms = vec![MECHANISM.to_owned()];
            send(stream, Authentication::Sasl { mechanisms }).await?;
            let AuthMessage::SaslInitial(first) =
                read_auth(stream, buf, AuthStage::SaslInitial).await?
            else {
                return Err(failed());
            };
            if first.mechanism != MECHANISM {
                return Err(ClientError::fatal(
                    SqlState::PROTOCOL_VIOLATION,
                    format!("SASL mechanism \"{}\" is not offered", first.mechanism),
                ));
            }
            let data = first.data.unwrap_or_default();
            let (server, server_first) =
                ScramServer::start(password, &data).map_err(|e| scram_error(e, user))?;
            let data = bytes::Bytes::from(server_first.into_bytes());
            send(stream, Authentication::SaslContinue { data }).await?;
            let AuthMessage::Sasl(last) = read_auth(stream, buf, AuthStage::SaslContinue).await?
            else {
                return Err(failed());
            };
            let server_final = server
                .finish(&last.data)
                .map_err(|e| scram_error(e, user))?;
            let data = bytes::Bytes::from(server_final.into_bytes());
            send(stream, Authentication::SaslFinal { data }).await
        }
    }
}

fn scram_error(e: crate::auth::scram::ScramError, user: &str) -> ClientError {
    match e {
        crate::auth::scram::ScramError::WrongPassword => ClientError::fatal(
            SqlState::INVALID_PASSWORD,
            format!("password authentication failed for user \"{user}\""),
        ),
        other => ClientError::fatal(SqlState::PROTOCOL_VIOLATION, other.to_string()),
    }
}

async fn send(stream: &mut TcpStream, msg: Authentication) -> Result<(), ClientError> {
    let mut out = BytesMut::new();
    msg.encode(&mut out).map_err(encode_error)?;
    stream.write_all(&out).await.map_err(io_error)
}

async fn read_auth(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    stage: AuthStage,
) -> Result<AuthMessage, ClientError> {
    let frame = read_frame(stream, buf, MAX_LOGIN_MESSAGE)
        .await
        .map_err(read_error)?;
    if frame.tag() != b'p' {
        return Err(ClientError::fatal(
            SqlState::PROTOCOL_VIOLATION,
            format!(
                "expected a password message, got message type 0x{:02x}",
                frame.tag()
            ),
        ));
    }
    AuthMessage::decode(frame.body(), stage).map_err(|e| {
        ClientError::fatal(
            SqlState::PROTOCOL_VIOLATION,
            format!("invalid password message: {e}"),
        )
    })
}
