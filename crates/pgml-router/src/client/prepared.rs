//! Named prepared statements in transaction mode.
//!
//! A client's statement may be used in a later transaction, on another server
//! connection. So the router renames every named statement to a router-wide unique
//! server name (`pgmlr_<client>_<n>`), remembers its Parse, and when a Bind or Describe
//! reaches a server connection that lacks it, sends the Parse there first. The
//! ParseComplete the server answers to such an injected Parse is not forwarded: every
//! Parse sent is queued with the number of Sync/Query messages sent before it, so the
//! server's ParseCompletes are matched in order, and entries of a batch that ended in
//! an error (the server skips to the Sync) are dropped at its ReadyForQuery.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::{BufMut, Bytes, BytesMut};
use pgwire::frontend::{Bind, Close, Describe, Target};

use crate::server::ServerConn;

static NEXT_CLIENT: AtomicU64 = AtomicU64::new(1);

/// Server connections with more statements than this get `DEALLOCATE ALL` before
/// they go back to the pool (clients' statements are re-prepared on demand).
pub const MAX_SERVER_STATEMENTS: usize = 200;

#[derive(Debug)]
struct Statement {
    server_name: String,
    parse: Bytes,
}

/// One client's statements and the ParseComplete bookkeeping of its current server.
#[derive(Debug)]
pub struct Prepared {
    client: u64,
    next: u64,
    statements: HashMap<String, Statement>,
    /// Parses sent and not answered yet, in order.
    parses: VecDeque<SentParse>,
    z_sent: u64,
    z_received: u64,
}

impl Default for Prepared {
    fn default() -> Self {
        Prepared {
            client: NEXT_CLIENT.fetch_add(1, Ordering::Relaxed),
            next: 0,
            statements: HashMap::new(),
            parses: VecDeque::new(),
            z_sent: 0,
            z_received: 0,
        }
    }
}

/// A Parse sent to the server, until its ParseComplete (or the ReadyForQuery of its
/// batch, when it failed or was skipped after an error).
#[derive(Debug)]
struct SentParse {
    /// ReadyForQuery-producing messages sent before it: its batch.
    epoch: u64,
    /// The router's own (a statement the connection lacked): its ParseComplete is not
    /// the client's.
    injected: bool,
    /// A renamed statement: (client's name, server's name), taken back if the Parse
    /// does not complete.
    names: Option<(String, String)>,
}

impl SentParse {
    fn new(epoch: u64, injected: bool, names: Option<(String, String)>) -> SentParse {
        SentParse {
            epoch,
            injected,
            names,
        }
    }
}

/// What [`Prepared::rewrite`] did with a frame.
#[derive(Debug, PartialEq, Eq)]
enum Rewrite {
    /// The frame goes on as it is.
    Unchanged,
    /// Its renamed form is in `out`.
    Done,
}

impl Prepared {
    /// The text of the client's statement `name`, from its remembered Parse (to route a
    /// transaction that starts with its Bind).
    pub fn statement_sql(&self, name: &str) -> Option<&str> {
        let statement = self.statements.get(name)?;
        super::routing::statement_text(b'P', &statement.parse)
    }

    /// The router-wide number of this client (see `client::reset`).
    pub fn client_id(&self) -> u64 {
        self.client
    }

    /// Records a message start sent to the server (Query, Sync and FunctionCall each
    /// get a ReadyForQuery).
    pub fn note_sent(&mut self, tag: u8) {
        if matches!(tag, b'Q' | b'S' | b'F') {
            self.z_sent += 1;
        }
    }

    /// Appends `frame` (a whole Parse, Bind, Describe or Close) to `out` for `server`,
    /// renamed, with a Parse in front where the server lacks the statement. Frames that
    /// do not decode or name no known statement go on unchanged, joined to `out`
    /// without a copy when they follow it in the client's read buffer.
    pub fn rewrite(
        &mut self,
        frame: BytesMut,
        server: &mut ServerConn,
        out: &mut BytesMut,
    ) -> Result<(), pgwire::Error> {
        if self.rewritten(&frame, server, out)? == Rewrite::Unchanged {
            out.unsplit(frame);
        }
        Ok(())
    }

