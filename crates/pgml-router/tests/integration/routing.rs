//! Pools of several servers: a real streaming replica next to the primary (read/write
//! splitting, roles, load balancing, banning a dead server) and shards as databases of
//! the primary (`SET SHARD`, `SET SHARDING KEY` checked against PostgreSQL's own hash
//! partitioning).

use std::collections::HashSet;

use pgml_router::config::Config;
use pgml_router::Router;

use super::first_value;
use crate::common::*;

/// Starts a router on `pools` (TOML after `[general]`); returns its port.
pub(crate) async fn router(general: &str, pools: &str) -> u16 {
    let text = format!(
        "[general]\nhost = \"127.0.0.1\"\nport = 0\nadmin_username = \"admin\"\n\
         admin_password = \"{ADMIN_PASS}\"\nconnect_timeout = 3000\n{general}\n{pools}"
    );
    let router = Router::bind(Config::parse(&text, "routing").unwrap())
        .await
        .unwrap();
    let port = router.local_addr().unwrap().port();
    tokio::spawn(router.serve(std::future::pending()));
    port
}

/// `[pools.<db>]` over `servers` (TOML array of triples) with extra pool options.
fn pool(db: &str, options: &str, servers: &str) -> String {
    format!(
        "[pools.{db}]\n{options}\n\
         [pools.{db}.users.0]\nusername = \"{MD5_USER}\"\npassword = \"{MD5_PASS}\"\npool_size = 2\n\
         [pools.{db}.shards.0]\ndatabase = \"postgres\"\nservers = {servers}\n"
    )
}

async fn simple(client: &tokio_postgres::Client, sql: &str) -> String {
    first_value(&client.simple_query(sql).await.unwrap()).unwrap_or_default()
}

/// "t" on the replica, "f" on the primary.
const WHERE: &str = "SELECT pg_is_in_recovery()";

