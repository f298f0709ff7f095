//! Admin console actions (`RELOAD`, `PAUSE`, `RESUME`, `RECONNECT`, `DISABLE`, `ENABLE`,
//! `SHUTDOWN`) and the binary's
//! signals (SIGHUP, SIGINT, SIGTERM), with real clients.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use crate::common::*;
use crate::first_value;

/// The test configuration with `pool_size` per user, without the SCRAM user, plus a
/// pool `app2` for the md5 user.
fn reloaded_config(pool_size: usize, app2_mode: &str) -> String {
    let text = config_text(&RouterOpts {
        pool_size,
        ..RouterOpts::default()
    });
    let start = text.find("[pools.app.users.1]").unwrap();
    let end = text.find("[pools.app.shards.0]").unwrap();
    format!(
        "{}{}\n[pools.app2]\npool_mode = \"{app2_mode}\"\n\n[pools.app2.users.0]\n\
         username = \"{MD5_USER}\"\npassword = \"{MD5_PASS}\"\npool_size = 1\n\n\
         [pools.app2.shards.0]\ndatabase = \"postgres\"\n\
         servers = [[\"127.0.0.1\", {}, \"primary\"]]\n",
        &text[..start],
        &text[end..],
        postgres().port
    )
}

async fn value(client: &tokio_postgres::Client, sql: &str) -> String {
    first_value(&client.simple_query(sql).await.unwrap()).unwrap()
}

#[tokio::test]
async fn reload_adds_removes_and_resizes_pools_keeping_idle_clients() {
    require_postgres!();
    let r = start_router_from_file("reload", &config_text(&RouterOpts::default())).await;
    let a = app_client(r.port).await;
    let pid_a = backend_pid(&a).await;
    let scram = connect(r.port, SCRAM_USER, SCRAM_PASS, "app")
        .await
        .unwrap();
    scram.simple_query("SELECT 1").await.unwrap();

    std::fs::write(&r.path, reloaded_config(2, "transaction")).unwrap();
    let notices = admin_command(r.port, "RELOAD").await.unwrap();
    let report = notices.join("\n");
    assert!(report.contains("added app2/md5user"), "{report}");
    assert!(report.contains("removed app/scramuser"), "{report}");
    assert!(report.contains("resized app/md5user 1 -> 2"), "{report}");

    // The idle client is still there, on the same (kept) server connection.
    assert_eq!(backend_pid(&a).await, pid_a);
    // pool_size 2 now: a second client is served while the first holds a transaction.
    a.simple_query("BEGIN").await.unwrap();
    let b = app_client(r.port).await;
    let started = Instant::now();
    b.simple_query("SELECT 1").await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    a.simple_query("COMMIT").await.unwrap();
    // The new pool serves; the removed user is refused, its idle client told at its
    // next query.
    let c = connect(r.port, MD5_USER, MD5_PASS, "app2").await.unwrap();
    assert_eq!(value(&c, "SELECT 3").await, "3");
    let err = connect(r.port, SCRAM_USER, SCRAM_PASS, "app")
        .await
        .unwrap_err();
    // Refused like a wrong password (user names cannot be probed).
    assert_eq!(sqlstate(&err), "28P01");
    let err = scram.simple_query("SELECT 1").await.unwrap_err();
    assert_eq!(sqlstate(&err), "57P01", "{}", message(&err));
    assert!(message(&err).contains("app/scramuser"), "{}", message(&err));

    // A changed mode replaces the pool; its idle client moves to the new one.
    std::fs::write(&r.path, reloaded_config(2, "session")).unwrap();
    let report = admin_command(r.port, "RELOAD").await.unwrap().join("\n");
    assert!(report.contains("replaced app2/md5user"), "{report}");
    assert_eq!(value(&c, "SELECT 4").await, "4");
    let pools = admin_show(r.port, "POOLS").await;
    let app2 = pools
        .iter()
        .find(|row| row.iter().any(|(k, v)| k == "database" && v == "app2"))
        .unwrap();
    assert!(app2.iter().any(|(k, v)| k == "pool_mode" && v == "session"));

    // A broken file is refused with file and line; the running configuration stays.
    std::fs::write(
        &r.path,
        "[general]\nadmin_username = \"admin\"\nbogus = 1\n",
    )
    .unwrap();
    let err = admin_command(r.port, "RELOAD").await.unwrap_err();
    assert_eq!(sqlstate(&err), "F0000");
    assert!(message(&err).contains(":3:"), "{}", message(&err));
    assert!(message(&err).contains("bogus"), "{}", message(&err));
    assert_eq!(value(&c, "SELECT 5").await, "5");
    let d = app_client(r.port).await;
    assert_eq!(value(&d, "SELECT 6").await, "6");
}

