//! Random forests and extremely randomised trees: ensembles of [`DecisionTree`]s whose
//! class probabilities (or values) are averaged, as scikit-learn's `RandomForest*` and
//! `ExtraTrees*` do.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::linear::argmax;
use super::tree::{check_labels, DecisionTree, MaxFeatures, TreeParams};
use crate::dataset::Dataset;
use crate::error::{Error, Result, SqlState};

/// How a forest grows, named as scikit-learn names its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ForestParams {
    /// Number of trees.
    pub n_estimators: usize,
    /// Train each tree on a bootstrap sample (as many rows, drawn with replacement) instead
    /// of every row.
    pub bootstrap: bool,
    /// Settings of every tree. `max_features` is used as given: see
    /// [`default_max_features`] for scikit-learn's default.
    pub tree: TreeParams,
    /// Threads that train trees; 0 and 1 both train on the calling thread. Results do not
    /// depend on it.
    pub n_jobs: usize,
}

impl ForestParams {
    /// scikit-learn's `RandomForest*` defaults: 100 trees on bootstrap samples, best splits.
    /// `tree.max_features` is `All`; set it to [`default_max_features`] for the task when the
    /// user gave none.
    pub fn random_forest() -> Self {
        ForestParams {
            n_estimators: 100,
            bootstrap: true,
            tree: TreeParams::default(),
            n_jobs: 1,
        }
    }

    /// scikit-learn's `ExtraTrees*` defaults: 100 trees on every row, one random threshold
    /// per candidate feature. As for [`ForestParams::random_forest`], `tree.max_features`
    /// starts as `All`.
    pub fn extra_trees() -> Self {
        ForestParams {
            n_estimators: 100,
            bootstrap: false,
            tree: TreeParams {
                random_splits: true,
                ..TreeParams::default()
            },
            n_jobs: 1,
        }
    }
}

/// scikit-learn's default `max_features` for forests (both kinds): `"sqrt"` for
/// classification (`num_classes > 0`), every feature (`1.0`) for regression.
pub fn default_max_features(num_classes: usize) -> MaxFeatures {
    if num_classes > 0 {
        MaxFeatures::Sqrt
    } else {
        MaxFeatures::All
    }
}

/// A fitted forest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    trees: Vec<DecisionTree>,
    num_classes: usize,
}

impl Forest {
    /// Fits `params.n_estimators` trees. `num_classes == 0` is regression; otherwise labels
    /// must be class indices `0..num_classes`. Tree `i` draws its bootstrap sample and its
    /// splits from a seed derived from `(seed, i)` alone, so the forest is the same for every
    /// `n_jobs`.
    pub fn fit(
        data: &Dataset,
        num_classes: usize,
        params: &ForestParams,
        seed: u64,
    ) -> Result<Self> {
        let n_trees = params.n_estimators;
        if n_trees == 0 {
            return Err(Error::invalid(
                "n_estimators must be at least 1",
                "a forest needs trees; 100 is the default",
            ));
        }
        let n = data.num_rows();
        if n == 0 {
            return Err(Error::data(
                "a forest needs at least one training row",
                "train on a relation with rows",
            ));
        }
        // Fail once, before any thread starts, rather than once per tree.
        params.tree.validate(data.num_features())?;
        check_labels(data.labels().iter().copied(), num_classes)?;

        let all_rows: Vec<usize> = (0..n).collect();
        let fit_one = |i: usize| -> Result<DecisionTree> {
            crate::interrupt::check()?;
            let mut rng = StdRng::seed_from_u64(tree_seed(seed, i));
            let tree_seed = rng.gen();
            if params.bootstrap {
                let rows: Vec<usize> = (0..n).map(|_| rng.gen_range(0..n)).collect();
                DecisionTree::fit_rows(data, &rows, num_classes, &params.tree, tree_seed)
            } else {
                DecisionTree::fit_rows(data, &all_rows, num_classes, &params.tree, tree_seed)
            }
        };
        let jobs = params.n_jobs.clamp(1, n_trees);
        let trees = if jobs == 1 {
            (0..n_trees).map(fit_one).collect::<Result<Vec<_>>>()?
        } else {
            fit_in_threads(&fit_one, n_trees, jobs)?
        };
        Ok(Forest { trees, num_classes })
    }

