//! TLS on both sides: clients with `sslmode=require` (psql and tokio-postgres over
//! rustls), `client_tls_required`, wrong and absent TLS, and `server_tls` towards a
//! PostgreSQL 15 that has `ssl = on`.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::*;
use crate::first_value;

const SSL_REQUEST: &[u8] = b"\x00\x00\x00\x08\x04\xd2\x16\x2f";

fn tls_opts(required: bool) -> RouterOpts {
    RouterOpts {
        general: format!("{}client_tls_required = {required}\n", client_tls_config()),
        ..RouterOpts::default()
    }
}

/// A pool `tlsapp` for the user that PostgreSQL only admits over TLS.
fn tls_pool() -> String {
    format!(
        "[pools.tlsapp.users.0]\nusername = \"{TLS_USER}\"\npassword = \"{TLS_PASS}\"\n\
         pool_size = 2\n\n[pools.tlsapp.shards.0]\ndatabase = \"postgres\"\n\
         servers = [[\"127.0.0.1\", {}, \"primary\"]]\n",
        postgres().port
    )
}

#[tokio::test]
async fn tls_clients_psql_and_tokio_postgres_with_sslmode_require() {
    require_postgres!();
    let port = start_router(tls_opts(false)).await;
    let certs = certs();
    // psql: sslmode=require, and verify-full against the test CA.
    for mode in [
        "sslmode=require".to_owned(),
        format!("sslmode=verify-full sslrootcert={}", certs.ca.display()),
    ] {
        let conninfo = format!("host=127.0.0.1 port={port} user={MD5_USER} dbname=app {mode}");
        let (ok, out) = psql(
            &conninfo,
            MD5_PASS,
            &["SELECT 40 + 2", "SELECT current_user"],
        )
        .await;
        assert!(ok, "{out}");
        assert!(out.contains("42") && out.contains(MD5_USER), "{out}");
        let (ok, out) = psql(&conninfo, MD5_PASS, &["\\conninfo"]).await;
        assert!(ok && out.contains("SSL connection"), "{out}");
    }
    // tokio-postgres over rustls, certificate checked; simple and extended queries.
    let client = connect_tls(port, SCRAM_USER, SCRAM_PASS, "app", &certs.ca)
        .await
        .unwrap();
    let row = client
        .query_one("SELECT $1::int4 * 2", &[&21i32])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 42);
    let rows = client
        .simple_query("SELECT repeat('x', 100000)")
        .await
        .unwrap();
    assert_eq!(first_value(&rows).map(|v| v.len()), Some(100_000));
    // The admin console over TLS.
    let admin = connect_tls(port, "admin", ADMIN_PASS, "pgml-router", &certs.ca)
        .await
        .unwrap();
    let rows = admin.simple_query("SHOW CONFIG").await.unwrap();
    assert!(!rows.is_empty());
    // TLS is optional unless required: plaintext clients still get in.
    let plain = app_client(port).await;
    let rows = plain.simple_query("SELECT 1").await.unwrap();
    assert_eq!(first_value(&rows).as_deref(), Some("1"));
}

#[tokio::test]
async fn client_tls_required_refuses_plaintext_with_28000() {
    require_postgres!();
    let port = start_router(tls_opts(true)).await;
    let err = connect(port, MD5_USER, MD5_PASS, "app").await.unwrap_err();
    assert_eq!(sqlstate(&err), "28000");
    assert!(
        message(&err).contains("client_tls_required"),
        "{}",
        message(&err)
    );
    assert!(message(&err).contains(MD5_USER), "{}", message(&err));
    // The admin console too.
    let err = connect(port, "admin", ADMIN_PASS, "pgml-router")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "28000");
    let conninfo = format!("host=127.0.0.1 port={port} user={MD5_USER} dbname=app");
    let (ok, out) = psql(
        &format!("{conninfo} sslmode=disable"),
        MD5_PASS,
        &["SELECT 1"],
    )
    .await;
    assert!(!ok && out.contains("client_tls_required"), "{out}");
    // With TLS the same user gets in.
    let (ok, out) = psql(
        &format!("{conninfo} sslmode=require"),
        MD5_PASS,
        &["SELECT 1"],
    )
    .await;
    assert!(ok, "{out}");
    let client = connect_tls(port, MD5_USER, MD5_PASS, "app", &certs().ca)
        .await
        .unwrap();
    assert_eq!(
        first_value(&client.simple_query("SELECT 5").await.unwrap()).as_deref(),
        Some("5")
    );
}

