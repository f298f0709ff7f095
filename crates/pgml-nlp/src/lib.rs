//! Embeddings, text generation, chunking, tokenizers and the local model store, in pure Rust.
//!
//! Empty on purpose: this crate is filled by the open issue "Embeddings, text generation,
//! chunking and vector functions". It must never depend on pgrx or tokio.