    /// [`Prepared::rewrite`]'s work: appends the renamed message (and any Parse it
    /// needs) to `out`, or says the frame goes on as it is.
    fn rewritten(
        &mut self,
        frame: &[u8],
        server: &mut ServerConn,
        out: &mut BytesMut,
    ) -> Result<Rewrite, pgwire::Error> {
        let (Some(&tag), Some(body)) = (frame.first(), frame.get(pgwire::HEADER_LEN..)) else {
            return Ok(Rewrite::Unchanged);
        };
        // The common cases pass through without decoding the message: the unnamed
        // statement (what `-M extended` clients and most drivers use for one-off queries),
        // and statements the router did not rename.
        if let Some(name) = named_statement(tag, body) {
            let renamed = !name.is_empty()
                && std::str::from_utf8(name).is_ok_and(|n| self.statements.contains_key(n));
            if name.is_empty() || (tag != b'P' && !renamed) {
                if tag == b'P' {
                    self.parses
                        .push_back(SentParse::new(self.z_sent, false, None));
                }
                return Ok(Rewrite::Unchanged);
            }
        }
        match tag {
            b'P' => {
                match renamed_parse(body, &format!("pgmlr_{}_{}", self.client, self.next + 1)) {
                    // Renamed by splicing bytes: only the name is read, so a statement whose text
                    // is not UTF-8 (a client_encoding such as LATIN1) is renamed as well.
                    Some((client_name, server_name, encoded)) => {
                        self.next += 1;
                        out.extend_from_slice(&encoded);
                        server.prepared.insert(server_name.clone());
                        self.parses.push_back(SentParse::new(
                            self.z_sent,
                            false,
                            Some((client_name.clone(), server_name.clone())),
                        ));
                        self.statements.insert(
                            client_name,
                            Statement {
                                server_name,
                                parse: encoded,
                            },
                        );
                    }
                    None => {
                        self.parses
                            .push_back(SentParse::new(self.z_sent, false, None));
                        return Ok(Rewrite::Unchanged);
                    }
                }
            }
            b'B' => match Bind::decode(body) {
                Ok(bind) if self.statements.contains_key(&bind.statement) => {
                    let name = self.ensure(&bind.statement, server, out);
                    Bind {
                        statement: name,
                        ..bind
                    }
                    .encode(out)?;
                }
                _ => return Ok(Rewrite::Unchanged),
            },
            b'D' => match Describe::decode(body) {
                Ok(d) if d.target == Target::Statement && self.statements.contains_key(&d.name) => {
                    let name = self.ensure(&d.name, server, out);
                    Describe { name, ..d }.encode(out)?;
                }
                _ => return Ok(Rewrite::Unchanged),
            },
            b'C' => match Close::decode(body) {
                Ok(c) if c.target == Target::Statement => match self.statements.remove(&c.name) {
                    Some(statement) => {
                        server.prepared.remove(&statement.server_name);
                        Close {
                            name: statement.server_name,
                            ..c
                        }
                        .encode(out)?;
                    }
                    None => return Ok(Rewrite::Unchanged),
                },
                _ => return Ok(Rewrite::Unchanged),
            },
            _ => return Ok(Rewrite::Unchanged),
        }
        Ok(Rewrite::Done)
    }

    /// The server name of a known statement, after queueing its Parse if `server`
    /// lacks it.
    fn ensure(&mut self, client_name: &str, server: &mut ServerConn, out: &mut BytesMut) -> String {
        let Some(statement) = self.statements.get(client_name) else {
            return client_name.to_owned();
        };
        if !server.prepared.contains(&statement.server_name) {
            out.extend_from_slice(&statement.parse);
            server.prepared.insert(statement.server_name.clone());
            self.parses.push_back(SentParse::new(
                self.z_sent,
                true,
                Some((client_name.to_owned(), statement.server_name.clone())),
            ));
        }
        statement.server_name.clone()
    }

