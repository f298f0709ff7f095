//! SQL-facing functions, one module per area. Each function only adapts types.

mod deploy;
mod load_dataset;
mod predict;
mod predict_row;
mod snapshot;
pub mod train;
mod version;
