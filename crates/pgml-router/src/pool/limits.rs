//! PgBouncer's `max_db_connections` and `max_user_connections`: open server connections
//! counted across pools, with an optional bound.
//!
//! Every server connection a pool opens is counted twice: against its (database,
//! server) ([`Member::db_limit`], shared by the pools of every user of that
//! `[pools.<db>]` that reach that server) and against its user ([`Pool::user_limit`],
//! shared by that user's pools of every database). A pool that needs a new connection
//! while one of the two is full does what PgBouncer does: it closes an idle connection
//! of another pool sharing the full limit, else waits (up to `query_wait_timeout`) for
//! one to close or go idle.
//!
//! [`Member::db_limit`]: super::Member
//! [`Pool::user_limit`]: super::Pool

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use pgwire::SqlState;
use tokio::sync::Notify;
use tracing::{info, warn};

use super::{lock, Pool, Room};
use crate::error::ClientError;

/// A count of open server connections shared by pools, with an optional bound.
#[derive(Debug)]
pub struct ConnLimit {
    /// What is counted, as messages say it: `database "app" on server db1:5432`,
    /// `user "alice"`.
    pub what: String,
    /// The option that bounds it.
    pub setting: &'static str,
    /// 0: no bound (only counted, for the admin console).
    max: AtomicUsize,
    open: AtomicUsize,
    /// Checkouts waiting for room: only then do releases and closes wake anyone.
    waiting: AtomicUsize,
    changed: Notify,
    /// The pools (and member, for a database limit) whose connections count here: where
    /// an idle connection can be closed to make room.
    sharers: Mutex<Vec<(Weak<Pool>, Option<usize>)>>,
}

/// One open connection counted by a limit; uncounts it when dropped.
#[derive(Debug)]
struct Counted(Arc<ConnLimit>);

impl Drop for Counted {
    fn drop(&mut self) {
        // SeqCst, with `waiting`: a closer that misses a waiter's count is seen by the
        // waiter's next look at `open`.
        self.0.open.fetch_sub(1, Ordering::SeqCst);
        self.0.wake();
    }
}

/// What an open server connection counts against; uncounted when the connection
/// (which holds it) is dropped.
#[derive(Debug)]
pub struct OpenSlots {
    _db: Counted,
    _user: Counted,
}

impl OpenSlots {
    /// Counts one more connection against both limits, or names the one that is full.
    pub(super) fn take<'a>(
        db: &'a Arc<ConnLimit>,
        user: &'a Arc<ConnLimit>,
    ) -> Result<OpenSlots, &'a Arc<ConnLimit>> {
        if !db.try_count() {
            return Err(db);
        }
        if !user.try_count() {
            // Given back without waking anyone: it never stood for a connection (a wake
            // here would wake the caller's own wait, which would spin).
            db.open.fetch_sub(1, Ordering::SeqCst);
            return Err(user);
        }
        Ok(OpenSlots {
            _db: Counted(Arc::clone(db)),
            _user: Counted(Arc::clone(user)),
        })
    }
}

/// Counts a checkout among a limit's waiters while alive.
pub(super) struct Waiter<'a>(&'a ConnLimit);

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

impl ConnLimit {
    fn new(what: String, setting: &'static str, max: usize) -> ConnLimit {
        ConnLimit {
            what,
            setting,
            max: AtomicUsize::new(max),
            open: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            changed: Notify::new(),
            sharers: Mutex::new(Vec::new()),
        }
    }

    /// The bound (0: none).
    pub fn max(&self) -> usize {
        self.max.load(Ordering::Relaxed)
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    fn set_max(&self, max: usize) {
        if self.max.swap(max, Ordering::AcqRel) != max {
            // A raised (or removed) bound lets waiters through.
            self.changed.notify_waiters();
        }
    }

    /// Counts one more connection if there is room.
    fn try_count(&self) -> bool {
        self.open
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |open| {
                let max = self.max.load(Ordering::SeqCst);
                (max == 0 || open < max).then_some(open + 1)
            })
            .is_ok()
    }

