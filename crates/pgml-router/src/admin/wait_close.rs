//! `WAIT_CLOSE [db]` (PgBouncer's semantics): returns once every server connection that
//! a `RECONNECT` or a reload marked for closing (`close_needed` in `SHOW SERVERS`) has
//! closed, for all pools or those of database `db`: after it, every connection in use
//! was opened with the new settings.

use std::time::Duration;

use pgwire::SqlState;

use super::{database_arg, Done};
use crate::error::ClientError;
use crate::pool::Pool;
use crate::shared::Stop;
use crate::Shared;

/// How often the command looks whether the connections closed.
const POLL: Duration = Duration::from_millis(10);

/// Runs `WAIT_CLOSE [db]`.
pub async fn run(shared: &Shared, args: &[&str]) -> Result<Done, ClientError> {
    let db = database_arg("WAIT_CLOSE", args)?;
    let matches = |p: &Pool| db.is_none_or(|db| p.database == db);
    if let Some(db) = db {
        if !shared.pools.with_retired().iter().any(|p| matches(p)) {
            return Err(ClientError::error(
                SqlState::INVALID_CATALOG_NAME,
                format!("no pool is configured for database \"{db}\""),
            ));
        }
    }
    let closing = || -> usize {
        shared
            .pools
            .with_retired()
            .iter()
            .filter(|p| matches(p))
            .map(|p| p.closing())
            .sum()
    };
    let at_start = closing();
    while closing() > 0 {
        if shared.stopping() != Stop::Running {
            return Err(ClientError::error(
                SqlState::ADMIN_SHUTDOWN,
                "WAIT_CLOSE interrupted: pgml-router is shutting down",
            ));
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(Done {
        notices: vec![format!(
            "{at_start} server connection(s) marked for closing have closed"
        )],
        tag: "WAIT_CLOSE",
    })
}
