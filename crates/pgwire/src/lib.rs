//! PostgreSQL frontend/backend protocol v3: message structs, `decode(&[u8])` and
//! `encode(&mut BytesMut)`. Bytes only: no sockets, no tokio.
//!
//! Empty on purpose: this crate is filled by the open issue "pgml-router: a production
//! connection pooler".
