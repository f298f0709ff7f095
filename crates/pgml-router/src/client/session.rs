//! The forwarding session of a client logged into a pool.
//!
//! Both directions are cut into messages by a [`Scanner`] without decoding bodies:
//! only the client's Terminate, the server's ReadyForQuery and ParameterStatus are read,
//! and in transaction mode the statement names of Parse, Bind, Describe and Close
//! (see [`super::prepared`]) and the server's CommandComplete tags (session state
//! changes, see [`super::reset`]). A server
//! connection is checked out when the client starts a message while none is attached;
//! in transaction mode it goes back at ReadyForQuery `I` once every Query/Sync sent has
//! been answered, in session mode when the client leaves.
//!
//! In a pool of several servers (replicas, shards) Query and Parse are held back whole
//! too: the first statement of a transaction chooses its server (see
//! [`super::routing`]), and the router's own `SET SERVER ROLE`/`SET SHARD`/... commands
//! are answered here without a server.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use bytes::{Buf, BytesMut};
use pgwire::backend::{ParameterStatus, TransactionStatus};
use pgwire::SqlState;
use tracing::{debug, info, warn};

mod copy_in;
mod duplex;
mod mirrors;
mod reads;
mod routed;
mod settings;
mod stop;

use reads::{read_client, read_server, FIRST_READ, READ_CHUNK};

use super::params;
use super::prepared::{Prepared, MAX_SERVER_STATEMENTS};
use super::reset::{self, Effect, StateWatch};
use super::routing::{parse_command, parse_waits_for_bind, statement_text, ClientRouting};
use super::startup::PoolLogin;
use crate::config::PoolMode;
use crate::error::ClientError;
use crate::pool::{Checkout, Pool, Route};
use crate::registry::{ClientInfo, ConnState, StateCell, WakerSlot};
use crate::scanner::{Inspect, Piece, Scanner, SpanKind, MAX_CONTROL_MESSAGE};
use crate::server::QueryError;
use crate::shared::{CheapSignal, Shared, Stop};
use crate::stream::Stream;

/// Largest message length word accepted from either side (PostgreSQL's own limit).
const MAX_MESSAGE: usize = pgwire::MAX_MESSAGE_LEN;

/// Why the session ended.
#[derive(Debug)]
enum End {
    /// The client closed its socket.
    ClientGone,
    /// The client sent Terminate.
    Terminate,
    /// The router refuses to go on; the error is sent to the client.
    Refused(ClientError),
    /// The server connection broke.
    ServerLost(String),
    /// Closed by the router without a word (stopping mid-message).
    Dropped,
    /// `KILL` of the client's database: closed with FATAL, its server connection too.
    Killed,
}

/// One client's session.
#[derive(Debug)]
pub struct Session {
    client: Stream,
    cbuf: BytesMut,
    login: PoolLogin,
    server: Option<Checkout>,
    cscan: Scanner,
    sscan: Scanner,
    /// Query / Sync / FunctionCall messages sent and not answered by ReadyForQuery.
    in_flight: usize,
    /// Extended-protocol messages sent since the last Sync.
    unsynced: bool,
    /// The Syncs a COPY IN makes the server ignore.
    copy_in: copy_in::CopyIn,
    /// Transaction status of the last ReadyForQuery.
    status: TransactionStatus,
    /// What `SHOW CLIENTS` prints.
    info: Arc<ClientInfo>,
    /// Statement renaming; transaction mode only.
    prepared: Option<Prepared>,
    /// What the server's messages say about session state changes (transaction mode).
    watch: StateWatch,
    shared: Arc<Shared>,
    /// A graceful stop was asked for: end at the next transaction boundary.
    draining: bool,
    /// The pool's kill count when this session started (or moved to a reloaded pool).
    kills_seen: u64,
    /// When the first message not yet answered by ReadyForQuery was sent.
    query_started: Option<Instant>,
    /// When the current transaction's first message was sent.
    xact_started: Option<Instant>,
    /// `SET SERVER ROLE` / `SET SHARD` / ... of this client (pools of several servers).
    routing: ClientRouting,
    /// The pool has several servers: each transaction is routed on its own.
    routed: bool,
    /// State few sessions need (boxed, so idle clients stay small).
    rare: Option<Box<Rare>>,
}

