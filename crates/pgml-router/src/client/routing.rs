//! A client's routing among a pool's servers: PgCat's router commands (`SET SERVER ROLE
//! TO`, `SET SHARD TO`, `SET SHARDING KEY TO`, `SET PRIMARY READS TO` and their `SHOW`s),
//! answered by the router itself, and the [`Route`] of each transaction (its shard from
//! `automatic_sharding_key` when the statement pins the key, else the client's).
//!
//! Only pools of more than one server route; their sessions hold Query and Parse
//! messages back whole (see `session`) to read the statement and these commands.

use bytes::BytesMut;
use pgwire::backend::{CommandComplete, ReadyForQuery, TransactionStatus};
use pgwire::SqlState;

use crate::config::ServerRole;
use crate::error::ClientError;
use crate::model_key::{model_arg, ModelArg};
use crate::pool::{Pool, Route};
use crate::query_parser::{analyze, Analysis, KeyValue};
use crate::sharding::shard_of;

/// What `SET SERVER ROLE TO` chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RoleSetting {
    /// The pool's settings (`default`).
    #[default]
    Default,
    /// The query parser decides (`auto`), whatever the pool's setting.
    Auto,
    /// Any server (`any`).
    Any,
    /// One role (`primary`, `replica`).
    Only(ServerRole),
}

/// One router command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    SetRole(RoleSetting),
    ShowRole,
    SetShard(usize),
    /// `SET SHARD TO 'ANY'` (PgCat): a shard picked at random.
    SetAnyShard,
    ShowShard,
    SetShardingKey(i64),
    /// `None`: back to the pool's `primary_reads_enabled`.
    SetPrimaryReads(Option<bool>),
    ShowPrimaryReads,
}

/// Recognises a router command in a simple query. `None`: not one (forward it);
/// `Some(Err)`: one with a bad value.
pub fn parse_command(sql: &str) -> Option<Result<Command, String>> {
    let head = sql.trim_start().get(..4)?;
    if !head.eq_ignore_ascii_case("set ") && !head.eq_ignore_ascii_case("show") {
        return None;
    }
    let text = sql.trim().trim_end_matches(';').replace('=', " = ");
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let value = |v: &str| v.trim_matches(|c| c == '\'' || c == '"').to_owned();
    Some(match words.as_slice() {
        ["show", "server", "role"] => Ok(Command::ShowRole),
        ["show", "shard"] => Ok(Command::ShowShard),
        ["show", "primary", "reads"] => Ok(Command::ShowPrimaryReads),
        ["set", "server", "role", "to" | "=", v] => match value(v).as_str() {
            "primary" => Ok(Command::SetRole(RoleSetting::Only(ServerRole::Primary))),
            "replica" => Ok(Command::SetRole(RoleSetting::Only(ServerRole::Replica))),
            "any" => Ok(Command::SetRole(RoleSetting::Any)),
            "auto" => Ok(Command::SetRole(RoleSetting::Auto)),
            "default" => Ok(Command::SetRole(RoleSetting::Default)),
            other => Err(format!(
                "invalid server role \"{other}\": use primary, replica, any, auto or default"
            )),
        },
        ["set", "shard", "to" | "=", v] if value(v) == "any" => Ok(Command::SetAnyShard),
        ["set", "shard", "to" | "=", v] => value(v)
            .parse()
            .map(Command::SetShard)
            .map_err(|_| format!("invalid shard \"{}\": a shard number or ANY", value(v))),
        ["set", "sharding", "key", "to" | "=", v] => value(v)
            .parse()
            .map(Command::SetShardingKey)
            .map_err(|_| format!("invalid sharding key \"{}\": a bigint", value(v))),
        ["set", "primary", "reads", "to" | "=", v] => match value(v).as_str() {
            "on" | "true" | "yes" | "1" => Ok(Command::SetPrimaryReads(Some(true))),
            "off" | "false" | "no" | "0" => Ok(Command::SetPrimaryReads(Some(false))),
            "default" => Ok(Command::SetPrimaryReads(None)),
            other => Err(format!(
                "invalid primary reads \"{other}\": use on, off or default"
            )),
        },
        _ => return None,
    })
}

