//! Least-angle regression: scikit-learn's `Lars` (`least_angle`) and `LassoLars`
//! (`lasso_least_angle`), ported from its `_lars_path_solver` with the Gram matrix (Efron,
//! Hastie, Johnstone & Tibshirani 2004, "Least angle regression").
//!
//! Features enter the active set one at a time, the one most correlated with the residual
//! first; the coefficients then move along the direction equiangular to the active features
//! until another feature is as correlated. The lasso variant also drops a feature whose
//! coefficient crosses zero, which makes the path the lasso's, and stops at `alpha`. The
//! steps, their tie-breaking (the Gram matrix's rows swapped so the active features come
//! first, correlations rounded to 15 decimals), the Cholesky update and downdate and the
//! stopping rules are scikit-learn's, so the coefficients are its own to rounding.

use super::bayesian::{Centered, LinearCoefficients};
use crate::dataset::Dataset;
use crate::error::Result;

/// Settings of [`fit`], named as scikit-learn names them.
#[derive(Debug, Clone, PartialEq)]
pub struct LarsParams {
    /// `LassoLars` (drops features whose coefficient crosses zero) rather than `Lars`.
    pub lasso: bool,
    /// `LassoLars`'s `alpha`: the path stops where the largest correlation, divided by the
    /// number of rows, falls to it (0 for `Lars`: to the least-squares fit).
    pub alpha: f64,
    /// Steps at most (`Lars`'s `n_nonzero_coefs`, `LassoLars`'s `max_iter`; default 500).
    pub max_iter: usize,
    pub fit_intercept: bool,
    /// `LassoLars` only: coefficients kept >= 0.
    pub positive: bool,
    /// The smallest Cholesky diagonal (scikit-learn's `eps`, machine epsilon by default).
    pub eps: f64,
}

impl Default for LarsParams {
    fn default() -> Self {
        LarsParams {
            lasso: false,
            alpha: 0.0,
            max_iter: 500,
            fit_intercept: true,
            positive: false,
            eps: f64::EPSILON,
        }
    }
}

/// scikit-learn's `Lars.fit` / `LassoLars.fit` on `data` (labels as the target).
pub fn fit(data: &Dataset, params: &LarsParams) -> Result<LinearCoefficients> {
    let centered = Centered::new(data, params.fit_intercept)?;
    let gram = centered.gram()?;
    let xy = centered.xt(&centered.y);
    let coef = lars_path(gram, &xy, centered.n, params)?;
    Ok(centered.finish(coef))
}

/// scikit-learn's `arrayfuncs.min_pos`: the smallest positive value, or `f64::MAX`.
fn min_pos(values: impl Iterator<Item = f64>) -> f64 {
    values.filter(|&v| v > 0.0).fold(f64::MAX, f64::min)
}

/// `np.around(v, 15)`.
fn round15(v: f64) -> f64 {
    (v * 1e15).round_ties_even() / 1e15
}

/// `np.sign`.
fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// A square matrix of side `side`, row-major, of which the leading `n × n` block is used.
struct Square {
    side: usize,
    a: Vec<f64>,
}

impl Square {
    fn at(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.side + j]
    }

    fn set(&mut self, i: usize, j: usize, v: f64) {
        self.a[i * self.side + j] = v;
    }

    /// Swaps rows `i` and `j`, then columns `i` and `j`.
    fn swap_both(&mut self, i: usize, j: usize) {
        if i == j {
            return;
        }
        let s = self.side;
        for k in 0..s {
            self.a.swap(i * s + k, j * s + k);
        }
        for k in 0..s {
            self.a.swap(k * s + i, k * s + j);
        }
    }

    /// Solves `L x = b` in place (`L`: the leading `n × n` lower triangle).
    #[allow(clippy::needless_range_loop)] // triangular indices, as in LAPACK
    fn forward(&self, n: usize, b: &mut [f64]) {
        for i in 0..n {
            let mut v = b[i];
            for k in 0..i {
                v -= self.at(i, k) * b[k];
            }
            b[i] = v / self.at(i, i);
        }
    }

    /// `scipy.linalg.cho_solve((L, True), b)`: `L Lᵀ x = b`.
    #[allow(clippy::needless_range_loop)] // triangular indices, as in LAPACK
    fn cho_solve(&self, n: usize, b: &[f64]) -> Vec<f64> {
        let mut x = b.to_vec();
        self.forward(n, &mut x);
        for i in (0..n).rev() {
            let mut v = x[i];
            for k in i + 1..n {
                v -= self.at(k, i) * x[k];
            }
            x[i] = v / self.at(i, i);
        }
        x
    }

    /// scikit-learn's `arrayfuncs.cholesky_delete`: removes row and column `out` from the
    /// `n × n` Cholesky factor, restoring its triangle with Givens rotations.
    fn cholesky_delete(&mut self, n: usize, out: usize) {
        for i in out..n.saturating_sub(1) {
            for k in 0..i + 2 {
                let v = self.at(i + 1, k);
                self.set(i, k, v);
            }
        }
        for i in out..n.saturating_sub(1) {
            let (a, b) = (self.at(i, i), self.at(i, i + 1));
            let r = a.hypot(b);
            // BLAS rotg, then the diagonal made non-negative as scikit-learn does.
            let (c, s) = if r == 0.0 { (1.0, 0.0) } else { (a / r, b / r) };
            self.set(i, i, r);
            self.set(i, i + 1, 0.0);
            for k in i + 1..n - 1 {
                let (x, y) = (self.at(k, i), self.at(k, i + 1));
                self.set(k, i, c * x + s * y);
                self.set(k, i + 1, c * y - s * x);
            }
        }
    }
}

