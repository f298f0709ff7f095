//! Linear models: least squares / ridge regression (closed form) and logistic regression
//! (binary or multinomial, L2-regularised, fitted with L-BFGS).

use serde::{Deserialize, Serialize};

use super::lbfgs;
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// `y = coef · x + intercept`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearRegression {
    coef: Vec<f64>,
    intercept: f64,
}

impl LinearRegression {
    /// Minimises `|y - Xw - b|² + alpha |w|²` (the intercept is not penalised). `alpha = 0` is
    /// ordinary least squares; collinear features then get a vanishing ridge so the solve
    /// still succeeds.
    pub fn fit(data: &Dataset, alpha: f64, fit_intercept: bool) -> Result<Self> {
        let p = data.num_features();
        let n = data.num_rows();
        let (x_mean, y_mean) = if fit_intercept {
            data.means()
        } else {
            (vec![0.0; p], 0.0)
        };
        let mut gram = crate::alloc::zeros(p, p, "least squares' Gram matrix")?;
        // The factor of the Cholesky solve, as large.
        let mut factor = crate::alloc::zeros(p, p, "least squares' Gram matrix")?;
        let mut rhs = vec![0.0f64; p];
        let mut centered = vec![0.0f64; p];
        let mut ticks = crate::interrupt::Countdown::new(64);
        for i in 0..n {
            ticks.tick()?;
            for (c, (&v, m)) in centered.iter_mut().zip(data.row(i).iter().zip(&x_mean)) {
                *c = v as f64 - m;
            }
            let y = data.labels()[i] as f64 - y_mean;
            for a in 0..p {
                rhs[a] += centered[a] * y;
                for b in a..p {
                    gram[a * p + b] += centered[a] * centered[b];
                }
            }
        }
        for a in 0..p {
            for b in 0..a {
                gram[a * p + b] = gram[b * p + a];
            }
        }
        let trace: f64 = (0..p).map(|a| gram[a * p + a]).sum();
        let coef = cholesky_solve(&gram, &rhs, p, alpha, &mut factor)
            .or_else(|| cholesky_solve(&gram, &rhs, p, alpha + 1e-10 * trace.max(1.0), &mut factor))
            .ok_or_else(|| {
                Error::data(
                    "the features are degenerate: the least-squares system has no solution",
                    "remove constant or duplicated columns, or use algorithm => 'ridge'",
                )
            })?;
        let intercept = y_mean - coef.iter().zip(&x_mean).map(|(w, m)| w * m).sum::<f64>();
        Ok(LinearRegression { coef, intercept })
    }

    /// The prediction for one row.
    pub fn predict(&self, features: &[f32]) -> f32 {
        (self.intercept + dot(&self.coef, features)) as f32
    }
}

/// Logistic regression: one weight row for binary problems, one per class otherwise (softmax).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    coef: Vec<Vec<f64>>,
    intercept: Vec<f64>,
    num_classes: usize,
}

/// Settings of [`LogisticRegression::fit`], named as scikit-learn names them.
#[derive(Debug, Clone, Copy)]
pub struct LogisticParams {
    /// Inverse regularisation strength.
    pub c: f64,
    /// Iterations of L-BFGS.
    pub max_iter: usize,
    /// Stop when the largest gradient component falls below this.
    pub tol: f64,
    /// Learn an (unpenalised) intercept.
    pub fit_intercept: bool,
}

