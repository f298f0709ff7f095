//! Model affinity with `model_affinity_wait`: a transaction for a model whose only holder
//! is busy waits for that connection (up to the setting) instead of loading the model on
//! another one. The model call is a stand-in SQL function `pgml.embed(model, input)` that
//! returns its backend's pid, so the test sees which connection served each call.

use std::time::{Duration, Instant};

use super::first_value;
use crate::common::*;

fn affinity_database() {
    fresh_database(
        "affinity_db",
        "CREATE SCHEMA pgml; GRANT USAGE ON SCHEMA pgml TO PUBLIC; \
         CREATE FUNCTION pgml.embed(model text, input text) RETURNS int \
         LANGUAGE sql VOLATILE AS 'SELECT pg_backend_pid()'",
    );
}

async fn router(wait_ms: u64) -> u16 {
    let port = postgres().port;
    let pools = format!(
        "[pools.affinity_db]\npool_mode = \"transaction\"\nmodel_affinity = true\n\
         model_affinity_wait = {wait_ms}\n\
         [pools.affinity_db.users.0]\nusername = \"{MD5_USER}\"\npassword = \"{MD5_PASS}\"\n\
         pool_size = 2\n\
         [pools.affinity_db.shards.0]\ndatabase = \"affinity_db\"\n\
         servers = [[\"127.0.0.1\", {port}, \"primary\"]]\n"
    );
    super::routing::router("", &pools).await
}

/// Client A loads model m1 on a connection and then holds that connection in a transaction
/// for `hold`; meanwhile client B calls m1. Returns (A's pid, B's pid, how long B took).
async fn b_while_a_holds_the_model(port: u16, hold: Duration) -> (String, String, Duration) {
    let a = connect(port, MD5_USER, MD5_PASS, "affinity_db")
        .await
        .unwrap();
    let embed = |input: &str| format!("SELECT pgml.embed('m1', '{input}')");
    let holder = first_value(&a.simple_query(&embed("load")).await.unwrap()).unwrap();
    // The transaction starts with the model call, so it gets m1's connection.
    a.simple_query(&format!("BEGIN; {}", embed("in a transaction")))
        .await
        .unwrap();
    let b = connect(port, MD5_USER, MD5_PASS, "affinity_db")
        .await
        .unwrap();
    let waiter = tokio::spawn(async move {
        let started = Instant::now();
        let rows = b
            .simple_query("SELECT pgml.embed('m1', 'b')")
            .await
            .unwrap();
        (first_value(&rows).unwrap(), started.elapsed())
    });
    tokio::time::sleep(hold).await;
    a.simple_query("COMMIT").await.unwrap();
    let (served_b, took) = waiter.await.unwrap();
    (holder, served_b, took)
}

#[tokio::test]
async fn a_model_call_waits_for_the_busy_connection_holding_the_model() {
    require_postgres!();
    affinity_database();
    let hold = Duration::from_millis(600);

    // Waiting allowed (5 s): B is served by A's connection, once A commits.
    let (holder, served_b, took) = b_while_a_holds_the_model(router(5000).await, hold).await;
    assert_eq!(served_b, holder, "B waited for the connection holding m1");
    assert!(
        took >= Duration::from_millis(400),
        "B waited for A's commit: {took:?}"
    );

    // No waiting (the default): B gets the other connection at once.
    let (holder, served_b, took) = b_while_a_holds_the_model(router(0).await, hold).await;
    assert_ne!(served_b, holder, "B took another connection");
    assert!(
        took < Duration::from_millis(400),
        "B did not wait: {took:?}"
    );

    // The wait is bounded: after 150 ms B takes the other connection.
    let (holder, served_b, took) = b_while_a_holds_the_model(router(150).await, hold).await;
    assert_ne!(served_b, holder, "B gave up waiting");
    assert!(
        took >= Duration::from_millis(140) && took < Duration::from_millis(550),
        "B waited about model_affinity_wait: {took:?}"
    );
}
