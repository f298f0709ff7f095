//! Lasso and elastic-net regression, fitted by cyclic coordinate descent with soft-thresholding
//! (the algorithm and stopping rule of scikit-learn's `ElasticNet`).

use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// Settings of [`ElasticNet::fit`], named as scikit-learn names them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ElasticNetParams {
    /// Overall regularisation strength (>= 0).
    pub alpha: f64,
    /// Share of the penalty that is L1, in [0, 1]: 1 is the lasso, 0 is ridge.
    pub l1_ratio: f64,
    /// Learn an (unpenalised) intercept by centering the data.
    pub fit_intercept: bool,
    /// Most sweeps over the coefficients.
    pub max_iter: usize,
    /// Stop when the largest coefficient change of a sweep, relative to the largest
    /// coefficient, is below `tol` and the duality gap is below `tol · |y|²`.
    pub tol: f64,
}

impl ElasticNetParams {
    /// scikit-learn's `Lasso()` defaults: alpha 1, l1_ratio 1, intercept, 1000 sweeps, tol 1e-4.
    pub fn lasso() -> Self {
        ElasticNetParams {
            alpha: 1.0,
            l1_ratio: 1.0,
            fit_intercept: true,
            max_iter: 1000,
            tol: 1e-4,
        }
    }

    /// scikit-learn's `ElasticNet()` defaults: as [`ElasticNetParams::lasso`] with l1_ratio 0.5.
    pub fn elastic_net() -> Self {
        ElasticNetParams {
            l1_ratio: 0.5,
            ..Self::lasso()
        }
    }

    fn validate(&self) -> Result<()> {
        if !self.alpha.is_finite() || self.alpha < 0.0 {
            return Err(Error::invalid(
                format!("alpha must be a non-negative number, got {}", self.alpha),
                "use alpha => 1.0 (larger values give sparser, smaller coefficients)",
            ));
        }
        if !(0.0..=1.0).contains(&self.l1_ratio) {
            return Err(Error::invalid(
                format!("l1_ratio must lie in [0, 1], got {}", self.l1_ratio),
                "l1_ratio 1 is the lasso, 0 is ridge; 0.5 mixes both",
            ));
        }
        if self.max_iter == 0 {
            return Err(Error::invalid(
                "max_iter must be at least 1",
                "use max_iter => 1000",
            ));
        }
        if !self.tol.is_finite() || self.tol < 0.0 {
            return Err(Error::invalid(
                format!("tol must be a non-negative number, got {}", self.tol),
                "use tol => 1e-4",
            ));
        }
        Ok(())
    }
}

/// `y = coef · x + intercept`, with an L1 / L2 penalty on `coef`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElasticNet {
    coef: Vec<f64>,
    intercept: f64,
}

impl ElasticNet {
    /// Minimises scikit-learn's objective
    /// `1/(2n) |y - Xw - b|² + alpha·l1_ratio·|w|₁ + alpha·(1 - l1_ratio)/2·|w|²`;
    /// the intercept `b` comes from centering and is not penalised.
    pub fn fit(data: &Dataset, params: &ElasticNetParams) -> Result<Self> {
        params.validate()?;
        let n = data.num_rows();
        let p = data.num_features();
        if n == 0 {
            return Err(Error::data(
                "the training data has no rows",
                "add rows to the relation",
            ));
        }
        let (x_mean, y_mean) = if params.fit_intercept {
            data.means()
        } else {
            (vec![0.0; p], 0.0)
        };
        // Column-major, centered copy: coordinate descent walks one column at a time.
        let mut x = vec![0.0f64; n * p];
        for i in 0..n {
            for (j, &v) in data.row(i).iter().enumerate() {
                x[j * n + i] = v as f64 - x_mean[j];
            }
        }
        let y: Vec<f64> = data.labels().iter().map(|&v| v as f64 - y_mean).collect();
        let coef = coordinate_descent(&x, &y, n, p, params);
        let intercept = if params.fit_intercept {
            y_mean - coef.iter().zip(&x_mean).map(|(w, m)| w * m).sum::<f64>()
        } else {
            0.0
        };
        Ok(ElasticNet { coef, intercept })
    }

    /// The prediction for one row.
    pub fn predict(&self, features: &[f32]) -> f32 {
        let dot: f64 = self
            .coef
            .iter()
            .zip(features)
            .map(|(w, &v)| w * v as f64)
            .sum();
        (self.intercept + dot) as f32
    }

