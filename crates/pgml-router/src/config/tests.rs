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
    assert!(!ignored.iter().any(|k| k.contains("healthcheck")));
    assert_eq!(c.general.healthcheck_timeout().as_millis(), 1000);
    assert_eq!(c.general.healthcheck_delay().as_millis(), 30_000);
    assert!(!ignored.iter().any(|k| k.contains("default_role")));
    assert_eq!(pool.routing().default_role, DefaultRole::Primary);
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

#[test]
fn routing_options_and_shards() {
    let text = r#"
[general]
admin_username = "admin"
admin_password = "secret"
ban_time = 5

[pools.app]
default_role = "replica"
load_balancing_mode = "loc"
query_parser_enabled = true
query_parser_read_write_splitting = true
primary_reads_enabled = false
sharding_function = "sha1"

[pools.app.users.0]
username = "alice"
password = "pw"
pool_size = 3

[pools.app.shards.1]
database = "db1"
servers = [["h1r", 5432, "replica"], ["h1", 5432, "primary"]]

[pools.app.shards.0]
database = "db0"
servers = [["h0", 5432, "primary"], ["h0r", 5432, "replica"]]
"#;
    let c = Config::parse(text, "t.toml").unwrap();
    assert_eq!(c.general.ban_time().as_secs(), 5);
    let (pool, _) = c.user("app", "alice").unwrap();
    let r = pool.routing();
    assert_eq!(r.default_role, DefaultRole::Replica);
    assert_eq!(r.load_balancing, LoadBalancing::Loc);
    assert!(r.read_write_splitting);
    assert!(!r.primary_reads);
    assert_eq!(r.sharding_function, ShardingFunction::Sha1);
    let servers: Vec<(usize, ServerRole, &str, &str)> = pool
        .servers()
        .into_iter()
        .map(|s| (s.shard, s.role, s.host, s.database))
        .collect();
    assert_eq!(
        servers,
        vec![
            (0, ServerRole::Primary, "h0", "db0"),
            (0, ServerRole::Replica, "h0r", "db0"),
            (1, ServerRole::Primary, "h1", "db1"),
            (1, ServerRole::Replica, "h1r", "db1"),
        ]
    );
    assert!(c.ignored_options().is_empty(), "{:?}", c.ignored_options());

    // Defaults: PgCat's.
    let (pool, _) = Config::parse(GOOD, "t.toml")
        .map(|c| c.pools["app"].clone())
        .map(|p| (p, ()))
        .unwrap();
    let r = pool.routing();
    assert_eq!(r.load_balancing, LoadBalancing::Random);
    assert!(!r.read_write_splitting);
    assert!(r.primary_reads);
    assert_eq!(r.sharding_function, ShardingFunction::PgBigintHash);

    for (from, to, why) in [
        (
            "[pools.app.shards.1]",
            "[pools.app.shards.2]",
            "numbered 0 to 1",
        ),
        (
            "\"h0r\", 5432, \"replica\"",
            "\"h0r\", 5432, \"primary\"",
            "at most one",
        ),
        ("\"loc\"", "\"roundrobin\"", "expected `random` or `loc`"),
        ("\"sha1\"", "\"md5\"", "pg_bigint_hash"),
    ] {
        let bad = text.replace(from, to);
        let err = Config::parse(&bad, "t.toml").unwrap_err().to_string();
        assert!(err.contains(why), "{to}: {err}");
    }
}

