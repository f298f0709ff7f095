//! Client connections: the startup phase (`startup`), password checks (`auth`) and
//! the forwarding session (`session`), or the admin console.

mod auth;
pub mod params;
mod prepared;
mod reset;
pub mod routing;
mod session;
mod startup;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::BytesMut;
use pgwire::SqlState;
use tokio::net::TcpStream;
use tracing::{info, warn};

use crate::error::ClientError;
use crate::stream::Stream;
use crate::Shared;
use session::Session;

/// Serves one accepted connection to the end.
///
/// This future is what every client's task holds for its whole life, idle or not, so
/// it is kept small (a test below bounds it): what runs once (startup and login, the
/// admin console) runs in a boxed future freed when done, the session is boxed, and
/// the session boxes its own rare paths.
#[allow(clippy::manual_async_fn)] // see the comment inside
pub fn handle(
    shared: Arc<Shared>,
    tcp: TcpStream,
    peer: SocketAddr,
) -> impl Future<Output = ()> + Send {
    // Not an `async fn`, whose future would keep its arguments twice (as arguments and
    // as the locals they are moved into).
    async move {
        let _connected = shared.connected.hold();
        if let Some(mut session) = Box::pin(start(&shared, tcp, peer)).await {
            session.run(&shared).await;
        }
    }
}

/// The startup phase within `connect_timeout`, then the admin console or a pool
/// session (returned, boxed: built inside a future it took room there twice, as the
/// value built and as the variable holding it). `None` when the connection is over.
async fn start(shared: &Arc<Shared>, tcp: TcpStream, peer: SocketAddr) -> Option<Box<Session>> {
    let _ = tcp.set_nodelay(true);
    let mut stream = Stream::Plain(tcp);
    let mut buf = BytesMut::new();
    let deadline = shared.loaded().config.general.connect_timeout();
    let login = {
        let _logging_in = shared.logging_in.hold();
        tokio::time::timeout(
            deadline,
            startup::negotiate(shared, &mut stream, &mut buf, peer),
        )
        .await
    };
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
            return None;
        }
        Ok(Err(err)) => {
            warn!(%peer, error = %err, "client login refused");
            send_error(&mut stream, &err).await;
            return None;
        }
        Ok(Ok(outcome)) => outcome,
    };
    match outcome {
        startup::Outcome::Done => None,
        startup::Outcome::Admin => {
            crate::admin::run(shared, stream, buf).await;
            None
        }
        startup::Outcome::Pool(login) => Some(Box::new(Session::new(stream, buf, login, shared))),
    }
}

/// Writes an ErrorResponse, best effort (the client may be gone already).
pub(crate) async fn send_error(stream: &mut Stream, err: &ClientError) {
    let mut out = BytesMut::new();
    err.encode(&mut out);
    let _ = stream.send(&out).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The size of the future `make` would return (`make` is never called).
    fn future_size<F: Future>(_make: impl FnOnce() -> F) -> usize {
        std::mem::size_of::<F>()
    }

    /// Every client's task holds this future and the boxed session for as long as it
    /// is connected: together with tokio's task header and the socket's registration
    /// they are most of what an idle client costs (issue 7: at most 2 KiB). Growing
    /// past these bounds means a large state was added inline: box it.
    #[test]
    #[allow(unreachable_code, clippy::diverging_sub_expression)]
    fn idle_client_state_stays_small() {
        let task = future_size(|| handle(todo!(), todo!(), todo!()));
        assert!(task <= 512, "client task future is {task} bytes");
        let session = std::mem::size_of::<Session>();
        assert!(session <= 512, "Session is {session} bytes");
    }
}
