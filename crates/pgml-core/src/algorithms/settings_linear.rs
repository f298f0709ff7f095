//! Hyperparameters (scikit-learn's names) -> settings of `bagging`, `kernel_ridge`,
//! `gaussian_process`, `bayesian_ridge`, `automatic_relevance_determination` and
//! `orthogonal_matching_pursuit`. Keys scikit-learn takes that change nothing here
//! (`copy_X`, `verbose`, `compute_score`, ...) are accepted, so PostgresML's calls run.

use serde_json::Value;

use super::bagging::{Amount, BaggingParams};
use super::bayesian::{BayesianParams, OmpParams};
use super::gaussian_process::GaussianProcessParams;
use super::huber::HuberParams;
use super::kernel_ridge::{KernelRidgeParams, PairKernel, KERNEL_NAMES};
use super::lars::LarsParams;
use super::quantile::QuantileParams;
use super::ransac::{MinSamples, RansacLoss, RansacParams};
use crate::error::{Error, Result};
use crate::hyperparams::{Hyperparams, NON_NEGATIVE, POSITIVE};

/// Keys of `bagging`.
pub const BAGGING_KEYS: &[&str] = &[
    "n_estimators",
    "max_samples",
    "max_features",
    "bootstrap",
    "bootstrap_features",
    "n_jobs",
    "random_state",
    "verbose",
    "oob_score",
    "warm_start",
];
/// Keys of `least_angle` (scikit-learn's `Lars`).
pub const LARS_KEYS: &[&str] = &[
    "fit_intercept",
    "verbose",
    "precompute",
    "n_nonzero_coefs",
    "eps",
    "copy_X",
    "fit_path",
    "jitter",
    "random_state",
];
/// Keys of `lasso_least_angle` (scikit-learn's `LassoLars`).
pub const LASSO_LARS_KEYS: &[&str] = &[
    "alpha",
    "fit_intercept",
    "verbose",
    "precompute",
    "max_iter",
    "eps",
    "copy_X",
    "fit_path",
    "positive",
    "jitter",
    "random_state",
];
/// Keys of `quantile` (scikit-learn's `QuantileRegressor`).
pub const QUANTILE_KEYS: &[&str] = &[
    "quantile",
    "alpha",
    "fit_intercept",
    "solver",
    "solver_options",
];
/// Keys of `ransac` (scikit-learn's `RANSACRegressor`).
pub const RANSAC_KEYS: &[&str] = &[
    "estimator",
    "min_samples",
    "residual_threshold",
    "is_data_valid",
    "is_model_valid",
    "max_trials",
    "max_skips",
    "stop_n_inliers",
    "stop_score",
    "stop_probability",
    "loss",
    "random_state",
];
/// Keys of `kernel_ridge`.
pub const KERNEL_RIDGE_KEYS: &[&str] = &["alpha", "kernel", "gamma", "degree", "coef0"];
/// Keys of `gaussian_process` (regression).
pub const GAUSSIAN_PROCESS_KEYS: &[&str] = &[
    "alpha",
    "normalize_y",
    "optimizer",
    "n_restarts_optimizer",
    "copy_X_train",
    "random_state",
];
/// Keys of `bayesian_ridge`.
pub const BAYESIAN_RIDGE_KEYS: &[&str] = &[
    "max_iter",
    "tol",
    "alpha_1",
    "alpha_2",
    "lambda_1",
    "lambda_2",
    "alpha_init",
    "lambda_init",
    "compute_score",
    "fit_intercept",
    "copy_X",
    "verbose",
];
/// Keys of `automatic_relevance_determination`.
pub const ARD_KEYS: &[&str] = &[
    "max_iter",
    "tol",
    "alpha_1",
    "alpha_2",
    "lambda_1",
    "lambda_2",
    "threshold_lambda",
    "compute_score",
    "fit_intercept",
    "copy_X",
    "verbose",
];
/// Keys of `huber`.
pub const HUBER_KEYS: &[&str] = &[
    "epsilon",
    "max_iter",
    "alpha",
    "warm_start",
    "fit_intercept",
    "tol",
];
/// Keys of `orthogonal_matching_pursuit`.
pub const OMP_KEYS: &[&str] = &["n_nonzero_coefs", "tol", "fit_intercept", "precompute"];

