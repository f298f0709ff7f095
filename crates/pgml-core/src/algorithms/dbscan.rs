//! DBSCAN: density-based clustering (scikit-learn's `DBSCAN`, euclidean, brute-force
//! neighbourhoods).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// Settings of [`Dbscan::fit`], named as scikit-learn names them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DbscanParams {
    /// Neighbourhood radius (euclidean, inclusive).
    pub eps: f64,
    /// Rows within `eps` of a row, the row itself included, that make it a core point.
    pub min_samples: usize,
}

impl Default for DbscanParams {
    /// scikit-learn's defaults: eps 0.5, min_samples 5.
    fn default() -> Self {
        DbscanParams {
            eps: 0.5,
            min_samples: 5,
        }
    }
}

/// Training rows above which the O(n²) neighbourhood search is refused.
pub const MAX_ROWS: usize = 50_000;

/// Label of rows that belong to no cluster.
pub const NOISE: i64 = -1;

/// The core points of a fitted clustering, with their cluster ids: all a new point needs to be
/// labelled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dbscan {
    core_points: Vec<Vec<f32>>,
    core_labels: Vec<i64>,
    eps: f64,
}

impl Dbscan {
    /// Clusters `data`; returns the model and one label per training row (`-1` for noise,
    /// clusters numbered from 0 in order of their first core row). A border row reachable from
    /// several clusters joins the first that reaches it, as in scikit-learn.
    pub fn fit(data: &Dataset, params: &DbscanParams) -> Result<(Self, Vec<i64>)> {
        if !params.eps.is_finite() || params.eps <= 0.0 {
            return Err(Error::invalid(
                format!("eps must be a positive number, got {}", params.eps),
                "use eps => 0.5, in the units of the (ideally scaled) features",
            ));
        }
        if params.min_samples == 0 {
            return Err(Error::invalid(
                "min_samples must be at least 1",
                "use min_samples => 5",
            ));
        }
        let n = data.num_rows();
        if n == 0 {
            return Err(Error::data(
                "the training data has no rows",
                "add rows to the relation",
            ));
        }
        if n > MAX_ROWS {
            return Err(Error::invalid(
                format!("DBSCAN compares every pair of rows and accepts at most {MAX_ROWS}, got {n}"),
                "train on a sample of the relation (e.g. a view with TABLESAMPLE or LIMIT), or use kmeans or mini_batch_kmeans",
            ));
        }
        let width = data.num_features();
        // One contiguous block of rows: the pair loop streams through it.
        let rows: Vec<f64> = (0..n)
            .flat_map(|i| data.row(i).iter().map(|&v| v as f64))
            .collect();
        let row = |i: usize| &rows[i * width..(i + 1) * width];
        let eps2 = params.eps * params.eps;
        let neighbourhoods = Neighbourhoods::find(n, &row, eps2);
        let core: Vec<bool> = (0..n)
            .map(|i| neighbourhoods.count(i, &row, eps2) >= params.min_samples)
            .collect();
        let mut labels = vec![NOISE; n];
        let mut next = 0i64;
        let mut queue = VecDeque::new();
        let mut found = Vec::new();
        let mut ticks = crate::interrupt::Countdown::new(256);
        for start in 0..n {
            ticks.tick()?;
            if !core[start] || labels[start] != NOISE {
                continue;
            }
            labels[start] = next;
            queue.push_back(start);
            while let Some(i) = queue.pop_front() {
                ticks.tick()?;
                neighbourhoods.of(i, &row, eps2, &mut found);
                for &j in &found {
                    if labels[j] == NOISE {
                        labels[j] = next;
                        if core[j] {
                            queue.push_back(j);
                        }
                    }
                }
            }
            next += 1;
        }
        let (core_points, core_labels) = (0..n)
            .filter(|&i| core[i])
            .map(|i| (data.row(i).to_vec(), labels[i]))
            .unzip();
        let model = Dbscan {
            core_points,
            core_labels,
            eps: params.eps,
        };
        Ok((model, labels))
    }