    /// The class with the largest mean probability over the trees (the first on ties), or the
    /// mean of the trees' predictions for regression.
    pub fn predict(&self, features: &[f32]) -> f32 {
        match self.predict_proba(features) {
            Some(proba) => argmax(&proba) as f32,
            None => {
                let sum: f64 = self.trees.iter().map(|t| t.predict(features) as f64).sum();
                (sum / self.trees.len().max(1) as f64) as f32
            }
        }
    }

    /// Class probabilities averaged over the trees; `None` for regression.
    pub fn predict_proba(&self, features: &[f32]) -> Option<Vec<f32>> {
        if self.num_classes == 0 {
            return None;
        }
        let mut sum = vec![0.0f64; self.num_classes];
        for tree in &self.trees {
            if let Some(proba) = tree.predict_proba(features) {
                for (s, p) in sum.iter_mut().zip(proba) {
                    *s += p as f64;
                }
            }
        }
        let n = self.trees.len().max(1) as f64;
        Some(sum.into_iter().map(|s| (s / n) as f32).collect())
    }

    /// The fitted trees, in training order.
    pub fn trees(&self) -> &[DecisionTree] {
        &self.trees
    }

    /// Number of classes (0 for regression).
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }
}

/// Trains tree `i` on thread `i % jobs` with scoped threads (no pool, no rayon), then puts the
/// trees back in index order. The first error, by tree index, wins.
pub(super) fn fit_in_threads<T, F>(fit_one: &F, n_trees: usize, jobs: usize) -> Result<Vec<T>>
where
    T: Send,
    F: Fn(usize) -> Result<T> + Sync,
{
    let per_thread: Vec<Vec<Result<T>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..jobs)
            .map(|t| scope.spawn(move || (t..n_trees).step_by(jobs).map(fit_one).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().map_err(|_| {
                    Error::sql(
                        SqlState::InternalError,
                        "a thread training forest trees panicked",
                        "retry with n_jobs => 1 and report the problem",
                    )
                })
            })
            .collect::<Result<Vec<_>>>()
    })?;
    let mut slots: Vec<Option<Result<T>>> = (0..n_trees).map(|_| None).collect();
    for (t, results) in per_thread.into_iter().enumerate() {
        for (k, result) in results.into_iter().enumerate() {
            if let Some(slot) = slots.get_mut(t + k * jobs) {
                *slot = Some(result);
            }
        }
    }
    slots
        .into_iter()
        .map(|slot| {
            slot.unwrap_or_else(|| {
                Err(Error::sql(
                    SqlState::InternalError,
                    "a forest tree was not trained",
                    "retry with n_jobs => 1 and report the problem",
                ))
            })
        })
        .collect()
}

