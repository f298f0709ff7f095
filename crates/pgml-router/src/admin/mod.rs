//! The admin console: a simple-query session on database `pgml-router` (or `pgbouncer`,
//! `pgcat`) that answers `SHOW ...` commands with PgBouncer's column names, and
//! `RELOAD`, `PAUSE [db]`, `RESUME [db]`, `RECONNECT [db]`, `DISABLE db`, `ENABLE db`,
//! `KILL db`, `SHUTDOWN`, `WAIT_CLOSE [db]`, `SET key = value`. Each command lives in its own
//! file: the SHOW ones behind [`ShowCommand`], the others as a `run` function.

mod bans;
mod clients;
mod config;
mod databases;
mod disable;
mod enable;
mod kill;
mod lists;
mod pause;
pub(crate) mod pools;
mod reconnect;
mod reload;
mod resume;
mod servers;
mod set;
mod shutdown;
mod stats;
mod users;
mod version;
mod wait_close;

use bytes::{Bytes, BytesMut};
use pgwire::backend::{
    CommandComplete, DataRow, FieldDescription, NoticeResponse, ReadyForQuery, RowDescription,
    Severity, TransactionStatus,
};
use pgwire::frontend::Query;
use pgwire::SqlState;
use tracing::{debug, info};

use crate::error::ClientError;
use crate::shared::{stop_past, Stop};
use crate::stream::Stream;
use crate::wire::read_frame;
use crate::Shared;

/// Largest message the console accepts.
const MAX_ADMIN_MESSAGE: usize = 1024 * 1024;

/// A column's type, as PgBouncer declares it (tools with typed drivers read counts as
/// integers, `SHOW STATS` figures as numeric).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Text,
    Int4,
    Numeric,
}

impl Type {
    fn oid_and_size(self) -> (u32, i16) {
        match self {
            Type::Text => (25, -1),
            Type::Int4 => (23, 4),
            Type::Numeric => (1700, -1),
        }
    }
}

