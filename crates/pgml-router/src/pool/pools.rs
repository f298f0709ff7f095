//! Every pool, by (database, user), and how a reload changes them.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, RwLock, Weak};

use tracing::info;

use super::{Limits, Pool, PoolLimits, PoolTimeouts};
use crate::config::Config;
use crate::tls::ServerTls;

/// All pools, by (database, user).
#[derive(Debug, Default)]
pub struct Pools {
    pools: RwLock<Arc<Vec<Arc<Pool>>>>,
    /// Pools a reload removed or replaced, while something (a client, a busy server
    /// connection) still holds them: `SHOW SERVERS` and `WAIT_CLOSE` see their
    /// connections until the last one closes.
    retired: Mutex<Vec<Weak<Pool>>>,
    /// `max_db_connections` and `max_user_connections`, kept across reloads.
    limits: Limits,
}

/// What a reload changed, for the log and the admin console.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReloadReport {
    /// `db/user` of new pools.
    pub added: Vec<String>,
    /// `db/user` of pools that were removed.
    pub removed: Vec<String>,
    /// `db/user` of pools replaced because their server, credentials, mode or TLS
    /// settings changed (clients move to the new pool at their next transaction).
    pub replaced: Vec<String>,
    /// `db/user: old -> new` of pools whose `pool_size` changed.
    pub resized: Vec<String>,
    /// `[general]` keys that changed but take effect only after a restart.
    pub needs_restart: Vec<&'static str>,
}

impl fmt::Display for ReloadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        for (what, list) in [
            ("added", &self.added),
            ("removed", &self.removed),
            ("replaced", &self.replaced),
            ("resized", &self.resized),
        ] {
            if !list.is_empty() {
                parts.push(format!("{what} {}", list.join(", ")));
            }
        }
        if !self.needs_restart.is_empty() {
            parts.push(format!(
                "needs a restart to change: {}",
                self.needs_restart.join(", ")
            ));
        }
        if parts.is_empty() {
            f.write_str("no pool changed")
        } else {
            f.write_str(&parts.join("; "))
        }
    }
}

fn timeouts(config: &Config) -> PoolTimeouts {
    let g = &config.general;
    PoolTimeouts {
        connect: g.connect_timeout(),
        wait: g.query_wait_timeout(),
        idle: g.idle_timeout(),
        lifetime: g.server_lifetime(),
        ban: g.ban_time(),
        healthcheck_timeout: g.healthcheck_timeout(),
        healthcheck_delay: g.healthcheck_delay(),
    }
}

/// Whether two pools reach the same server the same way (so one can stand for the
/// other and keep its connections).
fn same_server(a: &Pool, b: &Pool) -> bool {
    a.mode == b.mode
        && a.routing == b.routing
        && a.shards == b.shards
        && a.members.len() == b.members.len()
        && a.members
            .iter()
            .zip(&b.members)
            .all(|(x, y)| x.same_server(y))
        && a.auth_query == b.auth_query
}

/// The configured pools; the limits in `registry` take the configured bounds (kept
/// pools share them at once).
fn build(config: &Config, tls: Option<&Arc<ServerTls>>, registry: &Limits) -> Vec<Pool> {
    let timeouts = timeouts(config);
    let mut pools = Vec::new();
    for (db, pool) in &config.pools {
        for user in pool.users.values() {
            let auth_query = pool.auth_query(&config.general);
            let limits = PoolLimits {
                registry,
                max_db: config.max_db_connections(db),
                max_user: config.max_user_connections(&user.username),
            };
            if let Some(p) = Pool::new(db, pool, user, timeouts, tls, auth_query, &limits) {
                pools.push(p);
            }
        }
    }
    pools
}

fn shared(pool: Pool) -> Arc<Pool> {
    let pool = Arc::new(pool);
    pool.join_limits();
    pool
}

impl Pools {
    /// One pool per configured user of every database.
    pub fn from_config(config: &Config, tls: Option<&Arc<ServerTls>>) -> Pools {
        let limits = Limits::default();
        let pools = build(config, tls, &limits)
            .into_iter()
            .map(shared)
            .collect();
        Pools {
            pools: RwLock::new(Arc::new(pools)),
            retired: Mutex::new(Vec::new()),
            limits,
        }
    }

