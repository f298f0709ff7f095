//! Linear models fitted on centered data that end as coefficients and an intercept:
//! scikit-learn's `BayesianRidge` (`bayesian_ridge`), `ARDRegression`
//! (`automatic_relevance_determination`) and `OrthogonalMatchingPursuit`
//! (`orthogonal_matching_pursuit`), each following scikit-learn 1.9's updates step for step.

use serde::{Deserialize, Serialize};

use super::linalg::{cholesky, cholesky_solve, jacobi_eigen, symmetric_inverse};
use super::svm_kernel::dot;
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// `y ≈ coef · x + intercept`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearCoefficients {
    pub coef: Vec<f64>,
    pub intercept: f64,
}

impl LinearCoefficients {
    /// The prediction for one row.
    pub fn predict(&self, features: &[f32]) -> f32 {
        let x: Vec<f64> = features.iter().map(|&v| f64::from(v)).collect();
        (dot(&self.coef, &x) + self.intercept) as f32
    }
}

/// Priors and stopping rule shared by [`bayesian_ridge`] and [`ard`] (scikit-learn's names).
#[derive(Debug, Clone, PartialEq)]
pub struct BayesianParams {
    pub max_iter: usize,
    pub tol: f64,
    pub alpha_1: f64,
    pub alpha_2: f64,
    pub lambda_1: f64,
    pub lambda_2: f64,
    /// Initial noise precision (default `1 / var(y)`); BayesianRidge only.
    pub alpha_init: Option<f64>,
    /// Initial weight precision (default 1); BayesianRidge only.
    pub lambda_init: Option<f64>,
    /// ARD only: weights whose precision exceeds it are pruned (default 1e4).
    pub threshold_lambda: f64,
    pub fit_intercept: bool,
}

impl Default for BayesianParams {
    fn default() -> Self {
        BayesianParams {
            max_iter: 300,
            tol: 1e-3,
            alpha_1: 1e-6,
            alpha_2: 1e-6,
            lambda_1: 1e-6,
            lambda_2: 1e-6,
            alpha_init: None,
            lambda_init: None,
            threshold_lambda: 1e4,
            fit_intercept: true,
        }
    }
}

/// The training data as `f64`, centered when fitting an intercept (scikit-learn's
/// `_preprocess_data`): rows, labels and the offsets to undo it.
pub(super) struct Centered {
    x: Vec<f64>,
    pub(super) y: Vec<f64>,
    pub(super) n: usize,
    pub(super) p: usize,
    x_offset: Vec<f64>,
    y_offset: f64,
}

impl Centered {
    pub(super) fn new(data: &Dataset, fit_intercept: bool) -> Result<Self> {
        let (n, p) = (data.num_rows(), data.num_features());
        if n == 0 {
            return Err(Error::data(
                "a linear model needs at least one training row",
                "train on a relation with rows",
            ));
        }
        let mut x: Vec<f64> = (0..n)
            .flat_map(|i| data.row(i).iter().map(|&v| f64::from(v)))
            .collect();
        let mut y: Vec<f64> = data.labels().iter().map(|&v| f64::from(v)).collect();
        let (mut x_offset, mut y_offset) = (vec![0.0; p], 0.0);
        if fit_intercept {
            for row in x.chunks_exact(p) {
                for (o, v) in x_offset.iter_mut().zip(row) {
                    *o += v;
                }
            }
            x_offset.iter_mut().for_each(|o| *o /= n as f64);
            y_offset = y.iter().sum::<f64>() / n as f64;
            for row in x.chunks_exact_mut(p) {
                for (v, o) in row.iter_mut().zip(&x_offset) {
                    *v -= o;
                }
            }
            y.iter_mut().for_each(|v| *v -= y_offset);
        }
        Ok(Centered {
            x,
            y,
            n,
            p,
            x_offset,
            y_offset,
        })
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.p..(i + 1) * self.p]
    }

    /// `Xᵀ v`.
    pub(super) fn xt(&self, v: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.p];
        for (i, vi) in v.iter().enumerate() {
            for (o, x) in out.iter_mut().zip(self.row(i)) {
                *o += x * vi;
            }
        }
        out
    }

    /// `Xᵀ X` (p×p, row-major): each row's outer product added to the whole square, whose
    /// contiguous inner loop vectorises (a triangle's would not, for twice the work saved).
    pub(super) fn gram(&self) -> Result<Vec<f64>> {
        let p = self.p;
        let mut g = vec![0.0; p * p];
        for i in 0..self.n {
            if i % 4096 == 4095 {
                crate::interrupt::check()?;
            }
            let r = self.row(i);
            for (a, &ra) in r.iter().enumerate() {
                for (out, &rb) in g[a * p..(a + 1) * p].iter_mut().zip(r) {
                    *out += ra * rb;
                }
            }
        }
        Ok(g)
    }

    /// `Σ (y - X coef)²`.
    fn sse(&self, coef: &[f64]) -> f64 {
        (0..self.n)
            .map(|i| (self.y[i] - dot(self.row(i), coef)).powi(2))
            .sum()
    }

    fn variance_of_y(&self) -> f64 {
        let mean = self.y.iter().sum::<f64>() / self.n as f64;
        self.y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / self.n as f64
    }

    pub(super) fn finish(self, coef: Vec<f64>) -> LinearCoefficients {
        let intercept = self.y_offset - dot(&self.x_offset, &coef);
        LinearCoefficients { coef, intercept }
    }
}

