//! AdaBoost against scikit-learn 1.9.1. The classifier (SAMME with stumps or depth-2 trees)
//! is deterministic wherever no two splits tie, so its tree weights, predictions and
//! probabilities must match; the regressor resamples rows at random, so only its fit quality
//! can be compared.

use serde_json::json;

use super::ada_boost::*;
use crate::dataset::fixtures::from_rows;
use crate::dataset::Dataset;
use crate::hyperparams::Hyperparams;

/// Rows `i = 0..n` of three features built from integers, so Rust and numpy see the same
/// `f32`s; `k` classes from an integer score, with every 7th row's class shifted (noise that
/// keeps boosting busy for all its rounds). The Python twin, used by every reference below:
///
/// ```python
/// import numpy as np
/// from sklearn.ensemble import AdaBoostClassifier
/// from sklearn.tree import DecisionTreeClassifier
/// def data(n, k):
///     i = np.arange(n)
///     a = (i*37)%101; b = (i*53)%97; c = (i*29)%89
///     X = np.stack([a*0.25, b*0.5, c*0.125], 1).astype(np.float32)
///     s = 4*a - 3*b + 2*c
///     y = (s > 60).astype(int) if k == 2 else (s > 0).astype(int) + (s > 150).astype(int)
///     return X, np.where(i % 7 == 3, (y + 1) % k, y)
/// def emit(n, k, **kw):
///     X, y = data(n, k)
///     m = AdaBoostClassifier(**kw, random_state=0).fit(X, y)
///     print(list(m.estimator_weights_), "".join(map(str, m.predict(X))))
///     print(m.predict_proba(X)[[0, 3, 10, 25]])
/// ```
fn samme_data(n: usize, k: usize) -> Dataset {
    let mut x = Vec::with_capacity(n * 3);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let (a, b, c) = ((i * 37) % 101, (i * 53) % 97, (i * 29) % 89);
        x.extend([a as f32 * 0.25, b as f32 * 0.5, c as f32 * 0.125]);
        let s = 4 * a as i64 - 3 * b as i64 + 2 * c as i64;
        let class = if k == 2 {
            (s > 60) as usize
        } else {
            (s > 0) as usize + (s > 150) as usize
        };
        y.push(if i % 7 == 3 { (class + 1) % k } else { class } as f32);
    }
    Dataset::new(vec!["a".into(), "b".into(), "c".into()], x, y).unwrap()
}

