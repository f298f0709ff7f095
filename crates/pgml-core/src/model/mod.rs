//! Training a model end to end (encode labels, split, preprocess, fit, score) and the model
//! artifact that is stored in `pgml.files` and loaded again for prediction.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::algorithms::cluster_score::silhouette;
use crate::algorithms::Estimator;
use crate::dataset::{split_indices, Dataset};
use crate::error::{Error, Result};
use crate::metrics::{self, Metrics};
use crate::preprocess::{Column, Preprocessor, RawValue};
use crate::registry::{Algorithm, Sampling, Search, Task};
use crate::search::{self, SearchArgs};

mod joint;
mod policy;

pub use policy::{key_metric, replaces_deployed, resolve_algorithm};

/// Bumped whenever the serialised layout changes incompatibly.
const FORMAT: u32 = 2;

/// What `pgml.train` asks for.
#[derive(Debug, Clone)]
pub struct TrainSpec<'a> {
    /// The project's task.
    pub task: Task,
    /// The algorithm to fit.
    pub algorithm: Algorithm,
    /// The algorithm's hyperparameters (a JSON object).
    pub hyperparams: &'a Value,
    /// Per-column preprocessing (PostgresML's `preprocess` jsonb).
    pub preprocess: &'a Value,
    /// Hyper-parameter search, if any.
    pub search: Option<Search>,
    /// Candidate values per hyperparameter (a JSON object of lists).
    pub search_params: &'a Value,
    /// `cv` and `n_iter`.
    pub search_args: &'a Value,
    /// Fraction (< 1) or number of rows (>= 1) held out for scoring.
    pub test_size: f32,
    /// How the held-out rows are chosen.
    pub test_sampling: Sampling,
    /// Seed of the random split, for reproducible training.
    pub seed: u64,
}

/// The label column, one value per row (NULLs are refused before this point).
#[derive(Debug, Clone, PartialEq)]
pub enum Labels {
    /// Numbers (booleans as 0/1).
    Numeric(Vec<f64>),
    /// Text: classification only; classes are the sorted distinct values.
    Text(Vec<String>),
    /// No label (clustering, decomposition): the number of rows.
    Unlabelled(usize),
    /// Several numeric targets (`pgml.train_joint`): one vector per target column.
    Joint(Vec<Vec<f64>>),
}

impl Labels {
    fn len(&self) -> usize {
        match self {
            Labels::Numeric(v) => v.len(),
            Labels::Text(v) => v.len(),
            Labels::Unlabelled(rows) => *rows,
            Labels::Joint(targets) => targets.first().map_or(0, Vec::len),
        }
    }
}

/// A training table: feature columns and the label.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainData {
    /// Feature columns, in table order.
    pub columns: Vec<Column>,
    /// The label of each row.
    pub labels: Labels,
}

/// Classes of a classifier, by index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Classes {
    /// Regression: no classes.
    None,
    /// Numeric labels: prediction returns the label itself.
    Numeric(Vec<f64>),
    /// Text labels: prediction returns the class index (labels sorted), as PostgresML does.
    Text(Vec<String>),
}

impl Classes {
    fn len(&self) -> usize {
        match self {
            Classes::None => 0,
            Classes::Numeric(v) => v.len(),
            Classes::Text(v) => v.len(),
        }
    }
}

/// A trained model: everything prediction needs, and nothing that depends on the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    format: u32,
    task: Task,
    algorithm: Algorithm,
    preprocessor: Preprocessor,
    classes: Classes,
    estimator: Estimator,
    /// Joint (multi-target) models: the estimators of the second and later targets; the
    /// first target's is `estimator`. Empty (and absent from stored JSON) otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    more_targets: Vec<Estimator>,
}

/// A model and how well it did on the held-out rows.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The fitted model.
    pub model: Model,
    /// Its scores on the test set, with PostgresML's key names.
    pub metrics: Metrics,
    /// Rows used to fit, and to score.
    pub train_rows: usize,
    pub test_rows: usize,
    /// The hyperparameters of the model (the search's best, or those given).
    pub hyperparams: Value,
    /// With a search: every candidate's cross-validation scores (`cv_results_` shape).
    pub search_results: Option<Value>,
}

