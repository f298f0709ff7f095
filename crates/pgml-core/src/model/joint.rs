//! Joint (multi-target) regression, PostgresML's `pgml.train_joint` / `pgml.predict_joint`:
//! one estimator per target column, all sharing the split, the preprocessing and the
//! hyperparameters; metrics are the targets' average (scikit-learn's `uniform_average`).

use super::{
    choose_hyperparams, encode_labels, Classes, Labels, Model, TrainSpec, Trained, FORMAT,
};
use crate::algorithms::Estimator;
use crate::dataset::{split_indices, Dataset};
use crate::error::{Error, Result};
use crate::metrics::{self, Metrics};
use crate::preprocess::{Column, Preprocessor};
use crate::registry::Task;

/// Trains one estimator per target of `targets` (one value per row each).
pub(super) fn train(
    columns: &[Column],
    targets: &[Vec<f64>],
    spec: &TrainSpec<'_>,
) -> Result<Trained> {
    if spec.task != Task::Regression {
        return Err(Error::not_supported(
            format!("joint training is for regression, not {}", spec.task),
            "train_joint fits several numeric targets at once: use task => 'regression', or pgml.train for one label",
        ));
    }
    if targets.is_empty() {
        return Err(Error::invalid(
            "train_joint needs at least one label column",
            "pass the target columns: y_column_name => ARRAY['a', 'b']",
        ));
    }
    let rows = targets[0].len();
    if targets.iter().any(|t| t.len() != rows) || columns.iter().any(|c| c.len() != rows) {
        return Err(Error::data(
            "feature columns and labels differ in length",
            "report this bug",
        ));
    }
    // Each target is checked as a regression label (finite numbers).
    let encoded: Vec<Vec<f32>> = targets
        .iter()
        .map(|t| encode_labels(&Labels::Numeric(t.clone()), false).map(|(_, y)| y))
        .collect::<Result<_>>()?;
    let (train_rows, test_rows) = split_indices(
        &encoded[0],
        spec.test_size,
        spec.test_sampling,
        false,
        spec.seed,
    )?;
    // Target encoding of categorical columns (if asked for) follows the first target.
    let preprocessor = Preprocessor::fit(columns, &encoded[0], &train_rows, spec.preprocess)?;
    let x = preprocessor.transform_all(columns)?;
    let all = Dataset::new(preprocessor.feature_names(), x, encoded[0].clone())?;

    let per_target: Vec<Dataset> = encoded
        .into_iter()
        .map(|y| all.with_labels(y))
        .collect::<Result<_>>()?;
    let train_sets: Vec<Dataset> = per_target.iter().map(|d| d.subset(&train_rows)).collect();
    let test_sets: Vec<Dataset> = per_target.iter().map(|d| d.subset(&test_rows)).collect();
    let fit = |params: &serde_json::Value, data: &Dataset| {
        Estimator::fit(Task::Regression, spec.algorithm, params, data, 0, spec.seed)
    };
    // A search scores each candidate by its r2 averaged over the targets, per fold.
    let (hyperparams, search_results) = choose_hyperparams(
        spec,
        train_rows.len(),
        |params, fit_rows, validation_rows| {
            let (mut total, mut scoring) = (0.0, 0.0);
            for data in &train_sets {
                let estimator = fit(params, &data.subset(fit_rows))?;
                let validation = data.subset(validation_rows);
                let started = std::time::Instant::now();
                total += r2(&estimator, &validation);
                scoring += started.elapsed().as_secs_f64();
            }
            Ok(crate::search::FoldScore {
                score: total / train_sets.len() as f64,
                score_time: scoring,
            })
        },
    )?;

    let mut estimators = Vec::with_capacity(train_sets.len());
    let mut scores_per_target = Vec::with_capacity(train_sets.len());
    let (mut fit_time, mut score_time) = (0.0, 0.0);
    for (train_set, test_set) in train_sets.iter().zip(&test_sets) {
        let started = std::time::Instant::now();
        let estimator = fit(&hyperparams, train_set)?;
        fit_time += started.elapsed().as_secs_f64();
        let started = std::time::Instant::now();
        scores_per_target.push(metrics::regression(
            test_set.labels(),
            &predictions(&estimator, test_set),
        ));
        score_time += started.elapsed().as_secs_f64();
        estimators.push(estimator);
    }
    let mut scores = average(&scores_per_target);
    scores.insert("fit_time".into(), fit_time);
    scores.insert("score_time".into(), score_time);

    let mut estimators = estimators.into_iter();
    let Some(estimator) = estimators.next() else {
        return Err(Error::invalid(
            "train_joint needs at least one label column",
            "pass the target columns: y_column_name => ARRAY['a', 'b']",
        ));
    };
    let model = Model {
        format: FORMAT,
        task: spec.task,
        algorithm: spec.algorithm,
        preprocessor,
        classes: Classes::None,
        estimator,
        more_targets: estimators.collect(),
    };
    Ok(Trained {
        model,
        metrics: scores,
        train_rows: train_rows.len(),
        test_rows: test_rows.len(),
        hyperparams,
        search_results,
    })
}

