//! CART decision trees: Gini impurity for classification, squared error for regression, grown
//! depth-first into a flat node array. Mirrors scikit-learn's `DecisionTreeClassifier` and
//! `DecisionTreeRegressor` (splitter "best") and, with `random_splits`, its
//! `ExtraTreeClassifier` / `ExtraTreeRegressor` (splitter "random").

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::linear::argmax;
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// How many features each split draws as candidates: scikit-learn's `max_features`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum MaxFeatures {
    /// Every feature (`None` or `1.0` in scikit-learn).
    All,
    /// `max(1, floor(sqrt(n_features)))` (`"sqrt"`).
    Sqrt,
    /// `max(1, floor(log2(n_features)))` (`"log2"`).
    Log2,
    /// `max(1, floor(fraction * n_features))`, for a fraction in (0, 1].
    Fraction(f64),
    /// Exactly this many, from 1 to the number of features.
    Count(usize),
}

const MAX_FEATURES_HINT: &str =
    "use \"sqrt\", \"log2\", a fraction in (0, 1] or a whole number of features";

impl MaxFeatures {
    /// The number of candidate features per split for data with `num_features` columns.
    pub fn resolve(self, num_features: usize) -> Result<usize> {
        let n = num_features as f64;
        let count = match self {
            MaxFeatures::All => num_features,
            MaxFeatures::Sqrt => n.sqrt().floor() as usize,
            MaxFeatures::Log2 => n.log2().floor().max(0.0) as usize,
            MaxFeatures::Fraction(f) => {
                if !(f > 0.0 && f <= 1.0) {
                    return Err(Error::invalid(
                        format!("max_features {f} is not a fraction in (0, 1]"),
                        MAX_FEATURES_HINT,
                    ));
                }
                (f * n).floor() as usize
            }
            MaxFeatures::Count(c) => {
                if c == 0 || c > num_features {
                    return Err(Error::invalid(
                        format!(
                            "max_features {c} is not between 1 and the {num_features} features"
                        ),
                        MAX_FEATURES_HINT,
                    ));
                }
                c
            }
        };
        Ok(count.clamp(1, num_features.max(1)))
    }
}

/// How a tree grows, named as scikit-learn names its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TreeParams {
    /// Deepest level a node may sit at (the root is level 0); unlimited when `None`.
    pub max_depth: Option<usize>,
    /// A node with fewer rows than this becomes a leaf.
    pub min_samples_split: usize,
    /// Each child of a split keeps at least this many rows.
    pub min_samples_leaf: usize,
    /// Candidate features per split.
    pub max_features: MaxFeatures,
    /// Extra-trees style: one uniformly random threshold per candidate feature instead of the
    /// best one.
    pub random_splits: bool,
}

impl Default for TreeParams {
    /// scikit-learn's defaults.
    fn default() -> Self {
        TreeParams {
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            max_features: MaxFeatures::All,
            random_splits: false,
        }
    }
}

impl TreeParams {
    /// Checks the settings against data with `num_features` columns; returns the resolved
    /// number of candidate features per split.
    pub fn validate(&self, num_features: usize) -> Result<usize> {
        if self.max_depth == Some(0) {
            return Err(Error::invalid(
                "max_depth must be at least 1",
                "leave max_depth out for unlimited depth",
            ));
        }
        if self.min_samples_split < 2 {
            return Err(Error::invalid(
                format!(
                    "min_samples_split must be at least 2, got {}",
                    self.min_samples_split
                ),
                "a node needs two rows to be split",
            ));
        }
        if self.min_samples_leaf < 1 {
            return Err(Error::invalid(
                "min_samples_leaf must be at least 1",
                "every leaf holds at least one row",
            ));
        }
        self.max_features.resolve(num_features)
    }
}

/// Fails unless every label is a class index `0..num_classes` (always passes for regression,
/// `num_classes == 0`). Learners index per-class arrays with labels, so this keeps them from
/// panicking on a mislabelled row.
pub(crate) fn check_labels(
    labels: impl IntoIterator<Item = f32>,
    num_classes: usize,
) -> Result<()> {
    if num_classes == 0 {
        return Ok(());
    }
    match labels
        .into_iter()
        .find(|&l| !(l >= 0.0 && l.fract() == 0.0 && (l as usize) < num_classes))
    {
        Some(l) => Err(Error::data(
            format!("label {l} is not a class index below {num_classes}"),
            "classification labels must be encoded as class indices 0, 1, ...",
        )),
        None => Ok(()),
    }
}

/// One node of the flat tree. Children always come after their parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Node {
    /// Rows with `features[feature] <= threshold` go `left`, the others `right`.
    Split {
        feature: usize,
        threshold: f32,
        left: usize,
        right: usize,
    },
    /// Output at `leaf_values[offset..]`: class proportions, or the mean for regression.
    Leaf { offset: usize },
}

/// A fitted CART tree. Nodes live in one `Vec` (index 0 is the root), so a deep tree neither
/// recurses on drop nor serialises as deeply nested JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTree {
    nodes: Vec<Node>,
    /// `max(num_classes, 1)` values per leaf.
    leaf_values: Vec<f32>,
    num_classes: usize,
    depth: usize,
}

impl DecisionTree {
    /// Fits on every row of `data`. `num_classes == 0` grows a regression tree; otherwise
    /// labels must be class indices `0..num_classes`.
    pub fn fit(data: &Dataset, num_classes: usize, params: &TreeParams, seed: u64) -> Result<Self> {
        let rows: Vec<usize> = (0..data.num_rows()).collect();
        Self::fit_rows(data, &rows, num_classes, params, seed)
    }

    /// Fits on the rows of `data` at `rows` (repeats count as often as they appear, as a
    /// bootstrap sample wants) without copying any features.
    pub fn fit_rows(
        data: &Dataset,
        rows: &[usize],
        num_classes: usize,
        params: &TreeParams,
        seed: u64,
    ) -> Result<Self> {
        Self::build::<(f32, f32)>(data, rows, None, num_classes, params, seed)
    }