/// scikit-learn's `BayesianRidge.fit`: evidence maximisation of the noise precision `alpha`
/// and the weight precision `lambda` (MacKay 1992), on the eigen decomposition of the Gram
/// matrix (the squared singular values and right singular vectors scikit-learn takes from
/// the SVD of X), then the posterior mean of the weights.
pub fn bayesian_ridge(data: &Dataset, params: &BayesianParams) -> Result<LinearCoefficients> {
    let c = Centered::new(data, params.fit_intercept)?;
    let (n, p) = (c.n, c.p);
    // Eigenpairs of the smaller Gram matrix: XᵀX (p×p) when n > p, else XXᵀ (n×n).
    let primal = n > p;
    let (values, vectors) = if primal {
        jacobi_eigen(c.gram()?, p)?
    } else {
        let mut k = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let v = dot(c.row(i), c.row(j));
                k[i * n + j] = v;
                k[j * n + i] = v;
            }
        }
        jacobi_eigen(k, n)?
    };
    let m = values.len();
    let values: Vec<f64> = values.iter().map(|v| v.max(0.0)).collect();
    let xt_y = c.xt(&c.y);
    // Projections of Xᵀy (primal) or y (dual) on the eigenvectors, fixed across iterations.
    let projections: Vec<f64> = (0..m)
        .map(|k| {
            let v = &vectors[k * m..(k + 1) * m];
            if primal {
                dot(v, &xt_y)
            } else {
                dot(v, &c.y)
            }
        })
        .collect();
    let coef_for = |alpha: f64, lambda: f64| -> Vec<f64> {
        let shrink: Vec<f64> = (0..m)
            .map(|k| projections[k] / (values[k] + lambda / alpha))
            .collect();
        if primal {
            let mut coef = vec![0.0; p];
            for (k, s) in shrink.iter().enumerate() {
                for (c, v) in coef.iter_mut().zip(&vectors[k * m..(k + 1) * m]) {
                    *c += v * s;
                }
            }
            coef
        } else {
            // coef = Xᵀ U diag(1 / (e + λ/α)) Uᵀ y
            let mut u_s = vec![0.0; n];
            for (k, s) in shrink.iter().enumerate() {
                for (o, v) in u_s.iter_mut().zip(&vectors[k * m..(k + 1) * m]) {
                    *o += v * s;
                }
            }
            c.xt(&u_s)
        }
    };
    let eps = f64::EPSILON;
    let mut alpha = params
        .alpha_init
        .unwrap_or_else(|| 1.0 / (c.variance_of_y() + eps));
    let mut lambda = params.lambda_init.unwrap_or(1.0);
    let mut previous: Option<Vec<f64>> = None;
    for _ in 0..params.max_iter {
        crate::interrupt::check()?;
        let coef = coef_for(alpha, lambda);
        let sse = c.sse(&coef);
        let gamma: f64 = values
            .iter()
            .map(|e| alpha * e / (lambda + alpha * e))
            .sum();
        lambda = (gamma + 2.0 * params.lambda_1)
            / (coef.iter().map(|w| w * w).sum::<f64>() + 2.0 * params.lambda_2);
        alpha = (n as f64 - gamma + 2.0 * params.alpha_1) / (sse + 2.0 * params.alpha_2);
        let converged = previous.as_ref().is_some_and(|old| {
            old.iter()
                .zip(&coef)
                .map(|(a, b)| (a - b).abs())
                .sum::<f64>()
                < params.tol
        });
        if converged {
            break;
        }
        previous = Some(coef);
    }
    if !(alpha.is_finite() && lambda.is_finite()) {
        return Err(Error::data(
            "bayesian_ridge diverged (the labels are fitted exactly or are constant)",
            "add noise-free features with care, or use ridge",
        ));
    }
    let coef = coef_for(alpha, lambda);
    Ok(c.finish(coef))
}

