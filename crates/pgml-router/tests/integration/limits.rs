//! PgBouncer's `max_db_connections` and `max_user_connections`, with real clients: the
//! limits hold across pools, an idle connection of another pool makes room, waiting
//! checkouts time out with 53300, and `SET` raises a limit for those waiting.

use std::time::Duration;

use crate::common::*;
use crate::first_value;

/// `(max, current)` of the admin console row of `SHOW what` whose `key` column is `name`,
/// from the columns `max_col` and `current_connections`.
async fn limit_row(port: u16, what: &str, key: &str, name: &str, max_col: &str) -> (u64, u64) {
    let rows = admin_show(port, what).await;
    let row = rows
        .iter()
        .find(|row| row.iter().any(|(k, v)| k == key && v == name))
        .unwrap_or_else(|| panic!("SHOW {what} has no {key} {name}: {rows:?}"));
    let get = |col: &str| {
        row.iter()
            .find(|(k, _)| k == col)
            .unwrap_or_else(|| panic!("no column {col}: {row:?}"))
            .1
            .parse()
            .unwrap()
    };
    (get(max_col), get("current_connections"))
}

async fn database_limit(port: u16) -> (u64, u64) {
    limit_row(port, "DATABASES", "name", "app", "max_connections").await
}

async fn select(client: &tokio_postgres::Client, n: u32) -> String {
    first_value(&client.simple_query(&format!("SELECT {n}")).await.unwrap()).unwrap()
}

