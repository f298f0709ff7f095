//! Background upkeep of the pools: close idle connections past `idle_timeout` or
//! `server_lifetime` (or broken), and keep `min_pool_size` connections open.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::{debug, warn};

use super::{lock, Pool, Pools};
use crate::server::ServerConn;

impl Pool {
    /// Whether an idle connection may be handed out again.
    pub(super) fn reusable(&self, conn: &mut ServerConn) -> bool {
        let t = self.timeouts.get();
        conn.created.elapsed() <= t.lifetime
            && conn.idle_since.elapsed() <= t.idle
            && !self.reconnect_due(conn)
            && conn.looks_healthy()
    }

    /// Closes idle connections that may not be reused; returns how many.
    pub fn reap(&self) -> usize {
        let mut idle = lock(&self.idle);
        let before = idle.len();
        idle.retain_mut(|conn| self.reusable(conn));
        // After a shrink, connections beyond the new size are not kept idle.
        idle.truncate(self.pool_size());
        let closed = before - idle.len();
        if closed > 0 {
            debug!(pool = %self.name(), closed, "closed idle server connections");
        }
        closed
    }

    /// Opens idle connections until `min_pool_size` are open, using free slots only.
    pub async fn top_up(self: &Arc<Self>) {
        while self.servers.snapshot().len() < self.min_pool_size() {
            // auth_query pools can log in only once a client has proved its password.
            if self.is_paused() || self.is_retired() || self.credential().is_err() {
                return;
            }
            let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() else {
                return;
            };
            match self.open().await {
                Ok(mut conn) => {
                    conn.idle_since = Instant::now();
                    lock(&self.idle).push(conn);
                    self.return_permit(permit);
                }
                Err(e) => {
                    warn!(pool = %self.name(), error = %e, "cannot open min_pool_size connections");
                    return;
                }
            }
        }
    }
}

impl Pools {
    /// How often [`Pools::maintain`] runs: half the shortest idle limit, within
    /// 50 ms .. 1 s.
    pub fn maintenance_interval(&self) -> Duration {
        self.all()
            .iter()
            .map(|p| {
                let t = p.timeouts();
                t.idle.min(t.lifetime) / 2
            })
            .min()
            .unwrap_or(Duration::from_secs(1))
            .clamp(Duration::from_millis(50), Duration::from_secs(1))
    }

    /// Runs forever: reaps and tops up every pool at each interval (recomputed each
    /// time, since a reload may change the timeouts).
    pub async fn maintain(&self) {
        loop {
            for pool in self.all().iter() {
                pool.reap();
                pool.top_up().await;
            }
            tokio::time::sleep(self.maintenance_interval()).await;
        }
    }
}