/// A fraction in (0, 1] (JSON float) or a count >= 1 (JSON integer), as scikit-learn reads
/// `max_samples` and `max_features`.
fn amount(p: &Hyperparams<'_>, key: &str) -> Result<Amount> {
    let wanted = "a fraction in (0, 1] or a whole number >= 1";
    match p.get(key) {
        None | Some(Value::Null) => Ok(Amount::Fraction(1.0)),
        Some(v @ Value::Number(n)) => {
            if let Some(count) = n.as_u64().filter(|&c| c >= 1 && !n.is_f64()) {
                Ok(Amount::Count(count as usize))
            } else {
                match n.as_f64() {
                    Some(f) if f > 0.0 && f <= 1.0 => Ok(Amount::Fraction(f)),
                    _ => Err(p.ill_typed(key, wanted, v)),
                }
            }
        }
        Some(other) => Err(p.ill_typed(key, wanted, other)),
    }
}

/// Settings of `bagging`.
pub fn bagging(p: &Hyperparams<'_>) -> Result<BaggingParams> {
    verbose(p)?;
    for key in ["oob_score", "warm_start"] {
        if p.bool(key, false)? {
            return Err(Error::not_supported(
                format!("bagging {key} = true is not supported yet"),
                format!("leave {key} out (false)"),
            ));
        }
    }
    Ok(BaggingParams {
        n_estimators: p.usize("n_estimators", 10, 1)?,
        max_samples: amount(p, "max_samples")?,
        max_features: amount(p, "max_features")?,
        bootstrap: p.bool("bootstrap", true)?,
        bootstrap_features: p.bool("bootstrap_features", false)?,
        n_jobs: super::settings::n_jobs(p)?,
    })
}

/// Settings of `kernel_ridge` for data of `num_features` columns.
pub fn kernel_ridge(p: &Hyperparams<'_>, num_features: usize) -> Result<KernelRidgeParams> {
    let name = match p.get("kernel") {
        None | Some(Value::Null) => "linear",
        Some(Value::String(k)) => k.as_str(),
        Some(other) => {
            return Err(p.ill_typed(
                "kernel",
                &format!("one of {}", KERNEL_NAMES.join(", ")),
                other,
            ))
        }
    };
    let gamma = match p.get("gamma") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_f64() {
            Some(g) if g.is_finite() && g >= 0.0 => Some(g),
            _ => return Err(p.ill_typed("gamma", "null or a number >= 0", v)),
        },
    };
    let finite = (
        (|v: f64| v.is_finite()) as fn(f64) -> bool,
        "a finite number",
    );
    Ok(KernelRidgeParams {
        alpha: p.f64("alpha", 1.0, NON_NEGATIVE)?,
        kernel: PairKernel::named(
            name,
            gamma,
            p.f64("degree", 3.0, NON_NEGATIVE)?,
            p.f64("coef0", 1.0, finite)?,
            num_features,
        )?,
    })
}

/// Settings of `gaussian_process` (regression).
pub fn gaussian_process(p: &Hyperparams<'_>) -> Result<GaussianProcessParams> {
    let max_iter = match p.get("optimizer") {
        None => 15_000,
        Some(Value::String(s)) if s == "fmin_l_bfgs_b" => 15_000,
        Some(Value::Null) => 0,
        Some(other) => {
            return Err(p.ill_typed("optimizer", "\"fmin_l_bfgs_b\" or null (no tuning)", other))
        }
    };
    if p.usize("n_restarts_optimizer", 0, 0)? > 0 {
        return Err(Error::not_supported(
            "gaussian_process n_restarts_optimizer > 0 is not supported yet",
            "leave n_restarts_optimizer out (0): the kernel is tuned once, from its defaults",
        ));
    }
    p.bool("copy_X_train", true)?;
    Ok(GaussianProcessParams {
        alpha: p.f64("alpha", 1e-10, NON_NEGATIVE)?,
        normalize_y: p.bool("normalize_y", false)?,
        max_iter,
    })
}

fn optional_non_negative(p: &Hyperparams<'_>, key: &str) -> Result<Option<f64>> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => Ok(Some(p.f64(key, 1.0, NON_NEGATIVE)?)),
    }
}

/// `verbose`: scikit-learn takes a bool or a level; it prints nothing here.
fn verbose(p: &Hyperparams<'_>) -> Result<()> {
    match p.get("verbose") {
        None | Some(Value::Null) | Some(Value::Bool(_)) => Ok(()),
        Some(v) if v.as_u64().is_some() => Ok(()),
        Some(other) => Err(p.ill_typed("verbose", "true, false or a level >= 0", other)),
    }
}