/// A client's routing settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientRouting {
    role: RoleSetting,
    shard: u32,
    primary_reads: Option<bool>,
}

impl ClientRouting {
    /// The route of a transaction whose first statement is `sql` (`None` when the first
    /// message carries none), with `bind` the body of the Bind that gives its parameters,
    /// if there is one yet.
    ///
    /// A shard named in the statement's text (`shard_id_regex`, `sharding_key_regex`)
    /// becomes the client's shard from then on, as PgCat does.
    pub fn route(&mut self, pool: &Pool, sql: Option<&str>, bind: Option<&[u8]>) -> Route {
        let routing = &pool.routing;
        if let Some(sql) = sql {
            self.apply_comment(pool, sql);
        }
        let parse = match self.role {
            RoleSetting::Default => routing.read_write_splitting,
            RoleSetting::Auto => true,
            _ => false,
        };
        let key = routing.automatic_sharding_key.as_ref();
        let analysis = match sql {
            Some(sql) if parse || key.is_some() => analyze(sql, key),
            _ => Analysis::default(),
        };
        let role = match self.role {
            RoleSetting::Any => None,
            RoleSetting::Only(role) => Some(role),
            RoleSetting::Default | RoleSetting::Auto if !parse => routing.default_role.role(),
            RoleSetting::Default | RoleSetting::Auto => {
                if analysis.read_only {
                    let primary_reads = self.primary_reads.unwrap_or(routing.primary_reads);
                    (!primary_reads).then_some(ServerRole::Replica)
                } else {
                    Some(ServerRole::Primary)
                }
            }
        };
        // A key the statement pins wins over the client's SET SHARD / SET SHARDING KEY.
        let value = match analysis.sharding_value {
            Some(KeyValue::Literal(value)) => Some(value),
            Some(KeyValue::Param(n)) => bind.and_then(|body| bound_integer(body, n)),
            None => None,
        };
        let shard = match value {
            Some(value) => shard_of(routing.sharding_function, value, pool.shards()),
            None => self.shard as usize,
        };
        let model = if routing.model_affinity {
            sql.and_then(model_arg).and_then(|arg| match arg {
                ModelArg::Literal { function, value } => Some(ModelArg::key(&function, &value)),
                ModelArg::Param { function, n } => bind
                    .and_then(|body| bound_param(body, n))
                    .map(|(_, value)| ModelArg::key(&function, &String::from_utf8_lossy(&value))),
            })
        } else {
            None
        };
        Route { shard, role, model }
    }

    /// PgCat's comment routing: a shard number, else a sharding key, captured in the first
    /// `regex_search_limit` bytes of `sql`. A shard number past the last shard is kept:
    /// the checkout refuses it with an error naming the pool's shards, rather than
    /// sending the statement to a shard it was not written for.
    fn apply_comment(&mut self, pool: &Pool, sql: &str) {
        let routing = &pool.routing;
        if routing.shard_id_regex.is_none() && routing.sharding_key_regex.is_none() {
            return;
        }
        let mut end = routing.regex_search_limit.min(sql.len());
        while !sql.is_char_boundary(end) {
            end -= 1;
        }
        let head = &sql[..end];
        let shard_id = routing.shard_id_regex.as_ref().and_then(|r| r.value(head));
        if let Some(shard) = shard_id {
            self.shard = shard;
            return;
        }
        let key = routing
            .sharding_key_regex
            .as_ref()
            .and_then(|r| r.value(head));
        if let Some(key) = key {
            self.set_shard(shard_of(routing.sharding_function, key, pool.shards()));
        }
    }

    /// Makes `shard` (a number below the pool's shard count) the client's shard.
    fn set_shard(&mut self, shard: usize) {
        self.shard = u32::try_from(shard).unwrap_or(0);
    }

