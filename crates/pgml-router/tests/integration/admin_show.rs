//! The admin console's SHOW commands as monitoring tools read them: PgBouncer 1.18's
//! columns, types, units and meanings (pgbouncer_exporter reads `SHOW LISTS` and
//! `SHOW STATS_TOTALS`, alerts watch `maxwait`).

use std::time::Duration;

use crate::common::*;

/// The value of `column` in `row`.
fn cell<'a>(row: &'a [(String, String)], column: &str) -> &'a str {
    row.iter()
        .find(|(k, _)| k == column)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no column {column} in {row:?}"))
}

fn number(row: &[(String, String)], column: &str) -> u64 {
    cell(row, column)
        .parse()
        .unwrap_or_else(|_| panic!("{column} is not a number in {row:?}"))
}

async fn md5_pool(port: u16) -> Vec<(String, String)> {
    admin_show(port, "POOLS")
        .await
        .into_iter()
        .find(|row| cell(row, "user") == MD5_USER)
        .unwrap()
}

/// `maxwait` is how long the oldest client waiting now has waited (an alert on it
/// must see a stall while it lasts and clear after), and a waiting client is counted
/// in `cl_waiting`, not in `cl_active`.
#[tokio::test]
async fn maxwait_and_waiting_clients_are_the_current_ones() {
    require_postgres!();
    let port = start_router(RouterOpts {
        pool_size: 1,
        query_wait_timeout: 20_000,
        ..RouterOpts::default()
    })
    .await;
    let holder = client_with(port, "application_name=holder").await;
    let waiter = client_with(port, "application_name=waiter").await;
    holder.batch_execute("BEGIN").await.unwrap();
    let waiting = tokio::spawn(async move {
        waiter.simple_query("SELECT 1").await.unwrap();
        waiter
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    let pool = md5_pool(port).await;
    assert_eq!(number(&pool, "cl_waiting"), 1, "{pool:?}");
    assert_eq!(number(&pool, "cl_active"), 1, "{pool:?}");
    assert_eq!(number(&pool, "sv_active"), 1, "{pool:?}");
    let waited_us = number(&pool, "maxwait") * 1_000_000 + number(&pool, "maxwait_us");
    assert!((500_000..20_000_000).contains(&waited_us), "{pool:?}");
    let clients = admin_show(port, "CLIENTS").await;
    let by_name = |name: &str| {
        clients
            .iter()
            .find(|c| cell(c, "application_name") == name)
            .unwrap_or_else(|| panic!("no client {name} in {clients:?}"))
            .clone()
    };
    let w = by_name("waiter");
    assert_eq!(cell(&w, "state"), "waiting");
    assert!(
        number(&w, "wait") * 1_000_000 + number(&w, "wait_us") >= 500_000,
        "{w:?}"
    );
    let h = by_name("holder");
    assert_eq!(cell(&h, "state"), "active");
    assert_eq!(number(&h, "wait") + number(&h, "wait_us"), 0, "{h:?}");
    assert_eq!(cell(&h, "local_port"), port.to_string());
    // PgBouncer's timestamp format.
    let stamp = cell(&h, "connect_time");
    assert!(
        stamp.len() == 23 && stamp.ends_with(" UTC") && stamp.as_bytes()[10] == b' ',
        "{stamp}"
    );
    let servers = admin_show(port, "SERVERS").await;
    assert_eq!(servers.len(), 1, "{servers:?}");
    assert_eq!(cell(&servers[0], "state"), "active");
    assert_eq!(cell(&servers[0], "remote_pid"), backend_pid(&holder).await);
    holder.batch_execute("COMMIT").await.unwrap();
    let waiter = waiting.await.unwrap();
    let pool = md5_pool(port).await;
    assert_eq!(number(&pool, "cl_waiting"), 0, "{pool:?}");
    assert_eq!(number(&pool, "maxwait") + number(&pool, "maxwait_us"), 0);
    assert_eq!(number(&pool, "cl_active"), 2, "{pool:?}");
    drop(waiter);
}

/// `SHOW STATS` is one row per database with PgBouncer's totals and averages;
/// `SHOW STATS_TOTALS`, `SHOW STATS_AVERAGES`, `SHOW TOTALS` and `SHOW LISTS` answer as
/// PgBouncer's do.
#[tokio::test]
async fn stats_are_per_database_with_averages() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let client = app_client(port).await;
    for _ in 0..20 {
        client.simple_query("SELECT 1").await.unwrap();
    }
    let stats = admin_show(port, "STATS").await;
    assert_eq!(stats.len(), 1, "one row for database app: {stats:?}");
    let app = &stats[0];
    assert_eq!(cell(app, "database"), "app");
    assert!(number(app, "total_xact_count") >= 20, "{app:?}");
    // Averages over the first period (the pool's start, a second or two ago).
    assert!(number(app, "avg_xact_count") >= 1, "{app:?}");
    assert!(number(app, "avg_query_count") >= 1, "{app:?}");
    assert!(
        number(app, "avg_recv") > 0 && number(app, "avg_sent") > 0,
        "{app:?}"
    );
    let xact_us = number(app, "avg_xact_time");
    assert!((1..1_000_000).contains(&xact_us), "{app:?}");
    let totals = admin_show(port, "STATS_TOTALS").await;
    assert_eq!(
        number(&totals[0], "xact_count"),
        number(app, "total_xact_count")
    );
    assert_eq!(
        number(&totals[0], "bytes_received"),
        number(app, "total_received")
    );
    let averages = admin_show(port, "STATS_AVERAGES").await;
    assert!(number(&averages[0], "xact_count") >= 1, "{averages:?}");
    let all = admin_show(port, "TOTALS").await;
    let named = |name: &str| {
        all.iter()
            .find(|r| cell(r, "name") == name)
            .map(|r| number(r, "value"))
            .unwrap_or_else(|| panic!("no {name} in {all:?}"))
    };
    assert!(named("total_xact_count") >= 20);
    assert!(named("avg_xact_count") >= 1);
    assert_eq!(all.len(), 14);
    let lists = admin_show(port, "LISTS").await;
    let list = |name: &str| {
        lists
            .iter()
            .find(|r| cell(r, "list") == name)
            .map(|r| number(r, "items"))
            .unwrap_or_else(|| panic!("no {name} in {lists:?}"))
    };
    assert_eq!(list("databases"), 1);
    assert_eq!(list("pools"), 2, "{lists:?}");
    assert_eq!(list("used_clients"), 1, "{lists:?}");
    assert_eq!(list("used_servers"), 1, "{lists:?}");
    assert_eq!(list("login_clients"), 0, "{lists:?}");
    assert_eq!(lists.len(), 12);
}
