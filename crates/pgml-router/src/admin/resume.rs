//! `RESUME [db]`: ends `PAUSE`; clients waiting for a server connection go on.

use pgwire::SqlState;

use super::pause::target_pools;
use super::{database_arg, Done};
use crate::error::ClientError;
use crate::Shared;

/// Runs `RESUME [db]`.
pub fn run(shared: &Shared, args: &[&str]) -> Result<Done, ClientError> {
    let db = database_arg("RESUME", args)?;
    let pools = target_pools(shared, db)?;
    let resumed: Vec<String> = pools
        .iter()
        .filter(|p| p.resume())
        .map(|p| p.name())
        .collect();
    if resumed.is_empty() {
        return Err(ClientError::error(
            SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
            match db {
                Some(db) => format!("database \"{db}\" is not paused"),
                None => "no pool is paused".to_owned(),
            },
        ));
    }
    Ok(Done {
        notices: vec![format!("resumed {}", resumed.join(", "))],
        tag: "RESUME",
    })
}
