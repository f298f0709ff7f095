//! AdaBoost over CART trees, as scikit-learn 1.9 does it: `AdaBoostClassifier` (SAMME, its
//! only algorithm) reweights the rows each round and fits a weighted tree on all of them;
//! `AdaBoostRegressor` (AdaBoost.R2, Drucker 1997) draws a weighted bootstrap sample each
//! round and fits an unweighted tree on it, then predicts the weighted median of its trees.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::tree::{check_labels, DecisionTree, TreeParams};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::hyperparams::{Hyperparams, POSITIVE};

/// Hyperparameters of `ada_boost` for classification. `max_depth` is the base tree's (users
/// cannot pass scikit-learn's `estimator` object).
pub const ADA_BOOST_CLASSIFIER_KEYS: &[&str] =
    &["n_estimators", "learning_rate", "max_depth", "random_state"];
/// Hyperparameters of `ada_boost` for regression.
pub const ADA_BOOST_REGRESSOR_KEYS: &[&str] = &[
    "n_estimators",
    "learning_rate",
    "loss",
    "max_depth",
    "random_state",
];

/// How AdaBoost.R2 turns a row's error (scaled to [0, 1] by the round's largest) into its
/// loss: scikit-learn's `loss`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Loss {
    /// The scaled error itself.
    Linear,
    /// Its square.
    Square,
    /// `1 - exp(-error)`.
    Exponential,
}

/// How AdaBoost trains, named as scikit-learn names its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdaBoostParams {
    /// Most boosting rounds (fewer when a tree fits perfectly or is too weak).
    pub n_estimators: usize,
    /// Shrinks each tree's weight (and, for regression, the reweighting).
    pub learning_rate: f64,
    /// Regression only.
    pub loss: Loss,
    /// Depth limit of every tree; unlimited when `None`.
    pub max_depth: Option<usize>,
}

impl AdaBoostParams {
    /// `AdaBoostClassifier()`: 50 stumps (`DecisionTreeClassifier(max_depth=1)`).
    pub fn classifier() -> Self {
        AdaBoostParams {
            n_estimators: 50,
            learning_rate: 1.0,
            loss: Loss::Linear,
            max_depth: Some(1),
        }
    }

    /// `AdaBoostRegressor()`: 50 trees of `DecisionTreeRegressor(max_depth=3)`, linear loss.
    pub fn regressor() -> Self {
        AdaBoostParams {
            max_depth: Some(3),
            ..Self::classifier()
        }
    }

    fn validate(&self) -> Result<TreeParams> {
        if self.n_estimators == 0 {
            return Err(Error::invalid(
                "n_estimators must be at least 1",
                "AdaBoost needs at least one tree; 50 is the default",
            ));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(Error::invalid(
                format!("learning_rate must be > 0, got {}", self.learning_rate),
                "1.0 is the default; smaller values shrink each tree's weight",
            ));
        }
        Ok(TreeParams {
            max_depth: self.max_depth,
            ..TreeParams::default()
        })
    }
}

/// The settings from the `ada_boost` hyperparameters (keys [`ADA_BOOST_CLASSIFIER_KEYS`] or
/// [`ADA_BOOST_REGRESSOR_KEYS`]); `random_state` is the caller's to read, as the seed.
/// `max_depth` left out is scikit-learn's default base tree (1 for classification, 3 for
/// regression); `null` grows trees without a depth limit.
pub fn params(p: &Hyperparams<'_>, classification: bool) -> Result<AdaBoostParams> {
    let base = if classification {
        AdaBoostParams::classifier()
    } else {
        AdaBoostParams::regressor()
    };
    let loss = match p.get("loss") {
        // SAMME has no loss to choose (and the classifier's keys refuse one).
        _ if classification => base.loss,
        None | Some(Value::Null) => base.loss,
        Some(Value::String(s)) if s == "linear" => Loss::Linear,
        Some(Value::String(s)) if s == "square" => Loss::Square,
        Some(Value::String(s)) if s == "exponential" => Loss::Exponential,
        Some(other) => {
            return Err(p.ill_typed("loss", "\"linear\", \"square\" or \"exponential\"", other))
        }
    };
    let max_depth = match p.get("max_depth") {
        None => base.max_depth,
        Some(_) => p.optional_usize("max_depth", 1)?,
    };
    Ok(AdaBoostParams {
        n_estimators: p.usize("n_estimators", base.n_estimators, 1)?,
        learning_rate: p.f64("learning_rate", base.learning_rate, POSITIVE)?,
        loss,
        max_depth,
    })
}