    /// Whether a server message with this tag goes on to the client. A Parse of a
    /// finished batch that got no ParseComplete failed or was skipped: the server lacks
    /// its statement (taken out of `server_statements`, the connection's set), and so
    /// does the client, as with PostgreSQL, when the Parse was its own.
    pub fn forward_server_message(
        &mut self,
        tag: u8,
        server_statements: &mut HashSet<String>,
    ) -> bool {
        match tag {
            b'1' => {
                self.drop_unanswered(server_statements);
                !self.parses.pop_front().is_some_and(|p| p.injected)
            }
            b'Z' => {
                self.z_received += 1;
                self.drop_unanswered(server_statements);
                true
            }
            _ => true,
        }
    }

    /// Forgets the Parses of answered batches (see [`Prepared::forward_server_message`]).
    fn drop_unanswered(&mut self, server_statements: &mut HashSet<String>) {
        while self
            .parses
            .front()
            .is_some_and(|p| p.epoch < self.z_received)
        {
            let Some(SentParse {
                injected,
                names: Some((client_name, server_name)),
                ..
            }) = self.parses.pop_front()
            else {
                continue;
            };
            server_statements.remove(&server_name);
            let own = self
                .statements
                .get(&client_name)
                .is_some_and(|s| s.server_name == server_name);
            if !injected && own {
                self.statements.remove(&client_name);
            }
        }
    }

    /// Takes back Syncs counted by [`Prepared::note_sent`] that the server ignored (sent
    /// inside a COPY IN): they get no ReadyForQuery.
    pub fn ignored_syncs(&mut self, n: usize) {
        self.z_sent = self.z_sent.saturating_sub(n as u64);
    }

    /// Forgets the ParseComplete bookkeeping (the server connection went away).
    pub fn detach(&mut self) {
        self.parses.clear();
        self.z_sent = 0;
        self.z_received = 0;
    }
}

/// A Parse body with a non-empty UTF-8 statement name, renamed to `server_name`: (client's
/// name, server's name, the whole renamed message). The rest of the body (statement text,
/// parameter types) is copied as it is.
fn renamed_parse(body: &[u8], server_name: &str) -> Option<(String, String, Bytes)> {
    let end = body.iter().position(|&c| c == 0)?;
    let name = std::str::from_utf8(body.get(..end)?).ok()?;
    if name.is_empty() {
        return None;
    }
    let rest = body.get(end + 1..)?;
    let len = u32::try_from(pgwire::HEADER_LEN - 1 + server_name.len() + 1 + rest.len()).ok()?;
    let mut encoded = BytesMut::with_capacity(1 + len as usize);
    encoded.put_u8(b'P');
    encoded.put_u32(len);
    encoded.put_slice(server_name.as_bytes());
    encoded.put_u8(0);
    encoded.put_slice(rest);
    Some((name.to_owned(), server_name.to_owned(), encoded.freeze()))
}

