//! Faults and limits: a server that dies without a word, garbage inside a session,
//! very large rows, graceful shutdown.

use std::time::Duration;

use bytes::BytesMut;
use pgwire::backend::{Authentication, BackendKeyData, ReadyForQuery, TransactionStatus};
use pgwire::frontend::StartupMessage;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::*;

/// A fake server: trust login, then closes the socket at the first query.
async fn dying_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = BytesMut::new();
                // Startup packet.
                while pgwire::split_startup_frame(&mut buf, 10_000)
                    .unwrap()
                    .is_none()
                {
                    if s.read_buf(&mut buf).await.unwrap_or(0) == 0 {
                        return;
                    }
                }
                let mut out = BytesMut::new();
                Authentication::Ok.encode(&mut out).unwrap();
                BackendKeyData {
                    process_id: 4242,
                    secret_key: pgwire::SecretKey::from_i32(7),
                }
                .encode(&mut out);
                ReadyForQuery {
                    status: TransactionStatus::Idle,
                }
                .encode(&mut out);
                s.write_all(&out).await.unwrap();
                // First query: die without an ErrorResponse.
                let _ = s.read_buf(&mut buf).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn server_vanishing_mid_query_gives_08006() {
    let server_port = dying_server().await;
    let port = start_router(RouterOpts {
        server_port: Some(server_port),
        ..RouterOpts::default()
    })
    .await;
    let client = app_client(port).await;
    let err = client.simple_query("SELECT 1").await.unwrap_err();
    assert_eq!(sqlstate(&err), "08006", "{}", message(&err));
    assert!(message(&err).contains("app/md5user"), "{}", message(&err));
    // The slot was freed: a new client gets a fresh server connection (which dies too).
    let again = app_client(port).await;
    let err = again.simple_query("SELECT 1").await.unwrap_err();
    assert_eq!(sqlstate(&err), "08006");
}

/// Logs in with the raw protocol (md5), returns the socket after ReadyForQuery.
async fn raw_login(port: u16) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut out = BytesMut::new();
    StartupMessage::new([("user", MD5_USER), ("database", "app")])
        .encode(&mut out)
        .unwrap();
    s.write_all(&out).await.unwrap();
    let mut buf = BytesMut::new();
    loop {
        let frame = loop {
            if let Some(f) = pgwire::split_frame(&mut buf, 1 << 20).unwrap() {
                break f;
            }
            assert!(
                s.read_buf(&mut buf).await.unwrap() > 0,
                "closed during login"
            );
        };
        match frame.tag() {
            b'R' => {
                if let Authentication::Md5Password { salt } =
                    Authentication::decode(frame.body()).unwrap()
                {
                    let mut out = BytesMut::new();
                    pgwire::frontend::PasswordMessage {
                        password: pgml_router::auth::md5_response(MD5_USER, MD5_PASS, salt),
                    }
                    .encode(&mut out)
                    .unwrap();
                    s.write_all(&out).await.unwrap();
                }
            }
            b'Z' => return s,
            b'E' => panic!("login failed"),
            _ => {}
        }
    }
}

#[tokio::test]
async fn garbage_inside_a_session_is_a_protocol_error() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let mut s = raw_login(port).await;
    // A Query whose length word is below the header size.
    s.write_all(b"Q\x00\x00\x00\x02garbage").await.unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut reply))
        .await
        .expect("router kept the connection open")
        .unwrap();
    assert_eq!(reply.first(), Some(&b'E'), "{reply:?}");
    assert!(String::from_utf8_lossy(&reply).contains("08P01"));
    // Other clients are still served, by the same pool.
    let client = app_client(port).await;
    client.simple_query("SELECT 1").await.unwrap();
}

