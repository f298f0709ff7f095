//! The learning algorithms, and which (task, algorithm) pairs they serve.

pub mod ada_boost;
#[cfg(test)]
mod ada_boost_tests;
pub mod bagging;
pub mod bayesian;
#[cfg(feature = "boost")]
pub mod boost;
#[cfg(feature = "boost")]
pub mod boost_params;
#[cfg(all(test, feature = "boost"))]
mod boost_tests;
pub mod cluster_score;
pub mod coordinate_descent;
pub mod dbscan;
pub mod forest;
pub mod gaussian_process;
pub mod huber;
pub mod kernel_ridge;
pub mod kmeans;
pub mod knn;
pub mod lars;
pub mod lbfgs;
pub mod linalg;
pub mod linear;
pub mod naive_bayes;
pub mod pca;
pub mod quantile;
pub mod ransac;
pub mod svm;
pub mod svm_kernel;
#[cfg(test)]
mod svm_kernel_tests;
mod svm_nu;
mod svm_platt;
mod svm_smo;
pub mod tree;

mod settings;
mod settings_linear;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::hyperparams::{Hyperparams, NON_NEGATIVE, POSITIVE};
use crate::registry::{Algorithm, Task};
use ada_boost::AdaBoost;
use bagging::Bagging;
use bayesian::LinearCoefficients;
use coordinate_descent::ElasticNet;
use dbscan::Dbscan;
use forest::Forest;
use kernel_ridge::KernelModel;
use kmeans::KMeans;
use knn::Knn;
use linear::{LinearRegression, LogisticParams, LogisticRegression};
use naive_bayes::GaussianNb;
use pca::Pca;
use settings::{
    DBSCAN_KEYS, FOREST_KEYS, KMEANS_KEYS, KNN_KEYS, MINI_BATCH_KEYS, NAIVE_BAYES_KEYS, PCA_KEYS,
    SVC_KEYS, SVM_KEYS, SVR_KEYS, TREE_KEYS,
};
use settings_linear::{
    ARD_KEYS, BAGGING_KEYS, BAYESIAN_RIDGE_KEYS, GAUSSIAN_PROCESS_KEYS, HUBER_KEYS,
    KERNEL_RIDGE_KEYS, LARS_KEYS, LASSO_LARS_KEYS, OMP_KEYS, QUANTILE_KEYS, RANSAC_KEYS,
};
use svm::LinearSvm;
use svm_kernel::KernelSvm;
use tree::{DecisionTree, MaxFeatures};

