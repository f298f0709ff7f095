//! The parts of a session that only pools reading statements use (several servers, or
//! model affinity): holding pipelined requests back, the router's own commands, and the
//! route of each transaction.

use bytes::BytesMut;
use pgwire::backend::TransactionStatus;
use pgwire::SqlState;

use super::{End, Session};
use crate::client::prepared::named_statement;
use crate::client::routing::{statement_text, too_late, Command};
use crate::error::ClientError;
use crate::pool::Route;
use crate::scanner::Piece;

impl Session {
    /// The Parse held until its Bind, if any.
    pub(super) fn deferred(&self) -> Option<&BytesMut> {
        self.rare.as_ref()?.deferred.as_ref()
    }

    /// In a routed pool: whether the client's next request waits in the buffer until the
    /// server has answered the ones before it. The server is then released if the
    /// transaction ended, and the request routed on its own (forwarding it at once would
    /// send it to the previous transaction's server). COPY data is never held.
    pub(super) fn holding(&self) -> bool {
        self.routed
            && self.server.is_some()
            && self.in_flight > 0
            && !self.unsynced
            && self.cscan.at_boundary()
            && matches!(self.cbuf.first(), Some(b'Q' | b'P' | b'B' | b'F'))
    }

    /// Whether nothing sent is unanswered and no transaction is open.
    pub(super) fn at_rest(&self) -> bool {
        self.in_flight == 0 && !self.unsynced && self.status == TransactionStatus::Idle
    }

    /// Answers a router command (`SET SERVER ROLE`, `SHOW SHARD`, ...).
    pub(super) async fn answer_command(
        &mut self,
        command: Result<Command, String>,
    ) -> Result<(), End> {
        let mut reply = BytesMut::new();
        let pool = &self.login.pool;
        let show = matches!(
            command,
            Ok(Command::ShowRole | Command::ShowShard | Command::ShowPrimaryReads)
        );
        match command {
            Ok(command) if self.server.is_none() || show => {
                self.routing.run(pool, command, &mut reply);
            }
            Ok(_) => too_late(pool, &mut reply),
            Err(message) => {
                ClientError::error(SqlState::INVALID_PARAMETER_VALUE, message).encode(&mut reply);
                pgwire::backend::ReadyForQuery {
                    status: TransactionStatus::Idle,
                }
                .encode(&mut reply);
            }
        }
        self.client.send(&reply).await.map_err(|_| End::ClientGone)
    }

    /// Where the transaction `piece` starts goes (after a deferred Parse, if any).
    pub(super) fn route_of(&mut self, piece: &Piece) -> Route {
        let bind = match piece {
            Piece::Inspect { tag: b'B', frame } => frame.get(pgwire::HEADER_LEN..),
            _ => None,
        };
        let pool = &self.login.pool;
        if let Some(parse) = self.rare.as_ref().and_then(|r| r.deferred.as_ref()) {
            return self.routing.route(pool, statement_text(b'P', parse), bind);
        }
        let sql = match piece {
            Piece::Inspect { tag, frame } if matches!(tag, b'Q' | b'P') => {
                statement_text(*tag, frame)
            }
            Piece::Inspect { tag: b'B', .. } => bind
                .and_then(|body| named_statement(b'B', body))
                .and_then(|name| std::str::from_utf8(name).ok())
                .and_then(|name| self.prepared.as_ref()?.statement_sql(name)),
            _ => None,
        };
        self.routing.route(pool, sql, bind)
    }
}
