//! Transaction mode: session state a client changes (SET, PREPARE, LISTEN, temporary
//! tables) does not leak to the next client of the same server connection, and
//! connections nobody changed are never reset.

use std::sync::Arc;

use tokio_postgres::SimpleQueryMessage;

use crate::common::*;

async fn one(client: &tokio_postgres::Client, sql: &str) -> String {
    let rows = client
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}", message(&e)));
    rows.iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{sql}: no row"))
}

/// `DISCARD ALL`s the md5 user's pool has run so far.
fn resets(shared: &Arc<pgml_router::Shared>) -> u64 {
    shared
        .pools
        .all()
        .iter()
        .find(|p| p.user == MD5_USER)
        .unwrap()
        .stats
        .resets
        .get()
}

#[tokio::test]
async fn session_state_is_reset_before_another_client_gets_the_connection() {
    require_postgres!();
    let r = start_router_from_file("state", &config_text(&RouterOpts::default())).await;
    let a = client_with(r.port, "application_name=alpha").await;
    let b = client_with(r.port, "application_name=beta").await;
    let pid = backend_pid(&a).await;
    // Each statement is its own transaction (autocommit), outside any BEGIN.
    for sql in [
        "SET search_path = nowhere",
        "PREPARE p AS SELECT 41 + 1",
        "LISTEN chan",
        "CREATE TEMP TABLE t (x int)",
        "CREATE TEMP TABLE t2 AS SELECT 1 AS x",
        "SELECT 2 AS y INTO TEMP t3",
    ] {
        a.simple_query(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {}", message(&e)));
    }
    // The client that made the changes keeps them while nobody else uses the
    // connection, and pays no reset.
    assert_eq!(one(&a, "EXECUTE p").await, "42");
    assert_eq!(one(&a, "SHOW search_path").await, "nowhere");
    assert_eq!(one(&a, "SELECT count(*) FROM pg_temp.t2").await, "1");
    assert_eq!(resets(&r.shared), 0);

    // b gets the same server connection (pool_size 1), reset first.
    assert_eq!(backend_pid(&b).await, pid);
    assert_eq!(resets(&r.shared), 1);
    assert_eq!(one(&b, "SHOW search_path").await, "\"$user\", public");
    assert_eq!(one(&b, "SHOW application_name").await, "beta");
    assert_eq!(
        one(
            &b,
            "SELECT count(*) FROM pg_prepared_statements WHERE name = 'p'"
        )
        .await,
        "0"
    );
    assert_eq!(
        one(&b, "SELECT count(*) FROM pg_listening_channels()").await,
        "0"
    );
    assert_eq!(
        one(
            &b,
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't' \
             AND relname IN ('t', 't2', 't3')"
        )
        .await,
        "0"
    );
    assert_eq!(resets(&r.shared), 1);

    // a's state is gone for a too; its startup settings are applied again.
    let err = a.simple_query("EXECUTE p").await.unwrap_err();
    assert_eq!(sqlstate(&err), "26000", "{}", message(&err));
    assert_eq!(one(&a, "SHOW application_name").await, "alpha");
    assert_eq!(one(&a, "SHOW search_path").await, "\"$user\", public");
    assert_eq!(backend_pid(&a).await, pid);
    assert_eq!(resets(&r.shared), 1);

    // RESET (of anything) may undo settings the router applied: they are applied
    // again, and the connection is reset for the next client.
    a.simple_query("RESET application_name").await.unwrap();
    assert_eq!(one(&a, "SHOW application_name").await, "alpha");
    assert_eq!(one(&b, "SHOW application_name").await, "beta");
    assert_eq!(resets(&r.shared), 2);
}

#[tokio::test]
async fn plain_transactions_never_pay_a_reset() {
    require_postgres!();
    let r = start_router_from_file("clean", &config_text(&RouterOpts::default())).await;
    let a = client_with(r.port, "application_name=alpha").await;
    let b = client_with(r.port, "application_name=beta").await;
    let stmt_a = a.prepare("SELECT $1::int4 + 1").await.unwrap();
    let stmt_b = b.prepare("SELECT $1::int4 * 2").await.unwrap();
    // A pgbench -S like loop on two clients sharing one server connection: simple and
    // extended queries, explicit transactions, a transaction-local set_config.
    for i in 0..200i32 {
        assert_eq!(one(&a, "SELECT 1").await, "1");
        assert_eq!(
            b.query_one(&stmt_b, &[&i]).await.unwrap().get::<_, i32>(0),
            i * 2
        );
        assert_eq!(
            a.query_one(&stmt_a, &[&i]).await.unwrap().get::<_, i32>(0),
            i + 1
        );
        b.batch_execute("BEGIN; SELECT set_config('work_mem', '8MB', true); COMMIT")
            .await
            .unwrap();
    }
    assert_eq!(one(&a, "SHOW application_name").await, "alpha");
    assert_eq!(one(&b, "SHOW work_mem").await, "4MB");
    assert_eq!(resets(&r.shared), 0);
}

#[tokio::test]
async fn clients_own_discard_and_deallocate_keep_the_router_in_step() {
    require_postgres!();
    let r = start_router_from_file("discard", &config_text(&RouterOpts::default())).await;
    let a = client_with(r.port, "application_name=alpha").await;
    let stmt = a.prepare("SELECT $1::int4 + 1").await.unwrap();
    assert_eq!(
        a.query_one(&stmt, &[&1i32]).await.unwrap().get::<_, i32>(0),
        2
    );
    // DEALLOCATE ALL drops the router's renamed statement too: it is prepared again.
    a.simple_query("DEALLOCATE ALL").await.unwrap();
    assert_eq!(
        a.query_one(&stmt, &[&2i32]).await.unwrap().get::<_, i32>(0),
        3
    );
    // DISCARD ALL also resets the startup settings the router applied.
    a.simple_query("DISCARD ALL").await.unwrap();
    assert_eq!(one(&a, "SHOW application_name").await, "alpha");
    assert_eq!(
        a.query_one(&stmt, &[&3i32]).await.unwrap().get::<_, i32>(0),
        4
    );
    // The connection is clean after the client's own DISCARD ALL: no reset for b.
    let b = client_with(r.port, "").await;
    assert_eq!(one(&b, "SELECT 1").await, "1");
    assert_eq!(resets(&r.shared), 0);
}