    /// Like [`DecisionTree::fit_rows`], with sample weights as scikit-learn's
    /// `fit(X, y, sample_weight)`: `weights[r]` is the weight of dataset row `r` (one weight
    /// per row of `data`; a row listed twice in `rows` counts twice). Class shares, leaf means
    /// and split scores weigh each row; `min_samples_split` and `min_samples_leaf` still count
    /// rows, and rows of weight 0 are left out, as scikit-learn does.
    pub fn fit_weighted(
        data: &Dataset,
        rows: &[usize],
        weights: &[f64],
        num_classes: usize,
        params: &TreeParams,
        seed: u64,
    ) -> Result<Self> {
        if weights.len() != data.num_rows() {
            return Err(Error::invalid(
                format!(
                    "{} sample weights for {} training rows",
                    weights.len(),
                    data.num_rows()
                ),
                "pass one weight per row of the dataset",
            ));
        }
        if let Some(w) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
            return Err(Error::invalid(
                format!("sample weight {w} is not a finite number >= 0"),
                "sample weights must be finite and non-negative",
            ));
        }
        let kept: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&r| weights.get(r).is_none_or(|&w| w > 0.0))
            .collect();
        if !rows.is_empty() && kept.is_empty() {
            return Err(Error::data(
                "every training row of the decision tree has sample weight 0",
                "give at least one row a positive weight",
            ));
        }
        Self::build::<(f32, f32, f64)>(data, &kept, Some(weights), num_classes, params, seed)
    }

    /// Grows the tree; `P` is the row record of the split search, with or without a weight.
    fn build<P: Pair>(
        data: &Dataset,
        rows: &[usize],
        weights: Option<&[f64]>,
        num_classes: usize,
        params: &TreeParams,
        seed: u64,
    ) -> Result<Self> {
        let max_features = params.validate(data.num_features())?;
        if rows.is_empty() {
            return Err(Error::data(
                "a decision tree needs at least one training row",
                "train on a relation with rows",
            ));
        }
        if let Some(&r) = rows.iter().find(|&&r| r >= data.num_rows()) {
            return Err(Error::invalid(
                format!("row {r} is outside the {} training rows", data.num_rows()),
                "pass row indices of the dataset",
            ));
        }
        let labels = data.labels();
        check_labels(rows.iter().map(|&r| labels[r]), num_classes)?;
        let mut builder = Builder::<P> {
            data,
            labels,
            weights,
            num_classes,
            params,
            max_features,
            rng: StdRng::seed_from_u64(seed),
            samples: rows.to_vec(),
            features: (0..data.num_features()).collect(),
            pairs: Vec::with_capacity(rows.len()),
            node_counts: vec![0.0; num_classes],
            node_weight: 0.0,
            left_counts: vec![0.0; num_classes],
            right_counts: vec![0.0; num_classes],
            nodes: Vec::new(),
            leaf_values: Vec::new(),
            depth: 0,
        };
        builder.grow();
        Ok(DecisionTree {
            nodes: builder.nodes,
            leaf_values: builder.leaf_values,
            num_classes,
            depth: builder.depth,
        })
    }

    /// The class index (as `f32`) with the largest share in the row's leaf, or the leaf's mean
    /// for regression.
    pub fn predict(&self, features: &[f32]) -> f32 {
        let leaf = self.leaf(features);
        if self.num_classes == 0 {
            leaf.first().copied().unwrap_or(0.0)
        } else {
            argmax(leaf) as f32
        }
    }

    /// The class proportions of the row's leaf; `None` for regression.
    pub fn predict_proba(&self, features: &[f32]) -> Option<Vec<f32>> {
        if self.num_classes == 0 {
            return None;
        }
        let leaf = self.leaf(features);
        if leaf.len() == self.num_classes {
            Some(leaf.to_vec())
        } else {
            // Only a corrupt stored tree gets here: answer "no idea" rather than panic.
            Some(vec![1.0 / self.num_classes as f32; self.num_classes])
        }
    }

    /// Level of the deepest node (0 for a single leaf).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Number of nodes, splits and leaves together.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of classes (0 for regression).
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// Index of the leaf a row falls into. A missing feature reads as 0: callers check the
    /// width of the row; this only keeps a short row from panicking.
    fn leaf_index(&self, features: &[f32]) -> Option<usize> {
        let mut at = 0;
        // Bounded by the node count, so even a corrupt stored tree cannot loop forever.
        for _ in 0..=self.nodes.len() {
            match self.nodes.get(at)? {
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    let v = features.get(*feature).copied().unwrap_or(0.0);
                    at = if v <= *threshold { *left } else { *right };
                }
                Node::Leaf { .. } => return Some(at),
            }
        }
        None
    }

    fn leaf(&self, features: &[f32]) -> &[f32] {
        let stride = self.num_classes.max(1);
        match self.leaf_index(features).and_then(|i| self.nodes.get(i)) {
            Some(Node::Leaf { offset }) => self
                .leaf_values
                .get(*offset..offset.saturating_add(stride))
                .unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// A node waiting to be grown: rows `samples[start..end]`, and where to link it from.
struct Pending {
    start: usize,
    end: usize,
    depth: usize,
    parent: Option<(usize, bool)>,
}

/// A candidate split of a node. `score` is the impurity proxy that scikit-learn
/// maximises: `Σ count² / n` per side for Gini, `sum² / n` per side for squared error (both
/// equal to a constant minus the children's weighted impurity).
#[derive(Clone, Copy)]
struct Split {
    feature: usize,
    threshold: f32,
    score: f64,
}

enum Candidate {
    /// The feature takes a single value in the node (visited, but it does not meet the
    /// "at least one non-constant feature" rule).
    Constant,
    /// No threshold leaves `min_samples_leaf` rows on both sides.
    Invalid,
    Valid(Split),
}

/// What the split search keeps of one row of the node: the candidate feature's value, the
/// target (see [`Builder::fill_pairs`]) and the row's sample weight.
trait Pair: Copy {
    /// Whether rows carry weights other than 1.
    const WEIGHTED: bool;
    fn new(value: f32, target: f32, weight: f64) -> Self;
    fn value(&self) -> f32;
    fn target(&self) -> f32;
    fn weight(&self) -> f64;
}

/// Unweighted rows: 8 bytes a row keeps the sort cache-friendly, and the constant weight 1
/// compiles away.
impl Pair for (f32, f32) {
    const WEIGHTED: bool = false;
    fn new(value: f32, target: f32, _weight: f64) -> Self {
        (value, target)
    }
    fn value(&self) -> f32 {
        self.0
    }
    fn target(&self) -> f32 {
        self.1
    }
    fn weight(&self) -> f64 {
        1.0
    }
}

/// Weighted rows ([`DecisionTree::fit_weighted`]), the weight in `f64` as scikit-learn keeps it.
impl Pair for (f32, f32, f64) {
    const WEIGHTED: bool = true;
    fn new(value: f32, target: f32, weight: f64) -> Self {
        (value, target, weight)
    }
    fn value(&self) -> f32 {
        self.0
    }
    fn target(&self) -> f32 {
        self.1
    }
    fn weight(&self) -> f64 {
        self.2
    }
}

/// Growing state. The buffers are allocated once per tree and reused by every node.
struct Builder<'a, P> {
    data: &'a Dataset,
    labels: &'a [f32],
    /// One weight per dataset row; `None` weighs every row 1.
    weights: Option<&'a [f64]>,
    num_classes: usize,
    params: &'a TreeParams,
    max_features: usize,
    rng: StdRng,
    /// Row indices; each node owns a contiguous range, partitioned in place on a split.
    samples: Vec<usize>,
    /// Feature indices, shuffled (Fisher-Yates, drawn lazily) at every node.
    features: Vec<usize>,
    /// The node's rows, sorted by the candidate feature's value.
    pairs: Vec<P>,
    /// Weighted class counts of the node (classification).
    node_counts: Vec<f64>,
    /// Total weight of the node's rows (their number when unweighted).
    node_weight: f64,
    left_counts: Vec<f64>,
    right_counts: Vec<f64>,
    nodes: Vec<Node>,
    leaf_values: Vec<f32>,
    depth: usize,
}

impl<P: Pair> Builder<'_, P> {
    /// Depth-first with an explicit stack (no recursion), right child pushed first so the left
    /// subtree is numbered first, as scikit-learn does.
    fn grow(&mut self) {
        let mut stack = vec![Pending {
            start: 0,
            end: self.samples.len(),
            depth: 0,
            parent: None,
        }];
        while let Some(task) = stack.pop() {
            let id = self.nodes.len();
            if let Some((parent, is_left)) = task.parent {
                if let Some(Node::Split { left, right, .. }) = self.nodes.get_mut(parent) {
                    *if is_left { left } else { right } = id;
                }
            }
            self.depth = self.depth.max(task.depth);
            let (start, end) = (task.start, task.end);
            let n = end - start;
            let (mean, pure) = self.node_stats(start, end);
            let p = self.params;
            let leaf = pure
                || n < p.min_samples_split
                || n < p.min_samples_leaf.saturating_mul(2)
                || p.max_depth.is_some_and(|d| task.depth >= d);
            let split = if leaf {
                None
            } else {
                self.best_split(start, end, mean)
            };
            let mid = split.map(|s| self.partition(start, end, s.feature, s.threshold));
            match (split, mid) {
                (Some(s), Some(mid)) if mid > start && mid < end => {
                    self.nodes.push(Node::Split {
                        feature: s.feature,
                        threshold: s.threshold,
                        left: 0,
                        right: 0,
                    });
                    let depth = task.depth + 1;
                    stack.push(Pending {
                        start: mid,
                        end,
                        depth,
                        parent: Some((id, false)),
                    });
                    stack.push(Pending {
                        start,
                        end: mid,
                        depth,
                        parent: Some((id, true)),
                    });
                }
                _ => self.push_leaf(mean),
            }
        }
    }

    /// The weight of dataset row `r` (decided at compile time for unweighted trees).
    fn weight(&self, r: usize) -> f64 {
        match self.weights {
            Some(weights) if P::WEIGHTED => weights[r],
            _ => 1.0,
        }
    }

    /// Weighted class counts of the node into `node_counts` (classification) and its total
    /// weight into `node_weight`; returns the weighted mean label (regression) and whether
    /// the node is pure.
    fn node_stats(&mut self, start: usize, end: usize) -> (f64, bool) {
        let mut total = 0.0;
        if self.num_classes > 0 {
            self.node_counts.fill(0.0);
            for i in start..end {
                let r = self.samples[i];
                let w = self.weight(r);
                self.node_counts[self.labels[r] as usize] += w;
                total += w;
            }
            self.node_weight = total;
            // scikit-learn's test: Gini impurity 0 up to rounding. Without weights the counts
            // are whole numbers and this is exactly "one class holds every row".
            let squares: f64 = self.node_counts.iter().map(|c| c * c).sum();
            (0.0, 1.0 - squares / (total * total) <= f64::EPSILON)
        } else {
            let (mut sum, mut min, mut max) = (0.0, f32::INFINITY, f32::NEG_INFINITY);
            for i in start..end {
                let r = self.samples[i];
                let (y, w) = (self.labels[r], self.weight(r));
                sum += w * y as f64;
                total += w;
                min = min.min(y);
                max = max.max(y);
            }
            self.node_weight = total;
            (sum / total, max <= min)
        }
    }

    fn push_leaf(&mut self, mean: f64) {
        self.nodes.push(Node::Leaf {
            offset: self.leaf_values.len(),
        });
        if self.num_classes > 0 {
            let total = self.node_weight;
            self.leaf_values
                .extend(self.node_counts.iter().map(|&c| (c / total) as f32));
        } else {
            self.leaf_values.push(mean as f32);
        }
    }

    /// Draws candidate features until `max_features` were visited and at least one of them
    /// was not constant in the node (scikit-learn's rule); keeps the best split among them.
    fn best_split(&mut self, start: usize, end: usize, mean: f64) -> Option<Split> {
        let p = self.features.len();
        let (mut visited, mut non_constant) = (0, 0);
        let mut best: Option<Split> = None;
        while visited < p && (visited < self.max_features || non_constant == 0) {
            let j = self.rng.gen_range(visited..p);
            self.features.swap(visited, j);
            let feature = self.features[visited];
            visited += 1;
            let candidate = if self.params.random_splits {
                self.random_split(feature, start, end, mean)
            } else {
                self.exact_split(feature, start, end, mean)
            };
            match candidate {
                Candidate::Constant => {}
                Candidate::Invalid => non_constant += 1,
                Candidate::Valid(split) => {
                    non_constant += 1;
                    if best.is_none_or(|b| split.score > b.score) {
                        best = Some(split);
                    }
                }
            }
        }
        best
    }

    /// The best threshold of one feature: sort the node's values once, then sweep the
    /// boundaries keeping running class counts (or sums), O(1) per boundary.
    fn exact_split(&mut self, feature: usize, start: usize, end: usize, mean: f64) -> Candidate {
        let classification = self.num_classes > 0;
        self.fill_pairs(feature, start, end, mean);
        self.pairs
            .sort_unstable_by(|a, b| a.value().total_cmp(&b.value()));
        let pairs = &self.pairs;
        let n = pairs.len();
        let (Some(first), Some(last)) = (pairs.first(), pairs.last()) else {
            return Candidate::Constant;
        };
        if last.value() <= first.value() {
            return Candidate::Constant;
        }
        let min_leaf = self.params.min_samples_leaf;
        let mut best: Option<(f64, usize)> = None;
        let (left, right) = (&mut self.left_counts, &mut self.right_counts);
        let (mut sum_l, mut weight_l) = (0.0, 0.0);
        let mut sum_r = if classification {
            left.fill(0.0);
            right.copy_from_slice(&self.node_counts);
            right.iter().map(|c| c * c).sum()
        } else {
            pairs
                .iter()
                .map(|p| p.weight() * p.target() as f64)
                .sum::<f64>()
        };
        for i in 0..n - 1 {
            let (target, w) = (pairs[i].target() as f64, pairs[i].weight());
            if classification {
                // Running Σ count²: (c + w)² - c² = w(2c + w), and (c - w)² - c² = w(w - 2c).
                let c = target as usize;
                sum_l += w * (2.0 * left[c] + w);
                left[c] += w;
                sum_r -= w * (2.0 * right[c] - w);
                right[c] -= w;
            } else {
                sum_l += w * target;
                sum_r -= w * target;
            }
            weight_l += w;
            // The row limits count rows, weighted or not, as scikit-learn's do.
            let (n_l, n_r) = (i + 1, n - i - 1);
            if n_r < min_leaf {
                break;
            }
            if n_l < min_leaf || pairs[i + 1].value() <= pairs[i].value() {
                continue;
            }
            let weight_r = self.node_weight - weight_l;
            if weight_r <= 0.0 {
                // Only rounding of tiny weights gets here; such a side weighs nothing.
                continue;
            }
            let score = if classification && P::WEIGHTED {
                // With weights spanning many orders of magnitude the running sums lose the
                // precision a side of tiny weights needs, so this is scikit-learn's formula
                // as it writes it: near-ties (common in boosting) then break alike.
                let (sq_l, sq_r) = left
                    .iter()
                    .zip(&self.node_counts)
                    .fold((0.0, 0.0), |(l, r), (&cl, &c)| {
                        (l + cl * cl, r + (c - cl) * (c - cl))
                    });
                let gini_l = 1.0 - sq_l / (weight_l * weight_l);
                let gini_r = 1.0 - sq_r / (weight_r * weight_r);
                -weight_r * gini_r - weight_l * gini_l
            } else if classification {
                sum_l / weight_l + sum_r / weight_r
            } else {
                sum_l * sum_l / weight_l + sum_r * sum_r / weight_r
            };
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, i));
            }
        }
        match best {
            Some((score, i)) => Candidate::Valid(Split {
                feature,
                threshold: midpoint(pairs[i].value(), pairs[i + 1].value()),
                score,
            }),
            None => Candidate::Invalid,
        }
    }

    /// Extra trees: one threshold drawn uniformly between the node's smallest and largest
    /// value of the feature, scored in one pass without sorting.
    fn random_split(&mut self, feature: usize, start: usize, end: usize, mean: f64) -> Candidate {
        self.fill_pairs(feature, start, end, mean);
        let (mut min, mut max) = (f32::INFINITY, f32::NEG_INFINITY);
        for pair in &self.pairs {
            min = min.min(pair.value());
            max = max.max(pair.value());
        }
        if max <= min {
            return Candidate::Constant;
        }
        let u: f64 = self.rng.gen();
        let mut threshold = (min as f64 + u * (max as f64 - min as f64)) as f32;
        if !(threshold >= min && threshold < max) {
            // Rounding reached the maximum: scikit-learn falls back to the minimum likewise.
            threshold = min;
        }
        let classification = self.num_classes > 0;
        let (mut n_l, mut weight_l, mut sum_l, mut total) = (0, 0.0, 0.0, 0.0);
        self.left_counts.fill(0.0);
        for pair in &self.pairs {
            let (target, w) = (pair.target() as f64, pair.weight());
            total += w * target;
            if pair.value() <= threshold {
                n_l += 1;
                weight_l += w;
                if classification {
                    self.left_counts[target as usize] += w;
                } else {
                    sum_l += w * target;
                }
            }
        }
        let n_r = self.pairs.len() - n_l;
        let weight_r = self.node_weight - weight_l;
        if n_l < self.params.min_samples_leaf
            || n_r < self.params.min_samples_leaf
            || weight_l <= 0.0
            || weight_r <= 0.0
        {
            return Candidate::Invalid;
        }
        let score = if classification {
            let (sq_l, sq_r) = self
                .left_counts
                .iter()
                .zip(&self.node_counts)
                .fold((0.0, 0.0), |(l, r), (&cl, &c)| {
                    (l + cl * cl, r + (c - cl) * (c - cl))
                });
            sq_l / weight_l + sq_r / weight_r
        } else {
            let sum_r = total - sum_l;
            sum_l * sum_l / weight_l + sum_r * sum_r / weight_r
        };
        Candidate::Valid(Split {
            feature,
            threshold,
            score,
        })
    }

    /// Copies (feature value, target, weight) of the node's rows into `pairs`: the one pass of
    /// random access into the data per candidate feature; everything after reads contiguous
    /// memory. The target is the class index, or for regression half the label's distance from the
    /// node mean: centred so the sums of squares keep their precision, halved so it fits an
    /// `f32` even for labels at ±f32::MAX. Scaling every target alike scales every score alike,
    /// so the chosen split does not change.
    fn fill_pairs(&mut self, feature: usize, start: usize, end: usize, mean: f64) {
        let classification = self.num_classes > 0;
        self.pairs.clear();
        for i in start..end {
            let r = self.samples[i];
            let y = self.labels[r] as f64;
            let target = if classification { y } else { (y - mean) * 0.5 };
            let pair = P::new(self.data.row(r)[feature], target as f32, self.weight(r));
            self.pairs.push(pair);
        }
    }

    /// Moves the node's rows with `feature <= threshold` to the front; returns where the
    /// right child's rows begin.
    fn partition(&mut self, start: usize, end: usize, feature: usize, threshold: f32) -> usize {
        let rows = &mut self.samples[start..end];
        let mut mid = 0;
        for i in 0..rows.len() {
            if self.data.row(rows[i])[feature] <= threshold {
                rows.swap(i, mid);
                mid += 1;
            }
        }
        start + mid
    }
}

