//! k-means clustering: Lloyd's algorithm from k-means++ seeds (best of several restarts), and
//! the mini-batch variant for large tables (scikit-learn's `KMeans` / `MiniBatchKMeans`).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// Settings of [`KMeans::fit`], named as scikit-learn names them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KMeansParams {
    /// Number of clusters (at most the number of rows).
    pub n_clusters: usize,
    /// Most Lloyd iterations per restart.
    pub max_iter: usize,
    /// Stop a restart when the squared movement of all centers is below `tol` times the mean
    /// per-feature variance of the data.
    pub tol: f64,
    /// Restarts from fresh k-means++ seeds; the one with the lowest inertia wins.
    pub n_init: usize,
}

impl Default for KMeansParams {
    /// scikit-learn's defaults: 8 clusters, 300 iterations, tol 1e-4, 10 restarts.
    fn default() -> Self {
        KMeansParams {
            n_clusters: 8,
            max_iter: 300,
            tol: 1e-4,
            n_init: 10,
        }
    }
}

/// Settings of [`KMeans::fit_mini_batch`], named as scikit-learn names them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MiniBatchParams {
    /// Number of clusters (at most the number of rows).
    pub n_clusters: usize,
    /// Rows drawn (with replacement) per update.
    pub batch_size: usize,
    /// Most passes over the data, counted in rows seen (`max_iter · n / batch_size` updates).
    pub max_iter: usize,
}

impl Default for MiniBatchParams {
    /// scikit-learn's defaults: 8 clusters, batches of 1024, 100 passes.
    fn default() -> Self {
        MiniBatchParams {
            n_clusters: 8,
            batch_size: 1024,
            max_iter: 100,
        }
    }
}

/// Cluster centers; a row belongs to the nearest one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeans {
    centers: Vec<Vec<f64>>,
    inertia: f64,
}

/// Stop mini-batch training after this many updates without a better smoothed batch inertia
/// (scikit-learn's `max_no_improvement`).
const MAX_NO_IMPROVEMENT: usize = 10;

impl KMeans {
    /// Lloyd's algorithm from `n_init` k-means++ seedings; keeps the run with the lowest
    /// inertia. Reproducible for a given `seed`.
    pub fn fit(data: &Dataset, params: &KMeansParams, seed: u64) -> Result<Self> {
        let x = Matrix::new(data, params.n_clusters)?;
        check_positive(params.max_iter, "max_iter", "use max_iter => 300")?;
        check_positive(params.n_init, "n_init", "use n_init => 10")?;
        if !params.tol.is_finite() || params.tol < 0.0 {
            return Err(Error::invalid(
                format!("tol must be a non-negative number, got {}", params.tol),
                "use tol => 1e-4",
            ));
        }
        let tol = params.tol * x.mean_variance();
        let mut rng = StdRng::seed_from_u64(seed);
        let all: Vec<usize> = (0..x.n).collect();
        let mut best: Option<KMeans> = None;
        for _ in 0..params.n_init {
            let seeds = kmeans_plus_plus(&x, &all, params.n_clusters, &mut rng);
            let model = lloyd(&x, seeds, params.max_iter, tol)?;
            if best.as_ref().is_none_or(|b| model.inertia < b.inertia) {
                best = Some(model);
            }
        }
        best.ok_or_else(|| Error::invalid("n_init must be at least 1", "use n_init => 10"))
    }

