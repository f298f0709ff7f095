//! Linear support vector machines: classification with the squared hinge loss (scikit-learn's
//! `LinearSVC` default) and regression with the squared epsilon-insensitive loss (`LinearSVR`
//! with `loss='squared_epsilon_insensitive'`), both L2-regularised and fitted with L-BFGS on
//! the primal, which is smooth for these losses.

use serde::{Deserialize, Serialize};

use super::lbfgs;
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// Settings of [`LinearSvm::fit`], named as scikit-learn names them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinearSvmParams {
    /// Inverse regularisation strength (> 0): larger values fit the training data harder.
    pub c: f64,
    /// Iterations of L-BFGS (per class for one-vs-rest).
    pub max_iter: usize,
    /// Stop when the largest gradient component falls below this.
    pub tol: f64,
    /// Regression only: residuals smaller than this cost nothing.
    pub epsilon: f64,
    /// Learn an (unpenalised) intercept.
    pub fit_intercept: bool,
}

impl Default for LinearSvmParams {
    /// scikit-learn's defaults: C 1, 1000 iterations, tol 1e-4, epsilon 0, intercept.
    fn default() -> Self {
        LinearSvmParams {
            c: 1.0,
            max_iter: 1000,
            tol: 1e-4,
            epsilon: 0.0,
            fit_intercept: true,
        }
    }
}

/// One weight row per output: a single row for binary classification and regression, one per
/// class (one-vs-rest) for more than two classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearSvm {
    coef: Vec<Vec<f64>>,
    intercept: Vec<f64>,
    /// 0 for regression.
    num_classes: usize,
}

impl LinearSvm {
    /// Classification when `num_classes > 0` (labels are class indices `0..num_classes`),
    /// regression when it is 0. Minimises `½|w|² + C Σ loss` on internally standardised
    /// features (for conditioning; the penalty therefore applies to the standardised weights),
    /// then maps the weights back to the original scale. The solver is deterministic; `seed` is
    /// accepted so every estimator trains with the same signature.
    pub fn fit(
        data: &Dataset,
        num_classes: usize,
        params: &LinearSvmParams,
        seed: u64,
    ) -> Result<Self> {
        let _ = seed;
        validate(params)?;
        let (n, p) = (data.num_rows(), data.num_features());
        if n == 0 {
            return Err(Error::data(
                "the training data has no rows",
                "add rows to the relation",
            ));
        }
        let labels = data.labels();
        if num_classes > 0 {
            if let Some(bad) = labels
                .iter()
                .find(|&&v| v < 0.0 || v.fract() != 0.0 || v as usize >= num_classes)
            {
                return Err(Error::data(
                    format!("label {bad} is not a class index below {num_classes}"),
                    "classification labels must be class indices 0..num_classes",
                ));
            }
        }
        let (mean, scale) = standardisation(data, params.fit_intercept);
        let x: Vec<f64> = (0..n)
            .flat_map(|i| {
                data.row(i)
                    .iter()
                    .zip(mean.iter().zip(&scale))
                    .map(|(&v, (m, s))| (v as f64 - m) / s)
            })
            .collect();
        let outputs = if num_classes <= 2 { 1 } else { num_classes };
        let mut coef = Vec::with_capacity(outputs);
        let mut intercept = Vec::with_capacity(outputs);
        for class in 0..outputs {
            let theta = if num_classes == 0 {
                let y: Vec<f64> = labels.iter().map(|&v| v as f64).collect();
                let start = if params.fit_intercept {
                    y.iter().sum::<f64>() / n as f64
                } else {
                    0.0
                };
                solve(&x, &y, p, params, Loss::EpsilonInsensitive, start)?
            } else {
                // Binary: class 1 is positive; one-vs-rest: `class` is positive.
                let positive = if outputs == 1 { 1.0 } else { class as f32 };
                let y: Vec<f64> = labels
                    .iter()
                    .map(|&v| if v == positive { 1.0 } else { -1.0 })
                    .collect();
                solve(&x, &y, p, params, Loss::SquaredHinge, 0.0)?
            };
            let w: Vec<f64> = (0..p).map(|j| theta[j] / scale[j]).collect();
            let b = theta[p] - (0..p).map(|j| w[j] * mean[j]).sum::<f64>();
            coef.push(w);
            intercept.push(b);
        }
        Ok(LinearSvm {
            coef,
            intercept,
            num_classes,
        })
    }

