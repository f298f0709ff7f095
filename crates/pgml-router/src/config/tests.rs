use super::*;

const GOOD: &str = r#"
[general]
host = "127.0.0.1"
port = 6433
admin_username = "admin"
admin_password = "secret"
query_wait_timeout = 250
healthcheck_timeout = 1000

[pools.app]
pool_mode = "session"
default_role = "primary"

[pools.app.users.0]
username = "alice"
password = "pw"
pool_size = 3
pool_mode = "transaction"
min_pool_size = 1

[pools.app.shards.0]
database = "appdb"
servers = [["10.0.0.1", 5432, "replica"], ["10.0.0.2", 5433, "primary"]]
"#;

#[test]
fn parses_pgcat_layout() {
    let c = Config::parse(GOOD, "t.toml").unwrap();
    assert_eq!(c.general.port, 6433);
    assert_eq!(c.general.query_wait_timeout().as_millis(), 250);
    let (pool, user) = c.user("app", "alice").unwrap();
    assert_eq!(pool.mode_for(user), PoolMode::Transaction);
    assert_eq!(pool.server(), Some(("10.0.0.2", 5433, "appdb")));
    assert_eq!(user.server_user(), "alice");
    assert!(c.user("app", "bob").is_none());
    assert!(c.user("nope", "alice").is_none());
    let ignored = c.ignored_options();
    assert!(ignored.contains(&"general.healthcheck_timeout".to_owned()));
    assert!(ignored.contains(&"pools.app.default_role".to_owned()));
    assert!(!ignored.iter().any(|k| k.contains("min_pool_size")));
}

#[test]
fn unknown_key_names_key_and_line() {
    let text = GOOD.replace("query_wait_timeout = 250", "query_wait_timout = 250");
    let err = Config::parse(&text, "t.toml").unwrap_err().to_string();
    assert!(err.starts_with("t.toml:7: "), "{err}");
    assert!(err.contains("query_wait_timout"), "{err}");
}

#[test]
fn bad_values_are_errors_not_panics() {
    for text in [
        "",
        "[general]\n",
        "garbage = = =",
        "[general]\nadmin_username = 1\nadmin_password = \"x\"",
    ] {
        assert!(Config::parse(text, "t").is_err(), "{text}");
    }
    let no_server = GOOD.replace(
        "servers = [[\"10.0.0.1\", 5432, \"replica\"], [\"10.0.0.2\", 5433, \"primary\"]]",
        "servers = []",
    );
    let err = Config::parse(&no_server, "t").unwrap_err().to_string();
    assert!(err.contains("pool \"app\""), "{err}");
    let reserved = GOOD.replace("[pools.app", "[pools.pgbouncer");
    assert!(Config::parse(&reserved, "t").is_err());
}

#[test]
fn example_config_parses() {
    let text = include_str!("../../pgml-router.example.toml");
    let c = Config::parse(text, "example").unwrap();
    assert!(!c.pools.is_empty());
}
