//! scikit-learn's `QuantileRegressor` (`quantile`): the linear model minimising the pinball
//! loss of quantile `q` plus an L1 penalty,
//!
//! ```text
//! (1/n) Σ_i pinball_q(y_i - x_i·w - b) + alpha ‖w‖₁,
//! ```
//!
//! solved as scikit-learn solves it, as a linear program (its `_quantile.py` formulation:
//! `w = s - t`, `b = s₀ - t₀`, residual `= u - v`, all non-negative, costs `alpha·n` on `s`
//! and `t`, `q` on `u`, `1 - q` on `v`), here by `microlp`'s simplex instead of HiGHS.
//! Where the optimum is unique (it is a vertex of the program) both find the same one.

use std::time::Duration;

use microlp::{
    ComparisonOp, LinearExpr, OptimizationDirection, Problem, SolveOptions, SolveOutcome,
};

use super::bayesian::LinearCoefficients;
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// Settings of [`fit`], named as scikit-learn names them.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileParams {
    /// The quantile predicted, in (0, 1) (0.5: the median).
    pub quantile: f64,
    /// The L1 penalty's weight (>= 0).
    pub alpha: f64,
    pub fit_intercept: bool,
}

impl Default for QuantileParams {
    fn default() -> Self {
        QuantileParams {
            quantile: 0.5,
            alpha: 1.0,
            fit_intercept: true,
        }
    }
}

/// How long the simplex runs between two looks for a cancel.
const SLICE: Duration = Duration::from_millis(200);

/// scikit-learn's `QuantileRegressor.fit` on `data`.
///
/// The program scikit-learn hands HiGHS has a constraint per row; its dual has a variable per
/// row, boxed in `[q - 1, q]`, and only a constraint per feature (`|X_jᵀ d| <= alpha·n`) plus
/// `Σ d = 0` for the intercept, which a simplex solves far faster (2,000 rows: 1.5 s for the
/// primal, milliseconds for the dual). The weights then follow from complementary slackness:
/// rows whose `d` is strictly inside its box have a zero residual, features whose constraint
/// is not tight a zero weight, and the zero-residual rows determine the others. Where the
/// optimum is degenerate (fewer such rows than unknowns: several optimal weights) the
/// primal program is solved instead.
pub fn fit(data: &Dataset, params: &QuantileParams) -> Result<LinearCoefficients> {
    let (n, p) = (data.num_rows(), data.num_features());
    if n == 0 {
        return Err(Error::data(
            "a linear model needs at least one training row",
            "train on a relation with rows",
        ));
    }
    let d = solve_dual(data, params)?;
    let dual_objective: f64 = d
        .iter()
        .zip(data.labels())
        .map(|(d, &y)| d * f64::from(y))
        .sum();
    // Which rows are inside their box and which constraints are tight is read with a
    // tolerance; the weights are accepted when their objective meets the dual's (strong
    // duality: then they are optimal), trying looser tolerances before the primal program.
    let mut found = None;
    for tol in [1e-9, 1e-7, 1e-5] {
        if let Some(model) = from_dual(data, params, &d, tol)? {
            let gap = objective(data, params, &model) - dual_objective;
            if gap.abs() <= 1e-7 * (1.0 + dual_objective.abs()) {
                found = Some(model);
                break;
            }
        }
    }
    match found {
        Some(model) => Ok(model),
        None => solve_primal(data, params),
    }
    .and_then(|model| {
        if !model.intercept.is_finite()
            || model.coef.iter().any(|c| !c.is_finite())
            || model.coef.len() != p
        {
            return Err(Error::data(
                "the quantile regression's solution is not finite",
                "check the features for extreme values",
            ));
        }
        Ok(model)
    })
}

fn solver_failed(e: microlp::Error) -> Error {
    Error::data(
        format!("the quantile regression's linear program could not be solved: {e}"),
        "check the features for extreme values (scale them with preprocess), or use a larger alpha",
    )
}

