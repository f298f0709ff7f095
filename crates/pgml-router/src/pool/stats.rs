//! Counters of one pool, read by the admin console.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A relaxed atomic counter.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// Subtracts one, not below zero.
    pub fn dec(&self) {
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| v.checked_sub(1));
    }

    /// The value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Adds one until the returned guard is dropped.
    pub fn hold(&self) -> Held<'_> {
        self.inc();
        Held(self)
    }

    /// Raises the value to `n` if it is lower.
    pub fn max(&self, n: u64) {
        self.0.fetch_max(n, Ordering::Relaxed);
    }
}

/// One unit of a [`Counter`], taken back when dropped.
#[derive(Debug)]
pub struct Held<'a>(&'a Counter);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// What `SHOW POOLS` and `SHOW STATS` print.
#[derive(Debug, Default)]
pub struct PoolStats {
    /// Clients logged into this pool.
    pub cl_active: Counter,
    /// Clients waiting for a server connection.
    pub cl_waiting: Counter,
    /// Server connections checked out.
    pub sv_active: Counter,
    /// Server connections being opened and logged into (counted in `sv_active` too:
    /// they hold a client's slot).
    pub sv_login: Counter,
    /// Server connections opened so far.
    pub sv_opened: Counter,
    /// Transactions completed (ReadyForQuery `I` after work).
    pub xact_count: Counter,
    /// Queries (Query and Sync messages) sent.
    pub query_count: Counter,
    /// Bytes received from clients.
    pub received: Counter,
    /// Bytes sent to clients.
    pub sent: Counter,
    /// Microseconds clients spent waiting for a server connection.
    pub wait_time_us: Counter,
    /// Longest single wait, microseconds.
    pub max_wait_us: Counter,
    /// Microseconds from a client's first unanswered message to the ReadyForQuery
    /// that answers the last one (PgBouncer's `total_query_time`).
    pub query_time_us: Counter,
    /// Microseconds from a transaction's first message to its ReadyForQuery `I`,
    /// idle time inside the transaction included (`total_xact_time`).
    pub xact_time_us: Counter,
    /// Server connections reset with `DISCARD ALL` because a client (transaction
    /// mode) had changed their session state.
    pub resets: Counter,
    /// Model affinity: checkouts that found an idle connection that had served their model.
    pub affinity_hits: Counter,
    /// Model affinity: checkouts for a model that no idle connection had served.
    pub affinity_misses: Counter,
    /// Model affinity: checkouts that waited (`model_affinity_wait`) for a busy
    /// connection holding their model.
    pub affinity_waits: Counter,
    /// The totals at the start of the last two stats periods, for the averages.
    periods: Mutex<Periods>,
}

/// What `SHOW STATS` totals and averages: PgBouncer's seven traffic figures.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub xact_count: u64,
    pub query_count: u64,
    /// Bytes received from clients.
    pub received: u64,
    /// Bytes sent to clients.
    pub sent: u64,
    /// Microseconds.
    pub xact_time: u64,
    /// Microseconds.
    pub query_time: u64,
    /// Microseconds.
    pub wait_time: u64,
}

impl std::ops::AddAssign for Totals {
    fn add_assign(&mut self, o: Totals) {
        self.xact_count += o.xact_count;
        self.query_count += o.query_count;
        self.received += o.received;
        self.sent += o.sent;
        self.xact_time += o.xact_time;
        self.query_time += o.query_time;
        self.wait_time += o.wait_time;
    }
}

impl Totals {
    /// PgBouncer's averages of the change from `old` (taken `elapsed` ago) to `self`:
    /// counts, bytes and wait time per second; transaction and query time per
    /// transaction and per query, in microseconds.
    pub fn averages_since(&self, old: &Totals, elapsed: Duration) -> Totals {
        let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        if us == 0 {
            return Totals::default();
        }
        let per_second = |now: u64, then: u64| {
            let delta = u128::from(now.saturating_sub(then));
            u64::try_from(delta * 1_000_000 / u128::from(us)).unwrap_or(u64::MAX)
        };
        let per = |now: u64, then: u64, count: u64| {
            now.saturating_sub(then).checked_div(count).unwrap_or(0)
        };
        let xacts = self.xact_count.saturating_sub(old.xact_count);
        let queries = self.query_count.saturating_sub(old.query_count);
        Totals {
            xact_count: per_second(self.xact_count, old.xact_count),
            query_count: per_second(self.query_count, old.query_count),
            received: per_second(self.received, old.received),
            sent: per_second(self.sent, old.sent),
            xact_time: per(self.xact_time, old.xact_time, xacts),
            query_time: per(self.query_time, old.query_time, queries),
            wait_time: per_second(self.wait_time, old.wait_time),
        }
    }
}

