//! Gaussian naive Bayes, as scikit-learn's `GaussianNB`: per class, a prior and an
//! independent normal distribution per feature; prediction by Bayes' rule in log space.

use serde::{Deserialize, Serialize};

use super::tree::check_labels;
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// Settings of [`GaussianNb::fit`], named as scikit-learn names them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GaussianNbParams {
    /// Share of the largest feature variance added to every variance, for stability.
    pub var_smoothing: f64,
}

impl Default for GaussianNbParams {
    /// scikit-learn's default, `1e-9`.
    fn default() -> Self {
        GaussianNbParams {
            var_smoothing: 1e-9,
        }
    }
}

/// Smallest variance used. Only reached when every feature is constant and `var_smoothing`
/// is 0 (scikit-learn divides by zero there); it keeps `(x - mean)² / variance` finite for any
/// `f32` inputs (at most (6.9e38)² / 1e-200 < f64::MAX), so probabilities never become NaN.
const MIN_VARIANCE: f64 = 1e-200;

/// A fitted Gaussian naive Bayes classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaussianNb {
    /// Share of the training rows in each class; 0 for a class without rows, which then
    /// never wins. Stored as shares, not logarithms, so no infinity reaches the JSON.
    priors: Vec<f64>,
    /// Per class then per feature (`num_classes × num_features`, row-major).
    means: Vec<f64>,
    /// Per class then per feature, with the smoothing `epsilon` added.
    variances: Vec<f64>,
    num_features: usize,
    /// `var_smoothing` times the largest variance of a feature over all rows.
    epsilon: f64,
}

impl GaussianNb {
    /// Fits priors, means and variances. Labels must be class indices `0..num_classes`;
    /// `num_classes == 0` (regression) is an error.
    pub fn fit(data: &Dataset, num_classes: usize, params: &GaussianNbParams) -> Result<Self> {
        if num_classes == 0 {
            return Err(Error::invalid(
                "naive_bayes is for classification",
                "use task => 'classification', or another algorithm for regression",
            ));
        }
        let v = params.var_smoothing;
        if !(v.is_finite() && v >= 0.0) {
            return Err(Error::invalid(
                format!("var_smoothing must be a number >= 0, got {v}"),
                "1e-9 is the default",
            ));
        }
        let n = data.num_rows();
        if n == 0 {
            return Err(Error::data(
                "naive_bayes needs at least one training row",
                "train on a relation with rows",
            ));
        }
        check_labels(data.labels().iter().copied(), num_classes)?;
        let p = data.num_features();
        let class = |i: usize| data.labels()[i] as usize;

        let mut counts = vec![0usize; num_classes];
        let mut means = vec![0.0f64; num_classes * p];
        for i in 0..n {
            let c = class(i);
            counts[c] += 1;
            for (m, &x) in means[c * p..(c + 1) * p].iter_mut().zip(data.row(i)) {
                *m += x as f64;
            }
        }
        for (c, &count) in counts.iter().enumerate() {
            let count = count.max(1) as f64;
            means[c * p..(c + 1) * p]
                .iter_mut()
                .for_each(|m| *m /= count);
        }
        // Two passes (means, then squared deviations) keep the variances accurate when a
        // feature's mean is large compared with its spread.
        let mut variances = vec![0.0f64; num_classes * p];
        for i in 0..n {
            let c = class(i);
            let range = c * p..(c + 1) * p;
            for ((s, m), &x) in variances[range.clone()]
                .iter_mut()
                .zip(&means[range])
                .zip(data.row(i))
            {
                *s += (x as f64 - m).powi(2);
            }
        }
        let epsilon = (v * max_feature_variance(data)).min(f64::MAX);
        for (c, &count) in counts.iter().enumerate() {
            let count = count.max(1) as f64;
            for s in &mut variances[c * p..(c + 1) * p] {
                *s = (*s / count + epsilon).max(MIN_VARIANCE);
            }
        }
        let priors = counts.iter().map(|&c| c as f64 / n as f64).collect();
        Ok(GaussianNb {
            priors,
            means,
            variances,
            num_features: p,
            epsilon,
        })
    }

    /// The class with the largest posterior (the first on ties).
    pub fn predict(&self, features: &[f32]) -> f32 {
        let jll = self.joint_log_likelihood(features);
        match first_max(&jll) {
            Some(best) if jll[best].is_finite() => best as f32,
            // Unreachable for a fitted model (some class has rows, every term is finite); a
            // corrupt stored one falls back to the priors, as predict_proba does.
            _ => first_max(&self.priors).unwrap_or(0) as f32,
        }
    }

    /// Posterior class probabilities (always `Some`: the model only classifies).
    pub fn predict_proba(&self, features: &[f32]) -> Option<Vec<f32>> {
        let jll = self.joint_log_likelihood(features);
        let max = jll.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !max.is_finite() {
            // Unreachable for a fitted model; a corrupt stored one falls back to the priors.
            return Some(self.priors.iter().map(|&p| p as f32).collect());
        }
        // log-sum-exp: shifting by the maximum keeps exp() from underflowing to 0 / 0.
        let sum: f64 = jll.iter().map(|v| (v - max).exp()).sum();
        Some(jll.iter().map(|v| ((v - max).exp() / sum) as f32).collect())
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.priors.len()
    }

