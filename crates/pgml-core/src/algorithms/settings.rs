//! Hyperparameters (scikit-learn's names) -> the settings of each estimator.

use serde_json::Value;

use super::coordinate_descent::ElasticNetParams;
use super::dbscan::DbscanParams;
use super::forest::{default_max_features, ForestParams};
use super::kmeans::{KMeansParams, MiniBatchParams};
use super::knn::{KnnParams, Weights};
use super::naive_bayes::GaussianNbParams;
use super::pca::PcaParams;
use super::svm::LinearSvmParams;
use super::svm_kernel::{DecisionShape, Gamma, KernelSpec, KernelSvmParams, KERNELS};
use super::tree::{MaxFeatures, TreeParams};
use crate::error::{Error, Result};
use crate::hyperparams::{Hyperparams, NON_NEGATIVE, POSITIVE};

/// Keys of a single decision tree.
pub const TREE_KEYS: &[&str] = &[
    "max_depth",
    "min_samples_split",
    "min_samples_leaf",
    "max_features",
    "random_state",
];
/// Keys of random forests and extra trees.
pub const FOREST_KEYS: &[&str] = &[
    "n_estimators",
    "bootstrap",
    "n_jobs",
    "max_depth",
    "min_samples_split",
    "min_samples_leaf",
    "max_features",
    "random_state",
];
/// Keys of k-nearest neighbours.
pub const KNN_KEYS: &[&str] = &["n_neighbors", "weights", "p"];
/// Keys of Gaussian naive Bayes.
pub const NAIVE_BAYES_KEYS: &[&str] = &["var_smoothing"];

fn max_features(p: &Hyperparams<'_>, default: MaxFeatures) -> Result<MaxFeatures> {
    let wanted = "\"sqrt\", \"log2\", a fraction in (0, 1] or a whole number of features";
    match p.get("max_features") {
        None | Some(Value::Null) => Ok(default),
        Some(Value::String(s)) if s == "sqrt" || s == "auto" => Ok(MaxFeatures::Sqrt),
        Some(Value::String(s)) if s == "log2" => Ok(MaxFeatures::Log2),
        Some(v @ Value::Number(n)) => {
            if let Some(count) = n.as_u64().filter(|_| !n.is_f64()) {
                Ok(MaxFeatures::Count(count as usize))
            } else {
                match n.as_f64() {
                    Some(f) if f > 0.0 && f <= 1.0 => Ok(MaxFeatures::Fraction(f)),
                    _ => Err(p.ill_typed("max_features", wanted, v)),
                }
            }
        }
        Some(other) => Err(p.ill_typed("max_features", wanted, other)),
    }
}

/// The seed: `random_state` if given, else the one derived from the snapshot.
pub fn seed(p: &Hyperparams<'_>, default: u64) -> Result<u64> {
    match p.get("random_state") {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| p.ill_typed("random_state", "a whole number >= 0", v)),
    }
}

/// Settings of one tree; `default_features` is what `max_features` means when not given.
pub fn tree(
    p: &Hyperparams<'_>,
    default_features: MaxFeatures,
    random_splits: bool,
) -> Result<TreeParams> {
    Ok(TreeParams {
        max_depth: p.optional_usize("max_depth", 1)?,
        min_samples_split: p.usize("min_samples_split", 2, 2)?,
        min_samples_leaf: p.usize("min_samples_leaf", 1, 1)?,
        max_features: max_features(p, default_features)?,
        random_splits,
    })
}

/// Settings of a random forest (`extra = false`) or extra trees (`extra = true`).
pub fn forest(p: &Hyperparams<'_>, num_classes: usize, extra: bool) -> Result<ForestParams> {
    let base = if extra {
        ForestParams::extra_trees()
    } else {
        ForestParams::random_forest()
    };
    let n_jobs = n_jobs(p)?;
    Ok(ForestParams {
        n_estimators: p.usize("n_estimators", base.n_estimators, 1)?,
        bootstrap: p.bool("bootstrap", base.bootstrap)?,
        tree: tree(
            p,
            default_max_features(num_classes),
            base.tree.random_splits,
        )?,
        n_jobs,
    })
}