#[tokio::test]
async fn max_db_connections_is_shared_by_the_users_of_a_database() {
    require_postgres!();
    let port = start_router(RouterOpts {
        pool_size: 2,
        general: "max_db_connections = 2\n".to_owned(),
        ..RouterOpts::default()
    })
    .await;
    // A client's login needs a connection of its pool (for the server's ParameterStatus
    // values, as PgBouncer's welcome message): the SCRAM user's pool opens its first.
    let c = connect(port, SCRAM_USER, SCRAM_PASS, "app").await.unwrap();
    assert_eq!(select(&c, 4).await, "4");
    // The md5 user's two transactions take both connections the database may have: the
    // SCRAM user's idle one is closed for the second.
    let a = app_client(port).await;
    a.simple_query("BEGIN").await.unwrap();
    assert_eq!(database_limit(port).await, (2, 2));
    let b = app_client(port).await;
    b.simple_query("BEGIN").await.unwrap();
    assert_eq!(database_limit(port).await, (2, 2));
    assert_eq!(md5_servers(port).await, 2);

    // The SCRAM user's pool has free slots but the database has no room: it waits...
    let c_query = tokio::spawn(async move {
        let value = select(&c, 5).await;
        (c, value)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!c_query.is_finished(), "a third connection was opened");
    // ... until one of the md5 user's connections goes idle, which it closes to open
    // its own.
    a.simple_query("COMMIT").await.unwrap();
    let (c, value) = tokio::time::timeout(Duration::from_secs(5), c_query)
        .await
        .expect("the waiting checkout got room")
        .unwrap();
    assert_eq!(value, "5");
    assert_eq!(database_limit(port).await, (2, 2));
    assert_eq!(md5_servers(port).await, 1);

    // The other way round without a wait: the SCRAM user's idle connection makes room.
    a.simple_query("BEGIN").await.unwrap();
    assert_eq!(md5_servers(port).await, 2);
    assert_eq!(database_limit(port).await, (2, 2));

    // Both busy, nothing idle: the wait ends with 53300 naming the limit.
    admin_command(port, "SET query_wait_timeout = 300")
        .await
        .unwrap();
    let err = c.simple_query("SELECT 6").await.unwrap_err();
    assert_eq!(sqlstate(&err), "53300", "{err}");
    let text = message(&err);
    assert!(
        text.contains("max_db_connections (2)") && text.contains("database \"app\""),
        "{text}"
    );

    // A raised limit lets a waiting checkout through at once.
    admin_command(port, "SET query_wait_timeout = 5000")
        .await
        .unwrap();
    let d = connect(port, SCRAM_USER, SCRAM_PASS, "app").await.unwrap();
    let d_query = tokio::spawn(async move { select(&d, 7).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!d_query.is_finished(), "a third connection was opened");
    admin_command(port, "SET max_db_connections = 3")
        .await
        .unwrap();
    let value = tokio::time::timeout(Duration::from_secs(2), d_query)
        .await
        .expect("the raised limit let the checkout through")
        .unwrap();
    assert_eq!(value, "7");
    assert_eq!(database_limit(port).await, (3, 3));
    a.simple_query("COMMIT").await.unwrap();
    b.simple_query("COMMIT").await.unwrap();
}

#[tokio::test]
async fn max_user_connections_counts_every_database_of_the_user() {
    require_postgres!();
    let server_port = postgres().port;
    let port = start_router(RouterOpts {
        query_wait_timeout: 400,
        extra: format!(
            r#"
[pools.other]
[pools.other.users.0]
username = "{MD5_USER}"
password = "{MD5_PASS}"
pool_size = 2
max_user_connections = 1
[pools.other.shards.0]
database = "postgres"
servers = [["127.0.0.1", {server_port}, "primary"]]
"#
        ),
        ..RouterOpts::default()
    })
    .await;
    let users = |port| async move {
        (
            limit_row(port, "USERS", "name", MD5_USER, "max_user_connections").await,
            limit_row(port, "USERS", "name", SCRAM_USER, "max_user_connections").await,
        )
    };
    // Logins need a connection of their pool (see above): `other` opens its first.
    let b = connect(port, MD5_USER, MD5_PASS, "other").await.unwrap();
    assert_eq!(select(&b, 1).await, "1");
    // The user's transaction on `app` takes its only connection: the idle one to
    // `other` is closed for it.
    let a = app_client(port).await;
    a.simple_query("BEGIN").await.unwrap();
    assert_eq!(users(port).await, ((1, 1), (0, 0)));
    assert_eq!(md5_servers(port).await, 1);

    // The same user on another database has no room while its connection is busy.
    let err = b.simple_query("SELECT 1").await.unwrap_err();
    assert_eq!(sqlstate(&err), "53300", "{err}");
    let text = message(&err);
    assert!(
        text.contains("max_user_connections (1)") && text.contains(&format!("user \"{MD5_USER}\"")),
        "{text}"
    );
    // Another user is not limited.
    let s = connect(port, SCRAM_USER, SCRAM_PASS, "app").await.unwrap();
    assert_eq!(select(&s, 2).await, "2");
    assert_eq!(users(port).await, ((1, 1), (0, 1)));

    // Once idle, the user's connection to `app` is closed for one to `other`.
    a.simple_query("COMMIT").await.unwrap();
    let b = connect(port, MD5_USER, MD5_PASS, "other").await.unwrap();
    assert_eq!(select(&b, 3).await, "3");
    assert_eq!(users(port).await, ((1, 1), (0, 1)));
    assert_eq!(md5_servers(port).await, 1);
}

#[tokio::test]
async fn conflicting_max_user_connections_is_a_configuration_error() {
    let text = config_text(&RouterOpts {
        server_port: Some(5432),
        extra: format!(
            r#"
[pools.other]
[pools.other.users.0]
username = "{SCRAM_USER}"
password = "{SCRAM_PASS}"
pool_size = 1
max_user_connections = 3
[pools.other.shards.0]
database = "postgres"
servers = [["127.0.0.1", 5432, "primary"]]
"#
        ),
        ..RouterOpts::default()
    })
    .replace(
        "pool_size = 1\n\n[pools.app.shards.0]",
        "pool_size = 1\nmax_user_connections = 2\n\n[pools.app.shards.0]",
    );
    let err = pgml_router::config::Config::parse(&text, "t").unwrap_err();
    let err = err.to_string();
    assert!(
        err.contains("max_user_connections is 2 under pools.app but 3 under pools.other"),
        "{err}"
    );
}
