//! `pgml-router`: a PostgreSQL connection pooler (PgBouncer / PgCat class) on tokio and
//! the [`pgwire`] protocol crate.
//!
//! - [`config`]: the typed TOML configuration (PgCat's layout).
//! - [`client`]: accepted connections: startup, login, the forwarding session.
//! - [`server`]: server connections: login (md5, SCRAM-SHA-256, trust) and resets.
//! - [`pool`]: per (database, user) pools with a FIFO wait queue.
//! - [`cancel`]: router-issued cancel keys, routed to the serving backend.
//! - [`admin`]: the `SHOW ...` console, one file per command.
//! - [`auth`]: md5 and server-side SCRAM-SHA-256 checks of client passwords.
//! - [`scanner`]: message boundaries of a byte stream, for zero-decode forwarding.
//! - [`prometheus`]: the `/metrics` exporter.
//! - [`registry`]: live clients and server connections, for `SHOW CLIENTS/SERVERS`.
//! - [`error`]: errors sent to clients (severity, SQLSTATE, message).
//! - [`shared`]: the state tasks share: configuration (swapped on reload), pools, stop.
//! - [`stream`], [`tls`]: plain or TLS connections (rustls) on both sides.
//!
//! [`Router::bind`] + [`Router::serve`] run it; the binary adds CLI, logging, signals.

#![forbid(unsafe_code)]

pub mod admin;
pub mod auth;
pub mod cancel;
pub mod client;
pub mod config;
pub mod error;
pub mod model_key;
pub mod pool;
pub mod prometheus;
pub mod query_parser;
pub mod registry;
pub mod scanner;
pub mod server;
pub mod sharding;
pub mod shared;
pub mod stream;
pub mod tls;
pub mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tracing::{error, info, warn};

use crate::config::Config;
pub use crate::shared::{Loaded, Shared, Stop};

/// The router's version, as `SHOW VERSION` and `server_version` on the console print it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A bound listener, ready to serve.
#[derive(Debug)]
pub struct Router {
    listener: TcpListener,
    metrics: Option<TcpListener>,
    shared: Arc<Shared>,
}

impl Router {
    /// Loads the TLS files and binds `general.host:general.port` (port 0 picks a free
    /// one).
    pub async fn bind(config: Config) -> std::io::Result<Router> {
        let addr = (config.general.host.clone(), config.general.port);
        let shared = Shared::new(config)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let metrics = if config_exporter(&shared) {
            let g = &shared.loaded().config.general;
            Some(TcpListener::bind((g.host.as_str(), g.prometheus_exporter_port)).await?)
        } else {
            None
        };
        let listener = listen(&addr.0, addr.1).await?;
        Ok(Router {
            listener,
            metrics,
            shared: Arc::new(shared),
        })
    }

    /// The Prometheus exporter's address, when enabled.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The shared state (pools, stats).
    pub fn shared(&self) -> Arc<Shared> {
        Arc::clone(&self.shared)
    }

    /// Uses `path` for `RELOAD` and SIGHUP.
    pub fn with_config_path(self, path: std::path::PathBuf) -> Router {
        self.shared.set_config_path(path);
        self
    }

