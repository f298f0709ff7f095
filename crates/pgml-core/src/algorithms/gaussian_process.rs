//! scikit-learn's `GaussianProcessRegressor` with its default kernel, `ConstantKernel(1.0) *
//! RBF(1.0)` (`gaussian_process`, regression): the kernel's two hyperparameters (amplitude
//! `c` and length scale `l`) are tuned, as scikit-learn does, by maximising the log marginal
//! likelihood from `c = l = 1` within their default bounds (1e-5 .. 1e5), then the model is
//! the posterior mean `c R(x, X) (c R + alpha I)⁻¹ y`, `R = exp(-|a - b|² / (2 l²))`.

use super::kernel_ridge::{KernelModel, PairKernel};
use super::linalg::{cholesky, cholesky_solve, inverse_from_factor};
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// Settings (scikit-learn's names).
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianProcessParams {
    /// Added to the kernel matrix's diagonal (noise variance; default 1e-10).
    pub alpha: f64,
    /// Fit on standardised labels (mean 0, variance 1) and undo it when predicting.
    pub normalize_y: bool,
    /// Iterations of the likelihood maximisation (0: keep `c = l = 1`, as scikit-learn's
    /// `optimizer=None`).
    pub max_iter: usize,
}

/// The longest move of a hyperparameter per iteration, in log space (a factor of e): the log
/// marginal likelihood has several maxima, and a long step can leave the one the climb from
/// the defaults leads to (on unit-norm features, for one, a tiny length scale makes every
/// row independent: a flat, worse plateau).
const MAX_STEP: f64 = 1.0;

/// Training rows above which the likelihood's n×n matrices (several at once, 8·n² bytes
/// each: 128 MB at 4,000) and O(n³) steps per evaluation are refused.
pub const MAX_ROWS: usize = 4_000;

/// `ln(1e5)`: the log-space bound of both hyperparameters.
const LOG_BOUND: f64 = 11.512925464970229;

const SINGULAR_HINT: &str = "the kernel matrix is numerically singular (duplicate or nearly \
                             equal rows): raise alpha (default 1e-10), e.g. {\"alpha\": 1e-6}";

/// Fits the posterior mean.
pub fn fit(data: &Dataset, params: &GaussianProcessParams) -> Result<KernelModel> {
    let n = data.num_rows();
    if n == 0 {
        return Err(Error::data(
            "gaussian_process needs at least one training row",
            "train on a relation with rows",
        ));
    }
    if n > MAX_ROWS {
        return Err(Error::data(
            format!("{n} training rows: gaussian_process tunes its kernel on n×n matrices, at most {MAX_ROWS} rows"),
            "train on a sample of the rows (a view with TABLESAMPLE or LIMIT), or use kernel_ridge or svm",
        ));
    }
    let mut y: Vec<f64> = data.labels().iter().map(|&v| f64::from(v)).collect();
    let (mut offset, mut scale) = (0.0, 1.0);
    if params.normalize_y {
        offset = y.iter().sum::<f64>() / n as f64;
        let variance = y.iter().map(|v| (v - offset).powi(2)).sum::<f64>() / n as f64;
        // scikit-learn's `_handle_zeros_in_scale`: a constant label keeps scale 1.
        scale = if variance > 0.0 { variance.sqrt() } else { 1.0 };
        y.iter_mut().for_each(|v| *v = (*v - offset) / scale);
    }
    let width = data.num_features();
    let rows: Vec<f64> = (0..n)
        .flat_map(|i| data.row(i).iter().map(|&v| f64::from(v)))
        .collect();
    let mut d2 = vec![0.0f64; n * n];
    for i in 0..n {
        for j in 0..i {
            let (a, b) = (
                &rows[i * width..(i + 1) * width],
                &rows[j * width..(j + 1) * width],
            );
            let v: f64 = a.iter().zip(b).map(|(x, z)| (x - z) * (x - z)).sum();
            d2[i * n + j] = v;
            d2[j * n + i] = v;
        }
    }
    let mut failure: Option<Error> = None;
    let objective = |theta: &[f64], grad: &mut [f64]| -> f64 {
        match negative_log_likelihood(&d2, n, &y, theta, params.alpha, grad) {
            Ok(value) => value,
            Err(e) => {
                // A cancel is not a property of the point tried: reported as itself below.
                if !matches!(e, Error::Interrupted) {
                    failure.get_or_insert(e);
                }
                grad.fill(0.0);
                f64::INFINITY
            }
        }
    };
    crate::interrupt::check()?;
    let theta = if params.max_iter > 0 {
        super::lbfgs::minimize_with_steps(
            objective,
            vec![0.0, 0.0],
            params.max_iter,
            1e-5,
            MAX_STEP,
        )?
    } else {
        vec![0.0, 0.0]
    };
    let (amplitude, length) = (clamp(theta[0]).exp(), clamp(theta[1]).exp());
    let gamma = 1.0 / (2.0 * length * length);
    // (c R + alpha I)⁻¹ y = (R + alpha/c I)⁻¹ y / c, and predictions multiply by c again: the
    // dual coefficients of R with alpha/c are the model's.
    KernelModel::solve(
        data,
        PairKernel::Rbf { gamma },
        params.alpha / amplitude,
        &y,
        SINGULAR_HINT,
        (offset, scale),
        false,
    )
    .map_err(|e| match e {
        Error::Interrupted => e,
        other => failure.take().unwrap_or(other),
    })
}

