use pgrx::prelude::*;

/// `pgml.version()`: the version of the installed extension library.
#[pg_extern(immutable, parallel_safe)]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
