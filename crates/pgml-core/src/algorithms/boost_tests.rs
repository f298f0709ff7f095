//! xgboost, lightgbm, gradient_boosting_trees and hist_gradient_boosting end to end through
//! `model::train`: metrics, the stored artifact, prediction and probabilities.

use serde_json::{json, Value};

use crate::model::{train, Labels, Model, TrainData, TrainSpec};
use crate::preprocess::{Column, ColumnValues};
use crate::registry::{Algorithm, Sampling, Search, Task};

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
        test_sampling: Sampling::Stratified,
        seed: 42,
    }
}

fn column(name: &str, v: impl Iterator<Item = f64>) -> Column {
    Column {
        name: name.into(),
        values: ColumnValues::Numeric(v.map(Some).collect()),
    }
}

/// Which label column [`table`] makes.
#[derive(Clone, Copy)]
enum Target {
    /// The regression target.
    Value,
    /// Two numeric classes, 5 and -1.
    Binary,
    /// Three text classes.
    Text,
}

/// 400 rows, 3 features; the target is a smooth non-linear function of them.
fn table(target: Target) -> TrainData {
    let n = 400;
    let a: Vec<f64> = (0..n).map(|i| ((i * 37) % 101) as f64 / 10.0).collect();
    let b: Vec<f64> = (0..n).map(|i| ((i * 53) % 89) as f64 / 10.0).collect();
    let c: Vec<f64> = (0..n).map(|i| (i % 7) as f64).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| a[i] * 2.0 + (b[i] - 4.0).abs() + c[i] * 0.1)
        .collect();
    let labels = match target {
        Target::Value => Labels::Numeric(y),
        Target::Binary => Labels::Numeric(
            y.iter()
                .map(|&v| if v > 12.0 { 5.0 } else { -1.0 })
                .collect(),
        ),
        Target::Text => Labels::Text(
            y.iter()
                .map(|&v| match v {
                    v if v < 8.0 => "low".to_owned(),
                    v if v < 16.0 => "mid".to_owned(),
                    _ => "high".to_owned(),
                })
                .collect(),
        ),
    };
    TrainData {
        columns: vec![
            column("a", a.into_iter()),
            column("b", b.into_iter()),
            column("c", c.into_iter()),
        ],
        labels,
    }
}

const BOOSTED: [Algorithm; 5] = [
    Algorithm::Xgboost,
    Algorithm::XgboostRandomForest,
    Algorithm::Lightgbm,
    Algorithm::GradientBoostingTrees,
    Algorithm::HistGradientBoosting,
];

#[test]
fn regression_trains_scores_and_round_trips() {
    let data = table(Target::Value);
    for algorithm in BOOSTED {
        let hp = json!({"n_jobs": 1});
        let hp = if matches!(
            algorithm,
            Algorithm::GradientBoostingTrees | Algorithm::HistGradientBoosting
        ) {
            json!({})
        } else {
            hp
        };
        let trained = train(&data, &spec(Task::Regression, algorithm, &hp)).unwrap();
        assert!(
            trained.metrics["r2"] > 0.95,
            "{algorithm}: {:?}",
            trained.metrics
        );
        let bytes = trained.model.to_bytes().unwrap();
        // The stored layout of every release: the class count and the library's own file
        // under its library's key.
        let stored = String::from_utf8(bytes.clone()).unwrap();
        let key = if stored.contains("\"Xgboost\":") {
            "\"xgboost_json\":"
        } else {
            "\"lightgbm_text\":"
        };
        assert!(
            stored.contains(key) && stored.contains("\"classes\":0"),
            "{algorithm}: {key}"
        );
        let back = Model::from_bytes(&bytes).unwrap();
        assert_eq!(back, trained.model, "{algorithm}");
        let y = back.predict(&[5.0, 4.0, 1.0]).unwrap();
        assert!((y - 10.1).abs() < 3.0, "{algorithm}: {y}");
        assert!(back.predict_proba(&[5.0, 4.0, 1.0]).is_err());
        let (library, file) = back.native_model().unwrap();
        assert!(library == "xgboost" || library == "lightgbm");
        assert!(!file.is_empty());
    }
}