/// The threshold between two consecutive distinct values `a < b`: their midpoint, as
/// scikit-learn uses, or `a` when the midpoint rounds up to `b` (adjacent floats), so `a`
/// always goes left and `b` right. Computed in `f64` so `a + b` cannot overflow.
fn midpoint(a: f32, b: f32) -> f32 {
    let mid = ((a as f64 + b as f64) / 2.0) as f32;
    if mid >= a && mid < b {
        mid
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(rows: &[&[f32]], y: &[f32]) -> Dataset {
        let width = rows[0].len();
        Dataset::new(
            (0..width).map(|j| format!("f{j}")).collect(),
            rows.iter().flat_map(|r| r.iter().copied()).collect(),
            y.to_vec(),
        )
        .unwrap()
    }

    /// `n` rows of `width` uniform features in [0, 1); label from `label(row)`.
    fn random(n: usize, width: usize, seed: u64, label: impl Fn(&[f32]) -> f32) -> Dataset {
        let mut rng = StdRng::seed_from_u64(seed);
        let x: Vec<f32> = (0..n * width).map(|_| rng.gen()).collect();
        let y = x.chunks(width).map(label).collect();
        Dataset::new((0..width).map(|j| format!("f{j}")).collect(), x, y).unwrap()
    }

    fn accuracy(tree: &DecisionTree, data: &Dataset) -> f64 {
        let right = (0..data.num_rows())
            .filter(|&i| tree.predict(data.row(i)) == data.labels()[i])
            .count();
        right as f64 / data.num_rows() as f64
    }

    #[test]
    fn learns_xor_exactly() {
        let data = dataset(
            &[&[0.0, 0.0], &[0.0, 1.0], &[1.0, 0.0], &[1.0, 1.0]],
            &[0.0, 1.0, 1.0, 0.0],
        );
        for seed in 0..5 {
            let tree = DecisionTree::fit(&data, 2, &TreeParams::default(), seed).unwrap();
            assert_eq!(accuracy(&tree, &data), 1.0, "{tree:?}");
            // The first split gains nothing on XOR; scikit-learn makes it anyway.
            assert_eq!(tree.depth(), 2);
            assert_eq!(tree.predict_proba(&[0.9, 0.1]), Some(vec![0.0, 1.0]));
        }
    }

    #[test]
    fn thresholds_are_midpoints_like_scikit_learn() {
        // DecisionTreeClassifier().fit([[1], [2], [3], [4]], [0, 0, 1, 1]).tree_.threshold
        // is [2.5, -2, -2]: one split at the midpoint, two leaves.
        let data = dataset(&[&[1.0], &[2.0], &[3.0], &[4.0]], &[0.0, 0.0, 1.0, 1.0]);
        let tree = DecisionTree::fit(&data, 2, &TreeParams::default(), 0).unwrap();
        assert_eq!(tree.node_count(), 3);
        assert!(
            matches!(tree.nodes[0], Node::Split { feature: 0, threshold, .. } if threshold == 2.5)
        );
        assert_eq!(tree.predict(&[2.5]), 0.0);
        assert_eq!(tree.predict(&[2.500_001]), 1.0);
        // Adjacent floats: the midpoint rounds to one of them, and must keep `a` left.
        let a = 1.0f32;
        let b = f32::from_bits(a.to_bits() + 1);
        assert_eq!(midpoint(a, b), a);
        assert_eq!(midpoint(-f32::MAX, f32::MAX), 0.0);
    }

    #[test]
    fn regression_splits_on_squared_error_and_leaves_hold_means() {
        // y = x on 0..4 with one split: 1.5 leaves squared error 0.5 + 0.5, better than 0.5
        // or 2.5 (0 + 2), so the leaves predict 0.5 and 2.5 (as DecisionTreeRegressor does).
        let data = dataset(&[&[0.0], &[1.0], &[2.0], &[3.0]], &[0.0, 1.0, 2.0, 3.0]);
        let params = TreeParams {
            max_depth: Some(1),
            ..TreeParams::default()
        };
        let tree = DecisionTree::fit(&data, 0, &params, 0).unwrap();
        assert_eq!(tree.predict(&[1.0]), 0.5);
        assert_eq!(tree.predict(&[2.0]), 2.5);
        assert_eq!(tree.predict_proba(&[2.0]), None);

        // A step function with an offset far from 0 (centring keeps the precision).
        let rows: Vec<[f32; 1]> = (0..40).map(|i| [i as f32]).collect();
        let refs: Vec<&[f32]> = rows.iter().map(|r| r.as_slice()).collect();
        let y: Vec<f32> = (0..40)
            .map(|i| if i < 17 { 1e6 } else { 1e6 + 3.0 })
            .collect();
        let tree = DecisionTree::fit(&dataset(&refs, &y), 0, &TreeParams::default(), 0).unwrap();
        assert_eq!(tree.node_count(), 3, "{tree:?}");
        assert_eq!(tree.predict(&[16.4]), 1e6);
        assert_eq!(tree.predict(&[16.6]), 1e6 + 3.0);
    }

    #[test]
    fn separates_three_clusters_with_probabilities() {
        let data = random(300, 2, 1, |r| ((r[0] * 3.0).floor()).min(2.0));
        for random_splits in [false, true] {
            let params = TreeParams {
                random_splits,
                ..TreeParams::default()
            };
            let tree = DecisionTree::fit(&data, 3, &params, 3).unwrap();
            assert_eq!(accuracy(&tree, &data), 1.0);
            assert_eq!(tree.predict(&[0.1, 0.5]), 0.0);
            assert_eq!(tree.predict(&[0.5, 0.5]), 1.0);
            assert_eq!(tree.predict(&[0.9, 0.5]), 2.0);
            let proba = tree.predict_proba(&[0.9, 0.5]).unwrap();
            assert_eq!(proba, vec![0.0, 0.0, 1.0]);
        }
    }

    #[test]
    fn max_depth_is_respected() {
        let data = random(500, 4, 2, |r| {
            ((r[0] + r[1] * r[2] + r[3]) * 5.0).floor() % 3.0
        });
        let full = DecisionTree::fit(&data, 3, &TreeParams::default(), 0).unwrap();
        assert_eq!(accuracy(&full, &data), 1.0, "distinct rows are memorised");
        assert!(full.depth() > 3);
        for max_depth in [1, 3, 5] {
            for random_splits in [false, true] {
                let params = TreeParams {
                    max_depth: Some(max_depth),
                    random_splits,
                    ..TreeParams::default()
                };
                let tree = DecisionTree::fit(&data, 3, &params, 0).unwrap();
                assert_eq!(tree.depth(), max_depth);
                assert!(tree.node_count() < 2usize.pow(max_depth as u32 + 1));
            }
        }
    }

    #[test]
    fn min_samples_leaf_and_split_are_respected() {
        let data = random(400, 3, 4, |r| r[0] * 10.0 + r[1] - r[2]);
        for min_samples_leaf in [1, 7, 50] {
            for random_splits in [false, true] {
                let params = TreeParams {
                    min_samples_leaf,
                    random_splits,
                    ..TreeParams::default()
                };
                let tree = DecisionTree::fit(&data, 0, &params, 5).unwrap();
                let mut per_leaf = vec![0; tree.node_count()];
                for i in 0..data.num_rows() {
                    per_leaf[tree.leaf_index(data.row(i)).unwrap()] += 1;
                }
                let leaves: Vec<usize> = per_leaf.into_iter().filter(|&c| c > 0).collect();
                assert!(leaves.len() > 1);
                assert!(leaves.iter().all(|&c| c >= min_samples_leaf), "{leaves:?}");
            }
        }
        let params = TreeParams {
            min_samples_split: 401,
            ..TreeParams::default()
        };
        let stump = DecisionTree::fit(&data, 0, &params, 0).unwrap();
        assert_eq!(stump.node_count(), 1);
        let mean = data.labels().iter().map(|&v| v as f64).sum::<f64>() / 400.0;
        assert!((stump.predict(&[0.0; 3]) as f64 - mean).abs() < 1e-5);
    }

    #[test]
    fn degenerate_data_does_not_panic() {
        let all = [
            TreeParams::default(),
            TreeParams {
                random_splits: true,
                max_features: MaxFeatures::Sqrt,
                ..TreeParams::default()
            },
        ];
        for params in &all {
            // One row.
            let one = dataset(&[&[1.0, 2.0]], &[1.0]);
            let tree = DecisionTree::fit(&one, 2, params, 0).unwrap();
            assert_eq!(tree.predict(&[5.0, 5.0]), 1.0);
            assert_eq!(
                DecisionTree::fit(&one, 0, params, 0)
                    .unwrap()
                    .predict(&[0.0, 0.0]),
                1.0
            );
            // Identical rows with different labels: nothing to split on.
            let same = dataset(&[&[3.0f32, 3.0] as &[f32]; 4], &[0.0, 1.0, 1.0, 0.0]);
            let tree = DecisionTree::fit(&same, 2, params, 0).unwrap();
            assert_eq!(tree.node_count(), 1);
            assert_eq!(tree.predict_proba(&[3.0, 3.0]), Some(vec![0.5, 0.5]));
            assert_eq!(tree.predict(&[3.0, 3.0]), 0.0, "ties go to the first class");
            // A constant feature beside a useful one, sampled one at a time.
            let constant = dataset(
                &[&[7.0, 0.0], &[7.0, 1.0], &[7.0, 2.0], &[7.0, 3.0]],
                &[0.0, 0.0, 1.0, 1.0],
            );
            let one_feature = TreeParams {
                max_features: MaxFeatures::Count(1),
                ..*params
            };
            let tree = DecisionTree::fit(&constant, 2, &one_feature, 0).unwrap();
            assert_eq!(accuracy(&tree, &constant), 1.0);
            // One class only.
            let single = dataset(&[&[0.0], &[1.0], &[2.0]], &[0.0, 0.0, 0.0]);
            let tree = DecisionTree::fit(&single, 1, params, 0).unwrap();
            assert_eq!(tree.predict_proba(&[9.0]), Some(vec![1.0]));
            // More features than rows, extreme values, and short or NaN rows at prediction.
            let wide = dataset(
                &[
                    &[-f32::MAX, 0.0, 1.0, 2.0, 3.0],
                    &[f32::MAX, 0.0, 1.0, 2.0, 3.0],
                ],
                &[-3e38, 3e38],
            );
            let tree = DecisionTree::fit(&wide, 0, params, 0).unwrap();
            assert_eq!(tree.predict(&[f32::MAX, 0.0, 0.0, 0.0, 0.0]), 3e38);
            assert_eq!(tree.predict(&[-1.0, 0.0, 0.0, 0.0, 0.0]), -3e38);
            tree.predict(&[]);
            tree.predict(&[f32::NAN; 5]);
            // Labels at both ends of f32: -3e38 is 4e38 from the mean, beyond f32::MAX.
            let extreme = dataset(
                &[&[0.0], &[1.0], &[2.0], &[3.0], &[4.0], &[5.0]],
                &[-3e38, -3e38, 3e38, 3e38, 3e38, 3e38],
            );
            let stump = TreeParams {
                max_depth: Some(1),
                ..*params
            };
            if !params.random_splits {
                let tree = DecisionTree::fit(&extreme, 0, &stump, 0).unwrap();
                assert_eq!(tree.predict(&[1.0]), -3e38);
                assert_eq!(tree.predict(&[2.0]), 3e38);
            }
        }
    }

    #[test]
    fn bad_parameters_and_labels_are_errors() {
        let data = dataset(&[&[0.0], &[1.0]], &[0.0, 1.0]);
        let fit = |params: TreeParams| DecisionTree::fit(&data, 2, &params, 0);
        let base = TreeParams::default();
        assert!(fit(TreeParams {
            max_depth: Some(0),
            ..base
        })
        .is_err());
        assert!(fit(TreeParams {
            min_samples_split: 1,
            ..base
        })
        .is_err());
        assert!(fit(TreeParams {
            min_samples_leaf: 0,
            ..base
        })
        .is_err());
        assert!(fit(TreeParams {
            max_features: MaxFeatures::Count(2),
            ..base
        })
        .is_err());
        assert!(
            DecisionTree::fit(&data, 1, &base, 0).is_err(),
            "label 1 of 1 class"
        );
        let half = dataset(&[&[0.0]], &[0.5]);
        assert!(DecisionTree::fit(&half, 2, &base, 0).is_err());
        assert!(DecisionTree::fit_rows(&data, &[], 2, &base, 0).is_err());
        assert!(DecisionTree::fit_rows(&data, &[2], 2, &base, 0).is_err());
        let empty = Dataset::new(vec!["a".into()], vec![], vec![]).unwrap();
        assert!(DecisionTree::fit(&empty, 0, &base, 0).is_err());
    }

    #[test]
    fn max_features_resolves_like_scikit_learn() {
        assert_eq!(MaxFeatures::All.resolve(10).unwrap(), 10);
        assert_eq!(MaxFeatures::Sqrt.resolve(10).unwrap(), 3);
        assert_eq!(MaxFeatures::Log2.resolve(10).unwrap(), 3);
        assert_eq!(MaxFeatures::Log2.resolve(1).unwrap(), 1);
        assert_eq!(MaxFeatures::Fraction(0.25).resolve(10).unwrap(), 2);
        assert_eq!(MaxFeatures::Fraction(0.01).resolve(10).unwrap(), 1);
        assert_eq!(MaxFeatures::Fraction(1.0).resolve(10).unwrap(), 10);
        assert_eq!(MaxFeatures::Count(4).resolve(10).unwrap(), 4);
        for bad in [
            MaxFeatures::Fraction(0.0),
            MaxFeatures::Fraction(1.5),
            MaxFeatures::Fraction(f64::NAN),
            MaxFeatures::Count(0),
            MaxFeatures::Count(11),
        ] {
            assert!(bad.resolve(10).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn fit_rows_equals_fitting_the_subset() {
        let data = random(200, 5, 6, |r| (r[0] > r[1]) as u8 as f32);
        let rows: Vec<usize> = (0..200).map(|i| (i * 7 + 3) % 150).collect();
        let params = TreeParams {
            max_features: MaxFeatures::Sqrt,
            ..TreeParams::default()
        };
        let a = DecisionTree::fit_rows(&data, &rows, 2, &params, 9).unwrap();
        let b = DecisionTree::fit(&data.subset(&rows), 2, &params, 9).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn same_seed_same_tree_and_serde_round_trip() {
        let data = random(300, 6, 7, |r| (r[0] + r[3] > 1.0) as u8 as f32);
        let params = TreeParams {
            max_features: MaxFeatures::Sqrt,
            ..TreeParams::default()
        };
        let a = DecisionTree::fit(&data, 2, &params, 11).unwrap();
        assert_eq!(a, DecisionTree::fit(&data, 2, &params, 11).unwrap());
        let bytes = serde_json::to_vec(&a).unwrap();
        let back: DecisionTree = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, a);
        let regression =
            DecisionTree::fit(&random(100, 2, 8, |r| r[0] / 3.0), 0, &params, 1).unwrap();
        let back: DecisionTree =
            serde_json::from_slice(&serde_json::to_vec(&regression).unwrap()).unwrap();
        assert_eq!(back, regression);
    }

    #[test]
    fn deep_trees_build_and_drop_without_recursion() {
        // Labels alternate along one feature: every split peels off few rows, so the tree is
        // as deep as it gets.
        let n = 4_000;
        let x: Vec<f32> = (0..n).map(|i| i as f32).collect();
        let y: Vec<f32> = (0..n).map(|i| ((i * i) % 7 % 2) as f32).collect();
        let data = Dataset::new(vec!["a".into()], x, y).unwrap();
        let tree = DecisionTree::fit(&data, 2, &TreeParams::default(), 0).unwrap();
        assert_eq!(accuracy(&tree, &data), 1.0);
        assert!(tree.depth() > 500, "{}", tree.depth());
        let bytes = serde_json::to_vec(&tree).unwrap();
        let back: DecisionTree = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back.node_count(), tree.node_count());
    }

    #[test]
    fn unit_weights_grow_the_unweighted_tree() {
        for (classes, label) in [(0usize, 0), (2, 1), (3, 2)] {
            let data = random(300, 4, 12 + label, |r| match label {
                0 => r[0] * 10.0 + r[1] * r[2] - r[3],
                1 => (r[0] + r[3] > 1.0) as u8 as f32,
                _ => ((r[0] * 2.0 + r[1] * r[2] * 3.0).floor()).min(2.0),
            });
            let rows: Vec<usize> = (0..300).map(|i| (i * 7 + 1) % 280).collect();
            for random_splits in [false, true] {
                let params = TreeParams {
                    random_splits,
                    max_features: MaxFeatures::Sqrt,
                    min_samples_leaf: 2,
                    ..TreeParams::default()
                };
                let plain = DecisionTree::fit_rows(&data, &rows, classes, &params, 4).unwrap();
                let weighted =
                    DecisionTree::fit_weighted(&data, &rows, &[1.0; 300], classes, &params, 4)
                        .unwrap();
                assert_eq!(weighted, plain, "{classes} classes, random {random_splits}");
            }
        }
    }

    #[test]
    fn whole_number_weights_count_like_repeated_rows() {
        let data = random(60, 3, 13, |r| ((r[0] + r[1] * 2.0) * 1.5).floor().min(2.0));
        let weights: Vec<f64> = (0..60).map(|i| (i % 4) as f64).collect();
        let repeated: Vec<usize> = (0..60).flat_map(|i| vec![i; i % 4]).collect();
        let all: Vec<usize> = (0..60).collect();
        for classes in [0, 3] {
            let params = TreeParams::default();
            let a = DecisionTree::fit_weighted(&data, &all, &weights, classes, &params, 2).unwrap();
            let b = DecisionTree::fit_rows(&data, &repeated, classes, &params, 2).unwrap();
            for i in 0..60 {
                let row = data.row(i);
                assert_eq!(a.predict(row), b.predict(row), "{classes} classes, row {i}");
                assert_eq!(a.predict_proba(row), b.predict_proba(row));
            }
        }
    }

    #[test]
    fn weighted_trees_match_scikit_learn() {
        // X = the sklearn_reference table; w = [0.1, 0.4, 0.2, 0.05, 0.15, 0.1]
        // DecisionTreeClassifier(max_depth=1).fit(X, [0, 1, 0, 1, 1, 0], sample_weight=w):
        //   split feature 2 at 1.5, leaves [0.142857, 0.857143] and [1, 0]; with max_depth=2
        //   (ties between features, but not between predictions) predict(X) = [0,1,0,1,1,0].
        // DecisionTreeRegressor(max_depth=1).fit(X, [1, 4, -2, 3, 0.5, 2], sample_weight=w):
        //   split feature 2 at 0.25, leaves 3.888889 and -0.045455; with max_depth=2
        //   predict(X) = [1.5, 4, -0.928571, 3, -0.928571, 1.5].
        let w = [0.1, 0.4, 0.2, 0.05, 0.15, 0.1];
        let rows: Vec<usize> = (0..6).collect();
        let stump = TreeParams {
            max_depth: Some(1),
            ..TreeParams::default()
        };
        let depth_two = TreeParams {
            max_depth: Some(2),
            ..TreeParams::default()
        };
        let data = crate::dataset::fixtures::sklearn_reference(&[0.0, 1.0, 0.0, 1.0, 1.0, 0.0]);
        let tree = DecisionTree::fit_weighted(&data, &rows, &w, 2, &stump, 0).unwrap();
        assert!(
            matches!(tree.nodes[0], Node::Split { feature: 2, threshold, .. } if threshold == 1.5)
        );
        let left = tree.predict_proba(&[0.0, 0.0, 1.0]).unwrap();
        assert!((left[0] - 0.142_857_14).abs() < 1e-6 && (left[1] - 0.857_142_9).abs() < 1e-6);
        assert_eq!(tree.predict_proba(&[0.0, 0.0, 2.0]), Some(vec![1.0, 0.0]));
        let tree = DecisionTree::fit_weighted(&data, &rows, &w, 2, &depth_two, 0).unwrap();
        let predicted: Vec<f32> = (0..6).map(|i| tree.predict(data.row(i))).collect();
        assert_eq!(predicted, data.labels());

        let y = [1.0, 4.0, -2.0, 3.0, 0.5, 2.0];
        let data = crate::dataset::fixtures::sklearn_reference(&y);
        let tree = DecisionTree::fit_weighted(&data, &rows, &w, 0, &stump, 0).unwrap();
        assert!(
            matches!(tree.nodes[0], Node::Split { feature: 2, threshold, .. } if threshold == 0.25)
        );
        assert!((tree.predict(&[0.0, 0.0, 0.0]) - 3.888_889).abs() < 1e-5);
        assert!((tree.predict(&[0.0, 0.0, 1.0]) + 0.045_454_5).abs() < 1e-5);
        let tree = DecisionTree::fit_weighted(&data, &rows, &w, 0, &depth_two, 0).unwrap();
        for (i, expected) in [1.5, 4.0, -0.928_571_4, 3.0, -0.928_571_4, 1.5]
            .into_iter()
            .enumerate()
        {
            assert!(
                (tree.predict(data.row(i)) - expected).abs() < 1e-5,
                "row {i}"
            );
        }
    }

    #[test]
    fn zero_weight_rows_are_left_out_and_bad_weights_are_errors() {
        // Row 1 (weight 0) would make the root impure; without it there is nothing to split.
        let data = dataset(&[&[0.0], &[1.0], &[2.0]], &[0.0, 1.0, 0.0]);
        let rows = [0, 1, 2];
        let base = TreeParams::default();
        let tree = DecisionTree::fit_weighted(&data, &rows, &[1.0, 0.0, 2.0], 2, &base, 0).unwrap();
        assert_eq!(tree.node_count(), 1);
        assert_eq!(tree.predict(&[1.0]), 0.0);
        let fit = |weights: &[f64]| DecisionTree::fit_weighted(&data, &rows, weights, 2, &base, 0);
        assert!(fit(&[1.0, 1.0]).is_err(), "one weight per row");
        assert!(fit(&[1.0, -1.0, 1.0]).is_err());
        assert!(fit(&[1.0, f64::NAN, 1.0]).is_err());
        assert!(fit(&[1.0, f64::INFINITY, 1.0]).is_err());
        assert!(fit(&[0.0, 0.0, 0.0]).is_err());
        assert!(DecisionTree::fit_weighted(&data, &[], &[1.0; 3], 2, &base, 0).is_err());
        assert!(DecisionTree::fit_weighted(&data, &[3], &[1.0; 3], 2, &base, 0).is_err());
    }
}