    /// Wakes the checkouts waiting for room (a connection closed or went idle).
    pub(super) fn wake(&self) {
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.changed.notify_waiters();
        }
    }

    /// Counts a waiting checkout until the returned guard is dropped. Count first,
    /// then enable [`ConnLimit::changed`]'s future, then look for room: a release that
    /// pushed an idle connection after the look sees the count and wakes the future.
    pub(super) fn waiter(&self) -> Waiter<'_> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        Waiter(self)
    }

    /// Woken when room may have appeared.
    pub(super) fn changed(&self) -> &Notify {
        &self.changed
    }

    pub(super) fn add_sharer(&self, pool: &Arc<Pool>, member: Option<usize>) {
        let mut sharers = lock(&self.sharers);
        sharers.retain(|(p, _)| p.strong_count() > 0);
        sharers.push((Arc::downgrade(pool), member));
    }

    /// Closes the connection idle longest among the sharing pools, except those of
    /// `(asking, member)` (the asker takes its own idle ones itself). Whether one closed.
    pub(super) fn evict_idle(&self, asking: &Pool, member: usize) -> bool {
        let sharers: Vec<(Arc<Pool>, Option<usize>)> = lock(&self.sharers)
            .iter()
            .filter_map(|(p, m)| Some((p.upgrade()?, *m)))
            .collect();
        let mut oldest: Option<(&Arc<Pool>, usize, Instant)> = None;
        for (pool, only) in &sharers {
            for (i, m) in pool.members().iter().enumerate() {
                // A pool with waiting clients keeps its idle connections for them (else
                // two busy pools would close each other's connections at every turn).
                if only.is_some_and(|only| only != i)
                    || (std::ptr::eq(pool.as_ref(), asking) && i == member)
                    || pool.stats.cl_waiting.get() > 0
                {
                    continue;
                }
                // Idle connections are pushed at the end: the first is idle longest.
                if let Some(first) = lock(&m.idle).first() {
                    if oldest.is_none_or(|(_, _, since)| first.idle_since < since) {
                        oldest = Some((pool, i, first.idle_since));
                    }
                }
            }
        }
        let Some((pool, i, _)) = oldest else {
            return false;
        };
        let evicted = {
            let mut idle = lock(&pool.members()[i].idle);
            (!idle.is_empty()).then(|| idle.remove(0))
        };
        // Another checkout may have taken it meanwhile: the caller looks again.
        if evicted.is_some() {
            info!(pool = %pool.name(), for_pool = %asking.name(), limit = %self.what,
                  setting = self.setting,
                  "closing an idle server connection to make room for another pool");
        }
        true
    }
}

impl Pool {
    /// Room for a new connection to `member` under `max_db_connections` and
    /// `max_user_connections`: counted at once when both have room (always, when
    /// neither is set); else, as PgBouncer, an idle connection of another pool sharing
    /// the full limit is closed, or the checkout waits (up to `query_wait_timeout`) for
    /// one to close or go idle, taking its own pool's connection if that one does.
    /// (`started`: when the checkout began; the wait ends `query_wait_timeout` after.)
    pub(super) async fn room(&self, member: usize, started: Instant) -> Result<Room, ClientError> {
        let m = &self.members()[member];
        match OpenSlots::take(&m.db_limit, &self.user_limit) {
            Ok(slots) => Ok(Room::Counted(slots)),
            // Boxed: the wait stays out of the future every client task carries.
            Err(_) => Box::pin(self.wait_for_room(member, started)).await,
        }
    }

    /// A connection of `member` went idle: checkouts waiting for room under its limits
    /// may take or close it.
    pub(super) fn went_idle(&self, member: usize) {
        let m = &self.members()[member];
        m.db_limit.wake();
        self.user_limit.wake();
    }

    async fn wait_for_room(&self, member: usize, started: Instant) -> Result<Room, ClientError> {
        let (db, user) = (&self.members()[member].db_limit, &self.user_limit);
        let deadline = started + self.timeouts().wait;
        let waiting_since = Instant::now();
        self.stats.cl_waiting.inc();
        let _counted = (db.waiter(), user.waiter());
        let result = loop {
            if self.is_retired() {
                break Err(ClientError::fatal(
                    SqlState::ADMIN_SHUTDOWN,
                    format!("pool {} was removed from the configuration", self.name()),
                ));
            }
            let db_changed = db.changed().notified();
            let user_changed = user.changed().notified();
            tokio::pin!(db_changed, user_changed);
            db_changed.as_mut().enable();
            user_changed.as_mut().enable();
            let full = match OpenSlots::take(db, user) {
                Ok(slots) => break Ok(Room::Counted(slots)),
                Err(full) => full,
            };
            let now = Instant::now();
            if let Some(conn) = self.take_idle(member, None, now) {
                break Ok(Room::Idle(conn));
            }
            if full.evict_idle(self, member) {
                continue;
            }
            let left = deadline.saturating_duration_since(now);
            if left.is_zero() {
                let waited = now.saturating_duration_since(started).as_millis();
                warn!(pool = %self.name(), limit = %full.what, setting = full.setting,
                      max = full.max(), waited_ms = waited as u64,
                      "no room for a server connection");
                break Err(ClientError::fatal(
                    SqlState::TOO_MANY_CONNECTIONS,
                    format!(
                        "pool {}: {} ({}) reached for {}: all its server connections are \
                         busy; waited {waited}ms (query_wait_timeout)",
                        self.name(),
                        full.setting,
                        full.max(),
                        full.what
                    ),
                ));
            }
            tokio::select! {
                _ = db_changed => {}
                _ = user_changed => {}
                _ = tokio::time::sleep(left) => {}
            }
        };
        self.stats.cl_waiting.dec();
        self.stats.record_wait(waiting_since.elapsed());
        result
    }
}