fn predictions(estimator: &Estimator, data: &Dataset) -> Vec<f32> {
    (0..data.num_rows())
        .map(|i| estimator.predict(data.row(i)))
        .collect()
}

fn r2(estimator: &Estimator, data: &Dataset) -> f64 {
    metrics::regression(data.labels(), &predictions(estimator, data))
        .get("r2")
        .copied()
        .unwrap_or(f64::NAN)
}

/// The mean of each metric over the targets.
fn average(per_target: &[Metrics]) -> Metrics {
    let mut sum = Metrics::new();
    for m in per_target {
        for (key, value) in m {
            *sum.entry(key.clone()).or_insert(0.0) += value;
        }
    }
    let n = per_target.len().max(1) as f64;
    sum.values_mut().for_each(|v| *v /= n);
    sum
}

impl Model {
    /// Number of values [`Model::predict_joint`] returns: the targets of a joint model, 1 for
    /// any other model.
    pub fn num_targets(&self) -> usize {
        1 + self.more_targets.len()
    }

    /// One prediction per target, for joint models (and a single value for other regression
    /// models, so `pgml.predict_joint` works on every regression project).
    pub fn predict_joint(&self, features: &[f32]) -> Result<Vec<f32>> {
        if self.task != Task::Regression {
            return Err(Error::invalid(
                format!("a {} model does not predict joint targets", self.task),
                "pgml.predict_joint is for regression projects trained by pgml.train_joint; use pgml.predict",
            ));
        }
        let x = self.features_from_numbers(features)?;
        Ok(std::iter::once(&self.estimator)
            .chain(&self.more_targets)
            .map(|e| e.predict(&x))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{train as train_any, TrainData};
    use super::*;
    use crate::preprocess::ColumnValues;
    use crate::registry::{Algorithm, Sampling, Search};
    use serde_json::{json, Value};

    fn spec<'a>(task: Task, algorithm: Algorithm, hyperparams: &'a Value) -> TrainSpec<'a> {
        TrainSpec {
            task,
            algorithm,
            hyperparams,
            preprocess: &Value::Null,
            search: None,
            search_params: &Value::Null,
            search_args: &Value::Null,
            test_size: 0.25,
            test_sampling: Sampling::Last,
            seed: 3,
        }
    }

    /// Two features, two linear targets of them (no noise).
    fn two_targets(n: usize) -> TrainData {
        let a: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let b: Vec<f64> = (0..n).map(|i| ((i * 7) % 11) as f64).collect();
        TrainData {
            columns: vec![
                Column {
                    name: "a".into(),
                    values: ColumnValues::Numeric(a.iter().map(|&v| Some(v)).collect()),
                },
                Column {
                    name: "b".into(),
                    values: ColumnValues::Numeric(b.iter().map(|&v| Some(v)).collect()),
                },
            ],
            labels: Labels::Joint(vec![
                a.iter().zip(&b).map(|(a, b)| 2.0 * a + b).collect(),
                a.iter().zip(&b).map(|(a, b)| 3.0 - b + 0.5 * a).collect(),
            ]),
        }
    }

