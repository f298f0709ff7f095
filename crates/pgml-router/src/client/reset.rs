//! Session state that clients leave on shared server connections in transaction mode.
//!
//! A server connection goes back to the pool at ReadyForQuery `I`, and the next client
//! would inherit whatever session state the last one created: settings made with
//! `SET`, SQL-level `PREPARE`d statements, `LISTEN` registrations, temporary tables,
//! held cursors. The router notices such commands from the CommandComplete tags the
//! server sends back (the tag names what ran, and is a few bytes the scanner holds
//! anyway), marks the connection with the client that changed it, and runs
//! `DISCARD ALL` on it before another client gets it. Connections nobody changed
//! never pay a reset, and neither does the client that made the changes when it gets
//! the same connection back (as with PgBouncer, such state is only reliable within
//! one transaction).
//!
//! Tags that mark a connection: `SET` (also `SET LOCAL`, `SET ROLE`,
//! `SET SESSION AUTHORIZATION`: the tag is the same), `RESET`, `PREPARE`, `LISTEN`,
//! `DECLARE CURSOR`, `LOAD`, any `DISCARD` but `DISCARD ALL`, `CREATE TABLE`, `CREATE
//! VIEW` and `CREATE SEQUENCE` (temporary or not: the tag does not say, and DDL is
//! rare enough to pay one reset), and `SELECT n` without a RowDescription before it in
//! a simple Query (`CREATE TABLE ... AS` and `SELECT ... INTO`; a plain SELECT always
//! describes its rows first). Not detected: state changed inside functions (`DO`,
//! `set_config()` in a SELECT, advisory locks, temporary tables created by a
//! function), objects created with an explicit `pg_temp.` schema other than tables,
//! views and sequences, and `CREATE TABLE AS` / `SELECT INTO` sent through the
//! extended protocol (there Execute sends no RowDescription for any SELECT).
//!
//! A client's own `DISCARD ALL` leaves the connection clean, and its `DEALLOCATE ALL`
//! drops the router's renamed statements too: both are recorded so the statements
//! are prepared again on demand.

use std::sync::Arc;

use pgwire::backend::TransactionStatus;
use pgwire::SqlState;
use tracing::{debug, warn};

use crate::error::ClientError;
use crate::pool::{Checkout, Pool, Route};
use crate::server::ServerConn;

/// Server messages since the last statement ended, as far as tags tell.
#[derive(Debug, Default)]
pub struct StateWatch {
    /// A RowDescription came since the last CommandComplete.
    described: bool,
    /// ParseComplete or BindComplete came since the last ReadyForQuery: the
    /// statements are run through the extended protocol.
    extended: bool,
}

/// What a CommandComplete means for the server connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Nothing changed in the session.
    None,
    /// The session changed: reset before another client gets it.
    Dirty,
    /// `RESET`: settings the router applied may be gone too, and the session changed.
    SettingsReset,
    /// The client ran `DISCARD ALL`: back to a fresh session.
    Discarded,
    /// `DEALLOCATE ALL`: every prepared statement is gone, the router's too.
    StatementsDropped,
}

impl StateWatch {
    /// Notes the start of a server message.
    #[inline]
    pub fn saw(&mut self, tag: u8) {
        match tag {
            b'T' => self.described = true,
            b'1' | b'2' => self.extended = true,
            b'Z' => *self = StateWatch::default(),
            _ => {}
        }
    }

    /// What the CommandComplete with this body (the NUL-terminated tag) means.
    #[inline]
    pub fn command_complete(&mut self, body: &[u8]) -> Effect {
        let described = std::mem::take(&mut self.described) || self.extended;
        let tag = body.strip_suffix(&[0]).unwrap_or(body);
        classify(tag, described)
    }
}

/// The effect of one command tag; `described`: rows were described before it (or the
/// extended protocol is in use), so `SELECT n` is a plain query.
fn classify(tag: &[u8], described: bool) -> Effect {
    // By first byte, so the common tags (SELECT, INSERT, UPDATE, ...) cost a compare
    // or two.
    let dirty = match tag.first() {
        Some(b'S') => tag == b"SET" || (!described && tag.starts_with(b"SELECT ")),
        Some(b'R') => {
            return if tag == b"RESET" {
                Effect::SettingsReset
            } else {
                Effect::None
            }
        }
        Some(b'P') => tag == b"PREPARE",
        Some(b'L') => tag == b"LISTEN" || tag == b"LOAD",
        Some(b'C') => matches!(tag, b"CREATE TABLE" | b"CREATE VIEW" | b"CREATE SEQUENCE"),
        Some(b'D') => match tag {
            b"DISCARD ALL" => return Effect::Discarded,
            b"DEALLOCATE ALL" => return Effect::StatementsDropped,
            _ => tag == b"DECLARE CURSOR" || tag.starts_with(b"DISCARD "),
        },
        _ => false,
    };
    if dirty {
        Effect::Dirty
    } else {
        Effect::None
    }
}