#[test]
fn binary_classification_returns_labels_and_probabilities() {
    let data = table(Target::Binary);
    for algorithm in BOOSTED {
        let trained = train(&data, &spec(Task::Classification, algorithm, &json!({}))).unwrap();
        assert!(
            trained.metrics["accuracy"] > 0.9,
            "{algorithm}: {:?}",
            trained.metrics
        );
        assert!(trained.metrics.contains_key("roc_auc"), "{algorithm}");
        let model = Model::from_bytes(&trained.model.to_bytes().unwrap()).unwrap();
        assert_eq!(model.predict(&[9.0, 4.0, 1.0]).unwrap(), 5.0, "{algorithm}");
        assert_eq!(
            model.predict(&[1.0, 4.0, 1.0]).unwrap(),
            -1.0,
            "{algorithm}"
        );
        let p = model.predict_proba(&[9.0, 4.0, 1.0]).unwrap();
        assert_eq!(p.len(), 2);
        assert!(p[1] > 0.5 && (p[0] + p[1] - 1.0).abs() < 1e-6, "{p:?}");
    }
}

#[test]
fn large_batches_use_the_library_and_agree_with_one_row_prediction() {
    let data = table(Target::Text);
    for algorithm in [Algorithm::Xgboost, Algorithm::Lightgbm] {
        let hp = json!({"n_estimators": 20});
        let model = train(&data, &spec(Task::Classification, algorithm, &hp))
            .unwrap()
            .model;
        // 25,000 rows: over the size at which the library's batch call takes over.
        let rows: Vec<f32> = (0..25_000)
            .flat_map(|i| [(i % 97) as f32 / 9.7, (i % 89) as f32 / 8.9, (i % 7) as f32])
            .collect();
        let batch = model.predict_batch(&rows, 2).unwrap();
        assert_eq!(batch.len(), 25_000);
        for (i, row) in rows.chunks(3).enumerate().step_by(7) {
            assert_eq!(batch[i], model.predict(row).unwrap(), "{algorithm} row {i}");
        }
        let small = model.predict_batch(&rows[..30], 1).unwrap();
        assert_eq!(small, batch[..10]);
        assert!(model.predict_batch(&rows[..4], 1).is_err());
    }
}

#[test]
fn multiclass_with_text_labels() {
    let data = table(Target::Text);
    for algorithm in [Algorithm::Xgboost, Algorithm::Lightgbm] {
        let trained = train(
            &data,
            &spec(
                Task::Classification,
                algorithm,
                &json!({"n_estimators": 30, "max_depth": 4}),
            ),
        )
        .unwrap();
        assert!(
            trained.metrics["f1"] > 0.85,
            "{algorithm}: {:?}",
            trained.metrics
        );
        let model = trained.model;
        assert_eq!(model.class_names().unwrap(), ["high", "low", "mid"]);
        // a=9, b=4 -> y ~ 18: "high" (class 0).
        assert_eq!(model.predict(&[9.0, 4.0, 0.0]).unwrap(), 0.0, "{algorithm}");
        let p = model.predict_proba(&[1.0, 4.0, 0.0]).unwrap();
        assert_eq!(p.len(), 3);
        assert!(p[1] > 0.5, "{algorithm}: {p:?}");
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
}

#[test]
fn hyperparameters_are_checked_and_searched() {
    let data = table(Target::Value);
    let err = train(
        &data,
        &spec(
            Task::Regression,
            Algorithm::Xgboost,
            &json!({"n_estimator": 5}),
        ),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown hyperparameter \"n_estimator\" for algorithm xgboost"
    );
    assert!(
        err.hint().unwrap().contains("n_estimators, max_depth"),
        "{err:?}"
    );
    // A value the library itself refuses: its message, as an invalid-parameter error.
    let err = train(
        &data,
        &spec(
            Task::Regression,
            Algorithm::Xgboost,
            &json!({"tree_method": "fastest"}),
        ),
    )
    .unwrap_err();
    assert!(err.to_string().contains("fastest"), "{err:?}");
    assert_eq!(err.sqlstate(), crate::SqlState::InvalidParameterValue);
    let err = train(
        &data,
        &spec(
            Task::Regression,
            Algorithm::Lightgbm,
            &json!({"objective": "binary"}),
        ),
    )
    .unwrap_err();
    assert!(err.hint().unwrap().contains("regression"), "{err:?}");

    let space = json!({"max_depth": [1, 4]});
    let args = json!({"cv": 3});
    let hp = json!({"n_estimators": 20});
    let mut s = spec(Task::Regression, Algorithm::Xgboost, &hp);
    s.search = Some(Search::Grid);
    s.search_params = &space;
    s.search_args = &args;
    s.test_sampling = Sampling::Random;
    let trained = train(&data, &s).unwrap();
    assert_eq!(trained.hyperparams["max_depth"], json!(4));
}