/// A well-mixed seed for tree `index` (SplitMix64 over the pair), so neighbouring trees and
/// neighbouring user seeds get unrelated random streams.
pub(super) fn tree_seed(seed: u64, index: usize) -> u64 {
    let mut z = seed.wrapping_add(
        (index as u64)
            .wrapping_add(1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15),
    );
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` rows of `width` uniform features in [0, 1); label from `label(row)`.
    fn random(n: usize, width: usize, seed: u64, label: impl Fn(&[f32]) -> f32) -> Dataset {
        let mut rng = StdRng::seed_from_u64(seed);
        let x: Vec<f32> = (0..n * width).map(|_| rng.gen()).collect();
        let y = x.chunks(width).map(label).collect();
        Dataset::new((0..width).map(|j| format!("f{j}")).collect(), x, y).unwrap()
    }

    fn accuracy(forest: &Forest, data: &Dataset) -> f64 {
        let right = (0..data.num_rows())
            .filter(|&i| forest.predict(data.row(i)) == data.labels()[i])
            .count();
        right as f64 / data.num_rows() as f64
    }

    fn classifier(kind: fn() -> ForestParams, n_estimators: usize) -> ForestParams {
        let mut params = kind();
        params.n_estimators = n_estimators;
        params.tree.max_features = default_max_features(2);
        params
    }

    #[test]
    fn defaults_are_scikit_learns() {
        let rf = ForestParams::random_forest();
        assert_eq!(
            (rf.n_estimators, rf.bootstrap, rf.tree.random_splits),
            (100, true, false)
        );
        let et = ForestParams::extra_trees();
        assert_eq!(
            (et.n_estimators, et.bootstrap, et.tree.random_splits),
            (100, false, true)
        );
        assert_eq!(rf.tree.max_features, MaxFeatures::All);
        assert_eq!(default_max_features(3), MaxFeatures::Sqrt);
        assert_eq!(default_max_features(0), MaxFeatures::All);
    }

    #[test]
    fn both_kinds_separate_clusters_with_averaged_probabilities() {
        let data = random(300, 3, 1, |r| ((r[0] * 3.0).floor()).min(2.0));
        for kind in [ForestParams::random_forest, ForestParams::extra_trees] {
            let forest = Forest::fit(&data, 3, &classifier(kind, 20), 2).unwrap();
            assert!(accuracy(&forest, &data) > 0.97);
            assert_eq!(forest.predict(&[0.05, 0.5, 0.5]), 0.0);
            assert_eq!(forest.predict(&[0.5, 0.5, 0.5]), 1.0);
            assert_eq!(forest.predict(&[0.95, 0.5, 0.5]), 2.0);
            let proba = forest.predict_proba(&[0.95, 0.5, 0.5]).unwrap();
            assert_eq!(proba.len(), 3);
            assert!((proba.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{proba:?}");
            assert!(proba[2] > 0.5, "{proba:?}");
            assert_eq!(forest.trees().len(), 20);
        }
    }

    #[test]
    fn regression_averages_the_trees() {
        let data = random(400, 2, 3, |r| 4.0 * r[0] + 1.0);
        for kind in [ForestParams::random_forest, ForestParams::extra_trees] {
            let mut params = kind();
            params.n_estimators = 30;
            let forest = Forest::fit(&data, 0, &params, 4).unwrap();
            assert_eq!(forest.predict_proba(&[0.5, 0.5]), None);
            for x in [0.1f32, 0.5, 0.9] {
                let want = 4.0 * x + 1.0;
                let got = forest.predict(&[x, 0.3]);
                assert!((got - want).abs() < 0.05, "{x}: {got} vs {want}");
            }
            let mean: f32 = forest
                .trees()
                .iter()
                .map(|t| t.predict(&[0.5, 0.5]))
                .sum::<f32>()
                / 30.0;
            assert!((forest.predict(&[0.5, 0.5]) - mean).abs() < 1e-5);
        }
    }

    #[test]
    fn n_jobs_does_not_change_the_forest() {
        let data = random(200, 4, 5, |r| (r[0] + r[1] > 1.0) as u8 as f32);
        for kind in [ForestParams::random_forest, ForestParams::extra_trees] {
            let mut params = classifier(kind, 7);
            let one = Forest::fit(&data, 2, &params, 6).unwrap();
            for n_jobs in [0, 2, 3, 64] {
                params.n_jobs = n_jobs;
                assert_eq!(
                    Forest::fit(&data, 2, &params, 6).unwrap(),
                    one,
                    "n_jobs {n_jobs}"
                );
            }
            assert_ne!(
                Forest::fit(&data, 2, &params, 7).unwrap(),
                one,
                "another seed"
            );
        }
    }

    #[test]
    fn serde_round_trip() {
        let data = random(100, 3, 8, |r| (r[2] > 0.5) as u8 as f32);
        let forest = Forest::fit(&data, 2, &classifier(ForestParams::random_forest, 5), 9).unwrap();
        let back: Forest = serde_json::from_slice(&serde_json::to_vec(&forest).unwrap()).unwrap();
        assert_eq!(back, forest);
        let params: ForestParams =
            serde_json::from_slice(&serde_json::to_vec(&ForestParams::extra_trees()).unwrap())
                .unwrap();
        assert_eq!(params, ForestParams::extra_trees());
    }

    #[test]
    fn degenerate_data_does_not_panic() {
        let one = Dataset::new(vec!["a".into(), "b".into()], vec![1.0, 2.0], vec![1.0]).unwrap();
        let same = Dataset::new(
            vec!["a".into()],
            vec![3.0; 5],
            vec![0.0, 1.0, 0.0, 1.0, 1.0],
        )
        .unwrap();
        for kind in [ForestParams::random_forest, ForestParams::extra_trees] {
            let mut params = classifier(kind, 5);
            params.n_jobs = 2;
            let forest = Forest::fit(&one, 2, &params, 0).unwrap();
            assert_eq!(forest.predict(&[0.0, 0.0]), 1.0);
            assert_eq!(
                Forest::fit(&one, 0, &params, 0)
                    .unwrap()
                    .predict(&[0.0, 0.0]),
                1.0
            );
            let forest = Forest::fit(&same, 2, &params, 0).unwrap();
            let proba = forest.predict_proba(&[3.0]).unwrap();
            assert!((proba.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            forest.predict(&[]);
            // One class only; a constant feature beside a useful one.
            let single = Dataset::new(
                vec!["a".into(), "b".into()],
                vec![7.0, 0.0, 7.0, 1.0, 7.0, 2.0],
                vec![0.0; 3],
            )
            .unwrap();
            let forest = Forest::fit(&single, 1, &params, 0).unwrap();
            assert_eq!(forest.predict_proba(&[7.0, 5.0]), Some(vec![1.0]));
            let forest = Forest::fit(&single, 0, &params, 0).unwrap();
            assert_eq!(forest.predict(&[7.0, 5.0]), 0.0);
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        let data = random(10, 2, 0, |r| (r[0] > 0.5) as u8 as f32);
        let mut params = ForestParams::random_forest();
        params.n_estimators = 0;
        assert!(Forest::fit(&data, 2, &params, 0).is_err());
        let mut params = ForestParams::random_forest();
        params.tree.max_features = MaxFeatures::Count(3);
        params.n_jobs = 4;
        assert!(Forest::fit(&data, 2, &params, 0).is_err());
        assert!(Forest::fit(&data, 1, &ForestParams::random_forest(), 0).is_err());
        let empty = Dataset::new(vec!["a".into()], vec![], vec![]).unwrap();
        assert!(Forest::fit(&empty, 0, &ForestParams::random_forest(), 0).is_err());
    }

    #[test]
    fn random_forest_learns_a_larger_problem() {
        // 2,000 rows of 10 features; the class depends on 3 of them, nonlinearly.
        let label = |r: &[f32]| {
            let score = r[0] + r[1] * r[1] - (r[2] - 0.5).abs();
            (score > 0.6) as u8 as f32
        };
        let train = random(2_000, 10, 10, label);
        let test = random(500, 10, 11, label);
        let mut params = classifier(ForestParams::random_forest, 50);
        params.n_jobs = 2;
        let started = std::time::Instant::now();
        let forest = Forest::fit(&train, 2, &params, 12).unwrap();
        let elapsed = started.elapsed();
        let acc = accuracy(&forest, &test);
        assert!(acc > 0.9, "held-out accuracy {acc}");
        assert!(elapsed.as_secs_f64() < 5.0, "{elapsed:?}");
        let mut regression = ForestParams::random_forest();
        regression.n_estimators = 20;
        let target = random(2_000, 10, 13, |r| r[0] * 10.0 + r[1] * r[2] * 5.0);
        let forest = Forest::fit(&target, 0, &regression, 14).unwrap();
        let probe = [0.5f32, 0.5, 0.5, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
        assert!(
            (forest.predict(&probe) - 6.25).abs() < 0.5,
            "{}",
            forest.predict(&probe)
        );
    }
}
