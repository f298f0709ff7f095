//! Per (database, user) pools of server connections.
//!
//! A pool holds at most `pool_size` server connections, counted by a semaphore whose
//! queue is FIFO: clients wait for a permit in arrival order, up to
//! `query_wait_timeout`. A permit is held from checkout until the connection goes back
//! ([`Pool::release`]) or is dropped (closed, which frees the slot for a new one).

mod maintenance;
mod stats;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use pgwire::SqlState;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tracing::{debug, info, warn};

use crate::config::{Config, PoolConfig, PoolMode, UserConfig};
use crate::error::ClientError;
use crate::registry::{ConnState, Registry, ServerInfo, StateCell};
use crate::server::{connect, LoginError, ServerConn, ServerTarget};

pub use stats::PoolStats;

/// Timeouts a pool applies.
#[derive(Debug, Clone, Copy)]
pub struct PoolTimeouts {
    pub connect: Duration,
    pub wait: Duration,
    pub idle: Duration,
    pub lifetime: Duration,
}

/// One (database, user) pool.
#[derive(Debug)]
pub struct Pool {
    /// Client-visible database name.
    pub database: String,
    /// Client-visible user name.
    pub user: String,
    /// Transaction or session pooling.
    pub mode: PoolMode,
    /// Most server connections.
    pub pool_size: usize,
    /// Server connections kept open even when idle.
    pub min_pool_size: usize,
    /// The server and credentials connections go to.
    pub target: ServerTarget,
    /// Counters for the admin console.
    pub stats: PoolStats,
    timeouts: PoolTimeouts,
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<ServerConn>>,
    /// Open server connections, for `SHOW SERVERS`.
    pub servers: Registry<ServerInfo>,
    params: Mutex<Option<Vec<(String, String)>>>,
}

/// A checked-out server connection. Give it back with [`Pool::release`]; dropping it
/// closes the connection and frees its slot.
#[derive(Debug)]
pub struct Checkout {
    /// The connection.
    pub conn: ServerConn,
    permit: OwnedSemaphorePermit,
    active: ActiveGuard,
}

#[derive(Debug)]
struct ActiveGuard(Arc<Pool>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.stats.sv_active.dec();
    }
}

impl Pool {
    /// Builds the pool of one configured user.
    pub fn new(
        database: &str,
        pool: &PoolConfig,
        user: &UserConfig,
        timeouts: PoolTimeouts,
    ) -> Option<Pool> {
        let (host, port, server_db) = pool.server()?;
        Some(Pool {
            database: database.to_owned(),
            user: user.username.clone(),
            mode: pool.mode_for(user),
            pool_size: user.pool_size,
            min_pool_size: user.min_pool_size.unwrap_or(0).min(user.pool_size),
            target: ServerTarget {
                host: host.to_owned(),
                port,
                database: server_db.to_owned(),
                user: user.server_user().to_owned(),
                password: user.server_pass().to_owned(),
            },
            stats: PoolStats::default(),
            timeouts,
            permits: Arc::new(Semaphore::new(user.pool_size)),
            idle: Mutex::new(Vec::new()),
            servers: Registry::default(),
            params: Mutex::new(None),
        })
    }

    /// `db/user`, as messages name the pool.
    pub fn name(&self) -> String {
        format!("{}/{}", self.database, self.user)
    }

    /// How long a server-side reset (ROLLBACK, DISCARD ALL) may take.
    pub fn target_timeout(&self) -> Duration {
        self.timeouts.connect
    }

    /// Idle connections now.
    pub fn idle_count(&self) -> usize {
        lock(&self.idle).len()
    }

    /// Waits (FIFO, up to `query_wait_timeout`) for a slot, then reuses an idle
    /// connection or opens a new one.
    pub async fn checkout(self: &Arc<Self>) -> Result<Checkout, ClientError> {
        let started = Instant::now();
        self.stats.cl_waiting.inc();
        let acquired =
            tokio::time::timeout(self.timeouts.wait, self.permits.clone().acquire_owned()).await;
        self.stats.cl_waiting.dec();
        let waited = started.elapsed();
        self.stats.record_wait(waited);
        let permit = match acquired {
            Ok(Ok(permit)) => permit,
            Ok(Err(_closed)) => {
                return Err(ClientError::fatal(
                    SqlState::ADMIN_SHUTDOWN,
                    format!("pool {} is shut down", self.name()),
                ))
            }
            Err(_elapsed) => {
                warn!(pool = %self.name(), waited_ms = waited.as_millis() as u64, "query_wait_timeout");
                return Err(ClientError::fatal(
                    SqlState::TOO_MANY_CONNECTIONS,
                    format!(
                        "all {} server connections of pool {} are busy; waited {}ms (query_wait_timeout)",
                        self.pool_size,
                        self.name(),
                        waited.as_millis()
                    ),
                ));
            }
        };
        let conn = match self.take_idle() {
            Some(conn) => conn,
            None => self.open().await?,
        };
        self.stats.sv_active.inc();
        if let Some(info) = &conn.info {
            info.state.set(ConnState::Active);
        }
        Ok(Checkout {
            conn,
            permit,
            active: ActiveGuard(Arc::clone(self)),
        })
    }

