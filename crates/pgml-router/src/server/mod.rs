//! Connections to PostgreSQL servers: opening and logging in (`login`), and the
//! connection object the pool hands out.

mod login;

use std::sync::Arc;
use std::time::Instant;

use crate::stream::Stream;
use crate::wire::{read_frame, ReadError, MAX_LOGIN_MESSAGE};
use bytes::BytesMut;
use pgwire::backend::{tag, DataRow, ErrorResponse, TransactionStatus};
use pgwire::frontend::Query;

pub use login::{connect, start_tls, LoginError, ServerTarget};

/// Why a router-issued query failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The server answered with an error (the connection is still usable).
    #[error("{}", .0.message().unwrap_or("server error"))]
    Server(ErrorResponse),
    /// The connection broke or spoke nonsense.
    #[error("{0}")]
    Broken(String),
}

/// What a router-issued query keeps of the server's answer besides its status.
enum Collect<'a> {
    Nothing,
    /// Data rows, as text.
    Rows(&'a mut Vec<Vec<Option<String>>>),
    /// ParameterStatus messages, whole.
    Reports(&'a mut BytesMut),
}

/// What a client's CancelRequest must be sent to for this connection.
#[derive(Debug, Clone)]
pub struct CancelTarget {
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// The server backend's process id.
    pub process_id: i32,
    /// The server backend's secret key.
    pub secret_key: pgwire::SecretKey,
    /// `server_tls`: the cancel goes over TLS too, so the key never crosses the network
    /// in clear.
    pub tls: Option<Arc<crate::tls::ServerTls>>,
}

/// How many models a server connection remembers having served.
pub const MODELS_REMEMBERED: usize = 4;

/// One logged-in server connection.
#[derive(Debug)]
pub struct ServerConn {
    /// The socket, plain or TLS.
    pub stream: Stream,
    /// Bytes read from the server and not consumed yet.
    pub buf: BytesMut,
    /// Where cancels for this backend go.
    /// Shared with the client's cancel slot while attached (a clone per transaction is
    /// a reference count, not a copy of the host name and key).
    pub cancel: Arc<CancelTarget>,
    /// ParameterStatus values reported at login.
    pub params: Vec<(String, String)>,
    /// Settings the connection has now, as far as the router knows: the login
    /// values, then what clients set (see `client::params`).
    pub settings: Vec<(String, String)>,
    /// The id (`client::params::ClientSettings::id`) of the client settings list these
    /// settings were last found to match; 0 after any change.
    pub synced_with: u64,
    /// Server-side names of the prepared statements this connection has (transaction
    /// mode renames clients' statements; see `client::prepared`).
    pub prepared: std::collections::HashSet<String>,
    /// The client (transaction mode) that changed this connection's session state
    /// (`SET`, `PREPARE`, `LISTEN`, temporary tables...): any other client gets it
    /// only after `DISCARD ALL` (see `client::reset`).
    pub dirtied_by: Option<u64>,
    /// When the connection was opened.
    pub created: Instant,
    /// The pool's `RECONNECT` count when it was opened: an older one is not reused.
    pub generation: u64,
    /// When it last went back to the pool.
    pub idle_since: Instant,
    /// Keys of the models this connection served last, most recent first (0: none), for
    /// model affinity: its backend holds them in its cache.
    pub models: [u64; MODELS_REMEMBERED],
    /// What `SHOW SERVERS` prints; set by the pool.
    pub info: Option<std::sync::Arc<crate::registry::ServerInfo>>,
    /// The `max_db_connections` / `max_user_connections` counts this connection holds
    /// (set by the pool); dropped with it.
    pub slots: Option<crate::pool::OpenSlots>,
}

impl Drop for ServerConn {
    /// Says goodbye (Terminate) if the socket takes it without blocking, so the server
    /// does not log an unexpected EOF; then the socket closes.
    fn drop(&mut self) {
        self.stream.send_now(&[b'X', 0, 0, 0, 4]);
    }
}

impl ServerConn {
    /// The known current value of a setting (names are case-insensitive).
    pub fn setting(&self, name: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Records a setting's new value.
    pub fn record_setting(&mut self, name: &str, value: &str) {
        match self
            .settings
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            Some(slot) if slot.1 == value => return,
            Some(slot) => slot.1 = value.to_owned(),
            None => self.settings.push((name.to_owned(), value.to_owned())),
        }
        self.synced_with = 0;
    }

    /// The value the server reported for a setting at login, its default (names are
    /// case-insensitive); `None` for settings the server does not report.
    pub fn login_value(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A setting back at its default (`RESET`): the login value, or, for one the server
    /// does not report, nothing known.
    pub fn restore_default(&mut self, name: &str) {
        match self.login_value(name).map(str::to_owned) {
            Some(value) => self.record_setting(name, &value),
            None => {
                self.settings.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
                self.synced_with = 0;
            }
        }
    }

    /// Back to the login values (after `DISCARD ALL`).
    pub fn reset_settings(&mut self) {
        self.settings = self.params.clone();
        self.synced_with = 0;
    }

    /// Runs `DISCARD ALL` and forgets what it undid: settings are the login values
    /// again (so clients' startup settings are applied anew), and no prepared
    /// statement is left, the router's renamed ones included.
    pub async fn discard_all(&mut self) -> Result<TransactionStatus, QueryError> {
        let status = self.simple_query("DISCARD ALL").await?;
        self.reset_settings();
        self.prepared.clear();
        self.dirtied_by = None;
        Ok(status)
    }

    /// Whether this connection served the model `key` lately.
    pub fn served(&self, key: u64) -> bool {
        self.models.contains(&key)
    }

    /// Whether this connection served no model yet.
    pub fn served_none(&self) -> bool {
        self.models[0] == 0
    }

    /// Records that this connection serves model `key` (most recent first; the oldest
    /// falls off).
    pub fn note_model(&mut self, key: u64) {
        crate::model_key::remember(&mut self.models, key);
    }

    /// True when the socket is still open and the server sent nothing unasked.
    pub fn looks_healthy(&mut self) -> bool {
        self.buf.is_empty() && self.stream.looks_healthy()
    }

    /// Runs one simple query and waits for its ReadyForQuery; returns the transaction
    /// status, or the server's error message.
    pub async fn simple_query(&mut self, sql: &str) -> Result<TransactionStatus, QueryError> {
        self.run_query(sql, Collect::Nothing).await
    }

    /// Runs one simple query and returns its rows as text (NULL is `None`).
    pub async fn query_rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, QueryError> {
        let mut rows = Vec::new();
        self.run_query(sql, Collect::Rows(&mut rows)).await?;
        Ok(rows)
    }

    /// Runs one simple query and appends the ParameterStatus messages the server sends
    /// (settings it changed) to `reports`, as they came, for the client.
    pub async fn query_reporting(
        &mut self,
        sql: &str,
        reports: &mut BytesMut,
    ) -> Result<TransactionStatus, QueryError> {
        self.run_query(sql, Collect::Reports(reports)).await
    }

    async fn run_query(
        &mut self,
        sql: &str,
        mut collect: Collect<'_>,
    ) -> Result<TransactionStatus, QueryError> {
        let broken = |e: String| QueryError::Broken(e);
        let mut out = BytesMut::new();
        Query::new(sql)
            .encode(&mut out)
            .map_err(|e| broken(e.to_string()))?;
        self.stream
            .send(&out)
            .await
            .map_err(|e| broken(e.to_string()))?;
        let mut failure = None;
        loop {
            let frame = read_frame(&mut self.stream, &mut self.buf, pgwire::MAX_MESSAGE_LEN)
                .await
                .map_err(|e: ReadError| broken(e.to_string()))?;
            match frame.tag() {
                tag::ERROR_RESPONSE => {
                    let resp =
                        ErrorResponse::decode(frame.body()).map_err(|e| broken(e.to_string()))?;
                    failure = Some(QueryError::Server(resp));
                }
                tag::READY_FOR_QUERY => {
                    let status = frame
                        .body()
                        .first()
                        .and_then(|&b| TransactionStatus::from_byte(b).ok())
                        .ok_or_else(|| broken("bad ReadyForQuery".to_owned()))?;
                    return match failure {
                        Some(e) => Err(e),
                        None => Ok(status),
                    };
                }
                tag::DATA_ROW if matches!(collect, Collect::Rows(_)) => {
                    let row = DataRow::decode(frame.body()).map_err(|e| broken(e.to_string()))?;
                    if let Collect::Rows(rows) = &mut collect {
                        rows.push(
                            row.values
                                .iter()
                                .map(|v| {
                                    v.as_ref().map(|b| String::from_utf8_lossy(b).into_owned())
                                })
                                .collect(),
                        );
                    }
                }
                tag::PARAMETER_STATUS if matches!(collect, Collect::Reports(_)) => {
                    if let Collect::Reports(reports) = &mut collect {
                        reports.extend_from_slice(frame.as_bytes());
                    }
                }
                _ if frame.as_bytes().len() > MAX_LOGIN_MESSAGE => {
                    return Err(broken("unexpected large reply".to_owned()))
                }
                _ => {}
            }
        }
    }
}
