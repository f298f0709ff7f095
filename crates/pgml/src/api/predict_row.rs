//! `pgml.predict(project, ROW(...))` and `pgml.predict(model_id, ROW(...))`: predictions from
//! composite rows, which can carry text columns (categorical features) and NULLs (imputed as
//! the model was trained).
//!
//! The row reaches Rust as JSON (`to_json(row)` keeps attribute order and turns every
//! attribute into a number, a string, a boolean or null, whatever its SQL type, including the
//! `unknown` type of quoted literals in `ROW('red', 1)`). `pgml.predict_json(project | model_id,
//! json)` is also callable directly with a JSON object or array.

use pgml_core::preprocess::RawValue;
use pgml_core::{Error, Result};
use pgrx::prelude::*;
use pgrx::Json;
use serde_json::Value;

use crate::cache;
use crate::error::OrRaise;

fn raw(row: &Value) -> Result<Vec<RawValue<'_>>> {
    let values: Vec<&Value> = match row {
        Value::Object(map) => map.values().collect(),
        Value::Array(list) => list.iter().collect(),
        _ => {
            return Err(Error::data(
                "pgml.predict expects an array of numbers or a row",
                "pass ARRAY[...] of numbers, or ROW(col1, col2, ...) with one value per training column",
            ))
        }
    };
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Null => Ok(RawValue::Null),
            Value::Bool(b) => Ok(RawValue::Number(f64::from(u8::from(*b)))),
            Value::Number(n) => Ok(RawValue::Number(n.as_f64().unwrap_or(f64::NAN))),
            Value::String(s) => Ok(RawValue::Text(s)),
            other => Err(Error::data(
                format!(
                    "value {} of the row is {other}, which a model cannot take",
                    i + 1
                ),
                "pass numbers, booleans, text or NULL",
            )),
        })
        .collect()
}

/// `pgml.predict_json(project_name, row json)`: the deployed model's prediction for one row
/// given as a JSON object (values in column order) or array.
#[pg_extern(stable, strict, parallel_safe)]
fn predict_json(project_name: &str, row: Json) -> f32 {
    (|| cache::deployed(project_name)?.predict_row(&raw(&row.0)?))().or_raise("pgml.predict")
}

/// `pgml.predict_proba_json(project_name, row json)`.
#[pg_extern(stable, strict, parallel_safe)]
fn predict_proba_json(project_name: &str, row: Json) -> Vec<f32> {
    (|| cache::deployed(project_name)?.predict_proba_row(&raw(&row.0)?))()
        .or_raise("pgml.predict_proba")
}

/// `pgml.predict_json(model_id, row json)`: a specific model's prediction for one row.
#[pg_extern(stable, strict, parallel_safe, name = "predict_json")]
fn predict_model_json(model_id: i64, row: Json) -> f32 {
    (|| cache::model(model_id)?.predict_row(&raw(&row.0)?))().or_raise("pgml.predict")
}

extension_sql!(
    r#"
CREATE FUNCTION pgml.predict(project_name TEXT, "row" anyelement) RETURNS real
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    AS $$ SELECT pgml.predict_json(project_name, to_json("row")) $$;
CREATE FUNCTION pgml.predict_proba(project_name TEXT, "row" anyelement) RETURNS real[]
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    AS $$ SELECT pgml.predict_proba_json(project_name, to_json("row")) $$;
"#,
    name = "predict_row",
    requires = [predict_json, predict_proba_json]
);

extension_sql!(
    r#"
CREATE FUNCTION pgml.predict(model_id bigint, "row" anyelement) RETURNS real
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    AS $$ SELECT pgml.predict_json(model_id, to_json("row")) $$;
"#,
    name = "predict_model_row",
    requires = [predict_model_json]
);
