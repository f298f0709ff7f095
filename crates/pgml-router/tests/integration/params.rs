//! Client startup parameters follow the client across shared server connections.

use tokio_postgres::SimpleQueryMessage;

use crate::common::*;

async fn show(client: &tokio_postgres::Client, name: &str) -> String {
    let rows = client.simple_query(&format!("SHOW {name}")).await.unwrap();
    rows.iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
            _ => None,
        })
        .unwrap()
}

#[tokio::test]
async fn startup_parameters_are_applied_per_client_on_a_shared_connection() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let a = client_with(port, "application_name=alpha").await;
    let b = client_with(port, "application_name=beta").await;
    assert_eq!(show(&a, "application_name").await, "alpha");
    assert_eq!(show(&b, "application_name").await, "beta");
    assert_eq!(show(&a, "application_name").await, "alpha");
    // One server connection served both (pool_size 1).
    assert_eq!(backend_pid(&a).await, backend_pid(&b).await);
}

/// Clients that asked for the same settings share what the router knows of them: a
/// connection brought to them is reused without comparing, until anything changes it.
#[tokio::test]
async fn clients_with_the_same_settings_share_a_synced_connection_until_it_changes() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let a1 = client_with(port, "application_name=alpha").await;
    let a2 = client_with(port, "application_name=alpha").await;
    let b = client_with(port, "application_name=beta").await;
    assert_eq!(show(&a1, "application_name").await, "alpha");
    assert_eq!(show(&a2, "application_name").await, "alpha");
    assert_eq!(show(&b, "application_name").await, "beta");
    assert_eq!(show(&a2, "application_name").await, "alpha");
    // A change that does not mark the connection dirty (a plain SELECT), reported by
    // the server: the next client with the same settings gets them back.
    a1.simple_query("SELECT set_config('application_name', 'gamma', false)")
        .await
        .unwrap();
    assert_eq!(show(&a1, "application_name").await, "gamma");
    assert_eq!(show(&a2, "application_name").await, "alpha");
    // The client's own change is its setting from now on (as in PgBouncer).
    assert_eq!(show(&a1, "application_name").await, "gamma");
    assert_eq!(show(&a2, "application_name").await, "alpha");
    assert_eq!(backend_pid(&a1).await, backend_pid(&b).await);
}

/// A client that SETs a parameter it gave at startup keeps the new value across
/// transactions, also after other clients used (and reset) its connection.
#[tokio::test]
async fn a_client_keeps_its_own_set_of_a_startup_parameter() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let a = client_with(port, "application_name=alpha").await;
    let b = client_with(port, "application_name=beta").await;
    a.simple_query("SET application_name = 'renamed'")
        .await
        .unwrap();
    assert_eq!(show(&a, "application_name").await, "renamed");
    assert_eq!(show(&b, "application_name").await, "beta");
    assert_eq!(show(&a, "application_name").await, "renamed");
    assert_eq!(show(&b, "application_name").await, "beta");
    // RESET returns it to the client's startup value, as on a connection of its own
    // (SET and RESET of another setting in one batch leave it alone).
    a.batch_execute("SET application_name = 'again'; RESET DateStyle")
        .await
        .unwrap();
    assert_eq!(show(&a, "application_name").await, "again");
    a.simple_query("RESET application_name").await.unwrap();
    assert_eq!(show(&a, "application_name").await, "alpha");
    assert_eq!(show(&b, "application_name").await, "beta");
    assert_eq!(show(&a, "application_name").await, "alpha");
}

#[tokio::test]
async fn options_switches_are_applied_and_bad_values_reported() {
    require_postgres!();
    let port = start_router(RouterOpts::default()).await;
    let client = client_with(port, "options='-c search_path=nowhere'").await;
    assert_eq!(show(&client, "search_path").await, "nowhere");
    let bad = client_with(port, "options='-c DateStyle=bogus'").await;
    let err = bad.simple_query("SELECT 1").await.unwrap_err();
    assert_eq!(sqlstate(&err), "22023", "{}", message(&err));
    assert!(message(&err).contains("app/md5user"), "{}", message(&err));
    // The pool is fine afterwards (the connection that refused the setting was closed,
    // so this one is fresh, with the default search_path).
    let again = client_with(port, "").await;
    assert_eq!(show(&again, "search_path").await, "\"$user\", public");
}