#[tokio::test]
async fn read_write_splitting_sends_reads_to_the_replica() {
    require_postgres!();
    let (primary, replica) = (postgres().port, replica().port);
    psql_superuser(
        primary,
        "DROP TABLE IF EXISTS route_t; CREATE TABLE route_t (x int); \
         GRANT ALL ON route_t TO PUBLIC",
    );
    wait_replayed(crate::common::replica());
    let servers = format!(
        "[[\"127.0.0.1\", {primary}, \"primary\"], [\"127.0.0.1\", {replica}, \"replica\"]]"
    );
    let options = "query_parser_enabled = true\nquery_parser_read_write_splitting = true\n\
                   primary_reads_enabled = false";
    let port = router("", &pool("app", options, &servers)).await;
    let c = connect(port, MD5_USER, MD5_PASS, "app").await.unwrap();

    // Reads, simple and extended, and a named statement prepared earlier.
    assert_eq!(simple(&c, WHERE).await, "t");
    assert!(c.query_one(WHERE, &[]).await.unwrap().get::<_, bool>(0));
    let stmt = c.prepare(WHERE).await.unwrap();
    for _ in 0..3 {
        assert!(c.query_one(&stmt, &[]).await.unwrap().get::<_, bool>(0));
    }
    assert_eq!(
        simple(&c, "BEGIN READ ONLY; SELECT pg_is_in_recovery(); COMMIT").await,
        "t"
    );
    // Writes and what may write: the primary.
    let inserted = "INSERT INTO route_t VALUES (1) RETURNING pg_is_in_recovery()";
    assert_eq!(simple(&c, inserted).await, "f");
    let row = c.query_one(inserted, &[]).await.unwrap();
    assert!(!row.get::<_, bool>(0));
    assert_eq!(
        simple(&c, "BEGIN; SELECT pg_is_in_recovery(); COMMIT").await,
        "f"
    );
    assert_eq!(
        simple(&c, "SELECT pg_is_in_recovery() FROM route_t FOR UPDATE").await,
        "f"
    );
    assert_eq!(
        simple(&c, "SELECT pg_is_in_recovery(), txid_current() > 0").await,
        "f"
    );

    // Pipelined requests (sent before the answers come) are routed one by one; inside a
    // transaction they stay on its server.
    let (read, write, read_again) =
        tokio::join!(simple(&c, WHERE), simple(&c, inserted), simple(&c, WHERE));
    assert_eq!(
        (read.as_str(), write.as_str(), read_again.as_str()),
        ("t", "f", "t")
    );
    let (_, in_xact, _) =
        tokio::join!(simple(&c, "BEGIN"), simple(&c, WHERE), simple(&c, "COMMIT"));
    assert_eq!(in_xact, "f");
    let (read, write) = tokio::join!(c.query_one(WHERE, &[]), c.query_one(inserted, &[]));
    assert!(read.unwrap().get::<_, bool>(0));
    assert!(!write.unwrap().get::<_, bool>(0));

    // The client overrides the role, then goes back to the pool's rules.
    assert_eq!(simple(&c, "SHOW SERVER ROLE").await, "auto");
    c.simple_query("SET SERVER ROLE TO 'primary'")
        .await
        .unwrap();
    assert_eq!(simple(&c, WHERE).await, "f");
    assert_eq!(simple(&c, "SHOW SERVER ROLE").await, "primary");
    c.simple_query("SET SERVER ROLE TO 'default'")
        .await
        .unwrap();
    assert_eq!(simple(&c, WHERE).await, "t");
    // Reads may also go to the primary once allowed: both servers answer.
    c.simple_query("SET PRIMARY READS TO on").await.unwrap();
    assert_eq!(simple(&c, "SHOW PRIMARY READS").await, "on");
    let mut seen = HashSet::new();
    for _ in 0..40 {
        seen.insert(simple(&c, WHERE).await);
    }
    assert_eq!(seen.len(), 2, "{seen:?}");

    // Bad values are errors with a SQLSTATE; the session goes on.
    let err = c
        .simple_query("SET SERVER ROLE TO 'master'")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "22023");
    assert!(message(&err).contains("master"), "{}", message(&err));
    assert_eq!(simple(&c, "SELECT 5").await, "5");
    // The writes all reached the primary.
    assert_eq!(
        psql_superuser(primary, "SELECT count(*) FROM route_t").trim(),
        "4"
    );
}

#[tokio::test]
async fn default_role_load_balancing_and_psql() {
    require_postgres!();
    let (primary, replica) = (postgres().port, replica().port);
    let servers = format!(
        "[[\"127.0.0.1\", {primary}, \"primary\"], [\"127.0.0.1\", {replica}, \"replica\"]]"
    );
    let pools = pool("reader", "default_role = \"replica\"", &servers)
        + &pool("spread", "load_balancing_mode = \"loc\"", &servers);
    let port = router("", &pools).await;
    let reader = connect(port, MD5_USER, MD5_PASS, "reader").await.unwrap();
    for _ in 0..5 {
        assert_eq!(simple(&reader, WHERE).await, "t");
    }
    // Without the parser a write goes where the role says, and the replica refuses it.
    let err = reader
        .simple_query("CREATE TABLE never_here (x int)")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "25006");
    let spread = connect(port, MD5_USER, MD5_PASS, "spread").await.unwrap();
    let mut seen = HashSet::new();
    for _ in 0..40 {
        seen.insert(simple(&spread, WHERE).await);
    }
    assert_eq!(
        seen.len(),
        2,
        "any role spreads over both servers: {seen:?}"
    );

    // psql, a real client, with the router's own commands.
    let conninfo = format!("host=127.0.0.1 port={port} user={MD5_USER} dbname=reader");
    let (ok, out) = psql(
        &conninfo,
        MD5_PASS,
        &[
            "SHOW SERVER ROLE",
            WHERE,
            "SET SERVER ROLE TO 'primary'",
            WHERE,
            "SHOW SHARD",
        ],
    )
    .await;
    assert!(ok, "{out}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["replica", "t", "SET", "f", "0"],
        "{out}"
    );
}

