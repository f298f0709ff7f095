//! `SHOW STATS`: totals per (database, user) pool since start.

use super::ShowCommand;
use crate::Shared;

/// Traffic counters, PgBouncer's columns (plus `user`, since pools are per user).
pub struct Stats;

impl ShowCommand for Stats {
    fn name(&self) -> &'static str {
        "STATS"
    }

    fn columns(&self) -> &'static [&'static str] {
        &[
            "database",
            "user",
            "total_xact_count",
            "total_query_count",
            "total_received",
            "total_sent",
            "total_xact_time",
            "total_query_time",
            "total_wait_time",
            "total_server_connections",
        ]
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        shared
            .pools
            .all()
            .iter()
            .map(|p| {
                let s = &p.stats;
                vec![
                    p.database.clone(),
                    p.user.clone(),
                    s.xact_count.get().to_string(),
                    s.query_count.get().to_string(),
                    s.received.get().to_string(),
                    s.sent.get().to_string(),
                    s.xact_time_us.get().to_string(),
                    s.query_time_us.get().to_string(),
                    s.wait_time_us.get().to_string(),
                    s.sv_opened.get().to_string(),
                ]
            })
            .collect()
    }
}