/// Settings one client's startup brought a shared connection to are not another's:
/// a client that did not ask for them gets the defaults back.
#[tokio::test]
async fn another_clients_startup_settings_do_not_leak() {
    require_postgres!();
    let port = start_router(RouterOpts {
        pool_size: 1,
        ..RouterOpts::default()
    })
    .await;
    let plain = client_with(port, "").await;
    let default_zone = show(&plain, "TimeZone").await;
    let default_path = show(&plain, "search_path").await;
    let tokyo = client_with(
        port,
        "options='-c TimeZone=Asia/Tokyo -c search_path=pg_catalog'",
    )
    .await;
    assert_eq!(show(&tokyo, "TimeZone").await, "Asia/Tokyo");
    assert_eq!(show(&tokyo, "search_path").await, "pg_catalog");
    // The one connection now has Tokyo's settings; the plain client gets its own.
    assert_eq!(show(&plain, "TimeZone").await, default_zone);
    assert_eq!(show(&plain, "search_path").await, default_path);
    assert_eq!(show(&tokyo, "TimeZone").await, "Asia/Tokyo");
}

/// A client's own `SET` of a reported setting it did not give at startup (Rails sets
/// `timezone` once after connecting) follows it to its later transactions, and its
/// `RESET` returns to the default.
#[tokio::test]
async fn a_client_keeps_its_own_set_of_a_reported_setting() {
    require_postgres!();
    let port = start_router(RouterOpts {
        pool_size: 1,
        ..RouterOpts::default()
    })
    .await;
    let a = client_with(port, "").await;
    let b = client_with(port, "").await;
    let default_zone = show(&b, "TimeZone").await;
    assert_ne!(default_zone, "Asia/Tokyo");
    a.simple_query("SET TimeZone = 'Asia/Tokyo'").await.unwrap();
    // b's transaction gets the connection reset (a changed it).
    assert_eq!(show(&b, "TimeZone").await, default_zone);
    assert_eq!(show(&a, "TimeZone").await, "Asia/Tokyo");
    assert_eq!(show(&b, "TimeZone").await, default_zone);
    a.simple_query("RESET TimeZone").await.unwrap();
    assert_eq!(show(&a, "TimeZone").await, default_zone);
    assert_eq!(show(&b, "TimeZone").await, default_zone);
    assert_eq!(show(&a, "TimeZone").await, default_zone);
}

/// `RESET ALL`, `RESET x` and `DISCARD ALL` return the client's startup settings to
/// their startup values, as on a connection of its own, in both pool modes and at once
/// (inside the same transaction too), not the values the router logged in with.
#[tokio::test]
async fn resets_return_to_the_clients_startup_values_at_once() {
    require_postgres!();
    for mode in ["transaction", "session"] {
        let port = start_router(RouterOpts {
            pool_size: 1,
            pool_mode: mode,
            ..RouterOpts::default()
        })
        .await;
        let c = client_with(
            port,
            "application_name=alpha options='-c search_path=pg_catalog -c TimeZone=Asia/Tokyo'",
        )
        .await;
        let check = |what: &'static str| {
            let c = &c;
            async move {
                assert_eq!(show(c, "application_name").await, "alpha", "{mode}: {what}");
                assert_eq!(show(c, "search_path").await, "pg_catalog", "{mode}: {what}");
                assert_eq!(show(c, "TimeZone").await, "Asia/Tokyo", "{mode}: {what}");
            }
        };
        let change = "SET application_name = 'x'; SET search_path = public; SET TimeZone = 'UTC'";
        c.batch_execute(change).await.unwrap();
        c.batch_execute("BEGIN; RESET ALL").await.unwrap();
        check("RESET ALL, same transaction").await;
        c.batch_execute("COMMIT").await.unwrap();
        check("RESET ALL, next transaction").await;
        c.batch_execute(change).await.unwrap();
        c.batch_execute("DISCARD ALL").await.unwrap();
        check("DISCARD ALL").await;
        c.batch_execute(change).await.unwrap();
        c.batch_execute("RESET search_path; RESET application_name; RESET TimeZone")
            .await
            .unwrap();
        check("RESET of each").await;
        // A reset that fails with its transaction is rolled back with it.
        c.batch_execute("BEGIN; SET search_path = public")
            .await
            .unwrap();
        let err = c.batch_execute("RESET ALL; SELECT 1/0").await.unwrap_err();
        assert_eq!(sqlstate(&err), "22012");
        c.batch_execute("ROLLBACK").await.unwrap();
        check("rolled back").await;
        // Extended protocol: the same through Parse/Bind/Execute.
        c.batch_execute(change).await.unwrap();
        c.execute("RESET ALL", &[]).await.unwrap();
        check("RESET ALL, extended protocol").await;
    }
}
