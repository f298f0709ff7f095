//! `[general]`: listener, timeouts, admin console credentials.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::millis;

/// Lists the names of the `Option` fields that are set: the ignored PgCat options.
macro_rules! set_fields {
    ($self:ident, [$($field:ident),* $(,)?]) => {{
        let mut set: Vec<&'static str> = Vec::new();
        $(if $self.$field.is_some() { set.push(stringify!($field)); })*
        set
    }};
}
pub(crate) use set_fields;

/// How clients authenticate to the router.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
pub enum AuthMethod {
    /// md5 challenge with a random salt per connection.
    #[default]
    #[serde(rename = "md5")]
    Md5,
    /// SCRAM-SHA-256 without channel binding.
    #[serde(rename = "scram-sha-256")]
    ScramSha256,
    /// Cleartext password.
    #[serde(rename = "password")]
    Password,
}

impl AuthMethod {
    /// The configuration spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Md5 => "md5",
            AuthMethod::ScramSha256 => "scram-sha-256",
            AuthMethod::Password => "password",
        }
    }
}

/// The `[general]` section. Durations are milliseconds, as in PgCat.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct General {
    /// Address to listen on (default `0.0.0.0`).
    #[serde(default = "default_host")]
    pub host: String,
    /// Port to listen on (default 6432).
    #[serde(default = "default_port")]
    pub port: u16,
    /// User name that opens the admin console (database `pgml-router`, `pgbouncer` or
    /// `pgcat`).
    pub admin_username: String,
    /// Password of the admin console user.
    pub admin_password: String,
    /// Ours: how clients prove their password: `md5` (default, as PgCat),
    /// `scram-sha-256` (derived per connection from the configured plaintext
    /// password) or `password` (cleartext; only behind a trusted network).
    #[serde(default)]
    pub auth_method: AuthMethod,
    /// Milliseconds to open and log into a server connection; also the time a client
    /// has to finish its own startup and login before it is dropped (default 5000).
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout: u64,
    /// Milliseconds a server connection may sit idle in the pool before it is closed
    /// instead of reused (checked at checkout; default 600000).
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout: u64,
    /// Milliseconds after which a server connection is closed instead of reused
    /// (checked at checkout; default 3600000).
    #[serde(default = "default_server_lifetime")]
    pub server_lifetime: u64,
    /// Ours: milliseconds a client waits in the FIFO queue for a server connection
    /// before it gets SQLSTATE 53300 and is disconnected (default 5000).
    #[serde(default = "default_query_wait_timeout")]
    pub query_wait_timeout: u64,
    /// Milliseconds clients get to finish their transactions after SIGINT or
    /// `SHUTDOWN WAIT_FOR_SERVERS` before they are closed (default 60000). SIGTERM and
    /// `SHUTDOWN` do not wait.
    #[serde(default = "default_shutdown_timeout")]
    pub shutdown_timeout: u64,
    /// PgBouncer's option: the most client connections at once (those logging in
    /// included); a client beyond it gets FATAL 53300 `no more connections allowed
    /// (max_client_conn)` after its StartupMessage. The admin console is exempt, as in
    /// PgBouncer. 0 (the default, as PgCat, which has no such limit) leaves only the
    /// open-files limit. Reloadable.
    #[serde(default)]
    pub max_client_conn: u64,
    /// PgBouncer's option: the default `max_db_connections` of every `[pools.<db>]` (the
    /// most server connections of a database to each of its servers, all users
    /// together; 0, the default, is no limit). Reloadable.
    #[serde(default)]
    pub max_db_connections: u64,
    /// PgBouncer's option: the default `max_user_connections` of every user name (the
    /// most server connections of the user, all databases together; 0, the default, is
    /// no limit). Reloadable.
    #[serde(default)]
    pub max_user_connections: u64,
    /// Tokio worker threads (default: the CPU cores this process may use, as tokio's own
    /// default; PgCat's default was 4, which oversubscribes small machines).
    #[serde(default = "default_worker_threads")]
    pub worker_threads: usize,

    /// Serve Prometheus metrics (text format) at `http://host:prometheus_exporter_port/metrics`
    /// (default false). Changing it needs a restart.
    #[serde(default)]
    pub enable_prometheus_exporter: bool,
    /// Port of the Prometheus exporter, on `host` (default 9930, as PgCat; 0 picks a
    /// free one). Changing it needs a restart.
    #[serde(default = "default_prometheus_exporter_port")]
    pub prometheus_exporter_port: u16,
    /// PgCat option, accepted and ignored (clients in a transaction are not timed out).
    pub idle_client_in_transaction_timeout: Option<toml::Value>,
    /// Milliseconds the health check (an empty query) of a server connection may take
    /// before the connection is closed and its server counted as failed (default 1000).
    #[serde(default = "default_healthcheck_timeout")]
    pub healthcheck_timeout: u64,
    /// A connection idle for longer than this many milliseconds is health-checked before
    /// a client gets it (default 30000, as PgCat; 0 checks every checkout).
    #[serde(default = "default_healthcheck_delay")]
    pub healthcheck_delay: u64,
    /// Seconds a server that could not be connected to is left out of its pool's
    /// choices while others can serve (default 60, as PgCat).
    #[serde(default = "default_ban_time")]
    pub ban_time: u64,
    /// Seconds between the snapshots `SHOW STATS` averages over (PgBouncer's
    /// `stats_period`, default 60): the `avg_*` columns cover the last one or two
    /// periods.
    #[serde(default = "default_stats_period")]
    pub stats_period: u64,
    /// PgCat option, accepted and ignored (connections are always logged at info).
    pub log_client_connections: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub log_client_disconnections: Option<toml::Value>,
    /// PgCat option, accepted and ignored (reload with SIGHUP or the admin `RELOAD`; the
    /// file is not watched).
    pub autoreload: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub tcp_keepalives_idle: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub tcp_keepalives_count: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub tcp_keepalives_interval: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub tcp_user_timeout: Option<toml::Value>,
    /// PEM certificate chain offered to clients that send SSLRequest. With
    /// `tls_private_key`, clients may use TLS (`sslmode=require`); without both,
    /// SSLRequest is answered `N`. Reloaded with the configuration.
    pub tls_certificate: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) of `tls_certificate`.
    pub tls_private_key: Option<PathBuf>,
    /// Ours (PgBouncer's `client_tls_sslmode = require`): refuse clients that do not
    /// use TLS; their StartupMessage gets FATAL `28000`. Needs `tls_certificate` and
    /// `tls_private_key`. CancelRequests are still accepted in plaintext (default false).
    #[serde(default)]
    pub client_tls_required: bool,
    /// Connect to the servers with TLS (SSLRequest first). A server that answers `N`
    /// is an error, unlike PgCat, which then goes on in plaintext (default false).
    #[serde(default)]
    pub server_tls: bool,
    /// With `server_tls`: check the server's certificate chain and that it names the
    /// configured host (like libpq's `sslmode=verify-full`). When false the
    /// connection is encrypted but the server is not authenticated (default false).
    #[serde(default)]
    pub verify_server_certificate: bool,
    /// Ours (PgBouncer's name): PEM file of the CA certificates that
    /// `verify_server_certificate` trusts; default: the system's CA store.
    pub server_tls_ca_file: Option<PathBuf>,
    /// PgCat option, accepted and ignored.
    pub admin_auth_type: Option<toml::Value>,
    /// PgCat option, accepted and ignored: named prepared statements are always
    /// supported in transaction mode.
    pub prepared_statements: Option<toml::Value>,
    /// PgCat option, accepted and ignored (a server connection with more than 200
    /// statements gets `DEALLOCATE ALL` when it goes back to the pool).
    pub prepared_statements_cache_size: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub dns_cache_enabled: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub dns_max_ttl: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub server_round_robin: Option<toml::Value>,
    /// Query that fetches the stored password of users configured without `password`,
    /// run on the pool's server as `auth_query_user`; `$1` (or `'$1'`) becomes the user
    /// name as a quoted literal, e.g.
    /// `SELECT usename, passwd FROM pg_shadow WHERE usename = $1`. The last column of
    /// the first row is the secret (md5 hash, SCRAM verifier or plaintext). Pools may
    /// override it.
    pub auth_query: Option<String>,
    /// User that runs `auth_query` (required with it).
    pub auth_query_user: Option<String>,
    /// Password of `auth_query_user` (omit for trust).
    pub auth_query_password: Option<String>,
    /// PgCat option, accepted and ignored.
    pub validate_config: Option<toml::Value>,
}

