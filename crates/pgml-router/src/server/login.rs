//! Opening a server connection: TCP connect, StartupMessage, authentication (trust,
//! cleartext, md5, SCRAM-SHA-256), then ParameterStatus and BackendKeyData up to the
//! first ReadyForQuery.

use std::time::{Duration, Instant};

use bytes::BytesMut;
use pgwire::backend::{Authentication, BackendKeyData, ErrorResponse, ParameterStatus};
use pgwire::frontend::{PasswordMessage, SaslInitialResponse, SaslResponse, StartupMessage};
use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256, SCRAM_SHA_256};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::{CancelTarget, ServerConn};
use crate::wire::{read_frame, ReadError, MAX_LOGIN_MESSAGE};

/// Where and as whom to log in.
#[derive(Debug, Clone)]
pub struct ServerTarget {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    pub password: String,
}

/// Why a server connection could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Connect or login took longer than `connect_timeout`.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// Socket or framing failure.
    #[error("{0}")]
    Read(#[from] ReadError),
    /// The server refused the login (its ErrorResponse).
    #[error("server refused login: {}", .0.message().unwrap_or("no message"))]
    Refused(ErrorResponse),
    /// The server asked for something this router cannot do.
    #[error("{0}")]
    Unsupported(String),
}

impl From<std::io::Error> for LoginError {
    fn from(e: std::io::Error) -> Self {
        LoginError::Read(ReadError::Io(e))
    }
}

impl From<pgwire::Error> for LoginError {
    fn from(e: pgwire::Error) -> Self {
        LoginError::Read(ReadError::Protocol(e))
    }
}

/// Opens and logs into a server connection within `timeout`.
pub async fn connect(target: &ServerTarget, timeout: Duration) -> Result<ServerConn, LoginError> {
    match tokio::time::timeout(timeout, login(target)).await {
        Ok(result) => result,
        Err(_) => Err(LoginError::Timeout(timeout)),
    }
}

async fn login(target: &ServerTarget) -> Result<ServerConn, LoginError> {
    let mut stream = TcpStream::connect((target.host.as_str(), target.port)).await?;
    stream.set_nodelay(true)?;
    let mut out = BytesMut::new();
    StartupMessage::new([
        ("user", target.user.as_str()),
        ("database", target.database.as_str()),
        ("application_name", "pgml-router"),
        ("client_encoding", "UTF8"),
    ])
    .encode(&mut out)?;
    stream.write_all(&out).await?;

    let mut buf = BytesMut::new();
    let mut scram: Option<ScramSha256> = None;
    let mut params = Vec::new();
    let mut key = None;
    loop {
        let frame = read_frame(&mut stream, &mut buf, MAX_LOGIN_MESSAGE).await?;
        match frame.tag() {
            b'R' => {
                let mut out = BytesMut::new();
                match Authentication::decode(frame.body())? {
                    Authentication::Ok => continue,
                    Authentication::CleartextPassword => PasswordMessage {
                        password: target.password.clone(),
                    }
                    .encode(&mut out)?,
                    Authentication::Md5Password { salt } => PasswordMessage {
                        password: crate::auth::md5_response(&target.user, &target.password, salt),
                    }
                    .encode(&mut out)?,
                    Authentication::Sasl { mechanisms } => {
                        if !mechanisms.iter().any(|m| m == SCRAM_SHA_256) {
                            return Err(LoginError::Unsupported(format!(
                                "server offers SASL mechanisms {mechanisms:?}, not SCRAM-SHA-256"
                            )));
                        }
                        let client = ScramSha256::new(
                            target.password.as_bytes(),
                            ChannelBinding::unsupported(),
                        );
                        SaslInitialResponse {
                            mechanism: SCRAM_SHA_256.to_owned(),
                            data: Some(bytes::Bytes::copy_from_slice(client.message())),
                        }
                        .encode(&mut out)?;
                        scram = Some(client);
                    }
                    Authentication::SaslContinue { data } => {
                        let client = scram.as_mut().ok_or_else(|| {
                            LoginError::Unsupported("SASLContinue before SASL".to_owned())
                        })?;
                        client
                            .update(&data)
                            .map_err(|e| LoginError::Unsupported(format!("SCRAM: {e}")))?;
                        SaslResponse {
                            data: bytes::Bytes::copy_from_slice(client.message()),
                        }
                        .encode(&mut out)?;
                    }
                    Authentication::SaslFinal { data } => {
                        let client = scram.as_mut().ok_or_else(|| {
                            LoginError::Unsupported("SASLFinal before SASL".to_owned())
                        })?;
                        client.finish(&data).map_err(|e| {
                            LoginError::Unsupported(format!("SCRAM server signature: {e}"))
                        })?;
                        continue;
                    }
                    other => {
                        return Err(LoginError::Unsupported(format!(
                            "server asks for authentication code {}",
                            other.code()
                        )))
                    }
                }
                stream.write_all(&out).await?;
            }
            b'E' => return Err(LoginError::Refused(ErrorResponse::decode(frame.body())?)),
            b'S' => {
                let p = ParameterStatus::decode(frame.body())?;
                params.push((p.name, p.value));
            }
            b'K' => key = Some(BackendKeyData::decode(frame.body())?),
            b'Z' => break,
            // NoticeResponse, NegotiateProtocolVersion: nothing to do.
            _ => {}
        }
    }
    let key = key.ok_or_else(|| LoginError::Unsupported("no BackendKeyData".to_owned()))?;
    let now = Instant::now();
    Ok(ServerConn {
        stream,
        buf,
        cancel: CancelTarget {
            host: target.host.clone(),
            port: target.port,
            process_id: key.process_id,
            secret_key: key.secret_key,
        },
        settings: params.clone(),
        prepared: std::collections::HashSet::new(),
        params,
        created: now,
        idle_since: now,
        info: None,
    })
}