#[tokio::test]
async fn a_dead_replica_is_banned_and_the_others_serve() {
    require_postgres!();
    let (primary, replica) = (postgres().port, replica().port);
    let dead = free_port();
    let servers = format!(
        "[[\"127.0.0.1\", {primary}, \"primary\"], [\"127.0.0.1\", {dead}, \"replica\"], \
         [\"127.0.0.1\", {replica}, \"replica\"]]"
    );
    let port = router(
        "ban_time = 60",
        &pool("app", "default_role = \"replica\"", &servers),
    )
    .await;
    let c = connect(port, MD5_USER, MD5_PASS, "app").await.unwrap();
    for _ in 0..20 {
        assert_eq!(simple(&c, WHERE).await, "t");
    }
    let servers = admin_show(port, "SERVERS").await;
    let ports: HashSet<String> = servers
        .iter()
        .filter_map(|row| {
            row.iter()
                .find(|(k, _)| k == "port")
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert_eq!(ports, HashSet::from([replica.to_string()]), "{servers:?}");
    let bans = admin_show(port, "BANS").await;
    assert_eq!(bans.len(), 1, "{bans:?}");
    let ban: std::collections::HashMap<_, _> = bans[0].iter().cloned().collect();
    assert_eq!(ban["port"], dead.to_string());
    assert_eq!(ban["role"], "replica");
    let left: u64 = ban["seconds_left"].parse().unwrap();
    assert!((50..=60).contains(&left), "{left}");
}

const SHARDS: usize = 3;

/// Databases `route_shard0..2` on the primary, each with a table `route_data`.
fn shard_databases() {
    for n in 0..SHARDS {
        fresh_database(
            &format!("route_shard{n}"),
            "CREATE TABLE route_data (id bigint, v text); GRANT ALL ON route_data TO PUBLIC",
        );
    }
}

/// Where PostgreSQL's own hash partitioning (MODULUS 3) puts each key: `(key, remainder)`.
fn hash_placement(keys: &[i64]) -> Vec<(i64, usize)> {
    let mut sql = String::from("CREATE TEMP TABLE hp (id bigint) PARTITION BY HASH (id);");
    for n in 0..SHARDS {
        sql += &format!(
            "CREATE TEMP TABLE hp{n} PARTITION OF hp FOR VALUES WITH (MODULUS {SHARDS}, REMAINDER {n});"
        );
    }
    let values: Vec<String> = keys.iter().map(|k| format!("({k})")).collect();
    sql += &format!("INSERT INTO hp VALUES {};", values.join(","));
    sql += "SELECT id || ' ' || right(tableoid::regclass::text, 1) FROM hp ORDER BY id";
    psql_superuser(postgres().port, &sql)
        .lines()
        .map(|line| {
            let (id, n) = line.split_once(' ').unwrap();
            (id.parse().unwrap(), n.parse().unwrap())
        })
        .collect()
}

/// `[pools.<db>]` with one primary-only shard per `route_shard<n>` database.
fn sharded_pool(db: &str, options: &str) -> String {
    let primary = postgres().port;
    let mut pool = format!(
        "[pools.{db}]\n{options}\n[pools.{db}.users.0]\nusername = \"{MD5_USER}\"\n\
         password = \"{MD5_PASS}\"\npool_size = 2\n"
    );
    for n in 0..SHARDS {
        pool += &format!(
            "[pools.{db}.shards.{n}]\ndatabase = \"route_shard{n}\"\n\
             servers = [[\"127.0.0.1\", {primary}, \"primary\"]]\n"
        );
    }
    pool
}

#[tokio::test]
async fn shards_by_number_and_by_sharding_key() {
    require_postgres!();
    shard_databases();
    let mut keys: Vec<i64> = (-60..=60).collect();
    keys.extend([i64::MAX, i64::MIN]);
    let placed = hash_placement(&keys);
    assert_eq!(placed.len(), keys.len());
    let pools = sharded_pool("sharded", "pool_mode = \"transaction\"")
        + &sharded_pool("sharded_session", "pool_mode = \"session\"");
    let port = router("", &pools).await;
    let c = connect(port, MD5_USER, MD5_PASS, "sharded").await.unwrap();
    assert_eq!(simple(&c, "SHOW SHARD").await, "0");
    assert_eq!(
        simple(&c, "SELECT current_database()").await,
        "route_shard0"
    );
    c.simple_query("SET SHARD TO '2'").await.unwrap();
    assert_eq!(
        simple(&c, "SELECT current_database()").await,
        "route_shard2"
    );
    let err = c.simple_query("SET SHARD TO '3'").await.unwrap_err();
    assert_eq!(sqlstate(&err), "22023");
    assert!(message(&err).contains("3 shard"), "{}", message(&err));
    // PgCat's SET SHARD TO 'ANY': a random shard, which SHOW SHARD names and queries use.
    let mut seen = HashSet::new();
    for _ in 0..30 {
        c.simple_query("SET SHARD TO 'ANY'").await.unwrap();
        let shard = simple(&c, "SHOW SHARD").await;
        assert_eq!(
            simple(&c, "SELECT current_database()").await,
            format!("route_shard{shard}")
        );
        seen.insert(shard);
    }
    assert!(seen.len() > 1, "30 random picks all gave {seen:?}");
    // SHOW DATABASES lists every server of the pool: here one per shard.
    let listed: HashSet<String> = admin_show(port, "DATABASES")
        .await
        .into_iter()
        .filter(|row| row.iter().any(|(k, v)| k == "name" && v == "sharded"))
        .filter_map(|row| {
            row.into_iter()
                .find(|(k, _)| k == "database")
                .map(|(_, v)| v)
        })
        .collect();
    let expected: HashSet<String> = (0..SHARDS).map(|n| format!("route_shard{n}")).collect();
    assert_eq!(listed, expected);
    for (key, partition) in &placed {
        c.simple_query(&format!("SET SHARDING KEY TO '{key}'"))
            .await
            .unwrap();
        assert_eq!(
            simple(&c, "SELECT current_database()").await,
            format!("route_shard{partition}"),
            "key {key}"
        );
    }

    // Session mode: the route is fixed once the session holds its server.
    let s = connect(port, MD5_USER, MD5_PASS, "sharded_session")
        .await
        .unwrap();
    s.simple_query("SET SHARD TO '1'").await.unwrap();
    assert_eq!(
        simple(&s, "SELECT current_database()").await,
        "route_shard1"
    );
    let err = s.simple_query("SET SHARD TO '0'").await.unwrap_err();
    assert_eq!(sqlstate(&err), "55000");
    assert_eq!(simple(&s, "SHOW SHARD").await, "1");
}

#[tokio::test]
async fn automatic_sharding_key_routes_each_statement_by_its_key() {
    require_postgres!();
    shard_databases();
    let keys: Vec<i64> = (-30..=30).collect();
    let placed = hash_placement(&keys);
    let options = "query_parser_enabled = true\nautomatic_sharding_key = \"route_data.id\"";
    let port = router("", &sharded_pool("autosharded", options)).await;
    let c = connect(port, MD5_USER, MD5_PASS, "autosharded")
        .await
        .unwrap();
    for (key, _) in &placed {
        c.simple_query(&format!(
            "INSERT INTO route_data (id, v) VALUES ({key}, current_database())"
        ))
        .await
        .unwrap();
    }
    // Each row is in the database of its hash partition, and reads find it there,
    // through the simple and the extended protocol.
    let primary = postgres().port;
    for n in 0..SHARDS {
        let stored = psql_superuser_in(
            primary,
            &format!("route_shard{n}"),
            "SELECT string_agg(id::text, ',' ORDER BY id) FROM route_data",
        );
        let expected: Vec<String> = placed
            .iter()
            .filter(|(_, p)| *p == n)
            .map(|(k, _)| k.to_string())
            .collect();
        assert_eq!(stored.trim(), expected.join(","), "shard {n}");
    }
    for (key, partition) in &placed {
        let db = format!("route_shard{partition}");
        let sql = format!("SELECT v FROM route_data WHERE id = {key}");
        assert_eq!(simple(&c, &sql).await, db, "key {key}");
        let row = c.query_one(sql.as_str(), &[]).await.unwrap();
        assert_eq!(row.get::<_, String>(0), db, "key {key}");
    }
    // Keys bound as parameters (binary int8 and int4): a prepared statement's Bind, and
    // an unnamed Parse + Bind sent together (the Parse waits for its Bind).
    for (key, partition) in &placed {
        let db = format!("route_shard{partition}");
        let row = c
            .query_one("SELECT v FROM route_data WHERE id = $1", &[key])
            .await
            .unwrap();
        assert_eq!(row.get::<_, String>(0), db, "key {key}");
        let rows = c
            .query_typed(
                "SELECT v FROM route_data WHERE route_data.id = $1",
                &[(&(*key as i32), tokio_postgres::types::Type::INT4)],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "key {key}");
        assert_eq!(rows[0].get::<_, String>(0), db, "key {key}");
    }
    c.execute("DELETE FROM route_data WHERE id = 0", &[])
        .await
        .unwrap();
    let inserted = c
        .execute(
            "INSERT INTO route_data (id, v) VALUES ($1, current_database())",
            &[&0_i64],
        )
        .await
        .unwrap();
    assert_eq!(inserted, 1);
    let zero_shard = placed.iter().find(|(k, _)| *k == 0).unwrap().1;
    let stored = psql_superuser_in(
        primary,
        &format!("route_shard{zero_shard}"),
        "SELECT count(*) FROM route_data WHERE id = 0",
    );
    assert_eq!(stored.trim(), "1");

    // Statements without the key go to the client's shard.
    c.simple_query("SET SHARD TO '2'").await.unwrap();
    assert_eq!(
        simple(&c, "SELECT current_database()").await,
        "route_shard2"
    );
}

#[tokio::test]
async fn a_shard_named_in_a_comment_routes_the_statement() {
    require_postgres!();
    shard_databases();
    let keys: Vec<i64> = (-20..=20).collect();
    let placed = hash_placement(&keys);
    let options = r#"pool_mode = "transaction"
shard_id_regex = '/\* shard_id: (\d+) \*/'
sharding_key_regex = '/\* sharding_key: (-?\d+) \*/'
regex_search_limit = 64"#;
    let port = router("", &sharded_pool("commented", options)).await;
    let c = connect(port, MD5_USER, MD5_PASS, "commented")
        .await
        .unwrap();
    for n in [2, 0, 1] {
        // Simple and extended queries alike.
        let sql = format!("/* shard_id: {n} */ SELECT current_database()");
        assert_eq!(simple(&c, &sql).await, format!("route_shard{n}"));
        let row = c.query_one(&sql, &[]).await.unwrap();
        assert_eq!(row.get::<_, String>(0), format!("route_shard{n}"));
    }
    // The comment's shard stays the client's shard (as SET SHARD would), like PgCat.
    assert_eq!(simple(&c, "SHOW SHARD").await, "1");
    assert_eq!(
        simple(&c, "SELECT current_database()").await,
        "route_shard1"
    );
    for (key, partition) in &placed {
        let sql = format!("/* sharding_key: {key} */ SELECT current_database()");
        assert_eq!(
            simple(&c, &sql).await,
            format!("route_shard{partition}"),
            "key {key}"
        );
    }
    // Only the first regex_search_limit bytes are searched.
    c.simple_query("SET SHARD TO '0'").await.unwrap();
    let late = format!(
        "SELECT current_database() {} /* shard_id: 2 */",
        "-- padding\n".repeat(8)
    );
    assert_eq!(simple(&c, &late).await, "route_shard0");
    // A shard past the last one is refused with the pool's shard count, not sent elsewhere.
    let err = c
        .simple_query("/* shard_id: 7 */ SELECT 1")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "22023");
    assert!(message(&err).contains("3 shard"), "{}", message(&err));
}