impl General {
    /// [`General::connect_timeout`] as a duration.
    pub fn connect_timeout(&self) -> Duration {
        millis(self.connect_timeout)
    }

    /// [`General::idle_timeout`] as a duration.
    pub fn idle_timeout(&self) -> Duration {
        millis(self.idle_timeout)
    }

    /// [`General::server_lifetime`] as a duration.
    pub fn server_lifetime(&self) -> Duration {
        millis(self.server_lifetime)
    }

    /// [`General::query_wait_timeout`] as a duration.
    pub fn query_wait_timeout(&self) -> Duration {
        millis(self.query_wait_timeout)
    }

    /// [`General::healthcheck_timeout`] as a duration.
    pub fn healthcheck_timeout(&self) -> Duration {
        millis(self.healthcheck_timeout)
    }

    /// [`General::healthcheck_delay`] as a duration.
    pub fn healthcheck_delay(&self) -> Duration {
        millis(self.healthcheck_delay)
    }

    /// [`General::stats_period`] as a duration (at least a second).
    pub fn stats_period(&self) -> Duration {
        Duration::from_secs(self.stats_period.max(1))
    }

    /// [`General::ban_time`] as a duration.
    pub fn ban_time(&self) -> Duration {
        Duration::from_secs(self.ban_time)
    }