/// A fitted AdaBoost ensemble.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdaBoost {
    trees: Vec<DecisionTree>,
    /// scikit-learn's `estimator_weights_`, one per kept tree.
    weights: Vec<f64>,
    /// scikit-learn's `estimator_errors_`: each kept tree's weighted training error.
    errors: Vec<f64>,
    num_classes: usize,
}

impl AdaBoost {
    /// Boosts up to `params.n_estimators` trees. `num_classes == 0` is regression; otherwise
    /// labels must be class indices `0..num_classes`. `seed` drives the trees' feature order
    /// and, for regression, the weighted bootstrap samples.
    pub fn fit(
        data: &Dataset,
        num_classes: usize,
        params: &AdaBoostParams,
        seed: u64,
    ) -> Result<AdaBoost> {
        let tree = params.validate()?;
        tree.validate(data.num_features())?;
        if data.num_rows() == 0 {
            return Err(Error::data(
                "AdaBoost needs at least one training row",
                "train on a relation with rows",
            ));
        }
        check_labels(data.labels().iter().copied(), num_classes)?;
        let mut rng = StdRng::seed_from_u64(seed);
        if num_classes > 0 {
            fit_samme(data, num_classes, params, &tree, &mut rng)
        } else {
            fit_r2(data, params, &tree, &mut rng)
        }
    }

    /// The class index (as `f32`) with the largest weighted vote, the first on ties; for
    /// regression, the weighted median of the trees' predictions.
    pub fn predict(&self, features: &[f32]) -> f32 {
        if self.num_classes == 0 {
            let predictions: Vec<f32> = self.trees.iter().map(|t| t.predict(features)).collect();
            return weighted_median(&predictions, &self.weights);
        }
        let decision = self.decision(features);
        let mut best = 0;
        for (c, &d) in decision.iter().enumerate() {
            if d > decision[best] {
                best = c;
            }
        }
        best as f32
    }

    /// Class probabilities as scikit-learn's SAMME computes them: the softmax of the decision
    /// function divided by `n_classes - 1`. `None` for regression.
    pub fn predict_proba(&self, features: &[f32]) -> Option<Vec<f32>> {
        let k = self.num_classes;
        if k == 0 {
            return None;
        }
        if k == 1 {
            return Some(vec![1.0]);
        }
        let decision = self.decision(features);
        let scaled: Vec<f64> = if let [first, second] = decision[..] {
            // scikit-learn folds two classes into one score d = p1 - p0 and takes the softmax
            // of (-d/2, d/2); the same numbers, in its order of operations.
            let d = -first + second;
            vec![-d / 2.0, d / 2.0]
        } else {
            decision.iter().map(|d| d / (k - 1) as f64).collect()
        };
        Some(softmax(&scaled).into_iter().map(|p| p as f32).collect())
    }

    /// scikit-learn's `estimator_weights_` of the kept trees.
    pub fn estimator_weights(&self) -> &[f64] {
        &self.weights
    }

    /// scikit-learn's `estimator_errors_` of the kept trees.
    pub fn estimator_errors(&self) -> &[f64] {
        &self.errors
    }

    /// The kept trees, in boosting order.
    pub fn trees(&self) -> &[DecisionTree] {
        &self.trees
    }

    /// Number of classes (0 for regression).
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    fn empty(num_classes: usize) -> Self {
        AdaBoost {
            trees: Vec::new(),
            weights: Vec::new(),
            errors: Vec::new(),
            num_classes,
        }
    }

    fn push(&mut self, tree: DecisionTree, weight: f64, error: f64) {
        self.trees.push(tree);
        self.weights.push(weight);
        self.errors.push(error);
    }

    /// scikit-learn's `decision_function` before the two-class fold: per class, each tree adds
    /// its weight `w` if it votes for the class and `-w / (k - 1)` otherwise, all divided by
    /// the total weight. Needs `num_classes >= 2`.
    fn decision(&self, features: &[f32]) -> Vec<f64> {
        let k = self.num_classes;
        let mut decision = vec![0.0; k];
        if k < 2 {
            return decision;
        }
        let against = -1.0 / (k - 1) as f64;
        for (tree, &w) in self.trees.iter().zip(&self.weights) {
            let vote = tree.predict(features) as usize;
            for (c, d) in decision.iter_mut().enumerate() {
                *d += if c == vote { w } else { against * w };
            }
        }
        let total: f64 = self.weights.iter().sum();
        if total > 0.0 {
            for d in &mut decision {
                *d /= total;
            }
        }
        decision
    }
}

