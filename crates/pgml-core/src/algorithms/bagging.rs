//! scikit-learn's `BaggingRegressor` / `BaggingClassifier` with their default estimator, a
//! fully grown decision tree (`bagging`): each tree sees a random sample of the rows (with
//! replacement by default) and, when `max_features < 1`, a random subset of the features;
//! predictions average the trees (class probabilities for classification).

use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::forest::{fit_in_threads, tree_seed};
use super::linear::argmax;
use super::tree::{DecisionTree, TreeParams};
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// How many rows or features: a fraction of them, or a count (scikit-learn's float / int).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    Fraction(f64),
    Count(usize),
}

impl Amount {
    /// The number out of `total`, as scikit-learn counts it: a fraction gives
    /// `max(1, int(f · total))`; a count above `total` is refused unless `repeats` (rows drawn
    /// with replacement may be more than there are).
    fn of(self, total: usize, what: &str, repeats: bool) -> Result<usize> {
        let n = match self {
            Amount::Fraction(f) => ((f * total as f64) as usize).max(1),
            Amount::Count(c) => c,
        };
        if n == 0 || (n > total && !repeats) {
            return Err(Error::invalid(
                format!("{what} comes to {n} out of {total}"),
                format!("choose a fraction in (0, 1] or a count from 1 to {total}"),
            ));
        }
        // Each tree holds its drawn row numbers: a count far beyond the table would only
        // exhaust the backend's memory.
        let most = total.saturating_mul(MAX_OVERSAMPLING);
        if n > most {
            return Err(Error::invalid(
                format!("{what} comes to {n}, more than {MAX_OVERSAMPLING} times the {total} rows"),
                format!("choose a count up to {most}"),
            ));
        }
        Ok(n)
    }
}

/// The most rows a tree may draw with replacement, as a multiple of the table's rows.
const MAX_OVERSAMPLING: usize = 100;

/// Settings, scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct BaggingParams {
    /// Trees (default 10).
    pub n_estimators: usize,
    /// Rows drawn for each tree (default all: 1.0).
    pub max_samples: Amount,
    /// Features each tree sees (default all: 1.0).
    pub max_features: Amount,
    /// Rows drawn with replacement (default true).
    pub bootstrap: bool,
    /// Features drawn with replacement (default false).
    pub bootstrap_features: bool,
    /// Threads training trees (default 1).
    pub n_jobs: usize,
}

impl Default for BaggingParams {
    fn default() -> Self {
        BaggingParams {
            n_estimators: 10,
            max_samples: Amount::Fraction(1.0),
            max_features: Amount::Fraction(1.0),
            bootstrap: true,
            bootstrap_features: false,
            n_jobs: 1,
        }
    }
}

/// One tree and the features it was trained on (empty: all of them, in order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Member {
    features: Vec<usize>,
    tree: DecisionTree,
}

/// A fitted bagging ensemble.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bagging {
    members: Vec<Member>,
    num_classes: usize,
}

