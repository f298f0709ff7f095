//! Hyper-parameter search: `search => 'grid' | 'random'` over `search_params` (each key a list
//! of candidate values), scored by k-fold cross-validation on the training rows
//! (`search_args`: `cv`, default 5 as in PostgresML; `n_iter` for random, default 10: that
//! many distinct combinations, or all of them when there are fewer). The best candidate is
//! refitted on every training row; `search_results` mirrors scikit-learn's `cv_results_`.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::registry::Search;

/// How to search, read from `search_args`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchArgs {
    /// Folds of cross-validation.
    pub cv: usize,
    /// Candidates drawn by random search.
    pub n_iter: usize,
}

impl SearchArgs {
    /// Reads `search_args`: only `cv` (>= 2) and `n_iter` (>= 1) are accepted.
    pub fn parse(value: &Value) -> Result<Self> {
        let mut args = SearchArgs { cv: 5, n_iter: 10 };
        let Some(map) = (match value {
            Value::Null => None,
            Value::Object(map) => Some(map),
            other => {
                return Err(Error::invalid(
                    format!("search_args must be a JSON object, got {other}"),
                    "for example '{\"cv\": 5, \"n_iter\": 20}'",
                ))
            }
        }) else {
            return Ok(args);
        };
        for (key, v) in map {
            let n = v.as_u64().map(|n| n as usize);
            match (key.as_str(), n) {
                ("cv", Some(n)) if n >= 2 => args.cv = n,
                ("n_iter", Some(n)) if n >= 1 => args.n_iter = n,
                ("cv" | "n_iter", _) => {
                    return Err(Error::invalid(
                        format!(
                        "search_args {key} must be a whole number (cv >= 2, n_iter >= 1), got {v}"
                    ),
                        "for example '{\"cv\": 5, \"n_iter\": 20}'",
                    ))
                }
                (other, _) => {
                    return Err(Error::invalid(
                        format!("unknown search_args key {other:?}"),
                        "valid keys: cv, n_iter",
                    ))
                }
            }
        }
        Ok(args)
    }
}

/// The hyperparameter sets to try: `base` (the `hyperparams` argument) overlaid with each
/// combination (grid) or `n_iter` random draws (random) of `search_params`' value lists.
pub fn candidates(
    search: Search,
    base: &Value,
    search_params: &Value,
    args: &SearchArgs,
    seed: u64,
) -> Result<Vec<Value>> {
    let base = match base {
        Value::Null => Map::new(),
        Value::Object(map) => map.clone(),
        other => {
            return Err(Error::invalid(
                format!("hyperparams must be a JSON object, got {other}"),
                "for example '{\"alpha\": 0.5}'",
            ))
        }
    };
    let Value::Object(space) = search_params else {
        return Err(Error::invalid(
            format!("search_params must be a JSON object of value lists, got {search_params}"),
            "for example '{\"alpha\": [0.1, 1.0, 10.0]}'",
        ));
    };
    if space.is_empty() {
        return Err(Error::invalid(
            "search needs search_params with at least one hyperparameter",
            "for example search_params => '{\"alpha\": [0.1, 1.0, 10.0]}'",
        ));
    }
    let mut axes: Vec<(&String, &Vec<Value>)> = Vec::new();
    for (key, values) in space {
        match values {
            Value::Array(list) if !list.is_empty() => axes.push((key, list)),
            _ => {
                return Err(Error::invalid(
                    format!(
                        "search_params {key:?} must be a non-empty list of values, got {values}"
                    ),
                    "for example '{\"alpha\": [0.1, 1.0, 10.0]}'",
                ))
            }
        }
    }
    let with = |choice: &[usize]| {
        let mut params = base.clone();
        for ((key, list), &i) in axes.iter().zip(choice) {
            params.insert((*key).clone(), list[i].clone());
        }
        Value::Object(params)
    };
    const MAX_CANDIDATES: usize = 1000;
    // Saturating: 64 keys of 2 values overflow (and would wrap to 0 candidates).
    let total: usize = axes
        .iter()
        .fold(1usize, |n, (_, l)| n.saturating_mul(l.len()));
    match search {
        Search::Grid => {
            if total > MAX_CANDIDATES {
                let shown = if total == usize::MAX {
                    "more than 2^64".to_owned()
                } else {
                    total.to_string()
                };
                return Err(Error::invalid(
                    format!("grid search over {shown} combinations is too large (at most {MAX_CANDIDATES})"),
                    "use search => 'random' with search_args '{\"n_iter\": ...}', or fewer values",
                ));
            }
            let mut out = Vec::with_capacity(total);
            let mut choice = vec![0usize; axes.len()];
            for _ in 0..total {
                out.push(with(&choice));
                for (digit, (_, list)) in choice.iter_mut().zip(&axes).rev() {
                    *digit += 1;
                    if *digit < list.len() {
                        break;
                    }
                    *digit = 0;
                }
            }
            Ok(out)
        }
        Search::Random => {
            // Distinct combinations, as PostgresML and scikit-learn's ParameterSampler draw
            // them: a space of fewer than n_iter combinations is tried whole, once each.
            let mut rng = StdRng::seed_from_u64(seed);
            let n = args.n_iter.min(MAX_CANDIDATES).min(total);
            let mut seen = std::collections::HashSet::with_capacity(n);
            let mut out: Vec<Value> = Vec::with_capacity(n);
            // Enough draws to collect every combination of a small space; a huge one
            // almost never repeats.
            let mut draws_left = n.saturating_mul(100).saturating_add(10_000);
            while out.len() < n && draws_left > 0 {
                draws_left -= 1;
                let choice: Vec<usize> = axes
                    .iter()
                    .map(|(_, l)| rng.gen_range(0..l.len()))
                    .collect();
                if seen.insert(choice.clone()) {
                    out.push(with(&choice));
                }
            }
            Ok(out)
        }
    }
}