/// Sample weights start uniform and are normalised each round; scikit-learn clips them to
/// machine epsilon before each fit so none underflows to 0.
fn clip(weights: &mut [f64]) {
    for w in weights {
        *w = w.max(f64::EPSILON);
    }
}

/// Divides the weights by their sum; `false` (stop boosting) when the sum overflowed or is
/// not positive, as scikit-learn stops.
fn normalise(weights: &mut [f64]) -> bool {
    let sum: f64 = weights.iter().sum();
    if !(sum.is_finite() && sum > 0.0) {
        return false;
    }
    for w in weights {
        *w /= sum;
    }
    true
}

/// Multi-class AdaBoost (SAMME), scikit-learn's `AdaBoostClassifier._boost`.
fn fit_samme(
    data: &Dataset,
    num_classes: usize,
    params: &AdaBoostParams,
    tree_params: &TreeParams,
    rng: &mut StdRng,
) -> Result<AdaBoost> {
    let n = data.num_rows();
    let labels = data.labels();
    let rows: Vec<usize> = (0..n).collect();
    let mut sample_weights = vec![1.0 / n as f64; n];
    let mut model = AdaBoost::empty(num_classes);
    let k = num_classes as f64;
    for round in 0..params.n_estimators {
        crate::interrupt::check()?;
        clip(&mut sample_weights);
        let tree = DecisionTree::fit_weighted(
            data,
            &rows,
            &sample_weights,
            num_classes,
            tree_params,
            rng.gen(),
        )?;
        let incorrect: Vec<bool> = rows
            .iter()
            .map(|&r| tree.predict(data.row(r)) != labels[r])
            .collect();
        // numpy's `average(incorrect, weights=sample_weights)`.
        let (mut wrong, mut total) = (0.0, 0.0);
        for (&w, &miss) in sample_weights.iter().zip(&incorrect) {
            if miss {
                wrong += w;
            }
            total += w;
        }
        let error = wrong / total;
        if error <= 0.0 {
            // A perfect fit: scikit-learn keeps it with weight 1 and stops.
            model.push(tree, 1.0, 0.0);
            break;
        }
        if error >= 1.0 - 1.0 / k {
            // No better than chance: dropped, and boosting ends.
            if model.trees.is_empty() {
                return Err(Error::data(
                    format!(
                        "AdaBoost's first tree is no better than chance (weighted error \
                         {error:.4} with {num_classes} classes), so the ensemble cannot be fit"
                    ),
                    "the features do not separate the classes at all; check the training data",
                ));
            }
            break;
        }
        let weight = params.learning_rate * (((1.0 - error) / error).ln() + (k - 1.0).ln());
        model.push(tree, weight, error);
        if round + 1 == params.n_estimators {
            break;
        }
        // Misclassified rows gain `weight` in log space; written as scikit-learn writes it,
        // so the weights round alike.
        for (w, &miss) in sample_weights.iter_mut().zip(&incorrect) {
            *w = (w.ln() + if miss { weight } else { 0.0 }).exp();
        }
        if !normalise(&mut sample_weights) {
            break;
        }
    }
    Ok(model)
}

/// AdaBoost.R2, scikit-learn's `AdaBoostRegressor._boost`.
fn fit_r2(
    data: &Dataset,
    params: &AdaBoostParams,
    tree_params: &TreeParams,
    rng: &mut StdRng,
) -> Result<AdaBoost> {
    let n = data.num_rows();
    let labels = data.labels();
    let mut sample_weights = vec![1.0 / n as f64; n];
    let mut model = AdaBoost::empty(0);
    for round in 0..params.n_estimators {
        crate::interrupt::check()?;
        clip(&mut sample_weights);
        let tree_seed = rng.gen();
        let sample = weighted_bootstrap(&sample_weights, rng);
        let tree = DecisionTree::fit_rows(data, &sample, 0, tree_params, tree_seed)?;
        let mut losses: Vec<f64> = (0..n)
            .map(|r| (tree.predict(data.row(r)) as f64 - labels[r] as f64).abs())
            .collect();
        let max = losses.iter().copied().fold(0.0, f64::max);
        for loss in &mut losses {
            if max != 0.0 {
                *loss /= max;
            }
            *loss = match params.loss {
                Loss::Linear => *loss,
                Loss::Square => *loss * *loss,
                Loss::Exponential => 1.0 - (-*loss).exp(),
            };
        }
        let error: f64 = sample_weights.iter().zip(&losses).map(|(w, l)| w * l).sum();
        if error <= 0.0 {
            model.push(tree, 1.0, 0.0);
            break;
        }
        if error >= 0.5 {
            // Too weak: dropped and boosting ends, except that scikit-learn keeps a first
            // tree (with weight 0) rather than none.
            if model.trees.is_empty() {
                model.push(tree, 0.0, error);
            }
            break;
        }
        let beta = error / (1.0 - error);
        model.push(tree, params.learning_rate * (1.0 / beta).ln(), error);
        if round + 1 == params.n_estimators {
            break;
        }
        for (w, loss) in sample_weights.iter_mut().zip(&losses) {
            *w *= beta.powf((1.0 - loss) * params.learning_rate);
        }
        if !normalise(&mut sample_weights) {
            break;
        }
    }
    Ok(model)
}