/// The parts of a session only some pools use.
#[derive(Debug, Default)]
struct Rare {
    /// A Parse that starts a transaction and binds the sharding key (or the model) to a
    /// parameter: held until its Bind says where the transaction goes.
    deferred: Option<BytesMut>,
    /// Connections to the mirrors of the server in use, when it has any.
    mirrors: Option<mirrors::SessionMirrors>,
    /// The settings the client gave at startup, once it changed one of them (`SET`):
    /// what `RESET` and `DISCARD ALL` return to.
    startup_settings: Option<Arc<params::ClientSettings>>,
    /// Which of the client's settings (bit i: entry i) the server reported changed
    /// since the last ReadyForQuery (PostgreSQL reports changes just before it).
    reported: u64,
    /// The client ran `RESET` (`Effect::SettingsReset`) or `DISCARD ALL`
    /// (`Effect::Discarded`) since the last ReadyForQuery.
    reset: Option<Effect>,
    /// A `RESET` or `DISCARD ALL` put the server's settings back at the router's login
    /// values: the client's are applied again at the next quiet ReadyForQuery.
    restore: bool,
}

fn client_inspect_session(tag: u8) -> Option<usize> {
    (tag == b'X').then_some(MAX_CONTROL_MESSAGE)
}

fn client_inspect_transaction(tag: u8) -> Option<usize> {
    match tag {
        b'X' | b'H' => Some(MAX_CONTROL_MESSAGE),
        b'P' | b'B' | b'D' | b'C' => Some(MAX_MESSAGE),
        _ => None,
    }
}

/// Pools of several servers: Query and Parse too, to route by the statement.
fn client_inspect_routed_transaction(tag: u8) -> Option<usize> {
    match tag {
        b'Q' => Some(MAX_MESSAGE),
        other => client_inspect_transaction(other),
    }
}

fn client_inspect_routed_session(tag: u8) -> Option<usize> {
    match tag {
        b'Q' | b'P' => Some(MAX_MESSAGE),
        other => client_inspect_session(other),
    }
}

/// CommandComplete too: a `RESET` or `DISCARD ALL` brings back the router's login
/// settings (see `settings::restore_after_reset`).
fn server_inspect_session(tag: u8) -> Option<usize> {
    matches!(tag, b'Z' | b'S' | b'C').then_some(MAX_CONTROL_MESSAGE)
}

/// CommandComplete too: its tag tells whether the client changed the session state
/// (see `super::reset`).
fn server_inspect_transaction(tag: u8) -> Option<usize> {
    matches!(tag, b'Z' | b'S' | b'1' | b'C').then_some(MAX_CONTROL_MESSAGE)
}

impl Session {
    /// A session over a logged-in client.
    pub fn new(client: Stream, cbuf: BytesMut, login: PoolLogin, shared: &Arc<Shared>) -> Session {
        let info = Arc::new(ClientInfo {
            names: Arc::clone(&login.pool.names),
            addr: login.peer,
            local: client.local_addr(),
            tls: client.is_tls(),
            connect_time: SystemTime::now(),
            state: StateCell::new(ConnState::Idle),
            request: Default::default(),
            settings: std::sync::Mutex::new(Arc::clone(&login.settings)),
            signal_waker: WakerSlot::default(),
        });
        let transaction = login.pool.mode == PoolMode::Transaction;
        // Pools that read statements: several servers, or model affinity.
        let routed = login.pool.is_routed() || login.pool.routing.model_affinity;
        let (cinspect, sinspect): (Inspect, Inspect) = match (transaction, routed) {
            (true, false) => (client_inspect_transaction, server_inspect_transaction),
            (true, true) => (
                client_inspect_routed_transaction,
                server_inspect_transaction,
            ),
            (false, false) => (client_inspect_session, server_inspect_session),
            (false, true) => (client_inspect_routed_session, server_inspect_session),
        };
        let kills_seen = login.pool.kills();
        Session {
            info,
            prepared: transaction.then(Prepared::default),
            watch: StateWatch::default(),
            client,
            cbuf,
            login,
            server: None,
            cscan: Scanner::new(MAX_MESSAGE, cinspect),
            sscan: Scanner::new(MAX_MESSAGE, sinspect),
            in_flight: 0,
            unsynced: false,
            copy_in: Default::default(),
            status: TransactionStatus::Idle,
            kills_seen,
            shared: Arc::clone(shared),
            draining: false,
            query_started: None,
            xact_started: None,
            routing: ClientRouting::default(),
            routed,
            rare: None,
        }
    }

