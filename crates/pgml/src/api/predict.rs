use pgml_core::model::Model;
use pgml_core::{Error, Result};
use pgrx::prelude::*;
use pgrx::Array;

use crate::error::OrRaise;
use crate::{cache, guc};

/// Array elements as f32; a NULL element is an error naming its position.
fn features(values: impl Iterator<Item = Option<f64>>) -> Result<Vec<f32>> {
    values
        .enumerate()
        .map(|(i, v)| {
            v.map(|v| v as f32).ok_or_else(|| {
                Error::data(
                    format!("feature {} is NULL", i + 1),
                    "NULL features cannot be predicted from: pass a value for every feature",
                )
            })
        })
        .collect()
}

fn reals(values: Array<'_, f32>) -> Result<Vec<f32>> {
    features(values.iter().map(|v| v.map(f64::from)))
}

/// The deployed model's prediction for one row of numbers: what every array overload does.
fn predict_deployed(project_name: &str, values: impl Iterator<Item = Option<f64>>) -> f32 {
    (|| cache::deployed(project_name)?.predict(&features(values)?))().or_raise("pgml.predict")
}

/// `pgml.predict(project_name, features real[])`: the deployed model's prediction.
#[pg_extern(stable, strict, parallel_safe)]
fn predict(project_name: &str, features: Array<'_, f32>) -> f32 {
    predict_deployed(project_name, features.iter().map(|v| v.map(f64::from)))
}

/// `pgml.predict(project_name, features float8[])`.
#[pg_extern(stable, strict, parallel_safe, name = "predict")]
fn predict_f64(project_name: &str, features: Array<'_, f64>) -> f32 {
    predict_deployed(project_name, features.iter())
}

/// `pgml.predict(project_name, features int4[])`, and the other integer and boolean arrays
/// PostgresML accepts: values are converted to real.
#[pg_extern(stable, strict, parallel_safe, name = "predict")]
fn predict_i32(project_name: &str, features: Array<'_, i32>) -> f32 {
    predict_deployed(project_name, features.iter().map(|v| v.map(f64::from)))
}

/// `pgml.predict(project_name, features int8[])`.
#[pg_extern(stable, strict, parallel_safe, name = "predict")]
fn predict_i64(project_name: &str, features: Array<'_, i64>) -> f32 {
    predict_deployed(project_name, features.iter().map(|v| v.map(|v| v as f64)))
}

/// `pgml.predict(project_name, features int2[])`.
#[pg_extern(stable, strict, parallel_safe, name = "predict")]
fn predict_i16(project_name: &str, features: Array<'_, i16>) -> f32 {
    predict_deployed(project_name, features.iter().map(|v| v.map(f64::from)))
}

/// `pgml.predict(project_name, features bool[])`: true is 1, false is 0.
#[pg_extern(stable, strict, parallel_safe, name = "predict")]
fn predict_bool(project_name: &str, features: Array<'_, bool>) -> f32 {
    predict_deployed(
        project_name,
        features.iter().map(|v| v.map(|b| f64::from(u8::from(b)))),
    )
}

/// `pgml.predict(model_id, features real[])`: a specific model, deployed or not.
#[pg_extern(stable, strict, parallel_safe, name = "predict")]
fn predict_model(model_id: i64, features: Array<'_, f32>) -> f32 {
    predict_by_id(model_id, features.iter().map(|v| v.map(f64::from)))
}

/// A specific model's prediction for one row of numbers: the model_id overloads.
fn predict_by_id(model_id: i64, values: impl Iterator<Item = Option<f64>>) -> f32 {
    (|| cache::model(model_id)?.predict(&features(values)?))().or_raise("pgml.predict")
}

// The other array types for `model_id` too: with `predict(model_id, row anyelement)` beside
// `predict(model_id, real[])`, an integer array (`pgml.predict(5, ARRAY[1, 2])`) matched
// neither better and was ambiguous; an exact overload per type resolves it, as the
// project_name overloads do.

/// `pgml.predict(model_id, features float8[])`.
#[pg_extern(stable, strict, parallel_safe, name = "predict")]
fn predict_model_f64(model_id: i64, features: Array<'_, f64>) -> f32 {
    predict_by_id(model_id, features.iter())
}

/// `pgml.predict(model_id, features int4[])`.
#[pg_extern(stable, strict, parallel_safe, name = "predict")]
fn predict_model_i32(model_id: i64, features: Array<'_, i32>) -> f32 {
    predict_by_id(model_id, features.iter().map(|v| v.map(f64::from)))
}

