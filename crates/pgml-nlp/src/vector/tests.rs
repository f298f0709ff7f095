//! The vector functions against PostgresML's pgrx tests (same inputs and expected values) and
//! against a plain f64 computation on random vectors of every length up to a few lanes.

use super::*;

/// PostgresML's tolerances for its float4 / float8 tests.
const F32_TOLERANCE: f32 = 3e-7;
const F64_TOLERANCE: f64 = 5e-16;

fn close32(got: &[f32], expected: &[f32]) {
    assert_eq!(got.len(), expected.len(), "{got:?} vs {expected:?}");
    for (g, e) in got.iter().zip(expected) {
        assert!((g - e).abs() <= F32_TOLERANCE, "{got:?} vs {expected:?}");
    }
}

fn close64(got: &[f64], expected: &[f64]) {
    assert_eq!(got.len(), expected.len(), "{got:?} vs {expected:?}");
    for (g, e) in got.iter().zip(expected) {
        assert!((g - e).abs() <= F64_TOLERANCE, "{got:?} vs {expected:?}");
    }
}

#[test]
fn element_wise_like_postgresml() {
    let (a32, a64) = ([1.0f32, 2.0, 3.0], [1.0f64, 2.0, 3.0]);
    assert_eq!(add_scalar(&a32, 1.0), [2.0, 3.0, 4.0]);
    assert_eq!(add_scalar(&a64, 1.0), [2.0, 3.0, 4.0]);
    assert_eq!(subtract_scalar(&a32, 1.0), [0.0, 1.0, 2.0]);
    assert_eq!(multiply_scalar(&a64, 2.0), [2.0, 4.0, 6.0]);
    close32(&divide_scalar(&a32, 10.0), &[0.1, 0.2, 0.3]);
    close64(&divide_scalar(&a64, 10.0), &[0.1, 0.2, 0.3]);
    assert_eq!(add(&a32, &a32).unwrap(), [2.0, 4.0, 6.0]);
    assert_eq!(subtract(&a64, &a64).unwrap(), [0.0, 0.0, 0.0]);
    assert_eq!(multiply(&a64, &a64).unwrap(), [1.0, 4.0, 9.0]);
    assert_eq!(divide(&a32, &a32).unwrap(), [1.0, 1.0, 1.0]);
}

#[test]
fn norms_like_postgresml() {
    let (a32, a64) = ([1.0f32, 2.0, 3.0], [1.0f64, 2.0, 3.0]);
    assert_eq!(norm_l0(&a32), 3.0);
    assert_eq!(norm_l0(&[0.0f64, 2.0, -0.0, f64::NAN]), 2.0);
    assert_eq!(norm_l1(&a64), 6.0);
    assert_eq!(norm_l1(&[-1.0f32, 2.0, -3.0]), 6.0);
    close32(&[norm_l2(&a32)], &[3.7416575]);
    close64(&[norm_l2(&a64)], &[3.7416573867739413]);
    assert_eq!(norm_max(&a32), 3.0);
    assert_eq!(norm_max(&[1.0f64, 2.0, 3.0, -4.0]), 4.0);
    close32(&normalize_l1(&a32), &[0.16666667, 0.33333334, 0.5]);
    close64(
        &normalize_l1(&a64),
        &[0.16666666666666666, 0.3333333333333333, 0.5],
    );
    close32(&normalize_l2(&a32), &[0.26726124, 0.5345225, 0.8017837]);
    close64(
        &normalize_l2(&a64),
        &[0.2672612419124244, 0.5345224838248488, 0.8017837257372732],
    );
    close32(&normalize_max(&a32), &[0.33333334, 0.6666667, 1.0]);
    close64(
        &normalize_max(&a64),
        &[0.3333333333333333, 0.6666666666666666, 1.0],
    );
}

