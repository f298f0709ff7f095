//! Embeddings, text generation, chunking, tokenizers, vector math and the local model store,
//! in Rust. It must never depend on pgrx or tokio: the extension adapts it to SQL.

mod bert;
pub mod chunk;
pub mod device;
pub mod embed;
pub mod generate;
mod options;
pub mod quantized;
pub mod store;
pub mod tokens;
pub mod vector;
