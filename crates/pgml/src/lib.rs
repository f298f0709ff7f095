//! The `pgml` PostgreSQL extension: a thin adapter between SQL and the pure crates.
//!
//! Each `#[pg_extern]` converts its arguments, calls `pgml-core` (or `pgml-nlp`), and converts
//! the result, or maps the core's error to a SQLSTATE with detail and hint. Registry schema:
//! `sql/schema.sql`, installed before any function.

use pgrx::prelude::*;

// pgrx turns a Rust panic into a PostgreSQL ERROR by catching it at the FFI boundary; with
// `panic = "abort"` the same panic would take the whole server down (every backend restarts).
#[cfg(not(panic = "unwind"))]
compile_error!(
    "pgml must be built with panic = \"unwind\" (see [profile.*] in the workspace Cargo.toml)"
);

::pgrx::pg_module_magic!(name, version);

mod api;
mod cache;
mod error;
mod guc;
mod inference;
mod nlp_cache;
mod spi;

extension_sql_file!("../sql/schema.sql", name = "schema", bootstrap);

/// Called by PostgreSQL when a backend loads the library.
#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    guc::init();
    pgml_core::interrupt::install(inference::stop_requested);
}

// In-backend tests. `#[pg_schema]` needs an inline module; the tests live in their own file.
#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    include!("backend_tests.rs");
}

/// Required by `cargo pgrx test`: must be visible at the crate root.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