/// Checks a fitted classifier against scikit-learn's `estimator_weights_` (relative
/// tolerance `1e-9`), its predictions on every training row (one digit a row) and its
/// probabilities of rows 0, 3, 10 and 25 (printed to 8 decimals).
fn assert_matches(model: &AdaBoost, data: &Dataset, weights: &[f64], pred: &str, proba: &[&[f64]]) {
    assert_eq!(model.estimator_weights().len(), weights.len());
    for (i, (&ours, &theirs)) in model.estimator_weights().iter().zip(weights).enumerate() {
        assert!(
            (ours - theirs).abs() <= 1e-9 * theirs.abs().max(1.0),
            "weight {i}: {ours} vs {theirs}"
        );
    }
    let ours: String = (0..data.num_rows())
        .map(|i| char::from(b'0' + model.predict(data.row(i)) as u8))
        .collect();
    assert_eq!(ours, pred);
    for (&row, theirs) in [0, 3, 10, 25].iter().zip(proba) {
        let ours = model.predict_proba(data.row(row)).unwrap();
        assert_eq!(ours.len(), theirs.len());
        for (o, t) in ours.iter().zip(theirs.iter()) {
            assert!(
                (*o as f64 - t).abs() < 1e-6,
                "row {row}: {ours:?} vs {theirs:?}"
            );
        }
        assert!((ours.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }
}

#[test]
fn binary_stumps_match_scikit_learn() {
    // emit(40, 2)
    let data = samme_data(40, 2);
    let model = AdaBoost::fit(&data, 2, &AdaBoostParams::classifier(), 0).unwrap();
    #[rustfmt::skip]
    let weights = [
        0.9694005571881035, 1.0287687153008453, 0.2740426793584619, 0.3062321702524717,
        0.4725349383227437, 0.2888532054425066, 0.3026613639457568, 0.2626503161532989,
        0.37099956820060764, 0.26692215287821897, 0.26800812921249006, 0.23619035330684893,
        0.25925018651831727, 0.22937040294272995, 0.21760492090222305, 0.19618361648058258,
        0.21017427799946403, 0.19012768234968577, 0.3128313605684592, 0.528457178203483,
        0.3408344053860041, 0.5659264260073625, 0.4077588783828872, 0.3624280289696595,
        0.21313875044809655, 0.19254868484483356, 0.17559564432963362, 0.1613922596136606,
        0.16922794994137794, 0.42815236612273183, 0.294232145548465, 0.17998945323021642,
        0.3011181012850279, 0.16490070574725785, 0.15231589825478264, 0.26493019470629803,
        0.20716162353751486, 0.1477570521583315, 0.13757591704470262, 0.1467670735700148,
        0.13671747434674267, 0.13001284587356174, 0.12206719423743806, 0.1289812676262219,
        0.12115755933906142, 0.12668827990083625, 0.35267875894702627, 0.5085788406627753,
        0.4205993966253226, 0.3462432099004651,
    ];
    assert_matches(
        &model,
        &data,
        &weights,
        "0011111010111101101101011011011111110101",
        &[
            &[0.56499046, 0.43500954],
            &[0.43220061, 0.56779939],
            &[0.48966421, 0.51033579],
            &[0.61876298, 0.38123702],
        ],
    );
    assert_eq!(model.estimator_errors().len(), 50);
    // The random state only orders features, which matters on ties alone.
    let other = AdaBoost::fit(&data, 2, &AdaBoostParams::classifier(), 99).unwrap();
    assert_eq!(other.estimator_weights(), model.estimator_weights());
}

#[test]
fn three_classes_with_depth_two_trees_match_scikit_learn() {
    // emit(60, 3, learning_rate=0.5, estimator=DecisionTreeClassifier(max_depth=2),
    //      n_estimators=30)
    let data = samme_data(60, 3);
    let params = AdaBoostParams {
        n_estimators: 30,
        learning_rate: 0.5,
        max_depth: Some(2),
        ..AdaBoostParams::classifier()
    };
    let model = AdaBoost::fit(&data, 3, &params, 0).unwrap();
    #[rustfmt::skip]
    let weights = [
        0.7311401340489063, 0.7075901777580188, 0.7089762041363898, 0.5622841083517958,
        0.42482377744551014, 0.37992523251690974, 0.5077422565233345, 0.4586924674731365,
        0.50482977051964, 0.5580731705506831, 0.4606270534427379, 0.5053870308829518,
        0.36270209830253775, 0.40132113974238764, 0.3519763085620638, 0.2913219879397417,
        0.5743166143320857, 0.524241055092617, 0.506944898936787, 0.6301498182281275,
        0.3850795573151199, 0.4654853193598192, 0.4429011648950266, 0.5345925658825539,
        0.45598248841349454, 0.6579927747709866, 0.4546931724260912, 0.5138154463165747,
        0.4681199430196199, 0.6435646149534668,
    ];
    assert_matches(
        &model,
        &data,
        &weights,
        "012222212101220222221211202211212212120210121220221120221210",
        &[
            &[0.37352416, 0.33145668, 0.29501916],
            &[0.26316155, 0.35126887, 0.38556958],
            &[0.36947777, 0.30284484, 0.32767739],
            &[0.37725333, 0.36700910, 0.25573757],
        ],
    );
}

#[test]
fn extreme_sample_weights_match_scikit_learn() {
    // emit(40, 2, learning_rate=2.0): the weights of well-fit rows shrink to machine epsilon,
    // where split scores need scikit-learn's own formula to pick the same stumps.
    let data = samme_data(40, 2);
    let params = AdaBoostParams {
        learning_rate: 2.0,
        ..AdaBoostParams::classifier()
    };
    let model = AdaBoost::fit(&data, 2, &params, 0).unwrap();
    #[rustfmt::skip]
    let weights = [
        1.938801114376207, 2.454697788741184, 2.7942109220678795, 3.432386718548845,
        3.658575786894853, 3.568821317181282, 4.093275007398356, 4.169267775908291,
        4.3826353334051795, 4.890400613333875, 4.984040163659632, 5.149255231267807,
        5.731394634635, 5.827884872263311, 6.131272139983559, 6.606426080234483,
        8.113251088893566, 8.29120384664539, 10.013255796665023, 12.010423117843683,
        13.837242917822852, 14.398916223078881, 15.013145734865944, 17.27593920899085,
        17.364504578772973, 17.88338749738, 19.73996900433248, 19.900070063432647,
        20.90464726848115, 21.876960563102173, 22.34459122190176, 22.904340232164053,
        26.758076774116073, 29.029297358208296, 30.165736197820664, 35.683054032337,
        41.68674895425031, 46.22084092326303, 47.39027995037558, 51.56097540293709,
        56.1385726733905, 56.32149694522376, 60.606579850381706, 63.42293664882117,
        63.649877723273725, 65.68861068434101, 65.57111370219134, 66.03040823126507,
        65.81631834637601, 66.59846301359116,
    ];
    assert_matches(
        &model,
        &data,
        &weights,
        "0011111010011101101101010011011111010101",
        &[
            &[0.53886134, 0.46113866],
            &[0.46003013, 0.53996987],
            &[0.54917909, 0.45082091],
            &[0.54813703, 0.45186297],
        ],
    );
}

#[test]
fn a_perfect_first_tree_stops_boosting() {
    // X = np.arange(10, dtype=np.float32).reshape(-1, 1); y = (X[:, 0] >= 5).astype(int)
    // m = AdaBoostClassifier(random_state=0).fit(X, y)
    // len(m.estimators_) == 1, m.estimator_weights_[0] == 1.0, m.estimator_errors_[0] == 0.0
    // m.predict_proba(X[[0, 9]]) == [[0.88079708, 0.11920292], [0.11920292, 0.88079708]]
    let rows: Vec<[f32; 1]> = (0..10).map(|i| [i as f32]).collect();
    let y: Vec<f32> = (0..10).map(|i| (i >= 5) as u8 as f32).collect();
    let data = from_rows(&rows, &y);
    let model = AdaBoost::fit(&data, 2, &AdaBoostParams::classifier(), 0).unwrap();
    assert_eq!(model.trees().len(), 1);
    assert_eq!(model.estimator_weights(), &[1.0]);
    assert_eq!(model.estimator_errors(), &[0.0]);
    let proba = model.predict_proba(&[0.0]).unwrap();
    assert!((proba[0] - 0.880_797_1).abs() < 1e-6 && (proba[1] - 0.119_202_9).abs() < 1e-6);
    assert_eq!(model.predict(&[9.0]), 1.0);
    // max_depth=None memorises the noisy three-class data in one tree just the same.
    let data = samme_data(60, 3);
    let params = AdaBoostParams {
        max_depth: None,
        ..AdaBoostParams::classifier()
    };
    let model = AdaBoost::fit(&data, 3, &params, 0).unwrap();
    assert_eq!(model.estimator_weights(), &[1.0]);
    // A single class is a perfect fit too: probability 1 (scikit-learn's `[[1.]]`).
    let single = from_rows(&[[0.0f32], [1.0]], &[0.0, 0.0]);
    let model = AdaBoost::fit(&single, 1, &AdaBoostParams::classifier(), 0).unwrap();
    assert_eq!(model.predict(&[5.0]), 0.0);
    assert_eq!(model.predict_proba(&[5.0]), Some(vec![1.0]));
}

#[test]
fn a_first_tree_no_better_than_chance_is_an_error() {
    // AdaBoostClassifier().fit(np.ones((4, 2)), [0, 1, 0, 1]) raises "BaseClassifier in
    // AdaBoostClassifier ensemble is worse than random, ensemble can not be fit."
    let data = from_rows(&[[1.0f32, 1.0]; 4], &[0.0, 1.0, 0.0, 1.0]);
    let err = AdaBoost::fit(&data, 2, &AdaBoostParams::classifier(), 0).unwrap_err();
    assert!(err.to_string().contains("no better than chance"), "{err}");
}

/// `y = s / 8 + noise` on the features of [`samme_data`]. Python twin:
///
/// ```python
/// def rdata(n):
///     i = np.arange(n)
///     a = (i*37)%101; b = (i*53)%97; c = (i*29)%89
///     X = np.stack([a*0.25, b*0.5, c*0.125], 1).astype(np.float32)
///     y = ((4*a - 3*b + 2*c) * 0.125 + ((i*17)%13 - 6) * 2.0).astype(np.float32)
///     return X, y
/// ```
fn regression_data(n: usize) -> Dataset {
    let mut x = Vec::with_capacity(n * 3);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let (a, b, c) = ((i * 37) % 101, (i * 53) % 97, (i * 29) % 89);
        x.extend([a as f32 * 0.25, b as f32 * 0.5, c as f32 * 0.125]);
        let s = 4 * a as i64 - 3 * b as i64 + 2 * c as i64;
        y.push(s as f32 * 0.125 + ((i * 17) % 13) as f32 * 2.0 - 12.0);
    }
    Dataset::new(vec!["a".into(), "b".into(), "c".into()], x, y).unwrap()
}

fn training_r2(model: &AdaBoost, data: &Dataset) -> f64 {
    let y = data.labels();
    let mean = y.iter().map(|&v| v as f64).sum::<f64>() / y.len() as f64;
    let (mut residual, mut total) = (0.0, 0.0);
    for (i, &label) in y.iter().enumerate() {
        residual += (model.predict(data.row(i)) as f64 - label as f64).powi(2);
        total += (label as f64 - mean).powi(2);
    }
    1.0 - residual / total
}

#[test]
fn regressor_fits_as_well_as_scikit_learn() {
    // X, y = rdata(80); over random_state 0..29,
    // r2_score(y, AdaBoostRegressor(loss=loss, random_state=s).fit(X, y).predict(X)) has
    // mean / min / max: linear 0.92468 / 0.91032 / 0.93471, square 0.91595 / 0.90381 /
    // 0.92583, exponential 0.92307 / 0.91036 / 0.93501; every fit keeps all 50 trees.
    let data = regression_data(80);
    for (loss, mean, min, max) in [
        (Loss::Linear, 0.92468, 0.91032, 0.93471),
        (Loss::Square, 0.91595, 0.90381, 0.92583),
        (Loss::Exponential, 0.92307, 0.91036, 0.93501),
    ] {
        let params = AdaBoostParams {
            loss,
            ..AdaBoostParams::regressor()
        };
        let mut sum = 0.0;
        for seed in 0..10 {
            let model = AdaBoost::fit(&data, 0, &params, seed).unwrap();
            assert_eq!(model.trees().len(), 50);
            assert_eq!(model.predict_proba(data.row(0)), None);
            let r2 = training_r2(&model, &data);
            assert!(
                r2 > min - 0.02 && r2 < max + 0.02,
                "{loss:?} seed {seed}: {r2}"
            );
            sum += r2;
        }
        assert!((sum / 10.0 - mean).abs() < 0.01, "{loss:?}: {}", sum / 10.0);
    }
}

#[test]
fn regressor_stops_on_a_perfect_fit_and_is_deterministic_per_seed() {
    // AdaBoostRegressor on a constant target: error 0 in round one, one tree of weight 1.
    let rows: Vec<[f32; 2]> = (0..20).map(|i| [i as f32, (i % 3) as f32]).collect();
    let data = from_rows(&rows, &[5.0; 20]);
    let model = AdaBoost::fit(&data, 0, &AdaBoostParams::regressor(), 3).unwrap();
    assert_eq!(model.estimator_weights(), &[1.0]);
    assert_eq!(model.predict(&[100.0, 1.0]), 5.0);

    let data = regression_data(50);
    let a = AdaBoost::fit(&data, 0, &AdaBoostParams::regressor(), 7).unwrap();
    assert_eq!(
        a,
        AdaBoost::fit(&data, 0, &AdaBoostParams::regressor(), 7).unwrap()
    );
    assert_ne!(
        a,
        AdaBoost::fit(&data, 0, &AdaBoostParams::regressor(), 8).unwrap()
    );
}

#[test]
fn hyperparameters_read_like_scikit_learn() {
    let read = |value: serde_json::Value, classification: bool| {
        let keys = if classification {
            ADA_BOOST_CLASSIFIER_KEYS
        } else {
            ADA_BOOST_REGRESSOR_KEYS
        };
        Hyperparams::new(&value, "ada_boost", keys).and_then(|p| params(&p, classification))
    };
    assert_eq!(read(json!({}), true).unwrap(), AdaBoostParams::classifier());
    assert_eq!(
        read(json!(null), false).unwrap(),
        AdaBoostParams::regressor()
    );
    assert_eq!(AdaBoostParams::classifier().max_depth, Some(1));
    assert_eq!(AdaBoostParams::regressor().max_depth, Some(3));
    let p = read(
        json!({"n_estimators": 7, "learning_rate": 0.25, "loss": "square", "max_depth": 5,
               "random_state": 3}),
        false,
    )
    .unwrap();
    assert_eq!(
        p,
        AdaBoostParams {
            n_estimators: 7,
            learning_rate: 0.25,
            loss: Loss::Square,
            max_depth: Some(5),
        }
    );
    assert_eq!(
        read(json!({"loss": "exponential"}), false).unwrap().loss,
        Loss::Exponential
    );
    assert_eq!(
        read(json!({"max_depth": null}), true).unwrap().max_depth,
        None
    );
    for (bad, classification) in [
        (json!({"n_estimators": 0}), true),
        (json!({"n_estimators": 2.5}), true),
        (json!({"learning_rate": 0}), true),
        (json!({"learning_rate": -1.0}), false),
        (json!({"learning_rate": "fast"}), false),
        (json!({"loss": "huber"}), false),
        (json!({"loss": 1}), false),
        (json!({"loss": "linear"}), true),
        (json!({"max_depth": 0}), true),
        (json!({"algorithm": "SAMME.R"}), true),
    ] {
        assert!(read(bad.clone(), classification).is_err(), "{bad}");
    }
}

#[test]
fn bad_settings_and_data_are_errors() {
    let data = samme_data(20, 2);
    let fit = |params: AdaBoostParams| AdaBoost::fit(&data, 2, &params, 0);
    let base = AdaBoostParams::classifier();
    for params in [
        AdaBoostParams {
            n_estimators: 0,
            ..base
        },
        AdaBoostParams {
            learning_rate: 0.0,
            ..base
        },
        AdaBoostParams {
            learning_rate: f64::NAN,
            ..base
        },
        AdaBoostParams {
            learning_rate: f64::INFINITY,
            ..base
        },
        AdaBoostParams {
            max_depth: Some(0),
            ..base
        },
    ] {
        assert!(fit(params).is_err(), "{params:?}");
    }
    // Labels must be class indices below num_classes.
    assert!(AdaBoost::fit(&data, 1, &base, 0).is_err());
    let halves = from_rows(&[[0.0f32], [1.0]], &[0.5, 1.0]);
    assert!(AdaBoost::fit(&halves, 2, &base, 0).is_err());
    let empty = Dataset::new(vec!["a".into()], vec![], vec![]).unwrap();
    assert!(AdaBoost::fit(&empty, 2, &base, 0).is_err());
    assert!(AdaBoost::fit(&empty, 0, &AdaBoostParams::regressor(), 0).is_err());
}

#[test]
fn serde_round_trip_keeps_predictions() {
    let data = samme_data(40, 3);
    let classifier = AdaBoost::fit(&data, 3, &AdaBoostParams::classifier(), 1).unwrap();
    let data_r = regression_data(40);
    let regressor = AdaBoost::fit(&data_r, 0, &AdaBoostParams::regressor(), 1).unwrap();
    for (model, data) in [(&classifier, &data), (&regressor, &data_r)] {
        let back: AdaBoost = serde_json::from_slice(&serde_json::to_vec(model).unwrap()).unwrap();
        assert_eq!(&back, model);
        for i in 0..data.num_rows() {
            assert_eq!(back.predict(data.row(i)), model.predict(data.row(i)));
            assert_eq!(
                back.predict_proba(data.row(i)),
                model.predict_proba(data.row(i))
            );
        }
    }
    assert_eq!(classifier.num_classes(), 3);
    assert_eq!(regressor.num_classes(), 0);
}
