//! `Lars` / `LassoLars` against scikit-learn 1.9.1, fitted on the same float32 values:
//!   X, y = load_diabetes(return_X_y=True); X = X.astype(np.float32).astype(np.float64)
//!   Lars(**params).fit(X[:331], y[:331]).coef_, .intercept_

use super::*;
use crate::dataset::fixtures::{assert_close, diabetes_head, from_rows};

fn check(params: LarsParams, coef: &[f64], intercept: f64, data: &Dataset) {
    let model = fit(data, &params).unwrap();
    // The path's steps add rounding of their own (BLAS sums in another order there).
    assert_close(&model.coef, coef, 1e-6);
    assert_close(&[model.intercept], &[intercept], 1e-6);
}

fn lars() -> LarsParams {
    LarsParams::default()
}

fn lasso(alpha: f64) -> LarsParams {
    LarsParams {
        lasso: true,
        alpha,
        ..LarsParams::default()
    }
}

#[test]
fn lars_matches_scikit_learn_on_diabetes() {
    let data = diabetes_head();
    check(
        lars(),
        &[
            -34.87644698630073,
            -248.87570168607712,
            453.00582733521327,
            360.52003623799686,
            -7786.123693611687,
            6038.486866904448,
            3321.9284019071306,
            1120.7800248381418,
            3264.55257554384,
            107.33243453628302,
        ],
        149.78169738804618,
        &data,
    );
    check(
        LarsParams {
            max_iter: 3,
            ..lars()
        },
        &[
            0.0,
            0.0,
            398.86164145593784,
            44.667505671068454,
            0.0,
            0.0,
            0.0,
            0.0,
            437.15165564777436,
            0.0,
        ],
        151.37265238260494,
        &data,
    );
    check(
        LarsParams {
            fit_intercept: false,
            ..lars()
        },
        &[
            60.574478332897186,
            -293.636679038569,
            470.77176983590175,
            295.02676401890903,
            -1461.9413630042093,
            962.6533946176789,
            502.852982623348,
            372.8143455049615,
            974.5897049112252,
            81.05629206186873,
        ],
        0.0,
        &data,
    );
}

#[test]
fn lasso_lars_matches_scikit_learn_on_diabetes() {
    let data = diabetes_head();
    let z = 0.0;
    check(
        lasso(1.0),
        &[z, z, 310.4643128419893, z, z, z, z, z, 353.9360599889628, z],
        151.2991401538588,
        &data,
    );
    check(
        lasso(0.1),
        &[
            z,
            -157.9324575668716,
            492.68286765914377,
            245.07858068817006,
            z,
            -49.83920001133798,
            -215.70603360229723,
            z,
            499.4731591045075,
            58.15721098426356,
        ],
        151.56654614735282,
        &data,
    );
    // Feature 5 entered and left again on the way (the lasso's drop).
    check(
        lasso(0.01),
        &[
            -6.06640432710684,
            -230.63695221417444,
            507.16216229222204,
            291.16442735188855,
            -191.1779499515465,
            z,
            -152.70778008139212,
            82.89761934717546,
            560.1602271597641,
            95.60547222609365,
        ],
        151.54734559903463,
        &data,
    );
    check(
        lasso(0.001),
        &[
            -11.217067483295077,
            -237.69016282404763,
            505.91955768093663,
            298.0788735168848,
            -421.164284302951,
            173.77934046363535,
            -48.91518155405221,
            124.42247449677042,
            639.3957049170142,
            98.77739770597982,
        ],
        151.49914857643165,
        &data,
    );
    check(
        LarsParams {
            positive: true,
            ..lasso(0.01)
        },
        &[
            z,
            z,
            535.3057385628867,
            193.90039030843073,
            z,
            z,
            z,
            36.32662332100084,
            541.1507698015968,
            33.9509609315541,
        ],
        151.52320734826617,
        &data,
    );
    check(
        LarsParams {
            max_iter: 5,
            ..lasso(0.0001)
        },
        &[
            z,
            -20.605776553934923,
            476.79754606811383,
            170.4861007760855,
            z,
            z,
            -118.38060358078434,
            z,
            497.9139333447315,
            z,
        ],
        151.54499247147737,
        &data,
    );
}

/// A column repeated: the copy never enters (its Cholesky pivot vanishes); the path is the
/// one scikit-learn takes when rounding keeps the copy's tie with the active set from
/// winning (when it wins, scikit-learn's own path goes wrong; see `lars_path`).
///   i = np.arange(60.); cols = [sin(i), cos(1.3i), sin(0.7i + 1), cos(2.1i), 2 sin(0.3i)]
///   Z = column_stack(cols + [cols[0]]) as float32; t = 2 Z0 - Z1 + 0.5 Z2 + 0.1 sin(5i)
#[test]
fn a_repeated_column_never_enters() {
    let rows: Vec<Vec<f32>> = (0..60)
        .map(|i| {
            let i = f64::from(i);
            let cols = [
                i.sin(),
                (1.3 * i).cos(),
                (0.7 * i + 1.0).sin(),
                (2.1 * i).cos(),
                2.0 * (0.3 * i).sin(),
                i.sin(),
            ];
            cols.iter().map(|&v| v as f32).collect()
        })
        .collect();
    let y: Vec<f32> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let z = |k: usize| f64::from(r[k]);
            (2.0 * z(0) - z(1) + 0.5 * z(2) + 0.1 * (5.0 * i as f64).sin()) as f32
        })
        .collect();
    let data = from_rows(&rows, &y);
    check(
        lars(),
        &[
            2.005893495657502,
            -0.9555614147204959,
            0.49623082362154525,
            0.0026126917968135586,
            -8.798616049925833e-05,
            0.0,
        ],
        -0.0013855640039114117,
        &data,
    );
    check(
        lasso(0.01),
        &[
            1.9859727672635357,
            -0.9366848220863686,
            0.4770862424298995,
            0.0,
            0.0,
            0.0,
        ],
        -0.0008788591197431903,
        &data,
    );
}

