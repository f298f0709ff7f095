//! `pgml.models_available()`: the local models `pgml.embed` and `pgml.transform` can use.

use pgrx::prelude::*;

use crate::inference;

/// Every model below `pgml.model_path`: its name (what to pass to `pgml.embed` or as the
/// task's `model`), its kind (`huggingface` folder or `gguf` file), what it serves, where it is
/// and the size of its weights.
#[pg_extern(volatile, parallel_safe)]
fn models_available() -> TableIterator<
    'static,
    (
        name!(name, String),
        name!(kind, String),
        name!(serves, String),
        name!(path, String),
        name!(bytes, i64),
    ),
> {
    let rows = inference::store().list().into_iter().map(|m| {
        let serves = match m.kind {
            pgml_nlp::store::ModelKind::HuggingFace => "pgml.embed",
            pgml_nlp::store::ModelKind::Gguf => "pgml.transform",
        };
        (
            m.name,
            m.kind.as_str().to_string(),
            serves.to_string(),
            m.path.to_string_lossy().into_owned(),
            i64::try_from(m.bytes).unwrap_or(i64::MAX),
        )
    });
    TableIterator::new(rows.collect::<Vec<_>>())
}