/// `pgml.predict(model_id, features int8[])`.
#[pg_extern(stable, strict, parallel_safe, name = "predict")]
fn predict_model_i64(model_id: i64, features: Array<'_, i64>) -> f32 {
    predict_by_id(model_id, features.iter().map(|v| v.map(|v| v as f64)))
}

/// `pgml.predict(model_id, features int2[])`.
#[pg_extern(stable, strict, parallel_safe, name = "predict")]
fn predict_model_i16(model_id: i64, features: Array<'_, i16>) -> f32 {
    predict_by_id(model_id, features.iter().map(|v| v.map(f64::from)))
}

/// `pgml.predict(model_id, features bool[])`.
#[pg_extern(stable, strict, parallel_safe, name = "predict")]
fn predict_model_bool(model_id: i64, features: Array<'_, bool>) -> f32 {
    predict_by_id(
        model_id,
        features.iter().map(|v| v.map(|b| f64::from(u8::from(b)))),
    )
}

/// `pgml.predict_proba(project_name, features real[])`: class probabilities, ascending label
/// order.
#[pg_extern(stable, strict, parallel_safe)]
fn predict_proba(project_name: &str, features: Array<'_, f32>) -> Vec<f32> {
    (|| cache::deployed(project_name)?.predict_proba(&reals(features)?))()
        .or_raise("pgml.predict_proba")
}

/// `pgml.predict_joint(project_name, features real[])`: one value per target of the project's
/// deployed joint model (`pgml.train_joint`), in the order of its `y_column_name`.
#[pg_extern(stable, strict, parallel_safe)]
fn predict_joint(project_name: &str, features: Array<'_, f32>) -> Vec<f32> {
    (|| cache::deployed(project_name)?.predict_joint(&reals(features)?))()
        .or_raise("pgml.predict_joint")
}

/// `pgml.decompose(project_name, vector real[])`: the principal components of one row, from
/// the project's deployed decomposition model (PCA).
#[pg_extern(stable, strict, parallel_safe)]
fn decompose(project_name: &str, vector: Array<'_, f32>) -> Vec<f32> {
    (|| cache::deployed(project_name)?.decompose(&reals(vector)?))().or_raise("pgml.decompose")
}

/// A model's predictions for rows back to back in `features`.
fn batch(model: &Model, features: Array<'_, f32>) -> Result<Vec<f32>> {
    let threads = guc::predict_batch_threads();
    // Zero-copy when the array holds no NULL (else the copy names the NULL's position).
    match features.as_slice() {
        Ok(values) => model.predict_batch(values, threads),
        Err(_) => model.predict_batch(&reals(features)?, threads),
    }
}

/// `pgml.predict_batch(project_name, features real[])`: `features` holds several rows back to
/// back (the model's feature count each); one prediction per row, in order.
#[pg_extern(stable, strict, parallel_safe)]
fn predict_batch(project_name: &str, features: Array<'_, f32>) -> SetOfIterator<'static, f32> {
    let predictions =
        (|| batch(&*cache::deployed(project_name)?, features))().or_raise("pgml.predict_batch");
    SetOfIterator::new(predictions)
}

// PostgresML's overloads that name a model by id (deployed or not) instead of a project.

/// `pgml.predict_proba(model_id, features real[])`.
#[pg_extern(stable, strict, parallel_safe, name = "predict_proba")]
fn predict_model_proba(model_id: i64, features: Array<'_, f32>) -> Vec<f32> {
    (|| cache::model(model_id)?.predict_proba(&reals(features)?))().or_raise("pgml.predict_proba")
}

/// `pgml.predict_joint(model_id, features real[])`.
#[pg_extern(stable, strict, parallel_safe, name = "predict_joint")]
fn predict_model_joint(model_id: i64, features: Array<'_, f32>) -> Vec<f32> {
    (|| cache::model(model_id)?.predict_joint(&reals(features)?))().or_raise("pgml.predict_joint")
}

/// `pgml.predict_batch(model_id, features real[])`: as PostgresML's, one array of
/// predictions (where the project overload returns a set).
#[pg_extern(stable, strict, parallel_safe, name = "predict_batch")]
fn predict_model_batch(model_id: i64, features: Array<'_, f32>) -> Vec<f32> {
    (|| batch(&*cache::model(model_id)?, features))().or_raise("pgml.predict_batch")
}