/// Records `effect` of a command `client` ran on `conn`.
pub fn apply(effect: Effect, conn: &mut ServerConn, client: u64) {
    match effect {
        Effect::None => {}
        Effect::Dirty => conn.dirtied_by = Some(client),
        Effect::SettingsReset => {
            // Which settings went back to their defaults is not known: forget them
            // all, so the client's startup settings are applied again.
            conn.reset_settings();
            conn.dirtied_by = Some(client);
        }
        Effect::Discarded => {
            conn.reset_settings();
            conn.prepared.clear();
            conn.dirtied_by = None;
        }
        Effect::StatementsDropped => conn.prepared.clear(),
    }
}

/// Whether `conn` holds session state of a client other than `client`.
#[inline]
pub fn needs_reset(conn: &ServerConn, client: Option<u64>) -> bool {
    conn.dirtied_by.is_some() && conn.dirtied_by != client
}

/// Tries a freshly checked-out connection this many times before giving up.
const RESET_ATTEMPTS: usize = 3;

/// Returns `checkout`, reset with `DISCARD ALL` if another client changed its session
/// state. A connection whose reset fails is closed and another one is checked out.
pub async fn clean(
    pool: &Arc<Pool>,
    mut checkout: Checkout,
    client: Option<u64>,
    route: Route,
) -> Result<Checkout, ClientError> {
    for _ in 0..RESET_ATTEMPTS {
        if !needs_reset(&checkout.conn, client) {
            return Ok(checkout);
        }
        let pid = checkout.conn.cancel.process_id;
        let reset = checkout.conn.discard_all();
        match tokio::time::timeout(pool.target_timeout(), reset).await {
            Ok(Ok(TransactionStatus::Idle)) => {
                debug!(pool = %pool.name(), backend_pid = pid,
                       "server connection reset: a client had changed its session state");
                pool.stats.resets.inc();
                return Ok(checkout);
            }
            Ok(Ok(status)) => warn!(pool = %pool.name(), backend_pid = pid, ?status,
                                    "server connection not idle after DISCARD ALL; closing it"),
            Ok(Err(e)) => warn!(pool = %pool.name(), backend_pid = pid, error = %e,
                                "DISCARD ALL failed; closing the server connection"),
            Err(_) => warn!(pool = %pool.name(), backend_pid = pid,
                            "DISCARD ALL timed out; closing the server connection"),
        }
        drop(checkout);
        checkout = pool.checkout(route).await?;
    }
    if !needs_reset(&checkout.conn, client) {
        return Ok(checkout);
    }
    Err(ClientError::fatal(
        SqlState::CONNECTION_FAILURE,
        format!(
            "pool {}: cannot reset a server connection for this client (DISCARD ALL failed \
             {RESET_ATTEMPTS} times)",
            pool.name()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(tag: &str) -> Vec<u8> {
        let mut v = tag.as_bytes().to_vec();
        v.push(0);
        v
    }

    #[test]
    fn tags_that_change_the_session() {
        let mut w = StateWatch::default();
        for tag in [
            "SET",
            "PREPARE",
            "LISTEN",
            "LOAD",
            "DECLARE CURSOR",
            "DISCARD TEMP",
            "CREATE TABLE",
            "CREATE VIEW",
            "CREATE SEQUENCE",
        ] {
            assert_eq!(w.command_complete(&body(tag)), Effect::Dirty, "{tag}");
        }
        for tag in [
            "INSERT 0 1",
            "UPDATE 3",
            "DELETE 0",
            "BEGIN",
            "COMMIT",
            "ROLLBACK",
            "SETX",
            "PREPARE TRANSACTION",
            "UNLISTEN",
            "CREATE INDEX",
            "DEALLOCATE",
            "COPY 2",
            "FETCH 1",
        ] {
            assert_eq!(w.command_complete(&body(tag)), Effect::None, "{tag}");
        }
        assert_eq!(w.command_complete(&body("RESET")), Effect::SettingsReset);
        assert_eq!(w.command_complete(&body("DISCARD ALL")), Effect::Discarded);
        assert_eq!(
            w.command_complete(&body("DEALLOCATE ALL")),
            Effect::StatementsDropped
        );
        assert_eq!(w.command_complete(b""), Effect::None);
    }

    #[test]
    fn select_without_row_description_is_create_table_as() {
        let mut w = StateWatch::default();
        // SELECT INTO / CREATE TABLE AS: no RowDescription.
        assert_eq!(w.command_complete(&body("SELECT 3")), Effect::Dirty);
        // A plain SELECT in a multi-statement Query, then a SELECT INTO.
        w.saw(b'T');
        w.saw(b'D');
        assert_eq!(w.command_complete(&body("SELECT 1")), Effect::None);
        assert_eq!(w.command_complete(&body("SELECT 1")), Effect::Dirty);
        // Extended protocol: Execute sends no RowDescription for any SELECT.
        w.saw(b'Z');
        w.saw(b'2');
        assert_eq!(w.command_complete(&body("SELECT 1")), Effect::None);
        assert_eq!(w.command_complete(&body("SELECT 1")), Effect::None);
        w.saw(b'Z');
        assert_eq!(w.command_complete(&body("SELECT 1")), Effect::Dirty);
    }
}
