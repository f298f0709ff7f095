//! Kernel models solved in closed form on the training rows: scikit-learn's `KernelRidge`
//! (`kernel_ridge`), and the posterior mean of `GaussianProcessRegressor`
//! (`gaussian_process.rs`). Both keep the training rows and one dual coefficient per row, so a prediction
//! costs one kernel evaluation per training row, and fitting holds an n×n matrix: the rows are
//! bounded by [`MAX_ROWS`].

use serde::{Deserialize, Serialize};

use super::linalg::{cholesky, cholesky_solve, pinvh};
use super::svm_kernel::dot;
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// Training rows above which the n×n kernel matrix (8·n² bytes, 800 MB at 10,000) and its
/// O(n³) factorisation are refused.
pub const MAX_ROWS: usize = 10_000;

/// Rows up to which a singular kernel matrix is solved by least squares (pseudo-inverse)
/// instead of refused.
const MAX_PSEUDO_INVERSE_ROWS: usize = 500;

/// scikit-learn's pairwise kernels (`sklearn.metrics.pairwise.PAIRWISE_KERNEL_FUNCTIONS`), with
/// their parameters resolved to numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum PairKernel {
    /// `a·b`
    Linear,
    /// `(gamma a·b + coef0)^degree`
    Polynomial { degree: f64, gamma: f64, coef0: f64 },
    /// `exp(-gamma |a - b|²)`
    Rbf { gamma: f64 },
    /// `exp(-gamma |a - b|₁)`
    Laplacian { gamma: f64 },
    /// `tanh(gamma a·b + coef0)`
    Sigmoid { gamma: f64, coef0: f64 },
    /// `a·b / (|a| |b|)` (0 for a zero vector, as scikit-learn's normalisation leaves it)
    Cosine,
}

/// Kernel names `kernel_ridge` takes.
pub const KERNEL_NAMES: &[&str] = &[
    "linear",
    "poly",
    "polynomial",
    "rbf",
    "laplacian",
    "sigmoid",
    "cosine",
];

impl PairKernel {
    /// The kernel `name` with scikit-learn's defaults: `gamma` None means `1 / n_features`.
    pub fn named(
        name: &str,
        gamma: Option<f64>,
        degree: f64,
        coef0: f64,
        num_features: usize,
    ) -> Result<Self> {
        let gamma = gamma.unwrap_or(1.0 / num_features.max(1) as f64);
        Ok(match name {
            "linear" => PairKernel::Linear,
            "poly" | "polynomial" => PairKernel::Polynomial {
                degree,
                gamma,
                coef0,
            },
            "rbf" => PairKernel::Rbf { gamma },
            "laplacian" => PairKernel::Laplacian { gamma },
            "sigmoid" => PairKernel::Sigmoid { gamma, coef0 },
            "cosine" => PairKernel::Cosine,
            "chi2" | "additive_chi2" | "precomputed" => {
                return Err(Error::not_supported(
                    format!("kernel {name:?} is not supported yet"),
                    format!("use one of {}", KERNEL_NAMES.join(", ")),
                ))
            }
            other => {
                return Err(Error::invalid(
                    format!("unknown kernel {other:?}"),
                    format!("kernel is one of {}", KERNEL_NAMES.join(", ")),
                ))
            }
        })
    }

    /// `K(a, b)`.
    pub fn eval(&self, a: &[f64], b: &[f64]) -> f64 {
        match *self {
            PairKernel::Linear => dot(a, b),
            PairKernel::Polynomial {
                degree,
                gamma,
                coef0,
            } => (gamma * dot(a, b) + coef0).powf(degree),
            PairKernel::Rbf { gamma } => {
                let d2: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
                (-gamma * d2).exp()
            }
            PairKernel::Laplacian { gamma } => {
                let d1: f64 = a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum();
                (-gamma * d1).exp()
            }
            PairKernel::Sigmoid { gamma, coef0 } => (gamma * dot(a, b) + coef0).tanh(),
            PairKernel::Cosine => {
                let norms = dot(a, a).sqrt() * dot(b, b).sqrt();
                if norms > 0.0 {
                    dot(a, b) / norms
                } else {
                    0.0
                }
            }
        }
    }
}

/// A model `f(x) = offset + scale · Σᵢ dualᵢ K(x, rowᵢ)` over the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KernelModel {
    kernel: PairKernel,
    /// The training rows, back to back.
    rows: Vec<f64>,
    width: usize,
    dual: Vec<f64>,
    /// Label normalisation undone at prediction (`normalize_y` of the Gaussian process).
    offset: f64,
    scale: f64,
}

/// Settings of [`KernelModel::kernel_ridge`].
#[derive(Debug, Clone, PartialEq)]
pub struct KernelRidgeParams {
    pub alpha: f64,
    pub kernel: PairKernel,
}