#[tokio::test]
async fn pause_waits_for_servers_and_resume_lets_queries_go_on() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let a = app_client(port).await;
    a.simple_query("BEGIN").await.unwrap();
    let pause = tokio::spawn(admin_command(port, "PAUSE"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !pause.is_finished(),
        "PAUSE returned while a transaction held a server"
    );
    a.simple_query("COMMIT").await.unwrap();
    let notices = tokio::time::timeout(Duration::from_secs(2), pause)
        .await
        .expect("PAUSE did not return after the transaction ended")
        .unwrap()
        .unwrap();
    assert!(
        notices.join("").contains("paused app/md5user"),
        "{notices:?}"
    );
    // Server connections are closed while paused; new queries wait.
    assert_eq!(md5_servers(port).await, 0);
    let dbs = admin_show(port, "DATABASES").await;
    assert!(dbs
        .iter()
        .all(|row| row.iter().any(|(k, v)| k == "paused" && v == "1")));
    let waiting = tokio::spawn(async move {
        let started = Instant::now();
        a.simple_query("SELECT 1").await.unwrap();
        started.elapsed()
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "a query ran while paused");
    let err = admin_command(port, "PAUSE").await.unwrap_err();
    assert_eq!(sqlstate(&err), "55000");
    admin_command(port, "RESUME").await.unwrap();
    let waited = tokio::time::timeout(Duration::from_secs(2), waiting)
        .await
        .expect("RESUME did not release the waiting query")
        .unwrap();
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    // Per database, and the errors.
    admin_command(port, "PAUSE app").await.unwrap();
    admin_command(port, "RESUME app").await.unwrap();
    let err = admin_command(port, "PAUSE nosuchdb").await.unwrap_err();
    assert_eq!(sqlstate(&err), "3D000");
    assert!(message(&err).contains("nosuchdb"));
    let err = admin_command(port, "RESUME").await.unwrap_err();
    assert_eq!(sqlstate(&err), "55000");
    let b = app_client(port).await;
    assert_eq!(value(&b, "SELECT 2").await, "2");
}

#[tokio::test]
async fn reconnect_replaces_server_connections_and_disable_refuses_new_clients() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let a = app_client(port).await;
    let before = backend_pid(&a).await;
    // RECONNECT while a transaction holds the connection: it stays until released, then the
    // next transaction gets a new server process; the client stays connected throughout.
    a.simple_query("BEGIN").await.unwrap();
    let notices = admin_command(port, "RECONNECT").await.unwrap().join("\n");
    assert!(notices.contains("app/md5user"), "{notices}");
    assert_eq!(backend_pid(&a).await, before, "inside the transaction");
    a.simple_query("COMMIT").await.unwrap();
    let after = backend_pid(&a).await;
    assert_ne!(after, before, "RECONNECT kept the old server connection");
    // Idle connections close at once; per database too.
    admin_command(port, "RECONNECT app").await.unwrap();
    assert_eq!(md5_servers(port).await, 0);
    assert_ne!(backend_pid(&a).await, after);
    let err = admin_command(port, "RECONNECT nosuchdb").await.unwrap_err();
    assert_eq!(sqlstate(&err), "3D000");

    // DISABLE: new clients are refused with 57P03 naming the database; connected ones go on.
    admin_command(port, "DISABLE app").await.unwrap();
    let dbs = admin_show(port, "DATABASES").await;
    assert!(dbs
        .iter()
        .all(|row| row.iter().any(|(k, v)| k == "disabled" && v == "1")));
    let err = connect(port, MD5_USER, MD5_PASS, "app").await.unwrap_err();
    assert_eq!(sqlstate(&err), "57P03");
    assert!(message(&err).contains("ENABLE app"), "{}", message(&err));
    assert_eq!(value(&a, "SELECT 7").await, "7");
    let err = admin_command(port, "DISABLE app").await.unwrap_err();
    assert_eq!(sqlstate(&err), "55000");
    let err = admin_command(port, "DISABLE").await.unwrap_err();
    assert_eq!(sqlstate(&err), "42601");
    admin_command(port, "ENABLE app").await.unwrap();
    let b = app_client(port).await;
    assert_eq!(value(&b, "SELECT 8").await, "8");
    let err = admin_command(port, "ENABLE app").await.unwrap_err();
    assert_eq!(sqlstate(&err), "55000");
}