    fn list(&self) -> Arc<Vec<Arc<Pool>>> {
        Arc::clone(&self.pools.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The pool of a (database, user).
    pub fn get(&self, database: &str, user: &str) -> Option<Arc<Pool>> {
        self.list()
            .iter()
            .find(|p| p.database == database && p.user == user)
            .cloned()
    }

    /// Every pool, in configuration order.
    pub fn all(&self) -> Arc<Vec<Arc<Pool>>> {
        self.list()
    }

    /// Whether any pool serves `database`.
    pub fn has_database(&self, database: &str) -> bool {
        self.list().iter().any(|p| p.database == database)
    }

    /// Makes the pools match `config`: a pool whose server, credentials, mode and TLS
    /// settings are unchanged is kept with its connections and resized; others are
    /// retired and replaced; pools no longer configured are retired.
    pub fn apply(&self, config: &Config, tls: Option<&Arc<ServerTls>>) -> ReloadReport {
        let timeouts = timeouts(config);
        let mut report = ReloadReport::default();
        let mut guard = self.pools.write().unwrap_or_else(|p| p.into_inner());
        let old: Vec<Arc<Pool>> = guard.iter().cloned().collect();
        let mut next = Vec::new();
        for fresh in build(config, tls, &self.limits) {
            let existing = old
                .iter()
                .find(|p| p.database == fresh.database && p.user == fresh.user);
            match existing {
                Some(p) if same_server(p, &fresh) => {
                    let (before, after) = (p.pool_size(), fresh.pool_size());
                    if before != after {
                        report
                            .resized
                            .push(format!("{} {before} -> {after}", p.name()));
                    }
                    p.resize(after, fresh.min_pool_size());
                    p.timeouts.set(timeouts);
                    next.push(Arc::clone(p));
                }
                Some(p) => {
                    report.replaced.push(p.name());
                    // A paused pool's replacement stays paused until RESUME.
                    if p.is_paused() {
                        fresh.pause();
                    }
                    next.push(shared(fresh));
                }
                None => {
                    report.added.push(fresh.name());
                    next.push(shared(fresh));
                }
            }
        }
        for p in &old {
            if !next.iter().any(|n| Arc::ptr_eq(n, p)) {
                if !next
                    .iter()
                    .any(|n| n.database == p.database && n.user == p.user)
                {
                    report.removed.push(p.name());
                }
                p.retire();
                let mut retired = self.retired.lock().unwrap_or_else(|e| e.into_inner());
                retired.retain(|w| w.strong_count() > 0);
                retired.push(Arc::downgrade(p));
            }
        }
        self.limits.retain_used(&next);
        *guard = Arc::new(next);
        report
    }

    /// Pools a reload took out of service that still have open server connections.
    pub fn retired(&self) -> Vec<Arc<Pool>> {
        let retired = self.retired.lock().unwrap_or_else(|e| e.into_inner());
        retired
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|p| !p.server_infos().is_empty())
            .collect()
    }

    /// The configured pools, then the retired ones still holding server connections.
    pub fn with_retired(&self) -> Vec<Arc<Pool>> {
        let mut pools: Vec<Arc<Pool>> = self.all().iter().cloned().collect();
        pools.extend(self.retired());
        pools
    }

    /// Retires every pool (at shutdown): idle connections close now.
    pub fn close_all(&self) {
        for p in self.list().iter() {
            p.retire();
        }
    }
}

impl Pool {
    /// Changes `pool_size` and `min_pool_size` in place. Growing adds slots now;
    /// shrinking takes free slots now and the others as they come back, and closes
    /// idle connections beyond the new size.
    pub fn resize(&self, pool_size: usize, min_pool_size: usize) {
        self.min_pool_size
            .store(min_pool_size.min(pool_size), Ordering::Relaxed);
        let before = self.pool_size.swap(pool_size, Ordering::AcqRel);
        let closed: usize = self
            .members
            .iter()
            .map(|m| m.resize(before, pool_size))
            .sum();
        if closed > 0 {
            info!(pool = %self.name(), closed, "pool shrunk; closing idle connections");
        }
    }
}