fn clamp(log_value: f64) -> f64 {
    log_value.clamp(-LOG_BOUND, LOG_BOUND)
}

/// `-log p(y | X, c, l)` and its gradient in `(ln c, ln l)`:
/// `½ yᵀK⁻¹y + Σ ln L_ii + n/2 ln 2π`, `∂/∂θ = -½ tr((a aᵀ - K⁻¹) ∂K/∂θ)`, `a = K⁻¹y`.
fn negative_log_likelihood(
    d2: &[f64],
    n: usize,
    y: &[f64],
    theta: &[f64],
    alpha: f64,
    grad: &mut [f64],
) -> Result<f64> {
    let (c, l) = (clamp(theta[0]).exp(), clamp(theta[1]).exp());
    let inv_2l2 = 1.0 / (2.0 * l * l);
    let mut k = vec![0.0f64; n * n];
    for i in 0..n {
        for j in 0..=i {
            let v = c * (-d2[i * n + j] * inv_2l2).exp();
            k[i * n + j] = v;
            k[j * n + i] = v;
        }
        k[i * n + i] += alpha;
    }
    let factor = cholesky(&k, n, "the kernel matrix plus alpha", SINGULAR_HINT)?;
    let a = cholesky_solve(&factor, n, y);
    let log_det: f64 = (0..n).map(|i| factor[i * n + i].ln()).sum();
    let value = 0.5 * super::svm_kernel::dot(y, &a)
        + log_det
        + 0.5 * n as f64 * (2.0 * std::f64::consts::PI).ln();
    let inverse = inverse_from_factor(&factor, n)?;
    let (mut g_c, mut g_l) = (0.0, 0.0);
    for i in 0..n {
        if i % 256 == 255 {
            crate::interrupt::check()?;
        }
        for j in 0..n {
            let w = a[i] * a[j] - inverse[i * n + j];
            let ck = k[i * n + j] - if i == j { alpha } else { 0.0 };
            g_c += w * ck;
            g_l += w * ck * d2[i * n + j] / (l * l);
        }
    }
    // Outside the bounds the objective is flat (clamped): no gradient pushes further out.
    let inside = |t: f64| t.abs() < LOG_BOUND;
    grad[0] = if inside(theta[0]) { -0.5 * g_c } else { 0.0 };
    grad[1] = if inside(theta[1]) { -0.5 * g_l } else { 0.0 };
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::fixtures::{assert_close as close, sklearn_reference};

    const Y: [f32; 6] = [1.0, 3.0, 2.0, 5.0, 4.0, 6.0];

    fn predictions(model: &KernelModel) -> Vec<f64> {
        let data = sklearn_reference(&Y);
        (0..6)
            .map(|i| f64::from(model.predict(data.row(i))))
            .collect()
    }

    fn params(alpha: f64, normalize_y: bool) -> GaussianProcessParams {
        GaussianProcessParams {
            alpha,
            normalize_y,
            max_iter: 100,
        }
    }

    /// scikit-learn 1.9.1: `GaussianProcessRegressor()` interpolates (alpha 1e-10);
    /// `GaussianProcessRegressor(normalize_y=True, alpha=1e-3)` tunes its kernel to
    /// `0.996**2 * RBF(length_scale=1.01)` and smooths.
    #[test]
    fn matches_scikit_learn() {
        let data = sklearn_reference(&Y);
        let exact = fit(&data, &params(1e-10, false)).unwrap();
        close(&predictions(&exact), &[1.0, 3.0, 2.0, 5.0, 4.0, 6.0], 1e-6);
        let smooth = fit(&data, &params(1e-3, true)).unwrap();
        let PairKernel::Rbf { gamma } = smooth.kernel() else {
            panic!("{:?}", smooth.kernel())
        };
        let length = (1.0 / (2.0 * gamma)).sqrt();
        assert!((length - 1.01).abs() < 0.005, "length scale {length}");
        close(
            &predictions(&smooth),
            &[
                1.002499076373,
                3.000209938657,
                2.001527772568,
                4.998455283721,
                3.999495199084,
                5.997485567118,
            ],
            2e-6,
        );
        let unseen = [
            f64::from(smooth.predict(&[2.5, 3.0, 1.0])),
            f64::from(smooth.predict(&[0.0; 3])),
        ];
        close(&unseen, &GP_UNSEEN, 1e-4);
    }

    /// `predict([[2.5, 3, 1], [0, 0, 0]])` of the smoothing model above.
    const GP_UNSEEN: [f64; 2] = [3.245661915814, 3.298786114065];

    #[test]
    fn duplicate_rows_without_noise_ask_for_alpha() {
        let twice = crate::dataset::fixtures::from_rows(&[[1.0f32, 2.0], [1.0, 2.0]], &[1.0, 2.0]);
        let err = fit(&twice, &params(0.0, false)).unwrap_err();
        assert!(
            err.hint().unwrap_or_default().contains("raise alpha"),
            "{err}"
        );
        assert!(fit(&twice, &params(1e-6, false)).is_ok());
    }

    /// scikit-learn 1.9.1 on the first 331 rows of diabetes: `GaussianProcessRegressor(normalize_y=True,
    /// alpha=0.1)` tunes the kernel to `0.946**2 * RBF(length_scale=0.0525)` (features are
    /// scaled to unit norm, so the length scale must shrink 20-fold from its start).
    #[test]
    fn tunes_the_length_scale_far_from_its_start() {
        let model = fit(
            &crate::dataset::fixtures::diabetes_head(),
            &params(0.1, true),
        )
        .unwrap();
        let PairKernel::Rbf { gamma } = model.kernel() else {
            panic!("{:?}", model.kernel())
        };
        let length = (1.0 / (2.0 * gamma)).sqrt();
        assert!((length - 0.0525).abs() < 0.001, "length scale {length}");
        let data = crate::dataset::fixtures::diabetes_head();
        let row0 = data.row(0);
        close(
            &[f64::from(model.predict(row0))],
            &[162.10926803700198],
            1e-4,
        );
    }

    /// Fit times at bench/train.sh's kernel size (1,500 rows x 20), release build:
    /// `cargo test --release -p pgml-core --no-default-features kernel_fit_time -- --ignored
    /// --nocapture`.
    #[test]
    #[ignore]
    fn kernel_fit_time() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let rows: Vec<Vec<f32>> = (0..1500)
            .map(|_| (0..20).map(|_| rng.gen::<f32>() * 10.0).collect())
            .collect();
        let y: Vec<f32> = rows
            .iter()
            .map(|r| r[0] * 3.0 - r[1] * 2.0 + r[2] * r[3])
            .collect();
        let data = crate::dataset::fixtures::from_rows(&rows, &y);
        let started = std::time::Instant::now();
        let ridge = super::super::kernel_ridge::KernelRidgeParams {
            alpha: 1.0,
            kernel: PairKernel::Rbf { gamma: 0.05 },
        };
        KernelModel::kernel_ridge(&data, &ridge).unwrap();
        println!(
            "kernel_ridge rbf 1500 x 20: {:.3} s",
            started.elapsed().as_secs_f64()
        );
        let n = data.num_rows();
        let mut d2 = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                d2[i * n + j] = data
                    .row(i)
                    .iter()
                    .zip(data.row(j))
                    .map(|(a, b)| f64::from(a - b).powi(2))
                    .sum();
            }
        }
        let y64: Vec<f64> = y.iter().map(|&v| f64::from(v)).collect();
        let started = std::time::Instant::now();
        let mut grad = [0.0; 2];
        negative_log_likelihood(&d2, n, &y64, &[0.0, 0.0], 0.01, &mut grad).unwrap();
        println!(
            "one likelihood evaluation: {:.3} s",
            started.elapsed().as_secs_f64()
        );
        let started = std::time::Instant::now();
        fit(&data, &params(0.01, true)).unwrap();
        println!(
            "gaussian_process 1500 x 20: {:.3} s",
            started.elapsed().as_secs_f64()
        );
    }
}
