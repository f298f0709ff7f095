//! `SHUTDOWN`: the router stops now, like SIGTERM (every client gets FATAL `57P01`).
//! `SHUTDOWN WAIT_FOR_SERVERS` (PgBouncer's spelling) stops like SIGINT instead: no new
//! clients, each client closed when its transaction is over, the rest after
//! `shutdown_timeout`.

use pgwire::SqlState;
use tracing::warn;

use super::Done;
use crate::error::ClientError;
use crate::{Shared, Stop};

/// Runs `SHUTDOWN [WAIT_FOR_SERVERS]`.
pub fn run(shared: &Shared, args: &[&str]) -> Result<Done, ClientError> {
    let stop = match args {
        [] => Stop::Now,
        [mode] if mode.eq_ignore_ascii_case("WAIT_FOR_SERVERS") => Stop::Draining,
        _ => {
            return Err(ClientError::error(
                SqlState::SYNTAX_ERROR,
                "usage: SHUTDOWN [WAIT_FOR_SERVERS]",
            ))
        }
    };
    warn!(?stop, "SHUTDOWN from the admin console");
    shared.request_stop(stop);
    Ok(Done {
        notices: Vec::new(),
        tag: "SHUTDOWN",
    })
}