impl LogisticRegression {
    /// Labels must be class indices `0..num_classes`. Minimises
    /// `C · Σ log-loss + ½|W|²` on internally standardised features (for conditioning), then
    /// maps the weights back to the original scale.
    pub fn fit(data: &Dataset, num_classes: usize, params: LogisticParams) -> Result<Self> {
        let p = data.num_features();
        let n = data.num_rows();
        let k = if num_classes <= 2 { 1 } else { num_classes };
        let (mean, scale) = standardisation(data);
        let x: Vec<f64> = (0..n)
            .flat_map(|i| {
                data.row(i)
                    .iter()
                    .enumerate()
                    .map(|(j, &v)| (v as f64 - mean[j]) / scale[j])
                    .collect::<Vec<_>>()
            })
            .collect();
        let y: Vec<usize> = data.labels().iter().map(|&v| v as usize).collect();
        let width = p + 1; // weights then intercept, per output
        let objective = |theta: &[f64], grad: &mut [f64]| -> f64 {
            grad.iter_mut().for_each(|g| *g = 0.0);
            let mut loss = 0.0;
            let mut z = vec![0.0; k];
            for i in 0..n {
                let row = &x[i * p..(i + 1) * p];
                for (c, zc) in z.iter_mut().enumerate() {
                    let w = &theta[c * width..(c + 1) * width];
                    *zc = w[p] * f64::from(u8::from(params.fit_intercept))
                        + row.iter().zip(w).map(|(a, b)| a * b).sum::<f64>();
                }
                if k == 1 {
                    let target = if y[i] == 1 { 1.0 } else { 0.0 };
                    // log(1 + e^z) - t z, computed stably.
                    loss += softplus(z[0]) - target * z[0];
                    let residual = sigmoid(z[0]) - target;
                    accumulate(&mut grad[..width], row, residual, params.fit_intercept);
                } else {
                    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let sum: f64 = z.iter().map(|v| (v - max).exp()).sum();
                    loss += max + sum.ln() - z[y[i]];
                    for c in 0..k {
                        let prob = (z[c] - max).exp() / sum;
                        let residual = prob - if y[i] == c { 1.0 } else { 0.0 };
                        accumulate(
                            &mut grad[c * width..(c + 1) * width],
                            row,
                            residual,
                            params.fit_intercept,
                        );
                    }
                }
            }
            loss *= params.c;
            for c in 0..k {
                for j in 0..width {
                    grad[c * width + j] *= params.c;
                    if j < p {
                        let w = theta[c * width + j];
                        loss += 0.5 * w * w;
                        grad[c * width + j] += w;
                    }
                }
            }
            loss
        };
        let theta = lbfgs::minimize(objective, vec![0.0; k * width], params.max_iter, params.tol)?;
        let mut coef = Vec::with_capacity(k);
        let mut intercept = Vec::with_capacity(k);
        for c in 0..k {
            let w = &theta[c * width..(c + 1) * width];
            let row: Vec<f64> = (0..p).map(|j| w[j] / scale[j]).collect();
            let b = if params.fit_intercept { w[p] } else { 0.0 }
                - (0..p).map(|j| w[j] * mean[j] / scale[j]).sum::<f64>();
            coef.push(row);
            intercept.push(b);
        }
        Ok(LogisticRegression {
            coef,
            intercept,
            num_classes: num_classes.max(2),
        })
    }

    /// Class probabilities for one row, `num_classes` of them.
    pub fn predict_proba(&self, features: &[f32]) -> Vec<f32> {
        let z: Vec<f64> = self
            .coef
            .iter()
            .zip(&self.intercept)
            .map(|(w, b)| b + dot(w, features))
            .collect();
        if self.coef.len() == 1 {
            let p1 = sigmoid(z[0]);
            vec![(1.0 - p1) as f32, p1 as f32]
        } else {
            let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = z.iter().map(|v| (v - max).exp()).sum();
            z.iter().map(|v| ((v - max).exp() / sum) as f32).collect()
        }
    }

    /// The most probable class index.
    pub fn predict(&self, features: &[f32]) -> f32 {
        let proba = self.predict_proba(features);
        argmax(&proba) as f32
    }

    /// Number of classes the model scores.
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }
}

fn accumulate(grad: &mut [f64], row: &[f64], residual: f64, fit_intercept: bool) {
    let p = row.len();
    for (g, v) in grad[..p].iter_mut().zip(row) {
        *g += residual * v;
    }
    if fit_intercept {
        grad[p] += residual;
    }
}

/// Index of the largest value (the first, on ties).
pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

fn softplus(z: f64) -> f64 {
    if z > 30.0 {
        z
    } else {
        z.exp().ln_1p()
    }
}

fn dot(w: &[f64], x: &[f32]) -> f64 {
    w.iter().zip(x).map(|(a, &b)| a * b as f64).sum()
}

/// Per-feature mean and standard deviation (1 for constant features).
fn standardisation(data: &Dataset) -> (Vec<f64>, Vec<f64>) {
    let (mean, _) = data.means();
    let n = data.num_rows().max(1) as f64;
    let mut var = vec![0.0; mean.len()];
    for i in 0..data.num_rows() {
        for (j, &v) in data.row(i).iter().enumerate() {
            var[j] += (v as f64 - mean[j]).powi(2);
        }
    }
    let scale = var
        .iter()
        .map(|v| if *v > 0.0 { (v / n).sqrt() } else { 1.0 })
        .collect();
    (mean, scale)
}