    /// Mini-batch k-means: k-means++ seeds from a sample, then centers move towards the rows of
    /// random batches with per-center learning rates `1/count`. Stops after `max_iter` passes
    /// or when the smoothed batch inertia has not improved for 10 updates.
    pub fn fit_mini_batch(data: &Dataset, params: &MiniBatchParams, seed: u64) -> Result<Self> {
        let x = Matrix::new(data, params.n_clusters)?;
        check_positive(params.max_iter, "max_iter", "use max_iter => 100")?;
        check_positive(params.batch_size, "batch_size", "use batch_size => 1024")?;
        let k = params.n_clusters;
        let batch_size = params.batch_size.min(x.n);
        let mut rng = StdRng::seed_from_u64(seed);
        // Seed from a sample of 3 batches, as scikit-learn's init_size does.
        let init_size = (3 * batch_size).max(k).min(x.n);
        let sample: Vec<usize> = rand::seq::index::sample(&mut rng, x.n, init_size).into_vec();
        let mut centers = kmeans_plus_plus(&x, &sample, k, &mut rng);
        let mut counts = vec![0.0f64; k];
        let steps = (params.max_iter as u128 * x.n as u128).div_ceil(batch_size as u128);
        let steps = usize::try_from(steps).unwrap_or(usize::MAX);
        let mut sums = vec![vec![0.0f64; x.p]; k];
        let mut batch_counts = vec![0.0f64; k];
        let (mut ewa, mut ewa_min, mut no_improvement) = (0.0f64, f64::INFINITY, 0usize);
        let smoothing = (2.0 * batch_size as f64 / (x.n as f64 + 1.0)).min(1.0);
        let mut ticks = crate::interrupt::Countdown::new(16);
        for step in 0..steps {
            ticks.tick()?;
            sums.iter_mut()
                .for_each(|s| s.iter_mut().for_each(|v| *v = 0.0));
            batch_counts.iter_mut().for_each(|c| *c = 0.0);
            let mut batch_inertia = 0.0;
            for _ in 0..batch_size {
                let i = rng.gen_range(0..x.n);
                let (c, d) = nearest(&centers, x.row(i));
                batch_inertia += d;
                batch_counts[c] += 1.0;
                for (s, v) in sums[c].iter_mut().zip(x.row(i)) {
                    *s += v;
                }
            }
            for c in 0..k {
                if batch_counts[c] == 0.0 {
                    continue;
                }
                // The running mean of every row this center has absorbed.
                counts[c] += batch_counts[c];
                let keep = 1.0 - batch_counts[c] / counts[c];
                for (m, s) in centers[c].iter_mut().zip(&sums[c]) {
                    *m = *m * keep + s / counts[c];
                }
            }
            let batch_inertia = batch_inertia / batch_size as f64;
            ewa = if step == 0 {
                batch_inertia
            } else {
                ewa * (1.0 - smoothing) + batch_inertia * smoothing
            };
            if ewa < ewa_min {
                ewa_min = ewa;
                no_improvement = 0;
            } else {
                no_improvement += 1;
                if no_improvement >= MAX_NO_IMPROVEMENT {
                    break;
                }
            }
        }
        let inertia = (0..x.n).map(|i| nearest(&centers, x.row(i)).1).sum();
        Ok(KMeans { centers, inertia })
    }

    /// Index of the nearest center (the first, on ties).
    pub fn predict(&self, features: &[f32]) -> usize {
        let row: Vec<f64> = features.iter().map(|&v| v as f64).collect();
        nearest(&self.centers, &row).0
    }

    /// The cluster centers, one row per cluster.
    pub fn centers(&self) -> &[Vec<f64>] {
        &self.centers
    }

    /// Sum of squared distances of the training rows to their nearest center.
    pub fn inertia(&self) -> f64 {
        self.inertia
    }
}

fn check_positive(value: usize, name: &str, hint: &str) -> Result<()> {
    if value == 0 {
        return Err(Error::invalid(format!("{name} must be at least 1"), hint));
    }
    Ok(())
}

/// The training rows as `f64`, row-major.
struct Matrix {
    x: Vec<f64>,
    n: usize,
    p: usize,
}

impl Matrix {
    /// Copies `data`, refusing empty tables and more clusters than rows.
    fn new(data: &Dataset, n_clusters: usize) -> Result<Self> {
        let (n, p) = (data.num_rows(), data.num_features());
        if n == 0 {
            return Err(Error::data(
                "the training data has no rows",
                "add rows to the relation",
            ));
        }
        if n_clusters == 0 || n_clusters > n {
            return Err(Error::invalid(
                format!(
                    "n_clusters must lie between 1 and the {n} training rows, got {n_clusters}"
                ),
                "lower n_clusters, or train on more rows",
            ));
        }
        let x = (0..n)
            .flat_map(|i| data.row(i).iter().map(|&v| v as f64))
            .collect();
        Ok(Matrix { x, n, p })
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.p..(i + 1) * self.p]
    }

    /// Mean over features of the per-feature variance: the scale scikit-learn measures tol in.
    fn mean_variance(&self) -> f64 {
        let n = self.n as f64;
        let mut total = 0.0;
        for j in 0..self.p {
            let mean = (0..self.n).map(|i| self.x[i * self.p + j]).sum::<f64>() / n;
            total += (0..self.n)
                .map(|i| (self.x[i * self.p + j] - mean).powi(2))
                .sum::<f64>()
                / n;
        }
        total / self.p.max(1) as f64
    }
}

