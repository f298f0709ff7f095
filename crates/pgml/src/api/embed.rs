//! `pgml.embed`: sentence embeddings from a local encoder model.

use pgml_core::{Error, Result};
use pgml_nlp::embed::EmbedOptions;
use pgrx::prelude::*;
use pgrx::JsonB;

use crate::error::OrRaise;
use crate::{guc, inference, nlp_cache};

fn embed_texts(transformer: &str, texts: &[&str], kwargs: &JsonB) -> Result<Vec<Vec<f32>>> {
    let options = EmbedOptions::from_kwargs(&kwargs.0)?;
    let precision = guc::embedding_precision(options.device);
    let embedder = nlp_cache::embedder(transformer, options.device, precision)?;
    embedder.embed(
        texts,
        &options,
        guc::embedding_threads(),
        &mut inference::check_for_interrupts,
    )
}

/// `pgml.embed(transformer, text, kwargs)`: one embedding. IMMUTABLE like PostgresML's, so it
/// can fill generated columns and index expressions (the model files must not change).
#[pg_extern(immutable, strict, parallel_safe)]
fn embed(transformer: &str, text: &str, kwargs: default!(JsonB, "'{}'")) -> Vec<f32> {
    (|| {
        let mut vectors = embed_texts(transformer, &[text], &kwargs)?;
        Ok(vectors.pop().unwrap_or_default())
    })()
    .or_raise("pgml.embed")
}

/// `pgml.embed(transformer, inputs text[], kwargs)`: one embedding per input, in order, computed
/// in batches.
#[pg_extern(immutable, strict, parallel_safe, name = "embed")]
fn embed_batch(
    transformer: &str,
    inputs: Vec<Option<String>>,
    kwargs: default!(JsonB, "'{}'"),
) -> SetOfIterator<'static, Vec<f32>> {
    let vectors = (|| {
        let texts = inputs
            .iter()
            .enumerate()
            .map(|(i, t)| {
                t.as_deref().ok_or_else(|| {
                    Error::invalid(
                        format!("inputs[{}] is NULL", i + 1),
                        "NULL has no embedding: filter NULLs out (WHERE text IS NOT NULL) or \
                         use coalesce()",
                    )
                })
            })
            .collect::<Result<Vec<&str>>>()?;
        embed_texts(transformer, &texts, &kwargs)
    })()
    .or_raise("pgml.embed");
    SetOfIterator::new(vectors)
}