#[tokio::test]
async fn kill_closes_the_database_s_clients_and_servers_and_pauses_it() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let idle = app_client(port).await;
    assert_eq!(value(&idle, "SELECT 1").await, "1");
    let busy = app_client(port).await;
    busy.simple_query("BEGIN").await.unwrap();
    // A query in flight gets the FATAL, which names the command.
    let conninfo = format!("host=127.0.0.1 port={port} user={MD5_USER} dbname=app");
    let running =
        tokio::spawn(async move { psql(&conninfo, MD5_PASS, &["SELECT pg_sleep(5)"]).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let notices = admin_command(port, "KILL app").await.unwrap().join("\n");
    assert!(notices.contains("killed app/md5user"), "{notices}");
    let (ok, out) = tokio::time::timeout(Duration::from_secs(3), running)
        .await
        .expect("KILL did not end the running query")
        .unwrap();
    assert!(!ok && out.contains("was killed (KILL app)"), "{out}");
    // Idle clients, in a transaction or not, are closed.
    for client in [&idle, &busy] {
        assert!(client.simple_query("SELECT 2").await.is_err());
        assert!(client.is_closed());
    }
    // Its server connections are gone too (the open transaction was not kept).
    let deadline = Instant::now() + Duration::from_secs(2);
    while md5_servers(port).await > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(md5_servers(port).await, 0);
    // Paused: a new client logs in and waits at its first query until RESUME.
    let late = app_client(port).await;
    let waiting = tokio::spawn(async move { value(&late, "SELECT 3").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "a query ran in a killed database");
    admin_command(port, "RESUME app").await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(2), waiting)
        .await
        .expect("RESUME did not release the waiting query")
        .unwrap();
    assert_eq!(got, "3");
    let err = admin_command(port, "KILL nosuchdb").await.unwrap_err();
    assert_eq!(sqlstate(&err), "3D000");
    let err = admin_command(port, "KILL").await.unwrap_err();
    assert_eq!(sqlstate(&err), "42601");
}

/// An idle client, which sends nothing, is closed by a KILL of its database: the KILL
/// wakes its session (sessions keep no waiter of their own; see `CheapSignal`).
#[tokio::test]
async fn kill_wakes_idle_clients() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let idle = app_client(port).await;
    assert_eq!(value(&idle, "SELECT 1").await, "1");
    admin_command(port, "KILL app").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(3);
    while !idle.is_closed() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        idle.is_closed(),
        "an idle client outlived the KILL of its database"
    );
    admin_command(port, "RESUME app").await.unwrap();
}

