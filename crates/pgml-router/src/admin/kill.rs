//! `KILL db` (PgBouncer's semantics): every client and server connection of database `db`
//! is closed now (clients get FATAL 57P01 naming the command); the database is paused, so
//! new clients wait at their first query until `RESUME db`.

use super::disable::required_database;
use super::pause::target_pools;
use super::Done;
use crate::error::ClientError;
use crate::Shared;

/// Runs `KILL db`.
pub fn run(shared: &Shared, args: &[&str]) -> Result<Done, ClientError> {
    let db = required_database("KILL", args)?;
    let pools = target_pools(shared, Some(db))?;
    let names: Vec<String> = pools
        .iter()
        .map(|pool| {
            pool.kill();
            pool.name()
        })
        .collect();
    shared.announce_kill();
    Ok(Done {
        notices: vec![format!(
            "killed {}: their clients and server connections are closed; new clients wait \
             until RESUME {db}",
            names.join(", ")
        )],
        tag: "KILL",
    })
}
