//! A training table in memory, and how it is split into train and test sets.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::error::{Error, Result};
use crate::registry::Sampling;

/// Features (row-major `f32`) and one label per row. Every value is finite: the constructor
/// refuses NaN and infinities, so algorithms never see them.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    feature_names: Vec<String>,
    x: Vec<f32>,
    y: Vec<f32>,
}

impl Dataset {
    /// Checks shapes and values. `x` holds `y.len()` rows of `feature_names.len()` values.
    pub fn new(feature_names: Vec<String>, x: Vec<f32>, y: Vec<f32>) -> Result<Self> {
        let width = feature_names.len();
        if width == 0 {
            return Err(Error::data(
                "the training data has no feature columns",
                "the relation needs at least one numeric column besides the label",
            ));
        }
        if x.len() != y.len() * width {
            return Err(Error::data(
                format!(
                    "{} feature values do not make {} rows of {width}",
                    x.len(),
                    y.len()
                ),
                "every row needs one value per feature",
            ));
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::data(
                format!(
                    "feature {:?} of row {} is {} ",
                    feature_names[i % width],
                    i / width + 1,
                    x[i]
                )
                .trim_end()
                .to_owned(),
                "NaN and Infinity cannot be learned from: filter or impute those rows first",
            ));
        }
        if let Some(i) = y.iter().position(|v| !v.is_finite()) {
            return Err(Error::data(
                format!("label of row {} is {}", i + 1, y[i]),
                "labels must be finite numbers",
            ));
        }
        Ok(Dataset {
            feature_names,
            x,
            y,
        })
    }

    /// Column names, in feature order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// Number of features per row.
    pub fn num_features(&self) -> usize {
        self.feature_names.len()
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.y.len()
    }

    /// The features of row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        let w = self.num_features();
        &self.x[i * w..(i + 1) * w]
    }

    /// Every label.
    pub fn labels(&self) -> &[f32] {
        &self.y
    }

    /// Mean of each feature, and of the labels.
    pub fn means(&self) -> (Vec<f64>, f64) {
        let n = self.num_rows().max(1) as f64;
        let mut x = vec![0.0; self.num_features()];
        for i in 0..self.num_rows() {
            for (m, &v) in x.iter_mut().zip(self.row(i)) {
                *m += v as f64;
            }
        }
        x.iter_mut().for_each(|m| *m /= n);
        let y = self.y.iter().map(|&v| v as f64).sum::<f64>() / n;
        (x, y)
    }

    /// The same rows with other labels (one per row), e.g. another target of a joint model.
    pub fn with_labels(&self, y: Vec<f32>) -> Result<Dataset> {
        Dataset::new(self.feature_names.clone(), self.x.clone(), y)
    }

    /// The rows at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let mut x = Vec::with_capacity(indices.len() * self.num_features());
        let mut y = Vec::with_capacity(indices.len());
        for &i in indices {
            x.extend_from_slice(self.row(i));
            y.push(self.y[i]);
        }
        Dataset {
            feature_names: self.feature_names.clone(),
            x,
            y,
        }
    }
}

/// How many rows go to the test set: PostgresML's `test_size`, a fraction in (0, 1) or a count
/// of rows (>= 1).
pub fn test_rows(test_size: f32, num_rows: usize) -> Result<usize> {
    if !test_size.is_finite() || test_size <= 0.0 {
        return Err(Error::invalid(
            format!("test_size must be positive, got {test_size}"),
            "use a fraction such as 0.25, or a number of rows such as 100",
        ));
    }
    let n = if test_size < 1.0 {
        (test_size as f64 * num_rows as f64).ceil() as usize
    } else {
        if test_size.fract() != 0.0 {
            return Err(Error::invalid(
                format!("test_size {test_size} is neither a fraction below 1 nor a whole number of rows"),
                "use a fraction such as 0.25, or a number of rows such as 100",
            ));
        }
        test_size as usize
    };
    if n == 0 || n >= num_rows {
        return Err(Error::data(
            format!("{num_rows} rows cannot be split into a test set of {n} rows and a non-empty training set"),
            "add rows to the relation or lower test_size",
        ));
    }
    Ok(n)
}

