//! Hyperparameters of the boosted-tree algorithms (PostgresML's names: XGBoost's and
//! LightGBM's scikit-learn API, plus the native aliases PostgresML users pass) -> the
//! libraries' own parameters. Types and ranges are checked here; the libraries check the rest
//! (an unknown `tree_method`, say) and their message becomes the error.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::hyperparams::{Hyperparams, NON_NEGATIVE, POSITIVE};

/// How a hyperparameter's value is checked and written.
#[derive(Clone, Copy)]
enum Kind {
    /// A number accepted by the check.
    Number((fn(f64) -> bool, &'static str)),
    /// A fraction in (0, 1].
    Fraction,
    /// A whole number >= the minimum.
    Whole(i64),
    /// A word.
    Text,
    /// true or false.
    Bool,
}

/// One library parameter, with the hyperparameter names that set it (aliases).
struct Param {
    keys: &'static [&'static str],
    name: &'static str,
    kind: Kind,
}

const fn p(keys: &'static [&'static str], name: &'static str, kind: Kind) -> Param {
    Param { keys, name, kind }
}

const ANY: (fn(f64) -> bool, &str) = (|v| v.is_finite(), "a finite number");

const XGB_PARAMS: &[Param] = &[
    p(&["max_depth"], "max_depth", Kind::Whole(0)),
    p(&["learning_rate", "eta"], "eta", Kind::Number(NON_NEGATIVE)),
    p(&["subsample"], "subsample", Kind::Fraction),
    p(&["colsample_bytree"], "colsample_bytree", Kind::Fraction),
    p(&["colsample_bylevel"], "colsample_bylevel", Kind::Fraction),
    p(&["colsample_bynode"], "colsample_bynode", Kind::Fraction),
    p(
        &["min_child_weight"],
        "min_child_weight",
        Kind::Number(NON_NEGATIVE),
    ),
    p(&["reg_alpha", "alpha"], "alpha", Kind::Number(NON_NEGATIVE)),
    p(
        &["reg_lambda", "lambda"],
        "lambda",
        Kind::Number(NON_NEGATIVE),
    ),
    p(
        &["gamma", "min_split_loss"],
        "gamma",
        Kind::Number(NON_NEGATIVE),
    ),
    p(
        &["max_delta_step"],
        "max_delta_step",
        Kind::Number(NON_NEGATIVE),
    ),
    p(&["max_bin"], "max_bin", Kind::Whole(2)),
    p(&["max_leaves"], "max_leaves", Kind::Whole(0)),
    p(&["grow_policy"], "grow_policy", Kind::Text),
    p(&["tree_method"], "tree_method", Kind::Text),
    p(&["eval_metric"], "eval_metric", Kind::Text),
    p(
        &["scale_pos_weight"],
        "scale_pos_weight",
        Kind::Number(POSITIVE),
    ),
    p(&["base_score"], "base_score", Kind::Number(ANY)),
    p(&["num_parallel_tree"], "num_parallel_tree", Kind::Whole(1)),
    p(&["max_cat_to_onehot"], "max_cat_to_onehot", Kind::Whole(1)),
];

const LGBM_PARAMS: &[Param] = &[
    p(&["num_leaves"], "num_leaves", Kind::Whole(2)),
    p(&["max_depth"], "max_depth", Kind::Whole(-1)),
    p(&["learning_rate"], "learning_rate", Kind::Number(POSITIVE)),
    p(
        &["min_child_samples", "min_data_in_leaf"],
        "min_data_in_leaf",
        Kind::Whole(0),
    ),
    p(
        &["min_child_weight", "min_sum_hessian_in_leaf"],
        "min_sum_hessian_in_leaf",
        Kind::Number(NON_NEGATIVE),
    ),
    p(
        &["min_split_gain", "min_gain_to_split"],
        "min_gain_to_split",
        Kind::Number(NON_NEGATIVE),
    ),
    p(
        &["subsample", "bagging_fraction"],
        "bagging_fraction",
        Kind::Fraction,
    ),
    p(
        &["subsample_freq", "bagging_freq"],
        "bagging_freq",
        Kind::Whole(0),
    ),
    p(
        &["colsample_bytree", "feature_fraction"],
        "feature_fraction",
        Kind::Fraction,
    ),
    p(
        &["reg_alpha", "lambda_l1"],
        "lambda_l1",
        Kind::Number(NON_NEGATIVE),
    ),
    p(
        &["reg_lambda", "lambda_l2"],
        "lambda_l2",
        Kind::Number(NON_NEGATIVE),
    ),
    p(&["max_bin"], "max_bin", Kind::Whole(2)),
    p(&["boosting_type", "boosting"], "boosting", Kind::Text),
    p(&["is_unbalance"], "is_unbalance", Kind::Bool),
    p(
        &["scale_pos_weight"],
        "scale_pos_weight",
        Kind::Number(POSITIVE),
    ),
    p(&["extra_trees"], "extra_trees", Kind::Bool),
    p(&["path_smooth"], "path_smooth", Kind::Number(NON_NEGATIVE)),
];