/// `|a - b|²`, summed in four independent lanes so the compiler can use SIMD (a single
/// running sum is a dependency chain it may not reorder); the assignment step is nearly all
/// of k-means' time.
fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    let mut lanes = [0.0f64; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (a4.remainder(), b4.remainder());
    for (ca, cb) in a4.zip(b4) {
        for l in 0..4 {
            let d = ca[l] - cb[l];
            lanes[l] += d * d;
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(u, v)| (u - v) * (u - v)).sum();
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}

/// (index, squared distance) of the nearest center; the first on ties.
fn nearest(centers: &[Vec<f64>], row: &[f64]) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (c, center) in centers.iter().enumerate() {
        let d = squared_distance(center, row);
        if d < best.1 {
            best = (c, d);
        }
    }
    best
}

/// Greedy k-means++ (scikit-learn's variant) over the rows in `pool`: each new center is the
/// best of `2 + ln k` candidates drawn with probability proportional to squared distance.
fn kmeans_plus_plus(x: &Matrix, pool: &[usize], k: usize, rng: &mut StdRng) -> Vec<Vec<f64>> {
    let trials = 2 + (k as f64).ln() as usize;
    let mut centers = Vec::with_capacity(k);
    let first = pool[rng.gen_range(0..pool.len())];
    centers.push(x.row(first).to_vec());
    let mut closest: Vec<f64> = pool
        .iter()
        .map(|&i| squared_distance(x.row(i), x.row(first)))
        .collect();
    while centers.len() < k {
        let potential: f64 = closest.iter().sum();
        let mut best: Option<(f64, usize, Vec<f64>)> = None;
        for _ in 0..trials {
            let candidate = if potential > 0.0 {
                draw_weighted(&closest, potential, rng)
            } else {
                // Every row sits on a center already (duplicated rows): any row will do.
                rng.gen_range(0..pool.len())
            };
            let with: Vec<f64> = pool
                .iter()
                .zip(&closest)
                .map(|(&i, &d)| d.min(squared_distance(x.row(i), x.row(pool[candidate]))))
                .collect();
            let total: f64 = with.iter().sum();
            if best.as_ref().is_none_or(|b| total < b.0) {
                best = Some((total, candidate, with));
            }
        }
        match best {
            Some((_, candidate, with)) => {
                centers.push(x.row(pool[candidate]).to_vec());
                closest = with;
            }
            None => break, // unreachable: trials >= 2
        }
    }
    centers
}

/// An index drawn with probability proportional to `weights` (which sum to `total` > 0).
fn draw_weighted(weights: &[f64], total: f64, rng: &mut StdRng) -> usize {
    let mut target = rng.gen::<f64>() * total;
    for (i, &w) in weights.iter().enumerate() {
        if target < w {
            return i;
        }
        target -= w;
    }
    // Rounding left a sliver at the end: take the last row with any weight.
    weights.iter().rposition(|&w| w > 0.0).unwrap_or(0)
}

