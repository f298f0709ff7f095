//! `PAUSE [db]` (PgBouncer's semantics): new transactions of the pools (all, or those of
//! database `db`) wait; the command returns once every server connection of those
//! pools has been released, and closes them. `RESUME` lets the waiting clients go on.

use std::sync::Arc;

use pgwire::SqlState;

use super::{database_arg, Done};
use crate::error::ClientError;
use crate::pool::Pool;
use crate::Shared;

/// The pools `PAUSE` / `RESUME` act on; an unknown database is `3D000`.
pub(crate) fn target_pools(
    shared: &Shared,
    db: Option<&str>,
) -> Result<Vec<Arc<Pool>>, ClientError> {
    let pools: Vec<Arc<Pool>> = shared
        .pools
        .all()
        .iter()
        .filter(|p| db.is_none_or(|db| p.database == db))
        .cloned()
        .collect();
    match db {
        Some(db) if pools.is_empty() => Err(ClientError::error(
            SqlState::INVALID_CATALOG_NAME,
            format!("no pool is configured for database \"{db}\""),
        )),
        _ => Ok(pools),
    }
}

/// Runs `PAUSE [db]`.
pub async fn run(shared: &Shared, args: &[&str]) -> Result<Done, ClientError> {
    let db = database_arg("PAUSE", args)?;
    let pools = target_pools(shared, db)?;
    let newly: Vec<&Arc<Pool>> = pools.iter().filter(|p| p.pause()).collect();
    if newly.is_empty() && !pools.is_empty() {
        return Err(ClientError::error(
            SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
            match db {
                Some(db) => format!("database \"{db}\" is already paused"),
                None => "every pool is already paused".to_owned(),
            },
        ));
    }
    for pool in &pools {
        pool.wait_released().await;
    }
    let names: Vec<String> = newly.iter().map(|p| p.name()).collect();
    Ok(Done {
        notices: vec![format!(
            "paused {}; their server connections are closed until RESUME",
            if names.is_empty() {
                "no pool".to_owned()
            } else {
                names.join(", ")
            }
        )],
        tag: "PAUSE",
    })
}
