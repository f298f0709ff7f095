//! `pgml.version()` and the checks PostgresML's install guide and health checks call, answered
//! for an extension that has no Python runtime and needs no preloading.

use pgrx::prelude::*;

/// `pgml.version()`: the version of the installed extension library.
#[pg_extern(immutable, parallel_safe)]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// `pgml.validate_shared_library()`: PostgresML's check that the library can serve deployed
/// models. PostgresML needs `shared_preload_libraries = 'pgml'` for that; pgml does not (each
/// backend loads the library and follows deployments itself), so there is nothing to fail:
/// the library is loaded, since this function runs.
#[pg_extern]
fn validate_shared_library() {}

/// `pgml.validate_python_dependencies()`: PostgresML's check of its Python packages. pgml has
/// none (every algorithm and model runs in Rust), so, like PostgresML built without Python,
/// it returns nothing and succeeds.
#[pg_extern]
fn validate_python_dependencies() {}

/// `pgml.python_version()`: PostgresML's Python version; pgml has no Python runtime and says so
/// (PostgresML built without Python also answers with a sentence).
#[pg_extern]
fn python_version() -> &'static str {
    "none: pgml has no Python runtime (every algorithm and model runs in Rust)"
}
