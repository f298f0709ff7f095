//! `SHOW DATABASES`: one row per (database, user) pool with its server.

use super::ShowCommand;
use crate::Shared;

/// Configured databases and where they point.
pub struct Databases;

impl ShowCommand for Databases {
    fn name(&self) -> &'static str {
        "DATABASES"
    }

    fn columns(&self) -> &'static [&'static str] {
        &[
            "name",
            "host",
            "port",
            "database",
            "force_user",
            "pool_size",
            "min_pool_size",
            "reserve_pool",
            "pool_mode",
            "max_connections",
            "current_connections",
            "paused",
            "disabled",
        ]
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        shared
            .pools
            .all()
            .iter()
            .map(|p| {
                let t = p.target();
                let current = p.stats.sv_active.get() + p.idle_count() as u64;
                let flag = |on: bool| if on { "1" } else { "0" }.to_owned();
                vec![
                    p.database.clone(),
                    t.host.clone(),
                    t.port.to_string(),
                    t.database.clone(),
                    t.user.clone(),
                    p.pool_size().to_string(),
                    p.min_pool_size().to_string(),
                    "0".to_owned(),
                    p.mode.as_str().to_owned(),
                    p.pool_size().to_string(),
                    current.to_string(),
                    flag(p.is_paused()),
                    flag(p.is_disabled()),
                ]
            })
            .collect()
    }
}
