//! Training a model end to end (split, fit, score) and the model artifact that is stored in
//! `pgml.files` and loaded again for prediction.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::algorithms::Estimator;
use crate::dataset::{split, Dataset};
use crate::error::{Error, Result};
use crate::metrics::{self, Metrics};
use crate::registry::{Algorithm, Sampling, Task};

/// Bumped whenever the serialised layout changes incompatibly.
const FORMAT: u32 = 1;

/// What `pgml.train` asks for.
#[derive(Debug, Clone)]
pub struct TrainSpec<'a> {
    /// The project's task.
    pub task: Task,
    /// The algorithm to fit.
    pub algorithm: Algorithm,
    /// The algorithm's hyperparameters (a JSON object).
    pub hyperparams: &'a Value,
    /// Fraction (< 1) or number of rows (>= 1) held out for scoring.
    pub test_size: f32,
    /// How the held-out rows are chosen.
    pub test_sampling: Sampling,
    /// Seed of the random split, for reproducible training.
    pub seed: u64,
}

/// A trained model: everything prediction needs, and nothing that depends on the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    format: u32,
    task: Task,
    algorithm: Algorithm,
    feature_names: Vec<String>,
    /// For classifiers, the original label of each class index, ascending.
    classes: Vec<f32>,
    estimator: Estimator,
}

/// A model and how well it did on the held-out rows.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The fitted model.
    pub model: Model,
    /// Its scores on the test set, with PostgresML's key names.
    pub metrics: Metrics,
}

/// Splits, fits and scores. Classification labels may be any numbers (e.g. 0/1, or 3/5/7):
/// they are mapped to class indices and back.
pub fn train(data: &Dataset, spec: &TrainSpec<'_>) -> Result<Trained> {
    let classification = match spec.task {
        Task::Regression => false,
        Task::Classification => true,
        other => {
            return Err(Error::NotSupported {
                message: format!("task {other} cannot be trained from a table yet"),
                hint: "supported today: regression, classification".into(),
            })
        }
    };
    let (classes, data) = if classification {
        encode_classes(data)?
    } else {
        (Vec::new(), data.clone())
    };
    let (train_set, test_set) = split(
        &data,
        spec.test_size,
        spec.test_sampling,
        classification,
        spec.seed,
    )?;

    let started = std::time::Instant::now();
    let estimator = Estimator::fit(
        spec.task,
        spec.algorithm,
        spec.hyperparams,
        &train_set,
        classes.len(),
    )?;
    let fit_time = started.elapsed().as_secs_f64();

    let started = std::time::Instant::now();
    let predicted: Vec<f32> = (0..test_set.num_rows())
        .map(|i| estimator.predict(test_set.row(i)))
        .collect();
    let mut scores = if classification {
        let positive: Option<Vec<f32>> = (classes.len() == 2).then(|| {
            (0..test_set.num_rows())
                .map(|i| {
                    estimator
                        .predict_proba(test_set.row(i))
                        .map_or(f32::NAN, |p| p[1])
                })
                .collect()
        });
        let positive = positive.filter(|p| p.iter().all(|v| v.is_finite()));
        metrics::classification(
            test_set.labels(),
            &predicted,
            classes.len(),
            positive.as_deref(),
        )
    } else {
        metrics::regression(test_set.labels(), &predicted)
    };
    scores.insert("fit_time".into(), fit_time);
    scores.insert("score_time".into(), started.elapsed().as_secs_f64());

    let model = Model {
        format: FORMAT,
        task: spec.task,
        algorithm: spec.algorithm,
        feature_names: data.feature_names().to_vec(),
        classes,
        estimator,
    };
    Ok(Trained {
        model,
        metrics: scores,
    })
}

/// Sorted distinct labels, and the data relabelled with their indices.
fn encode_classes(data: &Dataset) -> Result<(Vec<f32>, Dataset)> {
    let mut classes: Vec<f32> = data.labels().to_vec();
    classes.sort_by(f32::total_cmp);
    classes.dedup();
    if classes.len() < 2 {
        return Err(Error::data(
            format!(
                "classification needs at least two distinct labels, found {}",
                classes.len()
            ),
            "check the label column: every row has the same value",
        ));
    }
    let indices: Vec<f32> = data
        .labels()
        .iter()
        .map(|l| classes.partition_point(|c| c < l) as f32)
        .collect();
    let x: Vec<f32> = (0..data.num_rows())
        .flat_map(|i| data.row(i).to_vec())
        .collect();
    Ok((
        classes,
        Dataset::new(data.feature_names().to_vec(), x, indices)?,
    ))
}

impl Model {
    /// The task the model was trained for.
    pub fn task(&self) -> Task {
        self.task
    }

    /// The algorithm that fitted it.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Number of features a prediction needs.
    pub fn num_features(&self) -> usize {
        self.feature_names.len()
    }

