//! End-to-end tests: tokio-postgres and psql clients -> in-process router -> a real
//! PostgreSQL 15 started by the harness.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;
#[path = "integration/admin.rs"]
mod admin;
#[path = "integration/admin_set.rs"]
mod admin_set;
#[path = "integration/admin_show.rs"]
mod admin_show;
#[path = "integration/affinity.rs"]
mod affinity;
#[path = "integration/auth_query.rs"]
mod auth_query;
#[path = "integration/faults.rs"]
mod faults;
#[path = "integration/limits.rs"]
mod limits;
#[path = "integration/many_connections.rs"]
mod many_connections;
#[path = "integration/metrics.rs"]
mod metrics;
#[path = "integration/mirrors.rs"]
mod mirrors;
#[path = "integration/params.rs"]
mod params;
#[path = "integration/prepared.rs"]
mod prepared;
#[path = "integration/routing.rs"]
mod routing;
#[path = "integration/session_state.rs"]
mod session_state;
#[path = "integration/tls.rs"]
mod tls;

use std::time::{Duration, Instant};

use common::*;
use futures_util::{pin_mut, SinkExt, TryStreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_postgres::SimpleQueryMessage;

fn first_value(rows: &[SimpleQueryMessage]) -> Option<String> {
    rows.iter().find_map(|m| match m {
        SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
        _ => None,
    })
}

#[tokio::test]
async fn simple_and_extended_queries_through_md5_and_scram_servers() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    for (user, pass) in [(MD5_USER, MD5_PASS), (SCRAM_USER, SCRAM_PASS)] {
        let client = connect(port, user, pass, "app").await.unwrap();
        let rows = client.simple_query("SELECT current_user").await.unwrap();
        assert_eq!(first_value(&rows).as_deref(), Some(user));
        let row = client
            .query_one("SELECT $1::int4 + 1", &[&41i32])
            .await
            .unwrap();
        assert_eq!(row.get::<_, i32>(0), 42);
        let version: String = client
            .query_one("SHOW server_version", &[])
            .await
            .unwrap()
            .get(0);
        assert!(version.starts_with("15"), "{version}");
    }
}

#[tokio::test]
async fn client_scram_auth_accepts_right_and_rejects_wrong_password() {
    require_postgres!();
    let port = start_router(RouterOpts {
        auth_method: "scram-sha-256",
        ..RouterOpts::default()
    })
    .await;
    let client = connect(port, MD5_USER, MD5_PASS, "app").await.unwrap();
    let rows = client.simple_query("SELECT 1").await.unwrap();
    assert_eq!(first_value(&rows).as_deref(), Some("1"));
    let err = connect(port, MD5_USER, "wrong", "app").await.unwrap_err();
    assert_eq!(sqlstate(&err), "28P01");
}

#[tokio::test]
async fn login_errors_carry_sqlstate() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let err = connect(port, MD5_USER, "wrong", "app").await.unwrap_err();
    assert_eq!(sqlstate(&err), "28P01");
    let err = connect(port, MD5_USER, MD5_PASS, "nosuchdb")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "3D000");
    assert!(message(&err).contains("nosuchdb"), "{}", message(&err));
    // A user not configured gets the password exchange, then the wrong-password error,
    // so user names cannot be probed; so does a non-admin user on the admin console.
    let err = connect(port, "nobody", "x", "app").await.unwrap_err();
    assert_eq!(sqlstate(&err), "28P01");
    assert!(message(&err).contains("nobody"), "{}", message(&err));
    let err = connect(port, MD5_USER, MD5_PASS, "pgbouncer")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "28P01", "{}", message(&err));
}

#[tokio::test]
async fn transaction_mode_shares_one_server_connection() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let a = app_client(port).await;
    let b = app_client(port).await;
    let pid_a = backend_pid(&a).await;
    let pid_b = backend_pid(&b).await;
    assert_eq!(pid_a, pid_b);
    // Interleaved transactions on pool_size 1: b waits until a commits.
    a.simple_query("BEGIN").await.unwrap();
    let b_query = tokio::spawn(async move {
        let started = Instant::now();
        b.simple_query("SELECT 1").await.unwrap();
        started.elapsed()
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.simple_query("COMMIT").await.unwrap();
    let waited = b_query.await.unwrap();
    assert!(waited >= Duration::from_millis(150), "{waited:?}");
}

#[tokio::test]
async fn waiting_clients_are_served_in_arrival_order() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let holder = app_client(port).await;
    holder.simple_query("BEGIN").await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut waiters = Vec::new();
    for i in 0..4 {
        let client = app_client(port).await;
        let tx = tx.clone();
        waiters.push(tokio::spawn(async move {
            client.simple_query("SELECT 1").await.unwrap();
            tx.send(i).unwrap();
        }));
        // Let each one reach the queue before the next.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    holder.simple_query("COMMIT").await.unwrap();
    for w in waiters {
        w.await.unwrap();
    }
    drop(tx);
    let mut order = Vec::new();
    while let Some(i) = rx.recv().await {
        order.push(i);
    }
    assert_eq!(order, vec![0, 1, 2, 3]);
}

#[tokio::test]
async fn disconnect_inside_transaction_rolls_back() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let setup = app_client(port).await;
    setup
        .simple_query("DROP TABLE IF EXISTS rb_test; CREATE TABLE rb_test (x int)")
        .await
        .unwrap();
    let pid = backend_pid(&setup).await;
    drop(setup);
    let a = app_client(port).await;
    a.simple_query("BEGIN; INSERT INTO rb_test VALUES (1)")
        .await
        .unwrap();
    drop(a);
    let b = app_client(port).await;
    let rows = b
        .simple_query("SELECT count(*) FROM rb_test")
        .await
        .unwrap();
    assert_eq!(first_value(&rows).as_deref(), Some("0"));
    // The same server connection was cleaned and reused, not replaced.
    assert_eq!(backend_pid(&b).await, pid);
}