/// A KILL that comes while a large COPY streams, with a message half forwarded, closes
/// the client's socket at a message boundary or just after a partial one, never with an
/// ErrorResponse written into the middle of a CopyData: what the client received parses
/// as whole messages, then (at most) the start of one.
#[tokio::test]
async fn kill_mid_message_leaves_the_stream_parseable() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let mut s = raw_login(port).await;
    let mut out = BytesMut::new();
    pgwire::frontend::Query {
        query: "COPY (SELECT repeat('x', 100000) FROM generate_series(1, 1000000)) TO STDOUT"
            .to_owned(),
    }
    .encode(&mut out)
    .unwrap();
    s.write_all(&out).await.unwrap();
    let mut buf = BytesMut::new();
    let mut received = 0usize;
    let mut killed = false;
    let mut errors = Vec::new();
    let outcome = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            while let Some(frame) = pgwire::split_frame(&mut buf, 1 << 20).unwrap() {
                if frame.tag() == b'E' {
                    errors.push(String::from_utf8_lossy(frame.body()).into_owned());
                }
            }
            if !killed && received > 8 << 20 {
                admin_command(port, "KILL app").await.unwrap();
                killed = true;
            }
            match s.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received += n,
            }
        }
    })
    .await;
    outcome.expect("the router did not close the streaming client after KILL");
    assert!(killed, "the COPY ended before the KILL ({received} bytes)");
    // What is left is less than one message: the start of a CopyData whose length word
    // (if complete) says more than what came, and whose payload so far is the rows' own
    // bytes (an ErrorResponse written into it would show there).
    if !buf.is_empty() {
        assert_eq!(
            buf[0],
            b'd',
            "trailing bytes: {:?}",
            &buf[..buf.len().min(16)]
        );
    }
    if buf.len() >= 5 {
        let len = u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]) as usize;
        assert!(len + 1 > buf.len(), "a whole message was left unparsed");
        let payload = &buf[5..];
        assert!(
            payload.iter().all(|&b| b == b'x' || b == b'\n'),
            "foreign bytes inside the half-sent CopyData: {:?}",
            String::from_utf8_lossy(&payload[payload.len().saturating_sub(120)..])
        );
    }
    for e in &errors {
        assert!(e.contains("was killed (KILL app)"), "{e}");
    }
    admin_command(port, "RESUME app").await.unwrap();
}

#[tokio::test]
async fn very_large_rows_stream_through() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let client = app_client(port).await;
    let size = 16 * 1024 * 1024;
    let row = client
        .query_one("SELECT repeat('x', $1)", &[&size])
        .await
        .unwrap();
    assert_eq!(row.get::<_, &str>(0).len(), size as usize);
    // A large parameter (client -> server direction) as well.
    let big = "y".repeat(8 * 1024 * 1024);
    let row = client
        .query_one("SELECT length($1::text)", &[&big])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 8 * 1024 * 1024);
}

#[tokio::test]
async fn shutdown_stops_accepting_and_lets_transactions_finish() {
    require_postgres!();
    let (port, shutdown) = start_router_with_shutdown(RouterOpts {
        pool_size: 2,
        ..RouterOpts::default()
    })
    .await;
    let busy = app_client(port).await;
    let idle = app_client(port).await;
    busy.simple_query("DROP TABLE IF EXISTS drain_test; CREATE TABLE drain_test (x int)")
        .await
        .unwrap();
    busy.simple_query("BEGIN; INSERT INTO drain_test VALUES (1)")
        .await
        .unwrap();
    shutdown.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // New clients are refused; the idle one was told and closed.
    assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());
    let err = idle.simple_query("SELECT 1").await.unwrap_err();
    assert!(idle.is_closed(), "{err}");
    // The open transaction goes on to its end...
    busy.simple_query("INSERT INTO drain_test VALUES (2)")
        .await
        .unwrap();
    busy.simple_query("COMMIT").await.unwrap();
    // ...and then the client is closed, with 57P01.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(busy.is_closed());
    let check = connect(postgres().port, MD5_USER, MD5_PASS, "postgres")
        .await
        .unwrap();
    let n: i64 = check
        .query_one("SELECT count(*) FROM drain_test", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
}

#[tokio::test]
async fn shutdown_timeout_closes_transactions_that_do_not_end() {
    require_postgres!();
    let (port, shutdown) = start_router_with_shutdown(RouterOpts::default()).await;
    let client = app_client(port).await;
    client.simple_query("BEGIN").await.unwrap();
    shutdown.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    client.simple_query("SELECT 1").await.unwrap();
    // After shutdown_timeout (1 s in tests) it is closed anyway.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(client.simple_query("SELECT 1").await.is_err());
}

#[tokio::test]
async fn idle_connections_are_closed_after_idle_timeout() {
    require_postgres!();
    let port = start_router(RouterOpts {
        idle_timeout: 200,
        ..RouterOpts::default()
    })
    .await;
    let client = app_client(port).await;
    client.simple_query("SELECT 1").await.unwrap();
    assert_eq!(md5_servers(port).await, 1);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(md5_servers(port).await, 0);
    // The client goes on with a new connection.
    client.simple_query("SELECT 1").await.unwrap();
}

