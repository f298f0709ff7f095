//! k-nearest neighbours, by brute force over the stored training rows, as scikit-learn's
//! `KNeighborsClassifier` / `KNeighborsRegressor` (Minkowski distance, uniform or
//! inverse-distance weights).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::linear::argmax;
use super::tree::check_labels;
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// How the neighbours' votes count: scikit-learn's `weights`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Weights {
    /// Every neighbour counts the same (`"uniform"`).
    Uniform,
    /// A neighbour counts `1 / distance`; exact matches take all the weight (`"distance"`).
    Distance,
}

/// Settings of [`Knn::fit`], named as scikit-learn names them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KnnParams {
    /// Neighbours consulted per prediction.
    pub n_neighbors: usize,
    /// How their votes count.
    pub weights: Weights,
    /// Power of the Minkowski distance: 1 is Manhattan, 2 Euclidean.
    pub p: f64,
}

impl Default for KnnParams {
    /// scikit-learn's defaults: 5 neighbours, uniform weights, Euclidean distance.
    fn default() -> Self {
        KnnParams {
            n_neighbors: 5,
            weights: Weights::Uniform,
            p: 2.0,
        }
    }
}

/// A fitted k-nearest-neighbours model: the training rows themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knn {
    /// Training features, row-major.
    x: Vec<f32>,
    y: Vec<f32>,
    num_features: usize,
    num_classes: usize,
    params: KnnParams,
}

impl Knn {
    /// Stores the training rows. `num_classes == 0` is regression; otherwise labels must be
    /// class indices `0..num_classes`.
    pub fn fit(data: &Dataset, num_classes: usize, params: &KnnParams) -> Result<Self> {
        let n = data.num_rows();
        if params.n_neighbors == 0 {
            return Err(Error::invalid(
                "n_neighbors must be at least 1",
                "5 is the default",
            ));
        }
        if params.n_neighbors > n {
            return Err(Error::invalid(
                format!(
                    "n_neighbors {} is more than the {n} training rows",
                    params.n_neighbors
                ),
                "lower n_neighbors or train on more rows",
            ));
        }
        if !(params.p.is_finite() && params.p > 0.0) {
            return Err(Error::invalid(
                format!("p must be a positive number, got {}", params.p),
                "use 1 for Manhattan or 2 for Euclidean distance",
            ));
        }
        check_labels(data.labels().iter().copied(), num_classes)?;
        let x = (0..n).flat_map(|i| data.row(i).iter().copied()).collect();
        Ok(Knn {
            x,
            y: data.labels().to_vec(),
            num_features: data.num_features(),
            num_classes,
            params: *params,
        })
    }

    /// The (weighted) majority class of the neighbours, smallest index on ties, or their
    /// (weighted) mean label for regression.
    pub fn predict(&self, features: &[f32]) -> f32 {
        if let Some(proba) = self.predict_proba(features) {
            return argmax(&proba) as f32;
        }
        let neighbours = self.neighbours(features);
        let weights = self.weights(&neighbours);
        let total: f64 = weights.iter().sum();
        let sum: f64 = neighbours
            .iter()
            .zip(&weights)
            .map(|(&(_, i), w)| w * self.label(i) as f64)
            .sum();
        (sum / total) as f32
    }

    /// The neighbours' (weighted) share of each class; `None` for regression.
    pub fn predict_proba(&self, features: &[f32]) -> Option<Vec<f32>> {
        if self.num_classes == 0 {
            return None;
        }
        let neighbours = self.neighbours(features);
        let weights = self.weights(&neighbours);
        let mut votes = vec![0.0f64; self.num_classes];
        for (&(_, i), w) in neighbours.iter().zip(&weights) {
            if let Some(v) = votes.get_mut(self.label(i) as usize) {
                *v += w;
            }
        }
        let total: f64 = votes.iter().sum();
        Some(votes.into_iter().map(|v| (v / total) as f32).collect())
    }

    /// Number of classes (0 for regression).
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    fn num_rows(&self) -> usize {
        self.y.len()
    }

    fn label(&self, i: usize) -> f32 {
        self.y.get(i).copied().unwrap_or(0.0)
    }

    /// The `n_neighbors` nearest rows as (Minkowski sum `Σ|d|^p`, row index), nearest first;
    /// equal distances go to the lower row index, so results never depend on the sort.
    fn neighbours(&self, features: &[f32]) -> Vec<(f64, usize)> {
        let width = self.num_features.max(1);
        let p = self.params.p;
        let mut all: Vec<(f64, usize)> = self
            .x
            .chunks_exact(width)
            .enumerate()
            .map(|(i, row)| {
                // A short row compares only the features it has: callers check widths.
                let diffs = row
                    .iter()
                    .zip(features)
                    .map(|(&a, &b)| (a as f64 - b as f64).abs());
                let sum: f64 = if p == 2.0 {
                    diffs.map(|d| d * d).sum()
                } else if p == 1.0 {
                    diffs.sum()
                } else {
                    diffs.map(|d| d.powf(p)).sum()
                };
                // NaN (a NaN feature at prediction time) sorts as farthest.
                (if sum.is_nan() { f64::INFINITY } else { sum }, i)
            })
            .collect();
        let k = self.params.n_neighbors.clamp(1, self.num_rows().max(1));
        let order = |a: &(f64, usize), b: &(f64, usize)| -> Ordering {
            a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
        };
        if k < all.len() {
            all.select_nth_unstable_by(k - 1, order);
            all.truncate(k);
        }
        all.sort_unstable_by(order);
        all
    }

