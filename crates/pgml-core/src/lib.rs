//! Pure-Rust core of pgml. Nothing here knows about PostgreSQL's C API, pgrx or tokio:
//! the extension crate adapts these types to SQL, and tests run with plain `cargo test`.
//!
//! It holds the registry vocabulary shared by every SQL function (tasks, algorithms, sampling,
//! strategies, ...), the error type that carries a SQLSTATE, and tabular training: datasets and
//! splits, algorithms, metrics and the serialisable model artifact.

pub mod algorithms;
pub mod alloc;
pub mod builtin_datasets;
pub mod dataset;
pub mod error;
pub mod hyperparams;
pub mod interrupt;
pub mod metrics;
pub mod model;
pub mod preprocess;
pub mod registry;
pub mod search;

pub use error::{Error, Result, SqlState};

/// Shares the trees of XGBoost and LightGBM models loaded from now on between processes,
/// through image files in `dir` (see `pgml_boost::share_trees_in`); `None` keeps them private.
/// Without the `boost` feature there is nothing to share.
pub fn share_trees_in(dir: Option<std::path::PathBuf>) {
    #[cfg(feature = "boost")]
    pgml_boost::share_trees_in(dir);
    #[cfg(not(feature = "boost"))]
    let _ = dir;
}
