//! `RECONNECT [db]` (PgBouncer's semantics): every server connection of the pools (all, or
//! those of database `db`) is replaced: idle ones close now, busy ones when their client
//! releases them, and new ones are opened as clients need them (after a server restart or
//! a failover, say). Clients stay connected.

use super::pause::target_pools;
use super::{database_arg, Done};
use crate::error::ClientError;
use crate::Shared;

/// Runs `RECONNECT [db]`.
pub fn run(shared: &Shared, args: &[&str]) -> Result<Done, ClientError> {
    let db = database_arg("RECONNECT", args)?;
    let pools = target_pools(shared, db)?;
    let notices = pools
        .iter()
        .map(|pool| {
            let closed = pool.reconnect();
            format!(
                "{}: {closed} idle server connection(s) closed, the busy ones close when released",
                pool.name()
            )
        })
        .collect();
    Ok(Done {
        notices,
        tag: "RECONNECT",
    })
}