#[tokio::test]
async fn wrong_or_absent_tls_fails_cleanly_and_others_are_served() {
    require_postgres!();
    // A router without certificates answers N: sslmode=require clients fail.
    let plain_port = start_router(RouterOpts::default()).await;
    let conninfo = format!("host=127.0.0.1 port={plain_port} user={MD5_USER} dbname=app");
    let (ok, out) = psql(
        &format!("{conninfo} sslmode=require"),
        MD5_PASS,
        &["SELECT 1"],
    )
    .await;
    assert!(!ok && out.contains("does not support SSL"), "{out}");
    assert!(
        connect_tls(plain_port, MD5_USER, MD5_PASS, "app", &certs().ca)
            .await
            .is_err()
    );

    let port = start_router(tls_opts(false)).await;
    // A client that does not trust the router's CA gives up in the handshake.
    let err = connect_tls(port, MD5_USER, MD5_PASS, "app", &certs().other_ca)
        .await
        .unwrap_err();
    let why = format!("{err:?}");
    assert!(why.contains("UnknownIssuer"), "{why}");
    // psql verify-full with the wrong CA fails too.
    let conninfo = format!(
        "host=127.0.0.1 port={port} user={MD5_USER} dbname=app sslmode=verify-full sslrootcert={}",
        certs().other_ca.display()
    );
    let (ok, out) = psql(&conninfo, MD5_PASS, &["SELECT 1"]).await;
    assert!(!ok, "{out}");
    // Plaintext pipelined after SSLRequest (CVE-2021-23214 style) is refused.
    let mut raw = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut packet = SSL_REQUEST.to_vec();
    packet.extend_from_slice(b"\x00\x00\x00\x08\x00\x03\x00\x00");
    raw.write_all(&packet).await.unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(3), raw.read_to_end(&mut reply))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reply.first(), Some(&b'E'), "{reply:?}");
    assert!(
        String::from_utf8_lossy(&reply).contains("unencrypted data after SSL request"),
        "{reply:?}"
    );
    // Garbage instead of a TLS ClientHello: the connection is closed.
    let mut raw = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    raw.write_all(SSL_REQUEST).await.unwrap();
    let mut s = [0u8; 1];
    raw.read_exact(&mut s).await.unwrap();
    assert_eq!(&s, b"S");
    raw.write_all(b"this is not a TLS handshake at all\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), raw.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "router kept a broken TLS connection open");
    // Everyone else is still served, with and without TLS.
    let client = connect_tls(port, MD5_USER, MD5_PASS, "app", &certs().ca)
        .await
        .unwrap();
    assert_eq!(
        first_value(&client.simple_query("SELECT 9").await.unwrap()).as_deref(),
        Some("9")
    );
    let plain = app_client(port).await;
    plain.simple_query("SELECT 1").await.unwrap();
}