    /// Carries out `command` and appends its answer and ReadyForQuery to `out`.
    pub fn run(&mut self, pool: &Pool, command: Command, out: &mut BytesMut) {
        let result = match command {
            Command::SetRole(role) => {
                self.role = role;
                set_done(out)
            }
            Command::SetShard(shard) if shard < pool.shards() => {
                self.set_shard(shard);
                set_done(out)
            }
            Command::SetAnyShard => {
                self.set_shard(rand::random_range(0..pool.shards().max(1)));
                set_done(out)
            }
            Command::SetShard(shard) => Err(ClientError::error(
                SqlState::INVALID_PARAMETER_VALUE,
                format!(
                    "pool {} has {} shard(s), numbered from 0: there is no shard {shard}",
                    pool.name(),
                    pool.shards()
                ),
            )),
            Command::SetShardingKey(key) => {
                let shard = shard_of(pool.routing.sharding_function, key, pool.shards());
                self.set_shard(shard);
                set_done(out)
            }
            Command::SetPrimaryReads(on) => {
                self.primary_reads = on;
                set_done(out)
            }
            Command::ShowRole => show(out, "server role", self.role_name(pool)),
            Command::ShowShard => show(out, "shard", self.shard.to_string()),
            Command::ShowPrimaryReads => {
                let on = self.primary_reads.unwrap_or(pool.routing.primary_reads);
                show(
                    out,
                    "primary reads",
                    if on { "on" } else { "off" }.to_owned(),
                )
            }
        };
        if let Err(e) = result {
            e.encode(out);
        }
        ReadyForQuery {
            status: TransactionStatus::Idle,
        }
        .encode(out);
    }

    fn role_name(&self, pool: &Pool) -> String {
        match self.role {
            RoleSetting::Only(role) => role.as_str(),
            RoleSetting::Any => "any",
            RoleSetting::Auto => "auto",
            RoleSetting::Default if pool.routing.read_write_splitting => "auto",
            RoleSetting::Default => pool.routing.default_role.as_str(),
        }
        .to_owned()
    }
}

/// The error a command gets when the session already holds its server (session mode).
pub fn too_late(pool: &Pool, out: &mut BytesMut) {
    ClientError::error(
        SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
        format!(
            "pool {} is in session mode and this session already holds its server: \
             SET SERVER ROLE / SHARD / SHARDING KEY / PRIMARY READS must come before the \
             first query",
            pool.name()
        ),
    )
    .encode(out);
    ReadyForQuery {
        status: TransactionStatus::Idle,
    }
    .encode(out);
}

fn set_done(out: &mut BytesMut) -> Result<(), ClientError> {
    CommandComplete::new("SET")
        .encode(out)
        .map_err(|e| ClientError::error(SqlState::INTERNAL_ERROR, e.to_string()))
}

fn show(out: &mut BytesMut, column: &str, value: String) -> Result<(), ClientError> {
    crate::admin::encode_table(
        &[(column, crate::admin::Type::Text)],
        &[vec![Some(value)]],
        out,
    )
    .map_err(|e| ClientError::error(SqlState::INTERNAL_ERROR, e.to_string()))
}

/// Whether the statement of a Parse frame pins the sharding key to a parameter, so
/// that its route waits for the Bind that follows.
pub fn parse_waits_for_bind(pool: &Pool, frame: &[u8]) -> bool {
    let Some(sql) = statement_text(b'P', frame) else {
        return false;
    };
    let routing = &pool.routing;
    let model_param = || matches!(model_arg(sql), Some(ModelArg::Param { .. }));
    let key_param = |key| {
        matches!(
            analyze(sql, Some(key)).sharding_value,
            Some(KeyValue::Param(_))
        )
    };
    (routing.model_affinity && model_param())
        || routing
            .automatic_sharding_key
            .as_ref()
            .is_some_and(key_param)
}

/// Parameter `n` (1-based) of a Bind body, with its format; `None` for NULL.
fn bound_param(body: &[u8], n: usize) -> Option<(pgwire::Format, bytes::Bytes)> {
    let bind = pgwire::frontend::Bind::decode(body).ok()?;
    let value = bind.params.get(n.checked_sub(1)?)?.clone()?;
    let format = match bind.param_formats.as_slice() {
        [] => pgwire::Format::Text,
        [one] => *one,
        all => *all.get(n - 1)?,
    };
    Some((format, value))
}