/// scikit-learn's HistGradientBoosting* names, onto LightGBM (whose design it follows).
const HIST_PARAMS: &[Param] = &[
    p(&["learning_rate"], "learning_rate", Kind::Number(POSITIVE)),
    p(&["max_leaf_nodes"], "num_leaves", Kind::Whole(2)),
    p(&["max_depth"], "max_depth", Kind::Whole(1)),
    p(&["min_samples_leaf"], "min_data_in_leaf", Kind::Whole(1)),
    p(
        &["l2_regularization"],
        "lambda_l2",
        Kind::Number(NON_NEGATIVE),
    ),
    p(&["max_bins"], "max_bin", Kind::Whole(2)),
];

/// scikit-learn's GradientBoosting* names, onto XGBoost's exact greedy trees.
const GBT_PARAMS: &[Param] = &[
    p(&["learning_rate"], "eta", Kind::Number(NON_NEGATIVE)),
    p(&["max_depth"], "max_depth", Kind::Whole(1)),
    p(&["subsample"], "subsample", Kind::Fraction),
];

/// Which algorithm's names are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `xgboost`
    Xgboost,
    /// `xgboost_random_forest` (XGBoost's XGBRF*: one round of `n_estimators` parallel trees)
    XgboostRandomForest,
    /// `lightgbm`
    Lightgbm,
    /// `gradient_boosting_trees` (on XGBoost)
    GradientBoosting,
    /// `hist_gradient_boosting` (on LightGBM)
    HistGradientBoosting,
}

/// The keys each flavour accepts, for [`Hyperparams::new`].
pub fn keys(flavor: Flavor) -> &'static [&'static str] {
    match flavor {
        Flavor::Xgboost | Flavor::XgboostRandomForest => &[
            "n_estimators",
            "max_depth",
            "learning_rate",
            "eta",
            "subsample",
            "colsample_bytree",
            "colsample_bylevel",
            "colsample_bynode",
            "min_child_weight",
            "reg_alpha",
            "alpha",
            "reg_lambda",
            "lambda",
            "gamma",
            "min_split_loss",
            "max_delta_step",
            "max_bin",
            "max_leaves",
            "grow_policy",
            "tree_method",
            "eval_metric",
            "scale_pos_weight",
            "base_score",
            "num_parallel_tree",
            "max_cat_to_onehot",
            "objective",
            "booster",
            "random_state",
            "seed",
            "n_jobs",
            "nthread",
        ],
        Flavor::Lightgbm => &[
            "n_estimators",
            "num_iterations",
            "num_leaves",
            "max_depth",
            "learning_rate",
            "min_child_samples",
            "min_data_in_leaf",
            "min_child_weight",
            "min_sum_hessian_in_leaf",
            "min_split_gain",
            "min_gain_to_split",
            "subsample",
            "bagging_fraction",
            "subsample_freq",
            "bagging_freq",
            "colsample_bytree",
            "feature_fraction",
            "reg_alpha",
            "lambda_l1",
            "reg_lambda",
            "lambda_l2",
            "max_bin",
            "boosting_type",
            "boosting",
            "is_unbalance",
            "scale_pos_weight",
            "extra_trees",
            "path_smooth",
            "objective",
            "random_state",
            "seed",
            "n_jobs",
            "num_threads",
        ],
        Flavor::GradientBoosting => &[
            "n_estimators",
            "learning_rate",
            "max_depth",
            "subsample",
            "random_state",
        ],
        Flavor::HistGradientBoosting => &[
            "max_iter",
            "learning_rate",
            "max_leaf_nodes",
            "max_depth",
            "min_samples_leaf",
            "l2_regularization",
            "max_bins",
            "random_state",
        ],
    }
}

