//! Background upkeep of the pools: close idle connections past `idle_timeout` or
//! `server_lifetime` (or broken), and keep `min_pool_size` connections open.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::{debug, warn};

use super::{lock, OpenSlots, Pool, Pools};
use crate::server::ServerConn;

impl Pool {
    /// Whether an idle connection may be handed out again at `now`.
    pub(super) fn reusable(&self, conn: &mut ServerConn, now: Instant) -> bool {
        let t = self.timeouts.get();
        now.saturating_duration_since(conn.created) <= t.lifetime
            && now.saturating_duration_since(conn.idle_since) <= t.idle
            && !self.reconnect_due(conn)
            && conn.looks_healthy()
    }

    /// Closes idle connections that may not be reused; returns how many.
    pub fn reap(&self) -> usize {
        let mut closed = 0;
        for m in self.members() {
            let mut idle = lock(&m.idle);
            let before = idle.len();
            let now = Instant::now();
            idle.retain_mut(|conn| self.reusable(conn, now));
            // After a shrink, connections beyond the new size are not kept idle.
            idle.truncate(self.pool_size());
            closed += before - idle.len();
        }
        if closed > 0 {
            debug!(pool = %self.name(), closed, "closed idle server connections");
        }
        closed
    }

    /// Opens idle connections until `min_pool_size` are open to each server that is not
    /// banned, using free slots only.
    pub async fn top_up(self: &Arc<Self>) {
        for member in 0..self.members().len() {
            self.top_up_member(member).await;
        }
    }

    async fn top_up_member(self: &Arc<Self>, member: usize) {
        let m = &self.members()[member];
        while m.servers.snapshot().len() < self.min_pool_size() {
            // auth_query pools can log in only once a client has proved its password.
            if self.is_paused() || self.is_retired() || m.is_banned() {
                return;
            }
            let Ok(credential) = self.credential() else {
                return;
            };
            let Ok(permit) = Arc::clone(&m.permits).try_acquire_owned() else {
                return;
            };
            // min_pool_size gives way to max_db_connections / max_user_connections.
            let Ok(slots) = OpenSlots::take(&m.db_limit, &self.user_limit) else {
                return;
            };
            match self.open(member, credential, slots).await {
                Ok(mut conn) => {
                    conn.idle_since = Instant::now();
                    {
                        // A reload may have retired the pool while the connection opened.
                        let mut idle = lock(&m.idle);
                        if self.is_retired() {
                            return;
                        }
                        idle.push(conn);
                    }
                    self.went_idle(member);
                    m.return_permit(permit);
                }
                Err(e) => {
                    warn!(pool = %self.name(), server = %m.address(), error = %e,
                          "cannot open min_pool_size connections");
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

    /// Runs forever: starts a new stats period of every pool (for `SHOW STATS`'s
    /// averages) each `period()`.
    pub async fn refresh_stats(&self, period: impl Fn() -> Duration) {
        loop {
            tokio::time::sleep(period()).await;
            let now = Instant::now();
            for pool in self.all().iter() {
                pool.stats.new_period(now);
            }
        }
    }

    /// Runs forever: reaps and tops up every pool at each interval (recomputed each
    /// time, since a reload may change the timeouts).
    pub async fn maintain(&self) {
        loop {
            for pool in self.all().iter() {
                pool.reap();
                pool.top_up().await;
            }
            // Belt and braces: nothing stays idle in a pool a reload retired.
            for pool in self.retired() {
                pool.close_idle();
            }
            tokio::time::sleep(self.maintenance_interval()).await;
        }
    }
}
