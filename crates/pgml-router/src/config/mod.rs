//! Typed configuration, in PgCat's `pgcat.toml` layout: `[general]`, `[pools.<db>]`,
//! `[pools.<db>.users.<n>]`, `[pools.<db>.shards.<n>]`.
//!
//! Every struct denies unknown keys; the error names the key and the file line. PgCat
//! options this router does not implement yet are accepted (so PgCat configs load) and
//! reported by [`Config::ignored_options`], which the binary logs as warnings.

mod general;
mod pool;
mod routing;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

pub use general::{AuthMethod, General, SetError, SETTABLE};
pub use pool::{AuthQuery, PoolConfig, PoolMode, ServerSpec, ShardConfig, UserConfig};
pub use routing::{DefaultRole, LoadBalancing, Routing, ServerRole, ShardingFunction, ShardingKey};

/// Databases that open the admin console instead of a pool.
pub const ADMIN_DATABASES: [&str; 3] = ["pgml-router", "pgbouncer", "pgcat"];

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Listener, timeouts, admin credentials.
    pub general: General,
    /// Pools by client-visible database name.
    #[serde(default)]
    pub pools: BTreeMap<String, PoolConfig>,
    /// PgCat's `[plugins]` table: accepted, ignored.
    #[serde(default)]
    pub plugins: Option<toml::Value>,
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    /// TOML syntax, an unknown key or a wrong type.
    #[error("{path}:{line}: {message}")]
    Parse {
        path: String,
        line: usize,
        message: String,
    },
    /// Parsed, but inconsistent.
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

impl Config {
    /// Reads and validates a file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Parses and validates TOML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| line_of(text, span.start)).unwrap_or(0);
            ConfigError::Parse {
                path: origin.to_owned(),
                line,
                message: e.message().trim().to_owned(),
            }
        })?;
        config.validate().map_err(|message| ConfigError::Invalid {
            path: origin.to_owned(),
            message,
        })?;
        Ok(config)
    }

    /// Checks what the types cannot: options that need one another, reserved names.
    pub fn validate(&self) -> Result<(), String> {
        let g = &self.general;
        match (&g.tls_certificate, &g.tls_private_key) {
            (Some(_), None) => {
                return Err("tls_certificate is set but tls_private_key is not".to_owned())
            }
            (None, Some(_)) => {
                return Err("tls_private_key is set but tls_certificate is not".to_owned())
            }
            (None, None) if g.client_tls_required => {
                return Err(
                    "client_tls_required needs tls_certificate and tls_private_key".to_owned(),
                )
            }
            _ => {}
        }
        for (key, value) in [
            ("connect_timeout", g.connect_timeout),
            ("healthcheck_timeout", g.healthcheck_timeout),
        ] {
            if value == 0 {
                return Err(format!(
                    "{key} = 0 would time out every attempt at once; give milliseconds > 0"
                ));
            }
        }
        if g.admin_password.is_empty() {
            return Err(
                "admin_password is empty; it would let anyone who knows admin_username into \
                 the admin console"
                    .to_owned(),
            );
        }
        if g.verify_server_certificate && !g.server_tls {
            return Err(
                "verify_server_certificate = true needs server_tls = true (without it the \
                 server connections are not encrypted and no certificate is checked)"
                    .to_owned(),
            );
        }
        for (db, pool) in &self.pools {
            if ADMIN_DATABASES.contains(&db.as_str()) {
                return Err(format!(
                    "pool \"{db}\": that name is reserved for the admin console"
                ));
            }
            pool.validate(db, &self.general)?;
        }
        self.validate_user_limits()
    }

    /// A user name listed under several databases may set `max_user_connections` in
    /// more than one listing, but only to the same value: the limit is one per name.
    fn validate_user_limits(&self) -> Result<(), String> {
        let mut seen: BTreeMap<&str, (&str, u64)> = BTreeMap::new();
        for (db, pool) in &self.pools {
            for user in pool.users.values() {
                let Some(max) = user.max_user_connections else {
                    continue;
                };
                match seen.get(user.username.as_str()) {
                    Some(&(first_db, first)) if first != max => {
                        return Err(format!(
                            "user \"{}\": max_user_connections is {first} under pools.{first_db} \
                             but {max} under pools.{db}; the limit counts the user's connections \
                             to every database, so give it once (or the same value everywhere)",
                            user.username
                        ))
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(&user.username, (db, max));
                    }
                }
            }
        }
        Ok(())
    }

    /// `max_db_connections` of `[pools.<db>]` (its own, else `[general]`'s; 0: none).
    pub fn max_db_connections(&self, db: &str) -> usize {
        let own = self.pools.get(db).and_then(|p| p.max_db_connections);
        to_usize(own.unwrap_or(self.general.max_db_connections))
    }

    /// `max_user_connections` of a user name (set in any of its listings, else
    /// `[general]`'s; 0: none).
    pub fn max_user_connections(&self, username: &str) -> usize {
        let own = self
            .pools
            .values()
            .flat_map(|p| p.users.values())
            .filter(|u| u.username == username)
            .find_map(|u| u.max_user_connections);
        to_usize(own.unwrap_or(self.general.max_user_connections))
    }

    /// `section.key` of every accepted-but-ignored option that is set, for warnings.
    pub fn ignored_options(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .general
            .ignored()
            .into_iter()
            .map(|k| format!("general.{k}"))
            .collect();
        if self.plugins.is_some() {
            out.push("plugins".to_owned());
        }
        for (db, pool) in &self.pools {
            out.extend(pool.ignored(db));
        }
        out
    }

    /// Finds the user entry of a pool by the user name clients log in with.
    pub fn user(&self, database: &str, username: &str) -> Option<(&PoolConfig, &UserConfig)> {
        let pool = self.pools.get(database)?;
        let user = pool.users.values().find(|u| u.username == username)?;
        Some((pool, user))
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// 1-based line number of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    let upto = text.get(..at).unwrap_or(text);
    upto.bytes().filter(|&b| b == b'\n').count() + 1
}

/// Milliseconds, as PgCat writes every duration.
pub(crate) fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

#[cfg(test)]
mod tests;