    /// One weight per neighbour. With `Distance`, `1 / distance`; when that is infinite for
    /// some neighbours (distance 0, or so small its inverse overflows) they share the weight
    /// equally and the others get none, as scikit-learn does. The weights are scaled so the
    /// largest is 1 (their sum cannot overflow), and fall back to uniform when every distance
    /// overflowed (inverse 0), so a vote is never 0 / 0.
    fn weights(&self, neighbours: &[(f64, usize)]) -> Vec<f64> {
        let uniform = vec![1.0; neighbours.len()];
        if self.params.weights == Weights::Uniform {
            return uniform;
        }
        let inverse: Vec<f64> = neighbours
            .iter()
            .map(|&(sum, _)| 1.0 / sum.powf(1.0 / self.params.p))
            .collect();
        if inverse.iter().any(|w| w.is_infinite()) {
            return inverse
                .iter()
                .map(|w| if w.is_infinite() { 1.0 } else { 0.0 })
                .collect();
        }
        let max = inverse.iter().copied().fold(0.0, f64::max);
        if max > 0.0 {
            inverse.into_iter().map(|w| w / max).collect()
        } else {
            uniform
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(x: &[f32], width: usize, y: &[f32]) -> Dataset {
        Dataset::new(
            (0..width).map(|j| format!("f{j}")).collect(),
            x.to_vec(),
            y.to_vec(),
        )
        .unwrap()
    }

    fn params(n_neighbors: usize, weights: Weights, p: f64) -> KnnParams {
        KnnParams {
            n_neighbors,
            weights,
            p,
        }
    }

    #[test]
    fn matches_scikit_learns_documented_examples() {
        // KNeighborsClassifier(n_neighbors=3).fit([[0], [1], [2], [3]], [0, 0, 1, 1]):
        // predict([[1.1]]) is [0], predict_proba([[0.9]]) is [[0.666..., 0.333...]].
        let data = dataset(&[0.0, 1.0, 2.0, 3.0], 1, &[0.0, 0.0, 1.0, 1.0]);
        let model = Knn::fit(&data, 2, &params(3, Weights::Uniform, 2.0)).unwrap();
        assert_eq!(model.predict(&[1.1]), 0.0);
        let proba = model.predict_proba(&[0.9]).unwrap();
        assert!((proba[0] - 2.0 / 3.0).abs() < 1e-6 && (proba[1] - 1.0 / 3.0).abs() < 1e-6);
        // KNeighborsRegressor(n_neighbors=2) on the same data: predict([[1.5]]) is [0.5].
        let model = Knn::fit(&data, 0, &params(2, Weights::Uniform, 2.0)).unwrap();
        assert_eq!(model.predict(&[1.5]), 0.5);
        assert_eq!(model.predict_proba(&[1.5]), None);
    }

    #[test]
    fn separates_clusters() {
        let x = [
            0.0, 0.0, 0.1, 0.2, 0.2, 0.1, 5.0, 5.0, 5.1, 4.9, 4.8, 5.2, 0.0, 9.0, 0.3, 9.1,
        ];
        let y = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 2.0];
        let data = dataset(&x, 2, &y);
        for weights in [Weights::Uniform, Weights::Distance] {
            let model = Knn::fit(&data, 3, &params(2, weights, 2.0)).unwrap();
            assert_eq!(model.predict(&[0.1, 0.1]), 0.0);
            assert_eq!(model.predict(&[4.0, 4.0]), 1.0);
            assert_eq!(model.predict(&[0.0, 8.0]), 2.0);
            assert_eq!(model.predict_proba(&[4.0, 4.0]), Some(vec![0.0, 1.0, 0.0]));
        }
    }

    #[test]
    fn distance_weights_and_exact_matches() {
        // y = 2x at x = 0..10. At 3.4 the two neighbours are 3 (distance 0.4) and 4 (0.6):
        // uniform gives (6 + 8) / 2 = 7; distance gives (6/0.4 + 8/0.6) / (1/0.4 + 1/0.6) = 6.8.
        let x: Vec<f32> = (0..10).map(|i| i as f32).collect();
        let y: Vec<f32> = x.iter().map(|v| 2.0 * v).collect();
        let data = dataset(&x, 1, &y);
        let uniform = Knn::fit(&data, 0, &params(2, Weights::Uniform, 2.0)).unwrap();
        assert!((uniform.predict(&[3.4]) - 7.0).abs() < 1e-5);
        let distance = Knn::fit(&data, 0, &params(2, Weights::Distance, 2.0)).unwrap();
        assert!((distance.predict(&[3.4]) - 6.8).abs() < 1e-5);
        // An exact match takes all the weight.
        assert_eq!(distance.predict(&[3.0]), 6.0);
        let labels = [0.0, 1.0, 1.0, 1.0];
        let classes = dataset(&[0.0, 0.5, 0.6, 0.7], 1, &labels);
        let model = Knn::fit(&classes, 2, &params(4, Weights::Distance, 1.0)).unwrap();
        assert_eq!(model.predict_proba(&[0.0]), Some(vec![1.0, 0.0]));
    }

    #[test]
    fn minkowski_power_changes_the_neighbour() {
        // From the origin, (1, 1) is 2 away in Manhattan and 1.41 in Euclidean distance;
        // (1.8, 0) is 1.8 away in both.
        let data = dataset(&[1.0, 1.0, 1.8, 0.0], 2, &[0.0, 1.0]);
        let manhattan = Knn::fit(&data, 2, &params(1, Weights::Uniform, 1.0)).unwrap();
        let euclidean = Knn::fit(&data, 2, &params(1, Weights::Uniform, 2.0)).unwrap();
        let cubic = Knn::fit(&data, 2, &params(1, Weights::Distance, 3.0)).unwrap();
        assert_eq!(manhattan.predict(&[0.0, 0.0]), 1.0);
        assert_eq!(euclidean.predict(&[0.0, 0.0]), 0.0);
        assert_eq!(cubic.predict(&[0.0, 0.0]), 0.0);
    }

    #[test]
    fn ties_go_to_the_lower_row_index() {
        // Both rows are 1 away from 0; the first one (label 1) is the neighbour.
        let data = dataset(&[1.0, -1.0, 5.0, 6.0], 1, &[1.0, 0.0, 0.0, 0.0]);
        let model = Knn::fit(&data, 2, &params(1, Weights::Uniform, 2.0)).unwrap();
        assert_eq!(model.predict(&[0.0]), 1.0);
        // A 1-1 vote goes to the smaller class.
        let model = Knn::fit(&data, 2, &params(2, Weights::Uniform, 2.0)).unwrap();
        assert_eq!(model.predict(&[0.0]), 0.0);
        assert_eq!(model.predict_proba(&[0.0]), Some(vec![0.5, 0.5]));
    }

    #[test]
    fn bad_parameters_are_errors() {
        let data = dataset(&[0.0, 1.0], 1, &[0.0, 1.0]);
        assert!(Knn::fit(&data, 2, &params(3, Weights::Uniform, 2.0)).is_err());
        assert!(Knn::fit(&data, 2, &params(0, Weights::Uniform, 2.0)).is_err());
        assert!(Knn::fit(&data, 2, &params(1, Weights::Uniform, 0.0)).is_err());
        assert!(Knn::fit(&data, 2, &params(1, Weights::Uniform, f64::NAN)).is_err());
        assert!(Knn::fit(&data, 1, &params(1, Weights::Uniform, 2.0)).is_err());
        let empty = Dataset::new(vec!["a".into()], vec![], vec![]).unwrap();
        assert!(Knn::fit(&empty, 0, &KnnParams::default()).is_err());
    }

    #[test]
    fn degenerate_data_does_not_panic() {
        for weights in [Weights::Uniform, Weights::Distance] {
            let one = dataset(&[1.0, 2.0], 2, &[1.0]);
            let model = Knn::fit(&one, 2, &params(1, weights, 2.0)).unwrap();
            assert_eq!(model.predict(&[1.0, 2.0]), 1.0);
            assert_eq!(model.predict(&[]), 1.0);
            assert_eq!(model.predict(&[f32::NAN, 0.0]), 1.0);
            // Identical rows: all exact matches share the weight.
            let same = dataset(&[3.0; 4], 1, &[0.0, 1.0, 1.0, 1.0]);
            let model = Knn::fit(&same, 2, &params(4, weights, 2.0)).unwrap();
            assert_eq!(model.predict_proba(&[3.0]), Some(vec![0.25, 0.75]));
            let model = Knn::fit(&same, 0, &params(4, weights, 2.0)).unwrap();
            assert_eq!(model.predict(&[3.0]), 0.75);
            // One class; distances that overflow or underflow.
            let far = dataset(&[-f32::MAX, f32::MAX, 1e-38], 1, &[0.0, 0.0, 0.0]);
            let model = Knn::fit(&far, 1, &params(3, weights, 7.0)).unwrap();
            assert_eq!(model.predict_proba(&[0.0]), Some(vec![1.0]));
            let model = Knn::fit(&far, 0, &params(2, weights, 7.0)).unwrap();
            assert!(model.predict(&[f32::MAX]).is_finite());
            assert_eq!(model.predict(&[1.1e-38]), 0.0);
        }
    }

    #[test]
    fn serde_round_trip() {
        let data = dataset(&[0.0, 1.5, 2.25, 3.125], 1, &[0.1, 0.2, 0.3, 0.4]);
        let model = Knn::fit(&data, 0, &params(2, Weights::Distance, 1.5)).unwrap();
        let back: Knn = serde_json::from_slice(&serde_json::to_vec(&model).unwrap()).unwrap();
        assert_eq!(back, model);
        assert_eq!(back.predict(&[1.0]), model.predict(&[1.0]));
    }
}