/// Solves `(A + ridge·I) x = b` for symmetric positive (semi)definite `A` (p×p, row-major),
/// with `l` (p×p) as the room for the factor; None when the matrix is not positive definite.
fn cholesky_solve(a: &[f64], b: &[f64], p: usize, ridge: f64, l: &mut [f64]) -> Option<Vec<f64>> {
    l.fill(0.0);
    for i in 0..p {
        for j in 0..=i {
            let mut sum = a[i * p + j] + if i == j { ridge } else { 0.0 };
            for k in 0..j {
                sum -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if sum <= 1e-12 * (1.0 + a[i * p + i].abs()) {
                    return None;
                }
                l[i * p + i] = sum.sqrt();
            } else {
                l[i * p + j] = sum / l[j * p + j];
            }
        }
    }
    let mut y = vec![0.0; p];
    for i in 0..p {
        let s: f64 = (0..i).map(|k| l[i * p + k] * y[k]).sum();
        y[i] = (b[i] - s) / l[i * p + i];
    }
    let mut x = vec![0.0; p];
    for i in (0..p).rev() {
        let s: f64 = (i + 1..p).map(|k| l[k * p + i] * x[k]).sum();
        x[i] = (y[i] - s) / l[i * p + i];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::dataset::fixtures::from_rows as data;

    #[test]
    fn least_squares_recovers_an_exact_plane() {
        let rows = [[1.0, 2.0], [2.0, 1.0], [3.0, 5.0], [4.0, 3.0], [5.0, 8.0]];
        let y: Vec<f32> = rows.iter().map(|r| 3.0 * r[0] - 2.0 * r[1] + 7.0).collect();
        let model = LinearRegression::fit(&data(&rows, &y), 0.0, true).unwrap();
        assert!(
            (model.coef[0] - 3.0).abs() < 1e-6 && (model.coef[1] + 2.0).abs() < 1e-6,
            "{model:?}"
        );
        assert!((model.predict(&[10.0, 10.0]) - 17.0).abs() < 1e-4);
    }

    #[test]
    fn ridge_matches_scikit_learn() {
        // scikit-learn's user guide: Ridge(alpha=.5).fit([[0, 0], [0, 0], [1, 1]], [0, .1, 1])
        // gives coef_ = [0.34545455, 0.34545455], intercept_ = 0.13636...
        let model = LinearRegression::fit(
            &data(&[[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]], &[0.0, 0.1, 1.0]),
            0.5,
            true,
        )
        .unwrap();
        assert!((model.coef[0] - 0.345_454_55).abs() < 1e-6, "{model:?}");
        assert!((model.coef[1] - 0.345_454_55).abs() < 1e-6, "{model:?}");
        assert!((model.intercept - 0.136_363_64).abs() < 1e-6, "{model:?}");
    }

    #[test]
    fn collinear_features_still_fit() {
        let rows = [[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.0]];
        let model = LinearRegression::fit(&data(&rows, &[1.0, 2.0, 3.0, 4.0]), 0.0, true).unwrap();
        assert!(
            (model.predict(&[5.0, 10.0]) - 5.0).abs() < 1e-3,
            "{model:?}"
        );
    }

    #[test]
    fn logistic_separates_two_and_three_classes() {
        let params = LogisticParams {
            c: 1.0,
            max_iter: 200,
            tol: 1e-6,
            fit_intercept: true,
        };
        let rows = [
            [0.0, 0.1],
            [0.2, 0.0],
            [0.1, 0.3],
            [3.0, 3.1],
            [3.2, 2.9],
            [2.9, 3.3],
        ];
        let binary =
            LogisticRegression::fit(&data(&rows, &[0.0, 0.0, 0.0, 1.0, 1.0, 1.0]), 2, params)
                .unwrap();
        assert_eq!(binary.predict(&[0.0, 0.0]), 0.0);
        assert_eq!(binary.predict(&[3.0, 3.0]), 1.0);
        let proba = binary.predict_proba(&[3.0, 3.0]);
        assert!(
            (proba[0] + proba[1] - 1.0).abs() < 1e-6 && proba[1] > 0.8,
            "{proba:?}"
        );

        let rows = [
            [0.0, 0.0],
            [0.3, 0.1],
            [5.0, 0.0],
            [5.2, 0.3],
            [0.0, 5.0],
            [0.2, 5.1],
        ];
        let multi =
            LogisticRegression::fit(&data(&rows, &[0.0, 0.0, 1.0, 1.0, 2.0, 2.0]), 3, params)
                .unwrap();
        assert_eq!(multi.predict(&[5.0, 0.1]), 1.0);
        assert_eq!(multi.predict(&[0.1, 5.0]), 2.0);
        assert_eq!(multi.predict_proba(&[0.0, 0.0]).len(), 3);
    }
}
