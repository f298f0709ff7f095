//! The Prometheus exporter: `/metrics` in the text format with PgCat's metric names,
//! counting real traffic; other paths and methods get proper HTTP errors.

use std::collections::HashMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

/// Sends a raw HTTP request; returns (status line, headers + body).
async fn http(port: u16, request: &str) -> (String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut reply))
        .await
        .expect("exporter did not close the connection")
        .unwrap();
    let text = String::from_utf8(reply).unwrap();
    let (status, rest) = text.split_once("\r\n").unwrap();
    (status.to_owned(), rest.to_owned())
}

/// `name{labels}` -> value, checking the text format on the way.
fn parse_metrics(body: &str) -> HashMap<String, f64> {
    let mut samples = HashMap::new();
    let mut typed = Vec::new();
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(kind == "gauge" || kind == "counter", "{line}");
            assert!(!typed.contains(&name.to_owned()), "TYPE twice: {line}");
            typed.push(name.to_owned());
            continue;
        }
        if line.starts_with("# HELP ") || line.is_empty() {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        let name = series.split('{').next().unwrap();
        assert!(
            typed.iter().any(|t| t == name),
            "sample before its TYPE: {line}"
        );
        samples.insert(series.to_owned(), value.parse::<f64>().unwrap());
    }
    samples
}

#[tokio::test]
async fn metrics_endpoint_reports_pools_and_traffic() {
    require_postgres!();
    let metrics_port = free_port();
    let port = start_router(RouterOpts {
        general: format!(
            "enable_prometheus_exporter = true\nprometheus_exporter_port = {metrics_port}\n"
        ),
        ..RouterOpts::default()
    })
    .await;
    let client = app_client(port).await;
    for _ in 0..3 {
        client.simple_query("SELECT pg_sleep(0.01)").await.unwrap();
    }
    client
        .batch_execute("BEGIN; SELECT 1; COMMIT")
        .await
        .unwrap();

    let (status, rest) = http(
        metrics_port,
        "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n",
    )
    .await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    let (headers, body) = rest.split_once("\r\n\r\n").unwrap();
    assert!(
        headers.contains("Content-Type: text/plain; version=0.0.4"),
        "{headers}"
    );
    assert!(
        headers.contains(&format!("Content-Length: {}", body.len())),
        "{headers}"
    );
    let m = parse_metrics(body);
    let app = |name: &str| {
        *m.get(&format!("{name}{{pool=\"app\",user=\"{MD5_USER}\"}}"))
            .unwrap_or_else(|| panic!("{name} missing:\n{body}"))
    };
    assert_eq!(app("pgcat_pools_cl_active"), 1.0);
    assert_eq!(app("pgcat_pools_cl_waiting"), 0.0);
    assert_eq!(app("pgcat_pools_sv_active"), 0.0);
    assert_eq!(app("pgcat_pools_sv_idle"), 1.0);
    assert_eq!(app("pgcat_databases_pool_size"), 1.0);
    assert!(app("pgcat_stats_total_query_count") >= 4.0, "{body}");
    assert!(app("pgcat_stats_total_xact_count") >= 4.0, "{body}");
    assert!(app("pgcat_stats_total_received") > 0.0);
    assert!(app("pgcat_stats_total_sent") > 0.0);
    // Three 10 ms sleeps.
    assert!(app("pgcat_stats_total_query_time") >= 30_000.0, "{body}");
    assert!(app("pgcat_stats_total_xact_time") >= 30_000.0, "{body}");
    assert_eq!(app("pgcat_stats_total_server_connections"), 1.0);
    assert!(m.contains_key(&format!(
        "pgcat_pools_cl_active{{pool=\"app\",user=\"{SCRAM_USER}\"}}"
    )));
    assert_eq!(m.get("pgml_router_clients"), Some(&1.0));

    // HEAD, other paths and methods, garbage.
    let (status, rest) = http(metrics_port, "HEAD /metrics HTTP/1.1\r\n\r\n").await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(rest.ends_with("\r\n\r\n"), "{rest}");
    let (status, _) = http(metrics_port, "GET / HTTP/1.1\r\n\r\n").await;
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    let (status, _) = http(metrics_port, "POST /metrics HTTP/1.1\r\n\r\n").await;
    assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
    let (status, _) = http(metrics_port, &"x".repeat(10_000)).await;
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
    // The pooler is unaffected.
    client.simple_query("SELECT 1").await.unwrap();
}
