//! Per (database, user) pools of server connections.
//!
//! A pool holds at most `pool_size` server connections, counted by a semaphore whose
//! queue is FIFO: clients wait for a permit in arrival order, up to
//! `query_wait_timeout`. A permit is held from checkout until the connection goes back
//! ([`Pool::release`]) or is dropped (closed, which frees the slot for a new one).
//!
//! A reload resizes a pool in place (`pool_size`, `min_pool_size`, timeouts) or, when
//! its server, credentials or mode change, retires it for a new one ([`pools`]). A
//! paused pool (admin `PAUSE`) makes checkouts wait until `RESUME` ([`pause`]).

mod auth_query;
mod maintenance;
mod pause;
mod pools;
mod stats;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use pgwire::SqlState;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tracing::{debug, info, warn};

use crate::auth::{Credential, Secret};
use crate::config::{AuthQuery, PoolConfig, PoolMode, UserConfig};
use crate::error::ClientError;
use crate::registry::{ConnState, Registry, ServerInfo, StateCell};
use crate::server::{connect, LoginError, ServerConn, ServerTarget};
use crate::tls::ServerTls;

pub use pools::{Pools, ReloadReport};
pub use stats::PoolStats;

/// Timeouts a pool applies.
#[derive(Debug, Clone, Copy)]
pub struct PoolTimeouts {
    pub connect: Duration,
    pub wait: Duration,
    pub idle: Duration,
    pub lifetime: Duration,
}

/// Timeouts of a pool, changeable by a reload.
#[derive(Debug, Default)]
struct LiveTimeouts {
    connect_ms: AtomicU64,
    wait_ms: AtomicU64,
    idle_ms: AtomicU64,
    lifetime_ms: AtomicU64,
}

impl LiveTimeouts {
    fn set(&self, t: PoolTimeouts) {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        self.connect_ms.store(ms(t.connect), Ordering::Relaxed);
        self.wait_ms.store(ms(t.wait), Ordering::Relaxed);
        self.idle_ms.store(ms(t.idle), Ordering::Relaxed);
        self.lifetime_ms.store(ms(t.lifetime), Ordering::Relaxed);
    }

    fn get(&self) -> PoolTimeouts {
        let d = |a: &AtomicU64| Duration::from_millis(a.load(Ordering::Relaxed));
        PoolTimeouts {
            connect: d(&self.connect_ms),
            wait: d(&self.wait_ms),
            idle: d(&self.idle_ms),
            lifetime: d(&self.lifetime_ms),
        }
    }
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
    pool_size: AtomicUsize,
    min_pool_size: AtomicUsize,
    /// Slots to take away as they come back, after a reload shrank the pool.
    shrink_debt: AtomicUsize,
    /// The server and credentials connections go to.
    pub target: ServerTarget,
    /// Counters for the admin console.
    pub stats: PoolStats,
    timeouts: LiveTimeouts,
    permits: Arc<Semaphore>,
    // Boxed: a checkout takes the box as it is (see `Checkout::conn`).
    #[allow(clippy::vec_box)]
    idle: Mutex<Vec<Box<ServerConn>>>,
    /// Open server connections, for `SHOW SERVERS`.
    pub servers: Registry<ServerInfo>,
    params: Mutex<Option<Vec<(String, String)>>>,
    /// Set by `PAUSE`: checkouts wait for `RESUME`.
    paused: AtomicBool,
    resumed: Notify,
    /// Set by `DISABLE`: new clients are refused until `ENABLE`.
    disabled: AtomicBool,
    /// Counts `RECONNECT`s: connections opened before the last one close instead of being
    /// reused.
    generation: AtomicU64,
    /// Counts `KILL`s: a session that saw fewer ends.
    kills: AtomicU64,
    /// Removed or replaced by a reload: no new checkouts, connections close on release.
    retired: AtomicBool,
    /// Fetches the secret of a user configured without password.
    pub auth_query: Option<AuthQuery>,
    auth_cache: Mutex<Option<Secret>>,
    /// How to log into the server when no password is configured (learned from
    /// clients).
    learned: Mutex<Option<Credential>>,
}

/// A checked-out server connection. Give it back with [`Pool::release`]; dropping it
/// closes the connection and frees its slot.
#[derive(Debug)]
pub struct Checkout {
    /// The connection, boxed so that a checkout is a pointer's move: a client's
    /// session holds an `Option<Checkout>` even while idle.
    pub conn: Box<ServerConn>,
    active: ActiveGuard,
}

/// Holds a slot while a connection is checked out; returns it (or pays a shrink
/// debt with it) when dropped.
#[derive(Debug)]
struct ActiveGuard {
    pool: Arc<Pool>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.pool.stats.sv_active.dec();
        if let Some(permit) = self.permit.take() {
            self.pool.return_permit(permit);
        }
    }
}

impl Pool {
    /// Builds the pool of one configured user.
    pub fn new(
        database: &str,
        pool: &PoolConfig,
        user: &UserConfig,
        timeouts: PoolTimeouts,
        tls: Option<&Arc<ServerTls>>,
        auth_query: Option<AuthQuery>,
    ) -> Option<Pool> {
        let (host, port, server_db) = pool.server()?;
        let live = LiveTimeouts::default();
        live.set(timeouts);
        Some(Pool {
            database: database.to_owned(),
            user: user.username.clone(),
            mode: pool.mode_for(user),
            pool_size: AtomicUsize::new(user.pool_size),
            min_pool_size: AtomicUsize::new(user.min_pool_size.unwrap_or(0).min(user.pool_size)),
            shrink_debt: AtomicUsize::new(0),
            target: ServerTarget {
                host: host.to_owned(),
                port,
                database: server_db.to_owned(),
                user: user.server_user().to_owned(),
                password: user.server_pass().map(str::to_owned),
                tls: tls.cloned(),
            },
            stats: PoolStats::default(),
            timeouts: live,
            permits: Arc::new(Semaphore::new(user.pool_size)),
            idle: Mutex::new(Vec::new()),
            servers: Registry::default(),
            params: Mutex::new(None),
            paused: AtomicBool::new(false),
            resumed: Notify::new(),
            disabled: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            kills: AtomicU64::new(0),
            retired: AtomicBool::new(false),
            auth_query,
            auth_cache: Mutex::new(None),
            learned: Mutex::new(None),
        })
    }

