//! The `pgml-router` binary: CLI, logging, runtime, signals.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use pgml_router::config::Config;
use pgml_router::Router;
use tracing::{error, info, warn};

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
    runtime.block_on(async move {
        let router = match Router::bind(config).await {
            Ok(router) => router,
            Err(e) => {
                error!(error = %e, "cannot listen");
                return ExitCode::FAILURE;
            }
        };
        match router.local_addr() {
            Ok(addr) => info!(%addr, version = pgml_router::VERSION, "pgml-router listening"),
            Err(e) => warn!(error = %e, "cannot read the bound address"),
        }
        router.serve(shutdown_signal()).await;
        info!("pgml-router stopped");
        ExitCode::SUCCESS
    })
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