    /// Puts a connection back for reuse (the caller made sure it is idle and clean).
    pub fn release(&self, checkout: Checkout) {
        let Checkout {
            mut conn,
            permit,
            active,
        } = checkout;
        conn.idle_since = Instant::now();
        if let Some(info) = &conn.info {
            info.state.set(ConnState::Idle);
        }
        lock(&self.idle).push(conn);
        drop(active);
        drop(permit);
    }

    /// The ParameterStatus values of the pool's first server connection, opening one
    /// if none was opened yet.
    pub async fn server_params(self: &Arc<Self>) -> Result<Vec<(String, String)>, ClientError> {
        if let Some(params) = lock(&self.params).clone() {
            return Ok(params);
        }
        let checkout = self.checkout().await?;
        let params = checkout.conn.params.clone();
        self.release(checkout);
        Ok(params)
    }

    fn take_idle(&self) -> Option<ServerConn> {
        let mut idle = lock(&self.idle);
        while let Some(conn) = idle.pop() {
            if self.reusable(&conn) {
                return Some(conn);
            }
            debug!(pool = %self.name(), "closing idle server connection");
        }
        None
    }

    async fn open(&self) -> Result<ServerConn, ClientError> {
        let t = &self.target;
        match connect(t, self.timeouts.connect).await {
            Ok(mut conn) => {
                let server_info = Arc::new(ServerInfo {
                    database: self.database.clone(),
                    user: self.user.clone(),
                    host: t.host.clone(),
                    port: t.port,
                    backend_pid: conn.cancel.process_id,
                    connect_time: SystemTime::now(),
                    state: StateCell::new(ConnState::Active),
                });
                self.servers.register(&server_info);
                conn.info = Some(server_info);
                info!(pool = %self.name(), server = %format!("{}:{}", t.host, t.port),
                      backend_pid = conn.cancel.process_id, "server connection opened");
                self.stats.sv_opened.inc();
                let mut params = lock(&self.params);
                if params.is_none() {
                    *params = Some(conn.params.clone());
                }
                Ok(conn)
            }
            Err(e) => {
                warn!(pool = %self.name(), server = %format!("{}:{}", t.host, t.port), error = %e,
                      "server connection failed");
                Err(login_error(self, e))
            }
        }
    }
}

fn login_error(pool: &Pool, e: LoginError) -> ClientError {
    let t = &pool.target;
    match e {
        LoginError::Refused(resp) => ClientError::fatal(
            resp.code()
                .unwrap_or(SqlState::SQLSERVER_REJECTED_ESTABLISHMENT_OF_SQLCONNECTION),
            format!(
                "pool {}: server {}:{} refused login of user \"{}\" to database \"{}\": {}",
                pool.name(),
                t.host,
                t.port,
                t.user,
                t.database,
                resp.message().unwrap_or("no message")
            ),
        ),
        other => ClientError::fatal(
            SqlState::SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
            format!(
                "pool {}: cannot connect to server {}:{}: {other}",
                pool.name(),
                t.host,
                t.port
            ),
        ),
    }
}

/// Locks a mutex; a poisoned one (a panic elsewhere) is still usable for these plain
/// collections.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// All pools, by (database, user).
#[derive(Debug, Default)]
pub struct Pools {
    pools: Vec<Arc<Pool>>,
}

impl Pools {
    /// One pool per configured user of every database.
    pub fn from_config(config: &Config) -> Pools {
        let g = &config.general;
        let timeouts = PoolTimeouts {
            connect: g.connect_timeout(),
            wait: g.query_wait_timeout(),
            idle: g.idle_timeout(),
            lifetime: g.server_lifetime(),
        };
        let mut pools = Vec::new();
        for (db, pool) in &config.pools {
            for user in pool.users.values() {
                if let Some(p) = Pool::new(db, pool, user, timeouts) {
                    pools.push(Arc::new(p));
                }
            }
        }
        Pools { pools }
    }

    /// The pool of a (database, user).
    pub fn get(&self, database: &str, user: &str) -> Option<&Arc<Pool>> {
        self.pools
            .iter()
            .find(|p| p.database == database && p.user == user)
    }

    /// Every pool, in configuration order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Pool>> {
        self.pools.iter()
    }
}
