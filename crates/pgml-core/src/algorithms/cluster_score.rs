//! Quality scores of a clustering that need no ground truth.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::dataset::Dataset;

/// Points scored at most: above this, a deterministic random sample of this many non-noise
/// points is scored instead (both the point and its neighbours come from the sample, as
/// scikit-learn's `silhouette_score(sample_size=...)` does), which keeps the O(n²) cost bounded.
pub const SILHOUETTE_MAX_POINTS: usize = 5_000;

/// The seed of that sample, fixed so the score of a model never changes between calls.
const SAMPLE_SEED: u64 = 0;

/// The mean silhouette coefficient (euclidean) over the points with a label `>= 0`; noise
/// (`-1`, as DBSCAN labels it) is left out. Like scikit-learn's `silhouette_score`, a point
/// alone in its cluster scores 0.
///
/// None when the score is undefined: `labels` does not hold one label per row, fewer than two
/// points or two clusters remain, or every point is its own cluster.
pub fn silhouette(data: &Dataset, labels: &[i64]) -> Option<f64> {
    if labels.len() != data.num_rows() {
        return None;
    }
    let mut points: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] >= 0).collect();
    if points.len() > SILHOUETTE_MAX_POINTS {
        let mut rng = StdRng::seed_from_u64(SAMPLE_SEED);
        let mut chosen =
            rand::seq::index::sample(&mut rng, points.len(), SILHOUETTE_MAX_POINTS).into_vec();
        chosen.sort_unstable();
        points = chosen.into_iter().map(|i| points[i]).collect();
    }
    // Dense cluster ids 0..k for the points kept.
    let mut ids = BTreeMap::new();
    for &i in &points {
        let next = ids.len();
        ids.entry(labels[i]).or_insert(next);
    }
    let k = ids.len();
    let m = points.len();
    if m < 2 || k < 2 || k >= m {
        return None;
    }
    let cluster: Vec<usize> = points
        .iter()
        .map(|i| ids.get(&labels[*i]).copied().unwrap_or(0))
        .collect();
    let mut sizes = vec![0usize; k];
    for &c in &cluster {
        sizes[c] += 1;
    }
    let rows: Vec<Vec<f64>> = points
        .iter()
        .map(|&i| data.row(i).iter().map(|&v| v as f64).collect())
        .collect();
    let mut total = 0.0;
    let mut sums = vec![0.0f64; k];
    for a in 0..m {
        if sizes[cluster[a]] == 1 {
            continue; // scores 0
        }
        sums.iter_mut().for_each(|s| *s = 0.0);
        for b in 0..m {
            if a != b {
                sums[cluster[b]] += distance(&rows[a], &rows[b]);
            }
        }
        let own = cluster[a];
        let intra = sums[own] / (sizes[own] - 1) as f64;
        let inter = (0..k)
            .filter(|&c| c != own)
            .map(|c| sums[c] / sizes[c] as f64)
            .fold(f64::INFINITY, f64::min);
        let denom = intra.max(inter);
        if denom > 0.0 {
            total += (inter - intra) / denom;
        }
    }
    Some(total / m as f64)
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(u, v)| (u - v) * (u - v))
        .sum::<f64>()
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(values: &[f32]) -> Dataset {
        Dataset::new(vec!["a".into()], values.to_vec(), vec![0.0; values.len()]).unwrap()
    }

    #[test]
    fn hand_computed_example_ignoring_noise() {
        // Clusters {0, 1} and {4, 6}, plus a noise point at 100:
        // s(0) = (5 - 1)/5, s(1) = (4 - 1)/4, s(4) = (3.5 - 2)/3.5, s(6) = (5.5 - 2)/5.5.
        let data = line(&[0.0, 1.0, 4.0, 6.0, 100.0]);
        let score = silhouette(&data, &[3, 3, 7, 7, -1]).unwrap();
        let expected = (0.8 + 0.75 + 1.5 / 3.5 + 3.5 / 5.5) / 4.0;
        assert!((score - expected).abs() < 1e-12, "{score} vs {expected}");
    }

    #[test]
    fn two_far_blobs_score_near_one() {
        let mut values = Vec::new();
        let mut labels = Vec::new();
        for i in 0..20 {
            values.push(i as f32 * 0.01);
            labels.push(0);
            values.push(1000.0 + i as f32 * 0.01);
            labels.push(1);
        }
        let score = silhouette(&line(&values), &labels).unwrap();
        assert!(score > 0.999, "{score}");
        // Swapping the labels of half of each blob makes the clustering poor.
        let mixed: Vec<i64> = (0..40).map(|i| ((i / 2) % 2) as i64).collect();
        assert!(silhouette(&line(&values), &mixed).unwrap() < 0.1);
    }

    #[test]
    fn singletons_score_zero_and_undefined_cases_are_none() {
        // {0, 1} and the singleton {10}: s(0) = (10 - 1)/10, s(1) = (9 - 1)/9, s(10) = 0.
        let score = silhouette(&line(&[0.0, 1.0, 10.0]), &[0, 0, 1]).unwrap();
        assert!((score - (0.9 + 8.0 / 9.0) / 3.0).abs() < 1e-12);
        assert_eq!(silhouette(&line(&[0.0, 1.0]), &[0, 0]), None, "one cluster");
        assert_eq!(
            silhouette(&line(&[0.0, 1.0]), &[0, 1]),
            None,
            "all singletons"
        );
        assert_eq!(silhouette(&line(&[0.0, 1.0, 2.0]), &[-1, -1, 0]), None);
        assert_eq!(silhouette(&line(&[0.0]), &[0]), None);
        assert_eq!(
            silhouette(&line(&[0.0, 1.0]), &[0]),
            None,
            "length mismatch"
        );
        // Identical points in different clusters: 0/0 counts as 0, not NaN.
        let same = silhouette(&line(&[1.0; 4]), &[0, 0, 1, 1]).unwrap();
        assert_eq!(same, 0.0);
    }

    #[test]
    fn large_inputs_are_sampled_deterministically() {
        let n = SILHOUETTE_MAX_POINTS + 500;
        let values: Vec<f32> = (0..n)
            .map(|i| (i % 2) as f32 * 100.0 + (i % 7) as f32 * 0.01)
            .collect();
        let labels: Vec<i64> = (0..n).map(|i| (i % 2) as i64).collect();
        let data = line(&values);
        let a = silhouette(&data, &labels).unwrap();
        assert!(a > 0.99, "{a}");
        assert_eq!(a, silhouette(&data, &labels).unwrap());
    }

    use crate::dataset::fixtures::sklearn_reference as reference;

    #[test]
    fn matches_scikit_learn() {
        let data = reference(&[0.0; 6]);
        let a = silhouette(&data, &[0, 0, 1, 1, 2, 2]).unwrap();
        assert!((a - 0.08883752324332052).abs() < 1e-12, "{a}");
        let b = silhouette(&data, &[0, 1, 1, 0, 1, 0]).unwrap();
        assert!((b + 0.04972571346056309).abs() < 1e-12, "{b}");
    }
}