/// Wherever a repeated column stands, `Lars` and `LassoLars` end where they end on the
/// distinct columns, with nothing on the copy: the copy is left out and the path goes on at
/// the active set's level, however rounding breaks its ties with the original.
#[test]
fn a_repeated_column_anywhere_changes_nothing() {
    let base: Vec<[f64; 4]> = (0..50)
        .map(|i| {
            let i = f64::from(i);
            [
                (0.9 * i).sin(),
                (1.7 * i).cos(),
                (0.4 * i + 2.0).sin(),
                (2.3 * i).cos() * 0.5,
            ]
        })
        .collect();
    let y: Vec<f32> = base
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (1.5 * r[0] - 2.0 * r[1] + 0.7 * r[2] + 0.3 * r[3] + 0.05 * (7.0 * i as f64).sin())
                as f32
        })
        .collect();
    let distinct: Vec<Vec<f32>> = base
        .iter()
        .map(|r| r.iter().map(|&v| v as f32).collect())
        .collect();
    for params in [lars(), lasso(0.002), lasso(0.0005)] {
        let reference = fit(&from_rows(&distinct, &y), &params).unwrap();
        for copy_of in 0..4 {
            for at in 0..=4 {
                let rows: Vec<Vec<f32>> = distinct
                    .iter()
                    .map(|r| {
                        let mut r = r.clone();
                        r.insert(at, r[copy_of]);
                        r
                    })
                    .collect();
                let model = fit(&from_rows(&rows, &y), &params).unwrap();
                // The two copies' weights sum to the original's.
                let original = if copy_of >= at { copy_of + 1 } else { copy_of };
                let mut merged = model.coef.clone();
                merged[original] += merged[at];
                merged.remove(at);
                assert_close(&merged, &reference.coef, 1e-6);
                assert!(
                    model.coef[at] == 0.0 || model.coef[original] == 0.0,
                    "copy of {copy_of} at {at}: both copies have weights {:?}",
                    model.coef
                );
                assert_close(&[model.intercept], &[reference.intercept], 1e-6);
            }
        }
    }
}

#[test]
fn a_constant_label_gives_zero_coefficients() {
    let rows: Vec<[f32; 2]> = (0..10).map(|i| [i as f32, (i * i) as f32]).collect();
    let model = fit(&from_rows(&rows, &[3.0; 10]), &lasso(0.1)).unwrap();
    assert_eq!(model.coef, vec![0.0, 0.0]);
    assert_eq!(model.intercept, 3.0);
    let model = fit(&from_rows(&rows, &[3.0; 10]), &lars()).unwrap();
    assert_eq!(model.coef, vec![0.0, 0.0]);
}

#[test]
fn hyperparameters_are_scikit_learn_s() {
    use crate::algorithms::Estimator;
    use crate::error::SqlState;
    use crate::registry::{Algorithm, Task};
    use serde_json::json;
    let data = diabetes_head();
    let train =
        |algorithm, params| Estimator::fit(Task::Regression, algorithm, &params, &data, 0, 0);
    assert!(train(
        Algorithm::LeastAngle,
        json!({"n_nonzero_coefs": 2, "precompute": "auto", "copy_X": true, "fit_path": false, "verbose": 0, "random_state": 1})
    )
    .is_ok());
    assert!(train(
        Algorithm::LassoLeastAngle,
        json!({"alpha": 0.5, "max_iter": 0, "positive": true, "eps": 1e-12})
    )
    .is_ok());
    for (algorithm, params, code) in [
        (
            Algorithm::LeastAngle,
            json!({"alpha": 1.0}),
            SqlState::InvalidParameterValue,
        ),
        (
            Algorithm::LeastAngle,
            json!({"n_nonzero_coefs": 0}),
            SqlState::InvalidParameterValue,
        ),
        (
            Algorithm::LassoLeastAngle,
            json!({"alpha": -1}),
            SqlState::InvalidParameterValue,
        ),
        (
            Algorithm::LassoLeastAngle,
            json!({"eps": 0}),
            SqlState::InvalidParameterValue,
        ),
        (
            Algorithm::LassoLeastAngle,
            json!({"precompute": [1]}),
            SqlState::InvalidParameterValue,
        ),
        (
            Algorithm::LassoLeastAngle,
            json!({"jitter": 0.1}),
            SqlState::FeatureNotSupported,
        ),
        (
            Algorithm::LassoLeastAngle,
            json!({"n_nonzero_coefs": 3}),
            SqlState::InvalidParameterValue,
        ),
    ] {
        let e = train(algorithm, params.clone()).unwrap_err();
        assert_eq!(e.sqlstate(), code, "{params}: {e}");
    }
}
