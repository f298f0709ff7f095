//! The admin console's `SET key = value` and `WAIT_CLOSE [db]`, with real clients.

use std::time::{Duration, Instant};

use crate::common::*;
use crate::first_value;

/// The `(value, changeable)` of a `SHOW CONFIG` key.
async fn config_entry(port: u16, key: &str) -> (String, String) {
    let rows = admin_show(port, "CONFIG").await;
    let row = rows
        .iter()
        .find(|row| row.contains(&("key".to_owned(), key.to_owned())))
        .unwrap_or_else(|| panic!("SHOW CONFIG has no {key}: {rows:?}"));
    let get = |col: &str| row.iter().find(|(k, _)| k == col).unwrap().1.clone();
    (get("value"), get("changeable"))
}

#[tokio::test]
async fn set_changes_an_option_until_reload() {
    require_postgres!();
    let r = start_router_from_file("set", &config_text(&RouterOpts::default())).await;
    let port = r.port;
    assert_eq!(
        config_entry(port, "query_wait_timeout").await,
        ("5000".to_owned(), "yes".to_owned())
    );
    assert_eq!(config_entry(port, "port").await.1, "no");

    // A lower query_wait_timeout takes effect for the next waiting client.
    admin_command(port, "SET query_wait_timeout = 300")
        .await
        .unwrap();
    assert_eq!(config_entry(port, "query_wait_timeout").await.0, "300");
    let holder = app_client(port).await;
    holder.simple_query("BEGIN").await.unwrap();
    let waiter = app_client(port).await;
    let started = Instant::now();
    let err = waiter.simple_query("SELECT 1").await.unwrap_err();
    assert_eq!(sqlstate(&err), "53300", "{err}");
    assert!(message(&err).contains("waited"), "{}", message(&err));
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    holder.simple_query("COMMIT").await.unwrap();

    // max_client_conn, quoted and with TO.
    admin_command(port, "set MAX_CLIENT_CONN to '1'")
        .await
        .unwrap();
    let err = connect(port, MD5_USER, MD5_PASS, "app").await.unwrap_err();
    assert_eq!(sqlstate(&err), "53300", "{err}");

    // Refusals name the problem, with PostgreSQL's codes for its own SET, and change nothing.
    for (command, code, needle) in [
        ("SET query_wait_timeout = soon", "22023", "whole number"),
        ("SET port = 1", "55P02", "cannot be changed with SET"),
        ("SET nosuchoption = 1", "42704", "unknown option"),
        (
            "SET client_tls_required = true",
            "22023",
            "client_tls_required needs",
        ),
        ("SET connect_timeout = 0", "22023", "connect_timeout = 0"),
    ] {
        let err = admin_command(port, command).await.unwrap_err();
        assert_eq!(sqlstate(&err), code, "{command}: {err}");
        assert!(
            message(&err).contains(needle),
            "{command}: {}",
            message(&err)
        );
    }
    let err = admin_command(port, "SET query_wait_timeout")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "42601", "{err}");
    assert_eq!(config_entry(port, "max_client_conn").await.0, "1");

    // RELOAD goes back to the file.
    admin_command(port, "RELOAD").await.unwrap();
    assert_eq!(config_entry(port, "query_wait_timeout").await.0, "5000");
    assert_eq!(config_entry(port, "max_client_conn").await.0, "0");
    let again = app_client(port).await;
    assert_eq!(
        first_value(&again.simple_query("SELECT 3").await.unwrap()).unwrap(),
        "3"
    );
}

/// The `close_needed` column of the md5 user's server connections.
async fn close_needed(port: u16) -> Vec<String> {
    admin_show(port, "SERVERS")
        .await
        .iter()
        .filter(|row| row.iter().any(|(k, v)| k == "user" && v == MD5_USER))
        .map(|row| {
            row.iter()
                .find(|(k, _)| k == "close_needed")
                .unwrap()
                .1
                .clone()
        })
        .collect()
}

#[tokio::test]
async fn wait_close_returns_once_reconnected_connections_are_closed() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let a = app_client(port).await;
    a.simple_query("BEGIN").await.unwrap();
    let before = backend_pid(&a).await;
    assert_eq!(close_needed(port).await, ["0"]);
    admin_command(port, "RECONNECT app").await.unwrap();
    assert_eq!(close_needed(port).await, ["1"]);

    let waiting = tokio::spawn(async move { admin_command(port, "WAIT_CLOSE app").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "WAIT_CLOSE returned while the connection was busy"
    );
    a.simple_query("COMMIT").await.unwrap();
    let notices = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("WAIT_CLOSE returns once the connection is released")
        .unwrap()
        .unwrap()
        .join("\n");
    assert!(notices.contains("1 server connection(s)"), "{notices}");
    assert!(close_needed(port).await.is_empty());
    assert_ne!(backend_pid(&a).await, before);
    assert_eq!(close_needed(port).await, ["0"]);

    // Nothing to wait for: it returns at once; unknown databases are 3D000.
    admin_command(port, "WAIT_CLOSE").await.unwrap();
    let err = admin_command(port, "WAIT_CLOSE nosuchdb")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "3D000");
}

#[tokio::test]
async fn wait_close_waits_for_the_connections_of_a_pool_a_reload_replaced() {
    require_postgres!();
    let text = config_text(&RouterOpts::default());
    let r = start_router_from_file("wait-close-reload", &text).await;
    let port = r.port;
    let a = app_client(port).await;
    a.simple_query("BEGIN").await.unwrap();
    // A new mode replaces the pool; its busy connection is listed until it closes.
    std::fs::write(
        &r.path,
        text.replace("pool_mode = \"transaction\"", "pool_mode = \"session\""),
    )
    .unwrap();
    let notices = admin_command(port, "RELOAD").await.unwrap().join("\n");
    assert!(notices.contains("replaced"), "{notices}");
    assert_eq!(close_needed(port).await, ["1"]);
    let waiting = tokio::spawn(async move { admin_command(port, "WAIT_CLOSE").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "WAIT_CLOSE returned while the connection was busy"
    );
    a.simple_query("COMMIT").await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("WAIT_CLOSE returns once the connection is released")
        .unwrap()
        .unwrap();
    assert_eq!(
        first_value(&a.simple_query("SELECT 4").await.unwrap()).unwrap(),
        "4"
    );
}

/// `SET` keeps the TLS settings in force: a certificate file removed since the start does
/// not make it fail (a `RELOAD`, which reads the files, does).
#[tokio::test]
async fn set_keeps_the_tls_files_in_force() {
    require_postgres!();
    let c = certs();
    let dir = std::env::temp_dir().join(format!("pgml-router-set-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("server.crt"), dir.join("server.key"));
    std::fs::copy(&c.cert, &cert).unwrap();
    std::fs::copy(&c.key, &key).unwrap();
    let general = format!(
        "tls_certificate = \"{}\"\ntls_private_key = \"{}\"\n",
        cert.display(),
        key.display()
    );
    let text = config_text(&RouterOpts {
        general,
        ..RouterOpts::default()
    });
    let r = start_router_from_file("set-tls", &text).await;
    std::fs::remove_dir_all(&dir).unwrap();
    admin_command(r.port, "SET query_wait_timeout = 1234")
        .await
        .unwrap();
    assert_eq!(config_entry(r.port, "query_wait_timeout").await.0, "1234");
    let err = admin_command(r.port, "RELOAD").await.unwrap_err();
    assert_eq!(sqlstate(&err), "F0000", "{err}");
    assert_eq!(config_entry(r.port, "query_wait_timeout").await.0, "1234");
}