    /// The predicted class index, or the predicted value for regression.
    pub fn predict(&self, features: &[f32]) -> f32 {
        let scores = self.decision_function(features);
        match (self.num_classes, scores.as_slice()) {
            (0, [value, ..]) => *value,
            (_, [score]) => f32::from(u8::from(*score > 0.0)),
            _ => super::linear::argmax(&scores) as f32,
        }
    }

    /// Signed distances to the hyperplanes (scaled by |w|): one score for binary
    /// classification (positive means class 1) and regression (the prediction), one per class
    /// for one-vs-rest.
    pub fn decision_function(&self, features: &[f32]) -> Vec<f32> {
        self.coef
            .iter()
            .zip(&self.intercept)
            .map(|(w, b)| {
                (b + w
                    .iter()
                    .zip(features)
                    .map(|(a, &v)| a * v as f64)
                    .sum::<f64>()) as f32
            })
            .collect()
    }

    /// Number of classes; 0 for regression.
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }
}

#[derive(Clone, Copy)]
enum Loss {
    /// `max(0, 1 - y·f)²` with `y = ±1`.
    SquaredHinge,
    /// `max(0, |y - f| - epsilon)²`.
    EpsilonInsensitive,
}

/// L-BFGS on `½|w|² + C Σ loss(y_i, w·x_i + b)`; returns `w` followed by `b` (0 without an
/// intercept), in the standardised space.
fn solve(
    x: &[f64],
    y: &[f64],
    p: usize,
    params: &LinearSvmParams,
    loss: Loss,
    b0: f64,
) -> Result<Vec<f64>> {
    let n = y.len();
    let use_b = params.fit_intercept;
    let objective = |theta: &[f64], grad: &mut [f64]| -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let b = if use_b { theta[p] } else { 0.0 };
        let mut total = 0.0;
        for i in 0..n {
            let row = &x[i * p..(i + 1) * p];
            let f = b + row.iter().zip(theta).map(|(a, w)| a * w).sum::<f64>();
            // d loss / d f, where the loss is active.
            let slope = match loss {
                Loss::SquaredHinge => {
                    let gap = 1.0 - y[i] * f;
                    if gap <= 0.0 {
                        continue;
                    }
                    total += gap * gap;
                    -2.0 * gap * y[i]
                }
                Loss::EpsilonInsensitive => {
                    let r = y[i] - f;
                    let excess = r.abs() - params.epsilon;
                    if excess <= 0.0 {
                        continue;
                    }
                    total += excess * excess;
                    -2.0 * excess * r.signum()
                }
            };
            for (g, a) in grad[..p].iter_mut().zip(row) {
                *g += slope * a;
            }
            if use_b {
                grad[p] += slope;
            }
        }
        let mut value = params.c * total;
        for j in 0..=p {
            grad[j] *= params.c;
            if j < p {
                value += 0.5 * theta[j] * theta[j];
                grad[j] += theta[j];
            }
        }
        value
    };
    let mut start = vec![0.0; p + 1];
    start[p] = b0;
    let mut theta = lbfgs::minimize(objective, start, params.max_iter, params.tol)?;
    if !use_b {
        theta[p] = 0.0;
    }
    Ok(theta)
}

fn validate(params: &LinearSvmParams) -> Result<()> {
    if !params.c.is_finite() || params.c <= 0.0 {
        return Err(Error::invalid(
            format!("C must be a positive number, got {}", params.c),
            "use C => 1.0 (smaller values regularise more)",
        ));
    }
    if params.max_iter == 0 {
        return Err(Error::invalid(
            "max_iter must be at least 1",
            "use max_iter => 1000",
        ));
    }
    if !params.tol.is_finite() || params.tol < 0.0 {
        return Err(Error::invalid(
            format!("tol must be a non-negative number, got {}", params.tol),
            "use tol => 1e-4",
        ));
    }
    if !params.epsilon.is_finite() || params.epsilon < 0.0 {
        return Err(Error::invalid(
            format!(
                "epsilon must be a non-negative number, got {}",
                params.epsilon
            ),
            "use epsilon => 0.0, or the tolerated error in units of the label",
        ));
    }
    Ok(())
}

