//! Gradient-boosted trees by the real XGBoost and LightGBM libraries (crate `pgml-boost`).
//!
//! The stored model is the library's own (XGBoost JSON, LightGBM text), so it loads in the
//! Python packages as it is; loading it here also rebuilds its trees for the Rust evaluator
//! that one-row prediction uses (a call into either library costs tens of microseconds).
//! Classification trains a probabilistic objective on the class indices: binary logistic
//! (one output, the probability of class 1) or softmax (one probability per class).

use serde::{Deserialize, Serialize};

use pgml_boost::{lightgbm, xgboost, Matrix, Output};

use super::boost_params::BoostSettings;
use crate::dataset::Dataset;
use crate::error::{Error, Result};

fn features(data: &Dataset) -> Vec<f32> {
    (0..data.num_rows())
        .flat_map(|i| data.row(i).iter().copied())
        .collect()
}

fn library_error(e: pgml_boost::Error) -> Error {
    match e {
        pgml_boost::Error::Library { library, message } => Error::invalid(
            format!("{library} refused to train: {message}"),
            "check the hyperparameters against the library's documentation",
        ),
        pgml_boost::Error::Invalid(message) => Error::data(message, "check the training data"),
        pgml_boost::Error::Model { .. } => Error::CorruptModel(e.to_string()),
        pgml_boost::Error::Interrupted => Error::Interrupted,
    }
}

fn predict_error(e: pgml_boost::Error) -> Error {
    Error::sql(
        crate::SqlState::InternalError,
        format!("batch prediction failed: {e}"),
        "report this bug; pgml.predict (one row at a time) does not use the library",
    )
}

/// Runs `f` on a zeroed buffer of `n` outputs (on the stack for up to 16).
fn with_outputs<R>(n: usize, f: impl FnOnce(&mut [f64]) -> R) -> R {
    let mut small = [0.0f64; 16];
    if n <= small.len() {
        f(&mut small[..n])
    } else {
        f(&mut vec![0.0; n])
    }
}

/// The prediction from the model's outputs: the value (regression), else the class index.
fn decide(out: &[f64], classes: usize) -> f32 {
    match (classes, out) {
        (0, [value, ..]) => *value as f32,
        (_, [p]) => f32::from(u8::from(*p > 0.5)),
        _ => {
            out.iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |best, (i, &p)| {
                    if p > best.1 {
                        (i, p)
                    } else {
                        best
                    }
                })
                .0 as f32
        }
    }
}

/// Below this many rows a batch is predicted by the Rust evaluator: the library's batch call
/// first loads the model from its file (milliseconds), then wins per row.
const LIBRARY_BATCH_ROWS: usize = 20_000;

/// The library's batch outputs (rows x outputs, row-major) -> one prediction per row.
fn decide_rows(outputs: &[f64], per_row: usize, classes: usize) -> Vec<f32> {
    outputs
        .chunks(per_row.max(1))
        .map(|out| decide(out, classes))
        .collect()
}

fn probabilities(out: &[f64], classes: usize) -> Option<Vec<f32>> {
    match (classes, out) {
        (0, _) => None,
        (_, [p]) => Some(vec![1.0 - *p as f32, *p as f32]),
        _ => Some(out.iter().map(|&p| p as f32).collect()),
    }
}