/// A session in the middle of streaming a large result (a COPY of 10^9 rows) sees a KILL
/// promptly, and its client gets the FATAL or a closed socket, never an error message
/// inside a half-forwarded one.
#[tokio::test]
async fn kill_reaches_a_session_that_is_streaming() {
    use futures_util::StreamExt;
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let client = app_client(port).await;
    let stream = client
        .copy_out("COPY (SELECT generate_series(1, 1000000000)) TO STDOUT")
        .await
        .unwrap();
    let reader = tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        let mut bytes = 0usize;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(data) => bytes += data.len(),
                Err(e) => return (bytes, Some(e)),
            }
        }
        (bytes, None)
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    admin_command(port, "KILL app").await.unwrap();
    let (bytes, err) = tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .expect("KILL did not stop a streaming session")
        .unwrap();
    assert!(bytes > 0, "the COPY had not started streaming");
    let err = err.expect("the COPY ended without an error");
    // The FATAL when the KILL came between two messages; else the socket just closes
    // (an error inside a half-sent message would garble the stream).
    if let Some(db) = err.as_db_error() {
        assert!(db.message().contains("was killed (KILL app)"), "{db:?}");
    } else {
        assert!(
            err.is_closed() || err.to_string().contains("connection"),
            "{err}"
        );
    }
    admin_command(port, "RESUME app").await.unwrap();
}

#[tokio::test]
async fn admin_shutdown_stops_now_and_wait_for_servers_drains() {
    require_postgres!();
    // SHUTDOWN: every client is closed at once, even inside a transaction.
    let r = start_router_from_file("shutdown", &config_text(&RouterOpts::default())).await;
    let idle = app_client(r.port).await;
    idle.simple_query("SELECT 1").await.unwrap();
    let busy = connect(r.port, SCRAM_USER, SCRAM_PASS, "app")
        .await
        .unwrap();
    busy.simple_query("BEGIN").await.unwrap();
    let _ = admin_command(r.port, "SHUTDOWN").await;
    tokio::time::timeout(Duration::from_secs(2), r.done)
        .await
        .expect("router did not stop")
        .unwrap();
    assert!(busy.simple_query("SELECT 1").await.is_err());
    assert!(idle.simple_query("SELECT 1").await.is_err());
    assert!(TcpStream::connect(("127.0.0.1", r.port)).await.is_err());

    // SHUTDOWN WAIT_FOR_SERVERS: the open transaction may finish first.
    let r = start_router_from_file("drain", &config_text(&RouterOpts::default())).await;
    let busy = app_client(r.port).await;
    busy.simple_query("BEGIN").await.unwrap();
    admin_command(r.port, "SHUTDOWN WAIT_FOR_SERVERS")
        .await
        .unwrap();
    assert_eq!(value(&busy, "SELECT 7").await, "7");
    busy.simple_query("COMMIT").await.unwrap();
    tokio::time::timeout(Duration::from_millis(800), r.done)
        .await
        .expect("router did not stop after the last transaction")
        .unwrap();
}

/// The binary, started on a configuration file.
struct Binary {
    child: tokio::process::Child,
    port: u16,
    path: std::path::PathBuf,
}

async fn start_binary(name: &str, opts: RouterOpts) -> Binary {
    let port = free_port();
    let text = config_text(&opts).replace("port = 0", &format!("port = {port}"));
    let path = std::env::temp_dir().join(format!(
        "pgml-router-bin-{}-{name}.toml",
        std::process::id()
    ));
    std::fs::write(&path, text).unwrap();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_pgml-router"))
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Binary { child, port, path };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("pgml-router did not start listening on {port}");
}

impl Binary {
    fn signal(&self, name: &str) {
        let pid = self.child.id().unwrap().to_string();
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }

    async fn exit_within(&mut self, limit: Duration) -> std::process::ExitStatus {
        tokio::time::timeout(limit, self.child.wait())
            .await
            .expect("pgml-router did not exit in time")
            .unwrap()
    }
}