/// Solves `lp` in slices of [`SLICE`], looking for a cancel between them.
fn solve(lp: &Problem) -> Result<microlp::Solution> {
    let mut options = SolveOptions::default();
    options.time_limit = Some(SLICE);
    let mut outcome = lp.solve_with(options).map_err(solver_failed)?;
    loop {
        match outcome {
            SolveOutcome::Solution(solution) => return Ok(solution),
            interrupted @ SolveOutcome::Interrupted(_) => {
                crate::interrupt::check()?;
                outcome = interrupted.resume().map_err(solver_failed)?;
            }
        }
    }
}

/// The dual program's optimal `d` (one value per row).
fn solve_dual(data: &Dataset, params: &QuantileParams) -> Result<Vec<f64>> {
    let (n, p) = (data.num_rows(), data.num_features());
    let alpha = params.alpha * n as f64;
    let q = params.quantile;
    let mut lp = Problem::new(OptimizationDirection::Maximize);
    let d: Vec<_> = data
        .labels()
        .iter()
        .map(|&y| lp.add_var(f64::from(y), (q - 1.0, q)))
        .collect();
    if params.fit_intercept {
        let mut sum = LinearExpr::empty();
        d.iter().for_each(|&v| sum.add(v, 1.0));
        lp.add_constraint(sum, ComparisonOp::Eq, 0.0);
    }
    for j in 0..p {
        let mut column = LinearExpr::empty();
        for (i, &v) in d.iter().enumerate() {
            let x = f64::from(data.row(i)[j]);
            if x != 0.0 {
                column.add(v, x);
            }
        }
        if alpha == 0.0 {
            lp.add_constraint(column, ComparisonOp::Eq, 0.0);
        } else {
            lp.add_constraint(column.clone(), ComparisonOp::Le, alpha);
            lp.add_constraint(column, ComparisonOp::Ge, -alpha);
        }
    }
    let solution = solve(&lp)?;
    Ok(d.iter().map(|&v| solution[v]).collect())
}

/// The primal objective `Σ pinball_q(residual) + alpha·n ‖w‖₁` of `model`.
fn objective(data: &Dataset, params: &QuantileParams, model: &LinearCoefficients) -> f64 {
    let q = params.quantile;
    let loss: f64 = (0..data.num_rows())
        .map(|i| {
            let x = data.row(i);
            let fitted: f64 = model
                .coef
                .iter()
                .zip(x)
                .map(|(w, &v)| w * f64::from(v))
                .sum::<f64>()
                + model.intercept;
            let r = f64::from(data.labels()[i]) - fitted;
            if r >= 0.0 {
                q * r
            } else {
                (q - 1.0) * r
            }
        })
        .sum();
    let l1: f64 = model.coef.iter().map(|w| w.abs()).sum();
    loss + params.alpha * data.num_rows() as f64 * l1
}

