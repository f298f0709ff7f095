//! Opening a server connection: TCP connect, StartupMessage, authentication (trust,
//! cleartext, md5, SCRAM-SHA-256), then ParameterStatus and BackendKeyData up to the
//! first ReadyForQuery.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use pgwire::backend::{Authentication, BackendKeyData, ErrorResponse, ParameterStatus};
use pgwire::frontend::{
    PasswordMessage, SaslInitialResponse, SaslResponse, SslRequest, StartupMessage,
};
use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256, SCRAM_SHA_256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{CancelTarget, ServerConn};
use crate::auth::scram_client::ScramKeyClient;
use crate::auth::Credential;
use crate::stream::Stream;
use crate::tls::ServerTls;
use crate::wire::{read_frame, ReadError, MAX_LOGIN_MESSAGE};

/// Where and as whom to log in.
#[derive(Debug, Clone)]
pub struct ServerTarget {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    /// The configured password; without one (`auth_query`) the pool logs in with what
    /// its clients proved.
    pub password: Option<String>,
    /// `server_tls`: SSLRequest first, then TLS.
    pub tls: Option<std::sync::Arc<ServerTls>>,
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
    /// `server_tls` is on and TLS could not be set up.
    #[error("server_tls: {0}")]
    Tls(String),
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

/// A SCRAM exchange from a password or from keys a client proved.
enum Scram {
    Password(ScramSha256),
    Keys(ScramKeyClient),
}

fn no_credential(method: &str) -> LoginError {
    LoginError::Unsupported(format!(
        "the server asks for {method} authentication, and the router knows no password \
         for it (auth_query gave a secret for another method)"
    ))
}

/// Opens and logs into a server connection within `timeout`.
pub async fn connect(
    target: &ServerTarget,
    credential: &Credential,
    timeout: Duration,
) -> Result<ServerConn, LoginError> {
    match tokio::time::timeout(timeout, login(target, credential)).await {
        Ok(result) => result,
        Err(_) => Err(LoginError::Timeout(timeout)),
    }
}

/// Asks for TLS (SSLRequest) and runs the handshake; a server that answers `N` is an
/// error, since `server_tls` was asked for.
pub async fn start_tls(
    mut tcp: TcpStream,
    host: &str,
    tls: &ServerTls,
) -> Result<Stream, LoginError> {
    let mut out = BytesMut::new();
    SslRequest.encode(&mut out);
    tcp.write_all(&out).await?;
    let mut answer = [0u8; 1];
    tcp.read_exact(&mut answer).await?;
    match answer[0] {
        b'S' => {}
        b'N' => {
            return Err(LoginError::Tls(
                "the server does not accept TLS connections (it answered N to SSLRequest)"
                    .to_owned(),
            ))
        }
        other => {
            return Err(LoginError::Tls(format!(
                "unexpected answer 0x{other:02x} to SSLRequest"
            )))
        }
    }
    let name = ServerTls::server_name(host).map_err(LoginError::Tls)?;
    let stream = tls
        .connector
        .connect(name, tcp)
        .await
        .map_err(|e| LoginError::Tls(format!("TLS handshake failed: {e}")))?;
    Ok(Stream::ServerTls(Box::new(stream)))
}

async fn login(target: &ServerTarget, credential: &Credential) -> Result<ServerConn, LoginError> {
    let tcp = TcpStream::connect((target.host.as_str(), target.port)).await?;
    tcp.set_nodelay(true)?;
    let mut stream = match &target.tls {
        Some(tls) => start_tls(tcp, &target.host, tls).await?,
        None => Stream::Plain(tcp),
    };
    let mut out = BytesMut::new();
    StartupMessage::new([
        ("user", target.user.as_str()),
        ("database", target.database.as_str()),
        ("application_name", "pgml-router"),
        ("client_encoding", "UTF8"),
    ])
    .encode(&mut out)?;
    stream.send(&out).await?;

    let mut buf = BytesMut::new();
    let mut scram: Option<Scram> = None;
    let mut scram_verified = false;
    let mut params = Vec::new();
    let mut key = None;
    loop {
        let frame = read_frame(&mut stream, &mut buf, MAX_LOGIN_MESSAGE).await?;
        match frame.tag() {
            b'R' => {
                let mut out = BytesMut::new();
                match Authentication::decode(frame.body())? {
                    // Once SCRAM started, only a server that proved it knows the password
                    // (its signature, in SASLFinal) may say Ok: a server, or a man in the
                    // middle, that says Ok earlier is not the one the password is for.
                    Authentication::Ok if scram.is_some() && !scram_verified => {
                        return Err(LoginError::Unsupported(
                            "server said AuthenticationOk before completing SCRAM-SHA-256 \
                             (no server signature): refusing it"
                                .to_owned(),
                        ))
                    }
                    Authentication::Ok => continue,
                    Authentication::CleartextPassword => PasswordMessage {
                        password: match credential {
                            Credential::Password(p) => p.clone(),
                            _ => return Err(no_credential("cleartext")),
                        },
                    }
                    .encode(&mut out)?,
                    Authentication::Md5Password { salt } => PasswordMessage {
                        password: match credential {
                            Credential::Password(p) => {
                                crate::auth::md5_response(&target.user, p, salt)
                            }
                            Credential::Md5Hash(h) => crate::auth::md5_response_from_hash(h, salt),
                            Credential::ScramKeys(_) => return Err(no_credential("md5")),
                        },
                    }
                    .encode(&mut out)?,
                    Authentication::Sasl { mechanisms } => {
                        if !mechanisms.iter().any(|m| m == SCRAM_SHA_256) {
                            return Err(LoginError::Unsupported(format!(
                                "server offers SASL mechanisms {mechanisms:?}, not SCRAM-SHA-256"
                            )));
                        }
                        let (client, first) = match credential {
                            Credential::Password(p) => {
                                let c =
                                    ScramSha256::new(p.as_bytes(), ChannelBinding::unsupported());
                                let first = c.message().to_vec();
                                (Scram::Password(c), first)
                            }
                            Credential::ScramKeys(keys) => {
                                let (c, first) = ScramKeyClient::new(keys.clone());
                                (Scram::Keys(c), first.into_bytes())
                            }
                            Credential::Md5Hash(_) => return Err(no_credential("SCRAM-SHA-256")),
                        };
                        SaslInitialResponse {
                            mechanism: SCRAM_SHA_256.to_owned(),
                            data: Some(bytes::Bytes::from(first)),
                        }
                        .encode(&mut out)?;
                        scram = Some(client);
                    }
                    Authentication::SaslContinue { data } => {
                        let client = scram.as_mut().ok_or_else(|| {
                            LoginError::Unsupported("SASLContinue before SASL".to_owned())
                        })?;
                        let answer = match client {
                            Scram::Password(c) => {
                                c.update(&data)
                                    .map_err(|e| LoginError::Unsupported(format!("SCRAM: {e}")))?;
                                c.message().to_vec()
                            }
                            Scram::Keys(c) => c
                                .update(&data)
                                .map_err(|e| LoginError::Unsupported(format!("SCRAM: {e}")))?
                                .into_bytes(),
                        };
                        SaslResponse {
                            data: bytes::Bytes::from(answer),
                        }
                        .encode(&mut out)?;
                    }
                    Authentication::SaslFinal { data } => {
                        let client = scram.as_mut().ok_or_else(|| {
                            LoginError::Unsupported("SASLFinal before SASL".to_owned())
                        })?;
                        let checked = match client {
                            Scram::Password(c) => c.finish(&data).map_err(|e| e.to_string()),
                            Scram::Keys(c) => c.finish(&data).map_err(|e| e.to_string()),
                        };
                        checked.map_err(|e| {
                            LoginError::Unsupported(format!("SCRAM server signature: {e}"))
                        })?;
                        scram_verified = true;
                        continue;
                    }
                    other => {
                        return Err(LoginError::Unsupported(format!(
                            "server asks for authentication code {}",
                            other.code()
                        )))
                    }
                }
                stream.send(&out).await?;
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
        cancel: Arc::new(CancelTarget {
            host: target.host.clone(),
            port: target.port,
            process_id: key.process_id,
            secret_key: key.secret_key,
            tls: target.tls.clone(),
        }),
        settings: params.clone(),
        synced_with: 0,
        dirtied_by: None,
        prepared: std::collections::HashSet::new(),
        params,
        created: now,
        generation: 0,
        idle_since: now,
        models: [0; super::MODELS_REMEMBERED],
        slots: None,
        info: None,
    })
}
