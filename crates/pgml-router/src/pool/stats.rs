//! Counters of one pool, read by the admin console.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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

    /// Raises the value to `n` if it is lower.
    pub fn max(&self, n: u64) {
        self.0.fetch_max(n, Ordering::Relaxed);
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
}

impl PoolStats {
    /// Records one wait for a server connection.
    pub fn record_wait(&self, waited: Duration) {
        let us = u64::try_from(waited.as_micros()).unwrap_or(u64::MAX);
        if us > 0 {
            self.wait_time_us.add(us);
            self.max_wait_us.max(us);
        }
    }
}
