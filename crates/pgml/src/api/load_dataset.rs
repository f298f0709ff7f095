use pgml_core::builtin_datasets::load_statements;
use pgml_core::{Error, Result};
use pgrx::prelude::*;
use pgrx::JsonB;

use crate::error::OrRaise;
use crate::spi;

/// `pgml.load_dataset(source)`: (re)creates `pgml.<source>` from the toy datasets built into
/// pgml (breast_cancer, diabetes, digits, iris, linnerud, wine), with PostgresML's layouts.
#[pg_extern(volatile, parallel_unsafe)]
fn load_dataset(
    source: &str,
    subset: default!(Option<&str>, "NULL"),
    limit: default!(Option<i64>, "NULL"),
    kwargs: default!(JsonB, "'{}'"),
) -> TableIterator<'static, (name!(table_name, String), name!(rows, i64))> {
    TableIterator::once(load(source, subset, limit, &kwargs.0).or_raise("pgml.load_dataset"))
}

fn load(
    source: &str,
    subset: Option<&str>,
    limit: Option<i64>,
    kwargs: &serde_json::Value,
) -> Result<(String, i64)> {
    if subset.is_some() || kwargs.as_object().is_some_and(|o| !o.is_empty()) {
        return Err(Error::not_supported(
            "subset and kwargs select parts of Hugging Face datasets, which pgml never downloads",
            "leave them out for the built-in datasets",
        ));
    }
    let limit = match limit {
        Some(l) if l < 0 => {
            return Err(Error::invalid(
                format!("limit must be >= 0, got {l}"),
                "leave limit out to load every row",
            ))
        }
        Some(l) => Some(usize::try_from(l).unwrap_or(usize::MAX)),
        None => None,
    };
    let load = load_statements(source, limit)?;
    if spi::relation_exists(&load.table)? {
        spi::execute_all(std::slice::from_ref(&load.drop))?;
    }
    spi::execute_all(&load.fill)?;
    Ok((load.table, load.rows as i64))
}
