//! PgCat's mirrors: what a client sends to a server is also sent to the server's mirrors.
//! The mirror here is the same PostgreSQL (same database), so each mirrored INSERT shows
//! as a second row; a mirror that cannot be reached changes nothing for the client.

use std::time::{Duration, Instant};

use super::first_value;
use crate::common::*;

fn mirror_database() {
    fresh_database(
        "mirror_db",
        "CREATE TABLE hits (source text); GRANT ALL ON hits TO PUBLIC",
    );
}

async fn router_with_mirror(mirror_port: u16) -> u16 {
    let port = postgres().port;
    let pools = format!(
        "[pools.mirror_db]\npool_mode = \"transaction\"\n\
         [pools.mirror_db.users.0]\nusername = \"{MD5_USER}\"\npassword = \"{MD5_PASS}\"\n\
         pool_size = 2\n\
         [pools.mirror_db.shards.0]\ndatabase = \"mirror_db\"\n\
         servers = [[\"127.0.0.1\", {port}, \"primary\"]]\n\
         mirrors = [[\"127.0.0.1\", {mirror_port}, 0]]\n"
    );
    super::routing::router("", &pools).await
}

fn rows(source: &str) -> usize {
    psql_superuser_in(
        postgres().port,
        "mirror_db",
        &format!("SELECT count(*) FROM hits WHERE source = '{source}'"),
    )
    .trim()
    .parse()
    .unwrap()
}

/// Waits until `source` has `want` rows (the mirror runs in the background).
async fn until_rows(source: &str, want: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let n = rows(source);
        if n >= want || Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn mirrors_get_a_copy_of_what_clients_send() {
    require_postgres!();
    mirror_database();
    let port = router_with_mirror(postgres().port).await;
    let c = connect(port, MD5_USER, MD5_PASS, "mirror_db")
        .await
        .unwrap();
    c.simple_query("INSERT INTO hits VALUES ('simple')")
        .await
        .unwrap();
    let inserted = c
        .execute("INSERT INTO hits VALUES ($1)", &[&"extended"])
        .await
        .unwrap();
    assert_eq!(inserted, 1, "the client sees its own server's answer only");
    c.simple_query("BEGIN; INSERT INTO hits VALUES ('transaction'); COMMIT")
        .await
        .unwrap();
    for source in ["simple", "extended", "transaction"] {
        assert_eq!(
            until_rows(source, 2).await,
            2,
            "{source}: the server's row and the mirror's"
        );
    }
    drop(c);
}

#[tokio::test]
async fn an_unreachable_mirror_changes_nothing_for_the_client() {
    require_postgres!();
    mirror_database();
    let port = router_with_mirror(free_port()).await;
    let c = connect(port, MD5_USER, MD5_PASS, "mirror_db")
        .await
        .unwrap();
    for _ in 0..3 {
        c.simple_query("INSERT INTO hits VALUES ('dead mirror')")
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rows("dead mirror"), 3);
    assert_eq!(
        first_value(&c.simple_query("SELECT 1").await.unwrap()).as_deref(),
        Some("1")
    );
}