/// A column: name and type.
pub type Column = (&'static str, Type);

/// One `SHOW <name>` command.
pub trait ShowCommand: Sync {
    /// The word after SHOW, upper case.
    fn name(&self) -> &'static str;
    /// Column names and types, as PgBouncer prints them.
    fn columns(&self) -> &'static [Column];
    /// The rows, one string per column.
    fn rows(&self, shared: &Shared) -> Vec<Vec<String>>;
    /// The rows as sent, `None` being NULL; commands with NULL columns override it.
    fn cells(&self, shared: &Shared) -> Vec<Vec<Option<String>>> {
        self.rows(shared)
            .into_iter()
            .map(|row| row.into_iter().map(Some).collect())
            .collect()
    }
}

/// Every command the console knows.
pub fn commands() -> [&'static dyn ShowCommand; 13] {
    [
        &bans::Bans,
        &lists::Lists,
        &pools::Pools,
        &version::Version,
        &config::ShowConfig,
        &databases::Databases,
        &clients::Clients,
        &servers::Servers,
        &stats::Stats,
        &stats::StatsTotals,
        &stats::StatsAverages,
        &stats::ShowTotals,
        &users::Users,
    ]
}

/// Serves the console until the client leaves.
pub async fn run(shared: &Shared, mut stream: Stream, mut buf: BytesMut) {
    let mut skipping_to_sync = false;
    let mut stop = stop_past(shared.stop_watch(), Stop::Running);
    loop {
        let frame = tokio::select! {
            read = read_frame(&mut stream, &mut buf, MAX_ADMIN_MESSAGE) => match read {
                Ok(frame) => frame,
                Err(e) => {
                    debug!(error = %e, "admin console client gone");
                    return;
                }
            },
            _ = &mut stop => {
                let err = ClientError::fatal(
                    SqlState::ADMIN_SHUTDOWN,
                    "terminating connection: pgml-router is shutting down",
                );
                crate::client::send_error(&mut stream, &err).await;
                return;
            }
        };
        let mut out = BytesMut::new();
        match frame.tag() {
            b'X' => return,
            b'Q' => {
                match Query::decode(frame.body()) {
                    Ok(q) => answer(shared, &q.query, &mut out).await,
                    Err(e) => ClientError::error(
                        SqlState::PROTOCOL_VIOLATION,
                        format!("invalid Query message: {e}"),
                    )
                    .encode(&mut out),
                }
                ready(&mut out);
            }
            b'S' => {
                skipping_to_sync = false;
                ready(&mut out);
            }
            _ if skipping_to_sync => continue,
            _ => {
                skipping_to_sync = true;
                ClientError::error(
                    SqlState::FEATURE_NOT_SUPPORTED,
                    "the admin console supports the simple query protocol only",
                )
                .encode(&mut out);
            }
        }
        if stream.send(&out).await.is_err() {
            return;
        }
    }
}

fn ready(out: &mut BytesMut) {
    ReadyForQuery {
        status: TransactionStatus::Idle,
    }
    .encode(out);
}

/// The action commands, for the "unsupported command" hint.
const ACTIONS: [&str; 10] = [
    "RELOAD",
    "PAUSE [db]",
    "RESUME [db]",
    "RECONNECT [db]",
    "DISABLE db",
    "ENABLE db",
    "KILL db",
    "SHUTDOWN",
    "WAIT_CLOSE [db]",
    "SET key = value",
];

/// What an action command did: notices to show, then its command tag.
pub struct Done {
    /// NOTICE messages sent before CommandComplete.
    pub notices: Vec<String>,
    /// The CommandComplete tag.
    pub tag: &'static str,
}

/// Appends the reply to one query string (without ReadyForQuery).
pub async fn answer(shared: &Shared, sql: &str, out: &mut BytesMut) {
    let text = sql.trim().trim_end_matches(';').trim();
    let words: Vec<&str> = text.split_whitespace().collect();
    info!(command = %text, "admin console command");
    let Some((first, args)) = words.split_first() else {
        let _ = pgwire::backend::BackendMessage::EmptyQueryResponse.encode(out);
        return;
    };
    let done = match first.to_ascii_uppercase().as_str() {
        "SHOW" => return show(shared, text, args, out),
        "RELOAD" => reload::run(shared, args),
        "PAUSE" => pause::run(shared, args).await,
        "RESUME" => resume::run(shared, args),
        "RECONNECT" => reconnect::run(shared, args),
        "DISABLE" => disable::run(shared, args),
        "ENABLE" => enable::run(shared, args),
        "KILL" => kill::run(shared, args),
        "SHUTDOWN" => shutdown::run(shared, args),
        "WAIT_CLOSE" => wait_close::run(shared, args).await,
        "SET" => set::run(shared, text),
        _ => Err(unsupported(text)),
    };
    match done {
        Ok(done) => {
            for notice in done.notices {
                let n =
                    NoticeResponse::new(Severity::Notice, SqlState::SUCCESSFUL_COMPLETION, notice);
                let _ = n.encode(out);
            }
            let _ = CommandComplete::new(done.tag).encode(out);
        }
        Err(e) => e.encode(out),
    }
}

/// `SHOW HELP`: the commands, as a NOTICE (as PgBouncer answers it).
fn help(out: &mut BytesMut) {
    let shows: Vec<&str> = commands().iter().map(|c| c.name()).collect();
    let detail = format!(
        "\n\tSHOW HELP|{}\n\t{}",
        shows.join("|"),
        ACTIONS.join("\n\t")
    );
    let notice = NoticeResponse::new(
        Severity::Notice,
        SqlState::SUCCESSFUL_COMPLETION,
        "Console usage",
    )
    .with_detail(detail);
    let _ = notice.encode(out);
    let _ = CommandComplete::new("SHOW").encode(out);
}

fn unsupported(text: &str) -> ClientError {
    let known: Vec<String> = commands()
        .iter()
        .map(|c| format!("SHOW {}", c.name()))
        .chain(ACTIONS.iter().map(|a| (*a).to_owned()))
        .collect();
    ClientError::error(
        SqlState::SYNTAX_ERROR,
        format!(
            "unsupported admin command \"{text}\"; try {}",
            known.join(", ")
        ),
    )
}

/// The database argument of PAUSE / RESUME, without quotes.
pub(crate) fn database_arg<'a>(
    command: &str,
    args: &[&'a str],
) -> Result<Option<&'a str>, ClientError> {
    match args {
        [] => Ok(None),
        [db] => Ok(Some(db.trim_matches('"'))),
        _ => Err(ClientError::error(
            SqlState::SYNTAX_ERROR,
            format!("{command} takes at most one database name"),
        )),
    }
}

fn show(shared: &Shared, text: &str, args: &[&str], out: &mut BytesMut) {
    let command = match args {
        [name] => {
            let name = name.to_ascii_uppercase();
            commands().into_iter().find(|c| c.name() == name)
        }
        _ => None,
    };
    let Some(command) = command else {
        if matches!(args, [name] if name.eq_ignore_ascii_case("HELP")) {
            help(out);
        } else {
            unsupported(text).encode(out);
        }
        return;
    };
    if let Err(e) = encode_table(command.columns(), &command.cells(shared), out) {
        ClientError::error(
            SqlState::INTERNAL_ERROR,
            format!("cannot encode result: {e}"),
        )
        .encode(out);
    }
}

pub(crate) fn encode_table(
    columns: &[(&str, Type)],
    rows: &[Vec<Option<String>>],
    out: &mut BytesMut,
) -> Result<(), pgwire::Error> {
    let start = out.len();
    let result = (|| {
        RowDescription {
            fields: columns
                .iter()
                .map(|(name, ty)| {
                    let (type_oid, type_size) = ty.oid_and_size();
                    FieldDescription {
                        name: (*name).to_owned(),
                        type_oid,
                        type_size,
                        type_modifier: -1,
                        ..FieldDescription::default()
                    }
                })
                .collect(),
        }
        .encode(out)?;
        for row in rows {
            DataRow {
                values: row
                    .iter()
                    .map(|v| v.as_ref().map(|v| Bytes::copy_from_slice(v.as_bytes())))
                    .collect(),
            }
            .encode(out)?;
        }
        CommandComplete::new("SHOW").encode(out)
    })();
    if result.is_err() {
        out.truncate(start);
    }
    result
}

#[cfg(test)]
mod tests;
