//! Per (database, user) pools of server connections.
//!
//! A pool has one [`Member`] per configured server (shards, primaries, replicas); each
//! holds at most `pool_size` server connections, counted by a semaphore whose queue is
//! FIFO: clients wait for a permit in arrival order, up to `query_wait_timeout`. A permit
//! is held from checkout until the connection goes back ([`Pool::release`]) or is dropped
//! (closed, which frees the slot for a new one). Which member serves a transaction is the
//! [`Route`]'s business ([`route`]); a pool of one server skips all of that.
//!
//! A reload resizes a pool in place (`pool_size`, `min_pool_size`, timeouts) or, when
//! its server, credentials or mode change, retires it for a new one ([`pools`]). A
//! paused pool (admin `PAUSE`) makes checkouts wait until `RESUME` ([`pause`]).

mod auth_query;
mod limits;
mod maintenance;
mod member;
mod mirror;
mod pause;
mod pools;
mod route;
mod stats;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use pgwire::SqlState;
use tokio::sync::{Notify, OwnedSemaphorePermit};
use tracing::{debug, info, warn};

use crate::auth::Credential;
use crate::config::{AuthQuery, PoolConfig, PoolMode, Routing, UserConfig};
use crate::error::ClientError;
use crate::registry::{ConnState, ServerInfo, StateCell};
use crate::server::{connect, LoginError, ServerConn, ServerTarget};
use crate::tls::ServerTls;

pub use limits::{ConnLimit, Limits, OpenSlots};
pub use member::Member;
pub use mirror::MirrorLink;
pub use pools::{Pools, ReloadReport};
pub use route::Route;
pub use stats::{Counter, PoolStats, Totals};

/// Timeouts a pool applies.
#[derive(Debug, Clone, Copy)]
pub struct PoolTimeouts {
    pub connect: Duration,
    pub wait: Duration,
    pub idle: Duration,
    pub lifetime: Duration,
    /// How long a server that failed to connect is left out (`ban_time`).
    pub ban: Duration,
    /// Longest health check of an idle connection.
    pub healthcheck_timeout: Duration,
    /// Idle time after which a connection is health-checked before use.
    pub healthcheck_delay: Duration,
}

/// Timeouts of a pool, changeable by a reload.
#[derive(Debug, Default)]
struct LiveTimeouts {
    connect_ms: AtomicU64,
    wait_ms: AtomicU64,
    idle_ms: AtomicU64,
    lifetime_ms: AtomicU64,
    ban_ms: AtomicU64,
    healthcheck_timeout_ms: AtomicU64,
    healthcheck_delay_ms: AtomicU64,
}

impl LiveTimeouts {
    fn set(&self, t: PoolTimeouts) {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        self.connect_ms.store(ms(t.connect), Ordering::Relaxed);
        self.wait_ms.store(ms(t.wait), Ordering::Relaxed);
        self.idle_ms.store(ms(t.idle), Ordering::Relaxed);
        self.lifetime_ms.store(ms(t.lifetime), Ordering::Relaxed);
        self.ban_ms.store(ms(t.ban), Ordering::Relaxed);
        self.healthcheck_timeout_ms
            .store(ms(t.healthcheck_timeout), Ordering::Relaxed);
        self.healthcheck_delay_ms
            .store(ms(t.healthcheck_delay), Ordering::Relaxed);
    }