    /// [`General::shutdown_timeout`] as a duration.
    pub fn shutdown_timeout(&self) -> Duration {
        millis(self.shutdown_timeout)
    }

    /// The ignored PgCat options that are set.
    pub(crate) fn ignored(&self) -> Vec<&'static str> {
        set_fields!(
            self,
            [
                idle_client_in_transaction_timeout,
                log_client_connections,
                log_client_disconnections,
                autoreload,
                tcp_keepalives_idle,
                tcp_keepalives_count,
                tcp_keepalives_interval,
                tcp_user_timeout,
                admin_auth_type,
                prepared_statements,
                prepared_statements_cache_size,
                dns_cache_enabled,
                dns_max_ttl,
                server_round_robin,
                validate_config,
            ]
        )
    }

    /// Sets one of the [`SETTABLE`] options from its text (the admin console's `SET`).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SetError> {
        let number = || {
            value.parse::<u64>().map_err(|_| {
                SetError::Value(format!("{key} takes a whole number, not \"{value}\""))
            })
        };
        match key {
            "connect_timeout" => self.connect_timeout = number()?,
            "idle_timeout" => self.idle_timeout = number()?,
            "server_lifetime" => self.server_lifetime = number()?,
            "query_wait_timeout" => self.query_wait_timeout = number()?,
            "shutdown_timeout" => self.shutdown_timeout = number()?,
            "healthcheck_timeout" => self.healthcheck_timeout = number()?,
            "healthcheck_delay" => self.healthcheck_delay = number()?,
            "ban_time" => self.ban_time = number()?,
            "stats_period" => self.stats_period = number()?,
            "max_client_conn" => self.max_client_conn = number()?,
            "max_db_connections" => self.max_db_connections = number()?,
            "max_user_connections" => self.max_user_connections = number()?,
            "client_tls_required" => {
                self.client_tls_required = match value.to_ascii_lowercase().as_str() {
                    "true" | "on" | "1" | "yes" => true,
                    "false" | "off" | "0" | "no" => false,
                    _ => {
                        return Err(SetError::Value(format!(
                            "{key} takes true or false, not \"{value}\""
                        )))
                    }
                }
            }
            _ => {
                let known = self.describe().iter().any(|(k, _, _)| *k == key);
                return Err(if known {
                    SetError::Fixed(format!(
                        "{key} cannot be changed with SET (change the file and RELOAD, or \
                         restart); SET can change {}",
                        SETTABLE.join(", ")
                    ))
                } else {
                    SetError::Unknown(format!(
                        "unknown option \"{key}\"; SET can change {}",
                        SETTABLE.join(", ")
                    ))
                });
            }
        }
        Ok(())
    }

    /// `(key, value, default)` of the implemented options, for `SHOW CONFIG`.
    pub fn describe(&self) -> Vec<(&'static str, String, String)> {
        vec![
            ("host", self.host.clone(), default_host()),
            ("port", self.port.to_string(), default_port().to_string()),
            ("admin_username", self.admin_username.clone(), String::new()),
            ("admin_password", "********".to_owned(), String::new()),
            (
                "auth_method",
                self.auth_method.as_str().to_owned(),
                "md5".to_owned(),
            ),
            (
                "connect_timeout",
                self.connect_timeout.to_string(),
                default_connect_timeout().to_string(),
            ),
            (
                "idle_timeout",
                self.idle_timeout.to_string(),
                default_idle_timeout().to_string(),
            ),
            (
                "server_lifetime",
                self.server_lifetime.to_string(),
                default_server_lifetime().to_string(),
            ),
            (
                "max_client_conn",
                self.max_client_conn.to_string(),
                "0".to_owned(),
            ),
            (
                "max_db_connections",
                self.max_db_connections.to_string(),
                "0".to_owned(),
            ),
            (
                "max_user_connections",
                self.max_user_connections.to_string(),
                "0".to_owned(),
            ),
            (
                "query_wait_timeout",
                self.query_wait_timeout.to_string(),
                default_query_wait_timeout().to_string(),
            ),
            (
                "shutdown_timeout",
                self.shutdown_timeout.to_string(),
                default_shutdown_timeout().to_string(),
            ),
            (
                "healthcheck_timeout",
                self.healthcheck_timeout.to_string(),
                default_healthcheck_timeout().to_string(),
            ),
            (
                "healthcheck_delay",
                self.healthcheck_delay.to_string(),
                default_healthcheck_delay().to_string(),
            ),
            (
                "ban_time",
                self.ban_time.to_string(),
                default_ban_time().to_string(),
            ),
            (
                "stats_period",
                self.stats_period.to_string(),
                default_stats_period().to_string(),
            ),
            (
                "tls_certificate",
                path_or_empty(&self.tls_certificate),
                String::new(),
            ),
            (
                "tls_private_key",
                path_or_empty(&self.tls_private_key),
                String::new(),
            ),
            (
                "client_tls_required",
                self.client_tls_required.to_string(),
                "false".to_owned(),
            ),
            (
                "server_tls",
                self.server_tls.to_string(),
                "false".to_owned(),
            ),
            (
                "verify_server_certificate",
                self.verify_server_certificate.to_string(),
                "false".to_owned(),
            ),
            (
                "server_tls_ca_file",
                path_or_empty(&self.server_tls_ca_file),
                String::new(),
            ),
            (
                "auth_query",
                self.auth_query.clone().unwrap_or_default(),
                String::new(),
            ),
            (
                "auth_query_user",
                self.auth_query_user.clone().unwrap_or_default(),
                String::new(),
            ),
            (
                "enable_prometheus_exporter",
                self.enable_prometheus_exporter.to_string(),
                "false".to_owned(),
            ),
            (
                "prometheus_exporter_port",
                self.prometheus_exporter_port.to_string(),
                default_prometheus_exporter_port().to_string(),
            ),
            (
                "worker_threads",
                self.worker_threads.to_string(),
                default_worker_threads().to_string(),
            ),
        ]
    }
}