    /// The cluster of the nearest core point within `eps`, or `-1` (noise). For a training row
    /// this is its training label, except for a border row that was reachable from two
    /// clusters, which may get the other one.
    pub fn predict(&self, features: &[f32]) -> i64 {
        let row: Vec<f64> = features.iter().map(|&v| v as f64).collect();
        let mut best = (NOISE, self.eps * self.eps);
        for (point, &label) in self.core_points.iter().zip(&self.core_labels) {
            let d: f64 = point
                .iter()
                .zip(&row)
                .map(|(&u, v)| (u as f64 - v) * (u as f64 - v))
                .sum();
            if d < best.1 || (d == best.1 && best.0 == NOISE) {
                best = (label, d);
            }
        }
        best.0
    }

    /// Number of clusters found.
    pub fn num_clusters(&self) -> usize {
        self.core_labels
            .iter()
            .max()
            .map_or(0, |&m| usize::try_from(m + 1).unwrap_or(0))
    }
}

/// Each row's neighbours within eps (itself included), found once by comparing every pair
/// once, and kept while they fit in [`STORED_NEIGHBOURS`]; past that (a large eps on many
/// rows) they are found again each time they are needed, in O(n) memory.
enum Neighbourhoods {
    Stored(Vec<Vec<u32>>),
    Recomputed(usize),
}

/// Neighbour entries kept at most (4 bytes each).
const STORED_NEIGHBOURS: usize = 64 * 1024 * 1024;

impl Neighbourhoods {
    fn find<'a>(n: usize, row: &impl Fn(usize) -> &'a [f64], eps2: f64) -> Neighbourhoods {
        let mut lists: Vec<Vec<u32>> = (0..n).map(|i| vec![i as u32]).collect();
        let mut stored = n;
        for i in 0..n {
            let a = row(i);
            for j in i + 1..n {
                if within(a, row(j), eps2) {
                    lists[i].push(j as u32);
                    lists[j].push(i as u32);
                    stored += 2;
                    if stored > STORED_NEIGHBOURS {
                        return Neighbourhoods::Recomputed(n);
                    }
                }
            }
        }
        // Ascending order, as a scan over all rows would give them (the labels depend on it).
        lists.iter_mut().for_each(|l| l.sort_unstable());
        Neighbourhoods::Stored(lists)
    }

    fn count<'a>(&self, i: usize, row: &impl Fn(usize) -> &'a [f64], eps2: f64) -> usize {
        match self {
            Neighbourhoods::Stored(lists) => lists[i].len(),
            Neighbourhoods::Recomputed(n) => {
                (0..*n).filter(|&j| within(row(i), row(j), eps2)).count()
            }
        }
    }

    fn of<'a>(&self, i: usize, row: &impl Fn(usize) -> &'a [f64], eps2: f64, out: &mut Vec<usize>) {
        out.clear();
        match self {
            Neighbourhoods::Stored(lists) => out.extend(lists[i].iter().map(|&j| j as usize)),
            Neighbourhoods::Recomputed(n) => {
                out.extend((0..*n).filter(|&j| within(row(i), row(j), eps2)))
            }
        }
    }
}