    fn pool(&self) -> &Arc<Pool> {
        &self.login.pool
    }

    /// Runs until the client leaves, an error ends the session or the router stops.
    /// (By reference: an `async fn` taking the session by value would hold it twice
    /// in its future, as the argument and as the local it is moved into.)
    pub async fn run(&mut self, shared: &Shared) {
        shared.clients.register(&self.info);
        self.pool().stats.cl_active.inc();
        let end = self.pump().await;
        // The kept waker refers to this task: not kept past the session.
        self.info.signal_waker.clear();
        // Boxed: runs once, and would otherwise add its size to every idle client.
        Box::pin(self.finish(end)).await;
        self.pool().stats.cl_active.dec();
    }

    async fn pump(&mut self) -> End {
        let kills = self.shared.stop_watch().borrow().kills;
        let mut stop = CheapSignal::new(&self.shared, &self.info, Stop::Running, kills);
        // A KILL of this pool between the session's start and the read above is not a
        // change the signal will see.
        if self.login.pool.kills() != self.kills_seen {
            return End::Killed;
        }
        let mut stop_seen = Stop::Running;
        loop {
            let attached = self.server.is_some();
            let between = !attached && self.cbuf.is_empty();
            if between && self.cbuf.capacity() > 0 {
                // Between transactions nothing is pending: give the read buffer back
                // rather than pin it for as long as the client stays idle.
                self.cbuf = BytesMut::new();
            }
            // What starts a transaction is usually one short message: a small buffer
            // (allocated again for every transaction) does, and reads inside a
            // transaction get the full size.
            let room = if between { FIRST_READ } else { READ_CHUNK };
            let holding = self.holding();
            // Biased: the stop watch first (one atomic load while nothing changed, see
            // `CheapSignal`), then the server: a wakeup for the server's answer polls only
            // the server's socket (a wakeup for a client's first message finds no server
            // attached), and no random order is drawn per wakeup.
            tokio::select! {
                biased;
                seen = &mut stop, if stop_seen != Stop::Now => {
                    if let Some(end) = self.on_signal(seen, &mut stop_seen, &mut stop) {
                        return end;
                    }
                }
                read = read_server(&mut self.server), if attached => match read {
                    Ok(0) => return End::ServerLost("server closed the connection".to_owned()),
                    Err(e) => return End::ServerLost(e.to_string()),
                    Ok(_) => {
                        if let Some(end) = self.on_server_data().await {
                            return end;
                        }
                        // Requests held back while the server answered go on now (to
                        // another server if the transaction ended).
                        if holding && !self.holding() {
                            if let Some(end) = self.on_client_data().await {
                                return end;
                            }
                        }
                    }
                },
                read = read_client(&mut self.client, &mut self.cbuf, room), if !holding => match read {
                    Ok(0) | Err(_) => return End::ClientGone,
                    Ok(n) => {
                        self.login.pool.stats.received.add(n as u64);
                        if let Some(end) = self.on_client_data().await {
                            return end;
                        }
                    }
                },
            }
        }
    }