/// Row indices of `k` folds (shuffled with `seed`): each fold's (train, validation) pair.
pub fn folds(rows: usize, k: usize, seed: u64) -> Result<Vec<(Vec<usize>, Vec<usize>)>> {
    if rows / 2 < k {
        return Err(Error::data(
            format!("{rows} training rows are too few for {k}-fold cross-validation"),
            "add rows, lower search_args cv, or leave search out",
        ));
    }
    let mut order: Vec<usize> = (0..rows).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed));
    Ok((0..k)
        .map(|f| {
            let (lo, hi) = (f * rows / k, (f + 1) * rows / k);
            let validation = order[lo..hi].to_vec();
            let train = order[..lo].iter().chain(&order[hi..]).copied().collect();
            (train, validation)
        })
        .collect())
}

/// Scores of every candidate, in scikit-learn's `cv_results_` shape.
pub struct Results {
    params: Vec<Value>,
    n_splits: usize,
    scores: Vec<Vec<f64>>,
    fit_times: Vec<Vec<f64>>,
    score_times: Vec<Vec<f64>>,
}

/// One fold of one candidate: what `cross_validate`'s callback returns.
#[derive(Debug, Clone, Copy)]
pub struct FoldScore {
    /// The validation score (higher is better).
    pub score: f64,
    /// Seconds spent scoring (the rest of the callback's time was fitting).
    pub score_time: f64,
}

impl Results {
    /// An empty table for `params`, cross-validated over `n_splits` folds.
    pub fn new(params: Vec<Value>, n_splits: usize) -> Self {
        let n = params.len();
        Results {
            params,
            n_splits,
            scores: vec![Vec::new(); n],
            fit_times: vec![Vec::new(); n],
            score_times: vec![Vec::new(); n],
        }
    }

    /// Records one fold of candidate `i`.
    pub fn record(&mut self, i: usize, score: f64, fit_time: f64, score_time: f64) {
        self.scores[i].push(score);
        self.fit_times[i].push(fit_time);
        self.score_times[i].push(score_time);
    }

    /// Index of the best candidate (highest mean score; the first on ties).
    pub fn best(&self) -> usize {
        let means: Vec<f64> = self.scores.iter().map(|s| mean_std(s).0).collect();
        let mut best = 0;
        for (i, m) in means.iter().enumerate() {
            if m > &means[best] || means[best].is_nan() {
                best = i;
            }
        }
        best
    }

