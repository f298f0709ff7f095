//! `SHOW BANS`: servers left out of their pool's choices after a failed connection
//! (pools of several servers; see `ban_time`).

use super::{Column, ShowCommand, Type::*};
use crate::Shared;

/// Banned servers of every pool.
pub struct Bans;

impl ShowCommand for Bans {
    fn name(&self) -> &'static str {
        "BANS"
    }

    fn columns(&self) -> &'static [Column] {
        &[
            ("database", Text),
            ("user", Text),
            ("addr", Text),
            ("port", Int4),
            ("shard", Int4),
            ("role", Text),
            ("seconds_left", Int4),
        ]
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        for pool in shared.pools.all().iter() {
            for m in pool.members() {
                if let Some(left) = m.ban_left() {
                    rows.push(vec![
                        pool.database.clone(),
                        pool.user.clone(),
                        m.target.host.clone(),
                        m.target.port.to_string(),
                        m.shard.to_string(),
                        m.role.as_str().to_owned(),
                        left.as_secs().max(1).to_string(),
                    ]);
                }
            }
        }
        rows
    }
}
