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
//! - [`registry`]: live clients and server connections, for `SHOW CLIENTS/SERVERS`.
//! - [`error`]: errors sent to clients (severity, SQLSTATE, message).
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
pub mod registry;
pub mod scanner;
pub mod server;
pub mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::cancel::CancelMap;
use crate::config::Config;
use crate::pool::Pools;

/// The router's version, as `SHOW VERSION` and `server_version` on the console print it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// State every connection task shares.
#[derive(Debug)]
pub struct Shared {
    /// The loaded configuration.
    pub config: Config,
    /// The pools.
    pub pools: Pools,
    /// Cancel keys issued to clients.
    pub cancels: Arc<CancelMap>,
    /// Logged-in pool clients, for `SHOW CLIENTS`.
    pub clients: registry::Registry<registry::ClientInfo>,
}

impl Shared {
    /// Builds pools from a configuration.
    pub fn new(config: Config) -> Shared {
        Shared {
            pools: Pools::from_config(&config),
            config,
            cancels: Arc::new(CancelMap::default()),
            clients: registry::Registry::default(),
        }
    }
}

/// A bound listener, ready to serve.
#[derive(Debug)]
pub struct Router {
    listener: TcpListener,
    shared: Arc<Shared>,
}

impl Router {
    /// Binds `general.host:general.port` (port 0 picks a free one).
    pub async fn bind(config: Config) -> std::io::Result<Router> {
        let addr = (config.general.host.clone(), config.general.port);
        let listener = TcpListener::bind(addr).await?;
        Ok(Router {
            listener,
            shared: Arc::new(Shared::new(config)),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The shared state (pools, stats).
    pub fn shared(&self) -> Arc<Shared> {
        Arc::clone(&self.shared)
    }

    /// Accepts clients until `shutdown` completes, then gives connected clients up to
    /// `shutdown_timeout` to leave before closing them.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) {
        let Router { listener, shared } = self;
        let mut tasks = JoinSet::new();
        let upkeep = {
            let shared = Arc::clone(&shared);
            tokio::spawn(async move { shared.pools.maintain().await })
        };
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
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
        let grace = shared.config.general.shutdown_timeout();
        info!(
            clients = tasks.len(),
            grace_ms = grace.as_millis() as u64,
            "shutting down"
        );
        let drained =
            tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            warn!(
                clients = tasks.len(),
                "shutdown_timeout reached; closing remaining clients"
            );
            tasks.shutdown().await;
        }
    }
}
