//! Probability estimates of the kernel SVM: scikit-learn's `SVC(probability=True)`, which is
//! libsvm's (Chang & Lin, "LIBSVM", section 8):
//! - for each pair of classes, decision values of its training rows from a 5-fold
//!   cross-validation of the pair's binary problem, to which a sigmoid
//!   `P(first class | d) = 1 / (1 + exp(A d + B))` is fitted (Platt scaling, with the Newton
//!   method and targets of Lin, Lin & Weng 2007);
//! - at prediction, the pairwise probabilities are coupled into one probability per class
//!   (Wu, Lin & Weng 2004, method 2), or used directly for two classes.
//!
//! The folds are shuffled by the model's `random_state` (libsvm uses C's `rand`), so the
//! figures are libsvm's method, not scikit-learn's digits.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::svm_nu::{self, Binary};
use super::svm_smo::Limits;

/// libsvm's clamp of pairwise probabilities away from 0 and 1.
const MIN_PROBABILITY: f64 = 1e-7;

const FOLDS: usize = 5;

/// The sigmoid `(A, B)` of a binary problem, from 5-fold cross-validated decision values.
pub(super) fn fit_sigmoid(problem: &Binary<'_>, limits: &Limits, rng: &mut StdRng) -> (f64, f64) {
    let decisions = cross_validated_decisions(problem, limits, rng);
    sigmoid_train(&decisions, problem.y)
}

/// A random generator for the folds of a model's pairs.
pub(super) fn folds_rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// libsvm's `svm_binary_svc_probability`: each row's decision value from the model trained on
/// the other folds (positive: the first class). A fold whose training part holds one class
/// only gives its rows ±1.
fn cross_validated_decisions(problem: &Binary<'_>, limits: &Limits, rng: &mut StdRng) -> Vec<f64> {
    let n = problem.y.len();
    let width = problem.width;
    let mut perm: Vec<usize> = (0..n).collect();
    for i in 0..n {
        let j = rng.gen_range(i..n);
        perm.swap(i, j);
    }
    let mut decisions = vec![0.0; n];
    for fold in 0..FOLDS {
        let (begin, end) = (fold * n / FOLDS, (fold + 1) * n / FOLDS);
        let train: Vec<usize> = perm[..begin].iter().chain(&perm[end..]).copied().collect();
        let positives = train.iter().filter(|&&t| problem.y[t] > 0.0).count();
        let negatives = train.len() - positives;
        let constant = match (positives, negatives) {
            (0, 0) => Some(0.0),
            (_, 0) => Some(1.0),
            (0, _) => Some(-1.0),
            _ => None,
        };
        if let Some(value) = constant {
            for &t in &perm[begin..end] {
                decisions[t] = value;
            }
            continue;
        }
        let sub_x: Vec<f64> = train
            .iter()
            .flat_map(|&t| &problem.x[t * width..(t + 1) * width])
            .copied()
            .collect();
        let sub_y: Vec<f64> = train.iter().map(|&t| problem.y[t]).collect();
        let sub_upper: Vec<f64> = train.iter().map(|&t| problem.upper[t]).collect();
        let sub = Binary {
            x: &sub_x,
            width,
            kernel: problem.kernel,
            y: &sub_y,
            upper: &sub_upper,
            nu: problem.nu,
        };
        let (coef, rho) = svm_nu::solve_binary(&sub, limits);
        let support: Vec<(usize, f64)> = coef
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c != 0.0)
            .map(|(s, &c)| (s, c))
            .collect();
        for &t in &perm[begin..end] {
            let row = &problem.x[t * width..(t + 1) * width];
            let sum: f64 = support
                .iter()
                .map(|&(s, coef)| {
                    coef * problem.kernel.eval(&sub_x[s * width..(s + 1) * width], row)
                })
                .sum();
            // A fold nu leaves no room in (r = 0) predicts nothing rather than NaN.
            let d = sum - rho;
            decisions[t] = if d.is_finite() { d } else { 0.0 };
        }
    }
    decisions
}

/// `log(1 + exp(-|f|))` plus the part of the cross-entropy that keeps it stable, as libsvm
/// writes it.
fn loss(target: f64, f: f64) -> f64 {
    if f >= 0.0 {
        target * f + (-f).exp().ln_1p()
    } else {
        (target - 1.0) * f + f.exp().ln_1p()
    }
}

