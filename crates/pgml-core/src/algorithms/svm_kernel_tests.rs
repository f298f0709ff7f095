//! Tests of the kernel SVM (`svm_kernel.rs`, `svm_smo.rs`), through `Estimator` so the
//! hyperparameter reading is covered too.

use serde_json::{json, Value};

use super::svm::{LinearSvm, LinearSvmParams};
use super::svm_kernel::{Kernel, KernelSvm, KernelSvmParams};
use super::Estimator;
use crate::dataset::fixtures::from_rows;
use crate::dataset::Dataset;
use crate::error::SqlState;
use crate::registry::{Algorithm, Task};

fn fit(task: Task, hyperparams: Value, data: &Dataset, classes: usize) -> crate::Result<KernelSvm> {
    fit_as(Algorithm::Svm, task, hyperparams, data, classes)
}

fn fit_as(
    algorithm: Algorithm,
    task: Task,
    hyperparams: Value,
    data: &Dataset,
    classes: usize,
) -> crate::Result<KernelSvm> {
    match Estimator::fit(task, algorithm, &hyperparams, data, classes, 0)? {
        Estimator::KernelSvm(m) => Ok(m),
        other => panic!("svm trained {other:?}"),
    }
}

fn matrix(v: &Value) -> Vec<Vec<f32>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect()
        })
        .collect()
}

