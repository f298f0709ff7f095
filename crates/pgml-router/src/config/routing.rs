//! How a pool spreads transactions over its servers: roles, load balancing, the query
//! parser and sharding (PgCat's option names and values).

use regex::Regex;
use serde::Deserialize;

/// A server's role in its shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerRole {
    /// The writable server.
    Primary,
    /// A read replica.
    Replica,
}

impl ServerRole {
    /// The name in the config file and in `SHOW SERVER ROLE`.
    pub fn as_str(self) -> &'static str {
        match self {
            ServerRole::Primary => "primary",
            ServerRole::Replica => "replica",
        }
    }
}

/// Which servers a transaction may go to when nothing else decides (PgCat's
/// `default_role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DefaultRole {
    /// Any server of the shard, primary or replica (PgCat's default).
    #[default]
    Any,
    /// The primary only.
    Primary,
    /// The replicas only (the primary when the shard has none).
    Replica,
}

impl DefaultRole {
    /// The role a transaction is restricted to, `None` for any.
    pub fn role(self) -> Option<ServerRole> {
        match self {
            DefaultRole::Any => None,
            DefaultRole::Primary => Some(ServerRole::Primary),
            DefaultRole::Replica => Some(ServerRole::Replica),
        }
    }

    /// The name in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            DefaultRole::Any => "any",
            DefaultRole::Primary => "primary",
            DefaultRole::Replica => "replica",
        }
    }
}

/// How a server is chosen among those a transaction may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LoadBalancing {
    /// Uniformly at random (PgCat's default).
    #[default]
    Random,
    /// Least outstanding connections: the server with the most free pool slots.
    Loc,
}

/// How `SET SHARDING KEY TO` maps a key to a shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ShardingFunction {
    /// PostgreSQL's hash partitioning of a `bigint` (`PARTITION BY HASH`): shard `n`
    /// holds what partition `FOR VALUES WITH (MODULUS shards, REMAINDER n)` would.
    #[default]
    PgBigintHash,
    /// The last 4 bytes of the SHA-1 of the key's decimal text, modulo the shards
    /// (PgCat's `sha1`).
    Sha1,
}

/// The column whose value in a query picks the shard (`automatic_sharding_key`),
/// lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardingKey {
    /// The table it must belong to, when the setting names one (`table.column`).
    pub table: Option<String>,
    pub column: String,
}

impl ShardingKey {
    /// `column` or `table.column` (quotes dropped, lower case as PostgreSQL folds them).
    pub fn parse(text: &str) -> ShardingKey {
        let clean = text.replace('"', "").to_lowercase();
        match clean.rsplit_once('.') {
            Some((table, column)) => ShardingKey {
                table: Some(table.to_owned()),
                column: column.to_owned(),
            },
            None => ShardingKey {
                table: None,
                column: clean,
            },
        }
    }
}

/// PgCat's comment routing: a regex over the start of each statement whose first capture
/// group is a shard number (`shard_id_regex`) or a sharding key (`sharding_key_regex`),
/// e.g. `/\* shard_id: (\d+) \*/`.
#[derive(Debug, Clone)]
pub struct CommentRegex(Regex);

impl PartialEq for CommentRegex {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Eq for CommentRegex {}

impl CommentRegex {
    /// Compiles `pattern`; it must have a capture group (the value).
    pub fn parse(pattern: &str) -> Result<CommentRegex, String> {
        let regex = Regex::new(pattern).map_err(|e| e.to_string())?;
        if regex.captures_len() < 2 {
            return Err("it has no capture group: put the value in ( )".to_owned());
        }
        Ok(CommentRegex(regex))
    }

    /// The first capture group's text where the regex matches `text`.
    pub fn capture<'t>(&self, text: &'t str) -> Option<&'t str> {
        Some(self.0.captures(text)?.get(1)?.as_str())
    }

    /// The first capture group read as a `T` (surrounding spaces ignored); `None` when
    /// the regex does not match or the value is not a `T`.
    pub fn value<T: std::str::FromStr>(&self, text: &str) -> Option<T> {
        self.capture(text)?.trim().parse().ok()
    }
}

/// The routing settings of one `[pools.<db>]`, resolved with their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Routing {
    pub default_role: DefaultRole,
    pub load_balancing: LoadBalancing,
    /// `query_parser_enabled` and `query_parser_read_write_splitting` both on: reads
    /// go to replicas, everything else to the primary.
    pub read_write_splitting: bool,
    /// With the parser on: the column whose value picks the shard.
    pub automatic_sharding_key: Option<ShardingKey>,
    /// Whether the primary also serves reads the parser sent away from it.
    pub primary_reads: bool,
    /// Prefer server connections that already served the transaction's model.
    pub model_affinity: bool,
    /// How long a transaction for a model waits for a busy connection holding it.
    pub model_affinity_wait: std::time::Duration,
    pub sharding_function: ShardingFunction,
    /// A shard number in the statement's text (PgCat's `shard_id_regex`).
    pub shard_id_regex: Option<CommentRegex>,
    /// A sharding key in the statement's text (PgCat's `sharding_key_regex`).
    pub sharding_key_regex: Option<CommentRegex>,
    /// How many bytes at the start of a statement the two regexes look at.
    pub regex_search_limit: usize,
}

/// PgCat's default `regex_search_limit`.
pub const DEFAULT_REGEX_SEARCH_LIMIT: usize = 1000;
