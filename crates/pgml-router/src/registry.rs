//! Who is connected, for `SHOW CLIENTS` and `SHOW SERVERS`: connections hold an
//! `Arc` of their info; registries keep `Weak`s, so an entry disappears with its
//! connection whatever way it ends.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::task::Waker;
use std::time::{Duration, Instant, SystemTime};

use crate::client::params::ClientSettings;

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

    /// The state.
    pub fn get(&self) -> ConnState {
        match self.0.load(Ordering::Relaxed) {
            1 => ConnState::Active,
            2 => ConnState::Waiting,
            _ => ConnState::Idle,
        }
    }

    /// PgBouncer's `SHOW CLIENTS` spelling: a logged-in client is `active` unless it
    /// waits for a server connection.
    pub fn client_label(&self) -> &'static str {
        match self.get() {
            ConnState::Waiting => "waiting",
            _ => "active",
        }
    }

    /// PgBouncer's `SHOW SERVERS` spelling: `active` (linked to a client) or `idle`.
    pub fn server_label(&self) -> &'static str {
        match self.get() {
            ConnState::Active => "active",
            _ => "idle",
        }
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

/// A moment, kept in an atomic: microseconds since the process's clock base (0: never).
#[derive(Debug, Default)]
pub struct Moment(AtomicU64);

/// The process's clock base: an `Instant` and the wall-clock time it was.
static CLOCK_BASE: LazyLock<(Instant, SystemTime)> =
    LazyLock::new(|| (Instant::now(), SystemTime::now()));

impl Moment {
    /// Records `at`.
    pub fn set(&self, at: Instant) {
        let us = at.saturating_duration_since(CLOCK_BASE.0).as_micros();
        self.0.store(
            u64::try_from(us).unwrap_or(u64::MAX).max(1),
            Ordering::Relaxed,
        );
    }

    /// The recorded moment, if any.
    pub fn get(&self) -> Option<Instant> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            us => CLOCK_BASE.0.checked_add(Duration::from_micros(us)),
        }
    }

    /// The recorded moment as wall-clock time, if any.
    pub fn wall_clock(&self) -> Option<SystemTime> {
        self.get()
            .map(|at| CLOCK_BASE.1 + at.saturating_duration_since(CLOCK_BASE.0))
    }
}

/// A pool's client-visible names, shared by the records of its clients (one `Arc`
/// each instead of two strings: an idle client's record stays small).
#[derive(Debug, PartialEq, Eq)]
pub struct PoolNames {
    pub database: String,
    pub user: String,
}

/// One logged-in client.
#[derive(Debug)]
pub struct ClientInfo {
    /// The pool the client logged into.
    pub names: Arc<PoolNames>,
    pub addr: SocketAddr,
    /// The router's end of the socket.
    pub local: Option<SocketAddr>,
    pub tls: bool,
    pub connect_time: SystemTime,
    pub state: StateCell,
    /// When the client's last transaction started (and, while it waits, its wait).
    pub request: Moment,
    /// The client's settings (for `application_name`), updated when they change.
    pub settings: Mutex<Arc<ClientSettings>>,
    /// The session's waker, for stops and `KILL`s.
    pub signal_waker: WakerSlot,
}

impl ClientInfo {
    /// The client's `application_name` now ("" if none).
    pub fn application_name(&self) -> String {
        let settings = self.settings.lock().unwrap_or_else(|p| p.into_inner());
        settings
            .list
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("application_name"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Records the client's settings after a change.
    pub fn set_settings(&self, settings: &Arc<ClientSettings>) {
        *self.settings.lock().unwrap_or_else(|p| p.into_inner()) = Arc::clone(settings);
    }

    /// How long the client has been waiting for a server connection (zero unless it
    /// waits).
    pub fn waiting_for(&self, now: Instant) -> Duration {
        match (self.state.get(), self.request.get()) {
            (ConnState::Waiting, Some(since)) => now.saturating_duration_since(since),
            _ => Duration::ZERO,
        }
    }
}

/// One open server connection.
#[derive(Debug)]
pub struct ServerInfo {
    pub database: String,
    pub user: String,
    pub host: String,
    pub port: u16,
    pub backend_pid: i32,
    /// The router's end of the socket.
    pub local: Option<SocketAddr>,
    pub tls: bool,
    pub connect_time: SystemTime,
    pub state: StateCell,
    /// When a client last got the connection.
    pub request: Moment,
    /// The pool's `RECONNECT` count when the connection was opened.
    pub generation: u64,
}

/// Seconds since the Unix epoch.
pub fn epoch_seconds(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `2026-12-07 16:47:26 UTC`: PgBouncer's format of the `connect_time` and
/// `request_time` columns.
pub fn utc_timestamp(t: SystemTime) -> String {
    let secs = epoch_seconds(t);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every logged-in client holds one record (in an `Arc`): with the `Arc`'s two
    /// counters it must stay in jemalloc's 160-byte size class (issue 7: at most 2 KiB per
    /// idle client).
    #[test]
    fn a_client_record_stays_small() {
        let size = std::mem::size_of::<ClientInfo>() + 16;
        assert!(size <= 160, "Arc<ClientInfo> is {size} bytes");
    }

    #[test]
    fn timestamps_are_pgbouncers_utc_format() {
        let at = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(utc_timestamp(at(0)), "1970-01-01 00:00:00 UTC");
        // 2000-02-29 (a leap day of a century leap year) 23:59:59.
        assert_eq!(utc_timestamp(at(951_868_799)), "2000-02-29 23:59:59 UTC");
        assert_eq!(utc_timestamp(at(1_796_661_446)), "2026-12-07 16:37:26 UTC");
        assert_eq!(utc_timestamp(at(4_107_542_400)), "2100-03-01 00:00:00 UTC");
    }
}
