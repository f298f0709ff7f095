//! The startup phase: SSLRequest / GSSENCRequest answered `N`, CancelRequest routed,
//! StartupMessage checked against the configuration, then login.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::BytesMut;
use pgwire::backend::{
    Authentication, BackendKeyData, ParameterStatus, ReadyForQuery, TransactionStatus,
};
use pgwire::{SqlState, StartupPacket};
use tracing::{debug, info};

use super::auth::authenticate;
use crate::auth::Secret;
use crate::cancel::Registration;
use crate::config::ADMIN_DATABASES;
use crate::error::ClientError;
use crate::pool::Pool;
use crate::stream::Stream;
use crate::wire::{read_startup_frame, ReadError};
use crate::Shared;

/// A client logged into a pool.
#[derive(Debug)]
pub struct PoolLogin {
    pub pool: Arc<Pool>,
    pub registration: Registration,
    pub peer: SocketAddr,
    /// Settings the client asked for at startup.
    pub settings: Arc<super::params::ClientSettings>,
}

/// How the startup phase ended.
#[derive(Debug)]
pub enum Outcome {
    /// Nothing more to do (a CancelRequest was handled).
    Done,
    /// Logged into the admin console.
    Admin,
    /// Logged into a pool; AuthenticationOk .. ReadyForQuery were sent.
    Pool(PoolLogin),
}

/// Runs the startup phase to a login or an error.
pub async fn negotiate(
    shared: &Shared,
    stream: &mut Stream,
    buf: &mut BytesMut,
    peer: SocketAddr,
) -> Result<Outcome, ClientError> {
    let startup = loop {
        let frame = read_startup_frame(stream, buf).await.map_err(read_error)?;
        let packet = frame.decode().map_err(|e| match e {
            pgwire::Error::UnsupportedProtocolVersion { major, minor } => ClientError::fatal(
                SqlState::FEATURE_NOT_SUPPORTED,
                format!("unsupported frontend protocol {major}.{minor}: pgml-router speaks 3.x"),
            ),
            other => ClientError::fatal(
                SqlState::PROTOCOL_VIOLATION,
                format!("invalid startup packet: {other}"),
            ),
        })?;
        match packet {
            StartupPacket::SslRequest => start_tls(shared, stream, buf, peer).await?,
            StartupPacket::GssEncRequest => {
                stream.send(b"N").await.map_err(io_error)?;
            }
            StartupPacket::Cancel(request) => {
                shared.cancels.cancel(&request).await;
                return Ok(Outcome::Done);
            }
            StartupPacket::Startup(message) => break message,
        }
    };
    let user = startup.user().unwrap_or_default().to_owned();
    if user.is_empty() {
        return Err(ClientError::fatal(
            SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
            "no PostgreSQL user name specified in startup packet",
        ));
    }
    // An empty database name means the user's, as in PostgreSQL.
    let database = startup
        .database()
        .filter(|d| !d.is_empty())
        .unwrap_or(&user)
        .to_owned();
    negotiate_version(stream, &startup).await?;
    let loaded = shared.loaded();
    let general = &loaded.config.general;
    if general.client_tls_required && !stream.is_tls() {
        return Err(ClientError::fatal(
            SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
            format!(
                "connection of user \"{user}\" to database \"{database}\" refused: \
                 client_tls_required = true and this connection is not encrypted \
                 (connect with sslmode=require)"
            ),
        ));
    }

    if ADMIN_DATABASES.contains(&database.as_str()) {
        if user != general.admin_username {
            // The same exchange as for the admin user, then the same error: user names
            // cannot be probed.
            info!(%peer, %user, "admin console login with an unknown user name");
            return Err(refuse_unknown(stream, buf, general.auth_method, &user).await);
        }
        let secret = Secret::Plain(general.admin_password.clone());
        authenticate(stream, buf, general.auth_method, &user, &secret).await?;
        let mut out = BytesMut::new();
        Authentication::Ok.encode(&mut out).map_err(encode_error)?;
        for (k, v) in [
            ("server_version", crate::VERSION),
            ("client_encoding", "UTF8"),
        ] {
            ParameterStatus::new(k, v)
                .encode(&mut out)
                .map_err(encode_error)?;
        }
        ReadyForQuery {
            status: TransactionStatus::Idle,
        }
        .encode(&mut out);
        stream.send(&out).await.map_err(io_error)?;
        info!(%peer, %user, "admin console login");
        return Ok(Outcome::Admin);
    }

    let connected = shared.connected.get();
    if general.max_client_conn > 0 && connected > general.max_client_conn {
        info!(%peer, %user, %database, connected, limit = general.max_client_conn,
              "client refused: max_client_conn reached");
        // PgBouncer's exact text (client code matches on it); the SQLSTATE is PostgreSQL's
        // own for too many connections, where PgBouncer sends 08P01.
        return Err(ClientError::fatal(
            SqlState::TOO_MANY_CONNECTIONS,
            "no more connections allowed (max_client_conn)",
        ));
    }

    let Some(pool) = shared.pools.get(&database, &user) else {
        if shared.pools.has_database(&database) {
            // Challenged like a configured user, refused like a wrong password, so user
            // names cannot be probed; the log says why.
            info!(%peer, %user, %database, "login with a user not configured for the pool");
            return Err(refuse_unknown(stream, buf, general.auth_method, &user).await);
        }
        return Err(ClientError::fatal(
            SqlState::INVALID_CATALOG_NAME,
            format!(
                "database \"{database}\" does not exist (no pool \"{database}\" is configured)"
            ),
        ));
    };
    let password = loaded
        .config
        .user(&database, &user)
        .and_then(|(_, u)| u.password.clone());
    let secret = pool.client_secret(password.as_deref()).await?;
    match authenticate(stream, buf, general.auth_method, &user, &secret).await? {
        Some(credential) => pool.learn_credential(credential),
        // A plaintext password `auth_query` returned logs into the server too.
        None => {
            if let (None, Secret::Plain(plain)) = (&password, &secret) {
                pool.learn_credential(crate::auth::Credential::Password(plain.clone()));
            }
        }
    }
    if pool.is_disabled() {
        return Err(ClientError::fatal(
            SqlState::CANNOT_CONNECT_NOW,
            format!(
                "database \"{database}\" is disabled (DISABLE {database}); new clients are refused until ENABLE {database}"
            ),
        ));
    }
    let settings = super::params::client_settings(&startup.parameters);
    let params = super::params::reported_to_client(pool.server_params().await?, &settings);
    let registration = shared.cancels.register();

    let mut out = BytesMut::new();
    Authentication::Ok.encode(&mut out).map_err(encode_error)?;
    for (k, v) in params {
        ParameterStatus::new(k, v)
            .encode(&mut out)
            .map_err(encode_error)?;
    }
    BackendKeyData {
        process_id: registration.process_id,
        secret_key: registration.secret_key.clone(),
    }
    .encode(&mut out);
    ReadyForQuery {
        status: TransactionStatus::Idle,
    }
    .encode(&mut out);
    stream.send(&out).await.map_err(io_error)?;
    info!(%peer, pool = %pool.name(), "client logged in");
    Ok(Outcome::Pool(PoolLogin {
        pool,
        registration,
        peer,
        settings: super::params::shared_settings(settings),
    }))
}

