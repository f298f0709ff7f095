//! Test harness: one real PostgreSQL 15 per test binary, and in-process routers.
//!
//! The server runs as the `postgres` OS user in a fresh temp dir, on a free port,
//! listening on 127.0.0.1 only, with md5 and SCRAM users. A watchdog shell stops it
//! and removes the dir when the test process exits.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use pgml_router::config::Config;
use pgml_router::Router;

pub const BIN: &str = "/usr/lib/postgresql/15/bin";
pub const MD5_USER: &str = "md5user";
pub const MD5_PASS: &str = "md5pw";
pub const SCRAM_USER: &str = "scramuser";
pub const SCRAM_PASS: &str = "scrampw";
/// A user PostgreSQL only lets in over TLS (`hostssl`).
pub const TLS_USER: &str = "tlsuser";
pub const TLS_PASS: &str = "tlspw";

/// Why the real-server tests cannot run here, if they cannot: they need PostgreSQL 15's
/// binaries, the `postgres` OS user and root (to run `runuser`).
pub fn postgres_missing() -> Option<String> {
    if !std::path::Path::new(&format!("{BIN}/initdb")).exists() {
        return Some(format!("{BIN}/initdb not found"));
    }
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("not running as root (needed for runuser -u postgres)".to_owned());
    }
    let user = Command::new("id").arg("postgres").output().ok()?;
    if !user.status.success() {
        return Some("no postgres OS user".to_owned());
    }
    None
}

/// Returns from the test (with a note) where PostgreSQL 15 is unavailable, so plain
/// `cargo test` works without a server; under CI (`CI` set) that is a failure instead.
#[macro_export]
macro_rules! require_postgres {
    () => {
        if let Some(why) = $crate::common::postgres_missing() {
            assert!(
                std::env::var_os("CI").is_none(),
                "PostgreSQL tests cannot run: {why}"
            );
            eprintln!("skipped: PostgreSQL tests need a local PostgreSQL 15: {why}");
            return;
        }
    };
}

/// The shared PostgreSQL server.
pub struct Postgres {
    pub port: u16,
    pub dir: PathBuf,
}

static SERVER: OnceLock<Postgres> = OnceLock::new();

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn as_postgres(args: &[&str]) -> Command {
    let mut c = Command::new("runuser");
    c.args(["-u", "postgres", "--"]).args(args);
    c
}

/// An empty directory `pgr<pid><suffix>` owned by the postgres user, and its `data`
/// path (also as a string) for a cluster.
fn fresh_dir(suffix: &str) -> (PathBuf, PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("pgr{}{suffix}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    run(Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(&dir));
    let data = dir.join("data");
    let data_s = data.to_str().unwrap().to_owned();
    (dir, data, data_s)
}

/// Starts (once) and returns the shared server.
pub fn postgres() -> &'static Postgres {
    SERVER.get_or_init(|| {
        let (dir, data, data_s) = fresh_dir("");
        run(as_postgres(&[
            &format!("{BIN}/initdb"),
            "-D",
            &data_s,
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
        ])
        .stdout(Stdio::null()));
        let port = free_port();
        let conf = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n\
             password_encryption = 'scram-sha-256'\nfsync = off\nmax_connections = 60\n\
             shared_buffers = 16MB\nssl = on\nssl_cert_file = 'server.crt'\n\
             ssl_key_file = 'server.key'\n"
        );
        append(&data.join("postgresql.conf"), &conf);
        let hba = format!(
            "host all postgres 127.0.0.1/32 trust\n\
             host replication postgres 127.0.0.1/32 trust\n\
             host all {MD5_USER} 127.0.0.1/32 md5\n\
             host all {SCRAM_USER} 127.0.0.1/32 scram-sha-256\n\
             hostssl all {TLS_USER} 127.0.0.1/32 scram-sha-256\n\
             hostnossl all {TLS_USER} 127.0.0.1/32 reject\n\
             host all all 127.0.0.1/32 scram-sha-256\n"
        );
        std::fs::write(data.join("pg_hba.conf"), hba).unwrap();
        let certs = certs();
        std::fs::copy(&certs.cert, data.join("server.crt")).unwrap();
        std::fs::copy(&certs.key, data.join("server.key")).unwrap();
        run(Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir));
        run(Command::new("chmod")
            .arg("600")
            .arg(data.join("server.key")));
        let cleanup = format!(
            "{dir}-certs {tmp}/pgml-router-test-{pid}-* {tmp}/pgml-router-bin-{pid}-*",
            dir = dir.display(),
            pid = std::process::id(),
            tmp = std::env::temp_dir().display()
        );
        start_cluster(&dir, &cleanup);
        let sql = format!(
            "SET password_encryption = 'md5'; CREATE USER {MD5_USER} PASSWORD '{MD5_PASS}'; \
             SET password_encryption = 'scram-sha-256'; \
             CREATE USER {SCRAM_USER} PASSWORD '{SCRAM_PASS}'; \
             CREATE USER {TLS_USER} PASSWORD '{TLS_PASS}'; \
             GRANT CREATE ON SCHEMA public TO PUBLIC;"
        );
        psql_superuser(port, &sql);
        Postgres { port, dir }
    })
}