/// scikit-learn's `ARDRegression.fit`: one precision per weight, weights whose precision
/// passes `threshold_lambda` pruned; the posterior covariance by a k×k inverse (k kept
/// features; Cholesky, or SciPy's `pinvh` as scikit-learn when that fails) when `n >= p`,
/// else by the Woodbury identity (an n×n one).
pub fn ard(data: &Dataset, params: &BayesianParams) -> Result<LinearCoefficients> {
    if data.num_rows() < 2 {
        return Err(Error::data(
            "automatic_relevance_determination needs at least 2 training rows",
            "train on a relation with more rows",
        ));
    }
    let c = Centered::new(data, params.fit_intercept)?;
    let (n, p) = (c.n, c.p);
    let eps = f64::EPSILON;
    let mut coef = vec![0.0; p];
    let mut keep = vec![true; p];
    let mut alpha = 1.0 / (c.variance_of_y() + eps);
    let mut lambda = vec![1.0; p];
    let mut previous: Option<Vec<f64>> = None;
    // The whole Gram matrix and Xᵀy once: each iteration takes the kept rows and columns.
    let gram = if n >= p { c.gram()? } else { Vec::new() };
    let xt_y_all = c.xt(&c.y);
    // Posterior covariance of the kept weights, then their mean `alpha Σ Xᵀy`.
    let update =
        |keep: &[bool], alpha: f64, lambda: &[f64], coef: &mut [f64]| -> Result<Vec<f64>> {
            let kept: Vec<usize> = (0..p).filter(|&j| keep[j]).collect();
            let k = kept.len();
            let column = |i: usize, j: usize| c.row(i)[kept[j]];
            let sigma = if n >= p {
                let mut a = vec![0.0; k * k];
                for (x, &jx) in kept.iter().enumerate() {
                    for (y, &jy) in kept.iter().enumerate() {
                        a[x * k + y] = alpha * gram[jx * p + jy];
                    }
                    a[x * k + x] += lambda[jx];
                }
                symmetric_inverse(&a, k)?
            } else {
                // Σ = Λ⁻¹ - Λ⁻¹ Xᵀ (I/α + X Λ⁻¹ Xᵀ)⁻¹ X Λ⁻¹
                let inv_lambda: Vec<f64> = kept.iter().map(|&j| 1.0 / lambda[j]).collect();
                let mut m = vec![0.0; n * n];
                for a in 0..n {
                    for b in 0..=a {
                        let v: f64 = (0..k)
                            .map(|j| column(a, j) * inv_lambda[j] * column(b, j))
                            .sum();
                        m[a * n + b] = v;
                        m[b * n + a] = v;
                    }
                    m[a * n + a] += 1.0 / alpha;
                }
                let m_inv = symmetric_inverse(&m, n)?;
                // B = M⁻¹ (X Λ⁻¹)  (n×k); Σ = Λ⁻¹ - (Λ⁻¹ Xᵀ) B
                let mut b = vec![0.0; n * k];
                for a in 0..n {
                    for j in 0..k {
                        b[a * k + j] = (0..n)
                            .map(|t| m_inv[a * n + t] * column(t, j) * inv_lambda[j])
                            .sum();
                    }
                }
                let mut sigma = vec![0.0; k * k];
                for x in 0..k {
                    for y in 0..k {
                        let v: f64 = (0..n).map(|t| column(t, x) * b[t * k + y]).sum();
                        sigma[x * k + y] = -inv_lambda[x] * v;
                    }
                    sigma[x * k + x] += inv_lambda[x];
                }
                sigma
            };
            let xt_y: Vec<f64> = kept.iter().map(|&j| xt_y_all[j]).collect();
            for x in 0..k {
                coef[kept[x]] = alpha * dot(&sigma[x * k..(x + 1) * k], &xt_y);
            }
            Ok(sigma)
        };
    for iteration in 0..params.max_iter {
        crate::interrupt::check()?;
        let sigma = update(&keep, alpha, &lambda, &mut coef)?;
        let sse = c.sse(&coef);
        let kept: Vec<usize> = (0..p).filter(|&j| keep[j]).collect();
        let k = kept.len();
        let mut gamma_sum = 0.0;
        for (x, &j) in kept.iter().enumerate() {
            let gamma = 1.0 - lambda[j] * sigma[x * k + x];
            gamma_sum += gamma;
            lambda[j] =
                (gamma + 2.0 * params.lambda_1) / (coef[j] * coef[j] + 2.0 * params.lambda_2);
        }
        alpha = (n as f64 - gamma_sum + 2.0 * params.alpha_1) / (sse + 2.0 * params.alpha_2);
        for j in 0..p {
            keep[j] = lambda[j] < params.threshold_lambda;
            if !keep[j] {
                coef[j] = 0.0;
            }
        }
        let converged = iteration > 0
            && previous.as_ref().is_some_and(|old| {
                old.iter()
                    .zip(&coef)
                    .map(|(a, b)| (a - b).abs())
                    .sum::<f64>()
                    < params.tol
            });
        if converged {
            break;
        }
        previous = Some(coef.clone());
        if !keep.iter().any(|&k| k) {
            break;
        }
    }
    if keep.iter().any(|&k| k) {
        update(&keep, alpha, &lambda, &mut coef)?;
    }
    Ok(c.finish(coef))
}

