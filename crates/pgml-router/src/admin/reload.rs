//! `RELOAD`: re-reads the configuration file (as SIGHUP does). Pools are added,
//! removed or resized; logged-in clients stay. A bad file changes nothing.

use pgwire::SqlState;

use super::Done;
use crate::error::ClientError;
use crate::Shared;

/// Runs `RELOAD`.
pub fn run(shared: &Shared, args: &[&str]) -> Result<Done, ClientError> {
    if !args.is_empty() {
        return Err(ClientError::error(
            SqlState::SYNTAX_ERROR,
            "RELOAD takes no arguments",
        ));
    }
    match shared.reload_file() {
        Ok(report) => Ok(Done {
            notices: vec![format!("configuration reloaded: {report}")],
            tag: "RELOAD",
        }),
        Err(e) => Err(ClientError::error(
            SqlState::CONFIG_FILE_ERROR,
            format!("RELOAD failed, configuration unchanged: {e}"),
        )),
    }
}
