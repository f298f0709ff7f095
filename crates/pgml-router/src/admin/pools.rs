//! `SHOW POOLS`: one row per (database, user) pool, PgBouncer 1.18's columns.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{Column, ShowCommand, Type::*};
use crate::Shared;

/// Client and server connection counts per pool.
pub struct Pools;

/// How long the oldest client now waiting in each (database, user) pool has waited
/// (PgBouncer's `maxwait`); pools without a waiting client are absent.
pub fn current_max_waits(shared: &Shared) -> HashMap<(String, String), Duration> {
    let now = Instant::now();
    let mut waits: HashMap<(String, String), Duration> = HashMap::new();
    for client in shared.clients.snapshot() {
        let waited = client.waiting_for(now);
        if !waited.is_zero() {
            let slot = waits
                .entry((client.names.database.clone(), client.names.user.clone()))
                .or_default();
            *slot = (*slot).max(waited);
        }
    }
    waits
}

impl ShowCommand for Pools {
    fn name(&self) -> &'static str {
        "POOLS"
    }

    fn columns(&self) -> &'static [Column] {
        &[
            ("database", Text),
            ("user", Text),
            ("cl_active", Int4),
            ("cl_waiting", Int4),
            ("cl_active_cancel_req", Int4),
            ("cl_waiting_cancel_req", Int4),
            ("sv_active", Int4),
            ("sv_active_cancel", Int4),
            ("sv_being_canceled", Int4),
            ("sv_idle", Int4),
            ("sv_used", Int4),
            ("sv_tested", Int4),
            ("sv_login", Int4),
            ("maxwait", Int4),
            ("maxwait_us", Int4),
            ("pool_mode", Text),
        ]
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        let waits = current_max_waits(shared);
        shared
            .pools
            .all()
            .iter()
            .map(|p| {
                let s = &p.stats;
                let waited = waits
                    .get(&(p.database.clone(), p.user.clone()))
                    .copied()
                    .unwrap_or_default();
                let waiting = s.cl_waiting.get();
                let logging_in = s.sv_login.get();
                vec![
                    p.database.clone(),
                    p.user.clone(),
                    // Logged-in clients not waiting (PgBouncer counts a client in one
                    // of the two).
                    s.cl_active.get().saturating_sub(waiting).to_string(),
                    waiting.to_string(),
                    "0".to_owned(),
                    "0".to_owned(),
                    s.sv_active.get().saturating_sub(logging_in).to_string(),
                    "0".to_owned(),
                    "0".to_owned(),
                    p.idle_count().to_string(),
                    "0".to_owned(),
                    "0".to_owned(),
                    logging_in.to_string(),
                    waited.as_secs().to_string(),
                    waited.subsec_micros().to_string(),
                    p.mode.as_str().to_owned(),
                ]
            })
            .collect()
    }
}