/// Settings of `bayesian_ridge` and `automatic_relevance_determination`.
pub fn bayesian(p: &Hyperparams<'_>, ard: bool) -> Result<BayesianParams> {
    let defaults = BayesianParams::default();
    p.bool("compute_score", false)?;
    p.bool("copy_X", true)?;
    verbose(p)?;
    Ok(BayesianParams {
        max_iter: p.usize("max_iter", defaults.max_iter, 1)?,
        // BayesianRidge wants tol > 0, ARDRegression tol >= 0.
        tol: p.f64(
            "tol",
            defaults.tol,
            if ard { NON_NEGATIVE } else { POSITIVE },
        )?,
        alpha_1: p.f64("alpha_1", defaults.alpha_1, NON_NEGATIVE)?,
        alpha_2: p.f64("alpha_2", defaults.alpha_2, NON_NEGATIVE)?,
        lambda_1: p.f64("lambda_1", defaults.lambda_1, NON_NEGATIVE)?,
        lambda_2: p.f64("lambda_2", defaults.lambda_2, NON_NEGATIVE)?,
        alpha_init: if ard {
            None
        } else {
            optional_non_negative(p, "alpha_init")?
        },
        lambda_init: if ard {
            None
        } else {
            optional_non_negative(p, "lambda_init")?
        },
        threshold_lambda: if ard {
            p.f64("threshold_lambda", defaults.threshold_lambda, NON_NEGATIVE)?
        } else {
            defaults.threshold_lambda
        },
        fit_intercept: p.bool("fit_intercept", true)?,
    })
}

/// Settings of `orthogonal_matching_pursuit`.
pub fn omp(p: &Hyperparams<'_>) -> Result<OmpParams> {
    match p.get("precompute") {
        None | Some(Value::Bool(_)) => {}
        Some(Value::String(s)) if s == "auto" => {}
        Some(other) => return Err(p.ill_typed("precompute", "\"auto\", true or false", other)),
    }
    Ok(OmpParams {
        n_nonzero_coefs: p.optional_usize("n_nonzero_coefs", 1)?,
        tol: optional_non_negative(p, "tol")?,
        fit_intercept: p.bool("fit_intercept", true)?,
    })
}

/// Settings of `huber`.
pub fn huber(p: &Hyperparams<'_>) -> Result<HuberParams> {
    let defaults = HuberParams::default();
    // warm_start only matters when refitting the same Python object.
    p.bool("warm_start", false)?;
    let at_least_one = (
        (|v: f64| v >= 1.0 && v.is_finite()) as fn(f64) -> bool,
        "a number >= 1",
    );
    Ok(HuberParams {
        epsilon: p.f64("epsilon", defaults.epsilon, at_least_one)?,
        alpha: p.f64("alpha", defaults.alpha, NON_NEGATIVE)?,
        max_iter: p.usize("max_iter", defaults.max_iter, 0)?,
        tol: p.f64("tol", defaults.tol, NON_NEGATIVE)?,
        fit_intercept: p.bool("fit_intercept", true)?,
    })
}

/// Settings of `least_angle` (`lasso` false) and `lasso_least_angle`. `precompute` (the
/// Gram matrix is always used; the same path), `copy_X`, `fit_path` and `verbose` change
/// nothing; `jitter` (noise added to the labels) is refused; `eps` must be > 0 (scikit-learn
/// takes 0, with which its ill-conditioning loop cannot end).
pub fn lars(p: &Hyperparams<'_>, lasso: bool) -> Result<LarsParams> {
    let defaults = LarsParams::default();
    verbose(p)?;
    p.bool("copy_X", true)?;
    p.bool("fit_path", true)?;
    match p.get("precompute") {
        None | Some(Value::Null) | Some(Value::Bool(_)) => {}
        Some(Value::String(s)) if s == "auto" => {}
        Some(other) => return Err(p.ill_typed("precompute", "\"auto\", true or false", other)),
    }
    match p.get("jitter") {
        None | Some(Value::Null) => {}
        Some(_) => {
            return Err(Error::not_supported(
                "jitter (uniform noise added to the labels) is not supported",
                "leave jitter out (its default, None, adds none)",
            ))
        }
    }
    match p.get("random_state") {
        None | Some(Value::Null) => {}
        Some(v) if v.as_u64().is_some() => {}
        Some(other) => return Err(p.ill_typed("random_state", "null or a whole number", other)),
    }
    let mut params = LarsParams {
        lasso,
        fit_intercept: p.bool("fit_intercept", true)?,
        eps: p.f64("eps", defaults.eps, POSITIVE)?,
        ..defaults
    };
    if lasso {
        params.alpha = p.f64("alpha", 1.0, NON_NEGATIVE)?;
        params.max_iter = p.usize("max_iter", defaults.max_iter, 0)?;
        params.positive = p.bool("positive", false)?;
    } else {
        params.max_iter = p.usize("n_nonzero_coefs", defaults.max_iter, 1)?;
    }
    Ok(params)
}

