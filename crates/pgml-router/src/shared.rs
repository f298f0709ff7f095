//! State every connection task shares: the loaded configuration (swapped whole on
//! reload), the pools, cancel keys, the client registry and the stop signal.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::watch;
use tracing::info;

use crate::cancel::CancelMap;
use crate::config::Config;
use crate::pool::{Pools, ReloadReport};
use crate::registry::{ClientInfo, Registry};
use crate::tls::{self, ClientTls, ServerTls};

/// How far the router is in stopping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stop {
    /// Serving.
    Running,
    /// SIGINT / `SHUTDOWN WAIT_FOR_SERVERS`: no new clients; each client is closed when
    /// its transaction is over, all of them after `shutdown_timeout`.
    Draining,
    /// SIGTERM / `SHUTDOWN`: every client is closed now.
    Now,
}

/// What every connection task watches: the stop state, and how many `KILL`s there were
/// (each session then looks whether its own pool was killed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal {
    pub stop: Stop,
    pub kills: u64,
}

/// A configuration with what was built from it.
#[derive(Debug)]
pub struct Loaded {
    /// The configuration.
    pub config: Config,
    /// Answers clients' SSLRequest with `S` when set.
    pub client_tls: Option<ClientTls>,
    /// TLS towards servers (`server_tls`).
    pub server_tls: Option<Arc<ServerTls>>,
}

impl Loaded {
    fn new(config: Config) -> Result<Loaded, String> {
        Ok(Loaded {
            client_tls: tls::acceptor(&config.general)?,
            server_tls: tls::connector(&config.general)?,
            config,
        })
    }
}

/// State every connection task shares.
#[derive(Debug)]
pub struct Shared {
    loaded: RwLock<Arc<Loaded>>,
    /// The pools.
    pub pools: Pools,
    /// Cancel keys issued to clients.
    pub cancels: Arc<CancelMap>,
    /// Logged-in pool clients, for `SHOW CLIENTS`.
    pub clients: Registry<ClientInfo>,
    config_path: Mutex<Option<PathBuf>>,
    signal: watch::Sender<Signal>,
}

impl Shared {
    /// Builds pools and TLS settings from a configuration; fails on unreadable
    /// certificate or key files.
    pub fn new(config: Config) -> Result<Shared, String> {
        let loaded = Loaded::new(config)?;
        Ok(Shared {
            pools: Pools::from_config(&loaded.config, loaded.server_tls.as_ref()),
            loaded: RwLock::new(Arc::new(loaded)),
            cancels: Arc::new(CancelMap::default()),
            clients: Registry::default(),
            config_path: Mutex::new(None),
            signal: watch::Sender::new(Signal {
                stop: Stop::Running,
                kills: 0,
            }),
        })
    }