/// `|a - b|² <= eps2`, giving up as soon as a block of the sum already exceeds it.
fn within(a: &[f64], b: &[f64], eps2: f64) -> bool {
    let mut sum = 0.0;
    for (ca, cb) in a.chunks(8).zip(b.chunks(8)) {
        sum += ca
            .iter()
            .zip(cb)
            .map(|(u, v)| (u - v) * (u - v))
            .sum::<f64>();
        if sum > eps2 {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(rows: &[[f32; 2]]) -> Dataset {
        Dataset::new(
            vec!["a".into(), "b".into()],
            rows.iter().flatten().copied().collect(),
            vec![0.0; rows.len()],
        )
        .unwrap()
    }

    fn two_groups_and_an_outlier() -> Vec<[f32; 2]> {
        let mut rows = Vec::new();
        for i in 0..6 {
            rows.push([i as f32 * 0.1, 0.0]);
        }
        rows.push([50.0, 50.0]);
        for i in 0..6 {
            rows.push([10.0, 10.0 + i as f32 * 0.1]);
        }
        rows
    }

    #[test]
    fn labels_two_groups_and_noise() {
        let rows = two_groups_and_an_outlier();
        let params = DbscanParams {
            eps: 0.3,
            min_samples: 3,
        };
        let (model, labels) = Dbscan::fit(&dataset(&rows), &params).unwrap();
        assert_eq!(labels, vec![0, 0, 0, 0, 0, 0, -1, 1, 1, 1, 1, 1, 1]);
        assert_eq!(model.num_clusters(), 2);
        for (row, &label) in rows.iter().zip(&labels) {
            assert_eq!(model.predict(row), label, "{row:?}");
        }
        assert_eq!(model.predict(&[0.25, 0.1]), 0);
        assert_eq!(model.predict(&[10.1, 10.2]), 1);
        assert_eq!(model.predict(&[5.0, 5.0]), -1);
        let again = Dbscan::fit(&dataset(&rows), &params).unwrap();
        assert_eq!((model, labels), again, "deterministic");
    }

    #[test]
    fn border_points_join_but_do_not_expand() {
        // Core rows 0, 1, 2 (min_samples 3, eps 1); row 3 at distance 1 from row 2 only is a
        // border row; row 4, 1.5 further on, stays noise.
        let rows = [[0.0, 0.0], [0.5, 0.0], [1.0, 0.0], [2.0, 0.0], [3.5, 0.0]];
        let params = DbscanParams {
            eps: 1.0,
            min_samples: 3,
        };
        let (model, labels) = Dbscan::fit(&dataset(&rows), &params).unwrap();
        assert_eq!(labels, vec![0, 0, 0, 0, -1]);
        assert_eq!(model.core_points.len(), 3);
        // min_samples 1: every row is a core point, the far one its own cluster.
        let ones = DbscanParams {
            eps: 0.6,
            min_samples: 1,
        };
        let (_, labels) = Dbscan::fit(&dataset(&rows), &ones).unwrap();
        assert_eq!(labels, vec![0, 0, 0, 1, 2]);
    }

    #[test]
    fn degenerate_inputs() {
        let (model, labels) =
            Dbscan::fit(&dataset(&[[1.0, 1.0]]), &DbscanParams::default()).unwrap();
        assert_eq!(labels, vec![-1]);
        assert_eq!(model.predict(&[1.0, 1.0]), -1);
        assert_eq!(model.num_clusters(), 0);
        let (_, labels) =
            Dbscan::fit(&dataset(&[[2.0, 2.0]; 6]), &DbscanParams::default()).unwrap();
        assert_eq!(labels, vec![0; 6]);
        for bad in [
            DbscanParams {
                eps: 0.0,
                min_samples: 5,
            },
            DbscanParams {
                eps: f64::NAN,
                min_samples: 5,
            },
            DbscanParams {
                eps: 0.5,
                min_samples: 0,
            },
        ] {
            assert!(
                Dbscan::fit(&dataset(&[[1.0, 1.0]]), &bad).is_err(),
                "{bad:?}"
            );
        }
        let big = Dataset::new(
            vec!["a".into()],
            vec![0.0; MAX_ROWS + 1],
            vec![0.0; MAX_ROWS + 1],
        )
        .unwrap();
        let err = Dbscan::fit(&big, &DbscanParams::default()).unwrap_err();
        assert!(err.hint().unwrap().contains("sample"), "{err}");
        let empty = Dataset::new(vec!["a".into()], vec![], vec![]).unwrap();
        assert!(Dbscan::fit(&empty, &DbscanParams::default()).is_err());
    }

    #[test]
    fn serde_round_trip() {
        let (model, _) = Dbscan::fit(
            &dataset(&two_groups_and_an_outlier()),
            &DbscanParams {
                eps: 0.3,
                min_samples: 3,
            },
        )
        .unwrap();
        let back: Dbscan = serde_json::from_slice(&serde_json::to_vec(&model).unwrap()).unwrap();
        assert_eq!(back, model);
    }

    use crate::dataset::fixtures::sklearn_reference as reference;

    #[test]
    fn matches_scikit_learn() {
        let data = reference(&[0.0; 6]);
        let params = DbscanParams {
            eps: 2.5,
            min_samples: 2,
        };
        assert_eq!(
            Dbscan::fit(&data, &params).unwrap().1,
            vec![0, 0, -1, -1, -1, -1]
        );
        let params = DbscanParams {
            eps: 3.0,
            min_samples: 3,
        };
        assert_eq!(
            Dbscan::fit(&data, &params).unwrap().1,
            vec![0, 0, 0, 0, -1, -1]
        );
    }
}