#[tokio::test]
async fn copy_in_and_out_pass_through() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let client = app_client(port).await;
    client
        .simple_query("DROP TABLE IF EXISTS copy_test; CREATE TABLE copy_test (id int, t text)")
        .await
        .unwrap();
    let rows = 20_000;
    let mut data = String::new();
    for i in 0..rows {
        data.push_str(&format!("{i}\t{}\n", "x".repeat(100)));
    }
    let sink = client.copy_in("COPY copy_test FROM STDIN").await.unwrap();
    pin_mut!(sink);
    for chunk in data.as_bytes().chunks(64 * 1024) {
        sink.send(bytes::Bytes::copy_from_slice(chunk))
            .await
            .unwrap();
    }
    let copied = sink.finish().await.unwrap();
    assert_eq!(copied, rows);
    let stream = client
        .copy_out("COPY (SELECT * FROM copy_test ORDER BY id) TO STDOUT")
        .await
        .unwrap();
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await.unwrap();
    let out: Vec<u8> = chunks.concat();
    assert_eq!(out.len(), data.len());
    assert!(out == data.as_bytes());
}

/// tokio-postgres' `copy_in` (like libpq's `PQexecParams`) sends Bind/Execute/Sync before
/// it knows the statement is a COPY; the server ignores that Sync, so only the Sync
/// after CopyDone is answered. The connection must still go back to the pool (with one
/// connection, the other client would otherwise wait in vain), after a COPY that
/// fails too.
#[tokio::test]
async fn an_extended_protocol_copy_gives_its_connection_back() {
    require_postgres!();
    let port = start_router(RouterOpts {
        pool_size: 1,
        query_wait_timeout: 3000,
        ..RouterOpts::default()
    })
    .await;
    let a = app_client(port).await;
    let b = app_client(port).await;
    a.simple_query("DROP TABLE IF EXISTS copy_back; CREATE TABLE copy_back (id int)")
        .await
        .unwrap();
    let sink = a.copy_in("COPY copy_back FROM STDIN").await.unwrap();
    pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(b"1\n2\n"))
        .await
        .unwrap();
    assert_eq!(sink.finish().await.unwrap(), 2);
    let count = b
        .query_one("SELECT count(*) FROM copy_back", &[])
        .await
        .unwrap();
    assert_eq!(count.get::<_, i64>(0), 2);
    // A COPY the server rejects halfway (bad data).
    let sink = a.copy_in("COPY copy_back FROM STDIN").await.unwrap();
    pin_mut!(sink);
    let _ = sink
        .send(bytes::Bytes::from_static(b"3\nnot a number\n"))
        .await;
    assert_eq!(sqlstate(&sink.finish().await.unwrap_err()), "22P02");
    let count = b
        .query_one("SELECT count(*) FROM copy_back", &[])
        .await
        .unwrap();
    assert_eq!(count.get::<_, i64>(0), 2);
    // And the client that copied goes on normally.
    let one = a.query_one("SELECT 1", &[]).await.unwrap();
    assert_eq!(one.get::<_, i32>(0), 1);
}

#[tokio::test]
async fn cancel_reaches_the_serving_backend() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let client = app_client(port).await;
    let token = client.cancel_token();
    let started = Instant::now();
    let sleeper = tokio::spawn(async move { client.simple_query("SELECT pg_sleep(10)").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    token.cancel_query(tokio_postgres::NoTls).await.unwrap();
    let err = sleeper.await.unwrap().unwrap_err();
    assert_eq!(sqlstate(&err), "57014");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn garbage_gets_an_error_and_others_are_still_served() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    for garbage in [
        &b"\x00\x00\x00\x08\x00\x09\x00\x00"[..],
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\xff\xff\xff\xff\xff\xff\xff\xff",
        b"\x00\x00\x00\x03",
    ] {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        s.write_all(garbage).await.unwrap();
        let mut reply = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut reply)).await;
        assert!(read.is_ok(), "router kept a garbage connection open");
        assert_eq!(reply.first(), Some(&b'E'), "{garbage:?} -> {reply:?}");
    }
    // Garbage after login, in the middle of a session.
    let mut raw = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    raw.write_all(b"\x00\x00\x00\x08\x04\xd2\x16\x2f")
        .await
        .unwrap(); // SSLRequest
    let mut n = [0u8; 1];
    raw.read_exact(&mut n).await.unwrap();
    assert_eq!(&n, b"N");
    drop(raw);
    let mut raw = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    raw.write_all(b"\x00\x00\x00\x08\x04\xd2\x16\x30")
        .await
        .unwrap(); // GSSENCRequest
    raw.read_exact(&mut n).await.unwrap();
    assert_eq!(&n, b"N");
    drop(raw);
    let client = app_client(port).await;
    let rows = client.simple_query("SELECT 7").await.unwrap();
    assert_eq!(first_value(&rows).as_deref(), Some("7"));
}