/// Parameter `n` (1-based) of a Bind body as an integer: text, or binary int2/int4/int8.
fn bound_integer(body: &[u8], n: usize) -> Option<i64> {
    let (format, value) = bound_param(body, n)?;
    match format {
        pgwire::Format::Text => std::str::from_utf8(&value).ok()?.trim().parse().ok(),
        pgwire::Format::Binary => match value.len() {
            8 => Some(i64::from_be_bytes(value[..].try_into().ok()?)),
            4 => Some(i64::from(i32::from_be_bytes(value[..].try_into().ok()?))),
            2 => Some(i64::from(i16::from_be_bytes(value[..].try_into().ok()?))),
            _ => None,
        },
    }
}

/// The statement text of a whole Query (`Q`) or Parse (`P`) message frame.
pub fn statement_text(tag: u8, frame: &[u8]) -> Option<&str> {
    let body = frame.get(5..)?;
    let body = match tag {
        b'Q' => body,
        // Parse: statement name, NUL, then the query.
        b'P' => {
            let end = body.iter().position(|&b| b == 0)?;
            body.get(end + 1..)?
        }
        _ => return None,
    };
    let end = body.iter().position(|&b| b == 0)?;
    std::str::from_utf8(body.get(..end)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_recognised() {
        let ok = |s: &str| parse_command(s).unwrap().unwrap();
        assert_eq!(
            ok("SET SERVER ROLE TO 'replica'"),
            Command::SetRole(RoleSetting::Only(ServerRole::Replica))
        );
        assert_eq!(
            ok("set server role = primary;"),
            Command::SetRole(RoleSetting::Only(ServerRole::Primary))
        );
        assert_eq!(
            ok("SET SERVER ROLE TO 'auto'"),
            Command::SetRole(RoleSetting::Auto)
        );
        assert_eq!(ok("  SHOW server role "), Command::ShowRole);
        assert_eq!(ok("SET SHARD TO '2'"), Command::SetShard(2));
        assert_eq!(ok("SET SHARD='1'"), Command::SetShard(1));
        assert_eq!(ok("SET SHARD TO 'ANY'"), Command::SetAnyShard);
        assert_eq!(ok("set shard to any;"), Command::SetAnyShard);
        assert_eq!(
            ok("SET SHARDING KEY TO '-42'"),
            Command::SetShardingKey(-42)
        );
        assert_eq!(ok("SHOW SHARD"), Command::ShowShard);
        assert_eq!(
            ok("SET PRIMARY READS TO off"),
            Command::SetPrimaryReads(Some(false))
        );
        assert_eq!(
            ok("SET PRIMARY READS TO 'default'"),
            Command::SetPrimaryReads(None)
        );
        assert_eq!(ok("show primary reads"), Command::ShowPrimaryReads);
        for bad in [
            "SET SERVER ROLE TO 'master'",
            "SET SHARD TO 'x'",
            "SET SHARDING KEY TO 'abc'",
            "SET PRIMARY READS TO maybe",
        ] {
            assert!(parse_command(bad).unwrap().is_err(), "{bad}");
        }
        for other in [
            "SET search_path TO x",
            "SHOW search_path",
            "SELECT 1",
            "SET",
            "",
            "SET ROLE admin",
        ] {
            assert!(parse_command(other).is_none(), "{other}");
        }
    }

    #[test]
    fn statement_text_of_query_and_parse() {
        let mut q = vec![b'Q', 0, 0, 0, 13];
        q.extend_from_slice(b"SELECT 1\0");
        assert_eq!(statement_text(b'Q', &q), Some("SELECT 1"));
        let mut p = vec![b'P', 0, 0, 0, 20];
        p.extend_from_slice(b"s1\0SELECT 2\0\0\0");
        assert_eq!(statement_text(b'P', &p), Some("SELECT 2"));
        assert_eq!(statement_text(b'P', b"P\0\0\0\x04"), None);
        assert_eq!(statement_text(b'B', &p), None);
    }
}
