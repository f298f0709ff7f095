//! `SHOW POOLS`: one row per (database, user) pool, PgBouncer's columns.

use super::ShowCommand;
use crate::Shared;

/// Client and server connection counts per pool.
pub struct Pools;

impl ShowCommand for Pools {
    fn name(&self) -> &'static str {
        "POOLS"
    }

    fn columns(&self) -> &'static [&'static str] {
        &[
            "database",
            "user",
            "cl_active",
            "cl_waiting",
            "cl_cancel_req",
            "sv_active",
            "sv_idle",
            "sv_used",
            "sv_tested",
            "sv_login",
            "maxwait",
            "maxwait_us",
            "pool_mode",
        ]
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        shared
            .pools
            .all()
            .iter()
            .map(|p| {
                let s = &p.stats;
                let max_wait = s.max_wait_us.get();
                vec![
                    p.database.clone(),
                    p.user.clone(),
                    s.cl_active.get().to_string(),
                    s.cl_waiting.get().to_string(),
                    "0".to_owned(),
                    s.sv_active.get().to_string(),
                    p.idle_count().to_string(),
                    "0".to_owned(),
                    "0".to_owned(),
                    "0".to_owned(),
                    (max_wait / 1_000_000).to_string(),
                    (max_wait % 1_000_000).to_string(),
                    p.mode.as_str().to_owned(),
                ]
            })
            .collect()
    }
}