/// Lloyd iterations from `centers`; empty clusters move to the rows farthest from their centers.
fn lloyd(x: &Matrix, mut centers: Vec<Vec<f64>>, max_iter: usize, tol: f64) -> Result<KMeans> {
    let k = centers.len();
    let mut labels = vec![0usize; x.n];
    let mut distances = vec![0.0f64; x.n];
    for _ in 0..max_iter {
        // Each iteration visits every row.
        crate::interrupt::check()?;
        assign(x, &centers, &mut labels, &mut distances);
        let mut sums = vec![vec![0.0f64; x.p]; k];
        let mut counts = vec![0usize; k];
        for i in 0..x.n {
            counts[labels[i]] += 1;
            for (s, v) in sums[labels[i]].iter_mut().zip(x.row(i)) {
                *s += v;
            }
        }
        let mut taken = vec![false; x.n];
        for c in 0..k {
            if counts[c] > 0 {
                continue;
            }
            // Re-seed with the row worst served by its center, which also lowers the inertia.
            let far = (0..x.n)
                .filter(|&i| !taken[i] && counts[labels[i]] > 1)
                .max_by(|&a, &b| distances[a].total_cmp(&distances[b]).then(b.cmp(&a)));
            if let Some(i) = far {
                taken[i] = true;
                let old = labels[i];
                counts[old] -= 1;
                for (s, v) in sums[old].iter_mut().zip(x.row(i)) {
                    *s -= v;
                }
                counts[c] = 1;
                sums[c] = x.row(i).to_vec();
                labels[i] = c;
            }
        }
        let mut shift = 0.0;
        for c in 0..k {
            if counts[c] == 0 {
                continue; // more clusters than distinct rows: this center stays where it is
            }
            let new: Vec<f64> = sums[c].iter().map(|s| s / counts[c] as f64).collect();
            shift += squared_distance(&new, &centers[c]);
            centers[c] = new;
        }
        if shift <= tol {
            break;
        }
    }
    // Labels and inertia must describe the final centers.
    assign(x, &centers, &mut labels, &mut distances);
    Ok(KMeans {
        centers,
        inertia: distances.iter().sum(),
    })
}