/// Threads for training trees: `n_jobs` (scikit-learn's -1: every core), at most one per core.
pub fn n_jobs(p: &Hyperparams<'_>) -> Result<usize> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Ok(match p.get("n_jobs") {
        None | Some(Value::Null) => 1,
        Some(v) if v.as_i64() == Some(-1) => cores,
        // More threads than cores only cost memory (each holds its trees' buffers).
        Some(_) => p.usize("n_jobs", 1, 1)?.min(cores),
    })
}

/// Settings of k-nearest neighbours.
pub fn knn(p: &Hyperparams<'_>) -> Result<KnnParams> {
    let base = KnnParams::default();
    let weights = match p.get("weights") {
        None | Some(Value::Null) => base.weights,
        Some(Value::String(s)) if s == "uniform" => Weights::Uniform,
        Some(Value::String(s)) if s == "distance" => Weights::Distance,
        Some(other) => return Err(p.ill_typed("weights", "\"uniform\" or \"distance\"", other)),
    };
    Ok(KnnParams {
        n_neighbors: p.usize("n_neighbors", base.n_neighbors, 1)?,
        weights,
        p: p.f64("p", base.p, POSITIVE)?,
    })
}

/// Settings of Gaussian naive Bayes.
pub fn naive_bayes(p: &Hyperparams<'_>) -> Result<GaussianNbParams> {
    Ok(GaussianNbParams {
        var_smoothing: p.f64(
            "var_smoothing",
            GaussianNbParams::default().var_smoothing,
            NON_NEGATIVE,
        )?,
    })
}

/// Keys of lasso (`elastic = false`) and elastic net.
pub fn elastic_net_keys(elastic: bool) -> &'static [&'static str] {
    if elastic {
        &["alpha", "l1_ratio", "fit_intercept", "max_iter", "tol"]
    } else {
        &["alpha", "fit_intercept", "max_iter", "tol"]
    }
}
/// Keys of `linear_svm` (`kernel` is accepted only as "linear").
pub const SVM_KEYS: &[&str] = &["C", "max_iter", "tol", "epsilon", "fit_intercept", "kernel"];
/// Keys of k-means.
pub const KMEANS_KEYS: &[&str] = &["n_clusters", "max_iter", "tol", "n_init", "random_state"];
/// Keys of mini-batch k-means.
pub const MINI_BATCH_KEYS: &[&str] = &["n_clusters", "batch_size", "max_iter", "random_state"];
/// Keys of DBSCAN.
pub const DBSCAN_KEYS: &[&str] = &["eps", "min_samples"];
/// Keys of PCA.
pub const PCA_KEYS: &[&str] = &["n_components"];

/// Settings of lasso / elastic net.
pub fn elastic_net(p: &Hyperparams<'_>, elastic: bool) -> Result<ElasticNetParams> {
    let base = if elastic {
        ElasticNetParams::elastic_net()
    } else {
        ElasticNetParams::lasso()
    };
    let unit: (fn(f64) -> bool, &str) = (|v| (0.0..=1.0).contains(&v), "a number between 0 and 1");
    Ok(ElasticNetParams {
        alpha: p.f64("alpha", base.alpha, NON_NEGATIVE)?,
        l1_ratio: if elastic {
            p.f64("l1_ratio", base.l1_ratio, unit)?
        } else {
            base.l1_ratio
        },
        fit_intercept: p.bool("fit_intercept", base.fit_intercept)?,
        max_iter: p.usize("max_iter", base.max_iter, 1)?,
        tol: p.f64("tol", base.tol, POSITIVE)?,
    })
}

/// Settings of `linear_svm`.
pub fn svm(p: &Hyperparams<'_>) -> Result<LinearSvmParams> {
    match p.get("kernel") {
        None | Some(Value::Null) => {}
        Some(Value::String(k)) if k == "linear" => {}
        Some(other) => {
            return Err(Error::invalid(
                format!("linear_svm is linear; kernel {other} needs algorithm svm"),
                "use algorithm => 'svm' for kernel SVMs, or leave kernel out",
            ))
        }
    }
    let base = LinearSvmParams::default();
    Ok(LinearSvmParams {
        c: p.f64("C", base.c, POSITIVE)?,
        max_iter: p.usize("max_iter", base.max_iter, 1)?,
        tol: p.f64("tol", base.tol, POSITIVE)?,
        epsilon: p.f64("epsilon", base.epsilon, NON_NEGATIVE)?,
        fit_intercept: p.bool("fit_intercept", base.fit_intercept)?,
    })
}

