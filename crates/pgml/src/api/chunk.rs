//! `pgml.chunk`: LangChain-compatible text splitters (`pgml_nlp::chunk`).

use pgrx::prelude::*;
use pgrx::JsonB;

use crate::error::OrRaise;
use crate::nlp_cache;

/// `pgml.chunk(splitter, text, kwargs DEFAULT '{}')`: `text` cut into chunks by the named
/// splitter (`character`, `recursive_character`, `markdown`, `latex`, `python`), with the
/// LangChain constructor arguments in `kwargs` (`chunk_size`, `chunk_overlap`, ...), lengths in
/// characters, or in tokens of the model `kwargs` name in `"tokenizer"` (its tokenizer.json,
/// cached per backend). One row per chunk, `chunk_index` counting from 1; an empty text gives
/// no rows.
#[pg_extern(immutable, strict, parallel_safe)]
fn chunk(
    splitter: &str,
    text: &str,
    kwargs: default!(JsonB, "'{}'"),
) -> TableIterator<'static, (name!(chunk_index, i64), name!(chunk, String))> {
    let chunks = pgml_nlp::chunk::chunk(splitter, text, &kwargs.0, nlp_cache::token_counter)
        .or_raise("pgml.chunk");
    TableIterator::new((1i64..).zip(chunks))
}