impl KernelModel {
    /// scikit-learn's `KernelRidge`: `dual = (K + alpha I)⁻¹ y`, no intercept.
    pub fn kernel_ridge(data: &Dataset, params: &KernelRidgeParams) -> Result<Self> {
        let y: Vec<f64> = data.labels().iter().map(|&v| f64::from(v)).collect();
        let hint = if params.alpha > 0.0 {
            "the kernel is not positive semi-definite on these rows (sigmoid kernels need not \
             be): raise alpha, or use another kernel"
        } else {
            "alpha = 0 leaves a singular kernel matrix: use an alpha > 0 (default 1.0)"
        };
        Self::solve(
            data,
            params.kernel,
            params.alpha,
            &y,
            hint,
            (0.0, 1.0),
            true,
        )
    }

    /// Solves `(K + alpha I) dual = y` on the training rows (`(offset, scale)` undo a
    /// normalisation of `y` at prediction); a singular matrix is solved by least squares when
    /// `least_squares` (scikit-learn's `KernelRidge` does, its Gaussian process does not).
    pub(super) fn solve(
        data: &Dataset,
        kernel: PairKernel,
        alpha: f64,
        y: &[f64],
        hint: &str,
        (offset, scale): (f64, f64),
        least_squares: bool,
    ) -> Result<Self> {
        let n = data.num_rows();
        if n == 0 {
            return Err(Error::data(
                "a kernel model needs at least one training row",
                "train on a relation with rows",
            ));
        }
        if n > MAX_ROWS {
            return Err(Error::data(
                format!(
                    "{n} training rows: a kernel model holds an n×n matrix, at most {MAX_ROWS} rows"
                ),
                "train on a sample of the rows (a view with TABLESAMPLE or LIMIT), or use ridge \
                 or svm",
            ));
        }
        let width = data.num_features();
        let rows: Vec<f64> = (0..n)
            .flat_map(|i| data.row(i).iter().map(|&v| f64::from(v)))
            .collect();
        let row = |i: usize| &rows[i * width..(i + 1) * width];
        let mut k = vec![0.0f64; n * n];
        for i in 0..n {
            for j in 0..=i {
                let value = kernel.eval(row(i), row(j));
                k[i * n + j] = value;
                k[j * n + i] = value;
            }
            k[i * n + i] += alpha;
            if i % 256 == 255 {
                crate::interrupt::check()?;
            }
        }
        let dual = match cholesky(&k, n, "the kernel matrix plus alpha", hint) {
            Ok(factor) => cholesky_solve(&factor, n, y),
            Err(Error::Interrupted) => return Err(Error::Interrupted),
            // scikit-learn falls back to least squares (with a warning) when the matrix is
            // singular or indefinite; the minimum-norm solution through the pseudo-inverse
            // is the same, affordable for small n only (Jacobi sweeps are O(n³) each).
            Err(_) if least_squares && n <= MAX_PSEUDO_INVERSE_ROWS => {
                let inverse = pinvh(&k, n)?;
                (0..n)
                    .map(|i| dot(&inverse[i * n..(i + 1) * n], y))
                    .collect()
            }
            Err(e) => return Err(e),
        };
        drop(k);
        Ok(KernelModel {
            kernel,
            rows,
            width,
            dual,
            offset,
            scale,
        })
    }

    /// The prediction for one row.
    pub fn predict(&self, features: &[f32]) -> f32 {
        let x: Vec<f64> = features.iter().map(|&v| f64::from(v)).collect();
        let sum: f64 = self
            .rows
            .chunks_exact(self.width.max(1))
            .zip(&self.dual)
            .map(|(row, d)| d * self.kernel.eval(&x, row))
            .sum();
        (self.offset + self.scale * sum) as f32
    }

    /// The kernel.
    pub fn kernel(&self) -> PairKernel {
        self.kernel
    }