impl Bagging {
    /// Fits `n_estimators` trees; `num_classes == 0` is regression. Tree `i`'s rows,
    /// features and splits come from a seed derived from `(seed, i)` alone, so the ensemble
    /// is the same for every `n_jobs`.
    pub fn fit(
        data: &Dataset,
        num_classes: usize,
        params: &BaggingParams,
        seed: u64,
    ) -> Result<Self> {
        let (n, p) = (data.num_rows(), data.num_features());
        if params.n_estimators == 0 {
            return Err(Error::invalid(
                "n_estimators must be at least 1",
                "bagging needs trees; 10 is the default",
            ));
        }
        if n == 0 {
            return Err(Error::data(
                "bagging needs at least one training row",
                "train on a relation with rows",
            ));
        }
        let rows_each = params.max_samples.of(n, "max_samples", params.bootstrap)?;
        let features_each = params.max_features.of(p, "max_features", false)?;
        let tree_params = TreeParams::default();
        let fit_one = |i: usize| -> Result<Member> {
            crate::interrupt::check()?;
            let mut rng = StdRng::seed_from_u64(tree_seed(seed, i));
            let features: Vec<usize> = if features_each == p && !params.bootstrap_features {
                Vec::new()
            } else if params.bootstrap_features {
                (0..features_each).map(|_| rng.gen_range(0..p)).collect()
            } else {
                let mut chosen = sample(&mut rng, p, features_each).into_vec();
                chosen.sort_unstable();
                chosen
            };
            let rows: Vec<usize> = if params.bootstrap {
                (0..rows_each).map(|_| rng.gen_range(0..n)).collect()
            } else {
                sample(&mut rng, n, rows_each).into_vec()
            };
            let splits_seed = rng.gen();
            let tree = if features.is_empty() {
                DecisionTree::fit_rows(data, &rows, num_classes, &tree_params, splits_seed)?
            } else {
                let narrowed = narrow(data, &features)?;
                DecisionTree::fit_rows(&narrowed, &rows, num_classes, &tree_params, splits_seed)?
            };
            Ok(Member { features, tree })
        };
        let jobs = params.n_jobs.clamp(1, params.n_estimators);
        let members = if jobs == 1 {
            (0..params.n_estimators)
                .map(fit_one)
                .collect::<Result<Vec<_>>>()?
        } else {
            fit_in_threads(&fit_one, params.n_estimators, jobs)?
        };
        Ok(Bagging {
            members,
            num_classes,
        })
    }

    /// The class with the largest mean probability (the first on ties), or the mean
    /// prediction for regression.
    pub fn predict(&self, features: &[f32]) -> f32 {
        match self.predict_proba(features) {
            Some(proba) => argmax(&proba) as f32,
            None => {
                let mut buffer = Vec::new();
                let sum: f64 = self
                    .members
                    .iter()
                    .map(|m| f64::from(m.tree.predict(m.view(features, &mut buffer))))
                    .sum();
                (sum / self.members.len().max(1) as f64) as f32
            }
        }
    }

    /// Class probabilities averaged over the trees; `None` for regression.
    pub fn predict_proba(&self, features: &[f32]) -> Option<Vec<f32>> {
        if self.num_classes == 0 {
            return None;
        }
        let mut sum = vec![0.0f64; self.num_classes];
        let mut buffer = Vec::new();
        for member in &self.members {
            if let Some(proba) = member
                .tree
                .predict_proba(member.view(features, &mut buffer))
            {
                for (s, p) in sum.iter_mut().zip(proba) {
                    *s += f64::from(p);
                }
            }
        }
        let n = self.members.len().max(1) as f64;
        Some(sum.into_iter().map(|s| (s / n) as f32).collect())
    }

