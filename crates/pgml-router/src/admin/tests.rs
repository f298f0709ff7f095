#![allow(clippy::unwrap_used)]

use super::*;
use crate::config::Config;

fn shared() -> Shared {
    let text = include_str!("../../pgml-router.example.toml");
    Shared::new(Config::parse(text, "example").unwrap()).unwrap()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn tags_on(shared: &Shared, sql: &str) -> Vec<u8> {
    let mut out = BytesMut::new();
    block_on(answer(shared, sql, &mut out));
    let mut tags = Vec::new();
    while let Some(frame) = pgwire::split_frame(&mut out, 1 << 20).unwrap() {
        tags.push(frame.tag());
    }
    tags
}

fn reply_tags(sql: &str) -> Vec<u8> {
    let shared = shared();
    let mut out = BytesMut::new();
    block_on(answer(&shared, sql, &mut out));
    let mut tags = Vec::new();
    while let Some(frame) = pgwire::split_frame(&mut out, 1 << 20).unwrap() {
        tags.push(frame.tag());
    }
    tags
}

#[test]
fn every_command_answers_a_table() {
    for c in commands() {
        let tags = reply_tags(&format!("show {};", c.name().to_lowercase()));
        assert_eq!(tags.first(), Some(&b'T'), "{}", c.name());
        assert_eq!(tags.last(), Some(&b'C'), "{}", c.name());
        let rows = c.rows(&shared());
        assert!(
            rows.iter().all(|r| r.len() == c.columns().len()),
            "{}",
            c.name()
        );
    }
}

#[test]
fn unknown_command_is_an_error() {
    assert_eq!(reply_tags("DROP TABLE x"), vec![b'E']);
    assert_eq!(reply_tags("SHOW NOTHING"), vec![b'E']);
    assert_eq!(reply_tags("  "), vec![b'I']);
}

#[test]
fn action_commands_answer_and_refuse_properly() {
    let shared = shared();
    // No file to reload: an error, nothing changes.
    assert_eq!(tags_on(&shared, "RELOAD"), vec![b'E']);
    assert_eq!(tags_on(&shared, "RESUME"), vec![b'E']);
    assert_eq!(tags_on(&shared, "PAUSE nosuchdb"), vec![b'E']);
    assert_eq!(tags_on(&shared, "pause app;"), vec![b'N', b'C']);
    assert!(shared.pools.all().iter().all(|p| p.is_paused()));
    assert_eq!(tags_on(&shared, "PAUSE app"), vec![b'E']);
    assert_eq!(tags_on(&shared, "PAUSE a b"), vec![b'E']);
    assert_eq!(tags_on(&shared, "RESUME"), vec![b'N', b'C']);
    assert!(shared.pools.all().iter().all(|p| !p.is_paused()));
    assert_eq!(tags_on(&shared, "SHUTDOWN NOW PLEASE"), vec![b'E']);
    assert_eq!(shared.stopping(), crate::Stop::Running);
    assert_eq!(tags_on(&shared, "shutdown wait_for_servers"), vec![b'C']);
    assert_eq!(shared.stopping(), crate::Stop::Draining);
    assert_eq!(tags_on(&shared, "SHUTDOWN"), vec![b'C']);
    assert_eq!(shared.stopping(), crate::Stop::Now);
    // A stop never goes back to a milder one.
    shared.request_stop(crate::Stop::Draining);
    assert_eq!(shared.stopping(), crate::Stop::Now);
}

/// The columns and types PgBouncer 1.18 sends (read from the Debian package's
/// `pgbouncer` with a raw-protocol client): monitoring tools read them by name and
/// typed drivers by type (int4 23, numeric 1700, text 25).
#[test]
fn columns_and_types_are_pgbouncer_1_18s() {
    fn described(sql: &str) -> Vec<String> {
        let shared = shared();
        let mut out = BytesMut::new();
        block_on(answer(&shared, sql, &mut out));
        let frame = pgwire::split_frame(&mut out, 1 << 20).unwrap().unwrap();
        assert_eq!(frame.tag(), b'T', "{sql}");
        RowDescription::decode(frame.body())
            .unwrap()
            .fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.type_oid))
            .collect()
    }
    let pgbouncer = [
        ("SHOW POOLS", "database:25 user:25 cl_active:23 cl_waiting:23 cl_active_cancel_req:23 cl_waiting_cancel_req:23 sv_active:23 sv_active_cancel:23 sv_being_canceled:23 sv_idle:23 sv_used:23 sv_tested:23 sv_login:23 maxwait:23 maxwait_us:23 pool_mode:25"),
        ("SHOW STATS", "database:25 total_xact_count:1700 total_query_count:1700 total_received:1700 total_sent:1700 total_xact_time:1700 total_query_time:1700 total_wait_time:1700 avg_xact_count:1700 avg_query_count:1700 avg_recv:1700 avg_sent:1700 avg_xact_time:1700 avg_query_time:1700 avg_wait_time:1700"),
        ("SHOW STATS_TOTALS", "database:25 xact_count:1700 query_count:1700 bytes_received:1700 bytes_sent:1700 xact_time:1700 query_time:1700 wait_time:1700"),
        ("SHOW STATS_AVERAGES", "database:25 xact_count:1700 query_count:1700 bytes_received:1700 bytes_sent:1700 xact_time:1700 query_time:1700 wait_time:1700"),
        ("SHOW TOTALS", "name:25 value:1700"),
        ("SHOW LISTS", "list:25 items:23"),
        ("SHOW CLIENTS", "type:25 user:25 database:25 state:25 addr:25 port:23 local_addr:25 local_port:23 connect_time:25 request_time:25 wait:23 wait_us:23 close_needed:23 ptr:25 link:25 remote_pid:23 tls:25 application_name:25"),
        ("SHOW SERVERS", "type:25 user:25 database:25 state:25 addr:25 port:23 local_addr:25 local_port:23 connect_time:25 request_time:25 wait:23 wait_us:23 close_needed:23 ptr:25 link:25 remote_pid:23 tls:25 application_name:25"),
        ("SHOW DATABASES", "name:25 host:25 port:23 database:25 force_user:25 pool_size:23 min_pool_size:23 reserve_pool:23 pool_mode:25 max_connections:23 current_connections:23 paused:23 disabled:23"),
        ("SHOW USERS", "name:25 pool_mode:25 max_user_connections:23 current_connections:23"),
        ("SHOW CONFIG", "key:25 value:25 default:25 changeable:25"),
        ("SHOW VERSION", "version:25"),
    ];
    for (sql, columns) in pgbouncer {
        assert_eq!(described(sql).join(" "), columns, "{sql}");
    }
}

#[test]
fn show_help_is_a_notice() {
    assert_eq!(reply_tags("SHOW HELP"), vec![b'N', b'C']);
}