/// The statement name a Parse, Bind, Describe or Close body names, read without decoding
/// the rest; `None` for portals and malformed bodies (the full decoders handle those).
pub(super) fn named_statement(tag: u8, body: &[u8]) -> Option<&[u8]> {
    fn cstring(b: &[u8]) -> Option<(&[u8], &[u8])> {
        let end = b.iter().position(|&c| c == 0)?;
        Some((&b[..end], &b[end + 1..]))
    }
    match tag {
        b'P' => cstring(body).map(|(name, _)| name),
        b'B' => cstring(body)
            .and_then(|(_portal, rest)| cstring(rest))
            .map(|(name, _)| name),
        b'D' | b'C' => match body.split_first()? {
            (b'S', rest) => cstring(rest).map(|(name, _)| name),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_is_renamed_by_splicing_whatever_its_text_encoding() {
        // Statement "s1", text "SELECT 'caf\xe9'" (LATIN1, not UTF-8), one parameter type.
        let mut body = b"s1\0SELECT 'caf\xe9'\0".to_vec();
        body.extend_from_slice(&[0, 1, 0, 0, 0, 25]);
        let (client, server, encoded) = renamed_parse(&body, "pgmlr_1_1").unwrap();
        assert_eq!((client.as_str(), server.as_str()), ("s1", "pgmlr_1_1"));
        let mut expected = b"pgmlr_1_1\0SELECT 'caf\xe9'\0".to_vec();
        expected.extend_from_slice(&[0, 1, 0, 0, 0, 25]);
        assert_eq!(encoded[0], b'P');
        assert_eq!(
            u32::from_be_bytes([encoded[1], encoded[2], encoded[3], encoded[4]]) as usize,
            4 + expected.len()
        );
        assert_eq!(&encoded[5..], &expected[..]);
        // The unnamed statement and malformed bodies are not renamed.
        assert!(renamed_parse(b"\0SELECT 1\0\0\0", "x").is_none());
        assert!(renamed_parse(b"no terminator", "x").is_none());
    }

    #[test]
    fn statement_names_are_read_without_decoding() {
        assert_eq!(
            named_statement(b'P', b"s1\0SELECT 1\0\0\0"),
            Some(&b"s1"[..])
        );
        assert_eq!(named_statement(b'P', b"\0SELECT 1\0\0\0"), Some(&b""[..]));
        assert_eq!(named_statement(b'B', b"portal\0s2\0\0\0"), Some(&b"s2"[..]));
        assert_eq!(named_statement(b'B', b"\0\0\0\0"), Some(&b""[..]));
        assert_eq!(named_statement(b'D', b"Ss3\0"), Some(&b"s3"[..]));
        assert_eq!(named_statement(b'C', b"Ss4\0"), Some(&b"s4"[..]));
        assert_eq!(named_statement(b'D', b"Pportal\0"), None);
        assert_eq!(named_statement(b'B', b"no terminator"), None);
        assert_eq!(named_statement(b'D', b""), None);
    }

    #[test]
    fn injected_parse_completes_are_swallowed_in_order() {
        let mut p = Prepared::default();
        let mut on_server = HashSet::new();
        let mut forward = |p: &mut Prepared, tag| p.forward_server_message(tag, &mut on_server);
        // Batch 1: client Parse, injected Parse, Sync.
        p.parses.push_back(SentParse::new(p.z_sent, false, None));
        p.parses.push_back(SentParse::new(p.z_sent, true, None));
        p.note_sent(b'S');
        assert!(forward(&mut p, b'1'));
        assert!(!forward(&mut p, b'1'));
        assert!(forward(&mut p, b'Z'));
        // Batch 2 fails before its Parses run: the server skips them to the Sync.
        p.parses.push_back(SentParse::new(p.z_sent, true, None));
        p.parses.push_back(SentParse::new(p.z_sent, false, None));
        p.note_sent(b'S');
        // Batch 3: one injected Parse.
        p.parses.push_back(SentParse::new(p.z_sent, true, None));
        p.note_sent(b'S');
        assert!(forward(&mut p, b'E'));
        assert!(forward(&mut p, b'Z'));
        assert!(!forward(&mut p, b'1'));
        assert!(forward(&mut p, b'Z'));
        assert!(p.parses.is_empty());
        // A ParseComplete nobody expects is forwarded, not swallowed.
        assert!(forward(&mut p, b'1'));
    }

    #[test]
    fn a_parse_that_does_not_complete_is_taken_back() {
        let mut p = Prepared::default();
        let mut on_server: HashSet<String> = ["srv_a", "srv_b"].map(str::to_owned).into();
        for (client, server) in [("a", "srv_a"), ("b", "srv_b")] {
            p.statements.insert(
                client.to_owned(),
                Statement {
                    server_name: server.to_owned(),
                    parse: Bytes::new(),
                },
            );
        }
        // The batch fails: neither the injected Parse of `a` nor the client's own
        // Parse of `b` ran.
        p.parses.push_back(SentParse::new(
            p.z_sent,
            true,
            Some(("a".to_owned(), "srv_a".to_owned())),
        ));
        p.parses.push_back(SentParse::new(
            p.z_sent,
            false,
            Some(("b".to_owned(), "srv_b".to_owned())),
        ));
        p.note_sent(b'S');
        assert!(p.forward_server_message(b'Z', &mut on_server));
        assert!(on_server.is_empty());
        // `a` is still the client's (prepared again on demand), `b` never came to be.
        assert!(p.statements.contains_key("a"));
        assert!(!p.statements.contains_key("b"));
    }
}