/// Snapshots of the totals, taken every `stats_period`.
#[derive(Debug, Default)]
struct Periods {
    /// The snapshot before the last one: averages run from it to now (as PgBouncer's).
    older: Option<(Instant, Totals)>,
    newer: Option<(Instant, Totals)>,
}

impl PoolStats {
    /// Counters starting now (the first averages run from here).
    pub fn new() -> PoolStats {
        let stats = PoolStats::default();
        stats.lock_periods().newer = Some((Instant::now(), Totals::default()));
        stats
    }

    fn lock_periods(&self) -> std::sync::MutexGuard<'_, Periods> {
        self.periods.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The traffic totals since start.
    pub fn totals(&self) -> Totals {
        Totals {
            xact_count: self.xact_count.get(),
            query_count: self.query_count.get(),
            received: self.received.get(),
            sent: self.sent.get(),
            xact_time: self.xact_time_us.get(),
            query_time: self.query_time_us.get(),
            wait_time: self.wait_time_us.get(),
        }
    }

    /// Starts a new stats period at `now`.
    pub fn new_period(&self, now: Instant) {
        let totals = self.totals();
        let mut periods = self.lock_periods();
        periods.older = periods.newer.take();
        periods.newer = Some((now, totals));
    }

    /// The totals at the start of the period before the current one (or of the
    /// current, in the first period) and when that was.
    pub fn period_base(&self) -> Option<(Instant, Totals)> {
        let periods = self.lock_periods();
        periods.older.or(periods.newer)
    }

    /// Records one wait for a server connection.
    pub fn record_wait(&self, waited: Duration) {
        let us = u64::try_from(waited.as_micros()).unwrap_or(u64::MAX);
        if us > 0 {
            self.wait_time_us.add(us);
            self.max_wait_us.max(us);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_are_pgbouncers() {
        let old = Totals {
            xact_count: 100,
            query_count: 200,
            received: 1_000,
            sent: 10_000,
            xact_time: 50_000,
            query_time: 60_000,
            wait_time: 0,
        };
        let now = Totals {
            xact_count: 300,
            query_count: 600,
            received: 5_000,
            sent: 30_000,
            xact_time: 450_000,
            query_time: 460_000,
            wait_time: 2_000_000,
        };
        let avg = now.averages_since(&old, Duration::from_secs(4));
        assert_eq!(
            avg,
            Totals {
                xact_count: 50,
                query_count: 100,
                received: 1_000,
                sent: 5_000,
                xact_time: 2_000,
                query_time: 1_000,
                wait_time: 500_000,
            }
        );
        // Nothing happened, or no time passed: zeros, no division by zero.
        assert_eq!(
            old.averages_since(&old, Duration::from_secs(1)),
            Totals::default()
        );
        assert_eq!(now.averages_since(&old, Duration::ZERO), Totals::default());
    }

    #[test]
    fn periods_average_from_the_one_before_the_last() {
        let stats = PoolStats::new();
        let (first, base) = stats.period_base().unwrap();
        assert_eq!(base, Totals::default());
        stats.xact_count.add(10);
        let later = first + Duration::from_secs(60);
        stats.new_period(later);
        // The base stays the first snapshot until the next period starts.
        assert_eq!(stats.period_base().unwrap().0, first);
        stats.new_period(later + Duration::from_secs(60));
        let (at, base) = stats.period_base().unwrap();
        assert_eq!((at, base.xact_count), (later, 10));
        let held = stats.sv_login.hold();
        assert_eq!(stats.sv_login.get(), 1);
        drop(held);
        assert_eq!(stats.sv_login.get(), 0);
    }
}
