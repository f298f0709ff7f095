//! The learning algorithms, and which (task, algorithm) pairs they serve.

pub mod lbfgs;
pub mod linear;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::hyperparams::{Hyperparams, NON_NEGATIVE, POSITIVE};
use crate::registry::{Algorithm, Task};
use linear::{LinearRegression, LogisticParams, LogisticRegression};

/// The (task, algorithm) pairs that train today.
pub const SUPPORTED: &[(Task, Algorithm)] = &[
    (Task::Regression, Algorithm::Linear),
    (Task::Regression, Algorithm::Ridge),
    (Task::Classification, Algorithm::Linear),
];

/// A fitted estimator, serialised into `pgml.files`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Estimator {
    /// Least squares or ridge regression.
    Linear(LinearRegression),
    /// Logistic regression (classification with algorithm `linear`).
    Logistic(LogisticRegression),
}

impl Estimator {
    /// Fits `algorithm` for `task` on `data`. Classification labels must already be class
    /// indices `0..num_classes`.
    pub fn fit(
        task: Task,
        algorithm: Algorithm,
        hyperparams: &Value,
        data: &Dataset,
        num_classes: usize,
    ) -> Result<Self> {
        let name = algorithm.as_str();
        match (task, algorithm) {
            (Task::Regression, Algorithm::Linear) => {
                let p = Hyperparams::new(hyperparams, name, &["fit_intercept"])?;
                Ok(Estimator::Linear(LinearRegression::fit(
                    data,
                    0.0,
                    p.bool("fit_intercept", true)?,
                )?))
            }
            (Task::Regression, Algorithm::Ridge) => {
                let p = Hyperparams::new(hyperparams, name, &["alpha", "fit_intercept"])?;
                let alpha = p.f64("alpha", 1.0, NON_NEGATIVE)?;
                Ok(Estimator::Linear(LinearRegression::fit(
                    data,
                    alpha,
                    p.bool("fit_intercept", true)?,
                )?))
            }
            (Task::Classification, Algorithm::Linear) => {
                let p = Hyperparams::new(
                    hyperparams,
                    name,
                    &["C", "max_iter", "tol", "fit_intercept"],
                )?;
                let params = LogisticParams {
                    c: p.f64("C", 1.0, POSITIVE)?,
                    max_iter: p.usize("max_iter", 100, 1)?,
                    tol: p.f64("tol", 1e-4, POSITIVE)?,
                    fit_intercept: p.bool("fit_intercept", true)?,
                };
                Ok(Estimator::Logistic(LogisticRegression::fit(
                    data,
                    num_classes,
                    params,
                )?))
            }
            _ => Err(Error::NotSupported {
                message: format!("algorithm {name} is not supported for task {task} yet"),
                hint: format!(
                    "supported today: {}",
                    SUPPORTED
                        .iter()
                        .map(|(t, a)| format!("{a} ({t})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }

    /// The prediction for one row (a class index for classifiers).
    pub fn predict(&self, features: &[f32]) -> f32 {
        match self {
            Estimator::Linear(m) => m.predict(features),
            Estimator::Logistic(m) => m.predict(features),
        }
    }

    /// Class probabilities, for classifiers.
    pub fn predict_proba(&self, features: &[f32]) -> Option<Vec<f32>> {
        match self {
            Estimator::Linear(_) => None,
            Estimator::Logistic(m) => Some(m.predict_proba(features)),
        }
    }
}
