//! The admin console's actions on a pool, with PgBouncer's semantics: `PAUSE` / `RESUME`
//! (while paused, checkouts wait; `PAUSE` returns once every server connection is back, and
//! closes them all), `DISABLE` / `ENABLE` (new clients refused) and `RECONNECT` (every server
//! connection is replaced: idle ones close now, busy ones when released).

use std::sync::atomic::Ordering;
use std::time::Duration;

use tracing::info;

use super::{lock, Pool};
use crate::registry::ServerInfo;
use crate::server::ServerConn;

/// How often a pausing pool looks whether its connections came back.
const RELEASE_POLL: Duration = Duration::from_millis(10);

impl Pool {
    /// Whether `PAUSE` is in force.
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Acquire)
    }

    /// Makes new checkouts wait; returns false if the pool was paused already.
    pub fn pause(&self) -> bool {
        let was = self.paused.swap(true, Ordering::AcqRel);
        if !was {
            info!(pool = %self.name(), "pool paused");
        }
        !was
    }

    /// Waits until no server connection is checked out, then closes the idle ones.
    pub async fn wait_released(&self) {
        while self.stats.sv_active.get() > 0 {
            tokio::time::sleep(RELEASE_POLL).await;
        }
        self.close_idle();
    }

    /// Lets waiting checkouts go on; returns false if the pool was not paused.
    pub fn resume(&self) -> bool {
        let was = self.paused.swap(false, Ordering::AcqRel);
        self.resumed.notify_waiters();
        if was {
            info!(pool = %self.name(), "pool resumed");
        }
        was
    }

    /// Waits until the pool is resumed (or retired).
    pub(super) async fn wait_resumed(&self) {
        loop {
            let notified = self.resumed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if !self.is_paused() || self.is_retired() {
                return;
            }
            notified.await;
        }
    }

    /// Whether `DISABLE` is in force.
    pub fn is_disabled(&self) -> bool {
        self.disabled.load(Ordering::Acquire)
    }

    /// `DISABLE` (true) / `ENABLE` (false); returns false if the pool was so already.
    pub fn set_disabled(&self, disabled: bool) -> bool {
        let was = self.disabled.swap(disabled, Ordering::AcqRel);
        if was != disabled {
            info!(pool = %self.name(), disabled, "pool {}", if disabled { "disabled" } else { "enabled" });
        }
        was != disabled
    }

    /// `RECONNECT`: connections opened until now are not reused; the idle ones close now
    /// (returned: how many), the busy ones when their client releases them.
    pub fn reconnect(&self) -> usize {
        self.generation.fetch_add(1, Ordering::AcqRel);
        let closed = self.close_idle();
        info!(pool = %self.name(), closed, "server connections to be replaced (RECONNECT)");
        closed
    }

    /// `KILL`: pauses the pool (new transactions wait for `RESUME`), closes its idle
    /// connections and counts a kill, which ends every session of the pool once told
    /// ([`crate::Shared::announce_kill`]); their server connections close with them.
    pub fn kill(&self) -> usize {
        self.pause();
        self.kills.fetch_add(1, Ordering::AcqRel);
        let closed = self.close_idle();
        info!(pool = %self.name(), "pool killed (KILL)");
        closed
    }

    /// How many times the pool was killed.
    pub fn kills(&self) -> u64 {
        self.kills.load(Ordering::Acquire)
    }

    /// Whether `conn` was opened before the last `RECONNECT`.
    pub(super) fn reconnect_due(&self, conn: &ServerConn) -> bool {
        conn.generation < self.generation.load(Ordering::Acquire)
    }

    /// Whether the server connection `info` describes is to be closed when released
    /// (PgBouncer's `close_needed`): opened before the last `RECONNECT`, or its pool
    /// was retired by a reload.
    pub fn close_needed(&self, info: &ServerInfo) -> bool {
        self.is_retired() || info.generation < self.generation.load(Ordering::Acquire)
    }

    /// How many open server connections are to be closed when released.
    pub fn closing(&self) -> usize {
        self.server_infos()
            .iter()
            .filter(|s| self.close_needed(s))
            .count()
    }

    /// Closes every idle server connection.
    pub fn close_idle(&self) -> usize {
        self.members()
            .iter()
            .map(|m| std::mem::take(&mut *lock(&m.idle)).len())
            .sum()
    }

    /// Takes the pool out of service after a reload removed or replaced it: waiting and
    /// future checkouts fail, idle connections close now, busy ones when released.
    pub fn retire(&self) {
        self.retired.store(true, Ordering::Release);
        for m in self.members() {
            m.permits.close();
        }
        self.resumed.notify_waiters();
        self.close_idle();
    }
}
