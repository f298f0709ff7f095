//! The Prometheus exporter (`enable_prometheus_exporter`): `GET /metrics` on
//! `host:prometheus_exporter_port`, in the text exposition format (0.0.4), with
//! PgCat's metric names (`pgcat_pools_*`, `pgcat_stats_*`, `pgcat_databases_*`) and
//! labels `pool` (the database clients name) and `user`.
//!
//! A small HTTP/1.1 responder: one request per connection (`Connection: close`),
//! headers up to 8 KiB, read within 5 s.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tracing::{debug, warn};

use crate::pool::Pool;
use crate::Shared;

/// Largest request head read.
const MAX_REQUEST: usize = 8 * 1024;
/// Time a scraper has to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// One metric family: name, type, help, and how to read it from a pool.
struct Family {
    name: &'static str,
    kind: &'static str,
    help: &'static str,
    /// The pool, and how long the oldest client now waiting in it has waited.
    value: fn(&Pool, Duration) -> u64,
}

const POOL_FAMILIES: &[Family] = &[
    Family {
        name: "pgcat_pools_cl_active",
        kind: "gauge",
        help: "Clients logged into the pool and not waiting for a server connection.",
        value: |p, _| p.stats.cl_active.get().saturating_sub(p.stats.cl_waiting.get()),
    },
    Family {
        name: "pgcat_pools_cl_waiting",
        kind: "gauge",
        help: "Clients waiting for a server connection.",
        value: |p, _| p.stats.cl_waiting.get(),
    },
    Family {
        name: "pgcat_pools_sv_active",
        kind: "gauge",
        help: "Server connections checked out by a client.",
        value: |p, _| p.stats.sv_active.get(),
    },
    Family {
        name: "pgcat_pools_sv_idle",
        kind: "gauge",
        help: "Server connections idle in the pool.",
        value: |p, _| p.idle_count() as u64,
    },
    Family {
        name: "pgcat_pools_maxwait_us",
        kind: "gauge",
        help: "How long the oldest client now waiting for a server connection has waited, microseconds.",
        value: |_, waited| u64::try_from(waited.as_micros()).unwrap_or(u64::MAX),
    },
    Family {
        name: "pgcat_pools_paused",
        kind: "gauge",
        help: "1 while the pool is paused (admin PAUSE).",
        value: |p, _| u64::from(p.is_paused()),
    },
    Family {
        name: "pgcat_databases_pool_size",
        kind: "gauge",
        help: "Most server connections of the pool (pool_size).",
        value: |p, _| p.pool_size() as u64,
    },
    Family {
        name: "pgcat_databases_current_connections",
        kind: "gauge",
        help: "Open server connections of the pool.",
        value: |p, _| p.stats.sv_active.get() + p.idle_count() as u64,
    },
    Family {
        name: "pgcat_stats_total_xact_count",
        kind: "counter",
        help: "Transactions completed.",
        value: |p, _| p.stats.xact_count.get(),
    },
    Family {
        name: "pgcat_stats_total_query_count",
        kind: "counter",
        help: "Queries (Query and Sync messages) sent.",
        value: |p, _| p.stats.query_count.get(),
    },
    Family {
        name: "pgcat_stats_total_received",
        kind: "counter",
        help: "Bytes received from clients.",
        value: |p, _| p.stats.received.get(),
    },
    Family {
        name: "pgcat_stats_total_sent",
        kind: "counter",
        help: "Bytes sent to clients.",
        value: |p, _| p.stats.sent.get(),
    },
    Family {
        name: "pgcat_stats_total_xact_time",
        kind: "counter",
        help: "Microseconds spent in transactions, idle in transaction included.",
        value: |p, _| p.stats.xact_time_us.get(),
    },
    Family {
        name: "pgcat_stats_total_query_time",
        kind: "counter",
        help: "Microseconds spent running queries.",
        value: |p, _| p.stats.query_time_us.get(),
    },
    Family {
        name: "pgcat_stats_total_wait_time",
        kind: "counter",
        help: "Microseconds clients spent waiting for a server connection.",
        value: |p, _| p.stats.wait_time_us.get(),
    },
    Family {
        name: "pgcat_stats_total_server_connections",
        kind: "counter",
        help: "Server connections opened.",
        value: |p, _| p.stats.sv_opened.get(),
    },
    Family {
        name: "pgml_router_server_resets_total",
        kind: "counter",
        help: "Server connections reset (DISCARD ALL) in transaction mode because a client changed their session state.",
        value: |p, _| p.stats.resets.get(),
    },
    Family {
        name: "pgml_router_model_affinity_hits_total",
        kind: "counter",
        help: "Checkouts (model_affinity) that got an idle connection which had served their model.",
        value: |p, _| p.stats.affinity_hits.get(),
    },
    Family {
        name: "pgml_router_model_affinity_misses_total",
        kind: "counter",
        help: "Checkouts (model_affinity) for a model no idle connection had served.",
        value: |p, _| p.stats.affinity_misses.get(),
    },
    Family {
        name: "pgml_router_model_affinity_waits_total",
        kind: "counter",
        help: "Checkouts (model_affinity_wait) that waited for a busy connection holding their model.",
        value: |p, _| p.stats.affinity_waits.get(),
    },
];

