//! PostgresML's rules around a training: which algorithm the default `linear` stands for when a
//! task has no label, which metric compares a project's models, and when a new model replaces
//! the deployed one.

use crate::registry::{Algorithm, Task};

/// The metric by which models of a task are compared (higher is better): PostgresML's.
pub fn key_metric(task: Task) -> &'static str {
    match task {
        Task::Classification => "f1",
        Task::Clustering => "silhouette",
        Task::Decomposition => "cumulative_explained_variance",
        _ => "r2",
    }
}

/// PostgresML's "fix up default algorithm": `pgml.train`'s default `algorithm => 'linear'`
/// means `kmeans` for clustering and `pca` for decomposition. Anything else is kept.
pub fn resolve_algorithm(task: Task, algorithm: Algorithm) -> Algorithm {
    match (task, algorithm) {
        (Task::Clustering, Algorithm::Linear) => Algorithm::Kmeans,
        (Task::Decomposition, Algorithm::Linear) => Algorithm::Pca,
        _ => algorithm,
    }
}

/// Whether a new model with key metric `new` replaces the deployed one, which has `deployed`
/// (PostgresML's automatic deployment): yes unless the deployed model is strictly better
/// (`Task::value_is_better(deployed, new)`), so a tie deploys the new model; a new model
/// without the metric never replaces one that has it; with no deployed metric, it does.
pub fn replaces_deployed(deployed: Option<f64>, new: Option<f64>) -> bool {
    match (deployed, new) {
        (Some(deployed), Some(new)) => !value_is_better(deployed, new),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// PostgresML's `Task::value_is_better` for the tasks pgml trains, whose key metrics are all
/// better when higher (a comparison with NaN is false, so NaN on either side deploys the new
/// model).
fn value_is_better(value: f64, other: f64) -> bool {
    value > other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_algorithm_of_unlabelled_tasks() {
        assert_eq!(
            resolve_algorithm(Task::Clustering, Algorithm::Linear),
            Algorithm::Kmeans
        );
        assert_eq!(
            resolve_algorithm(Task::Decomposition, Algorithm::Linear),
            Algorithm::Pca
        );
        assert_eq!(
            resolve_algorithm(Task::Regression, Algorithm::Linear),
            Algorithm::Linear
        );
        assert_eq!(
            resolve_algorithm(Task::Clustering, Algorithm::Dbscan),
            Algorithm::Dbscan
        );
        assert_eq!(
            resolve_algorithm(Task::Decomposition, Algorithm::Svm),
            Algorithm::Svm
        );
    }

    #[test]
    fn a_tie_deploys_the_new_model() {
        assert!(replaces_deployed(Some(0.9), Some(0.9)));
        assert!(replaces_deployed(Some(0.8), Some(0.9)));
        assert!(!replaces_deployed(Some(0.9), Some(0.8)));
        assert!(!replaces_deployed(Some(0.9), None));
        assert!(replaces_deployed(None, Some(0.1)));
        assert!(replaces_deployed(None, None));
        assert!(replaces_deployed(Some(f64::NAN), Some(0.1)));
        assert!(replaces_deployed(Some(0.1), Some(f64::NAN)));
    }
}