/// Settings of `quantile`. `solver` names one of scikit-learn's (all solve the same linear
/// program; here a simplex does); `solver_options` must be null.
pub fn quantile(p: &Hyperparams<'_>) -> Result<QuantileParams> {
    const SOLVERS: [&str; 4] = ["highs", "highs-ds", "highs-ipm", "revised simplex"];
    match p.get("solver") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if SOLVERS.contains(&s.as_str()) => {}
        Some(Value::String(s)) if s == "interior-point" => {
            return Err(Error::invalid(
                "solver \"interior-point\" is gone from SciPy (1.11), so scikit-learn refuses \
                 it too",
                format!("use one of {}", SOLVERS.join(", ")),
            ))
        }
        Some(other) => {
            return Err(p.ill_typed("solver", &format!("one of {}", SOLVERS.join(", ")), other))
        }
    }
    match p.get("solver_options") {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) if o.is_empty() => {}
        Some(_) => {
            return Err(Error::not_supported(
                "solver_options (HiGHS's own settings) are not supported",
                "leave solver_options out",
            ))
        }
    }
    let in_open_unit = (
        (|v: f64| v > 0.0 && v < 1.0) as fn(f64) -> bool,
        "a number in (0, 1)",
    );
    let defaults = QuantileParams::default();
    Ok(QuantileParams {
        quantile: p.f64("quantile", defaults.quantile, in_open_unit)?,
        alpha: p.f64("alpha", defaults.alpha, NON_NEGATIVE)?,
        fit_intercept: p.bool("fit_intercept", true)?,
    })
}

/// Settings of `ransac`: its estimator is least squares (scikit-learn's default); Python
/// objects (`estimator`, `is_data_valid`, `is_model_valid`) cannot come through SQL and are
/// refused unless null. `random_state` (default `seed`) seeds the subsets.
pub fn ransac(p: &Hyperparams<'_>, seed: u64) -> Result<RansacParams> {
    for key in ["estimator", "is_data_valid", "is_model_valid"] {
        match p.get(key) {
            None | Some(Value::Null) => {}
            Some(_) => {
                return Err(Error::not_supported(
                    format!("ransac's {key} (a Python object) is not supported"),
                    format!(
                        "leave {key} out: the estimator is least squares, scikit-learn's default"
                    ),
                ))
            }
        }
    }
    let min_samples = match p.get("min_samples") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Number(n)) => match (n.as_u64(), n.as_f64()) {
            (Some(k), _) if k >= 1 && !n.is_f64() => Some(MinSamples::Count(k)),
            (_, Some(f)) if n.is_f64() && f > 0.0 && f < 1.0 => Some(MinSamples::Fraction(f)),
            (_, Some(f)) if n.is_f64() && f >= 1.0 && f.fract() == 0.0 => {
                Some(MinSamples::Count(f as u64))
            }
            _ => {
                return Err(p.ill_typed(
                    "min_samples",
                    "null, a whole number >= 1 or a fraction in (0, 1)",
                    v,
                ))
            }
        },
        Some(other) => {
            return Err(p.ill_typed(
                "min_samples",
                "null, a whole number >= 1 or a fraction in (0, 1)",
                other,
            ))
        }
    };
    let residual_threshold = match p.get("residual_threshold") {
        None | Some(Value::Null) => None,
        Some(_) => Some(p.f64("residual_threshold", 0.0, NON_NEGATIVE)?),
    };
    let count = |key: &str, default: u64| -> Result<u64> {
        match p.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v
                .as_u64()
                .ok_or_else(|| p.ill_typed(key, "a whole number >= 0", v)),
        }
    };
    let defaults = RansacParams::default();
    let any_number = ((|v: f64| !v.is_nan()) as fn(f64) -> bool, "a number");
    let probability = (
        (|v: f64| (0.0..=1.0).contains(&v)) as fn(f64) -> bool,
        "a number in [0, 1]",
    );
    let loss = match p.get("loss") {
        None | Some(Value::Null) => RansacLoss::AbsoluteError,
        Some(Value::String(s)) if s == "absolute_error" => RansacLoss::AbsoluteError,
        Some(Value::String(s)) if s == "squared_error" => RansacLoss::SquaredError,
        Some(other) => {
            return Err(p.ill_typed("loss", "\"absolute_error\" or \"squared_error\"", other))
        }
    };
    Ok(RansacParams {
        min_samples,
        residual_threshold,
        max_trials: count("max_trials", defaults.max_trials)?,
        max_skips: count("max_skips", defaults.max_skips)?,
        stop_n_inliers: count("stop_n_inliers", defaults.stop_n_inliers)?,
        stop_score: p.f64("stop_score", defaults.stop_score, any_number)?,
        stop_probability: p.f64("stop_probability", defaults.stop_probability, probability)?,
        loss,
        seed: super::settings::seed(p, seed)?,
    })
}