/// scikit-learn 1.9's SVC / SVR (`svm`) and NuSVC / NuSVR (`nu_svm`) on the data sets of
/// `tests/data/make_svm_reference.py`.
#[test]
fn matches_scikit_learn() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/svm_reference.json");
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let datasets = reference["datasets"].as_array().unwrap();
    let cases = reference["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 33);
    for case in cases {
        let set = datasets.iter().find(|d| d["name"] == case["data"]).unwrap();
        let x = matrix(&set["x"]);
        let y: Vec<f32> = set["y"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let points: Vec<Vec<f32>> = x.iter().cloned().chain(matrix(&set["x_test"])).collect();
        let regression = case["task"] == "regression";
        let (task, classes) = if regression {
            (Task::Regression, 0)
        } else {
            let top = y.iter().fold(0.0f32, |m, &v| m.max(v));
            (Task::Classification, top as usize + 1)
        };
        let algorithm = match case["algorithm"].as_str().unwrap() {
            "svm" => Algorithm::Svm,
            "nu_svm" => Algorithm::NuSvm,
            other => panic!("algorithm {other}"),
        };
        let model = fit_as(
            algorithm,
            task,
            case["hyperparams"].clone(),
            &from_rows(&x, &y),
            classes,
        )
        .unwrap();
        let label = format!(
            "{} {} {}",
            case["algorithm"], case["data"], case["hyperparams"]
        );
        // The default tol (1e-3) stops both solvers short of the optimum, each in its own place;
        // with tol 1e-7 what remains is libsvm's float32 kernel cache.
        let tight = case["hyperparams"].get("tol").is_some();
        let expected = matrix(&case["decision_function"]);
        let scale = expected
            .iter()
            .flatten()
            .fold(1.0f64, |m, &v| m.max(f64::from(v).abs()));
        let tolerance = if tight { 1e-4 } else { 2e-3 } * scale;
        if !case["pinned"].as_bool().unwrap() {
            // scikit-learn's own answer moves more than the tolerance when its tol is
            // tightened (see make_svm_reference.py): where two solvers stop cannot be
            // pinned. The classes still agree almost everywhere.
            let predicted = case["predict"].as_array().unwrap();
            let agree = points
                .iter()
                .zip(predicted)
                .filter(|(p, want)| f64::from(model.predict(p)) == want.as_f64().unwrap())
                .count();
            assert!(
                agree * 100 >= points.len() * 95,
                "{label}: {agree} of {} classes agree",
                points.len()
            );
            let n_support = case["n_support"].as_u64().unwrap() as usize;
            let diff = model.num_support_vectors().abs_diff(n_support);
            assert!(
                diff <= 2 + n_support / 20,
                "{label}: {diff} support vectors off"
            );
            continue;
        }
        let mut worst = 0.0f64;
        for (point, want) in points.iter().zip(&expected) {
            let got = if regression {
                vec![f64::from(model.predict(point))]
            } else {
                model.decision_function(point)
            };
            assert_eq!(got.len(), want.len(), "{label}");
            for (g, &w) in got.iter().zip(want) {
                worst = worst.max((g - f64::from(w)).abs());
            }
        }
        assert!(worst < tolerance, "{label}: decision off by {worst}");
        let predicted = case["predict"].as_array().unwrap();
        for (point, want) in points.iter().zip(predicted) {
            let want = want.as_f64().unwrap();
            let got = f64::from(model.predict(point));
            if regression {
                assert!((got - want).abs() < tolerance, "{label}: {got} vs {want}");
            } else {
                assert_eq!(got, want, "{label}: {point:?}");
            }
        }
        let n_support = case["n_support"].as_u64().unwrap() as usize;
        let diff = model.num_support_vectors().abs_diff(n_support);
        assert!(
            diff <= 1 + n_support / 50,
            "{label}: {} support vectors, scikit-learn {n_support}",
            model.num_support_vectors()
        );
        for (got, want) in model
            .intercepts()
            .iter()
            .zip(case["intercept"].as_array().unwrap())
        {
            let want = want.as_f64().unwrap();
            assert!(
                (got - want).abs() < tolerance,
                "{label}: intercept {got} vs {want}"
            );
        }
    }
}

fn two_moons() -> Dataset {
    let rows: Vec<[f32; 2]> = (0..40)
        .map(|i| {
            let t = i as f32 * 0.157;
            if i % 2 == 0 {
                [t.cos(), t.sin()]
            } else {
                [1.0 - t.cos(), 0.5 - t.sin()]
            }
        })
        .collect();
    let y: Vec<f32> = (0..40).map(|i| (i % 2) as f32).collect();
    from_rows(&rows, &y)
}

#[test]
fn rbf_separates_interleaved_moons_a_linear_kernel_cannot() {
    let data = two_moons();
    let rbf = fit(Task::Classification, json!({"C": 100}), &data, 2).unwrap();
    let linear = fit(
        Task::Classification,
        json!({"kernel": "linear", "C": 100}),
        &data,
        2,
    )
    .unwrap();
    let accuracy = |m: &KernelSvm| {
        (0..data.num_rows())
            .filter(|&i| m.predict(data.row(i)) == data.labels()[i])
            .count()
    };
    assert_eq!(accuracy(&rbf), 40);
    assert!(accuracy(&linear) < 40);
    assert!(matches!(rbf.kernel(), Kernel::Rbf { gamma } if gamma > 0.0));
    // predict_proba: sums to 1, favours the predicted class, ranks like the decision value.
    for i in 0..data.num_rows() {
        let proba = rbf.predict_proba(data.row(i)).unwrap();
        assert!((proba.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(
            (proba[1] > 0.5) as u8 as f32,
            rbf.predict(data.row(i)),
            "{proba:?}"
        );
    }
}

/// `probability=True` against scikit-learn's (`tests/data/make_svm_proba_reference.py`). Both
/// are libsvm's Platt scaling on 5-fold cross-validated decision values, but the folds are
/// shuffled by different generators, so they agree within the folds' noise: each probability
/// within 0.1, and 0.03 on average.
#[test]
fn probabilities_match_scikit_learn_within_the_noise_of_the_folds() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/svm_proba_reference.json"
    );
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for case in reference["cases"].as_array().unwrap() {
        let x = matrix(&case["x"]);
        let y: Vec<f32> = case["y"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let classes = y.iter().fold(0.0f32, |m, &v| m.max(v)) as usize + 1;
        let mut params = case["params"].clone();
        params["probability"] = json!(true);
        let model = fit(Task::Classification, params, &from_rows(&x, &y), classes).unwrap();
        let (mut total, mut count, mut worst) = (0.0f64, 0usize, 0.0f64);
        for ((row, want), label) in matrix(&case["x_test"])
            .iter()
            .zip(matrix(&case["proba"]))
            .zip(case["predict"].as_array().unwrap())
        {
            assert_eq!(model.predict(row), label.as_f64().unwrap() as f32);
            let got = model.predict_proba(row).unwrap();
            assert!((got.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{got:?}");
            for (g, w) in got.iter().zip(&want) {
                let d = (g - w).abs() as f64;
                total += d;
                count += 1;
                worst = worst.max(d);
            }
        }
        let mean = total / count as f64;
        assert!(
            worst < 0.1 && mean < 0.03,
            "{}: worst {worst:.3}, mean {mean:.4}",
            case["data"]
        );
    }
}

/// nu-SVC's nu bounds the fraction of support vectors from below and of margin errors from
/// above; `probability=True` runs the nu solver in its folds too.
#[test]
fn nu_svm_keeps_nu_s_bounds_and_gives_probabilities() {
    let data = two_moons();
    let rows: Vec<Vec<f32>> = (0..data.num_rows()).map(|i| data.row(i).to_vec()).collect();
    for nu in [0.2, 0.5, 0.9] {
        let params = json!({"nu": nu, "probability": true, "random_state": 3, "tol": 1e-7});
        let model = fit_as(Algorithm::NuSvm, Task::Classification, params, &data, 2).unwrap();
        let n = rows.len() as f64;
        assert!(
            model.num_support_vectors() as f64 >= nu * n - 1e-9,
            "nu {nu}: {} support vectors of {n}",
            model.num_support_vectors()
        );
        // Margin errors: rows on the wrong side of their margin (y · d < 1 after the 1/r
        // scaling that makes the margin 1).
        let errors = rows
            .iter()
            .zip(data.labels())
            .filter(|(r, &label)| {
                let sign = if label == 1.0 { 1.0 } else { -1.0 };
                sign * model.decision_function(r)[0] < 1.0 - 1e-4
            })
            .count();
        assert!(
            errors as f64 <= nu * n + 1e-9,
            "nu {nu}: {errors} margin errors"
        );
        for r in &rows {
            let p = model.predict_proba(r).unwrap();
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{p:?}");
        }
    }
    let svr = fit_as(
        Algorithm::NuSvm,
        Task::Regression,
        json!({"nu": 0.5, "C": 3.0}),
        &data,
        0,
    )
    .unwrap();
    assert!(svr.num_support_vectors() as f64 >= 0.5 * rows.len() as f64);
}

/// scikit-learn's NuSVC takes `class_weight` and, as libsvm's nu-SVC, trains the same model.
#[test]
fn nu_svm_ignores_class_weight_as_scikit_learn_does() {
    let rows: Vec<[f32; 2]> = (0..60)
        .map(|i| {
            let t = i as f32 * 0.37;
            [t.sin() + (i % 3) as f32, t.cos() * (i % 3) as f32]
        })
        .collect();
    let y: Vec<f32> = (0..60).map(|i| (i % 3) as f32).collect();
    let data = from_rows(&rows, &y);
    let train = |params| fit_as(Algorithm::NuSvm, Task::Classification, params, &data, 3).unwrap();
    let plain = train(json!({"nu": 0.3}));
    for weights in [json!("balanced"), json!({"0": 1, "1": 5, "2": 0.5})] {
        assert_eq!(train(json!({"nu": 0.3, "class_weight": weights})), plain);
    }
}

#[test]
fn nu_svm_refuses_an_infeasible_or_out_of_range_nu() {
    // 30 rows of class 0, 10 of class 1: nu · 40 / 2 must not exceed 10.
    let rows: Vec<[f32; 1]> = (0..40).map(|i| [i as f32]).collect();
    let y: Vec<f32> = (0..40).map(|i| f32::from(u8::from(i >= 30))).collect();
    let data = from_rows(&rows, &y);
    let e = fit_as(
        Algorithm::NuSvm,
        Task::Classification,
        json!({"nu": 0.6}),
        &data,
        2,
    )
    .unwrap_err();
    assert_eq!(e.sqlstate(), SqlState::InvalidParameterValue);
    assert!(e.to_string().contains("infeasible"), "{e}");
    assert!(e.hint().unwrap().contains("nu < 0.5"), "{e:?}");
    // At the limit the smaller class is all at its bound: no offset (libsvm's r = 0).
    let e = fit_as(
        Algorithm::NuSvm,
        Task::Classification,
        json!({"nu": 0.5}),
        &data,
        2,
    )
    .unwrap_err();
    assert!(e.to_string().contains("not finite"), "{e}");
    assert!(fit_as(
        Algorithm::NuSvm,
        Task::Classification,
        json!({"nu": 0.4}),
        &data,
        2
    )
    .is_ok());
    for params in [
        json!({"nu": 0}),
        json!({"nu": 1.5}),
        json!({"nu": "half"}),
        // NuSVC has no C, NuSVR no epsilon.
        json!({"C": 1.0}),
    ] {
        let e = fit_as(
            Algorithm::NuSvm,
            Task::Classification,
            params.clone(),
            &data,
            2,
        )
        .unwrap_err();
        assert_eq!(e.sqlstate(), SqlState::InvalidParameterValue, "{params}");
    }
    let e = fit_as(
        Algorithm::NuSvm,
        Task::Regression,
        json!({"epsilon": 0.1}),
        &data,
        0,
    )
    .unwrap_err();
    assert!(e.hint().unwrap().contains("nu, C, kernel"), "{e:?}");
}

#[test]
fn classes_missing_from_the_training_rows_get_no_votes() {
    // Class 1 of 4 has no rows: the model trains on 0, 2, 3 and predicts only those.
    let rows = [
        [0.0, 0.0],
        [0.2, 0.1],
        [5.0, 5.0],
        [5.1, 4.8],
        [0.0, 5.0],
        [0.3, 5.2],
    ];
    let y = [0.0, 0.0, 2.0, 2.0, 3.0, 3.0];
    let model = fit(Task::Classification, json!({}), &from_rows(&rows, &y), 4).unwrap();
    for (row, &label) in rows.iter().zip(&y) {
        assert_eq!(model.predict(row), label);
        let proba = model.predict_proba(row).unwrap();
        assert_eq!(proba.len(), 4);
        assert_eq!(proba[1], 0.0);
        assert_eq!(super::linear::argmax(&proba) as f32, label, "{proba:?}");
    }
    assert_eq!(model.decision_function(&[1.0, 1.0]).len(), 3);
    let one_class = from_rows(&rows[..2], &y[..2]);
    let err = fit(Task::Classification, json!({}), &one_class, 2).unwrap_err();
    assert_eq!(err.sqlstate(), SqlState::DataException);
}

#[test]
fn regression_follows_a_curve() {
    let rows: Vec<[f32; 1]> = (0..60).map(|i| [i as f32 * 0.1]).collect();
    let y: Vec<f32> = rows.iter().map(|r| r[0].sin()).collect();
    let data = from_rows(&rows, &y);
    let model = fit(
        Task::Regression,
        json!({"C": 10, "epsilon": 0.01, "gamma": 1}),
        &data,
        0,
    )
    .unwrap();
    for r in &rows {
        assert!((model.predict(r) - r[0].sin()).abs() < 0.03, "{r:?}");
    }
    assert!(model.predict_proba(&[1.0]).is_none());
    // A tube wider than the labels' spread needs no support vector: the prediction is flat.
    let flat = fit(Task::Regression, json!({"epsilon": 5}), &data, 0).unwrap();
    assert_eq!(flat.num_support_vectors(), 0);
    // A cache of two rows gives the same model as a cache of all of them.
    let small = fit(
        Task::Regression,
        json!({"C": 10, "epsilon": 0.01, "gamma": 1, "cache_size": 1e-6}),
        &data,
        0,
    )
    .unwrap();
    assert_eq!(small, model);
    // max_iter stops early but still gives a usable model.
    let short = fit(Task::Regression, json!({"max_iter": 3}), &data, 0).unwrap();
    assert!(short.predict(&[1.0]).is_finite());
}

#[test]
fn bad_hyperparameters_say_what_is_valid() {
    let data = two_moons();
    let err = |task, params: Value| fit(task, params, &data, 2).unwrap_err();
    let c = Task::Classification;
    let bad_kernel = err(c, json!({"kernel": "rbff"}));
    assert_eq!(bad_kernel.sqlstate(), SqlState::InvalidParameterValue);
    assert_eq!(bad_kernel.to_string(), "unknown svm kernel \"rbff\"");
    assert_eq!(
        bad_kernel.hint().unwrap(),
        "valid kernels: linear, poly, rbf, sigmoid"
    );
    assert_eq!(
        err(c, json!({"kernel": "precomputed"})).sqlstate(),
        SqlState::FeatureNotSupported
    );
    for (params, needle) in [
        (json!({"kernel": 3}), "kernel"),
        (json!({"gamma": -1.0}), "gamma"),
        (json!({"gamma": 0}), "gamma"),
        (json!({"gamma": "big"}), "gamma"),
        (json!({"C": 0}), "C"),
        (json!({"C": -1.5}), "C"),
        (json!({"degree": -1}), "degree"),
        (json!({"degree": 2.5}), "degree"),
        (json!({"tol": 0}), "tol"),
        (json!({"cache_size": 0}), "cache_size"),
        (json!({"max_iter": 0}), "max_iter"),
        (json!({"max_iter": -2}), "max_iter"),
        (json!({"coef0": "x"}), "coef0"),
        (json!({"shrinking": 1}), "shrinking"),
        (json!({"class_weight": "even"}), "class_weight"),
        (
            json!({"decision_function_shape": "ovx"}),
            "decision_function_shape",
        ),
    ] {
        let e = err(c, params.clone());
        assert_eq!(e.sqlstate(), SqlState::InvalidParameterValue, "{params}");
        assert!(e.to_string().contains(needle), "{params}: {e}");
    }
    let ties = err(
        c,
        json!({"break_ties": true, "decision_function_shape": "ovo"}),
    );
    assert!(ties.to_string().contains("break_ties"), "{ties}");
    // Unknown keys (and SVR's epsilon on a classifier) list the valid ones.
    for params in [
        json!({"kernal": "rbf"}),
        json!({"epsilon": 0.2}),
        json!({"fit_intercept": true}),
    ] {
        let e = err(c, params);
        assert_eq!(e.sqlstate(), SqlState::InvalidParameterValue);
        assert!(
            e.hint().unwrap().contains("C, kernel, degree, gamma"),
            "{e:?}"
        );
    }
    assert!(fit(
        Task::Regression,
        json!({"class_weight": "balanced"}),
        &data,
        0
    )
    .is_err());
    assert!(fit(Task::Regression, json!({"epsilon": -1}), &data, 0).is_err());
    assert_eq!(
        err(c, json!({"class_weight": {"0": 2}})).sqlstate(),
        SqlState::FeatureNotSupported
    );
    assert!(fit(c, json!({"probability": "yes"}), &data, 2).is_err());
    // Accepted for compatibility.
    fit(
        c,
        json!({"probability": false, "shrinking": false, "verbose": false, "random_state": 3,
               "max_iter": -1, "class_weight": null, "gamma": "auto"}),
        &data,
        2,
    )
    .unwrap();
    // Empty data.
    let empty = Dataset::new(vec!["a".into()], vec![], vec![]).unwrap();
    for task in [Task::Classification, Task::Regression] {
        let e = fit(task, json!({}), &empty, 2).unwrap_err();
        assert_eq!(e.sqlstate(), SqlState::DataException);
    }
    let e = KernelSvm::fit(
        &data,
        2,
        &KernelSvmParams {
            c: f64::NAN,
            ..KernelSvmParams::default()
        },
    );
    assert!(e.is_err());
}

#[test]
fn linear_svm_keeps_the_primal_solver_and_refuses_kernels() {
    let data = two_moons();
    let model = Estimator::fit(
        Task::Classification,
        Algorithm::LinearSvm,
        &json!({"fit_intercept": true}),
        &data,
        2,
        0,
    )
    .unwrap();
    assert!(matches!(model, Estimator::Svm(_)));
    let err = Estimator::fit(
        Task::Classification,
        Algorithm::LinearSvm,
        &json!({"kernel": "rbf"}),
        &data,
        2,
        0,
    )
    .unwrap_err();
    assert!(err.hint().unwrap().contains("'svm'"), "{err:?}");
}

#[test]
fn serde_round_trips_kernel_and_old_linear_models() {
    let data = two_moons();
    for params in [
        json!({}),
        json!({"kernel": "poly", "degree": 2}),
        json!({"kernel": "sigmoid"}),
        json!({"probability": true}),
    ] {
        let model = Estimator::KernelSvm(fit(Task::Classification, params, &data, 2).unwrap());
        let back: Estimator = serde_json::from_slice(&serde_json::to_vec(&model).unwrap()).unwrap();
        assert_eq!(back, model);
        assert_eq!(back.predict(&[0.3, 0.2]), model.predict(&[0.3, 0.2]));
        assert_eq!(
            back.predict_proba(&[0.3, 0.2]),
            model.predict_proba(&[0.3, 0.2])
        );
    }
    // An `svm` model stored before kernels existed is a `LinearSvm` under the `Svm` tag.
    let old = Estimator::Svm(LinearSvm::fit(&data, 2, &LinearSvmParams::default(), 0).unwrap());
    let bytes = serde_json::to_vec(&old).unwrap();
    assert!(bytes.starts_with(b"{\"Svm\":{\"coef\":"));
    let back: Estimator = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(back, old);
    assert_eq!(back.predict(&[2.0, 0.0]), old.predict(&[2.0, 0.0]));
}

/// Fit time on a CSV of features with the label last (no header), for comparing with
/// scikit-learn: `PGML_SVM_BENCH_CSV=/tmp/svm.csv cargo test --release -p pgml-core
/// --no-default-features svm_fit_time -- --ignored --nocapture`.
#[test]
#[ignore]
fn svm_fit_time() {
    let path = std::env::var("PGML_SVM_BENCH_CSV").expect("PGML_SVM_BENCH_CSV");
    let text = std::fs::read_to_string(path).unwrap();
    let rows: Vec<Vec<f32>> = text
        .lines()
        .map(|l| l.split(',').map(|v| v.trim().parse().unwrap()).collect())
        .collect();
    let width = rows[0].len() - 1;
    let x: Vec<Vec<f32>> = rows.iter().map(|r| r[..width].to_vec()).collect();
    let y: Vec<f32> = rows.iter().map(|r| r[width]).collect();
    let data = from_rows(&x, &y);
    let classes = y.iter().fold(0.0f32, |m, &v| m.max(v)) as usize + 1;
    let mut best = f64::INFINITY;
    let mut model = None;
    // PGML_SVM_BENCH_ALGORITHM=nu_svm times NuSVC instead of SVC.
    let algorithm = match std::env::var("PGML_SVM_BENCH_ALGORITHM").as_deref() {
        Ok("nu_svm") => Algorithm::NuSvm,
        _ => Algorithm::Svm,
    };
    for _ in 0..7 {
        let start = std::time::Instant::now();
        model = Some(fit_as(algorithm, Task::Classification, json!({}), &data, classes).unwrap());
        best = best.min(start.elapsed().as_secs_f64());
    }
    let model = model.unwrap();
    let accuracy = (0..data.num_rows())
        .filter(|&i| model.predict(data.row(i)) == y[i])
        .count() as f64
        / y.len() as f64;
    println!(
        "{algorithm:?} rbf fit {} x {width}: best of 7 {best:.3} s, {} support vectors, train accuracy {accuracy:.4}",
        y.len(),
        model.num_support_vectors()
    );
}
