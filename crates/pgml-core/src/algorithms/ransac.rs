//! scikit-learn's `RANSACRegressor` (`ransac`) around its default estimator, least squares:
//! fit on random minimal subsets, count the rows within `residual_threshold` of each fit
//! (the consensus set), keep the largest set (ties: the better R² on it), stop early once
//! enough trials make an outlier-free subset likely, and refit on the best set.
//!
//! The trial loop, its skips, scores, dynamic trial count and stopping rules are
//! scikit-learn's; the subsets come from pgml's seeded generator, not numpy's, so on noisy
//! data the chosen consensus set can differ from scikit-learn's for the same seed.

use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::SeedableRng;

use super::linear::LinearRegression;
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// How residuals are measured against `residual_threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RansacLoss {
    AbsoluteError,
    SquaredError,
}

/// Settings of [`fit`], named as scikit-learn names them.
#[derive(Debug, Clone, PartialEq)]
pub struct RansacParams {
    /// Rows per trial: a count, a fraction of the rows (`ceil(f · n)`), or None for
    /// `features + 1`.
    pub min_samples: Option<MinSamples>,
    /// None: the median absolute deviation of the labels.
    pub residual_threshold: Option<f64>,
    pub max_trials: u64,
    pub max_skips: u64,
    pub stop_n_inliers: u64,
    pub stop_score: f64,
    pub stop_probability: f64,
    pub loss: RansacLoss,
    pub seed: u64,
}

/// `min_samples` as given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MinSamples {
    Count(u64),
    Fraction(f64),
}