    #[test]
    fn fits_each_target_and_predicts_them_together() {
        let trained = train_any(
            &two_targets(80),
            &spec(Task::Regression, Algorithm::Linear, &json!({})),
        )
        .unwrap();
        assert!(trained.metrics["r2"] > 0.999, "{:?}", trained.metrics);
        let model = Model::from_bytes(&trained.model.to_bytes().unwrap()).unwrap();
        assert_eq!(model.num_targets(), 2);
        let p = model.predict_joint(&[10.0, 4.0]).unwrap();
        assert!(
            (p[0] - 24.0).abs() < 1e-3 && (p[1] - 4.0).abs() < 1e-3,
            "{p:?}"
        );
        // A joint model refuses single-value predictions with a pointer to predict_joint.
        let err = model.predict(&[10.0, 4.0]).unwrap_err();
        assert!(err.hint().unwrap().contains("predict_joint"));
        assert!(model.predict_batch(&[10.0, 4.0], 1).is_err());
        assert!(model.predict_joint(&[1.0]).is_err());
    }

    #[test]
    fn a_single_target_model_answers_predict_joint_with_one_value() {
        let mut data = two_targets(40);
        if let Labels::Joint(t) = &mut data.labels {
            data.labels = Labels::Numeric(t.remove(0));
        }
        let trained = train_any(
            &data,
            &spec(Task::Regression, Algorithm::Linear, &json!({})),
        )
        .unwrap();
        assert_eq!(trained.model.predict_joint(&[1.0, 2.0]).unwrap().len(), 1);
        // Stored single-target models carry no joint field.
        let json = String::from_utf8(trained.model.to_bytes().unwrap()).unwrap();
        assert!(!json.contains("more_targets"));
    }

    #[test]
    fn refuses_what_it_cannot_do() {
        let data = two_targets(40);
        let err = train_any(
            &data,
            &spec(Task::Classification, Algorithm::Linear, &json!({})),
        )
        .unwrap_err();
        assert!(err.to_string().contains("regression"));
        let mut bad = two_targets(40);
        if let Labels::Joint(t) = &mut bad.labels {
            t[1][5] = f64::NAN;
        }
        let err =
            train_any(&bad, &spec(Task::Regression, Algorithm::Linear, &json!({}))).unwrap_err();
        assert!(err.to_string().contains("row 6"), "{err}");
    }

    #[test]
    fn a_search_picks_hyperparameters_by_the_targets_mean_r2() {
        let data = two_targets(80);
        let none = json!({});
        let grid = json!({"alpha": [1e6, 1e-4]});
        let mut searching = spec(Task::Regression, Algorithm::Ridge, &none);
        searching.search = Some(Search::Grid);
        searching.search_params = &grid;
        let trained = train_any(&data, &searching).unwrap();
        assert_eq!(trained.hyperparams["alpha"], json!(1e-4));
        let results = trained.search_results.unwrap();
        assert_eq!(results["params"].as_array().unwrap().len(), 2);
        assert_eq!(results["best_index"], json!(1));
        let means = results["mean_test_score"].as_array().unwrap();
        assert!(means[1].as_f64().unwrap() > 0.999, "{results}");
        assert!(means[0].as_f64().unwrap() < means[1].as_f64().unwrap());
        assert!(trained.metrics["r2"] > 0.999, "{:?}", trained.metrics);
        assert_eq!(trained.model.num_targets(), 2);
        // search_params without search stay an error, as for pgml.train.
        let mut half = spec(Task::Regression, Algorithm::Ridge, &none);
        half.search_params = &grid;
        assert!(train_any(&data, &half).is_err());
    }
}