/// What a boosted-tree fit needs: the library's parameters, rounds and threads.
#[derive(Debug, Clone, PartialEq)]
pub struct BoostSettings {
    /// Library parameter names and values (objective and class count included).
    pub params: Vec<(String, String)>,
    /// Boosting rounds.
    pub rounds: usize,
    /// Threads (OpenMP) for training.
    pub threads: usize,
}

/// Default training threads: one. OpenMP's workers spin while they wait, so on a server whose
/// cores are busy, two threads trained 20-30x slower than one (bench/boost_train.sh); `n_jobs`
/// asks for more, and `OMP_WAIT_POLICY=passive` in the server's environment makes them safe.
const DEFAULT_THREADS: usize = 1;

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The value of whichever alias is given (two aliases of one parameter are an error).
fn aliased<'a>(p: &Hyperparams<'a>, keys: &[&str]) -> Result<Option<(&'a Value, String)>> {
    let given: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| p.get(k).is_some())
        .collect();
    if given.len() > 1 {
        return Err(Error::invalid(
            format!("hyperparameters {} set the same thing", given.join(" and ")),
            format!("give only one of {}", keys.join(", ")),
        ));
    }
    Ok(given
        .first()
        .and_then(|k| p.get(k).map(|v| (v, (*k).to_owned()))))
}

fn whole(p: &Hyperparams<'_>, key: &str, value: &Value, min: i64) -> Result<i64> {
    value
        .as_i64()
        .filter(|&v| v >= min)
        .ok_or_else(|| p.ill_typed(key, &format!("a whole number >= {min}"), value))
}

fn render(p: &Hyperparams<'_>, key: &str, value: &Value, kind: Kind) -> Result<String> {
    match kind {
        Kind::Number(check) => match value.as_f64() {
            Some(v) if check.0(v) => Ok(v.to_string()),
            _ => Err(p.ill_typed(key, check.1, value)),
        },
        Kind::Fraction => match value.as_f64() {
            Some(v) if v > 0.0 && v <= 1.0 => Ok(v.to_string()),
            _ => Err(p.ill_typed(key, "a number in (0, 1]", value)),
        },
        Kind::Whole(min) => whole(p, key, value, min).map(|v| v.to_string()),
        Kind::Text => match value.as_str() {
            Some(s) if !s.is_empty() && !s.contains(char::is_whitespace) => Ok(s.to_owned()),
            _ => Err(p.ill_typed(key, "a word", value)),
        },
        Kind::Bool => value
            .as_bool()
            .map(|b| b.to_string())
            .ok_or_else(|| p.ill_typed(key, "true or false", value)),
    }
}

