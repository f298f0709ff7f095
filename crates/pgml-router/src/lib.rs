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
pub mod pool;
pub mod prometheus;
pub mod registry;
pub mod scanner;
pub mod server;
pub mod shared;
pub mod stream;
pub mod tls;
pub mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tracing::{info, warn};

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
        let listener = TcpListener::bind(addr).await?;
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
        let exporter = metrics.map(|l| tokio::spawn(prometheus::serve(l, Arc::clone(&shared))));
        let mut stop = shared::stop_past(shared.stop_watch(), Stop::Running);
        tokio::pin!(shutdown);
        let mut external_done = false;
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
                        warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
            }
        }
        drop(listener);
        upkeep.abort();
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

fn config_exporter(shared: &Shared) -> bool {
    shared.loaded().config.general.enable_prometheus_exporter
}

/// How long sessions get to send their goodbye on an immediate stop.
const STOP_NOW_GRACE: Duration = Duration::from_millis(300);