    /// Forwards what the client sent, checking out a server first if needed.
    async fn on_client_data(&mut self) -> Option<End> {
        let mut out = BytesMut::new();
        let mut end = None;
        loop {
            if self.holding() {
                break;
            }
            let piece = match self.cscan.next(&mut self.cbuf) {
                Ok(Some(piece)) => piece,
                Ok(None) => break,
                Err(e) => {
                    end = Some(End::Refused(ClientError::fatal(
                        SqlState::PROTOCOL_VIOLATION,
                        format!("invalid message from client: {e}"),
                    )));
                    break;
                }
            };
            if let Piece::Inspect { tag: b'Q', frame } = &piece {
                if self.login.pool.is_routed() && out.is_empty() && self.at_rest() {
                    if let Some(command) = statement_text(b'Q', frame).and_then(parse_command) {
                        // Boxed: only router commands get here.
                        if let Err(end) = Box::pin(self.answer_command(command)).await {
                            return Some(end);
                        }
                        continue;
                    }
                }
            }
            if self.routed && self.server.is_none() && self.deferred().is_none() {
                let waits = match &piece {
                    Piece::Inspect { tag: b'P', frame } => {
                        parse_waits_for_bind(&self.login.pool, frame)
                    }
                    _ => false,
                };
                if waits {
                    self.count_client_message(b'P');
                    self.rare.get_or_insert_default().deferred = Some(piece.into_bytes());
                    continue;
                }
            }
            match &piece {
                // A Flush with nothing pending (one after a Sync): nothing to flush, and
                // no reason to take a server connection that no answer would give back.
                Piece::Inspect { tag: b'H', .. } if self.server.is_none() && !self.unsynced => {
                    continue
                }
                Piece::Inspect { tag: b'X', .. } => {
                    end = Some(End::Terminate);
                    break;
                }
                Piece::Inspect { tag, .. } | Piece::Start { tag, .. } => {
                    let tag = *tag;
                    let answered = self.count_client_message(tag);
                    if self.server.is_none() {
                        let route = if self.routed {
                            self.route_of(&piece)
                        } else {
                            Route::default()
                        };
                        // Boxed (a small allocation per transaction): waiting for a
                        // server is the largest state of a session, and an idle
                        // client would otherwise carry room for it.
                        if let Err(end) = Box::pin(self.attach(route)).await {
                            return Some(end);
                        }
                        if let Some(deferred) = self.rare.as_mut().and_then(|r| r.deferred.take()) {
                            if let Err(end) = self.forward_inspected(deferred, &mut out) {
                                return Some(end);
                            }
                        }
                    }
                    if let Some(prepared) = self.prepared.as_mut().filter(|_| answered) {
                        prepared.note_sent(tag);
                    }
                }
                Piece::More(_) => {}
            }
            match piece {
                Piece::Inspect { frame, .. } => {
                    if let Err(e) = self.forward_inspected(frame, &mut out) {
                        end = Some(e);
                        break;
                    }
                }
                other => out.unsplit(other.into_bytes()),
            }
        }
        if !out.is_empty() {
            if self.server.is_none() {
                return Some(End::Refused(ClientError::fatal(
                    SqlState::INTERNAL_ERROR,
                    "message continuation without a server connection",
                )));
            }
            if let Some(end) = self.send_to_server(&out).await {
                return Some(end);
            }
            if self
                .server
                .as_ref()
                .is_some_and(|s| !s.member().mirrors.is_empty())
            {
                self.send_to_mirrors(&out);
            }
        }
        end
    }

    /// Appends a whole client message for the attached server to `out`, its statement
    /// names rewritten in transaction mode.
    fn forward_inspected(&mut self, frame: BytesMut, out: &mut BytesMut) -> Result<(), End> {
        match (self.prepared.as_mut(), self.server.as_mut()) {
            (Some(prepared), Some(server)) => {
                prepared.rewrite(frame, &mut server.conn, out).map_err(|e| {
                    End::Refused(ClientError::fatal(
                        SqlState::PROTOCOL_VIOLATION,
                        format!("cannot re-encode client message: {e}"),
                    ))
                })
            }
            _ => {
                out.unsplit(frame);
                Ok(())
            }
        }
    }

