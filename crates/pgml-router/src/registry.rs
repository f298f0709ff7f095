//! Who is connected, for `SHOW CLIENTS` and `SHOW SERVERS`: connections hold an
//! `Arc` of their info; registries keep `Weak`s, so an entry disappears with its
//! connection whatever way it ends.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::Waker;
use std::time::SystemTime;

/// Weak references to live connection infos.
#[derive(Debug)]
pub struct Registry<T> {
    entries: Mutex<Vec<Weak<T>>>,
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Registry {
            entries: Mutex::new(Vec::new()),
        }
    }
}

impl<T> Registry<T> {
    /// Adds a live entry (and forgets dead ones).
    pub fn register(&self, info: &Arc<T>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|w| w.strong_count() > 0);
        entries.push(Arc::downgrade(info));
    }

    /// The entries still alive.
    pub fn snapshot(&self) -> Vec<Arc<T>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.iter().filter_map(Weak::upgrade).collect()
    }
}

/// A connection's state as PgBouncer names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ConnState {
    /// Not linked / not serving.
    Idle = 0,
    /// Linked to its peer.
    Active = 1,
    /// A client waiting for a server connection.
    Waiting = 2,
}

/// An atomically updated [`ConnState`].
#[derive(Debug)]
pub struct StateCell(AtomicU8);

impl StateCell {
    /// A cell in `state`.
    pub fn new(state: ConnState) -> StateCell {
        StateCell(AtomicU8::new(state as u8))
    }

    /// Sets the state.
    pub fn set(&self, state: ConnState) {
        self.0.store(state as u8, Ordering::Relaxed);
    }

    /// PgBouncer's spelling, with `prefix` `cl_` or `sv_`.
    pub fn label(&self, prefix: &str) -> String {
        let name = match self.0.load(Ordering::Relaxed) {
            1 => "active",
            2 => "waiting",
            _ => "idle",
        };
        format!("{prefix}{name}")
    }
}

/// Where a client's session leaves its task's waker, so that a stop or a `KILL` wakes it
/// (see [`crate::shared::CheapSignal`]): a slot in a record every client has anyway,
/// instead of a waiter future of its own per client.
#[derive(Debug, Default)]
pub struct WakerSlot(Mutex<Option<Waker>>);

impl WakerSlot {
    /// Keeps `waker` (the session's task: the same for its whole life).
    pub fn set(&self, waker: &Waker) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(waker.clone());
    }

    /// Wakes the task, if one is kept; the waker stays for the next time.
    pub fn wake(&self) {
        if let Some(waker) = &*self.0.lock().unwrap_or_else(|p| p.into_inner()) {
            waker.wake_by_ref();
        }
    }

    /// Drops the kept waker (the session is over).
    pub fn clear(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// One logged-in client.
#[derive(Debug)]
pub struct ClientInfo {
    pub database: String,
    pub user: String,
    pub addr: SocketAddr,
    pub connect_time: SystemTime,
    pub state: StateCell,
    /// The session's waker, for stops and `KILL`s.
    pub signal_waker: WakerSlot,
}

/// One open server connection.
#[derive(Debug)]
pub struct ServerInfo {
    pub database: String,
    pub user: String,
    pub host: String,
    pub port: u16,
    pub backend_pid: i32,
    pub connect_time: SystemTime,
    pub state: StateCell,
}

/// Seconds since the Unix epoch, for the `connect_time` columns.
pub fn epoch_seconds(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