    /// `var_smoothing` times the largest feature variance: what was added to each variance.
    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }

    /// Per class, `log P(class) + Σ_j log N(x_j; mean, variance)`, up to a constant shared by
    /// all classes (which the posterior does not see); `-inf` for a class without rows. Each
    /// feature's terms are shifted so the largest over the classes is 0 before they are
    /// summed: terms that are huge but equal (a far-off value of a feature constant in every
    /// class) then cancel exactly instead of drowning the priors. A NaN feature is skipped, as
    /// missing; a short row uses the features it has.
    fn joint_log_likelihood(&self, features: &[f32]) -> Vec<f64> {
        let p = self.num_features.max(1);
        let k = self.priors.len();
        let log_2pi = (2.0 * std::f64::consts::PI).ln();
        let mut jll: Vec<f64> = self
            .priors
            .iter()
            .map(|&prior| {
                if prior > 0.0 {
                    prior.ln()
                } else {
                    f64::NEG_INFINITY
                }
            })
            .collect();
        let mut terms = vec![f64::NEG_INFINITY; k];
        for (j, &x) in features.iter().enumerate().take(p) {
            let mut best = f64::NEG_INFINITY;
            for (c, term) in terms.iter_mut().enumerate() {
                let (Some(m), Some(v)) = (self.means.get(c * p + j), self.variances.get(c * p + j))
                else {
                    continue;
                };
                *term = -0.5 * (log_2pi + v.ln() + (x as f64 - m).powi(2) / v);
                if jll[c] > f64::NEG_INFINITY {
                    best = best.max(*term);
                }
            }
            if best > f64::NEG_INFINITY {
                for (total, term) in jll.iter_mut().zip(&terms) {
                    *total += term - best;
                }
            }
        }
        jll.into_iter()
            .map(|v| if v.is_nan() { f64::NEG_INFINITY } else { v })
            .collect()
    }
}

/// Index of the largest value, the first on ties; `None` when empty.
fn first_max(values: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, &v) in values.iter().enumerate() {
        if best.is_none_or(|b| v > values[b]) {
            best = Some(i);
        }
    }
    best
}

