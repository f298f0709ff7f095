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
    /// Connections in their startup phase (TLS, authentication), for `SHOW LISTS`.
    pub logging_in: crate::pool::Counter,
    /// Client connections, from accept to close (admin console included), for
    /// `max_client_conn`.
    pub connected: crate::pool::Counter,
    /// Held while a reload or a `SET` builds and applies a configuration, so that two
    /// cannot interleave (one would put back what the other changed).
    reloading: Mutex<()>,
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
            logging_in: Default::default(),
            connected: Default::default(),
            reloading: Mutex::new(()),
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
        let _one_at_a_time = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
        Ok(self.apply(Loaded::new(config)?))
    }

    /// Puts `loaded` in force (the caller holds `reloading`).
    fn apply(&self, loaded: Loaded) -> ReloadReport {
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
        info!(%report, "configuration applied");
        report
    }

    /// The admin console's `SET key = value`: the configuration in force with one
    /// `[general]` option changed, checked and applied as a reload applies a file (the
    /// TLS settings in force are kept, not read again).
    pub fn set_option(&self, key: &str, value: &str) -> Result<(), crate::config::SetError> {
        let _one_at_a_time = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
        let old = self.loaded();
        let mut config = old.config.clone();
        config.general.set(key, value)?;
        config.validate().map_err(crate::config::SetError::Value)?;
        self.apply(Loaded {
            config,
            client_tls: old.client_tls.clone(),
            server_tls: old.server_tls.clone(),
        });
        info!(key, value, "option set from the admin console");
        Ok(())
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
        let changed = self.signal.send_if_modified(|current| {
            if stop > current.stop {
                current.stop = stop;
                true
            } else {
                false
            }
        });
        if changed {
            self.wake_sessions();
        }
    }

    /// Wakes every session to look whether its pool was killed (`KILL db` marked it first).
    pub fn announce_kill(&self) {
        self.signal.send_modify(|current| current.kills += 1);
        self.wake_sessions();
    }

    /// After a change of the signal: client sessions keep no watch waiter of their own
    /// (see [`CheapSignal`]), they are woken through their records.
    fn wake_sessions(&self) {
        for info in self.clients.snapshot() {
            info.signal_waker.wake();
        }
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

/// What a client session watches: [`signal_past`] (with kills) for a future polled on
/// every wakeup of a busy task, and held by every idle client. It holds no waiter of
/// its own: its first poll leaves the task's waker in the client's record
/// ([`ClientInfo::signal_waker`], woken by [`Shared::request_stop`] and
/// [`Shared::announce_kill`] after they change the watch), and each poll is one atomic
/// load of the watch's version while nothing changed.
#[derive(Debug)]
pub struct CheapSignal {
    probe: watch::Receiver<Signal>,
    info: Arc<ClientInfo>,
    beyond: Stop,
    kills: u64,
    registered: bool,
}

impl CheapSignal {
    /// Completes once the stop state is past `beyond` or the kill count differs from
    /// `kills`; `info` is the client's record, registered with `shared.clients`.
    pub fn new(shared: &Shared, info: &Arc<ClientInfo>, beyond: Stop, kills: u64) -> CheapSignal {
        CheapSignal::watching(shared.stop_watch(), info, beyond, kills)
    }

    fn watching(
        probe: watch::Receiver<Signal>,
        info: &Arc<ClientInfo>,
        beyond: Stop,
        kills: u64,
    ) -> CheapSignal {
        CheapSignal {
            probe,
            info: Arc::clone(info),
            beyond,
            kills,
            registered: false,
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
        if !this.registered {
            // Before the value is read: a change after the read wakes this waker.
            this.info.signal_waker.set(cx.waker());
            this.registered = true;
        } else {
            match this.probe.has_changed() {
                Ok(false) => return std::task::Poll::Pending,
                Ok(true) => {}
                Err(_closed) => {
                    return std::task::Poll::Ready(Signal {
                        stop: Stop::Now,
                        kills: this.kills,
                    })
                }
            }
        }
        let now = *this.probe.borrow_and_update();
        if now.stop > this.beyond || now.kills != this.kills {
            std::task::Poll::Ready(now)
        } else {
            std::task::Poll::Pending
        }
    }
}

#[cfg(test)]
mod cheap_signal_tests {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    use std::time::SystemTime;

    use tokio::sync::watch;

    use super::{CheapSignal, Signal, Stop};
    use crate::registry::{ClientInfo, ConnState, StateCell, WakerSlot};

    /// Counts its wakeups.
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn info() -> Arc<ClientInfo> {
        Arc::new(ClientInfo {
            names: Arc::new(crate::registry::PoolNames {
                database: "db".to_owned(),
                user: "u".to_owned(),
            }),
            addr: "127.0.0.1:1".parse().unwrap(),
            local: None,
            tls: false,
            connect_time: SystemTime::now(),
            state: StateCell::new(ConnState::Idle),
            request: Default::default(),
            settings: std::sync::Mutex::new(crate::client::params::shared_settings(Vec::new())),
            signal_waker: WakerSlot::default(),
        })
    }

    /// A watch, a record and a signal past `Running` with 0 kills; `send` changes the
    /// watch and wakes the record, as `Shared` does.
    fn start() -> (watch::Sender<Signal>, Arc<ClientInfo>, CheapSignal) {
        let (tx, rx) = watch::channel(Signal {
            stop: Stop::Running,
            kills: 0,
        });
        let info = info();
        let signal = CheapSignal::watching(rx, &info, Stop::Running, 0);
        (tx, info, signal)
    }

    fn send(tx: &watch::Sender<Signal>, info: &ClientInfo, change: impl FnOnce(&mut Signal)) {
        tx.send_modify(change);
        info.signal_waker.wake();
    }

    fn poll(signal: &mut CheapSignal, waker: &Waker) -> Poll<Signal> {
        Pin::new(signal).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn a_change_wakes_the_task_and_is_then_seen() {
        let (tx, info, mut signal) = start();
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&counter));
        for _ in 0..3 {
            assert!(poll(&mut signal, &waker).is_pending());
        }
        send(&tx, &info, |s| s.stop = Stop::Draining);
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
    fn a_change_it_does_not_wait_for_leaves_it_pending() {
        let (tx, info, mut signal) = start();
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&counter));
        assert!(poll(&mut signal, &waker).is_pending());
        send(&tx, &info, |_| {});
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert!(poll(&mut signal, &waker).is_pending());
        send(&tx, &info, |s| s.kills += 1);
        assert_eq!(counter.0.load(Ordering::SeqCst), 2, "woken again");
        assert_eq!(
            poll(&mut signal, &waker),
            Poll::Ready(Signal {
                stop: Stop::Running,
                kills: 1
            })
        );
    }

    #[test]
    fn a_stop_before_the_first_poll_is_seen() {
        let (tx, info, mut signal) = start();
        tx.send_modify(|s| s.stop = Stop::Now);
        // A receiver made after the change (the session's own) has nothing unseen.
        let late = CheapSignal::watching(tx.subscribe(), &info, Stop::Running, 0);
        for mut s in [signal, late] {
            assert!(matches!(
                poll(&mut s, Waker::noop()),
                Poll::Ready(Signal {
                    stop: Stop::Now,
                    ..
                })
            ));
        }
        signal = CheapSignal::watching(tx.subscribe(), &info, Stop::Now, 0);
        assert!(poll(&mut signal, Waker::noop()).is_pending());
    }

    #[test]
    fn a_closed_watch_means_stop_now() {
        let (tx, _info, mut signal) = start();
        assert!(poll(&mut signal, Waker::noop()).is_pending());
        drop(tx);
        assert!(matches!(
            poll(&mut signal, Waker::noop()),
            Poll::Ready(Signal {
                stop: Stop::Now,
                ..
            })
        ));
    }
}
