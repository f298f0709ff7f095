//! `SHOW DATABASES`: one row per server of each (database, user) pool (a pool of replicas
//! or shards has several), as PgCat lists them.

use super::{Column, ShowCommand, Type::*};
use crate::Shared;

/// Configured databases and where they point.
pub struct Databases;

impl ShowCommand for Databases {
    fn name(&self) -> &'static str {
        "DATABASES"
    }

    fn columns(&self) -> &'static [Column] {
        &[
            ("name", Text),
            ("host", Text),
            ("port", Int4),
            ("database", Text),
            ("force_user", Text),
            ("pool_size", Int4),
            ("min_pool_size", Int4),
            ("reserve_pool", Int4),
            ("pool_mode", Text),
            ("max_connections", Int4),
            ("current_connections", Int4),
            ("paused", Int4),
            ("disabled", Int4),
        ]
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        let flag = |on: bool| if on { "1" } else { "0" }.to_owned();
        let mut rows = Vec::new();
        for p in shared.pools.all().iter() {
            for m in p.members() {
                let t = &m.target;
                // Each server has pool_size slots of its own.
                rows.push(vec![
                    p.database.clone(),
                    t.host.clone(),
                    t.port.to_string(),
                    t.database.clone(),
                    t.user.clone(),
                    p.pool_size().to_string(),
                    p.min_pool_size().to_string(),
                    "0".to_owned(),
                    p.mode.as_str().to_owned(),
                    // PgBouncer's: max_db_connections (0: none) and the connections of
                    // every user's pool of the database to this server.
                    m.db_limit.max().to_string(),
                    m.db_limit.open().to_string(),
                    flag(p.is_paused()),
                    flag(p.is_disabled()),
                ]);
            }
        }
        rows
    }
}