/// Splits `data` into (train, test). `stratified` keeps each class's share in both sets (for
/// classification; other tasks fall back to `random`). `random` and `stratified` are
/// reproducible for a given `seed`.
pub fn split(
    data: &Dataset,
    test_size: f32,
    sampling: Sampling,
    classification: bool,
    seed: u64,
) -> Result<(Dataset, Dataset)> {
    let (train, test) = split_indices(data.labels(), test_size, sampling, classification, seed)?;
    Ok((data.subset(&train), data.subset(&test)))
}

/// The row indices of the training and test sets, as [`split`] chooses them; `labels` holds one
/// label per row (class indices for classification).
pub fn split_indices(
    labels: &[f32],
    test_size: f32,
    sampling: Sampling,
    classification: bool,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let n = labels.len();
    let n_test = test_rows(test_size, n)?;
    let mut rng = StdRng::seed_from_u64(seed);
    Ok(match sampling {
        Sampling::Last => ((0..n - n_test).collect(), (n - n_test..n).collect()),
        Sampling::Stratified if classification => stratified_indices(labels, n_test, &mut rng),
        Sampling::Random | Sampling::Stratified => {
            let mut all: Vec<usize> = (0..n).collect();
            all.shuffle(&mut rng);
            let test = all.split_off(n - n_test);
            (all, test)
        }
    })
}