fn assign(x: &Matrix, centers: &[Vec<f64>], labels: &mut [usize], distances: &mut [f64]) {
    for i in 0..x.n {
        let (c, d) = nearest(centers, x.row(i));
        labels[i] = c;
        distances[i] = d;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three tight blobs of `per` rows around (0, 0), (10, 0) and (0, 10).
    fn blobs(per: usize) -> Dataset {
        let mut rng = StdRng::seed_from_u64(42);
        let mut x = Vec::new();
        for (cx, cy) in [(0.0f32, 0.0f32), (10.0, 0.0), (0.0, 10.0)] {
            for _ in 0..per {
                x.push(cx + rng.gen_range(-0.5f32..0.5));
                x.push(cy + rng.gen_range(-0.5f32..0.5));
            }
        }
        Dataset::new(vec!["a".into(), "b".into()], x, vec![0.0; 3 * per]).unwrap()
    }

    fn assert_recovers_blobs(model: &KMeans, data: &Dataset, per: usize) {
        for blob in 0..3 {
            let label = model.predict(data.row(blob * per));
            for i in blob * per..(blob + 1) * per {
                assert_eq!(model.predict(data.row(i)), label, "row {i}: {model:?}");
            }
        }
        let mut labels: Vec<usize> = (0..3).map(|b| model.predict(data.row(b * per))).collect();
        labels.sort_unstable();
        assert_eq!(labels, vec![0, 1, 2]);
        let mut found: Vec<(i64, i64)> = model
            .centers()
            .iter()
            .map(|c| (c[0].round() as i64, c[1].round() as i64))
            .collect();
        found.sort_unstable();
        assert_eq!(found, vec![(0, 0), (0, 10), (10, 0)]);
    }

    #[test]
    fn kmeans_recovers_three_blobs() {
        let data = blobs(50);
        let params = KMeansParams {
            n_clusters: 3,
            ..KMeansParams::default()
        };
        let model = KMeans::fit(&data, &params, 7).unwrap();
        assert_recovers_blobs(&model, &data, 50);
        // Within-blob spread only: each point is at most ~0.7 from its center.
        assert!(model.inertia() < 150.0 * 0.5, "{}", model.inertia());
        assert_eq!(
            model,
            KMeans::fit(&data, &params, 7).unwrap(),
            "same seed, same model"
        );
    }

    #[test]
    fn mini_batch_recovers_three_blobs() {
        let data = blobs(200);
        let params = MiniBatchParams {
            n_clusters: 3,
            batch_size: 64,
            max_iter: 20,
        };
        let model = KMeans::fit_mini_batch(&data, &params, 3).unwrap();
        assert_recovers_blobs(&model, &data, 200);
        assert_eq!(model, KMeans::fit_mini_batch(&data, &params, 3).unwrap());
        let defaults = KMeans::fit_mini_batch(
            &data,
            &MiniBatchParams {
                n_clusters: 3,
                ..MiniBatchParams::default()
            },
            1,
        )
        .unwrap();
        assert_recovers_blobs(&defaults, &data, 200);
    }

    #[test]
    fn inertia_is_the_sum_of_squared_distances() {
        // Rows 0, 2 and 10 with k = 2: centers {1, 10}, inertia 1 + 1 + 0.
        let data = Dataset::new(vec!["a".into()], vec![0.0, 2.0, 10.0], vec![0.0; 3]).unwrap();
        let params = KMeansParams {
            n_clusters: 2,
            ..KMeansParams::default()
        };
        let model = KMeans::fit(&data, &params, 0).unwrap();
        assert!((model.inertia() - 2.0).abs() < 1e-12, "{model:?}");
        assert_eq!(model.predict(&[1.5]), model.predict(&[0.0]));
        assert_ne!(model.predict(&[9.0]), model.predict(&[0.0]));
    }

    #[test]
    fn degenerate_inputs() {
        let same = Dataset::new(vec!["a".into(), "b".into()], vec![1.0; 10], vec![0.0; 5]).unwrap();
        for k in [1, 3, 5] {
            let params = KMeansParams {
                n_clusters: k,
                ..KMeansParams::default()
            };
            let model = KMeans::fit(&same, &params, 1).unwrap();
            assert_eq!(model.centers().len(), k);
            assert_eq!(model.inertia(), 0.0);
            let mb = MiniBatchParams {
                n_clusters: k,
                ..MiniBatchParams::default()
            };
            assert_eq!(
                KMeans::fit_mini_batch(&same, &mb, 1).unwrap().inertia(),
                0.0
            );
        }
        let one = Dataset::new(vec!["a".into()], vec![4.0], vec![0.0]).unwrap();
        let params = KMeansParams {
            n_clusters: 1,
            ..KMeansParams::default()
        };
        assert_eq!(
            KMeans::fit(&one, &params, 0).unwrap().centers(),
            &[vec![4.0]]
        );
        let err = KMeans::fit(&same, &KMeansParams::default(), 0).unwrap_err();
        assert!(err.hint().unwrap().contains("n_clusters"), "{err}");
        assert!(KMeans::fit_mini_batch(&same, &MiniBatchParams::default(), 0).is_err());
        let bad = KMeansParams {
            n_clusters: 2,
            n_init: 0,
            ..KMeansParams::default()
        };
        assert!(KMeans::fit(&same, &bad, 0).is_err());
        let empty = Dataset::new(vec!["a".into()], vec![], vec![]).unwrap();
        assert!(KMeans::fit(&empty, &params, 0).is_err());
    }

    #[test]
    fn serde_round_trip() {
        let data = blobs(10);
        let params = KMeansParams {
            n_clusters: 3,
            ..KMeansParams::default()
        };
        let model = KMeans::fit(&data, &params, 11).unwrap();
        let back: KMeans = serde_json::from_slice(&serde_json::to_vec(&model).unwrap()).unwrap();
        assert_eq!(back, model);
    }

    use crate::dataset::fixtures::sklearn_reference as reference;

    #[test]
    fn matches_scikit_learn() {
        let params = KMeansParams {
            n_clusters: 2,
            ..KMeansParams::default()
        };
        let model = KMeans::fit(&reference(&[0.0; 6]), &params, 0).unwrap();
        assert!((model.inertia() - 32.4375).abs() < 1e-9, "{model:?}");
        let mut centers = model.centers().to_vec();
        centers.sort_by(|a, b| a[0].total_cmp(&b[0]));
        assert_eq!(centers, vec![vec![3.25, 2.0, 0.625], vec![4.0, 6.5, 1.5]]);
    }
}
