//! `[pools.<db>]`, its `users` and `shards`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::general::set_fields;
use super::routing::{
    CommentRegex, DefaultRole, LoadBalancing, Routing, ServerRole, ShardingFunction, ShardingKey,
    DEFAULT_REGEX_SEARCH_LIMIT,
};

/// When a server connection goes back to the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PoolMode {
    /// Checked out when the client starts a query, returned at ReadyForQuery `I`.
    #[default]
    Transaction,
    /// Held from the first query until the client disconnects, then `DISCARD ALL`.
    Session,
}

impl PoolMode {
    /// The name PgBouncer's `SHOW POOLS` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            PoolMode::Transaction => "transaction",
            PoolMode::Session => "session",
        }
    }
}

/// `[pools.<db>]`: one client-visible database.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolConfig {
    /// `transaction` (default) or `session`.
    #[serde(default)]
    pub pool_mode: PoolMode,
    /// Which servers transactions go to when neither the query parser nor the client
    /// (`SET SERVER ROLE`) decides: `any` (default), `primary` or `replica`.
    #[serde(default)]
    pub default_role: DefaultRole,
    /// Users allowed on this database, by any key (`users.0`, `users.alice`...).
    #[serde(default)]
    pub users: BTreeMap<String, UserConfig>,
    /// Shards numbered `0` to `n - 1`; clients pick one with `SET SHARD TO` or
    /// `SET SHARDING KEY TO` (default shard 0).
    #[serde(default)]
    pub shards: BTreeMap<String, ShardConfig>,

    /// `random` (default) or `loc` (least outstanding connections).
    #[serde(default)]
    pub load_balancing_mode: LoadBalancing,
    /// Parse queries (needed by `query_parser_read_write_splitting`; default false).
    #[serde(default)]
    pub query_parser_enabled: bool,
    /// With the parser on: read-only transactions go to replicas, others to the
    /// primary (default false).
    #[serde(default)]
    pub query_parser_read_write_splitting: bool,
    /// Whether reads the parser routes may also go to the primary (default true).
    #[serde(default = "yes")]
    pub primary_reads_enabled: bool,
    /// pgml's own option: a transaction that calls a model-loading pgml function
    /// (`pgml.embed('model', ...)`, `pgml.transform(...)`, `pgml.predict(...)`) gets a
    /// server connection that already served that model when one is idle (default false).
    #[serde(default)]
    pub model_affinity: bool,
    /// With `model_affinity`: how long (ms) a transaction for a model waits for a busy
    /// connection that holds the model when no idle one does, before it takes another
    /// (default 0: it never waits). For models that are costly to load a second time.
    #[serde(default)]
    pub model_affinity_wait: u64,
    /// `pg_bigint_hash` (default) or `sha1`, for `SET SHARDING KEY TO`.
    #[serde(default)]
    pub sharding_function: ShardingFunction,
    /// With the parser on: `column` or `table.column` whose value in a query
    /// (`WHERE key = 42`, `INSERT ... (key, ...) VALUES (42, ...)`) picks the shard.
    pub automatic_sharding_key: Option<String>,
    /// A regex whose first capture group, found in the start of a statement (a comment
    /// such as `/* sharding_key: 42 */`), is a sharding key: the client's shard from then on.
    pub sharding_key_regex: Option<String>,
    /// Likewise for a shard number (`/* shard_id: 2 */`); it wins over a sharding key.
    pub shard_id_regex: Option<String>,
    /// Bytes at the start of each statement the two regexes look at (default 1000).
    pub regex_search_limit: Option<usize>,
    /// PgCat option, accepted and ignored (the `[general]` value applies).
    pub idle_timeout: Option<toml::Value>,
    /// PgCat option, accepted and ignored (the `[general]` value applies).
    pub server_lifetime: Option<toml::Value>,
    /// PgCat option, accepted and ignored (the `[general]` value applies).
    pub connect_timeout: Option<toml::Value>,
    /// PgBouncer's option: the most server connections of this database to each of its
    /// servers, all users together (default: `[general]`'s, 0 = no limit). A pool that
    /// needs another connection beyond it closes an idle one of another user's pool, else
    /// waits up to `query_wait_timeout`.
    pub max_db_connections: Option<u64>,
    /// Overrides `general.auth_query` for this database.
    pub auth_query: Option<String>,
    /// Overrides `general.auth_query_user`.
    pub auth_query_user: Option<String>,
    /// Overrides `general.auth_query_password`.
    pub auth_query_password: Option<String>,
    /// PgCat option, accepted and ignored.
    pub cleanup_server_connections: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub log_client_parameter_status_changes: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub prepared_statements_cache_size: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub plugins: Option<toml::Value>,
}