/// Answers SSLRequest: `S` and a TLS handshake when `tls_certificate` is set, else `N`.
async fn start_tls(
    shared: &Shared,
    stream: &mut Stream,
    buf: &mut BytesMut,
    peer: SocketAddr,
) -> Result<(), ClientError> {
    let loaded = shared.loaded();
    let Some(acceptor) = &loaded.client_tls else {
        return stream.send(b"N").await.map_err(io_error);
    };
    if !buf.is_empty() {
        // Bytes sent before the handshake would be read as if they were encrypted.
        return Err(ClientError::fatal(
            SqlState::PROTOCOL_VIOLATION,
            "received unencrypted data after SSL request",
        ));
    }
    let Some(tcp) = stream.take_plain() else {
        return Err(ClientError::fatal(
            SqlState::PROTOCOL_VIOLATION,
            "SSLRequest on a connection that already uses TLS",
        ));
    };
    let mut tcp = tcp;
    tokio::io::AsyncWriteExt::write_all(&mut tcp, b"S")
        .await
        .map_err(io_error)?;
    match acceptor.0.accept(tcp).await {
        Ok(tls) => {
            debug!(%peer, "client TLS handshake done");
            *stream = Stream::ClientTls(Box::new(tls));
            Ok(())
        }
        Err(e) => Err(ClientError::fatal(
            SqlState::PROTOCOL_VIOLATION,
            format!("TLS handshake failed: {e}"),
        )),
    }
}

pub(super) fn read_error(e: ReadError) -> ClientError {
    match e {
        ReadError::Protocol(p) => ClientError::fatal(
            SqlState::PROTOCOL_VIOLATION,
            format!("invalid message during startup: {p}"),
        ),
        other => ClientError::fatal(SqlState::CONNECTION_FAILURE, other.to_string()),
    }
}

pub(super) fn io_error(e: std::io::Error) -> ClientError {
    ClientError::fatal(SqlState::CONNECTION_FAILURE, e.to_string())
}

pub(super) fn encode_error(e: pgwire::Error) -> ClientError {
    ClientError::fatal(
        SqlState::INTERNAL_ERROR,
        format!("cannot encode reply: {e}"),
    )
}

/// The password exchange a configured user would get (SCRAM with a verifier whose
/// salt is stable per name, or md5 / cleartext), then the wrong-password error.
async fn refuse_unknown(
    stream: &mut Stream,
    buf: &mut BytesMut,
    method: crate::config::AuthMethod,
    user: &str,
) -> ClientError {
    let secret = match method {
        crate::config::AuthMethod::ScramSha256 => {
            Secret::Scram(crate::auth::scram::ScramSecret::mock(user))
        }
        _ => {
            let random: [u8; 24] = crate::auth::random_bytes();
            Secret::Plain(random.iter().map(|b| format!("{b:02x}")).collect())
        }
    };
    match authenticate(stream, buf, method, user, &secret).await {
        Err(e) => e,
        // Cannot happen (nothing matches the secret); refused all the same.
        Ok(_) => ClientError::fatal(
            SqlState::INVALID_PASSWORD,
            format!("password authentication failed for user \"{user}\""),
        ),
    }
}

/// NegotiateProtocolVersion (as PostgreSQL sends it) when the client asked for a
/// newer 3.x minor version than 3.2 or for protocol options (`_pq_.*`), none of which
/// the router knows: the client then knows what it got.
async fn negotiate_version(
    stream: &mut Stream,
    startup: &pgwire::frontend::StartupMessage,
) -> Result<(), ClientError> {
    const NEWEST_MINOR: u16 = 2;
    let options: Vec<String> = startup
        .parameters
        .iter()
        .filter(|(k, _)| k.starts_with("_pq_."))
        .map(|(k, _)| k.clone())
        .collect();
    if startup.version.minor <= NEWEST_MINOR && options.is_empty() {
        return Ok(());
    }
    let mut out = BytesMut::new();
    pgwire::backend::NegotiateProtocolVersion {
        newest_minor: i32::from(startup.version.minor.min(NEWEST_MINOR)),
        unrecognized_options: options,
    }
    .encode(&mut out)
    .map_err(encode_error)?;
    stream.send(&out).await.map_err(io_error)
}