#[tokio::test]
async fn min_pool_size_connections_are_opened_in_the_background() {
    require_postgres!();
    let port = start_router(RouterOpts {
        pool_size: 3,
        min_pool_size: 2,
        ..RouterOpts::default()
    })
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while md5_servers(port).await < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "min_pool_size not reached"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(md5_servers(port).await, 2);
}

/// Resumes a stopped process when dropped, whatever the test did.
struct Continue(String);

impl Drop for Continue {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-CONT", &self.0])
            .status();
    }
}

#[tokio::test]
async fn a_hung_idle_connection_fails_its_health_check_and_is_replaced() {
    require_postgres!();
    let port = start_router(RouterOpts {
        general: "healthcheck_delay = 0\nhealthcheck_timeout = 300\n".to_owned(),
        ..RouterOpts::default()
    })
    .await;
    let client = app_client(port).await;
    let hung = backend_pid(&client).await;
    // The backend stops answering (as a frozen or partitioned server would) while its
    // connection sits idle in the pool.
    let stopped = std::process::Command::new("kill")
        .args(["-STOP", &hung])
        .status()
        .unwrap();
    assert!(stopped.success());
    let _resume = Continue(hung.clone());
    let started = std::time::Instant::now();
    let fresh = tokio::time::timeout(Duration::from_secs(5), backend_pid(&client))
        .await
        .expect("the query waited on the hung connection");
    assert_ne!(fresh, hung);
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    // Healthy connections pass their check and are reused.
    assert_eq!(backend_pid(&client).await, fresh);
}

/// A client that pipelines (writes its queries while it reads the answers, as
/// tokio-postgres, psycopg's `executemany` and libpq's pipeline mode do) more than the
/// sockets hold in both directions: the router must go on reading the server's answers
/// while its own write to the server waits, else the server blocks on its answers,
/// stops reading, and the three stall for good.
#[tokio::test]
async fn a_pipeline_larger_than_the_socket_buffers_completes() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let client = app_client(port).await;
    let statement = client
        .prepare("SELECT length($1::text), repeat('z', 131072)")
        .await
        .unwrap();
    let param = "p".repeat(64 * 1024);
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&param];
    // 64 MiB of queries and 128 MiB of answers, beyond what loopback's socket buffers
    // hold (up to 32 MiB each here).
    let queries = (0..1024).map(|_| client.query_one(&statement, &params));
    let answers = tokio::time::timeout(
        Duration::from_secs(60),
        futures_util::future::join_all(queries),
    )
    .await
    .expect("the pipeline stalled");
    assert_eq!(answers.len(), 1024);
    for row in answers {
        let row = row.unwrap();
        assert_eq!(row.get::<_, i32>(0), 64 * 1024);
        assert_eq!(row.get::<_, &str>(1).len(), 131072);
    }
}

/// A Flush after a Sync, or on its own between transactions, asks for nothing: the
/// server connection goes back to the pool at the ReadyForQuery all the same (it was
/// held until the client's next Sync).
#[tokio::test]
async fn a_flush_with_nothing_pending_does_not_hold_the_connection() {
    require_postgres!();
    let port = start_router(RouterOpts {
        pool_size: 1,
        query_wait_timeout: 1000,
        ..RouterOpts::default()
    })
    .await;
    let mut s = raw_login(port).await;
    let mut out = BytesMut::new();
    pgwire::frontend::Parse {
        query: "SELECT 1".to_owned(),
        ..Default::default()
    }
    .encode(&mut out)
    .unwrap();
    pgwire::frontend::Bind::default().encode(&mut out).unwrap();
    pgwire::frontend::Execute::default()
        .encode(&mut out)
        .unwrap();
    out.extend_from_slice(b"S\x00\x00\x00\x04");
    out.extend_from_slice(b"H\x00\x00\x00\x04");
    s.write_all(&out).await.unwrap();
    let mut buf = BytesMut::new();
    loop {
        match pgwire::split_frame(&mut buf, 1 << 20).unwrap() {
            Some(f) if f.tag() == b'Z' => break,
            Some(_) => {}
            None => assert!(s.read_buf(&mut buf).await.unwrap() > 0, "closed"),
        }
    }
    let other = app_client(port).await;
    other.simple_query("SELECT 1").await.unwrap();
    // A lone Flush between transactions.
    s.write_all(b"H\x00\x00\x00\x04").await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    other.simple_query("SELECT 2").await.unwrap();
    // The raw client still works.
    s.write_all(&out).await.unwrap();
    loop {
        match pgwire::split_frame(&mut buf, 1 << 20).unwrap() {
            Some(f) if f.tag() == b'Z' => break,
            Some(_) => {}
            None => assert!(s.read_buf(&mut buf).await.unwrap() > 0, "closed"),
        }
    }
}