/// `[pools.<db>.users.<n>]`: one login and its pool of server connections.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// Name clients log in with.
    pub username: String,
    /// Plaintext password clients must prove; also used towards the server unless
    /// `server_password` is set. Without it the password is fetched with
    /// `auth_query`, and the server login uses what the client proved (the md5 hash,
    /// or SCRAM keys).
    pub password: Option<String>,
    /// Most server connections of this (database, user) pool.
    pub pool_size: usize,
    /// Server connections opened in the background and kept open even when idle
    /// (capped at `pool_size`; default 0).
    pub min_pool_size: Option<usize>,
    /// Overrides the database's `pool_mode`.
    pub pool_mode: Option<PoolMode>,
    /// User name on the server (default: `username`).
    pub server_username: Option<String>,
    /// Password on the server (default: `password`).
    pub server_password: Option<String>,
    /// PgBouncer's option: the most server connections of this user name, all databases
    /// and servers together (default: `[general]`'s, 0 = no limit). Listings of the same
    /// name under other databases may repeat it only with the same value.
    pub max_user_connections: Option<u64>,

    /// PgCat option, accepted and ignored.
    pub statement_timeout: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub server_lifetime: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub connect_timeout: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub idle_timeout: Option<toml::Value>,
}

impl UserConfig {
    /// The user name sent to the server.
    pub fn server_user(&self) -> &str {
        self.server_username.as_deref().unwrap_or(&self.username)
    }

    /// The password sent to the server, if configured.
    pub fn server_pass(&self) -> Option<&str> {
        self.server_password.as_deref().or(self.password.as_deref())
    }
}

/// `auth_query` settings of one pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthQuery {
    /// The query; `$1` is the user name.
    pub query: String,
    /// Who runs it.
    pub user: String,
    /// That user's password.
    pub password: Option<String>,
}

/// `[pools.<db>.shards.<n>]`: the servers of one shard.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardConfig {
    /// Database name on the servers.
    pub database: String,
    /// `[host, port, role]` triples.
    pub servers: Vec<(String, u16, ServerRole)>,
    /// PgCat's `[host, port, index]` triples: each server at `index` of `servers` has its
    /// traffic copied to `host:port` (same database and credentials), answers dropped.
    pub mirrors: Option<Vec<(String, u16, usize)>>,
}

fn yes() -> bool {
    true
}

/// One server of a pool, as connections see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec<'a> {
    pub shard: usize,
    pub role: ServerRole,
    pub host: &'a str,
    pub port: u16,
    pub database: &'a str,
    /// `host:port` of each mirror of this server.
    pub mirrors: Vec<(&'a str, u16)>,
}

impl PoolConfig {
    /// The mode of one user's pool.
    pub fn mode_for(&self, user: &UserConfig) -> PoolMode {
        user.pool_mode.unwrap_or(self.pool_mode)
    }

    /// The shards in order (shard `n` at index `n`; [`PoolConfig::validate`] checks
    /// the numbering).
    pub fn shard_list(&self) -> Vec<&ShardConfig> {
        let mut shards: Vec<(&String, &ShardConfig)> = self.shards.iter().collect();
        shards.sort_by_key(|(n, _)| n.parse::<usize>().unwrap_or(usize::MAX));
        shards.into_iter().map(|(_, s)| s).collect()
    }

