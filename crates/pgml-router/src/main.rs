//! The `pgml-router` binary: CLI, logging, runtime, signals (SIGHUP reload, SIGINT
//! graceful stop, SIGTERM immediate stop).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use std::sync::Arc;

use pgml_router::config::Config;
use pgml_router::{Router, Shared, Stop};
use tracing::{error, info, warn};

/// jemalloc rather than the system allocator: its size classes carry no per-block
/// header, so an idle client costs less (measured with 5,000 idle clients: 1.9 KiB
/// each against 2.4 KiB with glibc), and with the settings below it gives freed memory
/// back to the system, which glibc's malloc does not do for free memory in the middle
/// of its heap (the router stayed at its peak after the clients left).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read at its start (`_RJEM_MALLOC_CONF` in the environment still
/// overrides them): a background thread returns pages unused for a second
/// (`dirty_decay_ms`, 10 s by default) so memory goes back soon after clients leave,
/// without any purging on the threads that serve clients.
#[cfg(not(target_env = "msvc"))]
#[allow(non_upper_case_globals)]
#[export_name = "_rjem_malloc_conf"]
static malloc_conf: &[u8; 43] = b"background_thread:true,dirty_decay_ms:1000\0";

/// PostgreSQL connection pooler for pgml (PgCat-compatible configuration).
#[derive(Debug, Parser)]
#[command(name = "pgml-router", version, about)]
struct Cli {
    /// Configuration file (TOML, PgCat layout).
    #[arg(env = "CONFIG_FILE", default_value = "pgml-router.toml")]
    config: PathBuf,
    /// Log level or tracing filter (error, warn, info, debug, trace, or e.g.
    /// `pgml_router=debug`).
    #[arg(long, default_value = "info")]
    log_level: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = match tracing_subscriber::EnvFilter::try_new(&cli.log_level) {
        Ok(filter) => filter,
        Err(e) => {
            eprintln!("pgml-router: invalid --log-level {:?}: {e}", cli.log_level);
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    let config = match Config::load(&cli.config) {
        Ok(config) => config,
        Err(e) => {
            error!("{e}");
            return ExitCode::from(2);
        }
    };
    for option in config.ignored_options() {
        warn!(option = %option, "PgCat option not implemented by pgml-router; ignored");
    }
    raise_open_files_limit();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.general.worker_threads.max(1))
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            error!(error = %e, "cannot start the tokio runtime");
            return ExitCode::FAILURE;
        }
    };
    let path = cli.config.clone();
    runtime.block_on(async move {
        let router = match Router::bind(config).await {
            Ok(router) => router.with_config_path(path),
            Err(e) => {
                error!(error = %e, "cannot start");
                return ExitCode::FAILURE;
            }
        };
        match router.local_addr() {
            Ok(addr) => info!(%addr, version = pgml_router::VERSION, "pgml-router listening"),
            Err(e) => warn!(error = %e, "cannot read the bound address"),
        }
        let shared = router.shared();
        let signals = tokio::spawn(handle_signals(Arc::clone(&shared)));
        router.serve(std::future::pending()).await;
        signals.abort();
        info!("pgml-router stopped");
        ExitCode::SUCCESS
    })
}

/// Raises the soft limit on open files to the hard limit, as PgBouncer does: each
/// client and each server connection is a descriptor, and the usual soft default
/// (1024) is far below what a pooler serves. Accepting past the limit fails with
/// EMFILE, which the accept loop logs (see `Router::serve`).
#[cfg(unix)]
fn raise_open_files_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    /// What an unlimited hard limit is lowered to: Linux's default `fs.nr_open`, the
    /// most one process may open.
    const UNLIMITED_CAP: u64 = 1 << 20;
    let limit = getrlimit(Resource::Nofile);
    let wanted = limit.maximum.unwrap_or(UNLIMITED_CAP);
    match limit.current {
        Some(current) if current >= wanted => {
            info!(open_files = current, "open files limit");
        }
        current => {
            let raised = Rlimit {
                current: Some(wanted),
                maximum: limit.maximum,
            };
            match setrlimit(Resource::Nofile, raised) {
                Ok(()) => info!(open_files = wanted, was = ?current,
                                "open files limit raised to the hard limit"),
                Err(e) => warn!(error = %e, open_files = ?current, hard = ?limit.maximum,
                                "cannot raise the open files limit; clients beyond it \
                                 wait until others leave"),
            }
        }
    }
}

#[cfg(not(unix))]
fn raise_open_files_limit() {}

/// SIGHUP reloads the configuration file, SIGINT stops gracefully (a second SIGINT
/// stops now), SIGTERM stops now.
#[cfg(unix)]
async fn handle_signals(shared: Arc<Shared>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut hup), Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::hangup()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        error!("cannot install signal handlers; SIGHUP/SIGINT/SIGTERM keep their defaults");
        return;
    };
    loop {
        tokio::select! {
            _ = hup.recv() => {
                info!("SIGHUP: reloading the configuration");
                if let Err(e) = shared.reload_file() {
                    error!("reload failed, configuration unchanged: {e}");
                }
            }
            _ = int.recv() => {
                let stop = match shared.stopping() {
                    Stop::Running => Stop::Draining,
                    _ => Stop::Now,
                };
                info!(?stop, "SIGINT: shutting down");
                shared.request_stop(stop);
            }
            _ = term.recv() => {
                info!("SIGTERM: stopping now");
                shared.request_stop(Stop::Now);
            }
        }
    }
}

/// Ctrl-C stops gracefully, a second one stops now.
#[cfg(not(unix))]
async fn handle_signals(shared: Arc<Shared>) {
    while tokio::signal::ctrl_c().await.is_ok() {
        let stop = match shared.stopping() {
            Stop::Running => Stop::Draining,
            _ => Stop::Now,
        };
        shared.request_stop(stop);
    }
}