#[test]
fn comment_regexes_are_compiled_and_checked() {
    let with = |options: &str| GOOD.replace("default_role = \"primary\"", options);
    let c = Config::parse(
        &with("shard_id_regex = '/\\* shard_id: (\\d+) \\*/'\nregex_search_limit = 200"),
        "t.toml",
    )
    .unwrap();
    let (pool, _) = c.user("app", "alice").unwrap();
    let r = pool.routing();
    let regex = r.shard_id_regex.as_ref().unwrap();
    assert_eq!(regex.capture("/* shard_id: 12 */ SELECT 1"), Some("12"));
    assert_eq!(regex.capture("SELECT 1"), None);
    assert!(r.sharding_key_regex.is_none());
    assert_eq!(r.regex_search_limit, 200);
    assert!(!c.ignored_options().iter().any(|k| k.contains("regex")));
    let defaults = Config::parse(GOOD, "t.toml").unwrap();
    let (pool, _) = defaults.user("app", "alice").unwrap();
    assert_eq!(pool.routing().regex_search_limit, 1000);

    for (option, why) in [
        ("shard_id_regex = '/\\* shard_id: (\\d+'", "unclosed"),
        ("sharding_key_regex = 'sharding_key: \\d+'", "capture group"),
    ] {
        let err = Config::parse(&with(option), "t.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("pools.app."), "{err}");
        assert!(err.contains(why), "{why}: {err}");
    }
}

#[test]
fn mirrors_name_a_server_of_their_shard() {
    let with =
        |mirrors: &str| GOOD.replace("\"primary\"]]\n", &format!("\"primary\"]]\n{mirrors}\n"));
    let c = Config::parse(&with("mirrors = [[\"10.0.0.9\", 5432, 1]]"), "t.toml").unwrap();
    let (pool, _) = c.user("app", "alice").unwrap();
    let servers = pool.servers();
    // Server 1 of the list is the primary (listed first once sorted); it has the mirror.
    assert_eq!(servers[0].host, "10.0.0.2");
    assert_eq!(servers[0].mirrors, vec![("10.0.0.9", 5432)]);
    assert!(servers[1].mirrors.is_empty());
    assert!(!c.ignored_options().iter().any(|k| k.contains("mirrors")));
    let err = Config::parse(&with("mirrors = [[\"10.0.0.9\", 5432, 2]]"), "t.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("mirrors server 2"), "{err}");
}

/// Empty passwords would let anyone in (PgBouncer refuses them too); certificate
/// checks without server TLS would check nothing.
#[test]
fn empty_passwords_and_unencrypted_verification_are_refused() {
    let err = Config::parse(
        &GOOD.replace("admin_password = \"secret\"", "admin_password = \"\""),
        "t",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("admin_password is empty"), "{err}");
    let err = Config::parse(&GOOD.replace("password = \"pw\"", "password = \"\""), "t")
        .unwrap_err()
        .to_string();
    assert!(err.contains("user \"alice\": password is empty"), "{err}");
    let err = Config::parse(
        &GOOD.replace(
            "healthcheck_timeout = 1000",
            "healthcheck_timeout = 1000\nverify_server_certificate = true",
        ),
        "t",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("needs server_tls"), "{err}");
}

/// `SHOW CONFIG` marks the `SETTABLE` options changeable: each must be one `SET` changes (a
/// value it accepts is shown back), and every other listed option must be refused as
/// file-only, so the list and `General::set` cannot drift apart.
#[test]
fn settable_list_matches_what_set_changes() {
    let c = Config::parse(GOOD, "t.toml").unwrap();
    for (key, _, _) in c.general.describe() {
        let mut general = c.general.clone();
        let value = if key == "client_tls_required" {
            "true"
        } else {
            "7"
        };
        let outcome = general.set(key, value);
        if SETTABLE.contains(&key) {
            assert_eq!(outcome, Ok(()), "{key}");
            let shown = general.describe().into_iter().find(|(k, _, _)| *k == key);
            assert_eq!(shown.map(|(_, v, _)| v), Some(value.to_owned()), "{key}");
        } else {
            assert!(
                matches!(outcome, Err(SetError::Fixed(_))),
                "{key}: {outcome:?}"
            );
        }
    }
    assert!(matches!(
        c.general.clone().set("no_such_key", "1"),
        Err(SetError::Unknown(_))
    ));
}

#[test]
fn connection_limits_fall_back_to_general() {
    let c = Config::parse(GOOD, "t.toml").unwrap();
    assert_eq!(c.max_db_connections("app"), 0);
    assert_eq!(c.max_user_connections("alice"), 0);
    let text = GOOD
        .replace(
            "healthcheck_timeout = 1000",
            "healthcheck_timeout = 1000\nmax_db_connections = 10\nmax_user_connections = 20",
        )
        .replace(
            "default_role = \"primary\"",
            "default_role = \"primary\"\nmax_db_connections = 4",
        );
    let c = Config::parse(&text, "t.toml").unwrap();
    assert_eq!(c.max_db_connections("app"), 4);
    assert_eq!(c.max_db_connections("elsewhere"), 10);
    assert_eq!(c.max_user_connections("alice"), 20);
    let text = text.replace(
        "min_pool_size = 1",
        "min_pool_size = 1\nmax_user_connections = 5",
    );
    let c = Config::parse(&text, "t.toml").unwrap();
    assert_eq!(c.max_user_connections("alice"), 5);
    assert_eq!(c.max_user_connections("bob"), 20);
}