#[test]
fn pairs_like_postgresml() {
    let (a32, a64) = ([1.0f32, 2.0, 3.0], [1.0f64, 2.0, 3.0]);
    assert_eq!(distance_l1(&a32, &a32).unwrap(), 0.0);
    assert_eq!(distance_l2(&a64, &a64).unwrap(), 0.0);
    assert_eq!(distance_l1(&[1.0f64, -1.0], &[-1.0, 1.0]).unwrap(), 4.0);
    assert_eq!(distance_l2(&[0.0f32, 0.0], &[3.0, 4.0]).unwrap(), 5.0);
    assert_eq!(dot_product(&a32, &a32).unwrap(), 14.0);
    assert_eq!(dot_product(&a64, &[2.0, 3.0, 4.0]).unwrap(), 20.0);
    close32(&[cosine_similarity(&a32, &a32).unwrap()], &[1.0]);
    close32(
        &[cosine_similarity(&a32, &[2.0, 3.0, 4.0]).unwrap()],
        &[0.9925833],
    );
    let (x, y) = (
        [1.0f32, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0],
        [0.0f32, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0],
    );
    close32(&[cosine_similarity(&x, &y).unwrap()], &[0.4472136]);
    close64(&[cosine_similarity(&a64, &a64).unwrap()], &[1.0]);
    close64(
        &[cosine_similarity(&a64, &[2.0, 3.0, 4.0]).unwrap()],
        &[0.9925833339709303],
    );
}

#[test]
fn different_lengths_are_2202e_with_both_lengths() {
    let (a, b) = ([1.0f32, 2.0, 3.0], [1.0f32, 2.0]);
    let errors = [
        add(&a, &b).unwrap_err(),
        subtract(&a, &b).unwrap_err(),
        multiply(&a, &b).unwrap_err(),
        divide(&a, &b).unwrap_err(),
        distance_l1(&a, &b).unwrap_err(),
        distance_l2(&a, &b).unwrap_err(),
        dot_product(&a, &b).unwrap_err(),
        cosine_similarity(&a, &b).unwrap_err(),
    ];
    for err in errors {
        assert_eq!(err.sqlstate(), SqlState::ArraySubscriptError);
        assert_eq!(err.to_string(), "arrays of different lengths: 3 and 2");
    }
}

#[test]
fn zero_vectors_and_empty_arrays() {
    let zero = [0.0f32; 5];
    assert_eq!(normalize_l1(&zero), zero);
    assert_eq!(normalize_l2(&zero), zero);
    assert_eq!(normalize_max(&zero), zero);
    assert_eq!(cosine_similarity(&zero, &[1.0; 5]).unwrap(), 0.0);
    assert_eq!(cosine_similarity(&[0.0f64; 3], &[0.0; 3]).unwrap(), 0.0);
    let empty: [f64; 0] = [];
    assert_eq!(norm_l0(&empty), 0.0);
    assert_eq!(norm_l1(&empty), 0.0);
    assert_eq!(norm_l2(&empty), 0.0);
    assert_eq!(norm_max(&empty), 0.0);
    assert!(normalize_l2(&empty).is_empty());
    assert_eq!(dot_product(&empty, &empty).unwrap(), 0.0);
    assert_eq!(cosine_similarity(&empty, &empty).unwrap(), 0.0);
    assert!(add(&empty, &empty).unwrap().is_empty());
}

#[test]
fn division_by_zero_is_ieee() {
    let got = divide_scalar(&[1.0f32, -1.0, 0.0], 0.0);
    assert_eq!(got[..2], [f32::INFINITY, f32::NEG_INFINITY]);
    assert!(got[2].is_nan());
    let got = divide(&[1.0f64, 0.0], &[0.0, 0.0]).unwrap();
    assert!(got[0].is_infinite() && got[1].is_nan());
}

