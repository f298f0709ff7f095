//! Client connections: the startup phase (`startup`), password checks (`auth`) and
//! the forwarding session (`session`), or the admin console.

mod auth;
pub mod params;
mod prepared;
mod session;
mod startup;

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::BytesMut;
use pgwire::SqlState;
use tokio::net::TcpStream;
use tracing::{info, warn};

use crate::error::ClientError;
use crate::stream::Stream;
use crate::Shared;

/// Serves one accepted connection to the end.
pub async fn handle(shared: Arc<Shared>, tcp: TcpStream, peer: SocketAddr) {
    let _ = tcp.set_nodelay(true);
    let mut stream = Stream::Plain(tcp);
    let mut buf = BytesMut::new();
    let deadline = shared.loaded().config.general.connect_timeout();
    let login = tokio::time::timeout(
        deadline,
        startup::negotiate(&shared, &mut stream, &mut buf, peer),
    )
    .await;
    let outcome = match login {
        Err(_elapsed) => {
            info!(%peer, timeout_ms = deadline.as_millis() as u64,
                  "client did not complete startup in time; dropping it");
            let err = ClientError::fatal(
                SqlState::PROTOCOL_VIOLATION,
                format!(
                    "startup not completed within {}ms (connect_timeout)",
                    deadline.as_millis()
                ),
            );
            send_error(&mut stream, &err).await;
            return;
        }
        Ok(Err(err)) => {
            warn!(%peer, error = %err, "client login refused");
            send_error(&mut stream, &err).await;
            return;
        }
        Ok(Ok(outcome)) => outcome,
    };
    match outcome {
        startup::Outcome::Done => {}
        startup::Outcome::Admin => crate::admin::run(&shared, stream, buf).await,
        startup::Outcome::Pool(login) => {
            session::Session::new(stream, buf, login, &shared)
                .run(&shared)
                .await;
        }
    }
}

/// Writes an ErrorResponse, best effort (the client may be gone already).
pub(crate) async fn send_error(stream: &mut Stream, err: &ClientError) {
    let mut out = BytesMut::new();
    err.encode(&mut out);
    let _ = stream.send(&out).await;
}