/// Starts the cluster in `dir/data` (log in `dir/log`), and a watchdog that stops it and
/// removes `dir` (and the paths in `also_remove`) when this test process exits, however it
/// exits. The watchdog outlives us on purpose (init reaps it), so it is never waited for.
fn start_cluster(dir: &std::path::Path, also_remove: &str) {
    let data_s = dir.join("data").to_str().unwrap().to_owned();
    let log = dir.join("log").to_str().unwrap().to_owned();
    run(as_postgres(&[
        &format!("{BIN}/pg_ctl"),
        "-D",
        &data_s,
        "-l",
        &log,
        "-w",
        "start",
    ])
    .stdout(Stdio::null()));
    let watchdog = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.3; done; \
         runuser -u postgres -- {BIN}/pg_ctl -D {data_s} -m immediate stop; \
         rm -rf {dir} {also_remove}",
        pid = std::process::id(),
        dir = dir.display(),
    );
    #[allow(clippy::zombie_processes)]
    let _watchdog = Command::new("sh")
        .args(["-c", &watchdog])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
}

/// A streaming replica of the shared server (hot standby), for routing tests.
pub struct Replica {
    pub port: u16,
}

static REPLICA: OnceLock<Replica> = OnceLock::new();

/// Starts (once) and returns a streaming replica of [`postgres`]: `pg_basebackup -R`
/// into its own directory, on its own port, stopped and removed when the test process
/// exits.
pub fn replica() -> &'static Replica {
    REPLICA.get_or_init(|| {
        let primary = postgres();
        let (dir, data, data_s) = fresh_dir("-replica");
        run(as_postgres(&[
            &format!("{BIN}/pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            &primary.port.to_string(),
            "-U",
            "postgres",
            "-D",
            &data_s,
            "-R",
            "-X",
            "stream",
            "--no-sync",
        ])
        .stdout(Stdio::null()));
        let port = free_port();
        append(
            &data.join("postgresql.conf"),
            &format!("port = {port}\nhot_standby = on\n"),
        );
        start_cluster(&dir, "");
        Replica { port }
    })
}