/// Settings of k-means.
pub fn kmeans(p: &Hyperparams<'_>) -> Result<KMeansParams> {
    let base = KMeansParams::default();
    Ok(KMeansParams {
        n_clusters: p.usize("n_clusters", base.n_clusters, 1)?,
        max_iter: p.usize("max_iter", base.max_iter, 1)?,
        tol: p.f64("tol", base.tol, NON_NEGATIVE)?,
        n_init: p.usize("n_init", base.n_init, 1)?,
    })
}

/// Settings of mini-batch k-means.
pub fn mini_batch_kmeans(p: &Hyperparams<'_>) -> Result<MiniBatchParams> {
    let base = MiniBatchParams::default();
    Ok(MiniBatchParams {
        n_clusters: p.usize("n_clusters", base.n_clusters, 1)?,
        batch_size: p.usize("batch_size", base.batch_size, 1)?,
        max_iter: p.usize("max_iter", base.max_iter, 1)?,
    })
}

/// Settings of DBSCAN.
pub fn dbscan(p: &Hyperparams<'_>) -> Result<DbscanParams> {
    let base = DbscanParams::default();
    Ok(DbscanParams {
        eps: p.f64("eps", base.eps, POSITIVE)?,
        min_samples: p.usize("min_samples", base.min_samples, 1)?,
    })
}

/// Settings of PCA.
pub fn pca(p: &Hyperparams<'_>) -> Result<PcaParams> {
    Ok(PcaParams {
        n_components: p.optional_usize("n_components", 1)?,
    })
}

/// Keys of `svm` for classification: scikit-learn's `SVC`.
pub const SVC_KEYS: &[&str] = &[
    "C",
    "kernel",
    "degree",
    "gamma",
    "coef0",
    "shrinking",
    "probability",
    "tol",
    "cache_size",
    "class_weight",
    "verbose",
    "max_iter",
    "decision_function_shape",
    "break_ties",
    "random_state",
];
/// Keys of `svm` for regression: scikit-learn's `SVR`.
pub const SVR_KEYS: &[&str] = &[
    "kernel",
    "degree",
    "gamma",
    "coef0",
    "tol",
    "C",
    "epsilon",
    "shrinking",
    "cache_size",
    "verbose",
    "max_iter",
];

/// Keys of `nu_svm` for classification: scikit-learn's `NuSVC` (no `C`).
pub const NU_SVC_KEYS: &[&str] = &[
    "nu",
    "kernel",
    "degree",
    "gamma",
    "coef0",
    "shrinking",
    "probability",
    "tol",
    "cache_size",
    "class_weight",
    "verbose",
    "max_iter",
    "decision_function_shape",
    "break_ties",
    "random_state",
];
/// Keys of `nu_svm` for regression: scikit-learn's `NuSVR` (no `epsilon`).
pub const NU_SVR_KEYS: &[&str] = &[
    "nu",
    "C",
    "kernel",
    "degree",
    "gamma",
    "coef0",
    "shrinking",
    "tol",
    "cache_size",
    "verbose",
    "max_iter",
];

/// Settings of `nu_svm`: `NuSVC` when `classification`, else `NuSVR`; as [`kernel_svm`]
/// plus `nu` (default 0.5, in (0, 1]). `NuSVC` accepts `class_weight` (`"balanced"` or a
/// mapping) and, as scikit-learn's libsvm, trains the same model with or without it.
pub fn nu_svm(p: &Hyperparams<'_>, classification: bool, seed: u64) -> Result<KernelSvmParams> {
    let mut params = kernel_svm_with(p, classification, seed, true)?;
    let in_unit = (
        (|v: f64| v > 0.0 && v <= 1.0) as fn(f64) -> bool,
        "a number in (0, 1]",
    );
    params.nu = Some(p.f64("nu", 0.5, in_unit)?);
    Ok(params)
}

/// Settings of the kernel SVM (`svm`): `SVC` when `classification`, else `SVR`. `shrinking`
/// and `verbose` are accepted for compatibility and change nothing: the solver does not shrink
/// (same optimum within `tol`) and prints nothing. `random_state` (default `seed`) shuffles
/// the folds of `probability=True`.
pub fn kernel_svm(p: &Hyperparams<'_>, classification: bool, seed: u64) -> Result<KernelSvmParams> {
    kernel_svm_with(p, classification, seed, false)
}

