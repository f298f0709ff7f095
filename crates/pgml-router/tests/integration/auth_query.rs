//! `auth_query`: users configured without a password are checked against the secret
//! PostgreSQL stores (md5 hash or SCRAM verifier), and the router logs into the server
//! with what the client proved (md5 hash, SCRAM keys).

use crate::common::*;
use crate::first_value;

/// A pool `aq` whose users have no password in the configuration.
fn aq_pool(extra_users: &[&str]) -> String {
    let mut text = format!(
        "[pools.aq]\n\
         auth_query = \"SELECT usename, passwd FROM pg_shadow WHERE usename = '$1'\"\n\
         auth_query_user = \"postgres\"\n\n\
         [pools.aq.shards.0]\ndatabase = \"postgres\"\n\
         servers = [[\"127.0.0.1\", {}, \"primary\"]]\n",
        postgres().port
    );
    for (i, user) in [MD5_USER, SCRAM_USER, "ghost"]
        .iter()
        .chain(extra_users)
        .enumerate()
    {
        text.push_str(&format!(
            "\n[pools.aq.users.{i}]\nusername = \"{user}\"\npool_size = 2\n"
        ));
    }
    text
}

async fn current_user(client: &tokio_postgres::Client) -> String {
    first_value(&client.simple_query("SELECT current_user").await.unwrap()).unwrap()
}

#[tokio::test]
async fn auth_query_with_md5_and_scram_stored_passwords() {
    require_postgres!();
    for method in ["md5", "scram-sha-256", "password"] {
        let port = start_router(RouterOpts {
            auth_method: method,
            extra: aq_pool(&[]),
            ..RouterOpts::default()
        })
        .await;
        for (user, pass) in [(MD5_USER, MD5_PASS), (SCRAM_USER, SCRAM_PASS)] {
            if method == "scram-sha-256" && user == MD5_USER {
                // An md5-stored password cannot be checked with SCRAM: refused, as
                // PostgreSQL's scram-sha-256 refuses it.
                let err = connect(port, user, pass, "aq").await.unwrap_err();
                assert_eq!(sqlstate(&err), "28P01", "{}", message(&err));
                continue;
            }
            let client = connect(port, user, pass, "aq")
                .await
                .unwrap_or_else(|e| panic!("{method} {user}: {}", message(&e)));
            assert_eq!(current_user(&client).await, user, "{method}");
            // Server connections opened later use the learned credential too.
            let other = connect(port, user, pass, "aq").await.unwrap();
            client.simple_query("BEGIN").await.unwrap();
            assert_eq!(current_user(&other).await, user, "{method}");
            client.simple_query("COMMIT").await.unwrap();
            let err = connect(port, user, "wrong", "aq").await.unwrap_err();
            assert_eq!(
                sqlstate(&err),
                "28P01",
                "{method} {user}: {}",
                message(&err)
            );
        }
        // A user PostgreSQL does not know gets the same answer as a wrong password.
        let err = connect(port, "ghost", "x", "aq").await.unwrap_err();
        assert_eq!(sqlstate(&err), "28P01", "{method}: {}", message(&err));
    }
    // psql too.
    let port = start_router(RouterOpts {
        extra: aq_pool(&[]),
        ..RouterOpts::default()
    })
    .await;
    let conninfo = format!("host=127.0.0.1 port={port} user={SCRAM_USER} dbname=aq");
    let (ok, out) = psql(&conninfo, SCRAM_PASS, &["SELECT current_user"]).await;
    assert!(ok && out.contains(SCRAM_USER), "{out}");
}