    /// The parameters of candidate `i`.
    pub fn params(&self, i: usize) -> &Value {
        &self.params[i]
    }

    /// `search_results` as stored in the model's metrics.
    pub fn to_json(&self) -> Value {
        let stats: Vec<(f64, f64)> = self.scores.iter().map(|s| mean_std(s)).collect();
        let times: Vec<(f64, f64)> = self.fit_times.iter().map(|s| mean_std(s)).collect();
        let mut order: Vec<usize> = (0..stats.len()).collect();
        order.sort_by(|&a, &b| stats[b].0.total_cmp(&stats[a].0));
        let mut rank = vec![0usize; stats.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i] = r + 1;
        }
        let score_times: Vec<(f64, f64)> = self.score_times.iter().map(|s| mean_std(s)).collect();
        let mut out = json!({
            "params": self.params,
            "n_splits": self.n_splits,
            "mean_test_score": stats.iter().map(|s| s.0).collect::<Vec<_>>(),
            "std_test_score": stats.iter().map(|s| s.1).collect::<Vec<_>>(),
            "mean_fit_time": times.iter().map(|s| s.0).collect::<Vec<_>>(),
            "std_fit_time": times.iter().map(|s| s.1).collect::<Vec<_>>(),
            "mean_score_time": score_times.iter().map(|s| s.0).collect::<Vec<_>>(),
            "std_score_time": score_times.iter().map(|s| s.1).collect::<Vec<_>>(),
            "rank_test_score": rank,
            "best_index": self.best(),
        });
        if let Value::Object(map) = &mut out {
            // scikit-learn's per-fold scores and per-parameter columns.
            for k in 0..self.n_splits {
                let fold: Vec<Value> = self
                    .scores
                    .iter()
                    .map(|s| s.get(k).map_or(Value::Null, |v| json!(v)))
                    .collect();
                map.insert(format!("split{k}_test_score"), Value::Array(fold));
            }
            let mut names: Vec<&String> = self
                .params
                .iter()
                .filter_map(Value::as_object)
                .flat_map(|p| p.keys())
                .collect();
            names.sort();
            names.dedup();
            for name in names {
                let column: Vec<Value> = self
                    .params
                    .iter()
                    .map(|p| p.get(name).cloned().unwrap_or(Value::Null))
                    .collect();
                map.insert(format!("param_{name}"), Value::Array(column));
            }
        }
        out
    }
}

fn mean_std(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (
        mean,
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt(),
    )
}