#[tokio::test]
async fn sighup_reloads_and_sigint_drains() {
    require_postgres!();
    let mut bin = start_binary("hup", RouterOpts::default()).await;
    let a = app_client(bin.port).await;
    let pid_a = backend_pid(&a).await;
    let text =
        reloaded_config(2, "transaction").replace("port = 0", &format!("port = {}", bin.port));
    std::fs::write(&bin.path, text).unwrap();
    bin.signal("HUP");
    let mut c = None;
    for _ in 0..50 {
        if let Ok(client) = connect(bin.port, MD5_USER, MD5_PASS, "app2").await {
            c = Some(client);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let c = c.expect("SIGHUP did not add pool app2");
    assert_eq!(value(&c, "SELECT 1").await, "1");
    assert_eq!(backend_pid(&a).await, pid_a);

    // SIGINT: the open transaction finishes, idle clients are closed, then exit 0.
    a.simple_query("BEGIN").await.unwrap();
    bin.signal("INT");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(c.simple_query("SELECT 1").await.is_err());
    assert_eq!(value(&a, "SELECT 8").await, "8");
    a.simple_query("COMMIT").await.unwrap();
    let status = bin.exit_within(Duration::from_secs(2)).await;
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn sigterm_stops_now() {
    require_postgres!();
    let mut bin = start_binary("term", RouterOpts::default()).await;
    let a = app_client(bin.port).await;
    a.simple_query("BEGIN").await.unwrap();
    let started = Instant::now();
    bin.signal("TERM");
    let status = bin.exit_within(Duration::from_secs(2)).await;
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(1));
    let err = a.simple_query("SELECT 1").await.unwrap_err();
    assert!(a.is_closed(), "{err}");
}

#[tokio::test]
async fn show_users_lists_names_with_their_pool_mode_override_or_null() {
    require_postgres!();
    let extra = format!(
        "\n[pools.other]\npool_mode = \"transaction\"\n\n[pools.other.users.0]\n\
         username = \"sessuser\"\npassword = \"x\"\npool_size = 1\npool_mode = \"session\"\n\n\
         [pools.other.shards.0]\ndatabase = \"postgres\"\n\
         servers = [[\"127.0.0.1\", {}, \"primary\"]]\n",
        postgres().port
    );
    let port = start_router(RouterOpts {
        extra,
        ..RouterOpts::default()
    })
    .await;
    let admin = connect(port, "admin", ADMIN_PASS, "pgbouncer")
        .await
        .unwrap();
    let messages = admin.simple_query("show users;").await.unwrap();
    let mut columns = None;
    let mut rows = Vec::new();
    for m in &messages {
        match m {
            tokio_postgres::SimpleQueryMessage::RowDescription(cols) => {
                columns = Some(cols.iter().map(|c| c.name().to_owned()).collect::<Vec<_>>());
            }
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                rows.push((r.get(0).unwrap().to_owned(), r.get(1).map(str::to_owned)));
            }
            _ => {}
        }
    }
    assert_eq!(
        columns.unwrap(),
        [
            "name",
            "pool_mode",
            "max_user_connections",
            "current_connections"
        ]
    );
    // NULL where the user follows its database's pool_mode, as PgBouncer prints it.
    assert_eq!(
        rows,
        [
            (MD5_USER.to_owned(), None),
            (SCRAM_USER.to_owned(), None),
            ("sessuser".to_owned(), Some("session".to_owned())),
        ]
    );
    // psql shows the same table.
    let conninfo = format!("host=127.0.0.1 port={port} user=admin dbname=pgml-router");
    let (ok, out) = psql(&conninfo, ADMIN_PASS, &["SHOW USERS"]).await;
    assert!(ok, "{out}");
    assert!(out.contains("sessuser|session|0|"), "{out}");
    assert!(out.contains(&format!("{MD5_USER}||0|")), "{out}");
}