    /// Accepts clients until `shutdown` completes or a stop is requested
    /// ([`Shared::request_stop`]: admin `SHUTDOWN`, signals). `shutdown` completing is
    /// a graceful stop ([`Stop::Draining`]): each client is closed when its
    /// transaction is over, and those left after `shutdown_timeout` are closed anyway.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) {
        let Router {
            listener,
            metrics,
            shared,
        } = self;
        let mut tasks = JoinSet::new();
        let upkeep = {
            let shared = Arc::clone(&shared);
            tokio::spawn(async move { shared.pools.maintain().await })
        };
        let stats_periods = {
            let shared = Arc::clone(&shared);
            tokio::spawn(async move {
                let period = || shared.loaded().config.general.stats_period();
                shared.pools.refresh_stats(period).await
            })
        };
        let exporter = metrics.map(|l| tokio::spawn(prometheus::serve(l, Arc::clone(&shared))));
        let mut stop = shared::stop_past(shared.stop_watch(), Stop::Running);
        tokio::pin!(shutdown);
        let mut external_done = false;
        let mut accept_errors = AcceptErrors::default();
        loop {
            tokio::select! {
                () = &mut shutdown, if !external_done => {
                    external_done = true;
                    shared.request_stop(Stop::Draining);
                }
                _ = &mut stop => break,
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        tasks.spawn(client::handle(Arc::clone(&shared), stream, peer));
                    }
                    Err(e) => {
                        // After a shortage (EMFILE) the pending connection stays in
                        // the listen queue and an immediate retry would spin: let
                        // closing clients free descriptors meanwhile. Other errors
                        // are one connection's (aborted before accept), but a short
                        // pause still keeps a persistent one from spinning.
                        let pause = if accept_errors.log(&e) {
                            ACCEPT_RETRY
                        } else {
                            ACCEPT_RETRY / 20
                        };
                        tokio::time::sleep(pause).await;
                    }
                },
            }
        }
        drop(listener);
        upkeep.abort();
        stats_periods.abort();
        if let Some(exporter) = exporter {
            exporter.abort();
        }
        if shared.stopping() == Stop::Draining {
            let grace = shared.loaded().config.general.shutdown_timeout();
            info!(
                clients = tasks.len(),
                grace_ms = grace.as_millis() as u64,
                "shutting down: letting clients finish their transactions"
            );
            let now = shared::stop_past(shared.stop_watch(), Stop::Draining);
            let drained = async { while tasks.join_next().await.is_some() {} };
            tokio::select! {
                _ = tokio::time::timeout(grace, drained) => {}
                _ = now => {}
            }
            if !tasks.is_empty() {
                warn!(
                    clients = tasks.len(),
                    "shutdown_timeout reached; closing remaining clients"
                );
            }
        }
        shared.request_stop(Stop::Now);
        info!(clients = tasks.len(), "stopping: closing every client");
        // Sessions send FATAL 57P01 and close; give them a moment, then abort the rest.
        let closing = async { while tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(STOP_NOW_GRACE, closing).await.is_err() {
            tasks.shutdown().await;
        }
        shared.pools.close_all();
    }
}

/// Pending connections the kernel queues before `accept` (capped by
/// `net.core.somaxconn`); tokio's `bind` asks for 1024, and a burst of thousands of
/// clients connecting at once would then see SYNs dropped and retried a second later.
const LISTEN_BACKLOG: u32 = 4096;

/// Binds `host:port` (the first address that works) with [`LISTEN_BACKLOG`].
async fn listen(host: &str, port: u16) -> std::io::Result<TcpListener> {
    let mut last = None;
    for addr in tokio::net::lookup_host((host, port)).await? {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        // As std's and tokio's `bind` do: a restarted router can bind at once.
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        match socket
            .bind(addr)
            .and_then(|()| socket.listen(LISTEN_BACKLOG))
        {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{host}:{port} resolves to no address"),
        )
    }))
}

fn config_exporter(shared: &Shared) -> bool {
    shared.loaded().config.general.enable_prometheus_exporter
}

/// Pause after a failed accept.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// How often a run of failing accepts is logged.
const ACCEPT_LOG_EVERY: Duration = Duration::from_secs(5);

/// Failed accepts, logged at most once per [`ACCEPT_LOG_EVERY`] (a descriptor
/// shortage fails every retry).
#[derive(Debug, Default)]
struct AcceptErrors {
    last_logged: Option<Instant>,
    /// Failures not logged yet.
    unlogged: u64,
}

impl AcceptErrors {
    /// Logs a failed accept; true when it was for want of a resource (descriptors,
    /// memory), which a retry at once would not find either.
    fn log(&mut self, e: &std::io::Error) -> bool {
        // EMFILE, ENFILE, ENOBUFS, ENOMEM on Linux (the first two, checked below,
        // have the same numbers on macOS and the BSDs).
        let shortage = matches!(e.raw_os_error(), Some(24 | 23 | 105 | 12));
        self.unlogged += 1;
        if self
            .last_logged
            .is_some_and(|at| at.elapsed() < ACCEPT_LOG_EVERY)
        {
            return shortage;
        }
        self.last_logged = Some(Instant::now());
        let failures = std::mem::take(&mut self.unlogged);
        match e.raw_os_error() {
            Some(24) => error!(
                error = %e, failures,
                "cannot accept clients: this process has as many open files as its \
                 RLIMIT_NOFILE allows (each client and server connection is one); raise \
                 the hard limit (ulimit -Hn, systemd LimitNOFILE). New connections wait in \
                 the listen queue until clients leave"
            ),
            Some(23) => error!(
                error = %e, failures,
                "cannot accept clients: the system-wide open file table is full \
                 (fs.file-max); new connections wait in the listen queue"
            ),
            _ => warn!(error = %e, failures, "accept failed"),
        }
        shortage
    }
}

/// How long sessions get to send their goodbye on an immediate stop.
const STOP_NOW_GRACE: Duration = Duration::from_millis(300);