/// The last coefficients of scikit-learn's `lars_path` (`method` "lar" or "lasso") on the
/// Gram matrix `gram` (p × p, row-major) and `xy = Xᵀ y`, over `n_samples` rows.
fn lars_path(
    gram: Vec<f64>,
    xy: &[f64],
    n_samples: usize,
    params: &LarsParams,
) -> Result<Vec<f64>> {
    let p = xy.len();
    let max_features = params.max_iter.min(p);
    let tiny32 = f64::from(f32::MIN_POSITIVE);
    let equality_tolerance = f64::from(f32::EPSILON);
    // The rows of `g` are swapped as features enter; the copy keeps the original order.
    let gram_copy = gram.clone();
    let mut g = Square { side: p, a: gram };
    let mut l = Square {
        side: max_features.max(1),
        a: vec![0.0; max_features.max(1) * max_features.max(1)],
    };
    let mut cov = xy.to_vec();
    let mut indices: Vec<usize> = (0..p).collect();
    let mut active: Vec<usize> = Vec::new();
    let mut sign_active = vec![0.0; max_features];
    let mut coef = vec![0.0; p];
    let mut prev_coef = vec![0.0; p];
    let mut prev_alpha = 0.0;
    let (mut n_iter, mut n_active) = (0usize, 0usize);
    let mut drop = false;
    let mut dropped: Vec<usize> = Vec::new();
    // Features whose Cholesky pivot vanished: dependent on the active ones.
    let mut excluded = vec![false; p];
    let mut any_excluded = false;
    loop {
        crate::interrupt::check()?;
        // np.argmax: the first largest, among the features not left out.
        let strength = |v: f64| if params.positive { v } else { v.abs() };
        let mut best: Option<usize> = None;
        for (k, &v) in cov.iter().enumerate() {
            if excluded[indices[n_active + k]] {
                continue;
            }
            if best.is_none_or(|b| strength(v) > strength(cov[b])) {
                best = Some(k);
            }
        }
        let (c_idx, c_signed) = best.map_or((0, 0.0), |b| (b, cov[b]));
        let mut big_c = if best.is_none() {
            0.0
        } else {
            strength(c_signed)
        };
        // A left-out feature follows the active set's correlation exactly, so the step
        // before it was left out may have ended early (its step ratio is rounding over
        // rounding): every inactive correlation is then below the active set's level, and
        // the path goes on from that level without adding a feature.
        let mut catch_up = false;
        if any_excluded && n_active > 0 && !drop {
            let a = active[0];
            let fitted: f64 = (0..p).map(|k| gram_copy[a * p + k] * coef[k]).sum();
            let level = (xy[a] - fitted).abs();
            if big_c < level * (1.0 - 1e-9) {
                big_c = level;
                catch_up = true;
            }
        }
        let alpha = big_c / n_samples as f64;
        if alpha <= params.alpha + equality_tolerance {
            // Early stop: interpolate back to exactly alpha_min.
            if (alpha - params.alpha).abs() > equality_tolerance && n_iter > 0 {
                let ss = (prev_alpha - params.alpha) / (prev_alpha - alpha);
                for (c, pc) in coef.iter_mut().zip(&prev_coef) {
                    *c = pc + ss * (*c - pc);
                }
            }
            break;
        }
        if n_iter >= params.max_iter || best.is_none() {
            break;
        }
        if !drop && !catch_up {
            sign_active[n_active] = if params.positive { 1.0 } else { sign(c_signed) };
            let (m, n) = (n_active, c_idx + n_active);
            cov.swap(c_idx, 0);
            let not_shortened = cov.clone();
            cov.remove(0);
            indices.swap(m, n);
            g.swap_both(m, n);
            let c = g.at(n_active, n_active);
            let mut row: Vec<f64> = (0..n_active).map(|k| g.at(n_active, k)).collect();
            l.forward(n_active, &mut row);
            for (k, &v) in row.iter().enumerate() {
                l.set(n_active, k, v);
            }
            let v: f64 = row.iter().map(|r| r * r).sum();
            let diag = (c - v).abs().sqrt().max(params.eps);
            l.set(n_active, n_active, diag);
            if diag < 1e-7 {
                // A feature dependent on the active ones (a repeated column, say) never
                // enters. scikit-learn zeroes its correlation for one step and takes the
                // next feature's as the active set's, which bends the rest of its path,
                // and leaves its feature order and Gram matrix swapped while it puts the
                // correlations back; here everything is put back and the feature is left
                // out for good (see `catch_up` for the step it may have cut short).
                cov = not_shortened;
                cov.swap(c_idx, 0);
                indices.swap(m, n);
                g.swap_both(m, n);
                excluded[indices[n]] = true;
                any_excluded = true;
                continue;
            }
            active.push(indices[n_active]);
            n_active += 1;
        }
        if params.lasso && n_iter > 0 && prev_alpha < alpha {
            // Rounding in the correlation updates outgrew what is left: stop.
            break;
        }
        let signs = &sign_active[..n_active];
        let mut least_squares = l.cho_solve(n_active, signs);
        let aa = if least_squares.len() == 1 && least_squares[0] == 0.0 {
            least_squares[0] = 1.0;
            1.0
        } else {
            let mut aa = 1.0
                / least_squares
                    .iter()
                    .zip(signs)
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
                    .sqrt();
            let mut i = 0;
            while !aa.is_finite() && i < 64 {
                // Ill-conditioned: a growing ridge on the factor's diagonal.
                let mut jittered = Square {
                    side: l.side,
                    a: l.a.clone(),
                };
                for k in 0..n_active {
                    let d = jittered.at(k, k) + 2f64.powi(i) * params.eps;
                    jittered.set(k, k, d);
                }
                least_squares = jittered.cho_solve(n_active, signs);
                let tmp = least_squares
                    .iter()
                    .zip(signs)
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
                    .max(params.eps);
                aa = 1.0 / tmp.sqrt();
                i += 1;
            }
            least_squares.iter_mut().for_each(|v| *v *= aa);
            aa
        };
        let corr_eq_dir: Vec<f64> = (n_active..p)
            .map(|j| {
                round15(
                    (0..n_active)
                        .map(|i| g.at(i, j) * least_squares[i])
                        .sum::<f64>(),
                )
            })
            .collect();
        let candidates = || {
            cov.iter()
                .zip(&corr_eq_dir)
                .enumerate()
                .filter(|(k, _)| !excluded[indices[n_active + k]])
                .map(|(_, pair)| pair)
        };
        let g1 = min_pos(candidates().map(|(cv, d)| (big_c - cv) / (aa - d + tiny32)));
        let mut gamma = if params.positive {
            g1.min(big_c / aa)
        } else {
            let g2 = min_pos(candidates().map(|(cv, d)| (big_c + cv) / (aa + d + tiny32)));
            g1.min(g2).min(big_c / aa)
        };
        drop = false;
        let z: Vec<f64> = active
            .iter()
            .zip(&least_squares)
            .map(|(&j, ls)| -coef[j] / (ls + tiny32))
            .collect();
        let z_pos = min_pos(z.iter().copied());
        if z_pos < gamma {
            // Some coefficients would change sign: flip them (and, for the lasso, drop
            // them at the crossing).
            dropped = (0..z.len()).filter(|&k| z[k] == z_pos).rev().collect();
            for &k in &dropped {
                sign_active[k] = -sign_active[k];
            }
            if params.lasso {
                gamma = z_pos;
            }
            drop = true;
        }
        n_iter += 1;
        prev_coef = std::mem::replace(&mut coef, vec![0.0; p]);
        prev_alpha = alpha;
        for (&j, ls) in active.iter().zip(&least_squares) {
            coef[j] = prev_coef[j] + gamma * ls;
        }
        for (cv, d) in cov.iter_mut().zip(&corr_eq_dir) {
            *cv -= gamma * d;
        }
        if drop && params.lasso {
            for &k in &dropped {
                l.cholesky_delete(n_active, k);
            }
            n_active -= 1;
            let drop_idx: Vec<usize> = dropped.iter().map(|&k| active.remove(k)).collect();
            for &k in &dropped {
                for i in k..n_active {
                    indices.swap(i, i + 1);
                    g.swap_both(i, i + 1);
                }
            }
            // The dropped features' correlations with the residual, put first among the
            // inactive ones (where the swaps put the features).
            let mut front: Vec<f64> = drop_idx
                .iter()
                .map(|&j| xy[j] - (0..p).map(|k| gram_copy[j * p + k] * coef[k]).sum::<f64>())
                .collect();
            front.extend_from_slice(&cov);
            cov = front;
            let mut kept: Vec<f64> = sign_active
                .iter()
                .enumerate()
                .filter(|(k, _)| !dropped.contains(k))
                .map(|(_, &s)| s)
                .collect();
            kept.resize(max_features, 0.0);
            sign_active = kept;
        }
    }
    Ok(coef)
}

#[cfg(test)]
#[path = "lars_tests.rs"]
mod tests;