/// Waits until the replica has replayed everything the primary wrote so far.
pub fn wait_replayed(replica: &Replica) {
    let lsn = psql_superuser(postgres().port, "SELECT pg_current_wal_lsn()");
    let sql = format!(
        "SELECT pg_last_wal_replay_lsn() >= '{}'::pg_lsn",
        lsn.trim()
    );
    for _ in 0..200 {
        if psql_superuser(replica.port, &sql).trim() == "t" {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    panic!("replica did not catch up with the primary");
}

/// A test CA and a server certificate it signed, for `localhost` and `127.0.0.1`
/// (PEM files; the key is unencrypted).
pub struct Certs {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// A second CA that signed nothing here (for "wrong CA" cases).
    pub other_ca: PathBuf,
}

static CERTS: OnceLock<Certs> = OnceLock::new();

/// Generates (once per test binary) the test certificates with the `openssl` CLI.
pub fn certs() -> &'static Certs {
    CERTS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("pgr{}-certs", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let p = |name: &str| dir.join(name).to_str().unwrap().to_owned();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        for ca in ["ca", "other-ca"] {
            run(Command::new("openssl")
                .args(["req", "-x509"])
                .args(ec)
                .args([
                    "-keyout",
                    &p(&format!("{ca}.key")),
                    "-out",
                    &p(&format!("{ca}.crt")),
                ])
                .args(["-days", "2", "-subj", &format!("/CN=pgml-router test {ca}")])
                .stderr(Stdio::null()));
        }
        run(Command::new("openssl")
            .args(["req"])
            .args(ec)
            .args(["-keyout", &p("server.key"), "-out", &p("server.csr")])
            .args(["-subj", "/CN=localhost"])
            .stderr(Stdio::null()));
        std::fs::write(
            dir.join("san.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
        )
        .unwrap();
        run(Command::new("openssl")
            .args(["x509", "-req", "-in", &p("server.csr"), "-CA", &p("ca.crt")])
            .args(["-CAkey", &p("ca.key"), "-CAcreateserial", "-days", "2"])
            .args(["-extfile", &p("san.ext"), "-out", &p("server.crt")])
            .stderr(Stdio::null()));
        Certs {
            ca: dir.join("ca.crt"),
            cert: dir.join("server.crt"),
            key: dir.join("server.key"),
            other_ca: dir.join("other-ca.crt"),
        }
    })
}

/// `[general]` lines that turn on client TLS with the test certificate.
pub fn client_tls_config() -> String {
    let c = certs();
    format!(
        "tls_certificate = \"{}\"\ntls_private_key = \"{}\"\n",
        c.cert.display(),
        c.key.display()
    )
}

/// A rustls client configuration trusting `ca` (ring provider).
pub fn rustls_client(ca: &std::path::Path) -> rustls::ClientConfig {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth()
}

/// Connects tokio-postgres over TLS (`sslmode=require`, certificate checked against
/// `ca` and the host name `127.0.0.1`).
pub async fn connect_tls(
    port: u16,
    user: &str,
    password: &str,
    db: &str,
    ca: &std::path::Path,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let conn_str = format!(
        "host=127.0.0.1 port={port} user={user} password={password} dbname={db} \
         connect_timeout=10 sslmode=require"
    );
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(rustls_client(ca));
    let (client, connection) = tokio_postgres::connect(&conn_str, tls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// Runs psql through a router; returns (success, stdout + stderr).
pub async fn psql(conninfo: &str, password: &str, commands: &[&str]) -> (bool, String) {
    let mut cmd = tokio::process::Command::new("/usr/bin/psql");
    cmd.args(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", conninfo]);
    for c in commands {
        cmd.args(["-c", c]);
    }
    let out = cmd
        .env("PGPASSWORD", password)
        .env("PGCONNECT_TIMEOUT", "10")
        .output()
        .await
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

fn append(path: &std::path::Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// Runs SQL as the superuser, directly on the server.
pub fn psql_superuser(port: u16, sql: &str) -> String {
    psql_superuser_in(port, "postgres", sql)
}

/// Creates database `db` on the test server anew and runs `setup` in it, once per test
/// process (later calls for the same name return at once; tests share the database).
pub fn fresh_database(db: &str, setup: &str) {
    static DONE: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if done.iter().any(|d| d == db) {
        return;
    }
    let port = postgres().port;
    psql_superuser(port, &format!("DROP DATABASE IF EXISTS {db}"));
    psql_superuser(port, &format!("CREATE DATABASE {db}"));
    psql_superuser_in(port, db, setup);
    done.push(db.to_owned());
}

/// Runs SQL as the superuser in database `db`, directly on the server.
pub fn psql_superuser_in(port: u16, db: &str, sql: &str) -> String {
    let out = Command::new("/usr/bin/psql")
        .args([
            "-X",
            "-q",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-d",
            db,
            "-c",
            sql,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Router options a test may change.
pub struct RouterOpts {
    pub pool_size: usize,
    pub pool_mode: &'static str,
    pub auth_method: &'static str,
    pub query_wait_timeout: u64,
    pub connect_timeout: u64,
    pub idle_timeout: u64,
    pub min_pool_size: usize,
    /// Server port instead of the shared PostgreSQL (for fake servers).
    pub server_port: Option<u16>,
    /// Extra lines for `[general]`.
    pub general: String,
    /// Extra TOML after the `app` pool (more pools).
    pub extra: String,
}

impl Default for RouterOpts {
    fn default() -> Self {
        RouterOpts {
            pool_size: 1,
            pool_mode: "transaction",
            auth_method: "md5",
            query_wait_timeout: 5000,
            connect_timeout: 5000,
            server_port: None,
            idle_timeout: 600_000,
            min_pool_size: 0,
            general: String::new(),
            extra: String::new(),
        }
    }
}

pub const ADMIN_PASS: &str = "adminpw";

/// Starts a router in this test's runtime; returns its port.
pub async fn start_router(opts: RouterOpts) -> u16 {
    let (port, shutdown) = start_router_with_shutdown(opts).await;
    // Keep the router running until the test runtime ends.
    std::mem::forget(shutdown);
    port
}

/// Starts a router that stops when the returned sender is used or dropped.
pub async fn start_router_with_shutdown(
    opts: RouterOpts,
) -> (u16, tokio::sync::oneshot::Sender<()>) {
    let config = Config::parse(&config_text(&opts), "test").unwrap();
    let router = Router::bind(config).await.unwrap();
    let port = router.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(router.serve(async move {
        let _ = rx.await;
    }));
    (port, tx)
}

/// A router serving from a configuration file (so `RELOAD` can re-read it).
pub struct FileRouter {
    pub port: u16,
    pub path: PathBuf,
    pub shared: std::sync::Arc<pgml_router::Shared>,
    /// Completes when `serve` returns.
    pub done: tokio::task::JoinHandle<()>,
}

/// Writes `text` to a fresh file and starts a router from it.
pub async fn start_router_from_file(name: &str, text: &str) -> FileRouter {
    let path = std::env::temp_dir().join(format!(
        "pgml-router-test-{}-{name}.toml",
        std::process::id()
    ));
    std::fs::write(&path, text).unwrap();
    let config = Config::load(&path).unwrap();
    let router = Router::bind(config)
        .await
        .unwrap()
        .with_config_path(path.clone());
    let port = router.local_addr().unwrap().port();
    let shared = router.shared();
    let done = tokio::spawn(router.serve(std::future::pending()));
    FileRouter {
        port,
        path,
        shared,
        done,
    }
}

/// The configuration text [`start_router`] uses.
pub fn config_text(opts: &RouterOpts) -> String {
    let server_port = match opts.server_port {
        Some(port) => port,
        None => postgres().port,
    };
    format!(
        r#"
[general]
host = "127.0.0.1"
port = 0
admin_username = "admin"
admin_password = "{ADMIN_PASS}"
auth_method = "{auth}"
query_wait_timeout = {wait}
connect_timeout = {connect}
idle_timeout = {idle}
shutdown_timeout = 1000
{general}
[pools.app]
pool_mode = "{mode}"

[pools.app.users.0]
username = "{MD5_USER}"
password = "{MD5_PASS}"
pool_size = {size}
min_pool_size = {min}

[pools.app.users.1]
username = "{SCRAM_USER}"
password = "{SCRAM_PASS}"
pool_size = {size}

[pools.app.shards.0]
database = "postgres"
servers = [["127.0.0.1", {port}, "primary"]]
{extra}
"#,
        auth = opts.auth_method,
        wait = opts.query_wait_timeout,
        connect = opts.connect_timeout,
        mode = opts.pool_mode,
        size = opts.pool_size,
        port = server_port,
        idle = opts.idle_timeout,
        min = opts.min_pool_size,
        general = opts.general,
        extra = opts.extra,
    )
}

/// Runs one admin console command; returns the notices and the error, if any.
pub async fn admin_command(port: u16, sql: &str) -> Result<Vec<String>, tokio_postgres::Error> {
    let notices = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let conn_str =
        format!("host=127.0.0.1 port={port} user=admin password={ADMIN_PASS} dbname=pgml-router");
    let (client, mut connection) =
        tokio_postgres::connect(&conn_str, tokio_postgres::NoTls).await?;
    let sink = std::sync::Arc::clone(&notices);
    tokio::spawn(async move {
        let mut stream = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        use futures_util::StreamExt;
        while let Some(Ok(msg)) = stream.next().await {
            if let tokio_postgres::AsyncMessage::Notice(n) = msg {
                sink.lock().unwrap().push(n.message().to_owned());
            }
        }
    });
    client.batch_execute(sql).await?;
    let out = notices.lock().unwrap().clone();
    Ok(out)
}

/// Connects tokio-postgres through the router; spawns the connection task.
pub async fn connect(
    port: u16,
    user: &str,
    password: &str,
    db: &str,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let conn_str = format!(
        "host=127.0.0.1 port={port} user={user} password={password} dbname={db} connect_timeout=10"
    );
    let (client, connection) = tokio_postgres::connect(&conn_str, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// A client as the md5 user on pool `app`.
pub async fn app_client(port: u16) -> tokio_postgres::Client {
    connect(port, MD5_USER, MD5_PASS, "app").await.unwrap()
}

/// The SQLSTATE of a tokio-postgres error.
pub fn sqlstate(e: &tokio_postgres::Error) -> String {
    e.code()
        .map(|c| c.code().to_owned())
        .unwrap_or_else(|| format!("no sqlstate: {e}"))
}

/// Backend pid seen by a client.
pub async fn backend_pid(client: &tokio_postgres::Client) -> String {
    let rows = client
        .simple_query("SELECT pg_backend_pid()")
        .await
        .unwrap();
    rows.iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
            _ => None,
        })
        .unwrap()
}

/// The server-side message of a tokio-postgres error.
pub fn message(e: &tokio_postgres::Error) -> String {
    e.as_db_error()
        .map(|d| d.message().to_owned())
        .unwrap_or_else(|| e.to_string())
}

/// Rows of an admin console `SHOW` command, as (column name -> value) lists.
pub async fn admin_show(port: u16, what: &str) -> Vec<Vec<(String, String)>> {
    let admin = connect(port, "admin", ADMIN_PASS, "pgml-router")
        .await
        .unwrap();
    let rows = admin.simple_query(&format!("SHOW {what}")).await.unwrap();
    rows.iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(
                r.columns()
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.name().to_owned(), r.get(i).unwrap_or("").to_owned()))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// Open server connections of the md5 user's pool, per `SHOW SERVERS`.
pub async fn md5_servers(port: u16) -> usize {
    admin_show(port, "SERVERS")
        .await
        .iter()
        .filter(|row| row.iter().any(|(k, v)| k == "user" && v == MD5_USER))
        .count()
}

/// A client of pool `app` as the md5 user, with extra connection-string settings
/// (`options=...`, `application_name=...`).
pub async fn client_with(port: u16, extra: &str) -> tokio_postgres::Client {
    let conn_str = format!(
        "host=127.0.0.1 port={port} user={MD5_USER} password={MD5_PASS} dbname=app {extra}"
    );
    let (client, connection) = tokio_postgres::connect(&conn_str, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}
