//! `DISABLE db` (PgBouncer's semantics): new clients of database `db` are refused (57P03)
//! until `ENABLE db`; connected clients go on.

use pgwire::SqlState;

use super::pause::target_pools;
use super::Done;
use crate::error::ClientError;
use crate::Shared;

/// The one database argument `DISABLE` and `ENABLE` require.
pub(super) fn required_database<'a>(
    command: &str,
    args: &[&'a str],
) -> Result<&'a str, ClientError> {
    match args {
        [db] => Ok(db.trim_matches('"')),
        _ => Err(ClientError::error(
            SqlState::SYNTAX_ERROR,
            format!("{command} takes one database name: {command} db"),
        )),
    }
}

/// `DISABLE db` (`disable` true) or `ENABLE db` (false).
pub(super) fn set(
    shared: &Shared,
    command: &'static str,
    args: &[&str],
    disable: bool,
) -> Result<Done, ClientError> {
    let db = required_database(command, args)?;
    let pools = target_pools(shared, Some(db))?;
    let changed: Vec<String> = pools
        .iter()
        .filter(|p| p.set_disabled(disable))
        .map(|p| p.name())
        .collect();
    if changed.is_empty() {
        return Err(ClientError::error(
            SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
            format!(
                "database \"{db}\" is already {}",
                if disable { "disabled" } else { "enabled" }
            ),
        ));
    }
    let what = if disable {
        "new clients are refused until ENABLE"
    } else {
        "new clients are accepted"
    };
    Ok(Done {
        notices: vec![format!("{}: {what}", changed.join(", "))],
        tag: command,
    })
}

/// Runs `DISABLE db`.
pub fn run(shared: &Shared, args: &[&str]) -> Result<Done, ClientError> {
    set(shared, "DISABLE", args, true)
}