#[test]
fn nan_propagates() {
    let v = [1.0f32, f32::NAN, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    assert!(norm_l1(&v).is_nan());
    assert!(norm_l2(&v).is_nan());
    assert!(norm_max(&v).is_nan());
    assert!(dot_product(&v, &v).unwrap().is_nan());
    assert!(normalize_l2(&v).iter().all(|x| x.is_nan()));
}

#[test]
fn norm_l2_does_not_overflow_or_underflow() {
    assert_eq!(norm_l2(&[1e30f32]), 1e30);
    close32(&[norm_l2(&[3e30f32, 4e30]) / 5e30], &[1.0]);
    close32(&[norm_l2(&[3e-30f32, 4e-30]) / 5e-30], &[1.0]);
    close64(&[norm_l2(&[3e200f64, 4e200]) / 5e200], &[1.0]);
    close64(&[norm_l2(&[3e-200f64, 4e-200]) / 5e-200], &[1.0]);
    close32(
        &[distance_l2(&[3e30f32, 0.0], &[0.0, 4e30]).unwrap() / 5e30],
        &[1.0],
    );
    close32(&normalize_l2(&[3e30f32, 4e30]), &[0.6, 0.8]);
    close32(
        &[cosine_similarity(&[1e30f32, 1e30], &[1e30, 1e30]).unwrap()],
        &[1.0],
    );
    assert_eq!(norm_l2(&[f32::INFINITY, 1.0]), f32::INFINITY);
}

/// xorshift: deterministic vectors without a dependency.
fn random_vector(seed: &mut u64, len: usize) -> Vec<f64> {
    (0..len)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            (*seed % 2001) as f64 / 1000.0 - 1.0
        })
        .collect()
}

#[test]
fn lanes_and_tails_agree_with_a_plain_loop() {
    let mut seed = 0x9e3779b97f4a7c15;
    for len in 0..=4 * LANES + 3 {
        let a = random_vector(&mut seed, len);
        let b = random_vector(&mut seed, len);
        let dot: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        let l1: f64 = a.iter().map(|x| x.abs()).sum();
        let l2 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
        let dl1: f64 = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum();
        let dl2 = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f64>()
            .sqrt();
        let max = a.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let tol = 1e-12;
        assert!((dot_product(&a, &b).unwrap() - dot).abs() < tol, "{len}");
        assert!((norm_l1(&a) - l1).abs() < tol, "{len}");
        assert!((norm_l2(&a) - l2).abs() < tol, "{len}");
        assert!((distance_l1(&a, &b).unwrap() - dl1).abs() < tol, "{len}");
        assert!((distance_l2(&a, &b).unwrap() - dl2).abs() < tol, "{len}");
        assert_eq!(norm_max(&a), max, "{len}");
        // The f32 versions, within f32 rounding of the f64 result.
        let (a32, b32): (Vec<f32>, Vec<f32>) = (
            a.iter().map(|&x| x as f32).collect(),
            b.iter().map(|&x| x as f32).collect(),
        );
        let dot32: f64 = a32
            .iter()
            .zip(&b32)
            .map(|(&x, &y)| x as f64 * y as f64)
            .sum();
        assert!(
            (dot_product(&a32, &b32).unwrap() as f64 - dot32).abs() < 1e-5,
            "{len}"
        );
        if l2 > 0.0 {
            let cos = dot / (l2 * b.iter().map(|x| x * x).sum::<f64>().sqrt());
            assert!(
                (cosine_similarity(&a, &b).unwrap() - cos).abs() < tol,
                "{len}"
            );
            let unit = normalize_l2(&a);
            assert!((norm_l2(&unit) - 1.0).abs() < tol, "{len}");
        }
    }
}