impl Default for RansacParams {
    fn default() -> Self {
        RansacParams {
            min_samples: None,
            residual_threshold: None,
            max_trials: 100,
            max_skips: u64::MAX,
            stop_n_inliers: u64::MAX,
            stop_score: f64::INFINITY,
            stop_probability: 0.99,
            loss: RansacLoss::AbsoluteError,
            seed: 0,
        }
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// scikit-learn's `_dynamic_max_trials`: trials after which an outlier-free subset has been
/// drawn with probability `probability`, for the inlier ratio seen so far.
fn dynamic_max_trials(inliers: usize, rows: usize, min_samples: usize, probability: f64) -> f64 {
    let ratio = inliers as f64 / rows as f64;
    let nom = f64::EPSILON.max(1.0 - probability);
    let denom = f64::EPSILON.max(1.0 - ratio.powi(min_samples as i32));
    if nom == 1.0 {
        return 0.0;
    }
    if denom == 1.0 {
        return f64::INFINITY;
    }
    (nom.ln() / denom.ln()).ceil().abs()
}

/// scikit-learn's `r2_score` (1 for a perfect fit of constant labels, 0 for an imperfect one).
fn r2(model: &LinearRegression, data: &Dataset, rows: &[usize]) -> f64 {
    let labels = data.labels();
    let mean = rows.iter().map(|&i| f64::from(labels[i])).sum::<f64>() / rows.len() as f64;
    let (mut residual, mut total) = (0.0, 0.0);
    for &i in rows {
        let y = f64::from(labels[i]);
        residual += (y - f64::from(model.predict(data.row(i)))).powi(2);
        total += (y - mean).powi(2);
    }
    if total == 0.0 {
        return if residual == 0.0 { 1.0 } else { 0.0 };
    }
    1.0 - residual / total
}

/// scikit-learn's `RANSACRegressor(LinearRegression()).fit` on `data`.
pub fn fit(data: &Dataset, params: &RansacParams) -> Result<LinearRegression> {
    let (n, p) = (data.num_rows(), data.num_features());
    let min_samples = match params.min_samples {
        None => p + 1,
        Some(MinSamples::Count(k)) => usize::try_from(k).unwrap_or(usize::MAX),
        Some(MinSamples::Fraction(f)) => (f * n as f64).ceil() as usize,
    };
    if min_samples > n || min_samples == 0 {
        return Err(Error::invalid(
            format!("min_samples ({min_samples}) may not be larger than the {n} training rows"),
            "use a smaller min_samples, or train on more rows",
        ));
    }
    let labels: Vec<f64> = data.labels().iter().map(|&v| f64::from(v)).collect();
    let threshold = params.residual_threshold.unwrap_or_else(|| {
        let mut sorted = labels.clone();
        let m = median(&mut sorted);
        let mut deviations: Vec<f64> = labels.iter().map(|y| (y - m).abs()).collect();
        median(&mut deviations)
    });
    let loss = |y: f64, fitted: f64| match params.loss {
        RansacLoss::AbsoluteError => (y - fitted).abs(),
        RansacLoss::SquaredError => (y - fitted).powi(2),
    };
    let mut rng = StdRng::seed_from_u64(params.seed);
    let (mut best_count, mut best_score) = (1usize, f64::NEG_INFINITY);
    let mut best: Option<Vec<usize>> = None;
    let (mut trials, mut skips) = (0u64, 0u64);
    let mut max_trials = params.max_trials as f64;
    while (trials as f64) < max_trials {
        crate::interrupt::check()?;
        trials += 1;
        if skips > params.max_skips {
            break;
        }
        let subset: Vec<usize> = sample(&mut rng, n, min_samples).into_vec();
        let model = LinearRegression::fit(&data.subset(&subset), 0.0, true)?;
        let inliers: Vec<usize> = (0..n)
            .filter(|&i| loss(labels[i], f64::from(model.predict(data.row(i)))) <= threshold)
            .collect();
        if inliers.len() < best_count {
            skips += 1;
            continue;
        }
        let score = r2(&model, data, &inliers);
        if inliers.len() == best_count && score < best_score {
            continue;
        }
        best_count = inliers.len();
        best_score = score;
        max_trials = max_trials.min(dynamic_max_trials(
            best_count,
            n,
            min_samples,
            params.stop_probability,
        ));
        best = Some(inliers);
        if best_count as u64 >= params.stop_n_inliers || best_score >= params.stop_score {
            break;
        }
    }
    let Some(inliers) = best else {
        return Err(Error::data(
            "RANSAC found no consensus set: every trial was skipped",
            "raise max_trials or max_skips, or residual_threshold",
        ));
    };
    LinearRegression::fit(&data.subset(&inliers), 0.0, true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::dataset::fixtures::from_rows;

    /// A line with a fifth of its rows thrown far off: least squares is pulled away, RANSAC
    /// recovers the line from the consensus set (scikit-learn's predicts 12.025 at the probe
    /// on the same data, for any seed).
    #[test]
    fn ignores_gross_outliers_least_squares_cannot() {
        let rows: Vec<[f32; 2]> = (0..100)
            .map(|i| [i as f32 / 10.0, ((i * 37) % 100) as f32 / 25.0])
            .collect();
        let y: Vec<f32> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let clean = 3.0 * r[0] - 2.0 * r[1] + 1.0 + ((i * 7) % 5) as f32 * 0.01;
                if i % 5 == 0 {
                    clean + 40.0 + (i % 3) as f32 * 10.0
                } else {
                    clean
                }
            })
            .collect();
        let data = from_rows(&rows, &y);
        let plain = LinearRegression::fit(&data, 0.0, true).unwrap();
        let robust = fit(&data, &RansacParams::default()).unwrap();
        let probe = [5.0f32, 2.0];
        let truth = 3.0 * 5.0 - 2.0 * 2.0 + 1.0;
        assert!((plain.predict(&probe) - truth).abs() > 5.0);
        assert!(
            (robust.predict(&probe) - truth).abs() < 0.1,
            "{}",
            robust.predict(&probe)
        );
        // The same seed gives the same model.
        assert_eq!(fit(&data, &RansacParams::default()).unwrap(), robust);
    }

    #[test]
    fn hyperparameters_are_scikit_learn_s() {
        use crate::algorithms::Estimator;
        use crate::error::SqlState;
        use crate::registry::{Algorithm, Task};
        use serde_json::json;
        let rows: Vec<[f32; 1]> = (0..20).map(|i| [i as f32]).collect();
        let y: Vec<f32> = (0..20).map(|i| 2.0 * i as f32 + 1.0).collect();
        let data = from_rows(&rows, &y);
        let train =
            |params| Estimator::fit(Task::Regression, Algorithm::Ransac, &params, &data, 0, 7);
        let ok = json!({"min_samples": 0.5, "residual_threshold": 0.5, "max_trials": 10,
                        "loss": "squared_error", "stop_probability": 1.0, "random_state": 3,
                        "estimator": null});
        match train(ok).unwrap() {
            Estimator::Linear(m) => assert!((m.predict(&[10.0]) - 21.0).abs() < 1e-4),
            other => panic!("ransac trained {other:?}"),
        }
        for (params, code) in [
            (
                json!({"estimator": "LinearRegression()"}),
                SqlState::FeatureNotSupported,
            ),
            (json!({"is_data_valid": "f"}), SqlState::FeatureNotSupported),
            (json!({"min_samples": 0}), SqlState::InvalidParameterValue),
            (json!({"min_samples": 1.5}), SqlState::InvalidParameterValue),
            (json!({"min_samples": 21}), SqlState::InvalidParameterValue),
            (
                json!({"residual_threshold": -1}),
                SqlState::InvalidParameterValue,
            ),
            (json!({"loss": "huber"}), SqlState::InvalidParameterValue),
            (
                json!({"stop_probability": 2}),
                SqlState::InvalidParameterValue,
            ),
            (json!({"max_trials": -1}), SqlState::InvalidParameterValue),
            (
                json!({"base_estimator": null}),
                SqlState::InvalidParameterValue,
            ),
        ] {
            let e = train(params.clone()).unwrap_err();
            assert_eq!(e.sqlstate(), code, "{params}: {e}");
        }
    }

    #[test]
    fn dynamic_trials_are_scikit_learn_s() {
        // _dynamic_max_trials(80, 100, 3, 0.99) = ceil(log(0.01) / log(1 - 0.8^3)) = 7
        assert_eq!(dynamic_max_trials(80, 100, 3, 0.99), 7.0);
        assert_eq!(dynamic_max_trials(0, 100, 3, 0.99), f64::INFINITY);
        assert_eq!(dynamic_max_trials(50, 100, 3, 0.0), 0.0);
    }

    #[test]
    fn too_many_min_samples_is_an_error() {
        let rows: Vec<[f32; 1]> = (0..5).map(|i| [i as f32]).collect();
        let data = from_rows(&rows, &[1.0, 2.0, 3.0, 4.0, 5.0]);
        let params = RansacParams {
            min_samples: Some(MinSamples::Count(6)),
            ..RansacParams::default()
        };
        let e = fit(&data, &params).unwrap_err();
        assert!(e.to_string().contains("min_samples"), "{e}");
    }
}