/// [`kernel_svm`]; `nu`: `NuSVC`, which accepts any `class_weight` (and ignores it).
fn kernel_svm_with(
    p: &Hyperparams<'_>,
    classification: bool,
    seed: u64,
    nu: bool,
) -> Result<KernelSvmParams> {
    let base = KernelSvmParams::default();
    let name = match p.get("kernel") {
        None | Some(Value::Null) => base.kernel.name,
        Some(Value::String(k)) if k == "precomputed" => {
            return Err(Error::not_supported(
                "svm kernel \"precomputed\" is not supported",
                format!("use one of the kernels {}", KERNELS.join(", ")),
            ))
        }
        Some(Value::String(k)) => KERNELS.iter().copied().find(|&v| v == k).ok_or_else(|| {
            Error::invalid(
                format!("unknown svm kernel {k:?}"),
                format!("valid kernels: {}", KERNELS.join(", ")),
            )
        })?,
        Some(other) => {
            return Err(p.ill_typed("kernel", &format!("one of {}", KERNELS.join(", ")), other))
        }
    };
    let gamma = match p.get("gamma") {
        None | Some(Value::Null) => base.kernel.gamma,
        Some(Value::String(g)) if g == "scale" => Gamma::Scale,
        Some(Value::String(g)) if g == "auto" => Gamma::Auto,
        Some(v) => match v.as_f64() {
            Some(g) if g > 0.0 && g.is_finite() => Gamma::Value(g),
            _ => return Err(p.ill_typed("gamma", "\"scale\", \"auto\" or a number > 0", v)),
        },
    };
    let degree = p.usize("degree", base.kernel.degree as usize, 0)?;
    let degree = i32::try_from(degree).map_err(|_| {
        Error::invalid(
            format!("degree {degree} is too large"),
            "use a small polynomial degree, such as degree => 3",
        )
    })?;
    let max_iter = match p.get("max_iter") {
        None | Some(Value::Null) => None,
        Some(v) if v.as_i64() == Some(-1) => None,
        Some(_) => Some(p.usize("max_iter", 0, 1)?),
    };
    let any_number = (
        (|v: f64| v.is_finite()) as fn(f64) -> bool,
        "a finite number",
    );
    let mut params = KernelSvmParams {
        c: p.f64("C", base.c, POSITIVE)?,
        kernel: KernelSpec {
            name,
            degree,
            gamma,
            coef0: p.f64("coef0", base.kernel.coef0, any_number)?,
        },
        tol: p.f64("tol", base.tol, POSITIVE)?,
        epsilon: p.f64("epsilon", base.epsilon, NON_NEGATIVE)?,
        cache_size: p.f64("cache_size", base.cache_size, POSITIVE)?,
        max_iter,
        ..base
    };
    p.bool("shrinking", true)?;
    p.bool("verbose", false)?;
    if !classification {
        return Ok(params);
    }
    let folds_seed = self::seed(p, seed)?;
    params.probability = p.bool("probability", false)?.then_some(folds_seed);
    params.balanced = match p.get("class_weight") {
        None | Some(Value::Null) => false,
        Some(Value::String(w)) if w == "balanced" => true,
        Some(Value::Object(_)) if nu => false,
        Some(Value::Object(_)) => {
            return Err(Error::not_supported(
                "svm class_weight as a mapping of classes to weights is not supported yet",
                "use class_weight => \"balanced\", or leave it out",
            ))
        }
        Some(other) => return Err(p.ill_typed("class_weight", "null or \"balanced\"", other)),
    };
    params.break_ties = p.bool("break_ties", false)?;
    params.decision_function_shape = match p.get("decision_function_shape") {
        None | Some(Value::Null) => DecisionShape::Ovr,
        Some(Value::String(s)) if s == "ovr" => DecisionShape::Ovr,
        Some(Value::String(s)) if s == "ovo" => DecisionShape::Ovo,
        Some(other) => {
            return Err(p.ill_typed("decision_function_shape", "\"ovr\" or \"ovo\"", other))
        }
    };
    Ok(params)
}
