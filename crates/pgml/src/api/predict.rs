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
    (|| cache::model(model_id)?.predict(&reals(features)?))().or_raise("pgml.predict")
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

/// `pgml.predict_batch(project_name, features real[])`: `features` holds several rows back to
/// back (the model's feature count each); one prediction per row, in order.
#[pg_extern(stable, strict, parallel_safe)]
fn predict_batch(project_name: &str, features: Array<'_, f32>) -> SetOfIterator<'static, f32> {
    let predictions = (|| {
        let model = cache::deployed(project_name)?;
        let threads = guc::predict_batch_threads();
        // Zero-copy when the array holds no NULL (else the copy names the NULL's position).
        match features.as_slice() {
            Ok(values) => model.predict_batch(values, threads),
            Err(_) => model.predict_batch(&reals(features)?, threads),
        }
    })()
    .or_raise("pgml.predict_batch");
    SetOfIterator::new(predictions)
}
