//! `pgml-router`: the connection pooler that lets many clients share few model-holding
//! PostgreSQL backends. Not built yet: the open issue "pgml-router: a production connection
//! pooler" fills this crate. Until then the binary says so and fails, rather than pretend.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!(
        "pgml-router {}: the connection pooler is not implemented yet; see README.md's feature table",
        env!("CARGO_PKG_VERSION")
    );
    ExitCode::from(2)
}