    /// Checks out a server connection of the route's servers and attaches it to this
    /// client.
    async fn attach(&mut self, route: Route) -> Result<(), End> {
        // The clock was read when the transaction's first message came (just now),
        // unless that was a Parse held back until its Bind (which comes when it comes).
        let now = match self.query_started {
            Some(at) if self.deferred().is_none() => at,
            _ => Instant::now(),
        };
        self.info.request.set(now);
        self.info.state.set(ConnState::Waiting);
        let mut checkout = self.login.pool.checkout_at(route, now).await;
        // A reload replaced the pool (while idle or waiting): go on in the new one.
        if self.login.pool.is_retired() {
            if let Err(e) = checkout {
                self.follow_reload(e)?;
                checkout = self.login.pool.checkout(route).await;
            }
        }
        self.info.state.set(ConnState::Active);
        let mut checkout = checkout.map_err(End::Refused)?;
        let client = self.prepared.as_ref().map(Prepared::client_id);
        if reset::needs_reset(&checkout.conn, client) {
            // Boxed: only connections another client changed get here.
            checkout = Box::pin(reset::clean(&self.login.pool, checkout, client, route))
                .await
                .map_err(End::Refused)?;
        }
        self.apply_settings(&mut checkout)
            .await
            .map_err(End::Refused)?;
        debug!(peer = %self.login.peer, pool = %self.login.pool.name(),
               backend_pid = checkout.conn.cancel.process_id, "server attached");
        self.login
            .registration
            .attach(Some(checkout.conn.cancel.clone()));
        if let Some(prepared) = self.prepared.as_mut() {
            prepared.detach();
        }
        self.server = Some(checkout);
        Ok(())
    }

    /// Moves the client to the pool that replaced its retired one; `err` is what it
    /// gets if there is none.
    fn follow_reload(&mut self, err: ClientError) -> Result<(), End> {
        let old = Arc::clone(&self.login.pool);
        let Some(new) = self.shared.pools.get(&old.database, &old.user) else {
            return Err(End::Refused(err));
        };
        debug!(peer = %self.login.peer, pool = %old.name(), "client moved to the reloaded pool");
        old.stats.cl_active.dec();
        new.stats.cl_active.inc();
        self.kills_seen = new.kills();
        self.login.pool = new;
        Ok(())
    }

    /// Counts a client message about to be forwarded; false for a Sync the server
    /// ignores (inside a COPY IN), which gets no ReadyForQuery.
    fn count_client_message(&mut self, tag: u8) -> bool {
        if !self.copy_in.forwarded(tag) {
            return false;
        }
        if self.query_started.is_none() {
            let now = Instant::now();
            self.query_started = Some(now);
            self.xact_started.get_or_insert(now);
        }
        let stats = &self.login.pool.stats;
        match tag {
            b'Q' | b'F' => {
                self.in_flight += 1;
                stats.query_count.inc();
            }
            b'S' => {
                self.in_flight += 1;
                self.unsynced = false;
                stats.query_count.inc();
            }
            // Not Flush: it asks for nothing a Sync must end.
            b'P' | b'B' | b'D' | b'E' | b'C' => self.unsynced = true,
            _ => {}
        }
        true
    }

