// In-backend tests (`cargo pgrx test`): each runs inside a real PostgreSQL 15 backend with the
// extension created.

use pgml_core::registry::{Algorithm, Runtime, Sampling, Search, Status, Strategy, Task};
use pgrx::prelude::*;

/// Only in test builds: a SQL function whose Rust body panics.
#[pg_extern]
fn panic_in_rust(message: &str) -> i32 {
    panic!("{message}");
}

#[pg_test]
fn version_is_the_crate_version_and_the_installed_extension_version() {
    let from_sql = Spi::get_one::<String>("SELECT pgml.version()");
    assert_eq!(from_sql, Ok(Some(env!("CARGO_PKG_VERSION").to_owned())));
    let extversion =
        Spi::get_one::<String>("SELECT extversion::text FROM pg_extension WHERE extname = 'pgml'");
    assert_eq!(extversion, Ok(Some(env!("CARGO_PKG_VERSION").to_owned())));
}

#[pg_test]
fn registry_tables_and_views_exist_in_schema_pgml() {
    for relation in [
        "projects",
        "snapshots",
        "models",
        "deployments",
        "files",
        "overview",
        "trained_models",
        "deployed_models",
    ] {
        let found = Spi::get_one_with_args::<bool>(
            "SELECT to_regclass('pgml.' || $1) IS NOT NULL",
            &[relation.into()],
        );
        assert_eq!(found, Ok(Some(true)), "pgml.{relation}");
    }
}

#[pg_test]
fn sql_enums_hold_exactly_the_core_values() {
    let pairs: [(&str, &[&str]); 7] = [
        (Task::SQL_TYPE, Task::NAMES),
        (Algorithm::SQL_TYPE, Algorithm::NAMES),
        (Sampling::SQL_TYPE, Sampling::NAMES),
        (Strategy::SQL_TYPE, Strategy::NAMES),
        (Search::SQL_TYPE, Search::NAMES),
        (Runtime::SQL_TYPE, Runtime::NAMES),
        (Status::SQL_TYPE, Status::NAMES),
    ];
    for (sql_type, names) in pairs {
        let query = format!("SELECT enum_range(NULL::{sql_type})::text[]");
        let values = Spi::get_one::<Vec<String>>(&query);
        let expected: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        assert_eq!(values, Ok(Some(expected)), "{sql_type}");
    }
}

#[pg_test]
fn registry_rows_are_included_in_pg_dump() {
    // pg_extension_config_dump marks every registry table and its sequence: projects,
    // snapshots, models, deployments, files and logs.
    let marked = Spi::get_one::<i32>(
        "SELECT cardinality(extconfig) FROM pg_extension WHERE extname = 'pgml'",
    );
    assert_eq!(marked, Ok(Some(12)));
}

#[pg_test(error = "a panic in Rust becomes an ERROR")]
fn a_rust_panic_is_a_sql_error_not_a_crash() {
    let _ = Spi::get_one::<i32>("SELECT tests.panic_in_rust('a panic in Rust becomes an ERROR')");
}
