//! SQL-facing functions, one module per area. Each function only adapts types.

mod deploy;
mod predict;
pub mod train;
mod version;