#[test]
fn aggregates_like_postgresml() {
    fn run(aggregate: Aggregate, rows: &[[f32; 2]]) -> Vec<f32> {
        let mut acc = Accumulator::new(aggregate);
        for row in rows {
            acc.add(row).unwrap();
        }
        acc.values().unwrap()
    }
    let s = [[1.0, 2.0], [2.0, -3.0], [-3.0, 4.0]];
    assert_eq!(run(Aggregate::Sum, &[[1.0, 2.0]; 3]), [3.0, 6.0]);
    assert_eq!(run(Aggregate::MaxAbs, &s), [3.0, 4.0]);
    assert_eq!(run(Aggregate::MinAbs, &s), [1.0, 2.0]);
    assert_eq!(run(Aggregate::Max, &s), [2.0, 4.0]);
    assert_eq!(run(Aggregate::Min, &s), [-3.0, -3.0]);
    let d = [[3.0, 0.0], [-1.0, -2.0], [2.0, -4.0]];
    assert_eq!(run(Aggregate::MaxAbs, &d), [3.0, 4.0]);
    assert_eq!(run(Aggregate::MinAbs, &d), [1.0, 0.0]);
    assert_eq!(run(Aggregate::Max, &d), [3.0, 0.0]);
    assert_eq!(run(Aggregate::Min, &d), [-1.0, -4.0]);
    // A single row of min_abs is already its absolute value.
    assert_eq!(run(Aggregate::MinAbs, &[[-2.0, 3.0]]), [2.0, 3.0]);
}

#[test]
fn aggregate_edge_cases() {
    let acc = Accumulator::new(Aggregate::Sum);
    assert_eq!(acc.values::<f32>(), None);
    let mut acc = Accumulator::new(Aggregate::Max);
    acc.add(&[1.0f64, 2.0, 3.0]).unwrap();
    let err = acc.add(&[1.0f64]).unwrap_err();
    assert_eq!(err.sqlstate(), SqlState::ArraySubscriptError);
    assert!(err.to_string().contains("pgml.max") && err.to_string().contains("1 elements"));
    acc.add(&[f64::NAN, 0.0, 0.0]).unwrap();
    let v = acc.values::<f64>().unwrap();
    assert!(v[0].is_nan() && v[1..] == [2.0, 3.0]);
    // Empty arrays aggregate to an empty array.
    let mut acc = Accumulator::new(Aggregate::Sum);
    acc.add::<f32>(&[]).unwrap();
    assert_eq!(acc.values::<f32>(), Some(vec![]));
}

#[test]
fn sums_keep_precision_over_many_rows() {
    // 2^24 + 1 is where an f32 running sum of ones stops growing.
    let mut acc = Accumulator::new(Aggregate::Sum);
    for _ in 0..(1 << 24) + 10 {
        acc.add(&[1.0f32]).unwrap();
    }
    assert_eq!(acc.values::<f64>(), Some(vec![(1u64 << 24) as f64 + 10.0]));
}

#[test]
fn combine_merges_partial_states() {
    for aggregate in [
        Aggregate::Sum,
        Aggregate::Min,
        Aggregate::Max,
        Aggregate::MinAbs,
        Aggregate::MaxAbs,
    ] {
        let rows = [[1.0f64, -5.0], [-2.0, 3.0], [4.0, -1.0], [0.5, 2.0]];
        let mut whole = Accumulator::new(aggregate);
        let (mut left, mut right) = (Accumulator::new(aggregate), Accumulator::new(aggregate));
        for (i, row) in rows.iter().enumerate() {
            whole.add(row).unwrap();
            if i % 2 == 0 { &mut left } else { &mut right }
                .add(row)
                .unwrap();
        }
        left.combine(&right).unwrap();
        left.combine(&Accumulator::new(aggregate)).unwrap();
        assert_eq!(left.values::<f64>(), whole.values::<f64>(), "{aggregate:?}");
        let mut empty = Accumulator::new(aggregate);
        empty.combine(&whole).unwrap();
        assert_eq!(
            empty.values::<f64>(),
            whole.values::<f64>(),
            "{aggregate:?}"
        );
        let mut short = Accumulator::new(aggregate);
        short.add(&[1.0f64]).unwrap();
        assert!(short.combine(&whole).is_err());
    }
}