    /// The dual coefficients (one per training row).
    pub fn dual_coef(&self) -> &[f64] {
        &self.dual
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::fixtures::{assert_close as close, sklearn_reference};

    const Y: [f32; 6] = [1.0, 3.0, 2.0, 5.0, 4.0, 6.0];

    fn ridge(kernel: PairKernel, alpha: f64) -> KernelModel {
        KernelModel::kernel_ridge(&sklearn_reference(&Y), &KernelRidgeParams { alpha, kernel })
            .unwrap()
    }

    fn predictions(model: &KernelModel) -> Vec<f64> {
        let data = sklearn_reference(&Y);
        (0..6)
            .map(|i| f64::from(model.predict(data.row(i))))
            .collect()
    }
    /// Reference values: scikit-learn 1.9.1 on `sklearn_reference` with these labels, e.g.
    /// `KernelRidge(kernel="rbf", alpha=0.5).fit(X, y).dual_coef_`.
    #[test]
    fn kernel_ridge_matches_scikit_learn() {
        let linear = ridge(PairKernel::Linear, 1.0);
        close(
            linear.dual_coef(),
            &[
                0.333903530786,
                0.254652913641,
                0.005060075594,
                0.522529628074,
                -0.340356663628,
                0.003769449025,
            ],
            1e-9,
        );
        close(
            &predictions(&linear),
            &[
                0.666096469214,
                2.745347086359,
                1.994939924406,
                4.477470371926,
                4.340356663628,
                5.996230550975,
            ],
            1e-6,
        );
        // gamma None = 1 / n_features.
        let rbf = KernelModel::kernel_ridge(
            &sklearn_reference(&Y),
            &KernelRidgeParams {
                alpha: 0.5,
                kernel: PairKernel::named("rbf", None, 3.0, 1.0, 3).unwrap(),
            },
        )
        .unwrap();
        close(
            rbf.dual_coef(),
            &[
                0.293084128065,
                1.846202031826,
                1.204301511988,
                3.200509891448,
                2.658850449436,
                3.978481432474,
            ],
            1e-9,
        );
        let unseen = [
            f64::from(rbf.predict(&[2.5, 3.0, 1.0])),
            f64::from(rbf.predict(&[0.0; 3])),
        ];
        close(&unseen, &[1.514571465726, 0.3015600843], 1e-6);
        let cases: [(PairKernel, f64, [f64; 6]); 4] = [
            (
                PairKernel::named("poly", Some(1.0 / 3.0), 2.0, 1.0, 3).unwrap(),
                0.1,
                [
                    -0.235250751203,
                    0.572223519929,
                    0.138465798872,
                    -0.043503027589,
                    -0.050990419842,
                    -0.004806508863,
                ],
            ),
            (
                PairKernel::named("laplacian", Some(0.2), 3.0, 1.0, 3).unwrap(),
                0.3,
                [
                    -1.429490325514,
                    1.517572014632,
                    -0.391395402486,
                    2.666188168744,
                    2.201790358,
                    3.844332626025,
                ],
            ),
            (
                PairKernel::named("cosine", None, 3.0, 1.0, 3).unwrap(),
                0.3,
                [
                    -4.842776664106,
                    -1.462455477099,
                    -2.669943364051,
                    3.784985515282,
                    4.187151332968,
                    4.754156101971,
                ],
            ),
            (
                PairKernel::named("sigmoid", Some(0.01), 3.0, 0.5, 3).unwrap(),
                1.0,
                [
                    -1.31419863642,
                    0.641617648484,
                    -0.891119148024,
                    2.137780453173,
                    0.747930053153,
                    2.842726904717,
                ],
            ),
        ];
        for (kernel, alpha, dual) in cases {
            close(ridge(kernel, alpha).dual_coef(), &dual, 1e-8);
        }
    }

    #[test]
    fn refusals_name_the_fix() {
        let data = sklearn_reference(&Y);
        let err = PairKernel::named("chi2", None, 3.0, 1.0, 3).unwrap_err();
        assert!(err.to_string().contains("chi2") && err.hint().unwrap_or_default().contains("rbf"));
        let err = PairKernel::named("precomputed", None, 3.0, 1.0, 3).unwrap_err();
        assert_eq!(err.sqlstate(), crate::error::SqlState::FeatureNotSupported);
        // Duplicate rows make a singular matrix without alpha: least squares, as scikit-learn
        // (KernelRidge(alpha=0).fit([[1, 2], [1, 2], [0, 1]], [1, 2, 0]) predicts 1.5, 1.5, 0).
        let rows = [[1.0f32, 2.0], [1.0, 2.0], [0.0, 1.0]];
        let twice = crate::dataset::fixtures::from_rows(&rows, &[1.0, 2.0, 0.0]);
        let exact = KernelRidgeParams {
            alpha: 0.0,
            kernel: PairKernel::Linear,
        };
        let model = KernelModel::kernel_ridge(&twice, &exact).unwrap();
        let got: Vec<f64> = (0..3)
            .map(|i| f64::from(model.predict(twice.row(i))))
            .collect();
        close(&got, &[1.5, 1.5, 0.0], 1e-5);
        assert!(KernelModel::kernel_ridge(
            &data,
            &KernelRidgeParams {
                alpha: 1e-9,
                kernel: PairKernel::Rbf { gamma: 0.5 }
            }
        )
        .is_ok());
    }

    #[test]
    fn serde_round_trip() {
        let model = ridge(PairKernel::Rbf { gamma: 0.3 }, 0.5);
        let text = serde_json::to_string(&model).unwrap();
        let back: KernelModel = serde_json::from_str(&text).unwrap();
        assert_eq!(back, model);
    }
}
