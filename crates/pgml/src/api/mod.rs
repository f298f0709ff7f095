//! SQL-facing functions, one module per area. Each function only adapts types.

mod chunk;
mod deploy;
mod embed;
mod load_dataset;
mod models;
mod predict;
mod predict_row;
mod snapshot;
pub mod train;
mod transform;
mod vector;
mod version;