    /// Most server connections.
    pub fn pool_size(&self) -> usize {
        self.pool_size.load(Ordering::Relaxed)
    }

    /// Server connections kept open even when idle.
    pub fn min_pool_size(&self) -> usize {
        self.min_pool_size.load(Ordering::Relaxed)
    }

    /// The timeouts in force.
    pub fn timeouts(&self) -> PoolTimeouts {
        self.timeouts.get()
    }

    /// Whether a reload removed or replaced this pool.
    pub fn is_retired(&self) -> bool {
        self.retired.load(Ordering::Acquire)
    }

    /// `db/user`, as messages name the pool.
    pub fn name(&self) -> String {
        format!("{}/{}", self.database, self.user)
    }

    /// How long a server-side reset (ROLLBACK, DISCARD ALL) may take.
    pub fn target_timeout(&self) -> Duration {
        self.timeouts.get().connect
    }

    /// Idle connections now.
    pub fn idle_count(&self) -> usize {
        lock(&self.idle).len()
    }

    /// Waits (FIFO, up to `query_wait_timeout`) for a slot, then reuses an idle
    /// connection or opens a new one.
    pub async fn checkout(self: &Arc<Self>) -> Result<Checkout, ClientError> {
        self.stats.cl_waiting.inc();
        if self.paused.load(Ordering::Acquire) {
            // Boxed, like `open` below: rare paths stay out of the future every
            // client task carries (see `client::handle`).
            Box::pin(self.wait_resumed()).await;
        }
        // A free slot is taken at once, without arming the wait timer or reading the clock
        // (most checkouts: the common case costs no timer-wheel insert and removal).
        let acquired = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => {
                self.stats.cl_waiting.dec();
                self.stats.record_wait(std::time::Duration::ZERO);
                Ok(Ok(permit))
            }
            Err(_) => {
                let started = Instant::now();
                let wait = self.timeouts.get().wait;
                let acquired =
                    tokio::time::timeout(wait, Arc::clone(&self.permits).acquire_owned()).await;
                self.stats.cl_waiting.dec();
                self.stats.record_wait(started.elapsed());
                acquired.map_err(|elapsed| (elapsed, started.elapsed()))
            }
        };
        let permit = match acquired {
            Ok(Ok(permit)) => permit,
            Ok(Err(_closed)) => {
                return Err(ClientError::fatal(
                    SqlState::ADMIN_SHUTDOWN,
                    format!("pool {} was removed from the configuration", self.name()),
                ))
            }
            Err((_elapsed, waited)) => {
                warn!(pool = %self.name(), waited_ms = waited.as_millis() as u64, "query_wait_timeout");
                return Err(ClientError::fatal(
                    SqlState::TOO_MANY_CONNECTIONS,
                    format!(
                        "all {} server connections of pool {} are busy; waited {}ms (query_wait_timeout)",
                        self.pool_size(),
                        self.name(),
                        waited.as_millis()
                    ),
                ));
            }
        };
        self.stats.sv_active.inc();
        // From here the guard gives the slot back, whatever happens.
        let active = ActiveGuard {
            pool: Arc::clone(self),
            permit: Some(permit),
        };
        let conn = match self.take_idle() {
            Some(conn) => conn,
            None => Box::pin(self.open()).await?,
        };
        if let Some(info) = &conn.info {
            info.state.set(ConnState::Active);
        }
        Ok(Checkout { conn, active })
    }

    /// Puts a connection back for reuse (the caller made sure it is idle and clean);
    /// a retired pool closes it instead.
    pub fn release(&self, checkout: Checkout) {
        let Checkout { mut conn, active } = checkout;
        if !self.is_retired() && !self.reconnect_due(&conn) {
            conn.idle_since = Instant::now();
            if let Some(info) = &conn.info {
                info.state.set(ConnState::Idle);
            }
            lock(&self.idle).push(conn);
        }
        drop(active);
    }

    /// Gives a slot back to the semaphore, unless a shrink is still owed.
    fn return_permit(&self, permit: OwnedSemaphorePermit) {
        let owed = self
            .shrink_debt
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |d| d.checked_sub(1))
            .is_ok();
        if owed {
            permit.forget();
        }
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

    fn take_idle(&self) -> Option<Box<ServerConn>> {
        let mut idle = lock(&self.idle);
        while let Some(mut conn) = idle.pop() {
            if self.reusable(&mut conn) {
                return Some(conn);
            }
            debug!(pool = %self.name(), "closing idle server connection");
        }
        None
    }

    async fn open(&self) -> Result<Box<ServerConn>, ClientError> {
        let t = &self.target;
        let credential = self.credential()?;
        match connect(t, &credential, self.timeouts.get().connect).await {
            Ok(mut conn) => {
                conn.generation = self.generation.load(Ordering::Acquire);
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
                Ok(Box::new(conn))
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