    fn get(&self) -> PoolTimeouts {
        let d = |a: &AtomicU64| Duration::from_millis(a.load(Ordering::Relaxed));
        PoolTimeouts {
            connect: d(&self.connect_ms),
            wait: d(&self.wait_ms),
            idle: d(&self.idle_ms),
            lifetime: d(&self.lifetime_ms),
            ban: d(&self.ban_ms),
            healthcheck_timeout: d(&self.healthcheck_timeout_ms),
            healthcheck_delay: d(&self.healthcheck_delay_ms),
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
    /// The same two names, shared with the records of the pool's clients.
    pub names: Arc<crate::registry::PoolNames>,
    /// Transaction or session pooling.
    pub mode: PoolMode,
    pool_size: AtomicUsize,
    min_pool_size: AtomicUsize,
    /// The servers, shard by shard, each shard's primary first; never empty.
    members: Vec<Member>,
    /// Number of shards.
    shards: usize,
    /// Roles, load balancing, query parser, sharding.
    pub routing: Routing,
    /// Counters for the admin console.
    pub stats: PoolStats,
    timeouts: LiveTimeouts,
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
    /// The connection `auth_query` runs on (as `auth_query_user`), kept open; one
    /// query at a time, so logins can never open more than this one connection.
    auth_conn: tokio::sync::Mutex<Option<crate::server::ServerConn>>,
    /// How to log into the server when no password is configured (learned from
    /// clients).
    learned: Mutex<Option<Credential>>,
    /// `max_user_connections`: the connections of every pool of this user name.
    pub user_limit: Arc<ConnLimit>,
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

impl Checkout {
    /// The server the connection belongs to.
    pub fn member(&self) -> &Member {
        &self.active.pool.members[self.active.member]
    }

    /// A session's connections to the mirrors of this checkout's server, opened in the
    /// background (none when the pool has no server credential yet).
    pub fn open_mirrors(&self) -> Vec<MirrorLink> {
        let pool = &self.active.pool;
        let Ok(credential) = pool.credential() else {
            return Vec::new();
        };
        let timeout = pool.timeouts.get().connect;
        self.member()
            .mirrors
            .iter()
            .map(|target| {
                MirrorLink::open(
                    pool.name().to_string(),
                    target.clone(),
                    credential.clone(),
                    timeout,
                )
            })
            .collect()
    }
}

/// Holds a slot of one member while a connection is checked out; returns it (or pays a
/// shrink debt with it) when dropped.
#[derive(Debug)]
struct ActiveGuard {
    pool: Arc<Pool>,
    member: usize,
    permit: Option<OwnedSemaphorePermit>,
    /// Model affinity: the models of the checked-out connection, counted as busy until
    /// it comes back or is closed.
    models: Option<[u64; crate::server::MODELS_REMEMBERED]>,
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.pool.stats.sv_active.dec();
        if let Some(models) = self.models.take() {
            self.pool.members[self.member].unhold(&models);
        }
        if let Some(permit) = self.permit.take() {
            self.pool.members[self.member].return_permit(permit);
        }
    }
}

/// The limits a new pool counts its connections against.
pub struct PoolLimits<'a> {
    pub registry: &'a Limits,
    /// `max_db_connections` of the pool's database (0: none).
    pub max_db: usize,
    /// `max_user_connections` of the pool's user (0: none).
    pub max_user: usize,
}

/// Room for one more server connection under the connection limits.
enum Room {
    /// Counted: open one.
    Counted(OpenSlots),
    /// The member's own idle connection, found while waiting for room.
    Idle(Box<ServerConn>),
}

/// Why a connection could not be had from one member.
struct MemberError {
    error: ClientError,
    /// The server itself failed (connect or login): another may serve.
    server_failed: bool,
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
        limits: &PoolLimits<'_>,
    ) -> Option<Pool> {
        let members: Vec<Member> = pool
            .servers()
            .iter()
            .map(|spec| {
                let db_limit = limits.registry.db(
                    database,
                    spec.host,
                    spec.port,
                    spec.database,
                    limits.max_db,
                );
                Member::new(spec, user, tls, user.pool_size, db_limit)
            })
            .collect();
        if members.is_empty() {
            return None;
        }
        let live = LiveTimeouts::default();
        live.set(timeouts);
        Some(Pool {
            database: database.to_owned(),
            user: user.username.clone(),
            names: Arc::new(crate::registry::PoolNames {
                database: database.to_owned(),
                user: user.username.clone(),
            }),
            mode: pool.mode_for(user),
            pool_size: AtomicUsize::new(user.pool_size),
            min_pool_size: AtomicUsize::new(user.min_pool_size.unwrap_or(0).min(user.pool_size)),
            members,
            shards: pool.shards.len().max(1),
            routing: pool.routing(),
            stats: PoolStats::new(),
            timeouts: live,
            params: Mutex::new(None),
            paused: AtomicBool::new(false),
            resumed: Notify::new(),
            disabled: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            kills: AtomicU64::new(0),
            retired: AtomicBool::new(false),
            auth_query,
            auth_conn: tokio::sync::Mutex::new(None),
            learned: Mutex::new(None),
            user_limit: limits.registry.user(&user.username, limits.max_user),
        })
    }

    /// Makes the pool's idle connections closable by the other pools that share its
    /// limits (once it is shared by `Arc`).
    pub(crate) fn join_limits(self: &Arc<Self>) {
        for (i, m) in self.members.iter().enumerate() {
            m.db_limit.add_sharer(self, Some(i));
        }
        self.user_limit.add_sharer(self, None);
    }

    /// The servers, shard by shard, each shard's primary first.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The main server: shard 0's primary, else its first server (auth_query runs
    /// there; `SHOW DATABASES` names it).
    pub fn target(&self) -> &ServerTarget {
        &self.members[0].target
    }