    /// The coefficients, one per feature (exact zeros where the L1 penalty removed a feature).
    pub fn coef(&self) -> &[f64] {
        &self.coef
    }

    /// The intercept.
    pub fn intercept(&self) -> f64 {
        self.intercept
    }
}

/// scikit-learn's `enet_coordinate_descent` on the (already centered) column-major `x`: the
/// objective is multiplied by `n`, so the penalties become `l1 = alpha·l1_ratio·n` and
/// `l2 = alpha·(1 - l1_ratio)·n`.
fn coordinate_descent(
    x: &[f64],
    y: &[f64],
    n: usize,
    p: usize,
    params: &ElasticNetParams,
) -> Vec<f64> {
    let l1 = params.alpha * params.l1_ratio * n as f64;
    let l2 = params.alpha * (1.0 - params.l1_ratio) * n as f64;
    let col = |j: usize| &x[j * n..(j + 1) * n];
    let norms: Vec<f64> = (0..p).map(|j| col(j).iter().map(|v| v * v).sum()).collect();
    let mut w = vec![0.0f64; p];
    let mut r = y.to_vec(); // residual y - Xw
    let gap_tol = params.tol * y.iter().map(|v| v * v).sum::<f64>();
    for sweep in 0..params.max_iter {
        let mut w_max = 0.0f64;
        let mut d_w_max = 0.0f64;
        for j in 0..p {
            if norms[j] == 0.0 {
                // A constant (after centering) column cannot explain anything.
                continue;
            }
            let old = w[j];
            let xj = col(j);
            // x_jᵀ(r + w_j x_j): the correlation with the residual that excludes feature j.
            let rho: f64 = xj.iter().zip(&r).map(|(a, b)| a * b).sum::<f64>() + old * norms[j];
            let new = soft_threshold(rho, l1) / (norms[j] + l2);
            if new != old {
                let delta = old - new;
                for (ri, a) in r.iter_mut().zip(xj) {
                    *ri += delta * a;
                }
            }
            w[j] = new;
            d_w_max = d_w_max.max((new - old).abs());
            w_max = w_max.max(new.abs());
        }
        if w_max == 0.0 || d_w_max / w_max < params.tol || sweep + 1 == params.max_iter {
            // Small steps can also mean slow progress: the duality gap decides.
            // `<=`: a constant target has gap and tolerance both 0.
            if duality_gap(x, y, &r, &w, n, l1, l2) <= gap_tol {
                break;
            }
        }
    }
    w
}

/// The duality gap of the scaled problem, as scikit-learn computes it.
fn duality_gap(x: &[f64], y: &[f64], r: &[f64], w: &[f64], n: usize, l1: f64, l2: f64) -> f64 {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(u, v)| u * v).sum::<f64>();
    let dual_norm = (0..w.len())
        .map(|j| (dot(&x[j * n..(j + 1) * n], r) - l2 * w[j]).abs())
        .fold(0.0f64, f64::max);
    let r_norm2 = dot(r, r);
    let w_norm2 = dot(w, w);
    let (scale, mut gap) = if dual_norm > l1 {
        let s = l1 / dual_norm;
        (s, 0.5 * (r_norm2 + r_norm2 * s * s))
    } else {
        (1.0, r_norm2)
    };
    let l1_norm: f64 = w.iter().map(|v| v.abs()).sum();
    gap += l1 * l1_norm - scale * dot(r, y) + 0.5 * l2 * (1.0 + scale * scale) * w_norm2;
    gap
}

