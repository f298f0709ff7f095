//! The Rust tree evaluator against each library's own predictions, on every row of models
//! trained here: regression, binary and multi-class, with NaN (missing) and zero values.
#![allow(clippy::unwrap_used)] // test helpers, outside #[test] functions

mod common;

use common::{data, params};
use pgml_boost::{lightgbm, xgboost, Error, Matrix, Output};

const ROWS: usize = 3000;
const COLS: usize = 8;

fn assert_same_xgb(model: &xgboost::Model, x: &Matrix<'_>) {
    for output in [Output::Margin, Output::Value] {
        let library = model.predict_batch(x, output, 2).unwrap();
        let k = model.num_outputs();
        assert_eq!(library.len(), x.rows() * k);
        let mut out = vec![0.0; k];
        for i in 0..x.rows() {
            model.predict_into(x.row(i), output, &mut out).unwrap();
            for j in 0..k {
                // f32 sums in the library's order: bit for bit.
                assert_eq!(
                    out[j] as f32,
                    library[i * k + j],
                    "row {i} output {j} ({output:?}): {:?}",
                    x.row(i)
                );
            }
        }
    }
}

fn assert_same_lgbm(model: &lightgbm::Model, x: &Matrix<'_>) {
    for output in [Output::Margin, Output::Value] {
        let library = model.predict_batch(x, output, 2).unwrap();
        let k = model.num_outputs();
        assert_eq!(library.len(), x.rows() * k);
        let mut out = vec![0.0; k];
        for i in 0..x.rows() {
            model.predict_into(x.row(i), output, &mut out).unwrap();
            for j in 0..k {
                let (ours, theirs) = (out[j], library[i * k + j]);
                assert!(
                    ours == theirs || (ours - theirs).abs() <= 1e-12 * theirs.abs().max(1.0),
                    "row {i} output {j} ({output:?}): {ours} vs {theirs}: {:?}",
                    x.row(i)
                );
            }
        }
    }
}

#[test]
fn xgboost_regression_binary_multiclass_match_the_library() {
    let d = data(ROWS, COLS, 0.05, 1);
    let x = Matrix::new(&d.x, d.rows, d.cols).unwrap();
    let base = [("max_depth", "6"), ("eta", "0.3"), ("seed", "1")];

    let reg = xgboost::train(&x, &d.regression, &params(&base), 40, 2).unwrap();
    assert_eq!((reg.num_trees(), reg.num_outputs()), (40, 1));
    assert_eq!(reg.objective(), "reg:squarederror");
    assert_same_xgb(&reg, &x);

    let mut p = params(&base);
    p.push(("objective".into(), "binary:logistic".into()));
    let bin = xgboost::train(&x, &d.binary, &p, 30, 2).unwrap();
    assert_same_xgb(&bin, &x);
    let prob = bin.predict(x.row(0), Output::Value).unwrap()[0];
    assert!((0.0..=1.0).contains(&prob));

    let mut p = params(&base);
    p.push(("objective".into(), "multi:softprob".into()));
    p.push(("num_class".into(), "3".into()));
    let multi = xgboost::train(&x, &d.classes3, &p, 20, 1).unwrap();
    assert_eq!((multi.num_trees(), multi.num_outputs()), (60, 3));
    assert_same_xgb(&multi, &x);
    let probs = multi.predict(x.row(1), Output::Value).unwrap();
    assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1e-5, "{probs:?}");

    // Other objectives with a link: Poisson (exp) on a positive target, and the approx method.
    let counts: Vec<f32> = d
        .regression
        .iter()
        .map(|y| (y + 6.0).max(0.0).round())
        .collect();
    let p = params(&[("objective", "count:poisson"), ("tree_method", "approx")]);
    let poisson = xgboost::train(&x, &counts, &p, 15, 2).unwrap();
    assert_same_xgb(&poisson, &x);

    // The saved JSON reads back into the same model.
    let back = xgboost::Model::from_json(multi.json().to_owned()).unwrap();
    assert_eq!(back, multi);
}

#[test]
fn xgboost_rows_never_seen_in_training_match_too() {
    let d = data(ROWS, COLS, 0.05, 2);
    let x = Matrix::new(&d.x, d.rows, d.cols).unwrap();
    let model = xgboost::train(&x, &d.regression, &params(&[("max_depth", "4")]), 25, 2).unwrap();
    // Fresh rows, with more missing values (NaN follows each node's default direction).
    let fresh = data(500, COLS, 0.3, 99);
    assert_same_xgb(&model, &Matrix::new(&fresh.x, 500, COLS).unwrap());
}