/// Settings of [`orthogonal_matching_pursuit`].
#[derive(Debug, Clone, PartialEq)]
pub struct OmpParams {
    /// Most non-zero weights (default: a tenth of the features, at least 1); ignored with `tol`.
    pub n_nonzero_coefs: Option<usize>,
    /// Stop once the squared norm of the residual is at most this.
    pub tol: Option<f64>,
    pub fit_intercept: bool,
}

/// scikit-learn's `OrthogonalMatchingPursuit.fit`: greedily adds the feature most correlated
/// with the residual and refits least squares on the chosen ones.
pub fn orthogonal_matching_pursuit(
    data: &Dataset,
    params: &OmpParams,
) -> Result<LinearCoefficients> {
    let c = Centered::new(data, params.fit_intercept)?;
    let p = c.p;
    let wanted = match (params.tol, params.n_nonzero_coefs) {
        (Some(_), _) => p,
        (None, Some(k)) if k > p => {
            return Err(Error::invalid(
                format!("n_nonzero_coefs = {k} is more than the {p} features"),
                format!("choose at most {p}"),
            ))
        }
        (None, Some(k)) => k,
        (None, None) => ((0.1 * p as f64) as usize).max(1),
    };
    let gram = c.gram()?;
    let xt_y = c.xt(&c.y);
    let mut chosen: Vec<usize> = Vec::new();
    let mut weights: Vec<f64> = Vec::new();
    let mut residual = c.y.clone();
    // scikit-learn's `_cholesky_omp` / `_gram_omp`: stop when the best feature is already
    // in, its correlation or its new Cholesky pivot is below machine epsilon (the chosen
    // features would be dependent), or, after a refit, the residual is within `tol`.
    while chosen.len() < wanted {
        crate::interrupt::check()?;
        let correlations = c.xt(&residual);
        let (best, strength) =
            correlations
                .iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |acc, (j, v)| {
                    if v.abs() > acc.1 {
                        (j, v.abs())
                    } else {
                        acc
                    }
                });
        if chosen.contains(&best) || strength * strength < f64::EPSILON {
            break;
        }
        let mut trial = chosen.clone();
        trial.push(best);
        let k = trial.len();
        let mut a = vec![0.0; k * k];
        for (x, &i) in trial.iter().enumerate() {
            for (y, &j) in trial.iter().enumerate() {
                a[x * k + y] = gram[i * p + j];
            }
        }
        let l = match cholesky(&a, k, "the chosen features' Gram matrix", "") {
            Ok(l) => l,
            Err(Error::Interrupted) => return Err(Error::Interrupted),
            Err(_) => break,
        };
        // scikit-learn checks the new pivot only from the second feature on.
        let pivot = l[k * k - 1];
        if k > 1 && pivot * pivot <= f64::EPSILON {
            break;
        }
        let b: Vec<f64> = trial.iter().map(|&j| xt_y[j]).collect();
        weights = cholesky_solve(&l, k, &b);
        chosen = trial;
        for (i, r) in residual.iter_mut().enumerate() {
            let row = c.row(i);
            *r = c.y[i]
                - chosen
                    .iter()
                    .zip(&weights)
                    .map(|(&j, w)| row[j] * w)
                    .sum::<f64>();
        }
        if let Some(tol) = params.tol {
            if residual.iter().map(|r| r * r).sum::<f64>() <= tol {
                break;
            }
        }
    }
    let mut coef = vec![0.0; p];
    for (&j, w) in chosen.iter().zip(&weights) {
        coef[j] = *w;
    }
    Ok(c.finish(coef))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::fixtures::{assert_close as close, sklearn_reference};

    const Y: [f32; 6] = [1.0, 3.0, 2.0, 5.0, 4.0, 6.0];

    /// Reference values: scikit-learn 1.9.1 on `sklearn_reference` with these labels,
    /// e.g. `BayesianRidge().fit(X, y).coef_`.
    #[test]
    fn bayesian_ridge_matches_scikit_learn() {
        let data = sklearn_reference(&Y);
        let model = bayesian_ridge(&data, &BayesianParams::default()).unwrap();
        close(
            &model.coef,
            &[1.243438596544, -0.272037315053, -0.45822161515],
            1e-8,
        );
        close(&[model.intercept], &[0.5201319953339172], 1e-8);
        let no_intercept = BayesianParams {
            fit_intercept: false,
            alpha_init: Some(2.0),
            lambda_init: Some(0.5),
            max_iter: 5,
            ..BayesianParams::default()
        };
        let model = bayesian_ridge(&data, &no_intercept).unwrap();
        close(
            &model.coef,
            &[1.344510253898, -0.238186979247, -0.502715102175],
            1e-8,
        );
        assert_eq!(model.intercept, 0.0);
        // More features than rows: the dual route.
        let wide = crate::dataset::fixtures::from_rows(
            &[
                [1.0f32, 0.0, 2.0, 1.0],
                [0.0, 1.0, 1.0, 3.0],
                [2.0, 2.0, 0.0, 1.0],
            ],
            &[1.0, 2.0, 3.0],
        );
        let model = bayesian_ridge(&wide, &BayesianParams::default()).unwrap();
        close(&model.coef, &WIDE_BR_COEF, 1e-6);
        close(&[model.intercept], &[1.66666757332803], 1e-6);
        // ARD on it goes through the Woodbury identity and prunes two weights. The rows are
        // fitted exactly, so the noise precision grows without bound and the last digits
        // depend on rounding: 1e-3.
        let model = ard(&wide, &BayesianParams::default()).unwrap();
        close(
            &model.coef,
            &[0.0, 0.500089541845, -0.500089541791, 0.0],
            1e-3,
        );
    }

    /// `BayesianRidge().fit(X, y).coef_` for the 3×4 table above (scikit-learn 1.9.1).
    const WIDE_BR_COEF: [f64; 4] = [
        0.148148011852,
        0.462961997042,
        -0.462961997042,
        0.111110648892,
    ];

    #[test]
    fn ard_matches_scikit_learn() {
        let data = sklearn_reference(&Y);
        let model = ard(&data, &BayesianParams::default()).unwrap();
        close(
            &model.coef,
            &[1.241502643516, -0.26745280767, -0.451761028978],
            1e-7,
        );
        close(&[model.intercept], &[0.5049398511000955], 1e-7);
    }

    #[test]
    fn orthogonal_matching_pursuit_matches_scikit_learn() {
        let data = sklearn_reference(&Y);
        let omp = |n_nonzero_coefs, tol| {
            orthogonal_matching_pursuit(
                &data,
                &OmpParams {
                    n_nonzero_coefs,
                    tol,
                    fit_intercept: true,
                },
            )
            .unwrap()
        };
        let model = omp(None, None);
        close(&model.coef, &[0.885714285714, 0.0, 0.0], 1e-9);
        close(&[model.intercept], &[0.4], 1e-9);
        let model = omp(Some(2), None);
        close(&model.coef, &[1.037298387097, -0.279233870968, 0.0], 1e-9);
        close(&[model.intercept], &[0.8467741935483866], 1e-9);
        let model = omp(None, Some(5.0));
        close(&model.coef, &[0.885714285714, 0.0, 0.0], 1e-9);
        // A tol above |y - mean|² (17.5) still picks one feature, as scikit-learn's
        // `OrthogonalMatchingPursuit(tol=1e6)`.
        let model = omp(None, Some(1e6));
        close(&model.coef, &[0.885714285714, 0.0, 0.0], 1e-9);
        let err = orthogonal_matching_pursuit(
            &data,
            &OmpParams {
                n_nonzero_coefs: Some(4),
                tol: None,
                fit_intercept: true,
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("n_nonzero_coefs = 4"), "{err}");
    }

    #[test]
    fn serde_round_trip() {
        let model = bayesian_ridge(&sklearn_reference(&Y), &BayesianParams::default()).unwrap();
        let back: LinearCoefficients =
            serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
        assert_eq!(back, model);
    }
}