/// `auth_query` runs at every login, as in PgBouncer: a changed password, `NOLOGIN`
/// or a dropped role applies at the next login, not after some failed one.
#[tokio::test]
async fn auth_query_sees_a_changed_password_at_once() {
    require_postgres!();
    let pg = postgres().port;
    psql_superuser(
        pg,
        "DROP ROLE IF EXISTS aqrot; SET password_encryption = 'scram-sha-256'; \
         CREATE ROLE aqrot LOGIN PASSWORD 'first'",
    );
    // A database of its own, so that the auth_query connection is this test's alone.
    fresh_database("aqrot_db", "");
    let port = start_router(RouterOpts {
        auth_method: "scram-sha-256",
        extra: aq_pool(&["aqrot", "aqrot_gone"])
            .replace("database = \"postgres\"", "database = \"aqrot_db\""),
        ..RouterOpts::default()
    })
    .await;
    let client = connect(port, "aqrot", "first", "aq").await.unwrap();
    assert_eq!(current_user(&client).await, "aqrot");
    psql_superuser(pg, "ALTER ROLE aqrot PASSWORD 'second'");
    let err = connect(port, "aqrot", "first", "aq").await.unwrap_err();
    assert_eq!(sqlstate(&err), "28P01");
    let client = connect(port, "aqrot", "second", "aq").await.unwrap();
    assert_eq!(current_user(&client).await, "aqrot");
    // Many logins at once share the one auth_query connection: the server sees one
    // connection of the auth_query user, however many clients log in.
    let logins = (0..20).map(|_| connect(port, "aqrot", "second", "aq"));
    for login in futures_util::future::join_all(logins).await {
        login.unwrap();
    }
    let auth_backends = psql_superuser(
        pg,
        "SELECT count(*) FROM pg_stat_activity WHERE usename = 'postgres' \
         AND datname = 'aqrot_db'",
    );
    assert_eq!(auth_backends.trim(), "1", "{auth_backends}");
    psql_superuser(pg, "DROP ROLE IF EXISTS aqrot_gone");
    let err = connect(port, "aqrot_gone", "x", "aq").await.unwrap_err();
    assert_eq!(sqlstate(&err), "28P01");
}

#[test]
fn users_without_password_need_auth_query() {
    let text = "[general]\nadmin_username = \"a\"\nadmin_password = \"b\"\n\n\
                [pools.x.users.0]\nusername = \"u\"\npool_size = 1\n\n\
                [pools.x.shards.0]\ndatabase = \"d\"\nservers = [[\"h\", 5432, \"primary\"]]\n";
    let err = pgml_router::config::Config::parse(text, "t")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("password is required unless auth_query"),
        "{err}"
    );
    let with_query = text.replace(
        "[pools.x.users.0]",
        "[pools.x]\nauth_query = \"SELECT $1\"\n\n[pools.x.users.0]",
    );
    let err = pgml_router::config::Config::parse(&with_query, "t")
        .unwrap_err()
        .to_string();
    assert!(err.contains("auth_query_user"), "{err}");
    let ok = with_query.replace(
        "auth_query = \"SELECT $1\"",
        "auth_query = \"SELECT $1\"\nauth_query_user = \"pgml\"",
    );
    pgml_router::config::Config::parse(&ok, "t").unwrap();
}

/// An `auth_query` that returns the plaintext password: the client is checked against
/// it and the server login uses it (it was never learned before: every checkout failed
/// with "no password for the server login").
#[tokio::test]
async fn a_plaintext_auth_query_password_logs_into_the_server() {
    require_postgres!();
    let pool = aq_pool(&[]).replace(
        "SELECT usename, passwd FROM pg_shadow WHERE usename = '$1'",
        &format!("SELECT usename, '{MD5_PASS}' FROM pg_user WHERE usename = '$1'"),
    );
    let port = start_router(RouterOpts {
        extra: pool,
        ..RouterOpts::default()
    })
    .await;
    let client = connect(port, MD5_USER, MD5_PASS, "aq").await.unwrap();
    assert_eq!(current_user(&client).await, MD5_USER);
    let err = connect(port, MD5_USER, "wrong", "aq").await.unwrap_err();
    assert_eq!(sqlstate(&err), "28P01");
}