/// Reads the hyperparameters of `flavor` for a task with `classes` classes (0: regression).
pub fn settings(
    p: &Hyperparams<'_>,
    flavor: Flavor,
    classes: usize,
    seed: u64,
) -> Result<BoostSettings> {
    let (table, xgb) = match flavor {
        Flavor::Xgboost | Flavor::XgboostRandomForest => (XGB_PARAMS, true),
        Flavor::GradientBoosting => (GBT_PARAMS, true),
        Flavor::Lightgbm => (LGBM_PARAMS, false),
        Flavor::HistGradientBoosting => (HIST_PARAMS, false),
    };
    let mut params: Vec<(String, String)> = match flavor {
        // scikit-learn's defaults where they differ from the library's.
        Flavor::GradientBoosting => vec![
            ("tree_method".into(), "exact".into()),
            ("max_depth".into(), "3".into()),
            ("eta".into(), "0.1".into()),
            ("lambda".into(), "0".into()),
        ],
        Flavor::HistGradientBoosting => vec![("lambda_l2".into(), "0".into())],
        // xgboost.XGBRFRegressor's defaults.
        Flavor::XgboostRandomForest => vec![
            ("eta".into(), "1".into()),
            ("subsample".into(), "0.8".into()),
            ("colsample_bynode".into(), "0.8".into()),
            ("lambda".into(), "0.00001".into()),
        ],
        _ => Vec::new(),
    };
    for param in table {
        if let Some((value, key)) = aliased(p, param.keys)? {
            if !value.is_null() {
                params.retain(|(n, _)| n != param.name);
                params.push((param.name.into(), render(p, &key, value, param.kind)?));
            }
        }
    }
    if let Some(booster) = p.get("booster") {
        if booster.as_str() != Some("gbtree") {
            return Err(Error::not_supported(
                format!("xgboost booster {booster} is not supported"),
                "leave booster out (gbtree, the default)",
            ));
        }
    }
    let objective = objective(p, xgb, classes)?;
    params.push(("objective".into(), objective.clone()));
    if classes > 0 && (objective.starts_with("multi") || objective == "softmax") {
        params.push(("num_class".into(), classes.to_string()));
    }
    let seed = match aliased(p, &["random_state", "seed"])? {
        None | Some((Value::Null, _)) => seed,
        Some((v, key)) => v
            .as_u64()
            .ok_or_else(|| p.ill_typed(&key, "a whole number >= 0", v))?,
    };
    // Both libraries take a 32-bit seed.
    params.push(("seed".into(), (seed % (1 << 31)).to_string()));
    let rounds_keys: &[&str] = match flavor {
        Flavor::Lightgbm => &["n_estimators", "num_iterations"],
        Flavor::HistGradientBoosting => &["max_iter"],
        _ => &["n_estimators"],
    };
    let mut rounds = match aliased(p, rounds_keys)? {
        None | Some((Value::Null, _)) => 100,
        Some((v, key)) => whole(p, &key, v, 1)? as usize,
    };
    if flavor == Flavor::XgboostRandomForest {
        // A random forest is one round of n_estimators trees grown side by side.
        params.retain(|(n, _)| n != "num_parallel_tree");
        params.push(("num_parallel_tree".into(), rounds.to_string()));
        rounds = 1;
    }
    let threads = match aliased(p, &["n_jobs", "nthread", "num_threads"])? {
        None | Some((Value::Null, _)) => DEFAULT_THREADS.min(cores()),
        Some((v, _)) if v.as_i64() == Some(-1) => cores(),
        // At most one per core, as XGBoost itself does: LightGBM hands the number to
        // OpenMP unchecked, which ends the process when it cannot start that many.
        Some((v, key)) => (whole(p, &key, v, 1)? as usize).min(cores()),
    };
    Ok(BoostSettings {
        params,
        rounds,
        threads,
    })
}

const XGB_REGRESSION: &[&str] = &[
    "reg:squarederror",
    "reg:squaredlogerror",
    "reg:pseudohubererror",
    "reg:absoluteerror",
    "reg:logistic",
    "count:poisson",
    "reg:gamma",
    "reg:tweedie",
];
const LGBM_REGRESSION: &[&str] = &[
    "regression",
    "regression_l2",
    "l2",
    "mse",
    "mean_squared_error",
    "rmse",
    "l2_root",
    "root_mean_squared_error",
    "regression_l1",
    "l1",
    "mae",
    "mean_absolute_error",
    "huber",
    "fair",
    "quantile",
    "mape",
    "mean_absolute_percentage_error",
    "poisson",
    "gamma",
    "tweedie",
];