    /// Every server, shard by shard, each shard's primary first.
    pub fn servers(&self) -> Vec<ServerSpec<'_>> {
        let mut out = Vec::new();
        for (shard, config) in self.shard_list().into_iter().enumerate() {
            let mut servers: Vec<(usize, &(String, u16, ServerRole))> =
                config.servers.iter().enumerate().collect();
            servers.sort_by_key(|(_, (_, _, role))| *role != ServerRole::Primary);
            out.extend(servers.into_iter().map(|(index, (host, port, role))| {
                ServerSpec {
                    shard,
                    role: *role,
                    host: host.as_str(),
                    port: *port,
                    database: config.database.as_str(),
                    mirrors: config
                        .mirrors
                        .iter()
                        .flatten()
                        .filter(|(_, _, of)| *of == index)
                        .map(|(host, port, _)| (host.as_str(), *port))
                        .collect(),
                }
            }));
        }
        out
    }

    /// The main server: shard 0's primary, else its first server.
    pub fn server(&self) -> Option<(&str, u16, &str)> {
        let first = self.servers().into_iter().next()?;
        Some((first.host, first.port, first.database))
    }

    /// The routing settings.
    pub fn routing(&self) -> Routing {
        Routing {
            default_role: self.default_role,
            load_balancing: self.load_balancing_mode,
            read_write_splitting: self.query_parser_enabled
                && self.query_parser_read_write_splitting,
            automatic_sharding_key: self
                .automatic_sharding_key
                .as_deref()
                .filter(|_| self.query_parser_enabled)
                .map(ShardingKey::parse),
            primary_reads: self.primary_reads_enabled,
            model_affinity: self.model_affinity,
            model_affinity_wait: std::time::Duration::from_millis(self.model_affinity_wait),
            sharding_function: self.sharding_function,
            // Checked by `validate`: a pattern that does not compile never gets here.
            shard_id_regex: self
                .shard_id_regex
                .as_deref()
                .and_then(|p| CommentRegex::parse(p).ok()),
            sharding_key_regex: self
                .sharding_key_regex
                .as_deref()
                .and_then(|p| CommentRegex::parse(p).ok()),
            regex_search_limit: self
                .regex_search_limit
                .unwrap_or(DEFAULT_REGEX_SEARCH_LIMIT),
        }
    }

    /// The `auth_query` of this pool: its own settings over `[general]`'s.
    pub fn auth_query(&self, general: &super::General) -> Option<AuthQuery> {
        let query = self.auth_query.as_ref().or(general.auth_query.as_ref())?;
        let user = self
            .auth_query_user
            .as_ref()
            .or(general.auth_query_user.as_ref())?;
        Some(AuthQuery {
            query: query.clone(),
            user: user.clone(),
            password: self
                .auth_query_password
                .clone()
                .or_else(|| general.auth_query_password.clone()),
        })
    }

    pub(super) fn validate(&self, db: &str, general: &super::General) -> Result<(), String> {
        for (key, pattern) in [
            ("shard_id_regex", &self.shard_id_regex),
            ("sharding_key_regex", &self.sharding_key_regex),
        ] {
            if let Some(pattern) = pattern {
                CommentRegex::parse(pattern)
                    .map_err(|e| format!("pools.{db}.{key} = {pattern:?} is not usable: {e}"))?;
            }
        }
        let has_query = self.auth_query.is_some() || general.auth_query.is_some();
        if has_query && self.auth_query(general).is_none() {
            return Err(format!("pool \"{db}\": auth_query needs auth_query_user"));
        }
        for user in self.users.values() {
            if user.password.as_deref() == Some("") {
                return Err(format!(
                    "pool \"{db}\", user \"{}\": password is empty; an empty password \
                     would let anyone in (as PgBouncer, empty passwords are refused)",
                    user.username
                ));
            }
            if user.password.is_none() && !has_query {
                return Err(format!(
                    "pool \"{db}\", user \"{}\": password is required unless auth_query is set",
                    user.username
                ));
            }
        }
        self.validate_shards(db)?;
        for user in self.users.values() {
            if user.pool_size == 0 {
                return Err(format!(
                    "pool \"{db}\", user \"{}\": pool_size must be at least 1",
                    user.username
                ));
            }
        }
        Ok(())
    }

    fn validate_shards(&self, db: &str) -> Result<(), String> {
        let n = self.shards.len();
        if n == 0 {
            return Err(format!(
                "pool \"{db}\": needs a shard with at least one server"
            ));
        }
        for key in self.shards.keys() {
            if !key.parse::<usize>().is_ok_and(|k| k < n) {
                return Err(format!(
                    "pool \"{db}\": shards must be numbered 0 to {}, found \"{key}\"",
                    n - 1
                ));
            }
        }
        for (key, shard) in &self.shards {
            if shard.servers.is_empty() {
                return Err(format!(
                    "pool \"{db}\", shard {key}: needs at least one server"
                ));
            }
            for (host, port, of) in shard.mirrors.iter().flatten() {
                if *of >= shard.servers.len() {
                    return Err(format!(
                        "pool \"{db}\", shard {key}: mirror {host}:{port} mirrors server {of}, \
                         but the shard's servers are numbered 0 to {}",
                        shard.servers.len().saturating_sub(1)
                    ));
                }
            }
            let primaries = shard
                .servers
                .iter()
                .filter(|(_, _, role)| *role == ServerRole::Primary)
                .count();
            if primaries > 1 {
                return Err(format!(
                    "pool \"{db}\", shard {key}: {primaries} servers have role \"primary\"; a shard has at most one"
                ));
            }
        }
        Ok(())
    }

    pub(super) fn ignored(&self, db: &str) -> Vec<String> {
        let mut out: Vec<String> = set_fields!(
            self,
            [
                idle_timeout,
                server_lifetime,
                connect_timeout,
                cleanup_server_connections,
                log_client_parameter_status_changes,
                prepared_statements_cache_size,
                plugins,
            ]
        )
        .into_iter()
        .map(|k| format!("pools.{db}.{k}"))
        .collect();
        for (n, user) in &self.users {
            let set = set_fields!(
                user,
                [
                    statement_timeout,
                    server_lifetime,
                    connect_timeout,
                    idle_timeout
                ]
            );
            out.extend(set.into_iter().map(|k| format!("pools.{db}.users.{n}.{k}")));
        }
        if self.automatic_sharding_key.is_some() && !self.query_parser_enabled {
            out.push(format!(
                "pools.{db}.automatic_sharding_key (without query_parser_enabled)"
            ));
        }
        if self.query_parser_read_write_splitting && !self.query_parser_enabled {
            out.push(format!(
                "pools.{db}.query_parser_read_write_splitting (without query_parser_enabled)"
            ));
        }
        out
    }
}
