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
