//! Named prepared statements survive moving between server connections in
//! transaction mode.

use crate::common::*;

#[tokio::test]
async fn prepared_statements_follow_the_client_across_server_connections() {
    require_postgres!();
    let port = start_router(RouterOpts {
        pool_size: 2,
        ..RouterOpts::default()
    })
    .await;
    let a = app_client(port).await;
    let b = app_client(port).await;
    let stmt = a
        .prepare("SELECT pg_backend_pid(), $1::int4 * 2")
        .await
        .unwrap();
    let first = a.query_one(&stmt, &[&21i32]).await.unwrap();
    let first_pid: i32 = first.get(0);
    assert_eq!(first.get::<_, i32>(1), 42);

    // b holds the connection a used (the most recently released), so a's next
    // execution runs on the other one, where the statement must be prepared first.
    b.simple_query("BEGIN").await.unwrap();
    let b_pid: i32 = b
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    let mut other_pid = None;
    for i in 0..3 {
        let row = a.query_one(&stmt, &[&i]).await.unwrap();
        assert_eq!(row.get::<_, i32>(1), i * 2);
        other_pid = Some(row.get::<_, i32>(0));
    }
    assert_ne!(other_pid, Some(b_pid));
    assert_eq!(
        first_pid, b_pid,
        "b should hold the connection a prepared on"
    );

    // Pipelined executions of two statements, one of them failing.
    let bad = a.prepare("SELECT 1 / $1::int4").await.unwrap();
    let (ok, err) = futures_util::join!(a.query_one(&stmt, &[&5i32]), a.query_one(&bad, &[&0i32]));
    assert_eq!(ok.unwrap().get::<_, i32>(1), 10);
    assert_eq!(sqlstate(&err.unwrap_err()), "22012");
    b.simple_query("COMMIT").await.unwrap();

    // Back on the first connection, and both statements work everywhere.
    for _ in 0..3 {
        let (x, y) = futures_util::join!(a.query_one(&stmt, &[&7i32]), a.query_one(&bad, &[&1i32]));
        assert_eq!(x.unwrap().get::<_, i32>(1), 14);
        assert_eq!(y.unwrap().get::<_, i32>(0), 1);
    }
    // Closing a statement (drop) and preparing again with the same name works.
    drop(stmt);
    let again = a.prepare("SELECT $1::text").await.unwrap();
    let row = a.query_one(&again, &[&"hi"]).await.unwrap();
    assert_eq!(row.get::<_, &str>(0), "hi");
}

/// A statement the router prepares on a connection for the client's Bind, in a batch
/// the server skips (the transaction had failed), is not on that connection: the
/// router must not count it as prepared there.
#[tokio::test]
async fn a_statement_whose_parse_was_skipped_is_prepared_again() {
    require_postgres!();
    let port = start_router(RouterOpts {
        pool_size: 1,
        ..RouterOpts::default()
    })
    .await;
    let a = app_client(port).await;
    let b = app_client(port).await;
    let stmt = a.prepare("SELECT 7").await.unwrap();
    // b changes the session state: the connection gets DISCARD ALL before a has it
    // again, so the statement must be prepared anew there.
    b.simple_query("SET work_mem = '8MB'").await.unwrap();
    a.simple_query("BEGIN").await.unwrap();
    assert_eq!(
        sqlstate(&a.simple_query("SELECT 1 / 0").await.unwrap_err()),
        "22012"
    );
    // In the failed transaction the router's Parse is refused with the Bind.
    assert_eq!(sqlstate(&a.query(&stmt, &[]).await.unwrap_err()), "25P02");
    a.simple_query("ROLLBACK").await.unwrap();
    let row = a.query_one(&stmt, &[]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 7);
    // A statement of the client's own whose Parse fails does not exist afterwards, as
    // with PostgreSQL: its name can be prepared again.
    assert_eq!(
        sqlstate(&a.prepare("SELECT * FROM no_such_table").await.unwrap_err()),
        "42P01"
    );
    let row = a.query_one("SELECT 8", &[]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 8);
}
