//! How a session ends when the router stops or its database is killed: the signal it
//! watches (see [`crate::shared::CheapSignal`]), an immediate stop, and a drain that ends
//! the session at its next transaction boundary.

use pgwire::backend::TransactionStatus;
use pgwire::SqlState;

use super::{End, Session};
use crate::config::PoolMode;
use crate::error::ClientError;
use crate::shared::{CheapSignal, Signal, Stop};

impl Session {
    /// The stop watch fired (a stop, or a `KILL` of some pool): the end of the session,
    /// or `stop` watches on from what was seen.
    pub(super) fn on_signal(
        &mut self,
        seen: Signal,
        stop_seen: &mut Stop,
        stop: &mut CheapSignal,
    ) -> Option<End> {
        if self.login.pool.kills() != self.kills_seen {
            return Some(End::Killed);
        }
        if seen.stop > *stop_seen {
            *stop_seen = seen.stop;
            if seen.stop == Stop::Now {
                return Some(self.stopped_now());
            }
            self.draining = true;
            if let Some(end) = self.drained() {
                return Some(end);
            }
        }
        // Another pool's KILL, or the drain began: watch on.
        *stop = CheapSignal::new(&self.shared, &self.info, *stop_seen, seen.kills);
        None
    }

    /// Immediate stop: FATAL 57P01 unless the client is in the middle of a message.
    pub(super) fn stopped_now(&self) -> End {
        if !self.sscan.at_boundary() {
            return End::Dropped;
        }
        End::Refused(ClientError::fatal(
            SqlState::ADMIN_SHUTDOWN,
            "terminating connection: pgml-router is shutting down (SHUTDOWN or SIGTERM)",
        ))
    }

    /// While draining: the end of the session once the client is between
    /// transactions.
    pub(super) fn drained(&self) -> Option<End> {
        let between = match &self.server {
            None => true,
            Some(server) => {
                self.login.pool.mode == PoolMode::Session
                    && self.in_flight == 0
                    && !self.unsynced
                    && self.status == TransactionStatus::Idle
                    && self.cscan.at_boundary()
                    && self.sscan.at_boundary()
                    && server.conn.buf.is_empty()
            }
        };
        between.then(|| {
            End::Refused(ClientError::fatal(
                SqlState::ADMIN_SHUTDOWN,
                format!(
                    "terminating connection: pgml-router is shutting down; pool {} \
                     takes no new transactions",
                    self.login.pool.name()
                ),
            ))
        })
    }
}
