//! SQL-facing functions, one module per area. Each function only adapts types.

mod version;
