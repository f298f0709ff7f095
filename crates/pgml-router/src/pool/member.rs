//! One server of a pool: its slots, idle connections, open connections and ban.
//!
//! A pool has one member per configured server (`[pools.<db>.shards.<n>] servers`), each
//! with `pool_size` slots of its own, as PgCat gives every server its own pool.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tracing::{info, warn};

use super::limits::ConnLimit;
use super::lock;
use crate::config::{ServerRole, ServerSpec, UserConfig};
use crate::registry::{Registry, ServerInfo};
use crate::server::{ServerConn, ServerTarget};
use crate::tls::ServerTls;

/// One server of a pool.
#[derive(Debug)]
pub struct Member {
    /// Shard number.
    pub shard: usize,
    /// Primary or replica.
    pub role: ServerRole,
    /// The server and credentials connections go to.
    pub target: ServerTarget,
    /// Where its traffic is copied (PgCat's mirrors): the target with another host and port.
    pub mirrors: Vec<ServerTarget>,
    pub(super) permits: Arc<Semaphore>,
    // Boxed: a checkout takes the box as it is (see `Checkout::conn`).
    #[allow(clippy::vec_box)]
    pub(super) idle: Mutex<Vec<Box<ServerConn>>>,
    /// Slots to take away as they come back, after a reload shrank the pool.
    pub(super) shrink_debt: AtomicUsize,
    /// Open server connections, for `SHOW SERVERS`.
    pub servers: Registry<ServerInfo>,
    /// Left out of the choices until then, after a failed connection attempt.
    banned_until: Mutex<Option<Instant>>,
    /// Model affinity: how many checked-out connections hold each model key.
    busy_models: Mutex<HashMap<u64, u32>>,
    /// Model affinity: a checked-out connection came back (or was closed).
    pub(super) released: Notify,
    /// `max_db_connections`: the connections of every user's pool of this database to
    /// this server.
    pub db_limit: Arc<ConnLimit>,
}

impl Member {
    pub(super) fn new(
        spec: &ServerSpec<'_>,
        user: &UserConfig,
        tls: Option<&Arc<ServerTls>>,
        pool_size: usize,
        db_limit: Arc<ConnLimit>,
    ) -> Member {
        let target = ServerTarget {
            host: spec.host.to_owned(),
            port: spec.port,
            database: spec.database.to_owned(),
            user: user.server_user().to_owned(),
            password: user.server_pass().map(str::to_owned),
            tls: tls.cloned(),
        };
        let mirrors = spec
            .mirrors
            .iter()
            .map(|(host, port)| ServerTarget {
                host: (*host).to_owned(),
                port: *port,
                ..target.clone()
            })
            .collect();
        Member {
            shard: spec.shard,
            role: spec.role,
            target,
            mirrors,
            permits: Arc::new(Semaphore::new(pool_size)),
            idle: Mutex::new(Vec::new()),
            shrink_debt: AtomicUsize::new(0),
            servers: Registry::default(),
            banned_until: Mutex::new(None),
            busy_models: Mutex::new(HashMap::new()),
            released: Notify::new(),
            db_limit,
        }
    }

    /// Records the models of a connection being checked out.
    pub(super) fn hold(&self, models: &[u64]) {
        let mut busy = lock(&self.busy_models);
        for &key in models.iter().filter(|&&k| k != 0) {
            *busy.entry(key).or_insert(0) += 1;
        }
    }

    /// Forgets the models of a connection that came back or was closed, and wakes the
    /// checkouts waiting for one of them.
    pub(super) fn unhold(&self, models: &[u64]) {
        {
            let mut busy = lock(&self.busy_models);
            for &key in models.iter().filter(|&&k| k != 0) {
                if let Some(n) = busy.get_mut(&key) {
                    *n -= 1;
                    if *n == 0 {
                        busy.remove(&key);
                    }
                }
            }
        }
        self.released.notify_waiters();
    }

    /// Whether a checked-out connection holds model `key`.
    pub(super) fn busy_holds(&self, key: u64) -> bool {
        lock(&self.busy_models).contains_key(&key)
    }

    /// Whether an idle connection served model `key`.
    pub(super) fn idle_serves(&self, key: u64) -> bool {
        lock(&self.idle).iter().any(|c| c.served(key))
    }

    /// `host:port`, as logs name the server.
    pub fn address(&self) -> String {
        format!("{}:{}", self.target.host, self.target.port)
    }

    /// Whether two members reach the same server the same way.
    pub(super) fn same_server(&self, other: &Member) -> bool {
        let (x, y) = (&self.target, &other.target);
        let tls = |t: &Option<Arc<ServerTls>>| t.as_ref().map(|t| t.verify);
        self.shard == other.shard
            && self.role == other.role
            && x.host == y.host
            && x.port == y.port
            && x.database == y.database
            && x.user == y.user
            && x.password == y.password
            && tls(&x.tls) == tls(&y.tls)
    }

    /// Free slots now.
    pub fn free_slots(&self) -> usize {
        self.permits.available_permits()
    }

    /// Gives a slot back to the semaphore, unless a shrink is still owed.
    pub(super) fn return_permit(&self, permit: OwnedSemaphorePermit) {
        let owed = self
            .shrink_debt
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |d| d.checked_sub(1))
            .is_ok();
        if owed {
            permit.forget();
        }
    }

    /// Leaves the server out of its pool's choices for `time`.
    pub(super) fn ban(&self, pool: &str, time: Duration) {
        warn!(pool, server = %self.address(), role = self.role.as_str(), ban_s = time.as_secs(),
              "server banned: connection failed; other servers serve meanwhile");
        *lock(&self.banned_until) = Some(Instant::now() + time);
    }

    /// Whether the server is banned now.
    pub fn is_banned(&self) -> bool {
        let mut until = lock(&self.banned_until);
        match *until {
            Some(t) if t > Instant::now() => true,
            Some(_) => {
                *until = None;
                false
            }
            None => false,
        }
    }

    /// How long the ban has left, if banned.
    pub fn ban_left(&self) -> Option<Duration> {
        let until = (*lock(&self.banned_until))?;
        until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// Lifts a ban (after a successful connection).
    pub(super) fn unban(&self, pool: &str) {
        let mut until = lock(&self.banned_until);
        if until.take().is_some() {
            info!(pool, server = %self.address(), "server ban lifted");
        }
    }

    /// Changes the number of slots from `before` to `after`: growing adds slots now;
    /// shrinking takes free slots now and the others as they come back, and closes idle
    /// connections beyond the new size. Returns how many idle connections closed.
    pub(super) fn resize(&self, before: usize, after: usize) -> usize {
        if after > before {
            let mut grow = after - before;
            // Cancel a shrink still owed first.
            while grow > 0
                && self
                    .shrink_debt
                    .fetch_update(Ordering::AcqRel, Ordering::Acquire, |d| d.checked_sub(1))
                    .is_ok()
            {
                grow -= 1;
            }
            self.permits.add_permits(grow);
            0
        } else if after < before {
            let shrink = before - after;
            let taken = self.permits.forget_permits(shrink);
            self.shrink_debt.fetch_add(shrink - taken, Ordering::AcqRel);
            let mut idle = lock(&self.idle);
            let keep = idle.len().min(after);
            idle.split_off(keep).len()
        } else {
            0
        }
    }
}