fn score(estimator: &Estimator, data: &Dataset, task: Task, num_classes: usize) -> Metrics {
    if task == Task::Decomposition {
        let explained = estimator
            .cumulative_explained_variance()
            .unwrap_or(f64::NAN);
        return Metrics::from([("cumulative_explained_variance".into(), explained)]);
    }
    let predicted: Vec<f32> = (0..data.num_rows())
        .map(|i| estimator.predict(data.row(i)))
        .collect();
    if task == Task::Clustering {
        let labels: Vec<i64> = predicted.iter().map(|&c| c as i64).collect();
        let mut scores = Metrics::new();
        if let Some(s) = silhouette(data, &labels) {
            scores.insert("silhouette".into(), s);
        }
        return scores;
    }
    if num_classes == 0 {
        return metrics::regression(data.labels(), &predicted);
    }
    let positive: Option<Vec<f32>> = (num_classes == 2).then(|| {
        (0..data.num_rows())
            .map(|i| {
                estimator
                    .predict_proba(data.row(i))
                    .map_or(f32::NAN, |p| p[1])
            })
            .collect()
    });
    let positive = positive.filter(|p| p.iter().all(|v| v.is_finite()));
    metrics::classification(data.labels(), &predicted, num_classes, positive.as_deref())
}

/// Encodes labels, splits, fits the preprocessing on the training rows, fits the estimator and
/// scores it on the test rows.
pub fn train(data: &TrainData, spec: &TrainSpec<'_>) -> Result<Trained> {
    if let Labels::Joint(targets) = &data.labels {
        return joint::train(&data.columns, targets, spec);
    }
    let classification = match spec.task {
        Task::Regression | Task::Clustering | Task::Decomposition => false,
        Task::Classification => true,
        other => {
            return Err(Error::not_supported(
                format!("task {other} cannot be trained from a table"),
                "tabular tasks: regression, classification, clustering, decomposition",
            ))
        }
    };
    let unsupervised = matches!(spec.task, Task::Clustering | Task::Decomposition);
    match (&data.labels, unsupervised) {
        (Labels::Unlabelled(_), false) => {
            return Err(Error::invalid(
                format!("y_column_name is needed to train a {} model", spec.task),
                "pass the name of the label column: y_column_name => '...'",
            ))
        }
        (Labels::Numeric(_) | Labels::Text(_), true) => {
            return Err(Error::invalid(
                format!(
                    "{} learns without a label, but y_column_name was given",
                    spec.task
                ),
                "leave y_column_name out (NULL); every column is then a feature",
            ))
        }
        _ => {}
    }
    let rows = data.labels.len();
    if data.columns.iter().any(|c| c.len() != rows) {
        return Err(Error::data(
            "feature columns and labels differ in length",
            "report this bug",
        ));
    }
    let (classes, y) = encode_labels(&data.labels, classification)?;
    let (train_rows, test_rows) = split_indices(
        &y,
        spec.test_size,
        spec.test_sampling,
        classification,
        spec.seed,
    )?;
    let preprocessor = Preprocessor::fit(&data.columns, &y, &train_rows, spec.preprocess)?;
    let x = preprocessor.transform_all(&data.columns)?;
    let all = Dataset::new(preprocessor.feature_names(), x, y)?;
    let (train_set, test_set) = (all.subset(&train_rows), all.subset(&test_rows));

    let (hyperparams, search_results) = choose_hyperparams(
        spec,
        train_set.num_rows(),
        |params, fit_rows, validation_rows| {
            let estimator = Estimator::fit(
                spec.task,
                spec.algorithm,
                params,
                &train_set.subset(fit_rows),
                classes.len(),
                spec.seed,
            )?;
            let validation = train_set.subset(validation_rows);
            let scoring = std::time::Instant::now();
            let value = score(&estimator, &validation, spec.task, classes.len())
                .get(key_metric(spec.task))
                .copied()
                .unwrap_or(f64::NAN);
            Ok(search::FoldScore {
                score: value,
                score_time: scoring.elapsed().as_secs_f64(),
            })
        },
    )?;

    let started = std::time::Instant::now();
    let estimator = Estimator::fit(
        spec.task,
        spec.algorithm,
        &hyperparams,
        &train_set,
        classes.len(),
        spec.seed,
    )?;
    let fit_time = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let mut scores = score(&estimator, &test_set, spec.task, classes.len());
    scores.insert("fit_time".into(), fit_time);
    scores.insert("score_time".into(), started.elapsed().as_secs_f64());

    let model = Model {
        format: FORMAT,
        task: spec.task,
        algorithm: spec.algorithm,
        preprocessor,
        classes,
        estimator,
        more_targets: Vec::new(),
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

/// The hyperparameters to train with: those given, or, with `spec.search`, the best candidate
/// of a k-fold cross-validation over the `rows` training rows (with the search's results).
/// `fit_and_score(params, fit_rows, validation_rows)` fits on some training rows and returns
/// the task's key metric on others.
fn choose_hyperparams<F>(
    spec: &TrainSpec<'_>,
    rows: usize,
    fit_and_score: F,
) -> Result<(Value, Option<Value>)>
where
    F: FnMut(&Value, &[usize], &[usize]) -> Result<search::FoldScore>,
{
    let Some(search) = spec.search else {
        if !is_empty(spec.search_params) {
            return Err(Error::invalid(
                "search_params are given but search is not",
                "add search => 'grid' or 'random', or leave search_params out",
            ));
        }
        return Ok((spec.hyperparams.clone(), None));
    };
    let args = SearchArgs::parse(spec.search_args)?;
    let candidates = search::candidates(
        search,
        spec.hyperparams,
        spec.search_params,
        &args,
        spec.seed,
    )?;
    let results = search::cross_validate(rows, candidates, args.cv, spec.seed, fit_and_score)?;
    Ok((
        results.params(results.best()).clone(),
        Some(results.to_json()),
    ))
}

fn is_empty(value: &Value) -> bool {
    matches!(value, Value::Null) || value.as_object().is_some_and(|o| o.is_empty())
}

/// Class list and per-row class indices (classification), or the labels as they are.
fn encode_labels(labels: &Labels, classification: bool) -> Result<(Classes, Vec<f32>)> {
    match (labels, classification) {
        (Labels::Unlabelled(rows), _) => Ok((Classes::None, vec![0.0; *rows])),
        (Labels::Joint(_), _) => Err(Error::invalid(
            "several label columns are for pgml.train_joint",
            "use pgml.train_joint for multi-target regression",
        )),
        (Labels::Numeric(v), false) => {
            if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                return Err(Error::data(
                    format!("label of row {} is {}", i + 1, v[i]),
                    "labels must be finite numbers",
                ));
            }
            Ok((Classes::None, v.iter().map(|&x| x as f32).collect()))
        }
        (Labels::Text(_), false) => Err(Error::data(
            "regression needs numeric labels, and the label column holds text",
            "use task => 'classification', or cast the label to a number in a view",
        )),
        (Labels::Numeric(v), true) => {
            let mut classes: Vec<f64> = v.clone();
            classes.sort_by(f64::total_cmp);
            classes.dedup();
            check_class_count(classes.len())?;
            let y = v
                .iter()
                .map(|l| classes.partition_point(|c| c < l) as f32)
                .collect();
            Ok((Classes::Numeric(classes), y))
        }
        (Labels::Text(v), true) => {
            let mut classes: Vec<String> = v.clone();
            classes.sort();
            classes.dedup();
            check_class_count(classes.len())?;
            let y = v
                .iter()
                .map(|l| classes.partition_point(|c| c < l) as f32)
                .collect();
            Ok((Classes::Text(classes), y))
        }
    }
}

fn check_class_count(n: usize) -> Result<()> {
    if n < 2 {
        return Err(Error::data(
            format!("classification needs at least two distinct labels, found {n}"),
            "check the label column: every row has the same value",
        ));
    }
    Ok(())
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

    /// Number of input columns a prediction needs (before any one-hot expansion).
    pub fn num_features(&self) -> usize {
        self.preprocessor.columns().len()
    }

    /// The native library's own model file (`("xgboost", JSON)` or `("lightgbm", text)`), for
    /// models trained by XGBoost or LightGBM: their Python packages load it as it is.
    pub fn native_model(&self) -> Option<(&'static str, &str)> {
        self.estimator.native_model()
    }

    /// The fitted preprocessing (column statistics).
    pub fn preprocessor(&self) -> &Preprocessor {
        &self.preprocessor
    }

    /// Class labels for text-labelled classifiers, in class-index order.
    pub fn class_names(&self) -> Option<&[String]> {
        match &self.classes {
            Classes::Text(names) => Some(names),
            _ => None,
        }
    }

    fn input_names(&self) -> String {
        self.preprocessor
            .columns()
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Features for one row given as numbers, one per input column.
    fn features_from_numbers(&self, features: &[f32]) -> Result<Vec<f32>> {
        if features.len() != self.num_features() {
            return Err(Error::data(
                format!(
                    "the model expects {} features, got {}",
                    self.num_features(),
                    features.len()
                ),
                format!(
                    "pass one value per feature, in this order: {}",
                    self.input_names()
                ),
            ));
        }
        if self.preprocessor.has_text_columns() {
            return Err(Error::data(
                "this model has text columns, which an array of numbers cannot hold",
                format!(
                    "pass a row instead: pgml.predict(project, ROW({}))",
                    self.input_names()
                ),
            ));
        }
        if let Some(i) = features.iter().position(|v| !v.is_finite()) {
            return Err(Error::data(
                format!(
                    "feature {} ({}) is {}",
                    i + 1,
                    self.preprocessor.columns()[i].name,
                    features[i]
                ),
                "NaN and Infinity cannot be predicted from: pass finite numbers",
            ));
        }
        if self.preprocessor.is_identity() {
            return Ok(features.to_vec());
        }
        let raw: Vec<RawValue<'_>> = features
            .iter()
            .map(|&v| RawValue::Number(v as f64))
            .collect();
        let mut out = Vec::with_capacity(raw.len());
        self.preprocessor.transform_row(&raw, &mut out)?;
        Ok(out)
    }

    fn features_from_row(&self, row: &[RawValue<'_>]) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(row.len());
        self.preprocessor.transform_row(row, &mut out)?;
        Ok(out)
    }

    fn decode(&self, raw: f32) -> f32 {
        match &self.classes {
            Classes::Numeric(values) => values.get(raw as usize).map_or(raw, |&v| v as f32),
            Classes::None | Classes::Text(_) => raw,
        }
    }

    fn check_predicts_one_value(&self) -> Result<()> {
        if !self.more_targets.is_empty() {
            return Err(Error::invalid(
                format!(
                    "this model predicts {} targets jointly (trained by pgml.train_joint)",
                    self.more_targets.len() + 1
                ),
                "use pgml.predict_joint(project_name, features), which returns one value per target",
            ));
        }
        if self.task == Task::Decomposition {
            return Err(Error::invalid(
                "a decomposition model does not predict values",
                "use pgml.decompose(project_name, features) to get the components",
            ));
        }
        Ok(())
    }

    /// The prediction for one row of numbers: a value for regression, the original label for
    /// numeric classification, the class index for text labels, the cluster for clustering.
    pub fn predict(&self, features: &[f32]) -> Result<f32> {
        self.check_predicts_one_value()?;
        let x = self.features_from_numbers(features)?;
        Ok(self.decode(self.estimator.predict(&x)))
    }

    /// [`Model::predict`] for many rows given back to back (`features.len()` a multiple of
    /// [`Model::num_features`]); XGBoost and LightGBM models use up to `threads` threads.
    pub fn predict_batch(&self, features: &[f32], threads: usize) -> Result<Vec<f32>> {
        self.check_predicts_one_value()?;
        let width = self.num_features();
        if width == 0 || !features.len().is_multiple_of(width) {
            return Err(Error::data(
                format!(
                    "{} values are not a whole number of rows of {width} features",
                    features.len()
                ),
                "pass the rows' features back to back, each row complete",
            ));
        }
        // Without preprocessing the rows go to the estimator as they are (after the same
        // checks as one row's): no copy of a million rows.
        let rows = features.len() / width;
        let transformed: std::borrow::Cow<'_, [f32]> =
            if self.preprocessor.is_identity() && features.iter().all(|v| v.is_finite()) {
                std::borrow::Cow::Borrowed(features)
            } else {
                let mut x = Vec::with_capacity(features.len());
                for row in features.chunks(width) {
                    x.extend(self.features_from_numbers(row)?);
                }
                std::borrow::Cow::Owned(x)
            };
        let transformed_width = transformed.len() / rows.max(1);
        let predictions = self
            .estimator
            .predict_batch(&transformed, transformed_width, threads)?;
        Ok(predictions.into_iter().map(|p| self.decode(p)).collect())
    }

    /// The decomposition (principal components) of one row, for decomposition models.
    pub fn decompose(&self, features: &[f32]) -> Result<Vec<f32>> {
        let x = self.features_from_numbers(features)?;
        self.estimator.transform(&x).ok_or_else(|| {
            Error::invalid(
                format!("a {} model does not decompose rows", self.task),
                "pgml.decompose is for decomposition projects (algorithm pca); use pgml.predict",
            )
        })
    }

    /// The prediction for one row given column by column (text columns allowed, NULLs imputed
    /// as trained).
    pub fn predict_row(&self, row: &[RawValue<'_>]) -> Result<f32> {
        self.check_predicts_one_value()?;
        let x = self.features_from_row(row)?;
        Ok(self.decode(self.estimator.predict(&x)))
    }

    /// Probability of each class (ascending label order), for classifiers.
    pub fn predict_proba(&self, features: &[f32]) -> Result<Vec<f32>> {
        let x = self.features_from_numbers(features)?;
        self.proba(&x)
    }

    /// [`Model::predict_proba`] for a row given column by column.
    pub fn predict_proba_row(&self, row: &[RawValue<'_>]) -> Result<Vec<f32>> {
        let x = self.features_from_row(row)?;
        self.proba(&x)
    }

    fn proba(&self, x: &[f32]) -> Result<Vec<f32>> {
        self.estimator.predict_proba(x).ok_or_else(|| {
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
        #[derive(Deserialize)]
        struct Header {
            format: u32,
        }
        let header: Header =
            serde_json::from_slice(bytes).map_err(|e| Error::CorruptModel(e.to_string()))?;
        if header.format != FORMAT {
            return Err(Error::CorruptModel(format!(
                "format {} (this build reads {FORMAT})",
                header.format
            )));
        }
        serde_json::from_slice(bytes).map_err(|e| Error::CorruptModel(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preprocess::ColumnValues;
    use serde_json::json;

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
            test_sampling: Sampling::Random,
            seed: 42,
        }
    }

    fn numeric(name: &str, v: impl Iterator<Item = f64>) -> Column {
        Column {
            name: name.into(),
            values: ColumnValues::Numeric(v.map(Some).collect()),
        }
    }

    fn line(n: usize) -> TrainData {
        TrainData {
            columns: vec![
                numeric("x", (0..n).map(|i| i as f64)),
                numeric("z", (0..n).map(|i| (i % 7) as f64)),
            ],
            labels: Labels::Numeric(
                (0..n)
                    .map(|i| 2.0 * i as f64 + 1.0 + (i % 7) as f64)
                    .collect(),
            ),
        }
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
        assert_eq!((trained.train_rows, trained.test_rows), (30, 10));
        let back = Model::from_bytes(&trained.model.to_bytes().unwrap()).unwrap();
        assert_eq!(back, trained.model);
        assert!((back.predict(&[100.0, 3.0]).unwrap() - 204.0).abs() < 1e-2);
    }

    #[test]
    fn classification_returns_original_labels() {
        let data = TrainData {
            columns: vec![numeric("x", (0..40).map(f64::from))],
            labels: Labels::Numeric((0..40).map(|i| if i < 20 { 3.0 } else { 7.0 }).collect()),
        };
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
    fn text_labels_and_text_features_train_and_predict_from_rows() {
        let colors = ["red", "green", "blue"];
        let data = TrainData {
            columns: vec![
                Column {
                    name: "color".into(),
                    values: ColumnValues::Text(
                        (0..60).map(|i| Some(colors[i % 3].to_owned())).collect(),
                    ),
                },
                numeric("noise", (0..60).map(|i| ((i * 7) % 5) as f64)),
            ],
            labels: Labels::Text(
                (0..60)
                    .map(|i| {
                        if i % 3 == 0 {
                            "warm".to_owned()
                        } else {
                            "cool".to_owned()
                        }
                    })
                    .collect(),
            ),
        };
        let preprocess = json!({"color": {"encode": "one_hot"}});
        let mut s = spec(Task::Classification, Algorithm::Linear, &Value::Null);
        s.preprocess = &preprocess;
        let trained = train(&data, &s).unwrap();
        assert_eq!(trained.metrics["accuracy"], 1.0, "{:?}", trained.metrics);
        let model = Model::from_bytes(&trained.model.to_bytes().unwrap()).unwrap();
        assert_eq!(model.class_names().unwrap(), ["cool", "warm"]);
        assert_eq!(
            model
                .predict_row(&[RawValue::Text("red"), RawValue::Number(1.0)])
                .unwrap(),
            1.0
        );
        assert_eq!(
            model
                .predict_row(&[RawValue::Text("blue"), RawValue::Number(1.0)])
                .unwrap(),
            0.0
        );
        let err = model.predict(&[1.0, 1.0]).unwrap_err();
        assert!(err.hint().unwrap().contains("ROW(color, noise)"), "{err:?}");
        let regression = train(
            &data,
            &spec(Task::Regression, Algorithm::Linear, &Value::Null),
        )
        .unwrap_err();
        assert!(regression.to_string().contains("numeric labels"));
    }

    #[test]
    fn grid_search_picks_the_best_alpha_by_cross_validation() {
        let space = json!({"alpha": [1e6, 0.001, 1e3]});
        let args = json!({"cv": 4});
        let mut s = spec(Task::Regression, Algorithm::Ridge, &Value::Null);
        s.search = Some(Search::Grid);
        s.search_params = &space;
        s.search_args = &args;
        let trained = train(&line(60), &s).unwrap();
        assert_eq!(trained.hyperparams, json!({"alpha": 0.001}));
        let results = trained.search_results.unwrap();
        assert_eq!(results["params"].as_array().unwrap().len(), 3);
        assert_eq!(results["best_index"], json!(1));
        assert!(trained.metrics["r2"] > 0.999);
        let mut s2 = spec(Task::Regression, Algorithm::Ridge, &Value::Null);
        s2.search_params = &space;
        assert!(
            train(&line(60), &s2).is_err(),
            "search_params without search"
        );
    }

    #[test]
    fn bad_requests_are_errors() {
        let data = line(40);
        let unsupported = train(
            &data,
            &spec(Task::Regression, Algorithm::Catboost, &json!({})),
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
        let one_class = TrainData {
            columns: vec![numeric("x", (0..4).map(f64::from))],
            labels: Labels::Numeric(vec![1.0; 4]),
        };
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
        assert!(Model::from_bytes(br#"{"format": 1}"#)
            .unwrap_err()
            .to_string()
            .contains("format 1"));
    }
}