#[tokio::test]
async fn busy_pool_times_out_with_53300() {
    require_postgres!();
    let port = start_router(RouterOpts {
        query_wait_timeout: 300,
        ..RouterOpts::default()
    })
    .await;
    let a = app_client(port).await;
    a.simple_query("BEGIN").await.unwrap();
    let b = app_client(port).await;
    let started = Instant::now();
    let err = b.simple_query("SELECT 1").await.unwrap_err();
    assert_eq!(sqlstate(&err), "53300");
    assert!(message(&err).contains("app/md5user"), "{}", message(&err));
    assert!(started.elapsed() < Duration::from_secs(2));
    a.simple_query("COMMIT").await.unwrap();
}

#[tokio::test]
async fn server_death_is_reported_and_the_connection_replaced() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let a = app_client(port).await;
    let pid = backend_pid(&a).await;
    let sleeper = tokio::spawn(async move { a.simple_query("SELECT pg_sleep(10)").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pg = postgres();
    psql_superuser(pg.port, &format!("SELECT pg_terminate_backend({pid})"));
    let err = sleeper.await.unwrap().unwrap_err();
    let code = sqlstate(&err);
    assert!(code == "57P01" || code == "08006", "{err}");
    let b = app_client(port).await;
    let new_pid = backend_pid(&b).await;
    assert_ne!(new_pid, pid);
}

#[tokio::test]
async fn session_mode_discards_state_when_the_client_leaves() {
    require_postgres!();
    let port = start_router(RouterOpts {
        pool_mode: "session",
        ..RouterOpts::default()
    })
    .await;
    let a = app_client(port).await;
    a.simple_query("SET search_path = nowhere").await.unwrap();
    let pid = backend_pid(&a).await;
    drop(a);
    let b = app_client(port).await;
    let rows = b.simple_query("SHOW search_path").await.unwrap();
    assert_eq!(first_value(&rows).as_deref(), Some("\"$user\", public"));
    assert_eq!(backend_pid(&b).await, pid);
}

#[tokio::test]
async fn silent_clients_are_dropped_after_the_startup_timeout() {
    require_postgres!();
    let port = start_router(RouterOpts {
        connect_timeout: 300,
        ..RouterOpts::default()
    })
    .await;
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let started = Instant::now();
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut reply))
        .await
        .expect("router did not drop a silent client")
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn psql_admin_console_show_pools_and_version() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let client = app_client(port).await;
    client.simple_query("SELECT 1").await.unwrap();
    let out = tokio::process::Command::new("/usr/bin/psql")
        .args([
            "-X",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "admin",
            "-d",
            "pgbouncer",
            "-c",
            "SHOW POOLS",
            "-c",
            "SHOW VERSION",
            "-c",
            "SHOW CLIENTS",
            "-c",
            "SHOW SERVERS",
            "-c",
            "SHOW STATS",
            "-c",
            "SHOW DATABASES",
            "-c",
            "SHOW CONFIG",
        ])
        .env("PGPASSWORD", ADMIN_PASS)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("cl_active"), "{stdout}");
    assert!(stdout.contains("md5user"), "{stdout}");
    assert!(stdout.contains("transaction"), "{stdout}");
    assert!(stdout.contains("pgml-router"), "{stdout}");
    // SHOW CLIENTS lists the connected client (PgBouncer's `active`: logged in, not
    // waiting), SHOW SERVERS its idle server.
    assert!(
        stdout.contains(" C    | md5user | app      | active"),
        "{stdout}"
    );
    assert!(
        stdout.contains(" S    | md5user | app      | idle"),
        "{stdout}"
    );
    assert!(stdout.contains("total_query_count"), "{stdout}");
    assert!(stdout.contains("avg_xact_count"), "{stdout}");
    assert!(stdout.contains("query_wait_timeout"), "{stdout}");
    assert!(stdout.contains("force_user"), "{stdout}");
    // Wrong admin password is refused.
    let out = tokio::process::Command::new("/usr/bin/psql")
        .args([
            "-X",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "admin",
            "-d",
            "pgml-router",
            "-c",
            "SHOW VERSION",
            "-c",
            "SHOW CLIENTS",
            "-c",
            "SHOW SERVERS",
            "-c",
            "SHOW STATS",
            "-c",
            "SHOW DATABASES",
            "-c",
            "SHOW CONFIG",
        ])
        .env("PGPASSWORD", "nope")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    drop(client);
}