/// libsvm's `sigmoid_train`: `(A, B)` minimising the cross-entropy of
/// `1 / (1 + exp(A d + B))` against regularised targets, by Newton's method with a
/// backtracking line search.
pub(super) fn sigmoid_train(decisions: &[f64], y: &[f64]) -> (f64, f64) {
    let prior1 = y.iter().filter(|&&v| v > 0.0).count() as f64;
    let prior0 = y.len() as f64 - prior1;
    let (max_iter, min_step, sigma, eps) = (100, 1e-10, 1e-12, 1e-5);
    let high = (prior1 + 1.0) / (prior1 + 2.0);
    let low = 1.0 / (prior0 + 2.0);
    let targets: Vec<f64> = y
        .iter()
        .map(|&v| if v > 0.0 { high } else { low })
        .collect();
    let objective = |a: f64, b: f64| -> f64 {
        decisions
            .iter()
            .zip(&targets)
            .map(|(&d, &t)| loss(t, d * a + b))
            .sum()
    };
    let (mut a, mut b) = (0.0, ((prior0 + 1.0) / (prior1 + 1.0)).ln());
    let mut value = objective(a, b);
    for _ in 0..max_iter {
        let (mut h11, mut h22, mut h21, mut g1, mut g2) = (sigma, sigma, 0.0, 0.0, 0.0);
        for (&d, &t) in decisions.iter().zip(&targets) {
            let f = d * a + b;
            let (p, q) = if f >= 0.0 {
                let e = (-f).exp();
                (e / (1.0 + e), 1.0 / (1.0 + e))
            } else {
                let e = f.exp();
                (1.0 / (1.0 + e), e / (1.0 + e))
            };
            let d2 = p * q;
            h11 += d * d * d2;
            h22 += d2;
            h21 += d * d2;
            let d1 = t - p;
            g1 += d * d1;
            g2 += d1;
        }
        if g1.abs() < eps && g2.abs() < eps {
            break;
        }
        let det = h11 * h22 - h21 * h21;
        let da = -(h22 * g1 - h21 * g2) / det;
        let db = -(-h21 * g1 + h11 * g2) / det;
        let gd = g1 * da + g2 * db;
        let mut step = 1.0;
        while step >= min_step {
            let (na, nb) = (a + step * da, b + step * db);
            let new_value = objective(na, nb);
            if new_value < value + 0.0001 * step * gd {
                (a, b, value) = (na, nb, new_value);
                break;
            }
            step /= 2.0;
        }
        if step < min_step {
            break; // the line search failed: keep the last point, as libsvm does
        }
    }
    (a, b)
}

/// `P(first class | d)` for the sigmoid `(A, B)`, clamped as libsvm clamps it.
pub(super) fn pair_probability(d: f64, (a, b): (f64, f64)) -> f64 {
    let f = d * a + b;
    let p = if f >= 0.0 {
        let e = (-f).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + f.exp())
    };
    p.clamp(MIN_PROBABILITY, 1.0 - MIN_PROBABILITY)
}

/// libsvm's `multiclass_probability`: class probabilities from pairwise ones (`r[i][j]` is
/// `P(i | i or j)`), by the fixed-point iteration of Wu, Lin & Weng's second method.
#[allow(clippy::needless_range_loop)] // matrix indices, as in libsvm
pub(super) fn couple(r: &[Vec<f64>]) -> Vec<f64> {
    let k = r.len();
    let mut p = vec![1.0 / k as f64; k];
    let mut q = vec![vec![0.0; k]; k];
    for t in 0..k {
        for j in 0..k {
            if j != t {
                q[t][t] += r[j][t] * r[j][t];
            }
        }
        for j in 0..k {
            if j != t {
                q[t][j] = -r[j][t] * r[t][j];
            }
        }
    }
    let eps = 0.005 / k as f64;
    let mut qp = vec![0.0; k];
    for _ in 0..100.max(k) {
        let mut pqp = 0.0;
        for t in 0..k {
            qp[t] = (0..k).map(|j| q[t][j] * p[j]).sum();
            pqp += p[t] * qp[t];
        }
        let max_error = qp.iter().map(|v| (v - pqp).abs()).fold(0.0, f64::max);
        if max_error < eps {
            break;
        }
        for t in 0..k {
            let diff = (-qp[t] + pqp) / q[t][t];
            p[t] += diff;
            pqp = (pqp + diff * (diff * q[t][t] + 2.0 * qp[t])) / (1.0 + diff) / (1.0 + diff);
            for j in 0..k {
                qp[j] = (qp[j] + diff * q[t][j]) / (1.0 + diff);
                p[j] /= 1.0 + diff;
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sigmoid_fits_separable_decisions_steeply_and_in_the_right_direction() {
        let decisions = [-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0];
        let y = [-1.0, -1.0, -1.0, -1.0, 1.0, 1.0, 1.0, 1.0];
        let (a, b) = sigmoid_train(&decisions, &y);
        assert!(a < -1.0, "A = {a}");
        assert!(b.abs() < 1e-6, "symmetric data: B = {b}");
        assert!(pair_probability(2.0, (a, b)) > 0.9);
        assert!(pair_probability(-2.0, (a, b)) < 0.1);
        // Regularised targets keep it finite even for perfectly separated data.
        assert!(a.is_finite());
    }

    #[test]
    fn coupling_recovers_consistent_pairwise_probabilities() {
        // Pairwise probabilities of the distribution (0.5, 0.3, 0.2).
        let truth = [0.5, 0.3, 0.2];
        let r: Vec<Vec<f64>> = (0..3)
            .map(|i| {
                (0..3)
                    .map(|j| {
                        if i == j {
                            0.0
                        } else {
                            truth[i] / (truth[i] + truth[j])
                        }
                    })
                    .collect()
            })
            .collect();
        let p = couple(&r);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{p:?}");
        for (got, want) in p.iter().zip(truth) {
            assert!((got - want).abs() < 0.01, "{p:?}");
        }
    }
}