fn soft_threshold(v: f64, threshold: f64) -> f64 {
    if v > threshold {
        v - threshold
    } else if v < -threshold {
        v + threshold
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn dataset(rows: &[Vec<f32>], y: &[f32]) -> Dataset {
        let p = rows[0].len();
        Dataset::new(
            (0..p).map(|j| format!("x{j}")).collect(),
            rows.iter().flatten().copied().collect(),
            y.to_vec(),
        )
        .unwrap()
    }

    fn tight(mut params: ElasticNetParams) -> ElasticNetParams {
        params.tol = 1e-12;
        params.max_iter = 100_000;
        params
    }

    #[test]
    fn one_feature_lasso_is_the_soft_threshold_formula() {
        // x = 1..5, y = 2x + 1. Centered: Σx² = 10, Σxy = 20, so per row 2 and 4;
        // w = S(4, alpha) / 2 = 1.5 for alpha = 1, and b = 7 - 1.5·3 = 2.5.
        let rows: Vec<Vec<f32>> = (1..=5).map(|v| vec![v as f32]).collect();
        let y: Vec<f32> = (1..=5).map(|v| 2.0 * v as f32 + 1.0).collect();
        let model = ElasticNet::fit(&dataset(&rows, &y), &ElasticNetParams::lasso()).unwrap();
        assert!((model.coef()[0] - 1.5).abs() < 1e-9, "{model:?}");
        assert!((model.intercept() - 2.5).abs() < 1e-9, "{model:?}");
        assert!((model.predict(&[10.0]) - 17.5).abs() < 1e-5);
        // alpha beyond |Σxy|/n = 4 removes the feature: the model is the mean.
        let params = ElasticNetParams {
            alpha: 4.5,
            ..ElasticNetParams::lasso()
        };
        let model = ElasticNet::fit(&dataset(&rows, &y), &params).unwrap();
        assert_eq!(model.coef(), &[0.0]);
        assert!((model.predict(&[100.0]) - 7.0).abs() < 1e-6);
    }

    #[test]
    fn l1_ratio_zero_is_ridge_with_alpha_times_n() {
        let rows = vec![
            vec![1.0, 2.0],
            vec![2.0, 1.0],
            vec![3.0, 5.0],
            vec![4.0, 3.0],
            vec![5.0, 8.0],
        ];
        let y = [3.0f32, 1.0, 4.0, 1.0, 5.0];
        let params = tight(ElasticNetParams {
            alpha: 0.3,
            l1_ratio: 0.0,
            ..ElasticNetParams::lasso()
        });
        let model = ElasticNet::fit(&dataset(&rows, &y), &params).unwrap();
        // Closed form on centered data: (XᵀX + alpha·n·I) w = Xᵀy, solved by Cramer's rule.
        let n = 5.0;
        let mx = [3.0, 3.8];
        let my = 2.8;
        let (mut a, mut b, mut c, mut r0, mut r1) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (row, &t) in rows.iter().zip(&y) {
            let (u, v, t) = (row[0] as f64 - mx[0], row[1] as f64 - mx[1], t as f64 - my);
            a += u * u;
            b += u * v;
            c += v * v;
            r0 += u * t;
            r1 += v * t;
        }
        a += 0.3 * n;
        c += 0.3 * n;
        let det = a * c - b * b;
        let w0 = (c * r0 - b * r1) / det;
        let w1 = (a * r1 - b * r0) / det;
        assert!((model.coef()[0] - w0).abs() < 1e-8, "{model:?} vs {w0}");
        assert!((model.coef()[1] - w1).abs() < 1e-8, "{model:?} vs {w1}");
        let b0 = my - w0 * mx[0] - w1 * mx[1];
        assert!((model.intercept() - b0).abs() < 1e-8);
    }

    #[test]
    fn lasso_zeroes_irrelevant_features() {
        let mut rng = StdRng::seed_from_u64(3);
        let rows: Vec<Vec<f32>> = (0..200)
            .map(|_| (0..5).map(|_| rng.gen_range(-1.0f32..1.0)).collect())
            .collect();
        let y: Vec<f32> = rows.iter().map(|r| 3.0 * r[0] - 2.0 * r[3] + 0.5).collect();
        let params = ElasticNetParams {
            alpha: 0.05,
            ..ElasticNetParams::lasso()
        };
        let model = ElasticNet::fit(&dataset(&rows, &y), &params).unwrap();
        let w = model.coef();
        assert_eq!((w[1], w[2], w[4]), (0.0, 0.0, 0.0), "{w:?}");
        assert!(
            (w[0] - 3.0).abs() < 0.3 && (w[3] + 2.0).abs() < 0.3,
            "{w:?}"
        );
        let enet = ElasticNet::fit(&dataset(&rows, &y), &ElasticNetParams::elastic_net()).unwrap();
        assert!(enet.coef()[0] > 0.0 && enet.coef()[0] < w[0], "{enet:?}");
    }

    #[test]
    fn no_intercept_fits_through_the_origin() {
        let rows: Vec<Vec<f32>> = (1..=4).map(|v| vec![v as f32]).collect();
        let y = [2.0, 4.0, 6.0, 8.0];
        let params = tight(ElasticNetParams {
            alpha: 0.0,
            fit_intercept: false,
            ..ElasticNetParams::lasso()
        });
        let model = ElasticNet::fit(&dataset(&rows, &y), &params).unwrap();
        assert!((model.coef()[0] - 2.0).abs() < 1e-9 && model.intercept() == 0.0);
    }

    #[test]
    fn degenerate_inputs_give_sane_models() {
        // One row, constant columns, more features than rows.
        let one = ElasticNet::fit(
            &dataset(&[vec![1.0, 2.0]], &[5.0]),
            &ElasticNetParams::lasso(),
        )
        .unwrap();
        assert_eq!(one.coef(), &[0.0, 0.0]);
        assert!((one.predict(&[9.0, 9.0]) - 5.0).abs() < 1e-6);
        let wide = dataset(
            &[vec![1.0, 0.0, 3.0, 1.0], vec![2.0, 0.0, 1.0, 1.0]],
            &[1.0, 2.0],
        );
        let params = ElasticNetParams {
            alpha: 0.01,
            ..ElasticNetParams::elastic_net()
        };
        let model = ElasticNet::fit(&wide, &params).unwrap();
        assert!(model.coef().iter().all(|w| w.is_finite()));
        assert_eq!((model.coef()[1], model.coef()[3]), (0.0, 0.0));
        assert!((model.predict(&[1.0, 0.0, 3.0, 1.0]) - 1.0).abs() < 0.1);
        for bad in [
            ElasticNetParams {
                alpha: -1.0,
                ..ElasticNetParams::lasso()
            },
            ElasticNetParams {
                l1_ratio: 1.5,
                ..ElasticNetParams::lasso()
            },
            ElasticNetParams {
                max_iter: 0,
                ..ElasticNetParams::lasso()
            },
            ElasticNetParams {
                tol: f64::NAN,
                ..ElasticNetParams::lasso()
            },
        ] {
            assert!(ElasticNet::fit(&wide, &bad).is_err(), "{bad:?}");
        }
        let empty = Dataset::new(vec!["a".into()], vec![], vec![]).unwrap();
        assert!(ElasticNet::fit(&empty, &ElasticNetParams::lasso()).is_err());
    }

    #[test]
    fn serde_round_trip() {
        let rows: Vec<Vec<f32>> = (0..10).map(|v| vec![v as f32, (v * v) as f32]).collect();
        let y: Vec<f32> = (0..10).map(|v| v as f32 * 0.3).collect();
        let model = ElasticNet::fit(&dataset(&rows, &y), &ElasticNetParams::elastic_net()).unwrap();
        let back: ElasticNet =
            serde_json::from_slice(&serde_json::to_vec(&model).unwrap()).unwrap();
        assert_eq!(back, model);
    }

    use crate::dataset::fixtures::sklearn_reference as reference;

    #[test]
    fn matches_scikit_learn() {
        let data = reference(&[3.0, 1.0, 4.0, 1.0, 5.0, 9.0]);
        let cases = [
            (
                ElasticNetParams {
                    alpha: 0.3,
                    ..ElasticNetParams::lasso()
                },
                [0.3327073718935169, -0.02494979452326207, 1.4684417017989202],
                1.4101102525550981,
            ),
            (
                ElasticNetParams {
                    alpha: 0.3,
                    l1_ratio: 0.7,
                    ..ElasticNetParams::lasso()
                },
                [0.3919955742530917, -0.04880062949168406, 1.409940099472553],
                1.3397059354852332,
            ),
            (
                ElasticNetParams {
                    alpha: 0.3,
                    fit_intercept: false,
                    ..ElasticNetParams::lasso()
                },
                [0.686144101346539, 0.0, 1.3003958828177165],
                0.0,
            ),
        ];
        for (params, coef, intercept) in cases {
            let model = ElasticNet::fit(&data, &tight(params)).unwrap();
            for (a, b) in model.coef().iter().zip(coef) {
                assert!((a - b).abs() < 1e-8, "{params:?}: {model:?}");
            }
            assert!((model.intercept() - intercept).abs() < 1e-8, "{model:?}");
        }
    }
}