    /// The configuration in force (and its TLS settings).
    pub fn loaded(&self) -> Arc<Loaded> {
        Arc::clone(&self.loaded.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The file `RELOAD` and SIGHUP read.
    pub fn set_config_path(&self, path: PathBuf) {
        *self.config_path.lock().unwrap_or_else(|p| p.into_inner()) = Some(path);
    }

    /// The file `RELOAD` and SIGHUP read, if any.
    pub fn config_path(&self) -> Option<PathBuf> {
        self.config_path
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Applies a new configuration: TLS files are read first (an error changes
    /// nothing), then pools are added, removed or resized; logged-in clients stay.
    /// Listener address, worker threads and the Prometheus port need a restart.
    pub fn reload(&self, config: Config) -> Result<ReloadReport, String> {
        let loaded = Loaded::new(config)?;
        let old = self.loaded();
        let mut report = self.pools.apply(&loaded.config, loaded.server_tls.as_ref());
        let (g, o) = (&loaded.config.general, &old.config.general);
        for (key, changed) in [
            ("host", g.host != o.host),
            ("port", g.port != o.port),
            ("worker_threads", g.worker_threads != o.worker_threads),
            (
                "enable_prometheus_exporter",
                g.enable_prometheus_exporter != o.enable_prometheus_exporter,
            ),
            (
                "prometheus_exporter_port",
                g.prometheus_exporter_port != o.prometheus_exporter_port,
            ),
        ] {
            if changed {
                report.needs_restart.push(key);
            }
        }
        *self.loaded.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(loaded);
        info!(%report, "configuration reloaded");
        Ok(report)
    }

    /// Re-reads the configuration file and applies it ([`Shared::reload`]).
    pub fn reload_file(&self) -> Result<ReloadReport, String> {
        let Some(path) = self.config_path() else {
            return Err(
                "no configuration file to reload (the router was started from a \
                        configuration in memory)"
                    .to_owned(),
            );
        };
        let config = Config::load(&path).map_err(|e| e.to_string())?;
        self.reload(config)
    }

    /// Asks the router to stop; never goes back (a later, milder request is ignored).
    pub fn request_stop(&self, stop: Stop) {
        self.signal.send_if_modified(|current| {
            if stop > current.stop {
                current.stop = stop;
                true
            } else {
                false
            }
        });
    }

    /// Wakes every session to look whether its pool was killed (`KILL db` marked it first).
    pub fn announce_kill(&self) {
        self.signal.send_modify(|current| current.kills += 1);
    }

    /// The stop state now.
    pub fn stopping(&self) -> Stop {
        self.signal.borrow().stop
    }

    /// Watches the stop state and kills.
    pub fn stop_watch(&self) -> watch::Receiver<Signal> {
        self.signal.subscribe()
    }
}

/// Completes once the stop state is past `beyond`, with the new state.
pub fn stop_past(
    rx: watch::Receiver<Signal>,
    beyond: Stop,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Stop> + Send>> {
    let kills = rx.borrow().kills;
    let signal = signal_past(rx, beyond, kills, false);
    Box::pin(async move { signal.await.stop })
}

/// What [`signal_past`] returns.
pub type SignalFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Signal> + Send>>;

/// Completes once the stop state is past `beyond` or, with `watch_kills`, once the kill
/// count differs from `kills`; with the signal then.
pub fn signal_past(
    mut rx: watch::Receiver<Signal>,
    beyond: Stop,
    kills: u64,
    watch_kills: bool,
) -> SignalFuture {
    Box::pin(async move {
        match rx
            .wait_for(|s| s.stop > beyond || (watch_kills && s.kills != kills))
            .await
        {
            Ok(s) => *s,
            Err(_) => Signal {
                stop: Stop::Now,
                kills,
            },
        }
    })
}

/// [`signal_past`] for a future polled on every wakeup of a busy task (a client session):
/// after its first poll it answers from one atomic load while the watch has not changed
/// since (that poll left the task's waker registered with the watch, so a change still
/// wakes the task), and polls the inner future again only once it has.
pub struct CheapSignal {
    probe: watch::Receiver<Signal>,
    inner: SignalFuture,
    armed: bool,
}

impl CheapSignal {
    /// Watches `shared`'s signal like [`signal_past`] with `watch_kills`.
    pub fn new(shared: &Shared, beyond: Stop, kills: u64) -> CheapSignal {
        CheapSignal::watching(shared.stop_watch(), shared.stop_watch(), beyond, kills)
    }

    /// Over two receivers of the same watch.
    fn watching(
        probe: watch::Receiver<Signal>,
        rx: watch::Receiver<Signal>,
        beyond: Stop,
        kills: u64,
    ) -> CheapSignal {
        CheapSignal {
            probe,
            inner: signal_past(rx, beyond, kills, true),
            armed: false,
        }
    }
}

impl std::future::Future for CheapSignal {
    type Output = Signal;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Signal> {
        let this = self.get_mut();
        // A closed watch (Err) counts as a change: the inner future then says Stop::Now.
        if this.armed && !this.probe.has_changed().unwrap_or(true) {
            return std::task::Poll::Pending;
        }
        // Marked seen before the inner poll: a change after this mark is either seen by
        // that poll or wakes the task (and is unseen by the probe) afterwards.
        this.probe.mark_unchanged();
        let polled = this.inner.as_mut().poll(cx);
        this.armed = polled.is_pending();
        polled
    }
}

#[cfg(test)]
mod cheap_signal_tests {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    use tokio::sync::watch;

    use super::{CheapSignal, Signal, Stop};

    /// Counts its wakeups.
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn start() -> (watch::Sender<Signal>, CheapSignal) {
        let (tx, rx) = watch::channel(Signal {
            stop: Stop::Running,
            kills: 0,
        });
        let signal = CheapSignal::watching(tx.subscribe(), rx, Stop::Running, 0);
        (tx, signal)
    }

    fn poll(signal: &mut CheapSignal, waker: &Waker) -> Poll<Signal> {
        Pin::new(signal).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn a_change_wakes_the_task_and_is_then_seen() {
        let (tx, mut signal) = start();
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&counter));
        assert!(poll(&mut signal, &waker).is_pending());
        // Armed: polls in between answer without a change.
        for _ in 0..3 {
            assert!(poll(&mut signal, &waker).is_pending());
        }
        tx.send_modify(|s| s.stop = Stop::Draining);
        assert_eq!(
            counter.0.load(Ordering::SeqCst),
            1,
            "the change woke the task"
        );
        assert_eq!(
            poll(&mut signal, &waker),
            Poll::Ready(Signal {
                stop: Stop::Draining,
                kills: 0
            })
        );
    }

    #[test]
    fn a_change_it_does_not_wait_for_rearms_it() {
        // A change that is not past the watched state (none here: kills are watched, a
        // stop is; so send the same stop) leaves it pending, and it wakes again later.
        let (tx, mut signal) = start();
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&counter));
        assert!(poll(&mut signal, &waker).is_pending());
        tx.send_modify(|_| {});
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert!(poll(&mut signal, &waker).is_pending());
        tx.send_modify(|s| s.kills += 1);
        assert_eq!(
            counter.0.load(Ordering::SeqCst),
            2,
            "re-armed after the first change"
        );
        assert_eq!(
            poll(&mut signal, &waker),
            Poll::Ready(Signal {
                stop: Stop::Running,
                kills: 1
            })
        );
    }

    #[test]
    fn a_closed_watch_means_stop_now() {
        let (tx, mut signal) = start();
        let waker = Waker::noop();
        assert!(poll(&mut signal, waker).is_pending());
        drop(tx);
        assert!(matches!(
            poll(&mut signal, waker),
            Poll::Ready(Signal {
                stop: Stop::Now,
                ..
            })
        ));
    }
}