    /// Number of trees.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are no trees (never, once fitted).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

impl Member {
    /// The row as this tree saw it: its features, in its order.
    fn view<'a>(&self, features: &'a [f32], buffer: &'a mut Vec<f32>) -> &'a [f32] {
        if self.features.is_empty() {
            return features;
        }
        buffer.clear();
        buffer.extend(
            self.features
                .iter()
                .map(|&j| features.get(j).copied().unwrap_or(0.0)),
        );
        buffer
    }
}

/// The columns `features` of `data` (repeats allowed), same rows and labels.
fn narrow(data: &Dataset, features: &[usize]) -> Result<Dataset> {
    let names = features
        .iter()
        .map(|&j| data.feature_names()[j].clone())
        .collect();
    let x = (0..data.num_rows())
        .flat_map(|i| {
            let row = data.row(i);
            features.iter().map(move |&j| row[j])
        })
        .collect();
    Dataset::new(names, x, data.labels().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// `n` rows of 4 uniform features; the label depends on the first two only.
    fn data(n: usize, classification: bool) -> Dataset {
        let mut rng = StdRng::seed_from_u64(7);
        let rows: Vec<[f32; 4]> = (0..n)
            .map(|_| [rng.gen(), rng.gen(), rng.gen(), rng.gen()])
            .collect();
        let y: Vec<f32> = rows
            .iter()
            .map(|r| {
                let v = 3.0 * r[0] - 2.0 * r[1];
                if classification {
                    f32::from(u8::from(v > 0.5))
                } else {
                    v
                }
            })
            .collect();
        crate::dataset::fixtures::from_rows(&rows, &y)
    }

    fn r2(model: &Bagging, test: &Dataset) -> f64 {
        let y = test.labels();
        let mean = y.iter().map(|&v| f64::from(v)).sum::<f64>() / y.len() as f64;
        let (mut ss_res, mut ss_tot) = (0.0, 0.0);
        for (i, &label) in y.iter().enumerate() {
            ss_res += (f64::from(label) - f64::from(model.predict(test.row(i)))).powi(2);
            ss_tot += (f64::from(label) - mean).powi(2);
        }
        1.0 - ss_res / ss_tot
    }

    #[test]
    fn regression_generalises_like_scikit_learn() {
        let all = data(600, false);
        let train = all.subset(&(0..400).collect::<Vec<_>>());
        let test = all.subset(&(400..600).collect::<Vec<_>>());
        let model = Bagging::fit(&train, 0, &BaggingParams::default(), 1).unwrap();
        assert_eq!(model.len(), 10);
        assert!(r2(&model, &test) > 0.93, "r2 {}", r2(&model, &test));
        assert!(model.predict_proba(test.row(0)).is_none());
    }

    #[test]
    fn classification_feature_subsets_and_threads() {
        let all = data(600, true);
        let train = all.subset(&(0..400).collect::<Vec<_>>());
        let test = all.subset(&(400..600).collect::<Vec<_>>());
        let params = BaggingParams {
            n_estimators: 12,
            max_features: Amount::Count(3),
            max_samples: Amount::Fraction(0.8),
            ..BaggingParams::default()
        };
        let one = Bagging::fit(&train, 2, &params, 3).unwrap();
        let two = Bagging::fit(
            &train,
            2,
            &BaggingParams {
                n_jobs: 2,
                ..params.clone()
            },
            3,
        )
        .unwrap();
        assert_eq!(one, two, "the ensemble does not depend on n_jobs");
        let correct = (0..test.num_rows())
            .filter(|&i| one.predict(test.row(i)) == test.labels()[i])
            .count();
        assert!(correct >= 180, "{correct}/200 correct");
        let proba = one.predict_proba(test.row(0)).unwrap();
        assert!((proba.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{proba:?}");
        assert!(one.members.iter().all(|m| m.features.len() == 3));
        let back: Bagging = serde_json::from_str(&serde_json::to_string(&one).unwrap()).unwrap();
        assert_eq!(back, one);
    }

    #[test]
    fn amounts_count_as_scikit_learn_counts_them() {
        let train = data(10, false);
        // A fraction never comes to 0 features (int(0.1 * 4) = 0 -> 1), and with replacement
        // more rows than the table has may be drawn.
        let params = BaggingParams {
            max_features: Amount::Fraction(0.1),
            max_samples: Amount::Count(25),
            ..BaggingParams::default()
        };
        let model = Bagging::fit(&train, 0, &params, 0).unwrap();
        assert!(model.members.iter().all(|m| m.features.len() == 1));
        for (params, needle) in [
            (
                BaggingParams {
                    n_estimators: 0,
                    ..BaggingParams::default()
                },
                "n_estimators",
            ),
            (
                BaggingParams {
                    max_samples: Amount::Count(11),
                    bootstrap: false,
                    ..BaggingParams::default()
                },
                "max_samples",
            ),
            (
                BaggingParams {
                    max_features: Amount::Count(5),
                    ..BaggingParams::default()
                },
                "max_features",
            ),
        ] {
            let err = Bagging::fit(&train, 0, &params, 0).unwrap_err();
            assert!(err.to_string().contains(needle), "{err}");
        }
    }
}
