//! Principal component analysis: eigen-decomposition of the sample covariance matrix by the
//! cyclic Jacobi method (exact and robust; meant for up to a few hundred features).

use serde::{Deserialize, Serialize};

use super::linalg::jacobi_eigen;
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// Settings of [`Pca::fit`], named as scikit-learn names them.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct PcaParams {
    /// Components kept; None keeps `min(rows, features)`, as scikit-learn does.
    pub n_components: Option<usize>,
}

/// A fitted projection onto the leading principal components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pca {
    mean: Vec<f64>,
    /// One unit-length row per component, by decreasing variance.
    components: Vec<Vec<f64>>,
    explained_variance: Vec<f64>,
    explained_variance_ratio: Vec<f64>,
}

/// Features above which the O(p³) Jacobi sweeps get too slow to run inside a query (one core,
/// 2,000 rows: 300 features take about 0.5 s, 600 about 5 s).
pub const MAX_FEATURES: usize = 1_000;

impl Pca {
    /// Centers the data and diagonalises its covariance matrix (`ddof = 1`, as scikit-learn).
    /// Component signs follow scikit-learn's `svd_flip`: the largest absolute loading of each
    /// component is positive, so results are deterministic.
    pub fn fit(data: &Dataset, params: &PcaParams) -> Result<Self> {
        let (n, p) = (data.num_rows(), data.num_features());
        if n == 0 {
            return Err(Error::data(
                "the training data has no rows",
                "add rows to the relation",
            ));
        }
        if p > MAX_FEATURES {
            return Err(Error::invalid(
                format!("PCA supports at most {MAX_FEATURES} features, got {p}"),
                "select fewer feature columns",
            ));
        }
        let limit = n.min(p);
        let k = params.n_components.unwrap_or(limit);
        if k == 0 || k > limit {
            return Err(Error::invalid(
                format!(
                    "n_components must lie between 1 and min(rows, features) = {limit}, got {k}"
                ),
                format!("use n_components => {limit} or fewer, or leave it out"),
            ));
        }
        let mut mean = vec![0.0f64; p];
        for i in 0..n {
            for (m, &v) in mean.iter_mut().zip(data.row(i)) {
                *m += v as f64;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let cov = covariance(data, &mean);
        let total: f64 = (0..p).map(|a| cov[a * p + a]).sum();
        let (values, vectors) = jacobi_eigen(cov, p)?;
        let mut order: Vec<usize> = (0..p).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
        let mut components = Vec::with_capacity(k);
        let mut explained_variance = Vec::with_capacity(k);
        for &c in order.iter().take(k) {
            let mut v = vectors[c * p..(c + 1) * p].to_vec();
            let largest = v
                .iter()
                .copied()
                .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
            if largest < 0.0 {
                v.iter_mut().for_each(|x| *x = -*x);
            }
            components.push(v);
            explained_variance.push(values[c].max(0.0));
        }
        let explained_variance_ratio = explained_variance
            .iter()
            .map(|v| if total > 0.0 { v / total } else { 0.0 })
            .collect();
        Ok(Pca {
            mean,
            components,
            explained_variance,
            explained_variance_ratio,
        })
    }

    /// The coordinates of one row on the components.
    pub fn transform(&self, features: &[f32]) -> Vec<f32> {
        self.components
            .iter()
            .map(|c| {
                c.iter()
                    .zip(features.iter().zip(&self.mean))
                    .map(|(w, (&v, m))| w * (v as f64 - m))
                    .sum::<f64>() as f32
            })
            .collect()
    }

    /// Share of the total variance each component explains.
    pub fn explained_variance_ratio(&self) -> &[f64] {
        &self.explained_variance_ratio
    }

    /// Share of the total variance the kept components explain together.
    pub fn cumulative_explained_variance(&self) -> f64 {
        self.explained_variance_ratio.iter().sum()
    }

    /// Variance along each component (the covariance eigenvalues).
    pub fn explained_variance(&self) -> &[f64] {
        &self.explained_variance
    }

    /// The components, one unit-length row each, by decreasing variance.
    pub fn components(&self) -> &[Vec<f64>] {
        &self.components
    }

    /// The per-feature mean subtracted before projecting.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }
}

/// The covariance matrix (ddof 1, row-major p x p) of the rows of `data` about `mean`.
///
/// Each row adds the outer product of its centred values to the whole square, so the inner
/// loop runs over contiguous rows of the matrix and vectorises (twice the multiplications
/// of the upper triangle alone, in a quarter of the instructions); four rows at a time, so
/// each row of the square is loaded and stored once per four data rows.
fn covariance(data: &Dataset, mean: &[f64]) -> Vec<f64> {
    let (n, p) = (data.num_rows(), data.num_features());
    let mut cov = vec![0.0f64; p * p];
    let mut centred = vec![0.0f64; 4 * p];
    let mut i = 0;
    while i < n {
        let block = (n - i).min(4);
        centred.iter_mut().for_each(|c| *c = 0.0);
        for r in 0..block {
            let out = &mut centred[r * p..(r + 1) * p];
            for (c, (&v, m)) in out.iter_mut().zip(data.row(i + r).iter().zip(mean)) {
                *c = v as f64 - m;
            }
        }
        let (c0, rest) = centred.split_at(p);
        let (c1, rest) = rest.split_at(p);
        let (c2, c3) = rest.split_at(p);
        for (a, row) in cov.chunks_exact_mut(p).enumerate() {
            let (w0, w1, w2, w3) = (c0[a], c1[a], c2[a], c3[a]);
            for ((((o, &x0), &x1), &x2), &x3) in row.iter_mut().zip(c0).zip(c1).zip(c2).zip(c3) {
                *o += w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3;
            }
        }
        i += block;
    }
    let denom = (n - 1).max(1) as f64;
    cov.iter_mut().for_each(|c| *c /= denom);
    // Exactly symmetric, as the eigen solver expects (the sums above are, up to rounding).
    for a in 0..p {
        for b in a + 1..p {
            cov[b * p + a] = cov[a * p + b];
        }
    }
    cov
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn dataset(rows: &[Vec<f32>]) -> Dataset {
        let p = rows[0].len();
        Dataset::new(
            (0..p).map(|j| format!("x{j}")).collect(),
            rows.iter().flatten().copied().collect(),
            vec![0.0; rows.len()],
        )
        .unwrap()
    }

    #[test]
    fn points_on_a_line_have_one_component() {
        // (t, 2t) for t = 1..5: the direction (1, 2)/√5, variance 2.5 · 5 = 12.5 (ddof 1).
        let rows: Vec<Vec<f32>> = (1..=5).map(|t| vec![t as f32, 2.0 * t as f32]).collect();
        let pca = Pca::fit(&dataset(&rows), &PcaParams::default()).unwrap();
        let ratio = pca.explained_variance_ratio();
        assert_eq!(ratio.len(), 2);
        assert!(
            (ratio[0] - 1.0).abs() < 1e-12 && ratio[1].abs() < 1e-12,
            "{ratio:?}"
        );
        let root5 = 5f64.sqrt();
        let c = &pca.components()[0];
        assert!((c[0] - 1.0 / root5).abs() < 1e-12 && (c[1] - 2.0 / root5).abs() < 1e-12);
        assert!((pca.explained_variance()[0] - 12.5).abs() < 1e-9);
        assert!((pca.cumulative_explained_variance() - 1.0).abs() < 1e-12);
        let z = pca.transform(&[1.0, 2.0]);
        assert!(
            (z[0] as f64 + 10.0 / root5).abs() < 1e-5 && z[1].abs() < 1e-5,
            "{z:?}"
        );
    }

    #[test]
    fn decomposes_random_covariance_exactly() {
        let mut rng = StdRng::seed_from_u64(5);
        let p = 6;
        let rows: Vec<Vec<f32>> = (0..40)
            .map(|_| {
                let base: f32 = rng.gen_range(-1.0..1.0);
                (0..p)
                    .map(|j| base * j as f32 + rng.gen_range(-1.0f32..1.0))
                    .collect()
            })
            .collect();
        let data = dataset(&rows);
        let pca = Pca::fit(
            &data,
            &PcaParams {
                n_components: Some(4),
            },
        )
        .unwrap();
        assert_eq!(pca.components().len(), 4);
        // Rebuild the covariance and check C v = λ v and orthonormality.
        let n = rows.len() as f64;
        let mut cov = vec![0.0; p * p];
        for r in &rows {
            for a in 0..p {
                for b in 0..p {
                    cov[a * p + b] +=
                        (r[a] as f64 - pca.mean()[a]) * (r[b] as f64 - pca.mean()[b]) / (n - 1.0);
                }
            }
        }
        for (c, lambda) in pca.components().iter().zip(pca.explained_variance()) {
            for a in 0..p {
                let cv: f64 = (0..p).map(|b| cov[a * p + b] * c[b]).sum();
                assert!(
                    (cv - lambda * c[a]).abs() < 1e-9,
                    "{cv} vs {}",
                    lambda * c[a]
                );
            }
            let largest = c
                .iter()
                .copied()
                .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
            assert!(largest > 0.0, "svd_flip sign convention");
        }
        for i in 0..4 {
            for j in 0..4 {
                let d: f64 = (0..p)
                    .map(|a| pca.components()[i][a] * pca.components()[j][a])
                    .sum();
                assert!((d - if i == j { 1.0 } else { 0.0 }).abs() < 1e-9);
            }
        }
        let v = pca.explained_variance();
        assert!(v.windows(2).all(|w| w[0] >= w[1]), "{v:?}");
        let trace: f64 = (0..p).map(|a| cov[a * p + a]).sum();
        assert!((pca.explained_variance_ratio()[0] - v[0] / trace).abs() < 1e-12);
        assert!(pca.cumulative_explained_variance() < 1.0);
        assert_eq!(
            pca,
            Pca::fit(
                &data,
                &PcaParams {
                    n_components: Some(4)
                }
            )
            .unwrap()
        );
    }

    #[test]
    fn degenerate_inputs() {
        let one = Pca::fit(&dataset(&[vec![1.0, 2.0, 3.0]]), &PcaParams::default()).unwrap();
        assert_eq!(one.explained_variance_ratio(), &[0.0]);
        assert_eq!(one.transform(&[1.0, 2.0, 3.0]), vec![0.0]);
        let same = Pca::fit(
            &dataset(&[vec![1.0, 1.0], vec![1.0, 1.0], vec![1.0, 1.0]]),
            &PcaParams::default(),
        )
        .unwrap();
        assert!(same.explained_variance().iter().all(|v| *v == 0.0));
        // More features than rows, with a constant column.
        let wide = dataset(&[vec![1.0, 5.0, 0.0, 2.0], vec![2.0, 5.0, 1.0, 0.0]]);
        let pca = Pca::fit(&wide, &PcaParams::default()).unwrap();
        assert_eq!(pca.components().len(), 2);
        assert!((pca.explained_variance_ratio()[0] - 1.0).abs() < 1e-12);
        let err = Pca::fit(
            &wide,
            &PcaParams {
                n_components: Some(3),
            },
        )
        .unwrap_err();
        assert!(err.hint().unwrap().contains("n_components"), "{err}");
        assert!(Pca::fit(
            &wide,
            &PcaParams {
                n_components: Some(0)
            }
        )
        .is_err());
    }

    #[test]
    fn serde_round_trip() {
        let rows: Vec<Vec<f32>> = (0..8)
            .map(|t| vec![t as f32, (t * t) as f32, 1.0])
            .collect();
        let pca = Pca::fit(&dataset(&rows), &PcaParams::default()).unwrap();
        let back: Pca = serde_json::from_slice(&serde_json::to_vec(&pca).unwrap()).unwrap();
        assert_eq!(back, pca);
    }

    use crate::dataset::fixtures::sklearn_reference as reference;

    #[test]
    fn matches_scikit_learn() {
        let pca = Pca::fit(&reference(&[0.0; 6]), &PcaParams::default()).unwrap();
        let ratio = [0.654022565623315, 0.2680439194429144, 0.07793351493377065];
        let variance = [8.006326240838746, 3.2813043138470093, 0.9540361119809088];
        let components = [
            [0.4546951013212192, 0.8514268201579662, 0.2613900050693991],
            [0.6837151118090649, -0.5217614641599453, 0.5101946887234202],
            [-0.5707766732430505, 0.0532667291408474, 0.8193757653532545],
        ];
        for c in 0..3 {
            assert!((pca.explained_variance_ratio()[c] - ratio[c]).abs() < 1e-12);
            assert!((pca.explained_variance()[c] - variance[c]).abs() < 1e-10);
            for (a, b) in pca.components()[c].iter().zip(components[c]) {
                assert!((a - b).abs() < 1e-10, "{pca:?}");
            }
        }
        let z = pca.transform(&[1.0, 1.0, 1.0]);
        for (a, b) in z
            .iter()
            .zip([-3.243522303275514, -0.362367895062514, 1.3620561740349455])
        {
            assert!((*a as f64 - b).abs() < 1e-5, "{z:?}");
        }
    }

    /// Not a test: `cargo test --release -p pgml-core pca_fit_time -- --ignored --nocapture`
    /// prints the fit time on bench/train.sh's shape (15,000 x 20).
    #[test]
    #[ignore]
    fn pca_fit_time() {
        let mut rng = StdRng::seed_from_u64(1);
        let rows: Vec<Vec<f32>> = (0..15_000)
            .map(|_| (0..20).map(|_| rng.gen_range(-1.0f32..1.0)).collect())
            .collect();
        let data = dataset(&rows);
        let params = PcaParams {
            n_components: Some(5),
        };
        let mut times: Vec<f64> = (0..21)
            .map(|_| {
                let t = std::time::Instant::now();
                std::hint::black_box(Pca::fit(&data, &params).unwrap());
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!("PCA fit 15000 x 20: median {:.3} ms", times[10]);
    }
}