    /// Number of shards.
    pub fn shards(&self) -> usize {
        self.shards
    }

    /// Whether the pool has more than one server (routing applies).
    pub fn is_routed(&self) -> bool {
        self.members.len() > 1
    }

    /// Open server connections of every member, for `SHOW SERVERS`.
    pub fn server_infos(&self) -> Vec<Arc<ServerInfo>> {
        self.members
            .iter()
            .flat_map(|m| m.servers.snapshot())
            .collect()
    }

    /// Most server connections of each server.
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
        self.members.iter().map(|m| lock(&m.idle).len()).sum()
    }

    /// Waits (FIFO, up to `query_wait_timeout`) for a slot of a server `route` allows,
    /// then reuses an idle connection or opens a new one.
    pub async fn checkout(self: &Arc<Self>, route: Route) -> Result<Checkout, ClientError> {
        self.checkout_at(route, Instant::now()).await
    }

    /// [`Pool::checkout`] for a caller that read the clock just now (`now`: idle
    /// connections are judged by it, so a transaction reads the clock once).
    pub async fn checkout_at(
        self: &Arc<Self>,
        route: Route,
        now: Instant,
    ) -> Result<Checkout, ClientError> {
        let mut now = now;
        if self.paused.load(Ordering::Acquire) {
            // Boxed, like `open` below: rare paths stay out of the future every
            // client task carries (see `client::handle`).
            self.stats.cl_waiting.inc();
            Box::pin(self.wait_resumed()).await;
            self.stats.cl_waiting.dec();
            now = Instant::now();
        }
        if self.members.len() > 1 {
            return Box::pin(self.checkout_routed(route)).await;
        }
        let started = now;
        let permit = self.acquire(0, &mut now).await?;
        self.connect_member(0, permit, route.model, now, started)
            .await
            .map_err(|e| e.error)
    }

    /// Checkout among several servers: the first of the route's candidates with a free
    /// slot, else a wait for the first; a server that fails to connect is banned and
    /// the next candidate tried.
    async fn checkout_routed(self: &Arc<Self>, route: Route) -> Result<Checkout, ClientError> {
        // SET SHARD checks its number; a number from a statement's comment
        // (`shard_id_regex`) is checked here.
        if route.shard >= self.shards() {
            return Err(ClientError::error(
                SqlState::INVALID_PARAMETER_VALUE,
                format!(
                    "pool {} has {} shard(s), numbered from 0: the statement names shard {} \
                     (shard_id_regex)",
                    self.name(),
                    self.shards(),
                    route.shard
                ),
            ));
        }
        let mut order = self.candidates(route);
        let started = Instant::now();
        loop {
            let pos = order
                .iter()
                .position(|&i| self.members[i].free_slots() > 0)
                .unwrap_or(0);
            let member = order[pos];
            let mut now = Instant::now();
            let permit = self.acquire(member, &mut now).await?;
            match self
                .connect_member(member, permit, route.model, now, started)
                .await
            {
                Ok(checkout) => {
                    self.members[member].unban(&self.name());
                    return Ok(checkout);
                }
                Err(e) if e.server_failed && order.len() > 1 => {
                    self.members[member].ban(&self.name(), self.timeouts().ban);
                    order.remove(pos);
                }
                Err(e) => return Err(e.error),
            }
        }
    }

    /// Waits (FIFO, up to `query_wait_timeout`) for a slot of one member; after a wait,
    /// `now` is moved to the time it ended.
    async fn acquire(
        self: &Arc<Self>,
        member: usize,
        now: &mut Instant,
    ) -> Result<OwnedSemaphorePermit, ClientError> {
        let permits = &self.members[member].permits;
        // A free slot is taken at once, without arming the wait timer, reading the clock
        // or counting a waiting client (most checkouts: the common case costs no
        // timer-wheel insert and removal).
        let acquired = match Arc::clone(permits).try_acquire_owned() {
            Ok(permit) => Ok(Ok(permit)),
            Err(_) => {
                self.stats.cl_waiting.inc();
                let started = Instant::now();
                let wait = self.timeouts.get().wait;
                let acquired =
                    tokio::time::timeout(wait, Arc::clone(permits).acquire_owned()).await;
                self.stats.cl_waiting.dec();
                *now = Instant::now();
                let waited = now.saturating_duration_since(started);
                self.stats.record_wait(waited);
                acquired.map_err(|elapsed| (elapsed, waited))
            }
        };
        match acquired {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(ClientError::fatal(
                SqlState::ADMIN_SHUTDOWN,
                format!("pool {} was removed from the configuration", self.name()),
            )),
            Err((_elapsed, waited)) => {
                warn!(pool = %self.name(), server = %self.members[member].address(),
                      waited_ms = waited.as_millis() as u64, "query_wait_timeout");
                Err(ClientError::fatal(
                    SqlState::TOO_MANY_CONNECTIONS,
                    format!(
                        "all {} server connections of pool {} to {} are busy; waited {}ms (query_wait_timeout)",
                        self.pool_size(),
                        self.name(),
                        self.members[member].address(),
                        waited.as_millis()
                    ),
                ))
            }
        }
    }

    /// With a slot of `member` held: reuses one of its idle connections or opens one.
    /// (`started`: when the checkout began; its waits end `query_wait_timeout` after.)
    async fn connect_member(
        self: &Arc<Self>,
        member: usize,
        permit: OwnedSemaphorePermit,
        route_model: Option<u64>,
        now: Instant,
        started: Instant,
    ) -> Result<Checkout, MemberError> {
        let mut now = now;
        self.stats.sv_active.inc();
        // From here the guard gives the slot back, whatever happens.
        let mut active = ActiveGuard {
            pool: Arc::clone(self),
            member,
            permit: Some(permit),
            models: None,
        };
        if let Some(key) = route_model {
            if !self.routing.model_affinity_wait.is_zero() {
                Box::pin(self.wait_for_holder(member, key)).await;
                now = Instant::now();
            }
        }
        let idle = match self.take_idle(member, route_model, now) {
            Some(conn)
                if now.saturating_duration_since(conn.idle_since)
                    < self.timeouts.get().healthcheck_delay =>
            {
                Some(conn)
            }
            // Boxed: only connections idle past `healthcheck_delay` get here.
            Some(conn) => Box::pin(self.health_checked(member, conn)).await,
            None => None,
        };
        let conn = match idle {
            Some(conn) => conn,
            None => {
                let credential = self.credential().map_err(|error| MemberError {
                    error,
                    server_failed: false,
                })?;
                let room = self
                    .room(member, started)
                    .await
                    .map_err(|error| MemberError {
                        error,
                        server_failed: false,
                    })?;
                match room {
                    Room::Idle(conn) => conn,
                    Room::Counted(slots) => {
                        let _login = self.stats.sv_login.hold();
                        Box::pin(self.open(member, credential, slots))
                            .await
                            .map_err(|error| MemberError {
                                error,
                                server_failed: true,
                            })?
                    }
                }
            }
        };
        if let Some(info) = &conn.info {
            info.request.set(now);
            info.state.set(ConnState::Active);
        }
        let mut conn = conn;
        if let Some(key) = route_model {
            conn.note_model(key);
        }
        if self.routing.model_affinity {
            self.members[member].hold(&conn.models);
            active.models = Some(conn.models);
        }
        Ok(Checkout { conn, active })
    }

    /// Model affinity with `model_affinity_wait`: when no idle connection served `key`
    /// but a checked-out one holds it, waits (up to the setting) until one that served
    /// it comes back, or no checked-out connection holds it any more. The slot this
    /// checkout took is kept meanwhile, so the holder's return lets it through at once.
    async fn wait_for_holder(&self, member: usize, key: u64) {
        let m = &self.members[member];
        let deadline = Instant::now() + self.routing.model_affinity_wait;
        let mut counted = false;
        loop {
            // Registered before the check, so a release between the check and the wait
            // is not missed.
            let released = m.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            if m.idle_serves(key) || !m.busy_holds(key) {
                return;
            }
            if !counted {
                self.stats.affinity_waits.inc();
                counted = true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || tokio::time::timeout(left, released).await.is_err() {
                debug!(pool = %self.name(), "model_affinity_wait ran out; another connection serves");
                return;
            }
        }
    }

    /// `conn` (idle past `healthcheck_delay`) if it answers an empty query within
    /// `healthcheck_timeout` (else it is closed, and a new connection is opened: if that
    /// fails too, the server is banned).
    async fn health_checked(
        &self,
        member: usize,
        mut conn: Box<ServerConn>,
    ) -> Option<Box<ServerConn>> {
        let t = self.timeouts.get();
        let pid = conn.cancel.process_id;
        let m = &self.members[member];
        match tokio::time::timeout(t.healthcheck_timeout, conn.simple_query(";")).await {
            Ok(Ok(pgwire::backend::TransactionStatus::Idle)) => return Some(conn),
            Ok(Ok(status)) => warn!(pool = %self.name(), server = %m.address(), backend_pid = pid,
                                    ?status, "health check: connection not idle; closing it"),
            Ok(Err(e)) => warn!(pool = %self.name(), server = %m.address(), backend_pid = pid,
                                error = %e, "health check failed; closing the connection"),
            Err(_) => warn!(pool = %self.name(), server = %m.address(), backend_pid = pid,
                            timeout_ms = t.healthcheck_timeout.as_millis() as u64,
                            "health check timed out; closing the connection"),
        }
        None
    }

    /// Puts a connection back for reuse (the caller made sure it is idle and clean);
    /// a retired pool closes it instead.
    pub fn release(&self, checkout: Checkout) {
        self.release_at(checkout, Instant::now());
    }

    /// [`Pool::release`] for a caller that read the clock just now.
    pub fn release_at(&self, checkout: Checkout, now: Instant) {
        let Checkout { mut conn, active } = checkout;
        if !self.reconnect_due(&conn) {
            conn.idle_since = now;
            if let Some(info) = &conn.info {
                info.state.set(ConnState::Idle);
            }
            let m = &self.members[active.member];
            let mut idle = lock(&m.idle);
            // Checked under the lock: `retire` sets the flag, then empties the idle lists
            // under it, so a connection is never left idle in a retired pool.
            if !self.is_retired() {
                idle.push(conn);
            }
            drop(idle);
            self.went_idle(active.member);
        }
        drop(active);
    }

    /// The ParameterStatus values of the pool's first server connection, opening one
    /// if none was opened yet.
    pub async fn server_params(self: &Arc<Self>) -> Result<Vec<(String, String)>, ClientError> {
        if let Some(params) = lock(&self.params).clone() {
            return Ok(params);
        }
        let route = Route {
            shard: 0,
            role: self.routing.default_role.role(),
            model: None,
        };
        let checkout = self.checkout(route).await?;
        let params = checkout.conn.params.clone();
        self.release(checkout);
        Ok(params)
    }

    fn take_idle(
        &self,
        member: usize,
        model: Option<u64>,
        now: Instant,
    ) -> Option<Box<ServerConn>> {
        let mut idle = lock(&self.members[member].idle);
        if let Some(key) = model {
            // Model affinity: a connection that served the model; else one that served
            // none; else a new connection while the server has room for one (so the idle
            // ones keep their models); else the one idle longest (its models were used
            // least lately).
            let pick = match idle.iter().rposition(|c| c.served(key)) {
                Some(at) => {
                    self.stats.affinity_hits.inc();
                    Some(at)
                }
                None => {
                    self.stats.affinity_misses.inc();
                    let m = &self.members[member];
                    // Open now: idle ones plus those checked out (this checkout included,
                    // which has no connection yet).
                    let checked_out = self.pool_size().saturating_sub(m.free_slots());
                    let open = idle.len() + checked_out.saturating_sub(1);
                    match idle.iter().rposition(|c| c.served_none()) {
                        Some(at) => Some(at),
                        None if open < self.pool_size() => return None,
                        None => (!idle.is_empty()).then_some(0),
                    }
                }
            };
            if let Some(at) = pick {
                let mut conn = idle.remove(at);
                if self.reusable(&mut conn, now) {
                    return Some(conn);
                }
                debug!(pool = %self.name(), "closing idle server connection");
            }
        }
        while let Some(mut conn) = idle.pop() {
            if self.reusable(&mut conn, now) {
                return Some(conn);
            }
            debug!(pool = %self.name(), "closing idle server connection");
        }
        None
    }

    async fn open(
        &self,
        member: usize,
        credential: Credential,
        slots: OpenSlots,
    ) -> Result<Box<ServerConn>, ClientError> {
        let m = &self.members[member];
        let t = &m.target;
        match connect(t, &credential, self.timeouts.get().connect).await {
            Ok(mut conn) => {
                conn.slots = Some(slots);
                conn.generation = self.generation.load(Ordering::Acquire);
                let server_info = Arc::new(ServerInfo {
                    database: self.database.clone(),
                    user: self.user.clone(),
                    host: t.host.clone(),
                    port: t.port,
                    backend_pid: conn.cancel.process_id,
                    local: conn.stream.local_addr(),
                    tls: conn.stream.is_tls(),
                    connect_time: SystemTime::now(),
                    state: StateCell::new(ConnState::Active),
                    request: Default::default(),
                    generation: conn.generation,
                });
                m.servers.register(&server_info);
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
                Err(login_error(self, t, e))
            }
        }
    }
}

fn login_error(pool: &Pool, t: &ServerTarget, e: LoginError) -> ClientError {
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
