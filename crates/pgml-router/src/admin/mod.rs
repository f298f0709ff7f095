//! The admin console: a simple-query session on database `pgml-router` (or `pgbouncer`,
//! `pgcat`) that answers `SHOW ...` commands with PgBouncer's column names. Each
//! command lives in its own file behind [`ShowCommand`].

mod clients;
mod config;
mod databases;
mod pools;
mod servers;
mod stats;
mod version;

use bytes::{Bytes, BytesMut};
use pgwire::backend::{
    CommandComplete, DataRow, FieldDescription, ReadyForQuery, RowDescription, TransactionStatus,
};
use pgwire::frontend::Query;
use pgwire::SqlState;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tracing::{debug, info};

use crate::error::ClientError;
use crate::wire::read_frame;
use crate::Shared;

/// Largest message the console accepts.
const MAX_ADMIN_MESSAGE: usize = 1024 * 1024;

/// OID of `text`: every console column is text.
const TEXT_OID: u32 = 25;

/// One `SHOW <name>` command.
pub trait ShowCommand: Sync {
    /// The word after SHOW, upper case.
    fn name(&self) -> &'static str;
    /// Column names, as PgBouncer prints them.
    fn columns(&self) -> &'static [&'static str];
    /// The rows, one string per column.
    fn rows(&self, shared: &Shared) -> Vec<Vec<String>>;
}

/// Every command the console knows.
pub fn commands() -> [&'static dyn ShowCommand; 7] {
    [
        &pools::Pools,
        &version::Version,
        &config::ShowConfig,
        &databases::Databases,
        &clients::Clients,
        &servers::Servers,
        &stats::Stats,
    ]
}

/// Serves the console until the client leaves.
pub async fn run(shared: &Shared, mut stream: TcpStream, mut buf: BytesMut) {
    let mut skipping_to_sync = false;
    loop {
        let frame = match read_frame(&mut stream, &mut buf, MAX_ADMIN_MESSAGE).await {
            Ok(frame) => frame,
            Err(e) => {
                debug!(error = %e, "admin console client gone");
                return;
            }
        };
        let mut out = BytesMut::new();
        match frame.tag() {
            b'X' => return,
            b'Q' => {
                match Query::decode(frame.body()) {
                    Ok(q) => answer(shared, &q.query, &mut out),
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
        if stream.write_all(&out).await.is_err() {
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

/// Appends the reply to one query string (without ReadyForQuery).
pub fn answer(shared: &Shared, sql: &str, out: &mut BytesMut) {
    let words: Vec<String> = sql
        .trim()
        .trim_end_matches(';')
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    info!(command = %sql.trim(), "admin console command");
    let command = match words.as_slice() {
        ["SHOW", name] => commands().into_iter().find(|c| c.name() == *name),
        [] => {
            let _ = pgwire::backend::BackendMessage::EmptyQueryResponse.encode(out);
            return;
        }
        _ => None,
    };
    let Some(command) = command else {
        let known: Vec<&str> = commands().iter().map(|c| c.name()).collect();
        ClientError::error(
            SqlState::SYNTAX_ERROR,
            format!(
                "unsupported admin command \"{}\"; try SHOW {}",
                sql.trim(),
                known.join(", SHOW ")
            ),
        )
        .encode(out);
        return;
    };
    if let Err(e) = encode_table(command.columns(), &command.rows(shared), out) {
        ClientError::error(
            SqlState::INTERNAL_ERROR,
            format!("cannot encode result: {e}"),
        )
        .encode(out);
    }
}

fn encode_table(
    columns: &[&str],
    rows: &[Vec<String>],
    out: &mut BytesMut,
) -> Result<(), pgwire::Error> {
    let start = out.len();
    let result = (|| {
        RowDescription {
            fields: columns
                .iter()
                .map(|name| FieldDescription {
                    name: (*name).to_owned(),
                    type_oid: TEXT_OID,
                    type_size: -1,
                    type_modifier: -1,
                    ..FieldDescription::default()
                })
                .collect(),
        }
        .encode(out)?;
        for row in rows {
            DataRow {
                values: row
                    .iter()
                    .map(|v| Some(Bytes::copy_from_slice(v.as_bytes())))
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