#[tokio::test]
async fn server_tls_reaches_a_hostssl_only_user() {
    require_postgres!();
    let ca = certs().ca.display().to_string();
    // Verified against the test CA, host 127.0.0.1 (an IP SAN in the certificate).
    let port = start_router(RouterOpts {
        general: format!(
            "server_tls = true\nverify_server_certificate = true\nserver_tls_ca_file = \"{ca}\"\n"
        ),
        extra: tls_pool(),
        ..RouterOpts::default()
    })
    .await;
    let client = connect(port, TLS_USER, TLS_PASS, "tlsapp").await.unwrap();
    let rows = client
        .simple_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .await
        .unwrap();
    assert_eq!(first_value(&rows).as_deref(), Some("t"));
    // md5 and SCRAM logins work over TLS as well.
    let md5 = app_client(port).await;
    let rows = md5
        .simple_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .await
        .unwrap();
    assert_eq!(first_value(&rows).as_deref(), Some("t"));
    // A cancel reaches the backend over TLS too (the key is not sent in clear).
    let token = client.cancel_token();
    let sleeper = tokio::spawn(async move { client.simple_query("SELECT pg_sleep(10)").await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    token.cancel_query(tokio_postgres::NoTls).await.unwrap();
    let err = sleeper.await.unwrap().unwrap_err();
    assert_eq!(sqlstate(&err), "57014", "{}", message(&err));

    // Unverified TLS (PgCat's default) also works.
    let port = start_router(RouterOpts {
        general: "server_tls = true\n".to_owned(),
        extra: tls_pool(),
        ..RouterOpts::default()
    })
    .await;
    let client = connect(port, TLS_USER, TLS_PASS, "tlsapp").await.unwrap();
    client.simple_query("SELECT 1").await.unwrap();

    // Without server_tls, PostgreSQL refuses the hostssl-only user.
    let port = start_router(RouterOpts {
        extra: tls_pool(),
        ..RouterOpts::default()
    })
    .await;
    let err = connect(port, TLS_USER, TLS_PASS, "tlsapp")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "28000", "{}", message(&err));
    assert!(
        message(&err).contains("tlsapp/tlsuser"),
        "{}",
        message(&err)
    );

    // Verification against a CA that did not sign the server's certificate fails.
    let other = certs().other_ca.display().to_string();
    let port = start_router(RouterOpts {
        general: format!(
            "server_tls = true\nverify_server_certificate = true\nserver_tls_ca_file = \"{other}\"\n"
        ),
        extra: tls_pool(),
        ..RouterOpts::default()
    })
    .await;
    let err = connect(port, TLS_USER, TLS_PASS, "tlsapp")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "08001", "{}", message(&err));
    assert!(message(&err).contains("server_tls"), "{}", message(&err));
    assert!(
        message(&err).contains("tlsapp/tlsuser"),
        "{}",
        message(&err)
    );
}

#[tokio::test]
async fn server_tls_to_a_server_without_tls_is_an_error() {
    // A fake server that answers N to SSLRequest.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut req = [0u8; 8];
            if s.read_exact(&mut req).await.is_ok() {
                let _ = s.write_all(b"N").await;
            }
        }
    });
    let port = start_router(RouterOpts {
        general: "server_tls = true\n".to_owned(),
        server_port: Some(server_port),
        ..RouterOpts::default()
    })
    .await;
    let err = connect(port, MD5_USER, MD5_PASS, "app").await.unwrap_err();
    assert_eq!(sqlstate(&err), "08001", "{}", message(&err));
    assert!(
        message(&err).contains("does not accept TLS"),
        "{}",
        message(&err)
    );
}

#[test]
fn unreadable_certificate_files_are_startup_errors() {
    let text = "[general]\nadmin_username = \"a\"\nadmin_password = \"b\"\n\
                tls_certificate = \"/nonexistent/cert.pem\"\n\
                tls_private_key = \"/nonexistent/key.pem\"\n";
    let config = pgml_router::config::Config::parse(text, "t").unwrap();
    let err = pgml_router::Shared::new(config).unwrap_err();
    assert!(
        err.contains("tls_certificate /nonexistent/cert.pem"),
        "{err}"
    );
    let text = "[general]\nadmin_username = \"a\"\nadmin_password = \"b\"\n\
                client_tls_required = true\n";
    let err = pgml_router::config::Config::parse(text, "t")
        .unwrap_err()
        .to_string();
    assert!(err.contains("client_tls_required"), "{err}");
}