/// A fake server that starts SCRAM-SHA-256, then says AuthenticationOk without proving
/// it knows the password (no SASLFinal): a man in the middle would do just that.
async fn scram_skipping_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = BytesMut::new();
                while pgwire::split_startup_frame(&mut buf, 10_000)
                    .unwrap()
                    .is_none()
                {
                    if s.read_buf(&mut buf).await.unwrap_or(0) == 0 {
                        return;
                    }
                }
                let mut out = BytesMut::new();
                Authentication::Sasl {
                    mechanisms: vec!["SCRAM-SHA-256".to_owned()],
                }
                .encode(&mut out)
                .unwrap();
                s.write_all(&out).await.unwrap();
                // The SASLInitialResponse.
                while pgwire::split_frame(&mut buf, 10_000).unwrap().is_none() {
                    if s.read_buf(&mut buf).await.unwrap_or(0) == 0 {
                        return;
                    }
                }
                let mut out = BytesMut::new();
                Authentication::Ok.encode(&mut out).unwrap();
                BackendKeyData {
                    process_id: 4242,
                    secret_key: pgwire::SecretKey::from_i32(7),
                }
                .encode(&mut out);
                ReadyForQuery {
                    status: TransactionStatus::Idle,
                }
                .encode(&mut out);
                let _ = s.write_all(&out).await;
                let _ = s.read_buf(&mut buf).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn a_server_that_skips_the_scram_proof_is_refused() {
    let server_port = scram_skipping_server().await;
    let port = start_router(RouterOpts {
        server_port: Some(server_port),
        ..RouterOpts::default()
    })
    .await;
    // The client's login needs the server's parameters, so it is the login that fails.
    let err = connect(port, MD5_USER, MD5_PASS, "app").await.unwrap_err();
    assert_eq!(sqlstate(&err), "08001", "{}", message(&err));
    assert!(message(&err).contains("SCRAM"), "{}", message(&err));
}

/// A client asking for protocol 3.5 and a protocol option gets NegotiateProtocolVersion
/// (3.2, the option named) before the password request, as PostgreSQL answers; an empty
/// cleartext password is refused.
#[tokio::test]
async fn newer_protocol_versions_are_negotiated_down() {
    require_postgres!();
    let port = start_router(RouterOpts {
        auth_method: "password",
        ..RouterOpts::default()
    })
    .await;
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut out = BytesMut::new();
    let mut startup = StartupMessage::new([
        ("user", MD5_USER),
        ("database", "app"),
        ("_pq_.compression", "on"),
    ]);
    startup.version = pgwire::frontend::ProtocolVersion { major: 3, minor: 5 };
    startup.encode(&mut out).unwrap();
    s.write_all(&out).await.unwrap();
    let mut buf = BytesMut::new();
    let mut next = async || loop {
        if let Some(f) = pgwire::split_frame(&mut buf, 1 << 20).unwrap() {
            return f;
        }
        assert!(s.read_buf(&mut buf).await.unwrap() > 0, "closed");
    };
    let first = next().await;
    assert_eq!(first.tag(), b'v');
    let negotiated = pgwire::backend::NegotiateProtocolVersion::decode(first.body()).unwrap();
    assert_eq!(negotiated.newest_minor, 2);
    assert_eq!(negotiated.unrecognized_options, vec!["_pq_.compression"]);
    let request = next().await;
    assert_eq!(request.tag(), b'R');
    // An empty password.
    s.write_all(b"p\x00\x00\x00\x05\x00").await.unwrap();
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut reply)).await;
    assert_eq!(reply.first(), Some(&b'E'), "{reply:?}");
    assert!(String::from_utf8_lossy(&reply).contains("28P01"));
}