/// A label value, escaped for the text format.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// The whole `/metrics` body.
pub fn render(shared: &Shared) -> String {
    let pools = shared.pools.all();
    let waits = crate::admin::pools::current_max_waits(shared);
    let mut out = String::new();
    for f in POOL_FAMILIES {
        let _ = writeln!(out, "# HELP {} {}", f.name, f.help);
        let _ = writeln!(out, "# TYPE {} {}", f.name, f.kind);
        for p in pools.iter() {
            let _ = writeln!(
                out,
                "{}{{pool=\"{}\",user=\"{}\"}} {}",
                f.name,
                escape(&p.database),
                escape(&p.user),
                (f.value)(
                    p,
                    waits
                        .get(&(p.database.clone(), p.user.clone()))
                        .copied()
                        .unwrap_or_default()
                )
            );
        }
    }
    let clients = shared.clients.snapshot().len();
    let _ = writeln!(
        out,
        "# HELP pgml_router_clients Clients logged into a pool.\n\
         # TYPE pgml_router_clients gauge\npgml_router_clients {clients}"
    );
    let _ = writeln!(
        out,
        "# HELP pgml_router_info The router's version.\n\
         # TYPE pgml_router_info gauge\npgml_router_info{{version=\"{}\"}} 1",
        crate::VERSION
    );
    out
}

/// Serves scrapes until the task is aborted.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    if let Err(e) = answer(stream, &shared).await {
                        debug!(%peer, error = %e, "metrics request failed");
                    }
                });
            }
            Err(e) => {
                warn!(error = %e, "metrics listener: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Reads one request head and answers it.
async fn answer(mut stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let complete = tokio::time::timeout(REQUEST_TIMEOUT, async {
        let mut chunk = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            if head.len() >= MAX_REQUEST {
                return false;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => head.extend_from_slice(&chunk[..n]),
            }
        }
        true
    })
    .await
    .unwrap_or(false);
    if !complete {
        return respond(
            &mut stream,
            "400 Bad Request",
            "text/plain",
            "bad request\n",
            true,
        )
        .await;
    }
    let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    match (method, path) {
        ("GET" | "HEAD", "/metrics") => {
            let body = render(shared);
            let content = "text/plain; version=0.0.4; charset=utf-8";
            respond(&mut stream, "200 OK", content, &body, method == "GET").await
        }
        ("GET" | "HEAD", _) => {
            respond(
                &mut stream,
                "404 Not Found",
                "text/plain",
                "try /metrics\n",
                true,
            )
            .await
        }
        _ => {
            respond(
                &mut stream,
                "405 Method Not Allowed",
                "text/plain",
                "GET /metrics only\n",
                true,
            )
            .await
        }
    }
}

async fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &str,
    with_body: bool,
) -> std::io::Result<()> {
    let mut reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    if with_body {
        reply.push_str(body);
    }
    stream.write_all(reply.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape("x\ny"), "x\\ny");
    }

    #[test]
    fn every_family_has_help_type_and_one_sample_per_pool() {
        let text = include_str!("../pgml-router.example.toml");
        let shared = Shared::new(crate::config::Config::parse(text, "example").unwrap()).unwrap();
        let body = render(&shared);
        let pools = shared.pools.all().len();
        for f in POOL_FAMILIES {
            assert_eq!(body.matches(&format!("# TYPE {} ", f.name)).count(), 1);
            let samples = body
                .lines()
                .filter(|l| l.starts_with(&format!("{}{{", f.name)))
                .count();
            assert_eq!(samples, pools, "{}", f.name);
        }
    }
}