/// The (task, algorithm) pairs that train today.
pub const SUPPORTED: &[(Task, Algorithm)] = &[
    (Task::Regression, Algorithm::Linear),
    (Task::Regression, Algorithm::Ridge),
    (Task::Regression, Algorithm::DecisionTree),
    (Task::Regression, Algorithm::RandomForest),
    (Task::Regression, Algorithm::ExtraTrees),
    (Task::Regression, Algorithm::Knn),
    (Task::Regression, Algorithm::Lasso),
    (Task::Regression, Algorithm::ElasticNet),
    (Task::Regression, Algorithm::Svm),
    (Task::Regression, Algorithm::NuSvm),
    (Task::Regression, Algorithm::LinearSvm),
    (Task::Regression, Algorithm::Bagging),
    (Task::Regression, Algorithm::AdaBoost),
    (Task::Regression, Algorithm::KernelRidge),
    (Task::Regression, Algorithm::GaussianProcess),
    (Task::Regression, Algorithm::BayesianRidge),
    (Task::Regression, Algorithm::AutomaticRelevanceDetermination),
    (Task::Regression, Algorithm::OrthogonalMatchingPursuit),
    (Task::Regression, Algorithm::Huber),
    (Task::Regression, Algorithm::LeastAngle),
    (Task::Regression, Algorithm::LassoLeastAngle),
    (Task::Regression, Algorithm::Quantile),
    (Task::Regression, Algorithm::Ransac),
    #[cfg(feature = "boost")]
    (Task::Regression, Algorithm::Xgboost),
    #[cfg(feature = "boost")]
    (Task::Regression, Algorithm::XgboostRandomForest),
    #[cfg(feature = "boost")]
    (Task::Regression, Algorithm::Lightgbm),
    #[cfg(feature = "boost")]
    (Task::Regression, Algorithm::GradientBoostingTrees),
    #[cfg(feature = "boost")]
    (Task::Regression, Algorithm::HistGradientBoosting),
    (Task::Classification, Algorithm::Linear),
    (Task::Classification, Algorithm::DecisionTree),
    (Task::Classification, Algorithm::RandomForest),
    (Task::Classification, Algorithm::ExtraTrees),
    (Task::Classification, Algorithm::Knn),
    (Task::Classification, Algorithm::NaiveBayes),
    (Task::Classification, Algorithm::Svm),
    (Task::Classification, Algorithm::NuSvm),
    (Task::Classification, Algorithm::LinearSvm),
    (Task::Classification, Algorithm::Bagging),
    (Task::Classification, Algorithm::AdaBoost),
    #[cfg(feature = "boost")]
    (Task::Classification, Algorithm::Xgboost),
    #[cfg(feature = "boost")]
    (Task::Classification, Algorithm::XgboostRandomForest),
    #[cfg(feature = "boost")]
    (Task::Classification, Algorithm::Lightgbm),
    #[cfg(feature = "boost")]
    (Task::Classification, Algorithm::GradientBoostingTrees),
    #[cfg(feature = "boost")]
    (Task::Classification, Algorithm::HistGradientBoosting),
    (Task::Clustering, Algorithm::Kmeans),
    (Task::Clustering, Algorithm::MiniBatchKmeans),
    (Task::Clustering, Algorithm::Dbscan),
    (Task::Decomposition, Algorithm::Pca),
];

/// A fitted estimator, serialised into `pgml.files`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Estimator {
    /// Least squares or ridge regression.
    Linear(LinearRegression),
    /// Logistic regression (classification with algorithm `linear`).
    Logistic(LogisticRegression),
    /// One CART tree.
    Tree(DecisionTree),
    /// Random forest or extra trees.
    Forest(Forest),
    /// k-nearest neighbours.
    Knn(Knn),
    /// Gaussian naive Bayes.
    NaiveBayes(GaussianNb),
    /// Lasso or elastic net.
    ElasticNet(ElasticNet),
    /// Linear SVM, classification or regression (`linear_svm`; also `svm` before it had
    /// kernels, so stored models of either name read back as this).
    Svm(LinearSvm),
    /// Kernel SVM (`svm`): scikit-learn's `SVC` or `SVR`.
    KernelSvm(KernelSvm),
    /// k-means or mini-batch k-means.
    KMeans(KMeans),
    /// DBSCAN: predicts the cluster of the nearest core point, or -1 (noise).
    Dbscan(Dbscan),
    /// Bagged decision trees (`bagging`).
    Bagging(Bagging),
    /// Boosted decision trees (`ada_boost`): SAMME or AdaBoost.R2.
    AdaBoost(AdaBoost),
    /// A kernel model over the training rows (`kernel_ridge`, `gaussian_process`).
    Kernel(KernelModel),
    /// Coefficients and intercept (`bayesian_ridge`, `automatic_relevance_determination`,
    /// `orthogonal_matching_pursuit`, `huber`).
    Coefficients(LinearCoefficients),
    /// PCA: a decomposition, used through `transform`.
    Pca(Pca),
    /// XGBoost (also `xgboost_random_forest` and `gradient_boosting_trees`).
    #[cfg(feature = "boost")]
    Xgboost(boost::Xgboost),
    /// LightGBM (also `hist_gradient_boosting`).
    #[cfg(feature = "boost")]
    Lightgbm(boost::Lightgbm),
}

