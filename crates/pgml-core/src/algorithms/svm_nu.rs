//! The dual problems of the kernel SVM in libsvm's two formulations: C-SVC / epsilon-SVR
//! (scikit-learn's `SVC`, `SVR`) and nu-SVC / nu-SVR (`NuSVC`, `NuSVR`), as scikit-learn's
//! copy of libsvm (`svm.cpp`: `solve_c_svc`, `solve_nu_svc`, `solve_epsilon_svr`,
//! `solve_nu_svr`) sets them up and reads their solutions.
//!
//! `nu` in (0, 1] bounds the fraction of margin errors from above and of support vectors
//! from below. nu-SVC has no `C`: its dual is solved with bounds 1 and starting values that
//! spend `nu · l / 2` on each class, then scaled by `1 / r`. nu-SVR keeps `C` and lets the
//! solver find the tube's width instead of `epsilon`.

use super::svm_kernel::{Kernel, KernelSvmParams};
use super::svm_smo::{self, Limits, Problem};
use crate::error::{Error, Result};

/// One binary classification problem: rows of `x` (`width` values each), signs `y` (+1 for
/// the first class), per-row bounds `upper` (`C` times class weights; nu-SVC ignores them,
/// as libsvm does), and `nu` for nu-SVC.
pub(super) struct Binary<'a> {
    pub x: &'a [f64],
    pub width: usize,
    pub kernel: &'a Kernel,
    pub y: &'a [f64],
    pub upper: &'a [f64],
    pub nu: Option<f64>,
}

/// The solution of a binary problem as the model keeps it: `α_t y_t` per row and `rho` (the
/// decision value is `Σ coef_t K(x_t, x) - rho`). nu-SVC's may be infinite where `nu` left
/// no room (`r = 0`); the caller checks.
pub(super) fn solve_binary(problem: &Binary<'_>, limits: &Limits) -> (Vec<f64>, f64) {
    let n = problem.y.len();
    let dual = match problem.nu {
        None => Problem {
            x: problem.x,
            width: problem.width,
            kernel: problem.kernel,
            y: problem.y.to_vec(),
            linear: vec![-1.0; n],
            upper: problem.upper.to_vec(),
            nu: false,
            start: Vec::new(),
        },
        Some(nu) => {
            let upper = vec![1.0f64; n];
            // Each class spends nu · l / 2, in row order, one bound at most per row. The
            // sum is libsvm's, row by row (`nu_l += nu * C[i]`): for most nu it falls a
            // rounding short of a whole number, which leaves one row free, and the free
            // rows decide the offsets.
            let nu_l = upper.iter().fold(0.0, |sum, c| sum + nu * c);
            let mut left = [nu_l / 2.0; 2];
            let start = problem
                .y
                .iter()
                .zip(&upper)
                .map(|(&y, &c)| {
                    let side = &mut left[usize::from(y < 0.0)];
                    let a = c.min(*side);
                    *side -= a;
                    a
                })
                .collect();
            Problem {
                x: problem.x,
                width: problem.width,
                kernel: problem.kernel,
                y: problem.y.to_vec(),
                linear: vec![0.0; n],
                upper,
                nu: true,
                start,
            }
        }
    };
    let solution = svm_smo::solve(&dual, limits);
    let scale = if problem.nu.is_some() {
        1.0 / solution.r
    } else {
        1.0
    };
    let coef = solution
        .alpha
        .iter()
        .zip(problem.y)
        .map(|(a, y)| a * y * scale)
        .collect();
    (coef, solution.rho * scale)
}

/// libsvm's `svm_check_parameter` for nu-SVC: each pair of classes (of `a` and `b` rows)
/// must afford `nu · (a + b) / 2` from its smaller class.
pub(super) fn check_nu_feasible(nu: f64, a: usize, b: usize) -> Result<()> {
    if nu * (a + b) as f64 / 2.0 > a.min(b) as f64 {
        return Err(Error::invalid(
            format!(
                "specified nu is infeasible: nu = {nu} needs nu · {} / 2 = {} rows of each of \
                 two classes, one of which has {}",
                a + b,
                nu * (a + b) as f64 / 2.0,
                a.min(b)
            ),
            format!(
                "use nu < {} (2 · the smaller class / both classes' rows, for the most \
                 unbalanced pair of classes)",
                // Rounded down: the limit itself leaves the smaller class no free row.
                (2e6 * a.min(b) as f64 / (a + b) as f64).floor() / 1e6
            ),
        ));
    }
    Ok(())
}

/// The regression problem over `x`: epsilon-SVR when `params.nu` is None, else nu-SVR. Returns
/// `α_i - α*_i` per row and `rho` (the prediction is `Σ coef_i K(x_i, x) - rho`).
pub(super) fn solve_regression(
    x: &[f64],
    width: usize,
    kernel: &Kernel,
    labels: &[f32],
    params: &KernelSvmParams,
    limits: &Limits,
) -> (Vec<f64>, f64) {
    let (c, epsilon, nu) = (params.c, params.epsilon, params.nu);
    let n = labels.len();
    let label = |t: usize| f64::from(labels[t % n]);
    // libsvm's dual: α (sign +1) then α* (sign -1) for every row.
    let y = (0..2 * n).map(|t| if t < n { 1.0 } else { -1.0 }).collect();
    let (linear, start) = match nu {
        None => (
            (0..2 * n)
                .map(|t| {
                    if t < n {
                        epsilon - label(t)
                    } else {
                        epsilon + label(t)
                    }
                })
                .collect(),
            Vec::new(),
        ),
        Some(nu) => {
            // Both of a row's variables start equal, spending C · nu · l / 2 in row order
            // (summed row by row, as libsvm's `sum += C[i] * nu`).
            let mut left = (0..n).fold(0.0, |sum, _| sum + c * nu) / 2.0;
            let mut start = vec![0.0; 2 * n];
            for i in 0..n {
                let a = left.min(c);
                start[i] = a;
                start[i + n] = a;
                left -= a;
            }
            let linear = (0..2 * n)
                .map(|t| if t < n { -label(t) } else { label(t) })
                .collect();
            (linear, start)
        }
    };
    let problem = Problem {
        x,
        width,
        kernel,
        y,
        linear,
        upper: vec![c; 2 * n],
        nu: nu.is_some(),
        start,
    };
    let solution = svm_smo::solve(&problem, limits);
    let beta = (0..n)
        .map(|i| solution.alpha[i] - solution.alpha[i + n])
        .collect();
    (beta, solution.rho)
}