/// Fits and scores every candidate on every fold of `rows` rows. `fit_and_score(params,
/// fit_rows, validation_rows)` gets row indices and returns the validation score (higher is
/// better).
pub fn cross_validate<F>(
    rows: usize,
    candidates: Vec<Value>,
    cv: usize,
    seed: u64,
    mut fit_and_score: F,
) -> Result<Results>
where
    F: FnMut(&Value, &[usize], &[usize]) -> Result<FoldScore>,
{
    let folds = folds(rows, cv, seed)?;
    let mut results = Results::new(candidates, cv);
    for i in 0..results.params.len() {
        for (fit_rows, validation_rows) in &folds {
            let started = std::time::Instant::now();
            crate::interrupt::check()?;
            let fold = fit_and_score(&results.params[i].clone(), fit_rows, validation_rows)?;
            let total = started.elapsed().as_secs_f64();
            let score_time = fold.score_time.min(total);
            results.record(i, fold.score, total - score_time, score_time);
        }
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_whose_size_overflows_is_refused() {
        let args = SearchArgs::parse(&Value::Null).unwrap();
        let axes: serde_json::Map<String, Value> =
            (0..64).map(|i| (format!("k{i}"), json!([1, 2]))).collect();
        let err = candidates(Search::Grid, &json!({}), &Value::Object(axes), &args, 0).unwrap_err();
        assert_eq!(err.sqlstate(), crate::SqlState::InvalidParameterValue);
        assert!(err.to_string().contains("more than 2^64"), "{err}");
        assert!(folds(10, usize::MAX, 0).is_err());
    }

    #[test]
    fn grid_is_the_cartesian_product_over_the_base() {
        let args = SearchArgs::parse(&Value::Null).unwrap();
        let c = candidates(
            Search::Grid,
            &json!({"fit_intercept": false}),
            &json!({"a": [1, 2], "b": ["x", "y", "z"]}),
            &args,
            0,
        )
        .unwrap();
        assert_eq!(c.len(), 6);
        assert_eq!(c[0], json!({"fit_intercept": false, "a": 1, "b": "x"}));
        assert!(c.contains(&json!({"fit_intercept": false, "a": 2, "b": "z"})));
        let unique: std::collections::HashSet<String> = c.iter().map(Value::to_string).collect();
        assert_eq!(unique.len(), 6);
    }

    #[test]
    fn random_draws_n_iter_reproducibly() {
        let args = SearchArgs::parse(&json!({"n_iter": 4})).unwrap();
        let space = json!({"alpha": [0.1, 1, 10, 100]});
        let a = candidates(Search::Random, &Value::Null, &space, &args, 9).unwrap();
        assert_eq!(a.len(), 4);
        assert_eq!(
            a,
            candidates(Search::Random, &Value::Null, &space, &args, 9).unwrap()
        );
        // Distinct draws: a space of 4 with n_iter 10 is tried whole, once each.
        let args = SearchArgs::parse(&json!({"n_iter": 10})).unwrap();
        let mut all = candidates(Search::Random, &Value::Null, &space, &args, 9).unwrap();
        assert_eq!(all.len(), 4);
        all.sort_by_key(|v| v["alpha"].to_string());
        all.dedup();
        assert_eq!(all.len(), 4);
    }

    #[test]
    fn bad_search_specs_are_refused() {
        let args = SearchArgs::parse(&Value::Null).unwrap();
        assert!(candidates(Search::Grid, &Value::Null, &json!({}), &args, 0).is_err());
        assert!(candidates(Search::Grid, &Value::Null, &json!({"a": 1}), &args, 0).is_err());
        assert!(candidates(Search::Grid, &Value::Null, &json!({"a": []}), &args, 0).is_err());
        assert!(candidates(Search::Grid, &Value::Null, &json!([1]), &args, 0).is_err());
        let huge = json!({"a": (0..40).collect::<Vec<_>>(), "b": (0..40).collect::<Vec<_>>()});
        assert!(candidates(Search::Grid, &Value::Null, &huge, &args, 0).is_err());
        assert!(SearchArgs::parse(&json!({"cv": 1})).is_err());
        assert!(SearchArgs::parse(&json!({"folds": 3})).is_err());
    }

    #[test]
    fn folds_partition_the_rows() {
        let f = folds(10, 3, 1).unwrap();
        assert_eq!(f.len(), 3);
        let mut seen: Vec<usize> = f.iter().flat_map(|(_, v)| v.clone()).collect();
        seen.sort();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        for (t, v) in &f {
            assert_eq!(t.len() + v.len(), 10);
        }
        assert!(folds(5, 3, 0).is_err());
    }

    #[test]
    fn results_rank_and_pick_the_best() {
        let mut r = Results::new(vec![json!({"a": 1}), json!({"a": 2, "b": true})], 2);
        r.record(0, 0.5, 0.1, 0.01);
        r.record(0, 0.7, 0.1, 0.03);
        r.record(1, 0.9, 0.2, 0.02);
        r.record(1, 0.8, 0.2, 0.02);
        assert_eq!(r.best(), 1);
        let j = r.to_json();
        assert_eq!(j["rank_test_score"], json!([2, 1]));
        assert_eq!(j["best_index"], json!(1));
        assert!((j["mean_test_score"][0].as_f64().unwrap() - 0.6).abs() < 1e-12);
        // scikit-learn's (and PostgresML's) cv_results_ keys.
        assert_eq!(j["n_splits"], json!(2));
        assert_eq!(j["split0_test_score"], json!([0.5, 0.9]));
        assert_eq!(j["split1_test_score"], json!([0.7, 0.8]));
        assert_eq!(j["param_a"], json!([1, 2]));
        assert_eq!(j["param_b"], json!([null, true]));
        assert!((j["mean_score_time"][0].as_f64().unwrap() - 0.02).abs() < 1e-12);
        assert!(j["std_score_time"][1].as_f64().unwrap().abs() < 1e-12);
    }
}