/// As many row indices as there are weights, drawn with replacement with probability
/// proportional to the weights: numpy's `choice(n, n, p=weights)` (inverse of the
/// cumulative distribution at uniform draws).
fn weighted_bootstrap(weights: &[f64], rng: &mut StdRng) -> Vec<usize> {
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut sum = 0.0;
    for w in weights {
        sum += w;
        cumulative.push(sum);
    }
    let last = weights.len().saturating_sub(1);
    (0..weights.len())
        .map(|_| {
            let u: f64 = rng.gen::<f64>() * sum;
            cumulative.partition_point(|&c| c <= u).min(last)
        })
        .collect()
}

/// scikit-learn's `_get_median_predict`: sort the predictions, and take the first whose
/// cumulative weight reaches half the total.
fn weighted_median(predictions: &[f32], weights: &[f64]) -> f32 {
    let mut order: Vec<(f32, f64)> = predictions
        .iter()
        .copied()
        .zip(weights.iter().copied())
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = order.iter().map(|p| p.1).sum();
    let mut cumulative = 0.0;
    for &(prediction, weight) in &order {
        cumulative += weight;
        if cumulative >= 0.5 * total {
            return prediction;
        }
    }
    order.last().map_or(0.0, |p| p.0)
}

/// `exp(x - max) / Σ exp(x - max)`, as scikit-learn's `softmax`.
fn softmax(x: &[f64]) -> Vec<f64> {
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exps: Vec<f64> = x.iter().map(|v| (v - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_median_takes_the_first_prediction_reaching_half_the_weight() {
        // Sorted: 1 (0.25), 2 (0.125), 3 (0.125), 5 (0.5); cumulative 0.25, 0.375, 0.5, 1:
        // 3 is the first to reach half of 1.
        assert_eq!(
            weighted_median(&[3.0, 1.0, 2.0, 5.0], &[0.125, 0.25, 0.125, 0.5]),
            3.0
        );
        // Equal weights: the lower median, as `_get_median_predict` (cumulative 2 of 4).
        assert_eq!(weighted_median(&[3.0, 1.0, 2.0, 5.0], &[1.0; 4]), 2.0);
        // One heavy tree outvotes the rest.
        assert_eq!(weighted_median(&[9.0, 1.0, 2.0], &[5.0, 1.0, 1.0]), 9.0);
        // scikit-learn's lone first tree of weight 0 (too weak, but kept) still predicts.
        assert_eq!(weighted_median(&[7.0], &[0.0]), 7.0);
        assert_eq!(weighted_median(&[], &[]), 0.0);
    }

    #[test]
    fn weighted_bootstrap_draws_in_proportion_to_the_weights() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut counts = [0usize; 4];
        for _ in 0..2_000 {
            for r in weighted_bootstrap(&[0.0, 0.25, 0.0, 0.75], &mut rng) {
                counts[r] += 1;
            }
        }
        assert_eq!((counts[0], counts[2]), (0, 0), "{counts:?}");
        let share = counts[3] as f64 / 8_000.0;
        assert!((share - 0.75).abs() < 0.02, "{counts:?}");
    }

    #[test]
    fn softmax_is_scikit_learns() {
        let p = softmax(&[-1.0, 1.0]);
        assert!((p[0] - 0.119_202_922_022_118).abs() < 1e-15);
        assert!((p[0] + p[1] - 1.0).abs() < 1e-15);
        let p = softmax(&[1000.0, 1000.0, 0.0]);
        assert!((p[0] - 0.5).abs() < 1e-15 && p[2] < 1e-300);
    }
}