/// The limits of every configured database server and user, kept across reloads so
/// that the connections of kept and retired pools stay counted.
#[derive(Debug, Default)]
pub struct Limits {
    db: Mutex<HashMap<DbKey, Arc<ConnLimit>>>,
    user: Mutex<HashMap<String, Arc<ConnLimit>>>,
}

/// `[pools.<db>]` name, then the server: host, port, database on the server.
type DbKey = (String, String, u16, String);

impl Limits {
    /// The limit of database `pool_db`'s connections to one server, its bound set to
    /// `max`.
    pub(super) fn db(
        &self,
        pool_db: &str,
        host: &str,
        port: u16,
        server_db: &str,
        max: usize,
    ) -> Arc<ConnLimit> {
        let key = (
            pool_db.to_owned(),
            host.to_owned(),
            port,
            server_db.to_owned(),
        );
        let mut map = lock(&self.db);
        let limit = map.entry(key).or_insert_with(|| {
            Arc::new(ConnLimit::new(
                format!("database \"{pool_db}\" on server {host}:{port}"),
                "max_db_connections",
                max,
            ))
        });
        limit.set_max(max);
        Arc::clone(limit)
    }

    /// The limit of user `name`'s connections, its bound set to `max`.
    pub(super) fn user(&self, name: &str, max: usize) -> Arc<ConnLimit> {
        let mut map = lock(&self.user);
        let limit = map.entry(name.to_owned()).or_insert_with(|| {
            Arc::new(ConnLimit::new(
                format!("user \"{name}\""),
                "max_user_connections",
                max,
            ))
        });
        limit.set_max(max);
        Arc::clone(limit)
    }

    /// Forgets the limits no pool of `pools` uses (retired pools keep theirs alive).
    pub(super) fn retain_used(&self, pools: &[Arc<Pool>]) {
        lock(&self.db).retain(|_, limit| {
            pools
                .iter()
                .flat_map(|p| p.members())
                .any(|m| Arc::ptr_eq(&m.db_limit, limit))
        });
        lock(&self.user).retain(|_, limit| pools.iter().any(|p| Arc::ptr_eq(&p.user_limit, limit)));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn counts_up_to_the_bound_and_back() {
        let limits = Limits::default();
        let db = limits.db("app", "h", 5432, "app", 2);
        let user = limits.user("alice", 0);
        let a = OpenSlots::take(&db, &user).unwrap();
        let _b = OpenSlots::take(&db, &user).unwrap();
        let full = OpenSlots::take(&db, &user).unwrap_err();
        assert_eq!(full.setting, "max_db_connections");
        assert_eq!((db.open(), user.open()), (2, 2));
        drop(a);
        assert_eq!((db.open(), user.open()), (1, 1));
        let _c = OpenSlots::take(&db, &user).unwrap();
        // The same key gives the same limit, with the bound a reload sets.
        let again = limits.db("app", "h", 5432, "app", 3);
        assert!(Arc::ptr_eq(&again, &db));
        assert_eq!(db.max(), 3);
        let _d = OpenSlots::take(&db, &user).unwrap();
    }

    /// A full user limit gives the database slot back without waking the database
    /// limit's waiters: a waiter that looks for room would otherwise wake itself, and
    /// spin until `query_wait_timeout`.
    #[test]
    fn a_refused_slot_wakes_no_one() {
        use futures_util::FutureExt;
        let limits = Limits::default();
        let db = limits.db("app", "h", 5432, "app", 0);
        let user = limits.user("alice", 1);
        let _held = OpenSlots::take(&db, &user).unwrap();
        let _waiting = db.waiter();
        let woken = db.changed().notified();
        futures_util::pin_mut!(woken);
        woken.as_mut().enable();
        assert!(OpenSlots::take(&db, &user).is_err());
        assert!(
            woken.as_mut().now_or_never().is_none(),
            "the refusal woke a waiter"
        );
        // A real close does wake it.
        drop(_held);
        assert!(woken.now_or_never().is_some());
    }

    #[test]
    fn a_full_user_limit_gives_the_database_slot_back() {
        let limits = Limits::default();
        let db = limits.db("app", "h", 5432, "app", 0);
        let user = limits.user("alice", 1);
        let _a = OpenSlots::take(&db, &user).unwrap();
        let full = OpenSlots::take(&db, &user).unwrap_err();
        assert_eq!(full.setting, "max_user_connections");
        assert_eq!(full.what, "user \"alice\"");
        assert_eq!(db.open(), 1);
    }
}