    /// Feature column names, in order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    fn check(&self, features: &[f32]) -> Result<()> {
        if features.len() != self.num_features() {
            return Err(Error::data(
                format!(
                    "the model expects {} features, got {}",
                    self.num_features(),
                    features.len()
                ),
                format!(
                    "pass one value per feature, in this order: {}",
                    self.feature_names.join(", ")
                ),
            ));
        }
        if let Some(i) = features.iter().position(|v| !v.is_finite()) {
            return Err(Error::data(
                format!(
                    "feature {} ({}) is {}",
                    i + 1,
                    self.feature_names[i],
                    features[i]
                ),
                "NaN and Infinity cannot be predicted from: pass finite numbers",
            ));
        }
        Ok(())
    }

    /// The prediction for one row: a value for regression, the original label for
    /// classification.
    pub fn predict(&self, features: &[f32]) -> Result<f32> {
        self.check(features)?;
        let raw = self.estimator.predict(features);
        Ok(if self.classes.is_empty() {
            raw
        } else {
            self.classes.get(raw as usize).copied().unwrap_or(raw)
        })
    }

    /// Probability of each class (ascending label order), for classifiers.
    pub fn predict_proba(&self, features: &[f32]) -> Result<Vec<f32>> {
        self.check(features)?;
        self.estimator.predict_proba(features).ok_or_else(|| {
            Error::invalid(
                format!("a {} model has no class probabilities", self.task),
                "predict_proba is for classification projects; use pgml.predict",
            )
        })
    }

    /// The bytes stored in `pgml.files`.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(|e| Error::CorruptModel(e.to_string()))
    }

    /// Reads bytes written by [`Model::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let model: Model =
            serde_json::from_slice(bytes).map_err(|e| Error::CorruptModel(e.to_string()))?;
        if model.format != FORMAT {
            return Err(Error::CorruptModel(format!(
                "format {} (this build reads {FORMAT})",
                model.format
            )));
        }
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(task: Task, algorithm: Algorithm, hyperparams: &Value) -> TrainSpec<'_> {
        TrainSpec {
            task,
            algorithm,
            hyperparams,
            test_size: 0.25,
            test_sampling: Sampling::Random,
            seed: 42,
        }
    }

    fn line(n: usize) -> Dataset {
        let x: Vec<f32> = (0..n).flat_map(|i| [i as f32, (i % 7) as f32]).collect();
        let y = (0..n)
            .map(|i| 2.0 * i as f32 + 1.0 + (i % 7) as f32)
            .collect();
        Dataset::new(vec!["x".into(), "z".into()], x, y).unwrap()
    }

    #[test]
    fn regression_trains_scores_and_round_trips() {
        let trained = train(
            &line(40),
            &spec(Task::Regression, Algorithm::Linear, &json!({})),
        )
        .unwrap();
        assert!(trained.metrics["r2"] > 0.9999, "{:?}", trained.metrics);
        assert!(trained.metrics.contains_key("fit_time"));
        let bytes = trained.model.to_bytes().unwrap();
        let back = Model::from_bytes(&bytes).unwrap();
        assert_eq!(back, trained.model);
        assert!((back.predict(&[100.0, 3.0]).unwrap() - 204.0).abs() < 1e-2);
    }

    #[test]
    fn classification_returns_original_labels() {
        let x: Vec<f32> = (0..40).map(|i| i as f32).collect();
        let y: Vec<f32> = (0..40).map(|i| if i < 20 { 3.0 } else { 7.0 }).collect();
        let data = Dataset::new(vec!["x".into()], x, y).unwrap();
        let mut s = spec(Task::Classification, Algorithm::Linear, &Value::Null);
        s.test_sampling = Sampling::Stratified;
        let trained = train(&data, &s).unwrap();
        assert!(trained.metrics["accuracy"] >= 0.9, "{:?}", trained.metrics);
        assert!(trained.metrics.contains_key("roc_auc"));
        assert_eq!(trained.model.predict(&[1.0]).unwrap(), 3.0);
        assert_eq!(trained.model.predict(&[39.0]).unwrap(), 7.0);
        assert_eq!(trained.model.predict_proba(&[39.0]).unwrap().len(), 2);
    }

    #[test]
    fn bad_requests_are_errors() {
        let data = line(40);
        let unsupported = train(
            &data,
            &spec(Task::Regression, Algorithm::Xgboost, &json!({})),
        )
        .unwrap_err();
        assert!(
            unsupported.hint().unwrap().contains("ridge (regression)"),
            "{unsupported:?}"
        );
        assert!(train(
            &data,
            &spec(Task::Clustering, Algorithm::Kmeans, &json!({}))
        )
        .is_err());
        assert!(train(
            &data,
            &spec(Task::Regression, Algorithm::Ridge, &json!({"alpah": 1}))
        )
        .is_err());
        let one_class =
            Dataset::new(vec!["x".into()], vec![1.0, 2.0, 3.0, 4.0], vec![1.0; 4]).unwrap();
        assert!(train(
            &one_class,
            &spec(Task::Classification, Algorithm::Linear, &json!({}))
        )
        .is_err());
    }

    #[test]
    fn predict_checks_length_and_values() {
        let model = train(
            &line(40),
            &spec(Task::Regression, Algorithm::Ridge, &json!({"alpha": 0.1})),
        )
        .unwrap()
        .model;
        let err = model.predict(&[1.0]).unwrap_err();
        assert_eq!(err.to_string(), "the model expects 2 features, got 1");
        assert!(err.hint().unwrap().contains("x, z"));
        assert!(model.predict(&[1.0, f32::NAN]).is_err());
        assert!(model.predict_proba(&[1.0, 2.0]).is_err());
        assert!(Model::from_bytes(b"not a model").is_err());
    }
}