/// Per-feature mean (0 without an intercept, which centering would smuggle in) and standard
/// deviation (1 for constant features).
fn standardisation(data: &Dataset, center: bool) -> (Vec<f64>, Vec<f64>) {
    let (n, p) = (data.num_rows(), data.num_features());
    let mut mean = vec![0.0f64; p];
    for i in 0..n {
        for (m, &v) in mean.iter_mut().zip(data.row(i)) {
            *m += v as f64 / n as f64;
        }
    }
    let mut var = vec![0.0f64; p];
    for i in 0..n {
        for (j, &v) in data.row(i).iter().enumerate() {
            var[j] += (v as f64 - mean[j]).powi(2) / n as f64;
        }
    }
    let scale = var
        .iter()
        .map(|&v| if v > 0.0 { v.sqrt() } else { 1.0 })
        .collect();
    if !center {
        mean.iter_mut().for_each(|m| *m = 0.0);
    }
    (mean, scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::dataset::fixtures::from_rows as dataset;

    #[test]
    fn separates_two_classes() {
        let rows = [
            [0.0, 0.1],
            [0.2, 0.0],
            [0.1, 0.3],
            [1.0, 0.8],
            [3.0, 3.1],
            [3.2, 2.9],
            [2.9, 3.3],
            [2.0, 2.2],
        ];
        let y = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let data = dataset(&rows, &y);
        let model = LinearSvm::fit(&data, 2, &LinearSvmParams::default(), 0).unwrap();
        for (row, &label) in rows.iter().zip(&y) {
            assert_eq!(model.predict(row), label, "{row:?}: {model:?}");
        }
        assert_eq!(model.decision_function(&[0.0, 0.0]).len(), 1);
        assert!(model.decision_function(&[3.0, 3.0])[0] > 0.5);
        assert_eq!(
            model,
            LinearSvm::fit(&data, 2, &LinearSvmParams::default(), 9).unwrap()
        );
    }

    #[test]
    fn one_vs_rest_separates_three_classes() {
        let rows = [
            [0.0, 0.0],
            [0.3, 0.1],
            [0.1, 0.4],
            [5.0, 0.0],
            [5.2, 0.3],
            [4.8, 0.2],
            [0.0, 5.0],
            [0.2, 5.1],
            [0.4, 4.7],
        ];
        let y = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0];
        let model = LinearSvm::fit(&dataset(&rows, &y), 3, &LinearSvmParams::default(), 0).unwrap();
        for (row, &label) in rows.iter().zip(&y) {
            assert_eq!(model.predict(row), label, "{row:?}");
        }
        assert_eq!(model.decision_function(&[1.0, 1.0]).len(), 3);
        assert_eq!(model.predict(&[6.0, 0.5]), 1.0);
    }

    #[test]
    fn regression_fits_a_line() {
        let rows: Vec<[f32; 2]> = (0..100).map(|i| [i as f32 * 0.1, 7.0]).collect();
        let y: Vec<f32> = rows.iter().map(|r| 3.0 * r[0] - 2.0).collect();
        let params = LinearSvmParams {
            c: 10.0,
            tol: 1e-8,
            ..LinearSvmParams::default()
        };
        let model = LinearSvm::fit(&dataset(&rows, &y), 0, &params, 0).unwrap();
        for x in [0.0f32, 5.0, 9.9] {
            let expected = 3.0 * x - 2.0;
            assert!(
                (model.predict(&[x, 7.0]) - expected).abs() < 0.02,
                "{x}: {model:?}"
            );
        }
        // Residuals inside the epsilon tube cost nothing: with a wide tube the weights shrink.
        let wide = LinearSvmParams {
            epsilon: 100.0,
            ..params
        };
        let flat = LinearSvm::fit(&dataset(&rows, &y), 0, &wide, 0).unwrap();
        assert!(flat.coef[0][0].abs() < 1e-6, "{flat:?}");
        // Without an intercept the line goes through the origin.
        let origin = LinearSvmParams {
            fit_intercept: false,
            ..params
        };
        let through = LinearSvm::fit(&dataset(&rows, &y), 0, &origin, 0).unwrap();
        assert_eq!(through.predict(&[0.0, 0.0]), 0.0);
    }

    #[test]
    fn degenerate_inputs() {
        let one = LinearSvm::fit(
            &dataset(&[[1.0, 2.0]], &[0.0]),
            2,
            &LinearSvmParams::default(),
            0,
        )
        .unwrap();
        assert_eq!(one.predict(&[1.0, 2.0]), 0.0);
        let same = dataset(&[[1.0, 1.0]; 4], &[0.0, 1.0, 0.0, 1.0]);
        let model = LinearSvm::fit(&same, 2, &LinearSvmParams::default(), 0).unwrap();
        assert!(model.decision_function(&[1.0, 1.0])[0].is_finite());
        let reg = LinearSvm::fit(&same, 0, &LinearSvmParams::default(), 0).unwrap();
        assert!((reg.predict(&[1.0, 1.0]) - 0.5).abs() < 1e-3, "{reg:?}");
        assert!(
            LinearSvm::fit(&same, 1, &LinearSvmParams::default(), 0).is_err(),
            "label 1 >= 1 class"
        );
        for bad in [
            LinearSvmParams {
                c: 0.0,
                ..LinearSvmParams::default()
            },
            LinearSvmParams {
                max_iter: 0,
                ..LinearSvmParams::default()
            },
            LinearSvmParams {
                tol: -1.0,
                ..LinearSvmParams::default()
            },
            LinearSvmParams {
                epsilon: f64::INFINITY,
                ..LinearSvmParams::default()
            },
        ] {
            assert!(LinearSvm::fit(&same, 2, &bad, 0).is_err(), "{bad:?}");
        }
        let empty = Dataset::new(vec!["a".into()], vec![], vec![]).unwrap();
        assert!(LinearSvm::fit(&empty, 2, &LinearSvmParams::default(), 0).is_err());
    }

    #[test]
    fn serde_round_trip() {
        let rows = [[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]];
        let model = LinearSvm::fit(
            &dataset(&rows, &[0.0, 1.0, 2.0, 1.0]),
            3,
            &LinearSvmParams::default(),
            0,
        )
        .unwrap();
        let back: LinearSvm = serde_json::from_slice(&serde_json::to_vec(&model).unwrap()).unwrap();
        assert_eq!(back, model);
    }

    #[test]
    fn matches_scikit_learn_on_standardised_data() {
        // Columns with mean 0 and standard deviation 1 and no intercept: the internal
        // standardisation is then the identity and the objective is exactly liblinear's
        // (LinearSVC / LinearSVR with loss='squared_epsilon_insensitive', scikit-learn 1.9).
        let rows: [[f32; 2]; 12] = [
            [1.0664097, 0.19604076],
            [0.36087108, 2.2414865],
            [1.1594008, -1.3345801],
            [0.33513185, -0.41680804],
            [-0.6111758, 0.20764324],
            [-0.38903135, 1.3673862],
            [0.16528578, -0.113411665],
            [-0.11966871, 0.12216427],
            [0.82386154, -0.47659236],
            [-0.23717745, -1.1976987],
            [-2.812088, 0.4776898],
            [0.2581806, -1.07332],
        ];
        let classes = [1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0];
        let values = [
            2.183, -1.279, 3.576, 1.027, -1.64, -2.429, 0.103, 0.029, 2.022, 0.636, -6.352, 1.745,
        ];
        let params = LinearSvmParams {
            fit_intercept: false,
            tol: 1e-10,
            ..LinearSvmParams::default()
        };
        let svc = LinearSvm::fit(&dataset(&rows, &classes), 2, &params, 0).unwrap();
        let expected = [1.4079822789100118, 0.7458043216926757];
        for (a, b) in svc.coef[0].iter().zip(expected) {
            assert!((a - b).abs() < 1e-5, "{svc:?}");
        }
        let params = LinearSvmParams {
            epsilon: 0.1,
            ..params
        };
        let svr = LinearSvm::fit(&dataset(&rows, &values), 0, &params, 0).unwrap();
        let expected = [1.9783007739585083, -0.9466487823756055];
        for (a, b) in svr.coef[0].iter().zip(expected) {
            assert!((a - b).abs() < 1e-5, "{svr:?}");
        }
    }
}