/// Why `SET` refused a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetError {
    /// No such option.
    Unknown(String),
    /// An option only the file (and a reload or restart) changes.
    Fixed(String),
    /// A value the option cannot take.
    Value(String),
}

impl std::fmt::Display for SetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetError::Unknown(m) | SetError::Fixed(m) | SetError::Value(m) => f.write_str(m),
        }
    }
}

/// `[general]` options the admin console's `SET` changes at run time (until the next
/// `RELOAD` or restart, which read the file).
pub const SETTABLE: [&str; 13] = [
    "connect_timeout",
    "idle_timeout",
    "server_lifetime",
    "query_wait_timeout",
    "shutdown_timeout",
    "healthcheck_timeout",
    "healthcheck_delay",
    "ban_time",
    "stats_period",
    "max_client_conn",
    "max_db_connections",
    "max_user_connections",
    "client_tls_required",
];

fn path_or_empty(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

fn default_host() -> String {
    "0.0.0.0".to_owned()
}
fn default_port() -> u16 {
    6432
}
fn default_connect_timeout() -> u64 {
    5_000
}
fn default_idle_timeout() -> u64 {
    600_000
}
fn default_server_lifetime() -> u64 {
    3_600_000
}
fn default_query_wait_timeout() -> u64 {
    5_000
}
fn default_shutdown_timeout() -> u64 {
    60_000
}
fn default_healthcheck_timeout() -> u64 {
    1000
}
fn default_healthcheck_delay() -> u64 {
    30_000
}
fn default_ban_time() -> u64 {
    60
}
fn default_stats_period() -> u64 {
    60
}
fn default_prometheus_exporter_port() -> u16 {
    9930
}
fn default_worker_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}