/// What an estimator needs of either library's model.
pub trait Library: Sized {
    /// The key of the library's own model file in pgml's stored model.
    const STORED_KEY: &'static str;
    fn train(
        x: &Matrix<'_>,
        labels: &[f32],
        params: &[(String, String)],
        rounds: usize,
        threads: usize,
    ) -> pgml_boost::Result<Self>;
    fn from_native(native: String) -> pgml_boost::Result<Self>;
    fn native(&self) -> &str;
    fn num_features(&self) -> usize;
    fn num_outputs(&self) -> usize;
    fn predict_into(&self, row: &[f32], out: &mut [f64]) -> pgml_boost::Result<()>;
    /// Rows x outputs, row-major, by the library's own multi-threaded prediction.
    fn predict_rows(&self, x: &Matrix<'_>, threads: usize) -> pgml_boost::Result<Vec<f64>>;
}

impl Library for xgboost::Model {
    const STORED_KEY: &'static str = "xgboost_json";
    fn train(
        x: &Matrix<'_>,
        labels: &[f32],
        params: &[(String, String)],
        rounds: usize,
        threads: usize,
    ) -> pgml_boost::Result<Self> {
        xgboost::train_until(
            x,
            labels,
            params,
            rounds,
            threads,
            &crate::interrupt::pending,
        )
    }
    fn from_native(native: String) -> pgml_boost::Result<Self> {
        xgboost::Model::from_json(native)
    }
    fn native(&self) -> &str {
        self.json()
    }
    fn num_features(&self) -> usize {
        self.num_features()
    }
    fn num_outputs(&self) -> usize {
        self.num_outputs()
    }
    fn predict_into(&self, row: &[f32], out: &mut [f64]) -> pgml_boost::Result<()> {
        self.predict_into(row, Output::Value, out)
    }
    fn predict_rows(&self, x: &Matrix<'_>, threads: usize) -> pgml_boost::Result<Vec<f64>> {
        let values = self.predict_batch(x, Output::Value, threads)?;
        Ok(values.iter().map(|&v| f64::from(v)).collect())
    }
}

impl Library for lightgbm::Model {
    const STORED_KEY: &'static str = "lightgbm_text";
    fn train(
        x: &Matrix<'_>,
        labels: &[f32],
        params: &[(String, String)],
        rounds: usize,
        threads: usize,
    ) -> pgml_boost::Result<Self> {
        lightgbm::train_until(
            x,
            labels,
            params,
            rounds,
            threads,
            &crate::interrupt::pending,
        )
    }
    fn from_native(native: String) -> pgml_boost::Result<Self> {
        lightgbm::Model::from_text(native)
    }
    fn native(&self) -> &str {
        self.text()
    }
    fn num_features(&self) -> usize {
        self.num_features()
    }
    fn num_outputs(&self) -> usize {
        self.num_outputs()
    }
    fn predict_into(&self, row: &[f32], out: &mut [f64]) -> pgml_boost::Result<()> {
        self.predict_into(row, Output::Value, out)
    }
    fn predict_rows(&self, x: &Matrix<'_>, threads: usize) -> pgml_boost::Result<Vec<f64>> {
        self.predict_batch(x, Output::Value, threads)
    }
}

/// A model of either library, with the number of classes it predicts (0: regression).
#[derive(Debug, Clone, PartialEq)]
pub struct Boosted<L> {
    model: L,
    classes: usize,
}

/// An XGBoost model.
pub type Xgboost = Boosted<xgboost::Model>;
/// A LightGBM model.
pub type Lightgbm = Boosted<lightgbm::Model>;

/// How a model is stored: `{"classes": n, "<library key>": "<the library's own model>"}`.
impl<L: Library> Serialize for Boosted<L> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut stored = serializer.serialize_struct("Boosted", 2)?;
        stored.serialize_field("classes", &self.classes)?;
        stored.serialize_field(L::STORED_KEY, self.model.native())?;
        stored.end()
    }
}

impl<'de, L: Library> Deserialize<'de> for Boosted<L> {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Stored {
            classes: usize,
            #[serde(alias = "xgboost_json", alias = "lightgbm_text")]
            native: String,
        }
        let stored = Stored::deserialize(deserializer)?;
        Ok(Boosted {
            model: L::from_native(stored.native).map_err(serde::de::Error::custom)?,
            classes: stored.classes,
        })
    }
}

impl<L: Library> Boosted<L> {
    /// Trains on `data` (labels are class indices when `classes > 0`).
    pub fn fit(data: &Dataset, classes: usize, settings: &BoostSettings) -> Result<Self> {
        let x = features(data);
        let matrix =
            Matrix::new(&x, data.num_rows(), data.num_features()).map_err(library_error)?;
        let model = L::train(
            &matrix,
            data.labels(),
            &settings.params,
            settings.rounds,
            settings.threads,
        )
        .map_err(library_error)?;
        Ok(Boosted { model, classes })
    }

    /// The value (regression) or class index, by the Rust evaluator.
    pub fn predict(&self, features: &[f32]) -> f32 {
        with_outputs(self.model.num_outputs(), |out| {
            match self.model.predict_into(features, out) {
                Ok(()) => decide(out, self.classes),
                Err(_) => f32::NAN,
            }
        })
    }

    /// Class probabilities (classification).
    pub fn predict_proba(&self, features: &[f32]) -> Option<Vec<f32>> {
        with_outputs(self.model.num_outputs(), |out| {
            self.model
                .predict_into(features, out)
                .ok()
                .and_then(|()| probabilities(out, self.classes))
        })
    }

    /// Predictions for `x` (rows of [`Dataset::num_features`] values, back to back): by the
    /// library's own batch call (with `threads`) for large batches, else by the Rust evaluator.
    pub fn predict_batch(&self, x: &[f32], threads: usize) -> Result<Vec<f32>> {
        let width = self.model.num_features();
        if x.len() < LIBRARY_BATCH_ROWS * width {
            return Ok(x
                .chunks(width.max(1))
                .map(|row| self.predict(row))
                .collect());
        }
        let matrix = Matrix::new(x, x.len() / width.max(1), width).map_err(library_error)?;
        let values = self
            .model
            .predict_rows(&matrix, threads)
            .map_err(predict_error)?;
        Ok(decide_rows(&values, self.model.num_outputs(), self.classes))
    }

    /// The library's own model file (XGBoost JSON, LightGBM text), which
    /// `xgboost.Booster.load_model` / `lightgbm.Booster(model_file=...)` read.
    pub fn native_model(&self) -> &str {
        self.model.native()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_become_classes_and_probabilities() {
        assert_eq!(decide(&[3.5], 0), 3.5);
        assert_eq!(decide(&[0.7], 2), 1.0);
        assert_eq!(decide(&[0.2], 2), 0.0);
        assert_eq!(decide(&[0.2, 0.5, 0.3], 3), 1.0);
        assert_eq!(probabilities(&[0.25], 2), Some(vec![0.75, 0.25]));
        assert_eq!(probabilities(&[1.0], 0), None);
        assert_eq!(probabilities(&[0.1, 0.9], 2), Some(vec![0.1, 0.9]));
    }
}