    /// Forwards what the server sent; releases the server when the transaction is over.
    async fn on_server_data(&mut self) -> Option<End> {
        let server = self.server.as_mut()?;
        // What goes to the client. Messages are found by offset (`at`: where the scanned
        // ones end) and split off the read buffer once per run, not one by one; only a
        // message the client must not see (a ParseComplete of a statement the router
        // prepared) breaks the run.
        let mut out = BytesMut::new();
        let mut at = 0;
        // The clock, read once: for the statistics and for the release.
        let mut answered: Option<Instant> = None;
        // The type of the last message that started here (a ReadyForQuery ends `out` then).
        let mut last = 0u8;
        loop {
            let span = match self.sscan.next_at(&server.conn.buf, at) {
                Ok(Some(span)) => span,
                Ok(None) => break,
                Err(e) => {
                    return Some(End::ServerLost(format!("invalid message from server: {e}")))
                }
            };
            at = span.end;
            let tag = match span.kind {
                SpanKind::More => continue,
                SpanKind::Start(tag) => {
                    last = tag;
                    self.watch.saw(tag);
                    match tag {
                        b'G' => {
                            let started = self.copy_in.started();
                            let ignored = started.ignored_syncs as usize;
                            self.in_flight = self.in_flight.saturating_sub(ignored);
                            if let Some(prepared) = self.prepared.as_mut() {
                                prepared.ignored_syncs(ignored);
                            }
                            if started.awaits_sync {
                                self.unsynced = true;
                            }
                        }
                        b'E' => self.copy_in.error(),
                        _ => {}
                    }
                    continue;
                }
                SpanKind::Inspect(tag) => {
                    last = tag;
                    tag
                }
            };
            let body = server
                .conn
                .buf
                .get(span.start + pgwire::HEADER_LEN..span.end)
                .unwrap_or_default();
            match tag {
                b'C' => {
                    let effect = self.watch.command_complete(body);
                    settings::note_reset(&mut self.rare, effect);
                    match (effect, &self.prepared) {
                        (Effect::None, _) => {}
                        (effect, Some(prepared)) => {
                            reset::apply(effect, &mut server.conn, prepared.client_id());
                        }
                        (Effect::SettingsReset | Effect::Discarded, None) => {
                            server.conn.reset_settings();
                        }
                        (_, None) => {}
                    }
                }
                b'1' => {
                    self.watch.saw(tag);
                    let forward = self
                        .prepared
                        .as_mut()
                        .is_none_or(|p| p.forward_server_message(b'1', &mut server.conn.prepared));
                    if !forward {
                        // Forward what came before; drop this one.
                        let before = server.conn.buf.split_to(span.start);
                        out.unsplit(before);
                        server.conn.buf.advance(span.end - span.start);
                        at = 0;
                    }
                }
                b'S' => {
                    self.watch.saw(tag);
                    if let Ok(p) = ParameterStatus::decode(body) {
                        server.conn.record_setting(&p.name, &p.value);
                        if settings::reported(&mut self.login.settings, &mut self.rare, &p) {
                            // The connection has the client's new settings.
                            server.conn.synced_with = self.login.settings.id;
                            self.info.set_settings(&self.login.settings);
                        }
                    }
                }
                b'Z' => {
                    self.watch.saw(tag);
                    let Some(status) = body
                        .first()
                        .and_then(|&b| TransactionStatus::from_byte(b).ok())
                    else {
                        return Some(End::ServerLost(
                            "invalid ReadyForQuery from server".to_owned(),
                        ));
                    };
                    self.status = status;
                    self.in_flight = self.in_flight.saturating_sub(1);
                    if let Some(rare) = self.rare.as_mut() {
                        if settings::follow_reset(&mut self.login.settings, rare, &server.conn) {
                            self.info.set_settings(&self.login.settings);
                        }
                    }
                    if let Some(prepared) = self.prepared.as_mut() {
                        prepared.forward_server_message(b'Z', &mut server.conn.prepared);
                    }
                    let stats = &self.login.pool.stats;
                    if self.in_flight == 0 {
                        if let Some(started) = self.query_started.take() {
                            let now = *answered.get_or_insert_with(Instant::now);
                            stats.query_time_us.add(micros(now - started));
                            if status == TransactionStatus::Idle {
                                if let Some(x) = self.xact_started.take() {
                                    stats.xact_time_us.add(micros(now - x));
                                }
                            }
                        }
                    }
                    if status == TransactionStatus::Idle {
                        stats.xact_count.inc();
                    }
                }
                other => self.watch.saw(other),
            }
        }
        if at > 0 {
            out.unsplit(server.conn.buf.split_to(at));
        }
        let quiet = self.in_flight == 0 && !self.unsynced && server.conn.buf.is_empty();
        if let Some(rare) = self
            .rare
            .as_mut()
            .filter(|r| r.restore && quiet && last == b'Z')
        {
            // Boxed: only after a RESET or DISCARD ALL.
            let restore = settings::restore_after_reset(
                &self.login.settings,
                &mut server.conn,
                &self.login.pool,
                self.status,
                &mut out,
            );
            match Box::pin(restore).await {
                Ok(done) => rare.restore = !done,
                Err(e) => return Some(End::Refused(e)),
            }
        }
        let idle_now = self.in_flight == 0
            && !self.unsynced
            && self.status == TransactionStatus::Idle
            && self.sscan.at_boundary()
            && server.conn.buf.is_empty();
        if !out.is_empty() {
            if self.client.send(&out).await.is_err() {
                return Some(End::ClientGone);
            }
            self.login.pool.stats.sent.add(out.len() as u64);
        }
        if idle_now && self.login.pool.mode == PoolMode::Transaction {
            if let Some(mut checkout) = self.server.take() {
                debug!(peer = %self.login.peer, backend_pid = checkout.conn.cancel.process_id,
                       "server released");
                self.info.state.set(ConnState::Idle);
                self.login.registration.attach(None);
                if checkout.conn.prepared.len() > MAX_SERVER_STATEMENTS {
                    // Re-prepared on demand by the clients that still use them.
                    match Box::pin(checkout.conn.simple_query("DEALLOCATE ALL")).await {
                        Ok(TransactionStatus::Idle) => {
                            checkout.conn.prepared.clear();
                            self.login.pool.release(checkout);
                        }
                        _ => drop(checkout),
                    }
                } else {
                    let now = answered.unwrap_or_else(Instant::now);
                    self.login.pool.release_at(checkout, now);
                }
            }
        }
        if self.draining {
            return self.drained();
        }
        None
    }