/// The largest population variance of a feature over every row (scikit-learn's
/// `np.var(X, axis=0).max()`).
fn max_feature_variance(data: &Dataset) -> f64 {
    let n = data.num_rows().max(1) as f64;
    let p = data.num_features();
    let mut mean = vec![0.0f64; p];
    for i in 0..data.num_rows() {
        for (m, &x) in mean.iter_mut().zip(data.row(i)) {
            *m += x as f64 / n;
        }
    }
    let mut var = vec![0.0f64; p];
    for i in 0..data.num_rows() {
        for ((s, m), &x) in var.iter_mut().zip(&mean).zip(data.row(i)) {
            *s += (x as f64 - m).powi(2) / n;
        }
    }
    var.into_iter().fold(0.0, f64::max)
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

    fn close(a: &[f32], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| (x as f64 - y).abs() < 1e-6)
    }

    #[test]
    fn probabilities_match_the_hand_computed_posterior() {
        // Class 0: x = 0, 2 (prior 2/5, mean 1, variance 1).
        // Class 1: x = 3, 5, 7 (prior 3/5, mean 5, variance 8/3).
        // epsilon = 1e-9 · var(0, 2, 3, 5, 7) = 1e-9 · 5.84, negligible here.
        // At x = 3: jll1 - jll0 = ln(3/2) - ½ ln(8/3) - ½ (3-5)²/(8/3) + ½ (3-1)²/1
        //                       = 0.405465 - 0.490415 - 0.75 + 2 = 1.165050,
        // so P(1 | 3) = 1 / (1 + e^-1.165050) = 0.762249 (what GaussianNB().fit(...)
        // .predict_proba([[3]]) gives). At x = 1: P(0 | 1) = 0.956268; at 6: P(1 | 6) = 0.999995.
        let data = dataset(&[0.0, 2.0, 3.0, 5.0, 7.0], 1, &[0.0, 0.0, 1.0, 1.0, 1.0]);
        let model = GaussianNb::fit(&data, 2, &GaussianNbParams::default()).unwrap();
        assert!((model.epsilon() - 5.84e-9).abs() < 1e-15);
        let proba = model.predict_proba(&[3.0]).unwrap();
        assert!(close(&proba, &[0.237_750_80, 0.762_249_20]), "{proba:?}");
        let proba = model.predict_proba(&[1.0]).unwrap();
        assert!(close(&proba, &[0.956_267_64, 0.043_732_36]), "{proba:?}");
        let proba = model.predict_proba(&[6.0]).unwrap();
        assert!(close(&proba, &[4.893_732e-6, 0.999_995_11]), "{proba:?}");
        assert_eq!(model.predict(&[3.0]), 1.0);
        assert_eq!(model.predict(&[1.0]), 0.0);
    }

    #[test]
    fn separates_three_clusters() {
        let x = [
            0.0, 0.1, 0.2, 0.0, 0.1, 0.3, 5.0, 5.1, 5.2, 4.9, 4.8, 5.0, 0.0, 9.0, 0.2, 9.2, 0.1,
            8.8,
        ];
        let y = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0];
        let model = GaussianNb::fit(&dataset(&x, 2, &y), 3, &GaussianNbParams::default()).unwrap();
        assert_eq!(model.predict(&[0.1, 0.0]), 0.0);
        assert_eq!(model.predict(&[5.5, 5.5]), 1.0);
        assert_eq!(model.predict(&[0.5, 8.0]), 2.0);
        let proba = model.predict_proba(&[5.0, 5.0]).unwrap();
        assert!((proba.iter().sum::<f32>() - 1.0).abs() < 1e-6 && proba[1] > 0.99);
    }

    #[test]
    fn a_class_without_rows_never_wins() {
        let data = dataset(&[0.0, 1.0, 10.0, 11.0], 1, &[0.0, 0.0, 2.0, 2.0]);
        let model = GaussianNb::fit(&data, 3, &GaussianNbParams::default()).unwrap();
        for x in [-100.0, 0.0, 5.5, 10.0, 1e30] {
            assert_ne!(model.predict(&[x]), 1.0);
            assert_eq!(model.predict_proba(&[x]).unwrap()[1], 0.0);
        }
        assert_eq!(model.num_classes(), 3);
    }

    #[test]
    fn regression_and_bad_parameters_are_errors() {
        let data = dataset(&[0.0, 1.0], 1, &[0.0, 1.0]);
        let err = GaussianNb::fit(&data, 0, &GaussianNbParams::default()).unwrap_err();
        assert_eq!(err.to_string(), "naive_bayes is for classification");
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let params = GaussianNbParams { var_smoothing: bad };
            assert!(GaussianNb::fit(&data, 2, &params).is_err());
        }
        assert!(GaussianNb::fit(&data, 1, &GaussianNbParams::default()).is_err());
        let empty = Dataset::new(vec!["a".into()], vec![], vec![]).unwrap();
        assert!(GaussianNb::fit(&empty, 2, &GaussianNbParams::default()).is_err());
    }

    #[test]
    fn degenerate_data_does_not_panic() {
        for var_smoothing in [1e-9, 0.0, 1e300] {
            let params = GaussianNbParams { var_smoothing };
            // One row, one class.
            let one = dataset(&[1.0, 2.0], 2, &[0.0]);
            let model = GaussianNb::fit(&one, 1, &params).unwrap();
            assert_eq!(model.predict_proba(&[5.0, -5.0]), Some(vec![1.0]));
            // Identical rows, two classes: the prior decides.
            let same = dataset(&[3.0; 3], 1, &[1.0, 1.0, 0.0]);
            let model = GaussianNb::fit(&same, 2, &params).unwrap();
            for x in [3.0, 4.0, f32::MAX] {
                let proba = model.predict_proba(&[x]).unwrap();
                assert!(close(&proba, &[1.0 / 3.0, 2.0 / 3.0]), "{x}: {proba:?}");
                assert_eq!(model.predict(&[x]), 1.0);
            }
            // A constant feature beside an informative one, extreme values.
            let x = [7.0, 0.0, 7.0, 1.0, 7.0, 10.0, 7.0, 11.0];
            let model =
                GaussianNb::fit(&dataset(&x, 2, &[0.0, 0.0, 1.0, 1.0]), 2, &params).unwrap();
            for probe in [[7.0, 0.5], [-f32::MAX, f32::MAX], [7.0, 10.5]] {
                let proba = model.predict_proba(&probe).unwrap();
                assert!(proba.iter().all(|p| p.is_finite()), "{probe:?}: {proba:?}");
            }
            if var_smoothing < 1.0 {
                assert_eq!(model.predict(&[7.0, 0.5]), 0.0);
                assert_eq!(model.predict(&[7.0, 10.5]), 1.0);
            }
            // NaN and short rows at prediction time.
            assert!(model
                .predict_proba(&[f32::NAN, 0.0])
                .unwrap()
                .iter()
                .all(|p| p.is_finite()));
            model.predict(&[f32::NAN, 0.0]);
            model.predict(&[]);
        }
    }

    #[test]
    fn serde_round_trip() {
        let data = dataset(&[0.1, 0.7, 2.3, 5.9, 7.7], 1, &[0.0, 0.0, 1.0, 1.0, 1.0]);
        let model = GaussianNb::fit(&data, 3, &GaussianNbParams::default()).unwrap();
        let back: GaussianNb =
            serde_json::from_slice(&serde_json::to_vec(&model).unwrap()).unwrap();
        assert_eq!(back, model);
    }
}