/// The weights from the dual's `d` (`tol`: how far inside its box a row's `d` must be, and
/// how close to tight a feature's constraint, relative to its scale), or None where the
/// optimum looks degenerate.
fn from_dual(
    data: &Dataset,
    params: &QuantileParams,
    d: &[f64],
    tol: f64,
) -> Result<Option<LinearCoefficients>> {
    let (n, p) = (data.num_rows(), data.num_features());
    let alpha = params.alpha * n as f64;
    let q = params.quantile;
    let interior: Vec<usize> = (0..n)
        .filter(|&i| d[i] > q - 1.0 + tol && d[i] < q - tol)
        .collect();
    // Features whose constraint is tight may have a weight; the others have none.
    let tight: Vec<usize> = (0..p)
        .filter(|&j| {
            let (mut xd, mut scale) = (0.0, 0.0);
            for (i, di) in d.iter().enumerate() {
                let x = f64::from(data.row(i)[j]);
                xd += x * di;
                scale += x.abs();
            }
            alpha == 0.0 || xd.abs() >= alpha - tol * (scale + alpha)
        })
        .collect();
    let k = tight.len() + usize::from(params.fit_intercept);
    if k == 0 {
        return Ok(Some(LinearCoefficients {
            coef: vec![0.0; p],
            intercept: 0.0,
        }));
    }
    if interior.len() < k {
        if tight.is_empty() && params.fit_intercept {
            // Only an intercept, and no row inside its box: every b between the largest
            // label of the rows at q - 1 (residual <= 0) and the smallest at q (>= 0) is
            // optimal (the median of an even number of labels, say); the lower end.
            let labels = data.labels();
            let below = (0..n)
                .filter(|&i| d[i] <= q - 1.0 + tol)
                .map(|i| f64::from(labels[i]))
                .fold(f64::NEG_INFINITY, f64::max);
            let above = (0..n)
                .filter(|&i| d[i] >= q - tol)
                .map(|i| f64::from(labels[i]))
                .fold(f64::INFINITY, f64::min);
            let intercept = if below.is_finite() { below } else { above };
            return Ok(intercept.is_finite().then(|| LinearCoefficients {
                coef: vec![0.0; p],
                intercept,
            }));
        }
        return Ok(None);
    }
    // Least squares over the zero-residual rows (square when the optimum is a simple
    // vertex): normal equations, then one step of iterative refinement.
    let row_of = |i: usize| -> Vec<f64> {
        let r = data.row(i);
        let mut v: Vec<f64> = tight.iter().map(|&j| f64::from(r[j])).collect();
        if params.fit_intercept {
            v.push(1.0);
        }
        v
    };
    let rows: Vec<Vec<f64>> = interior.iter().map(|&i| row_of(i)).collect();
    let labels: Vec<f64> = interior
        .iter()
        .map(|&i| f64::from(data.labels()[i]))
        .collect();
    let mut ata = vec![0.0; k * k];
    for r in &rows {
        for a in 0..k {
            for b in 0..k {
                ata[a * k + b] += r[a] * r[b];
            }
        }
    }
    let inverse = super::linalg::pinvh(&ata, k)?;
    let solve = |rhs: &[f64]| -> Vec<f64> {
        let mut atb = vec![0.0; k];
        for (r, &y) in rows.iter().zip(rhs) {
            for (a, v) in atb.iter_mut().enumerate() {
                *v += r[a] * y;
            }
        }
        (0..k)
            .map(|a| (0..k).map(|b| inverse[a * k + b] * atb[b]).sum())
            .collect()
    };
    let mut theta = solve(&labels);
    let residual: Vec<f64> = rows
        .iter()
        .zip(&labels)
        .map(|(r, y)| y - r.iter().zip(&theta).map(|(a, b)| a * b).sum::<f64>())
        .collect();
    let correction = solve(&residual);
    theta.iter_mut().zip(&correction).for_each(|(t, c)| *t += c);
    let mut coef = vec![0.0; p];
    for (&j, &w) in tight.iter().zip(&theta) {
        coef[j] = w;
    }
    let intercept = if params.fit_intercept {
        theta[k - 1]
    } else {
        0.0
    };
    Ok(Some(LinearCoefficients { coef, intercept }))
}