#[test]
fn lightgbm_regression_binary_multiclass_match_the_library() {
    let d = data(ROWS, COLS, 0.05, 3);
    let x = Matrix::new(&d.x, d.rows, d.cols).unwrap();
    let base = [
        ("num_leaves", "31"),
        ("learning_rate", "0.1"),
        ("seed", "1"),
    ];

    let mut p = params(&base);
    p.push(("objective".into(), "regression".into()));
    let reg = lightgbm::train(&x, &d.regression, &p, 40, 2).unwrap();
    assert_eq!((reg.num_trees(), reg.num_outputs()), (40, 1));
    assert_same_lgbm(&reg, &x);

    let mut p = params(&base);
    p.push(("objective".into(), "binary".into()));
    let bin = lightgbm::train(&x, &d.binary, &p, 30, 2).unwrap();
    assert!(bin.objective().starts_with("binary sigmoid:"));
    assert_same_lgbm(&bin, &x);

    let mut p = params(&base);
    p.push(("objective".into(), "multiclass".into()));
    p.push(("num_class".into(), "3".into()));
    let multi = lightgbm::train(&x, &d.classes3, &p, 20, 1).unwrap();
    assert_eq!((multi.num_trees(), multi.num_outputs()), (60, 3));
    assert_same_lgbm(&multi, &x);

    // Zero as missing (missing type Zero), and random-forest mode (averaged output).
    let mut p = params(&base);
    p.push(("zero_as_missing".into(), "true".into()));
    let zero = lightgbm::train(&x, &d.regression, &p, 20, 2).unwrap();
    assert_same_lgbm(&zero, &x);
    let mut p = params(&base);
    p.extend(params(&[
        ("boosting", "rf"),
        ("bagging_fraction", "0.7"),
        ("bagging_freq", "1"),
    ]));
    let rf = lightgbm::train(&x, &d.regression, &p, 10, 2).unwrap();
    assert_same_lgbm(&rf, &x);

    let fresh = data(500, COLS, 0.3, 98);
    assert_same_lgbm(&multi, &Matrix::new(&fresh.x, 500, COLS).unwrap());

    let back = lightgbm::Model::from_text(multi.text().to_owned()).unwrap();
    assert_eq!(back, multi);
}

#[test]
fn errors_are_reported_not_thrown() {
    let d = data(200, 3, 0.0, 4);
    let x = Matrix::new(&d.x, d.rows, d.cols).unwrap();
    assert!(Matrix::new(&d.x, 7, 3).is_err());
    let err = xgboost::train(&x, &d.regression, &params(&[("max_depth", "-3")]), 2, 1).unwrap_err();
    assert!(
        matches!(&err, Error::Library { library: "xgboost", message }
            if message.contains("max_depth") && !message.contains("Stack trace") && !message.starts_with('[')),
        "{err:?}"
    );
    let err =
        lightgbm::train(&x, &d.regression, &params(&[("num_leaves", "0")]), 2, 1).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Library {
                library: "lightgbm",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(xgboost::train(&x, &d.regression[1..], &[], 2, 1).is_err());
    let mut nan_label = d.regression.clone();
    nan_label[5] = f32::NAN;
    assert!(lightgbm::train(&x, &nan_label, &[], 2, 1).is_err());
    assert!(lightgbm::train(&x, &d.regression, &params(&[("a b", "1")]), 2, 1).is_err());

    let model = xgboost::train(&x, &d.regression, &[], 3, 1).unwrap();
    assert!(model.predict(&[1.0, 2.0], Output::Value).is_err());
    assert!(xgboost::Model::from_json("{}".into()).is_err());
    assert!(lightgbm::Model::from_text("tree\nversion=v4\n".into()).is_err());
    // A truncated model is an error, never a crash.
    let text = lightgbm::train(&x, &d.regression, &[], 3, 1)
        .unwrap()
        .text()
        .to_owned();
    let cut = text.find("Tree=1").unwrap() + 30;
    assert!(lightgbm::Model::from_text(text[..cut].to_owned()).is_err());
    let json = model.json();
    assert!(xgboost::Model::from_json(json[..json.len() / 2].to_owned()).is_err());
}
