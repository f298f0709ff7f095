//! Pure-Rust core of pgml. Nothing here knows about PostgreSQL's C API, pgrx or tokio:
//! the extension crate adapts these types to SQL, and tests run with plain `cargo test`.
//!
//! Today it holds the registry vocabulary shared by every SQL function (tasks, algorithms,
//! sampling, strategies, ...) and the error type that carries a SQLSTATE.

pub mod error;
pub mod registry;

pub use error::{Error, Result, SqlState};