/// scikit-learn's own program (a constraint per row): for degenerate optima.
fn solve_primal(data: &Dataset, params: &QuantileParams) -> Result<LinearCoefficients> {
    let p = data.num_features();
    let alpha = params.alpha * data.num_rows() as f64;
    let mut lp = Problem::new(OptimizationDirection::Minimize);
    let free = (0.0, f64::INFINITY);
    let intercept = params
        .fit_intercept
        .then(|| (lp.add_var(0.0, free), lp.add_var(0.0, free)));
    let weights: Vec<_> = (0..p)
        .map(|_| (lp.add_var(alpha, free), lp.add_var(alpha, free)))
        .collect();
    for (i, &label) in data.labels().iter().enumerate() {
        let u = lp.add_var(params.quantile, free);
        let v = lp.add_var(1.0 - params.quantile, free);
        let mut row = LinearExpr::empty();
        if let Some((s0, t0)) = intercept {
            row.add(s0, 1.0);
            row.add(t0, -1.0);
        }
        for (&(s, t), &x) in weights.iter().zip(data.row(i)) {
            if x != 0.0 {
                row.add(s, f64::from(x));
                row.add(t, -f64::from(x));
            }
        }
        row.add(u, 1.0);
        row.add(v, -1.0);
        lp.add_constraint(row, ComparisonOp::Eq, f64::from(label));
    }
    let solution = solve(&lp)?;
    let value = |(s, t): (microlp::Variable, microlp::Variable)| solution[s] - solution[t];
    Ok(LinearCoefficients {
        coef: weights.iter().map(|&pair| value(pair)).collect(),
        intercept: intercept.map_or(0.0, value),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::dataset::fixtures::{assert_close, diabetes_head, from_rows};

    /// scikit-learn 1.9.1 (HiGHS):
    ///   QuantileRegressor(**params).fit(X[:331], y[:331]) on diabetes, X as float32.
    /// The same vertex (the same zero weights); HiGHS's values are within its own
    /// feasibility tolerance (1e-7) of it.
    #[test]
    fn matches_scikit_learn_on_diabetes() {
        let data = diabetes_head();
        let fit = |quantile, alpha, fit_intercept| {
            fit(
                &data,
                &QuantileParams {
                    quantile,
                    alpha,
                    fit_intercept,
                },
            )
            .unwrap()
        };
        let z = 0.0;
        // alpha 1 leaves only the intercept: the labels' median.
        let model = fit(0.5, 1.0, true);
        assert_close(&model.coef, &[z; 10], 1e-9);
        assert_close(&[model.intercept], &[141.0], 1e-9);
        let model = fit(0.5, 0.01, true);
        assert_close(
            &model.coef,
            &[z, z, z, z, z, z, z, z, 192.68504353336368, z],
            1e-6,
        );
        assert_close(&[model.intercept], &[138.2864905571676], 1e-6);
        let model = fit(0.8, 0.001, true);
        assert_close(
            &model.coef,
            &[
                z,
                -225.37901936914722,
                551.84842447592,
                301.3630575935376,
                z,
                z,
                -199.86167214389735,
                z,
                424.5096862114113,
                96.48049960283068,
            ],
            1e-6,
        );
        assert_close(&[model.intercept], &[200.30343686635155], 1e-6);
        let model = fit(0.3, 0.0, true);
        assert_close(
            &model.coef,
            &[
                75.67570949330616,
                -229.9836736946483,
                423.0240180781627,
                204.52902918237407,
                330.8946806864886,
                -473.34190535120143,
                -236.20096247675042,
                193.72063582783196,
                410.96247619974116,
                -70.46070633607813,
            ],
            1e-6,
        );
        assert_close(&[model.intercept], &[117.31603328788995], 1e-6);
        let model = fit(0.5, 0.01, false);
        assert_close(&model.coef, &[z; 10], 1e-9);
        assert_eq!(model.intercept, 0.0);
    }

    /// An even number of labels and only an intercept: every value between the two middle
    /// labels is optimal (the dual finds no zero-residual row; the primal program picks one).
    #[test]
    fn a_degenerate_optimum_is_still_an_optimum() {
        let rows: Vec<[f32; 1]> = (0..4).map(|i| [i as f32]).collect();
        let data = from_rows(&rows, &[4.0, 1.0, 3.0, 2.0]);
        let params = QuantileParams {
            alpha: 100.0,
            ..QuantileParams::default()
        };
        let model = fit(&data, &params).unwrap();
        assert_eq!(model.coef, vec![0.0]);
        assert!(
            (2.0..=3.0).contains(&model.intercept),
            "{}",
            model.intercept
        );
        assert!((objective(&data, &params, &model) - 2.0).abs() < 1e-9);
    }

    #[test]
    fn the_median_of_a_constant_feature_model_is_the_label_median() {
        let rows: Vec<[f32; 1]> = (0..5).map(|_| [1.0]).collect();
        let y = [1.0, 2.0, 7.0, 9.0, 30.0];
        let model = fit(&from_rows(&rows, &y), &QuantileParams::default()).unwrap();
        assert_close(&[model.intercept + model.coef[0]], &[7.0], 1e-9);
    }
}