    /// Tells the client why it ends, then cleans up or discards the server connection.
    async fn finish(&mut self, end: End) {
        let pool = Arc::clone(&self.login.pool);
        let peer = self.login.peer;
        // Part of a server message already went to the client: an ErrorResponse now would
        // land inside it, so the client is closed without a word.
        let speechless = !self.sscan.at_boundary();
        match &end {
            End::ClientGone | End::Terminate => {
                info!(%peer, pool = %pool.name(), "client disconnected")
            }
            End::Dropped => info!(%peer, pool = %pool.name(), "client closed by the router"),
            End::Killed => {
                info!(%peer, pool = %pool.name(), "client closed by KILL");
                // Its server connection (if any) closes with it, unreset.
                self.server = None;
                let err = ClientError::fatal(
                    SqlState::ADMIN_SHUTDOWN,
                    format!(
                        "terminating connection: database \"{}\" was killed (KILL {})",
                        pool.database, pool.database
                    ),
                );
                if !speechless {
                    super::send_error(&mut self.client, &err).await;
                }
            }
            End::Refused(err) => {
                warn!(%peer, pool = %pool.name(), error = %err, "client session ended by router");
                if !speechless {
                    super::send_error(&mut self.client, err).await;
                }
            }
            End::ServerLost(why) => {
                warn!(%peer, pool = %pool.name(), error = %why, "server connection lost");
                self.server = None;
                let err = ClientError::fatal(
                    SqlState::CONNECTION_FAILURE,
                    format!("server connection of pool {} was lost: {why}", pool.name()),
                );
                if !speechless {
                    super::send_error(&mut self.client, &err).await;
                }
            }
        }
        self.login.registration.attach(None);
        let Some(mut checkout) = self.server.take() else {
            return;
        };
        let mid_message = !self.cscan.at_boundary() || !self.sscan.at_boundary();
        if self.in_flight > 0 || self.unsynced || mid_message {
            debug!(pool = %pool.name(), "closing server connection left busy by the client");
            return;
        }
        let status = self.status;
        let session_mode = pool.mode == PoolMode::Session;
        let reset = async {
            let mut status = status;
            if status != TransactionStatus::Idle {
                status = checkout.conn.simple_query("ROLLBACK").await?;
            }
            if session_mode {
                status = checkout.conn.discard_all().await?;
            }
            Ok::<_, QueryError>(status)
        };
        let limit = pool.target_timeout();
        match tokio::time::timeout(limit, reset).await {
            Ok(Ok(TransactionStatus::Idle)) => pool.release(checkout),
            Ok(Ok(other)) => warn!(pool = %pool.name(), status = ?other,
                                   "server connection not idle after reset; closing it"),
            Ok(Err(e)) => warn!(pool = %pool.name(), error = %e,
                                "server connection reset failed; closing it"),
            Err(_) => warn!(pool = %pool.name(), "server connection reset timed out; closing it"),
        }
    }
}

fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}
