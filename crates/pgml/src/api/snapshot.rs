use pgml_core::model::Labels;
use pgml_core::preprocess::{describe, Preprocessor};
use pgml_core::registry::Sampling;
use pgml_core::Result;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::json;

use crate::error::OrRaise;
use crate::spi;

/// `pgml.snapshot(relation_name, y_column_name, test_size, test_sampling, preprocess)`: copies
/// the relation into `pgml.snapshot_<id>` and records its columns' statistics, without
/// training. Like PostgresML's, STRICT, and returns the relation and label column as given.
#[pg_extern(volatile, strict, parallel_unsafe)]
fn snapshot(
    relation_name: &str,
    y_column_name: &str,
    test_size: default!(f32, 0.25),
    test_sampling: default!(&str, "'stratified'"),
    preprocess: default!(JsonB, "'{}'"),
) -> TableIterator<'static, (name!(relation, String), name!(y_column_name, String))> {
    take(
        relation_name,
        y_column_name,
        test_size,
        test_sampling,
        &preprocess.0,
    )
    .or_raise("pgml.snapshot");
    TableIterator::once((relation_name.to_owned(), y_column_name.to_owned()))
}

fn take(
    relation: &str,
    y_column: &str,
    test_size: f32,
    test_sampling: &str,
    preprocess: &serde_json::Value,
) -> Result<()> {
    let sampling: Sampling = test_sampling.parse()?;
    // The same checks training would apply, so a snapshot is always trainable.
    pgml_core::dataset::test_rows(test_size, usize::MAX / 2)?;
    let y_columns = vec![y_column.to_owned()];
    spi::check_label(relation, &y_columns)?;
    let snapshot_id = spi::insert_snapshot(relation, &y_columns, test_size, sampling)?;
    let table = spi::materialize_snapshot(snapshot_id, relation)?;
    let data = spi::read_training_data(&table, &y_columns, false)?;
    let rows = match &data.labels {
        Labels::Numeric(v) => v.len(),
        Labels::Text(v) => v.len(),
        Labels::Unlabelled(n) => *n,
        Labels::Joint(t) => t.first().map_or(0, Vec::len),
    };
    // Statistics over every row (no split yet); target encoding sees numeric labels only.
    let labels: Vec<f32> = match &data.labels {
        Labels::Numeric(v) => v.iter().map(|&l| l as f32).collect(),
        _ => vec![0.0; rows],
    };
    let all: Vec<usize> = (0..rows).collect();
    let pre = Preprocessor::fit(&data.columns, &labels, &all, preprocess)?;
    let mut columns = describe(&pre);
    if let serde_json::Value::Array(list) = &mut columns {
        list.push(json!({"name": y_column, "label": true}));
    }
    spi::describe_snapshot(
        snapshot_id,
        columns,
        json!({"samples": rows, "features": pre.feature_names().len()}),
    )?;
    Ok(())
}