/// Per class, the share of the test set proportional to the class's size (largest remainders
/// first, as scikit-learn's StratifiedShuffleSplit does), drawn at random within the class.
fn stratified_indices(labels: &[f32], n_test: usize, rng: &mut StdRng) -> (Vec<usize>, Vec<usize>) {
    let mut classes: Vec<(f32, Vec<usize>)> = Vec::new();
    for (i, &label) in labels.iter().enumerate() {
        match classes.iter_mut().find(|(c, _)| *c == label) {
            Some((_, rows)) => rows.push(i),
            None => classes.push((label, vec![i])),
        }
    }
    let n = labels.len() as f64;
    let exact: Vec<f64> = classes
        .iter()
        .map(|(_, rows)| rows.len() as f64 * n_test as f64 / n)
        .collect();
    let mut take: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut order: Vec<usize> = (0..classes.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let mut missing = n_test - take.iter().sum::<usize>();
    for &c in order.iter().cycle().take(order.len() * 2) {
        if missing == 0 {
            break;
        }
        if take[c] < classes[c].1.len() {
            take[c] += 1;
            missing -= 1;
        }
    }
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for ((_, mut rows), k) in classes.into_iter().zip(take) {
        rows.shuffle(rng);
        test.extend_from_slice(&rows[..k]);
        train.extend_from_slice(&rows[k..]);
    }
    train.shuffle(rng);
    test.shuffle(rng);
    (train, test)
}

/// Small datasets shared by the unit tests of several algorithms.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::Dataset;

    /// Rows of features (named a, b, ...) with their labels.
    pub fn from_rows<R: AsRef<[f32]>>(rows: &[R], y: &[f32]) -> Dataset {
        let width = rows.first().map_or(0, |r| r.as_ref().len());
        let names = (0..width)
            .map(|i| char::from(b'a' + i as u8).to_string())
            .collect();
        Dataset::new(
            names,
            rows.iter().flat_map(|r| r.as_ref().to_vec()).collect(),
            y.to_vec(),
        )
        .unwrap()
    }

    /// Every value of `got` within `tol` of `want`, relative to `1 + |want|`.
    pub fn assert_close(got: &[f64], want: &[f64], tol: f64) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() <= tol * (1.0 + w.abs()),
                "{got:?} vs {want:?}"
            );
        }
    }

    /// scikit-learn's diabetes data (as shipped in `datasets/`): rows of 10 features and the
    /// target, all 442 rows.
    pub fn diabetes() -> (Vec<Vec<f32>>, Vec<f32>) {
        let text = include_str!("../datasets/diabetes.csv");
        let parse =
            |line: &str| -> Vec<f32> { line.split(',').map(|v| v.parse().unwrap()).collect() };
        let all: Vec<Vec<f32>> = text.lines().skip(1).map(parse).collect();
        let rows = all.iter().map(|r| r[..10].to_vec()).collect();
        let y = all.iter().map(|r| r[10]).collect();
        (rows, y)
    }

    /// The first 331 rows of [`diabetes`] (a 75 % training set with `test_sampling 'last'`).
    pub fn diabetes_head() -> Dataset {
        let (rows, y) = diabetes();
        from_rows(&rows[..331], &y[..331])
    }

    /// The 6x3 table the scikit-learn 1.9 reference values in several tests were computed on.
    pub fn sklearn_reference(y: &[f32]) -> Dataset {
        let rows: [[f32; 3]; 6] = [
            [1.0, 2.0, 0.5],
            [2.0, 1.0, -1.0],
            [3.0, 5.0, 2.0],
            [4.0, 3.0, 0.0],
            [5.0, 8.0, 1.0],
            [6.0, 2.0, 3.0],
        ];
        from_rows(&rows, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy(n: usize) -> Dataset {
        let x = (0..n).flat_map(|i| [i as f32, (i * 2) as f32]).collect();
        let y = (0..n).map(|i| (i % 3) as f32).collect();
        Dataset::new(vec!["a".into(), "b".into()], x, y).unwrap()
    }

    #[test]
    fn refuses_nan_and_infinity_naming_the_cell() {
        let err =
            Dataset::new(vec!["a".into(), "b".into()], vec![1.0, f32::NAN], vec![0.0]).unwrap_err();
        assert!(
            err.to_string().contains("feature \"b\" of row 1 is NaN"),
            "{err}"
        );
        let err = Dataset::new(vec!["a".into()], vec![1.0], vec![f32::INFINITY]).unwrap_err();
        assert!(err.to_string().contains("label of row 1 is inf"), "{err}");
    }

    #[test]
    fn refuses_ragged_or_featureless_data() {
        assert!(Dataset::new(vec!["a".into()], vec![1.0, 2.0], vec![0.0]).is_err());
        assert!(Dataset::new(vec![], vec![], vec![0.0]).is_err());
    }

    #[test]
    fn test_size_is_a_fraction_or_a_row_count() {
        assert_eq!(test_rows(0.25, 100).unwrap(), 25);
        assert_eq!(test_rows(0.25, 10).unwrap(), 3); // rounded up, as scikit-learn does
        assert_eq!(test_rows(30.0, 100).unwrap(), 30);
        assert!(test_rows(0.0, 100).is_err());
        assert!(test_rows(f32::NAN, 100).is_err());
        assert!(test_rows(2.5, 100).is_err());
        assert!(test_rows(100.0, 100).is_err(), "nothing left to train on");
        assert!(test_rows(0.5, 1).is_err());
    }

    #[test]
    fn last_takes_the_final_rows_in_order() {
        let (train, test) = split(&toy(8), 0.25, Sampling::Last, false, 0).unwrap();
        assert_eq!(train.num_rows(), 6);
        assert_eq!(test.row(0), &[6.0, 12.0]);
        assert_eq!(test.row(1), &[7.0, 14.0]);
    }

    #[test]
    fn random_is_a_reproducible_permutation() {
        let data = toy(50);
        let (a_train, a_test) = split(&data, 0.2, Sampling::Random, false, 7).unwrap();
        let (b_train, b_test) = split(&data, 0.2, Sampling::Random, false, 7).unwrap();
        assert_eq!((a_train.clone(), a_test.clone()), (b_train, b_test));
        let mut seen: Vec<f32> = a_train
            .x
            .iter()
            .step_by(2)
            .chain(a_test.x.iter().step_by(2))
            .copied()
            .collect();
        seen.sort_by(f32::total_cmp);
        assert_eq!(seen, (0..50).map(|i| i as f32).collect::<Vec<_>>());
        assert_ne!(a_test.row(0), &[40.0, 80.0], "shuffled, not the last rows");
    }

    #[test]
    fn stratified_keeps_class_shares() {
        // 60 rows of class 0, 30 of class 1, 9 of class 2; a third to test.
        let y: Vec<f32> = (0..99)
            .map(|i| {
                if i < 60 {
                    0.0
                } else if i < 90 {
                    1.0
                } else {
                    2.0
                }
            })
            .collect();
        let x = (0..99).map(|i| i as f32).collect();
        let data = Dataset::new(vec!["a".into()], x, y).unwrap();
        let (train, test) = split(&data, 33.0, Sampling::Stratified, true, 1).unwrap();
        let count = |d: &Dataset, c: f32| d.labels().iter().filter(|&&l| l == c).count();
        assert_eq!(test.num_rows(), 33);
        assert_eq!(
            (count(&test, 0.0), count(&test, 1.0), count(&test, 2.0)),
            (20, 10, 3)
        );
        assert_eq!(
            (count(&train, 0.0), count(&train, 1.0), count(&train, 2.0)),
            (40, 20, 6)
        );
    }
}
