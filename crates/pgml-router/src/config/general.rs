//! `[general]`: listener, timeouts, admin console credentials.

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
    /// Milliseconds to let connected clients finish after SIGINT/SIGTERM (default 60000).
    #[serde(default = "default_shutdown_timeout")]
    pub shutdown_timeout: u64,
    /// Tokio worker threads (default 4).
    #[serde(default = "default_worker_threads")]
    pub worker_threads: usize,

    /// PgCat option, accepted and ignored (no Prometheus exporter yet).
    pub enable_prometheus_exporter: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub prometheus_exporter_port: Option<toml::Value>,
    /// PgCat option, accepted and ignored (clients in a transaction are not timed out).
    pub idle_client_in_transaction_timeout: Option<toml::Value>,
    /// PgCat option, accepted and ignored (no health checks yet).
    pub healthcheck_timeout: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub healthcheck_delay: Option<toml::Value>,
    /// PgCat option, accepted and ignored (no replica banning).
    pub ban_time: Option<toml::Value>,
    /// PgCat option, accepted and ignored (connections are always logged at info).
    pub log_client_connections: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub log_client_disconnections: Option<toml::Value>,
    /// PgCat option, accepted and ignored (no config reload yet).
    pub autoreload: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub tcp_keepalives_idle: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub tcp_keepalives_count: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub tcp_keepalives_interval: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub tcp_user_timeout: Option<toml::Value>,
    /// PgCat option, accepted and ignored (no TLS yet: SSLRequest is answered `N`).
    pub tls_certificate: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub tls_private_key: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub server_tls: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub verify_server_certificate: Option<toml::Value>,
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
    /// PgCat option, accepted and ignored.
    pub auth_query: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub auth_query_user: Option<toml::Value>,
    /// PgCat option, accepted and ignored.
    pub auth_query_password: Option<toml::Value>,
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

    /// [`General::shutdown_timeout`] as a duration.
    pub fn shutdown_timeout(&self) -> Duration {
        millis(self.shutdown_timeout)
    }

    /// The ignored PgCat options that are set.
    pub(crate) fn ignored(&self) -> Vec<&'static str> {
        set_fields!(
            self,
            [
                enable_prometheus_exporter,
                prometheus_exporter_port,
                idle_client_in_transaction_timeout,
                healthcheck_timeout,
                healthcheck_delay,
                ban_time,
                log_client_connections,
                log_client_disconnections,
                autoreload,
                tcp_keepalives_idle,
                tcp_keepalives_count,
                tcp_keepalives_interval,
                tcp_user_timeout,
                tls_certificate,
                tls_private_key,
                server_tls,
                verify_server_certificate,
                admin_auth_type,
                prepared_statements,
                prepared_statements_cache_size,
                dns_cache_enabled,
                dns_max_ttl,
                server_round_robin,
                auth_query,
                auth_query_user,
                auth_query_password,
                validate_config,
            ]
        )
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
                "worker_threads",
                self.worker_threads.to_string(),
                default_worker_threads().to_string(),
            ),
        ]
    }
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
fn default_worker_threads() -> usize {
    4
}
