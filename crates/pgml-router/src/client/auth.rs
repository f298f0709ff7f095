//! Proving the client's password: md5, SCRAM-SHA-256 or cleartext, checked against
//! the configured plaintext password or the secret `auth_query` fetched.

use bytes::BytesMut;
use pgwire::backend::Authentication;
use pgwire::frontend::{AuthMessage, AuthStage};
use pgwire::SqlState;

use super::startup::{encode_error, io_error, read_error};
use crate::auth::scram::{ScramError, ScramServer, MECHANISM};
use crate::auth::scram_client::ScramKeys;
use crate::auth::{
    constant_time_eq, md5_hash, md5_response, md5_response_from_hash, random_bytes, Credential,
    Secret,
};
use crate::config::AuthMethod;
use crate::error::ClientError;
use crate::stream::Stream;
use crate::wire::{read_frame, MAX_LOGIN_MESSAGE};

/// Runs the exchange; `Ok` means the password was right (AuthenticationOk not sent
/// yet). With a stored secret (from `auth_query`) the method follows the secret, as
/// PostgreSQL does: md5 hashes get the md5 challenge, SCRAM verifiers SCRAM (unless
/// `auth_method = "password"`); the result is then the credential that logs this
/// user into the server (the md5 hash, or the SCRAM keys the client proved).
pub async fn authenticate(
    stream: &mut Stream,
    buf: &mut BytesMut,
    method: AuthMethod,
    user: &str,
    secret: &Secret,
) -> Result<Option<Credential>, ClientError> {
    let failed = || {
        ClientError::fatal(
            SqlState::INVALID_PASSWORD,
            format!("password authentication failed for user \"{user}\""),
        )
    };
    let cleartext = method == AuthMethod::Password;
    match secret {
        // A stored md5 hash cannot be checked with SCRAM, and scram-sha-256 was asked
        // for: refused, as PostgreSQL's pg_hba `scram-sha-256` refuses md5 passwords.
        Secret::Md5(_) if method == AuthMethod::ScramSha256 => {
            tracing::warn!(%user, "auth_query returned an md5 hash and auth_method is \
                           scram-sha-256: login refused (store the password as SCRAM)");
            Err(failed())
        }
        Secret::Plain(password) if cleartext => {
            let given = read_cleartext(stream, buf).await?;
            let ok = constant_time_eq(given.as_bytes(), password.as_bytes());
            ok.then_some(None).ok_or_else(failed)
        }
        Secret::Md5(hash) if cleartext => {
            let given = read_cleartext(stream, buf).await?;
            let ok = constant_time_eq(md5_hash(user, &given).as_bytes(), hash.as_bytes());
            ok.then(|| Some(Credential::Md5Hash(hash.clone())))
                .ok_or_else(failed)
        }
        Secret::Scram(verifier) if cleartext => {
            let given = read_cleartext(stream, buf).await?;
            if !verifier.matches_password(&given) {
                return Err(failed());
            }
            Ok(Some(Credential::Password(given)))
        }
        Secret::Plain(password) if method == AuthMethod::Md5 => {
            let salt: [u8; 4] = random_bytes();
            send(stream, Authentication::Md5Password { salt }).await?;
            let expected = md5_response(user, password, salt);
            check_md5(stream, buf, &expected)
                .await?
                .then_some(None)
                .ok_or_else(failed)
        }
        Secret::Md5(hash) => {
            let salt: [u8; 4] = random_bytes();
            send(stream, Authentication::Md5Password { salt }).await?;
            let expected = md5_response_from_hash(hash, salt);
            check_md5(stream, buf, &expected)
                .await?
                .then(|| Some(Credential::Md5Hash(hash.clone())))
                .ok_or_else(failed)
        }
        Secret::Plain(password) => {
            scram(stream, buf, user, |first| {
                ScramServer::start(password, first)
            })
            .await?;
            Ok(None)
        }
        Secret::Scram(verifier) => {
            let client_key = scram(stream, buf, user, |first| {
                ScramServer::start_with_secret(verifier, first)
            })
            .await?;
            Ok(Some(Credential::ScramKeys(ScramKeys {
                client_key,
                server_key: verifier.server_key,
            })))
        }
    }
}

/// The cleartext password the client sends; an empty one never matches (PostgreSQL
/// and PgBouncer refuse empty passwords), whatever the secret.
async fn read_cleartext(stream: &mut Stream, buf: &mut BytesMut) -> Result<String, ClientError> {
    send(stream, Authentication::CleartextPassword).await?;
    match read_auth(stream, buf, AuthStage::Password).await? {
        AuthMessage::Password(p) if !p.password.is_empty() => Ok(p.password),
        _ => Err(ClientError::fatal(
            SqlState::INVALID_PASSWORD,
            "empty password returned by client",
        )),
    }
}

async fn check_md5(
    stream: &mut Stream,
    buf: &mut BytesMut,
    expected: &str,
) -> Result<bool, ClientError> {
    Ok(match read_auth(stream, buf, AuthStage::Password).await? {
        AuthMessage::Password(p) => constant_time_eq(p.password.as_bytes(), expected.as_bytes()),
        _ => false,
    })
}

/// A SCRAM-SHA-256 exchange; returns the ClientKey the client proved.
async fn scram(
    stream: &mut Stream,
    buf: &mut BytesMut,
    user: &str,
    start: impl FnOnce(&[u8]) -> Result<(ScramServer, String), ScramError>,
) -> Result<[u8; 32], ClientError> {
    let failed = || {
        ClientError::fatal(
            SqlState::INVALID_PASSWORD,
            format!("password authentication failed for user \"{user}\""),
        )
    };
    let mechanisms = vec![MECHANISM.to_owned()];
    send(stream, Authentication::Sasl { mechanisms }).await?;
    let AuthMessage::SaslInitial(first) = read_auth(stream, buf, AuthStage::SaslInitial).await?
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
    let (server, server_first) = start(&data).map_err(|e| scram_error(e, user))?;
    let data = bytes::Bytes::from(server_first.into_bytes());
    send(stream, Authentication::SaslContinue { data }).await?;
    let AuthMessage::Sasl(last) = read_auth(stream, buf, AuthStage::SaslContinue).await? else {
        return Err(failed());
    };
    let (server_final, client_key) = server
        .finish(&last.data)
        .map_err(|e| scram_error(e, user))?;
    let data = bytes::Bytes::from(server_final.into_bytes());
    send(stream, Authentication::SaslFinal { data }).await?;
    Ok(client_key)
}

fn scram_error(e: ScramError, user: &str) -> ClientError {
    match e {
        ScramError::WrongPassword => ClientError::fatal(
            SqlState::INVALID_PASSWORD,
            format!("password authentication failed for user \"{user}\""),
        ),
        other => ClientError::fatal(SqlState::PROTOCOL_VIOLATION, other.to_string()),
    }
}

async fn send(stream: &mut Stream, msg: Authentication) -> Result<(), ClientError> {
    let mut out = BytesMut::new();
    msg.encode(&mut out).map_err(encode_error)?;
    stream.send(&out).await.map_err(io_error)
}

async fn read_auth(
    stream: &mut Stream,
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