fn unsupported(task: Task, algorithm: Algorithm) -> Error {
    Error::not_supported(
        format!("algorithm {algorithm} is not supported for task {task} yet"),
        format!(
            "supported today: {}",
            SUPPORTED
                .iter()
                .map(|(t, a)| format!("{a} ({t})"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}

impl Estimator {
    /// Fits `algorithm` for `task` on `data`. Classification labels must already be class
    /// indices `0..num_classes` (`num_classes` is 0 for regression). `seed` drives every random
    /// choice unless the hyperparameters set `random_state`.
    pub fn fit(
        task: Task,
        algorithm: Algorithm,
        hyperparams: &Value,
        data: &Dataset,
        num_classes: usize,
        seed: u64,
    ) -> Result<Self> {
        let name = algorithm.as_str();
        let classes = if task == Task::Classification {
            num_classes
        } else {
            0
        };
        match (task, algorithm) {
            (Task::Regression, Algorithm::Linear) => {
                let p = Hyperparams::new(hyperparams, name, &["fit_intercept"])?;
                Ok(Estimator::Linear(LinearRegression::fit(
                    data,
                    0.0,
                    p.bool("fit_intercept", true)?,
                )?))
            }
            (Task::Regression, Algorithm::Ridge) => {
                let p = Hyperparams::new(hyperparams, name, &["alpha", "fit_intercept"])?;
                let alpha = p.f64("alpha", 1.0, NON_NEGATIVE)?;
                Ok(Estimator::Linear(LinearRegression::fit(
                    data,
                    alpha,
                    p.bool("fit_intercept", true)?,
                )?))
            }
            (Task::Classification, Algorithm::Linear) => {
                let p = Hyperparams::new(
                    hyperparams,
                    name,
                    &["C", "max_iter", "tol", "fit_intercept"],
                )?;
                let params = LogisticParams {
                    c: p.f64("C", 1.0, POSITIVE)?,
                    max_iter: p.usize("max_iter", 100, 1)?,
                    tol: p.f64("tol", 1e-4, POSITIVE)?,
                    fit_intercept: p.bool("fit_intercept", true)?,
                };
                Ok(Estimator::Logistic(LogisticRegression::fit(
                    data,
                    num_classes,
                    params,
                )?))
            }
            (Task::Regression | Task::Classification, Algorithm::DecisionTree) => {
                let p = Hyperparams::new(hyperparams, name, TREE_KEYS)?;
                let params = settings::tree(&p, MaxFeatures::All, false)?;
                Ok(Estimator::Tree(DecisionTree::fit(
                    data,
                    classes,
                    &params,
                    settings::seed(&p, seed)?,
                )?))
            }
            (
                Task::Regression | Task::Classification,
                Algorithm::RandomForest | Algorithm::ExtraTrees,
            ) => {
                let p = Hyperparams::new(hyperparams, name, FOREST_KEYS)?;
                let params = settings::forest(&p, classes, algorithm == Algorithm::ExtraTrees)?;
                Ok(Estimator::Forest(Forest::fit(
                    data,
                    classes,
                    &params,
                    settings::seed(&p, seed)?,
                )?))
            }
            (Task::Regression | Task::Classification, Algorithm::Knn) => {
                let p = Hyperparams::new(hyperparams, name, KNN_KEYS)?;
                Ok(Estimator::Knn(Knn::fit(
                    data,
                    classes,
                    &settings::knn(&p)?,
                )?))
            }
            (Task::Classification, Algorithm::NaiveBayes) => {
                let p = Hyperparams::new(hyperparams, name, NAIVE_BAYES_KEYS)?;
                Ok(Estimator::NaiveBayes(GaussianNb::fit(
                    data,
                    classes,
                    &settings::naive_bayes(&p)?,
                )?))
            }
            (Task::Regression, Algorithm::Lasso | Algorithm::ElasticNet) => {
                let elastic = algorithm == Algorithm::ElasticNet;
                let p = Hyperparams::new(hyperparams, name, settings::elastic_net_keys(elastic))?;
                Ok(Estimator::ElasticNet(ElasticNet::fit(
                    data,
                    &settings::elastic_net(&p, elastic)?,
                )?))
            }
            (Task::Regression | Task::Classification, Algorithm::Svm) => {
                let classification = task == Task::Classification;
                let keys = if classification { SVC_KEYS } else { SVR_KEYS };
                let p = Hyperparams::new(hyperparams, name, keys)?;
                Ok(Estimator::KernelSvm(KernelSvm::fit(
                    data,
                    classes,
                    &settings::kernel_svm(&p, classification, seed)?,
                )?))
            }
            (Task::Regression | Task::Classification, Algorithm::NuSvm) => {
                let classification = task == Task::Classification;
                let keys = if classification {
                    settings::NU_SVC_KEYS
                } else {
                    settings::NU_SVR_KEYS
                };
                let p = Hyperparams::new(hyperparams, name, keys)?;
                Ok(Estimator::KernelSvm(KernelSvm::fit(
                    data,
                    classes,
                    &settings::nu_svm(&p, classification, seed)?,
                )?))
            }
            (Task::Regression | Task::Classification, Algorithm::LinearSvm) => {
                let p = Hyperparams::new(hyperparams, name, SVM_KEYS)?;
                Ok(Estimator::Svm(LinearSvm::fit(
                    data,
                    classes,
                    &settings::svm(&p)?,
                    seed,
                )?))
            }
            (Task::Regression | Task::Classification, Algorithm::Bagging) => {
                let p = Hyperparams::new(hyperparams, name, BAGGING_KEYS)?;
                Ok(Estimator::Bagging(Bagging::fit(
                    data,
                    classes,
                    &settings_linear::bagging(&p)?,
                    settings::seed(&p, seed)?,
                )?))
            }
            (Task::Regression | Task::Classification, Algorithm::AdaBoost) => {
                let classification = task == Task::Classification;
                let keys = if classification {
                    ada_boost::ADA_BOOST_CLASSIFIER_KEYS
                } else {
                    ada_boost::ADA_BOOST_REGRESSOR_KEYS
                };
                let p = Hyperparams::new(hyperparams, name, keys)?;
                Ok(Estimator::AdaBoost(AdaBoost::fit(
                    data,
                    classes,
                    &ada_boost::params(&p, classification)?,
                    settings::seed(&p, seed)?,
                )?))
            }
            (Task::Regression, Algorithm::KernelRidge) => {
                let p = Hyperparams::new(hyperparams, name, KERNEL_RIDGE_KEYS)?;
                let params = settings_linear::kernel_ridge(&p, data.num_features())?;
                Ok(Estimator::Kernel(KernelModel::kernel_ridge(data, &params)?))
            }
            (Task::Regression, Algorithm::GaussianProcess) => {
                let p = Hyperparams::new(hyperparams, name, GAUSSIAN_PROCESS_KEYS)?;
                let params = settings_linear::gaussian_process(&p)?;
                Ok(Estimator::Kernel(gaussian_process::fit(data, &params)?))
            }
            (
                Task::Regression,
                Algorithm::BayesianRidge | Algorithm::AutomaticRelevanceDetermination,
            ) => {
                let ard = algorithm == Algorithm::AutomaticRelevanceDetermination;
                let keys = if ard { ARD_KEYS } else { BAYESIAN_RIDGE_KEYS };
                let p = Hyperparams::new(hyperparams, name, keys)?;
                let params = settings_linear::bayesian(&p, ard)?;
                Ok(Estimator::Coefficients(if ard {
                    bayesian::ard(data, &params)?
                } else {
                    bayesian::bayesian_ridge(data, &params)?
                }))
            }
            (Task::Regression, Algorithm::OrthogonalMatchingPursuit) => {
                let p = Hyperparams::new(hyperparams, name, OMP_KEYS)?;
                Ok(Estimator::Coefficients(
                    bayesian::orthogonal_matching_pursuit(data, &settings_linear::omp(&p)?)?,
                ))
            }
            (Task::Regression, Algorithm::LeastAngle | Algorithm::LassoLeastAngle) => {
                let lasso = algorithm == Algorithm::LassoLeastAngle;
                let keys = if lasso { LASSO_LARS_KEYS } else { LARS_KEYS };
                let p = Hyperparams::new(hyperparams, name, keys)?;
                Ok(Estimator::Coefficients(lars::fit(
                    data,
                    &settings_linear::lars(&p, lasso)?,
                )?))
            }
            (Task::Regression, Algorithm::Ransac) => {
                let p = Hyperparams::new(hyperparams, name, RANSAC_KEYS)?;
                Ok(Estimator::Linear(ransac::fit(
                    data,
                    &settings_linear::ransac(&p, seed)?,
                )?))
            }
            (Task::Regression, Algorithm::Quantile) => {
                let p = Hyperparams::new(hyperparams, name, QUANTILE_KEYS)?;
                Ok(Estimator::Coefficients(quantile::fit(
                    data,
                    &settings_linear::quantile(&p)?,
                )?))
            }
            (Task::Regression, Algorithm::Huber) => {
                let p = Hyperparams::new(hyperparams, name, HUBER_KEYS)?;
                Ok(Estimator::Coefficients(huber::fit(
                    data,
                    &settings_linear::huber(&p)?,
                )?))
            }
            (Task::Clustering, Algorithm::Kmeans) => {
                let p = Hyperparams::new(hyperparams, name, KMEANS_KEYS)?;
                Ok(Estimator::KMeans(KMeans::fit(
                    data,
                    &settings::kmeans(&p)?,
                    settings::seed(&p, seed)?,
                )?))
            }
            (Task::Clustering, Algorithm::MiniBatchKmeans) => {
                let p = Hyperparams::new(hyperparams, name, MINI_BATCH_KEYS)?;
                let params = settings::mini_batch_kmeans(&p)?;
                Ok(Estimator::KMeans(KMeans::fit_mini_batch(
                    data,
                    &params,
                    settings::seed(&p, seed)?,
                )?))
            }
            (Task::Clustering, Algorithm::Dbscan) => {
                let p = Hyperparams::new(hyperparams, name, DBSCAN_KEYS)?;
                Ok(Estimator::Dbscan(
                    Dbscan::fit(data, &settings::dbscan(&p)?)?.0,
                ))
            }
            (Task::Decomposition, Algorithm::Pca) => {
                let p = Hyperparams::new(hyperparams, name, PCA_KEYS)?;
                Ok(Estimator::Pca(Pca::fit(data, &settings::pca(&p)?)?))
            }
            #[cfg(feature = "boost")]
            (
                Task::Regression | Task::Classification,
                Algorithm::Xgboost
                | Algorithm::XgboostRandomForest
                | Algorithm::GradientBoostingTrees
                | Algorithm::Lightgbm
                | Algorithm::HistGradientBoosting,
            ) => {
                use boost_params::Flavor;
                let flavor = match algorithm {
                    Algorithm::Xgboost => Flavor::Xgboost,
                    Algorithm::XgboostRandomForest => Flavor::XgboostRandomForest,
                    Algorithm::GradientBoostingTrees => Flavor::GradientBoosting,
                    Algorithm::Lightgbm => Flavor::Lightgbm,
                    _ => Flavor::HistGradientBoosting,
                };
                let p = Hyperparams::new(hyperparams, name, boost_params::keys(flavor))?;
                let settings = boost_params::settings(&p, flavor, classes, seed)?;
                match flavor {
                    Flavor::Xgboost | Flavor::XgboostRandomForest | Flavor::GradientBoosting => Ok(
                        Estimator::Xgboost(boost::Xgboost::fit(data, classes, &settings)?),
                    ),
                    Flavor::Lightgbm | Flavor::HistGradientBoosting => Ok(Estimator::Lightgbm(
                        boost::Lightgbm::fit(data, classes, &settings)?,
                    )),
                }
            }
            _ => Err(unsupported(task, algorithm)),
        }
    }

    /// The library's own model file, for estimators trained by a native library:
    /// `("xgboost", JSON)` or `("lightgbm", text)`; their Python packages load it as it is.
    pub fn native_model(&self) -> Option<(&'static str, &str)> {
        match self {
            #[cfg(feature = "boost")]
            Estimator::Xgboost(m) => Some(("xgboost", m.native_model())),
            #[cfg(feature = "boost")]
            Estimator::Lightgbm(m) => Some(("lightgbm", m.native_model())),
            _ => None,
        }
    }

    /// The decomposition of one row (PCA), or None for other estimators.
    pub fn transform(&self, features: &[f32]) -> Option<Vec<f32>> {
        match self {
            Estimator::Pca(m) => Some(m.transform(features)),
            _ => None,
        }
    }

    /// Explained variance of a decomposition, for its metrics.
    pub fn cumulative_explained_variance(&self) -> Option<f64> {
        match self {
            Estimator::Pca(m) => Some(m.cumulative_explained_variance()),
            _ => None,
        }
    }

    /// The prediction for one row (a class index for classifiers).
    pub fn predict(&self, features: &[f32]) -> f32 {
        match self {
            Estimator::Linear(m) => m.predict(features),
            Estimator::Logistic(m) => m.predict(features),
            Estimator::Tree(m) => m.predict(features),
            Estimator::Forest(m) => m.predict(features),
            Estimator::Knn(m) => m.predict(features),
            Estimator::NaiveBayes(m) => m.predict(features),
            Estimator::ElasticNet(m) => m.predict(features),
            Estimator::Svm(m) => m.predict(features),
            Estimator::KernelSvm(m) => m.predict(features),
            Estimator::KMeans(m) => m.predict(features) as f32,
            Estimator::Dbscan(m) => m.predict(features) as f32,
            Estimator::Bagging(m) => m.predict(features),
            Estimator::AdaBoost(m) => m.predict(features),
            Estimator::Kernel(m) => m.predict(features),
            Estimator::Coefficients(m) => m.predict(features),
            Estimator::Pca(_) => f32::NAN,
            #[cfg(feature = "boost")]
            Estimator::Xgboost(m) => m.predict(features),
            #[cfg(feature = "boost")]
            Estimator::Lightgbm(m) => m.predict(features),
        }
    }

    /// Predictions for many rows (`x` holds rows of `width` values, back to back). XGBoost and
    /// LightGBM use their library's multi-threaded batch call for large batches.
    pub fn predict_batch(&self, x: &[f32], width: usize, threads: usize) -> Result<Vec<f32>> {
        match self {
            #[cfg(feature = "boost")]
            Estimator::Xgboost(m) => m.predict_batch(x, threads),
            #[cfg(feature = "boost")]
            Estimator::Lightgbm(m) => m.predict_batch(x, threads),
            _ => {
                let _ = threads;
                Ok(x.chunks(width.max(1))
                    .map(|row| self.predict(row))
                    .collect())
            }
        }
    }

    /// Class probabilities, for classifiers.
    pub fn predict_proba(&self, features: &[f32]) -> Option<Vec<f32>> {
        match self {
            Estimator::Linear(_) => None,
            Estimator::Logistic(m) => Some(m.predict_proba(features)),
            Estimator::Tree(m) => m.predict_proba(features),
            Estimator::Forest(m) => m.predict_proba(features),
            Estimator::Knn(m) => m.predict_proba(features),
            Estimator::NaiveBayes(m) => m.predict_proba(features),
            Estimator::KernelSvm(m) => m.predict_proba(features),
            Estimator::Bagging(m) => m.predict_proba(features),
            Estimator::AdaBoost(m) => m.predict_proba(features),
            #[cfg(feature = "boost")]
            Estimator::Xgboost(m) => m.predict_proba(features),
            #[cfg(feature = "boost")]
            Estimator::Lightgbm(m) => m.predict_proba(features),
            Estimator::ElasticNet(_)
            | Estimator::Svm(_)
            | Estimator::KMeans(_)
            | Estimator::Dbscan(_)
            | Estimator::Kernel(_)
            | Estimator::Coefficients(_)
            | Estimator::Pca(_) => None,
        }
    }
}
