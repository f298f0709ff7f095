//! `ENABLE db`: ends `DISABLE db`; new clients are accepted again.

use super::Done;
use crate::error::ClientError;
use crate::Shared;

/// Runs `ENABLE db`.
pub fn run(shared: &Shared, args: &[&str]) -> Result<Done, ClientError> {
    super::disable::set(shared, "ENABLE", args, false)
}