/// The objective: the user's if it fits the task, else the task's default. Classification
/// always trains a probabilistic objective (binary logistic, or softmax over the classes).
fn objective(p: &Hyperparams<'_>, xgb: bool, classes: usize) -> Result<String> {
    let given = match p.get("objective") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(other) => return Err(p.ill_typed("objective", "a string", other)),
    };
    let (binary, multi) = if xgb {
        ("binary:logistic", "multi:softprob")
    } else {
        ("binary", "multiclass")
    };
    let allowed: Vec<&str> = match classes {
        0 if xgb => XGB_REGRESSION.to_vec(),
        0 => LGBM_REGRESSION.to_vec(),
        2 if xgb => vec![binary, multi, "multi:softmax"],
        2 => vec![binary, multi, "softmax"],
        _ if xgb => vec![multi, "multi:softmax"],
        _ => vec![multi, "softmax"],
    };
    match given {
        None if classes == 0 => Ok(allowed[0].to_owned()),
        None if classes == 2 => Ok(binary.to_owned()),
        None => Ok(multi.to_owned()),
        Some(o) if allowed.contains(&o) => Ok(match o {
            // Probabilities are kept; prediction takes the most probable class.
            "multi:softmax" | "softmax" => multi.to_owned(),
            other => other.to_owned(),
        }),
        Some(o) => Err(Error::invalid(
            format!(
                "objective {o:?} does not fit a {} task",
                if classes == 0 {
                    "regression"
                } else {
                    "classification"
                }
            ),
            format!("supported here: {}", allowed.join(", ")),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(flavor: Flavor, v: Value, classes: usize) -> Result<BoostSettings> {
        let p = Hyperparams::new(&v, "xgboost", keys(flavor))?;
        settings(&p, flavor, classes, 7)
    }

    fn get<'a>(s: &'a BoostSettings, name: &str) -> Option<&'a str> {
        s.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn sklearn_names_become_library_names() {
        let s = read(
            Flavor::Xgboost,
            json!({"n_estimators": 10, "learning_rate": 0.05, "reg_lambda": 2, "max_depth": 3, "n_jobs": 1}),
            0,
        )
        .unwrap();
        assert_eq!((s.rounds, s.threads), (10, 1));
        assert_eq!(get(&s, "eta"), Some("0.05"));
        assert_eq!(get(&s, "lambda"), Some("2"));
        assert_eq!(get(&s, "objective"), Some("reg:squarederror"));
        assert_eq!(get(&s, "seed"), Some("7"));
        let s = read(
            Flavor::Lightgbm,
            json!({"min_child_samples": 5, "subsample": 0.5, "max_depth": -1}),
            3,
        )
        .unwrap();
        assert_eq!(get(&s, "min_data_in_leaf"), Some("5"));
        assert_eq!(get(&s, "bagging_fraction"), Some("0.5"));
        assert_eq!(get(&s, "max_depth"), Some("-1"));
        assert_eq!(get(&s, "objective"), Some("multiclass"));
        assert_eq!(get(&s, "num_class"), Some("3"));
        assert_eq!(s.rounds, 100);
        let s = read(Flavor::HistGradientBoosting, json!({"max_iter": 7}), 2).unwrap();
        assert_eq!((s.rounds, get(&s, "objective")), (7, Some("binary")));
        let s = read(Flavor::XgboostRandomForest, json!({"n_estimators": 50}), 0).unwrap();
        assert_eq!((s.rounds, get(&s, "num_parallel_tree")), (1, Some("50")));
        assert_eq!(get(&s, "eta"), Some("1"));
        let s = read(Flavor::GradientBoosting, json!({"max_depth": 5}), 0).unwrap();
        assert_eq!(get(&s, "max_depth"), Some("5"));
        assert_eq!(get(&s, "tree_method"), Some("exact"));
    }

    #[test]
    fn bad_values_and_objectives_are_refused() {
        let err = read(Flavor::Xgboost, json!({"n_estimator": 10}), 0).unwrap_err();
        assert!(err.hint().unwrap().contains("n_estimators"), "{err:?}");
        assert!(read(Flavor::Xgboost, json!({"subsample": 1.5}), 0).is_err());
        assert!(read(Flavor::Xgboost, json!({"max_depth": "deep"}), 0).is_err());
        assert!(read(
            Flavor::Xgboost,
            json!({"eta": 0.1, "learning_rate": 0.2}),
            0
        )
        .is_err());
        assert!(read(Flavor::Xgboost, json!({"objective": "binary:logistic"}), 0).is_err());
        assert!(read(Flavor::Lightgbm, json!({"objective": "regression"}), 2).is_err());
        assert!(read(Flavor::Xgboost, json!({"booster": "dart"}), 0).is_err());
        assert!(read(Flavor::Xgboost, json!({"tree_method": "a b"}), 0).is_err());
        let s = read(Flavor::Xgboost, json!({"objective": "multi:softmax"}), 4).unwrap();
        assert_eq!(get(&s, "objective"), Some("multi:softprob"));
        assert_eq!(get(&s, "num_class"), Some("4"));
        let s = read(Flavor::Xgboost, json!({"n_jobs": -1}), 0).unwrap();
        assert_eq!(s.threads, cores());
    }
}
