//! Models saved here load in the Python packages (`xgboost`, `lightgbm`) and predict the same
//! values there; and models saved by Python load here and predict what Python predicts.
//!
//! Needs a Python with numpy, xgboost and lightgbm: `$PGML_BENCH_VENV/bin/python` (default
//! `$PGML_CACHE/bench-venv`, which `bench/boost_train.sh` sets up). Without one the test
//! prints `skipped:` and passes.
#![allow(clippy::unwrap_used)] // test helpers, outside #[test] functions

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{data, params};
use pgml_boost::{lightgbm, xgboost, Matrix, Output};

const SCRIPT: &str = r#"
import sys, numpy as np, xgboost as xgb, lightgbm as lgb
d = sys.argv[1]
rows, cols = int(sys.argv[2]), int(sys.argv[3])
X = np.fromfile(f"{d}/x.f32", dtype="<f4").reshape(rows, cols)
# Ours, loaded in Python.
for name in ["xgb_reg", "xgb_bin", "xgb_multi"]:
    b = xgb.Booster(model_file=f"{d}/{name}.json")
    b.inplace_predict(X).astype("<f8").tofile(f"{d}/{name}.py")
for name in ["lgb_reg", "lgb_bin", "lgb_multi"]:
    b = lgb.Booster(model_file=f"{d}/{name}.txt")
    b.predict(X).astype("<f8").tofile(f"{d}/{name}.py")
# Python's, for us to load.
y = np.fromfile(f"{d}/y.f32", dtype="<f4")
c = np.fromfile(f"{d}/c3.f32", dtype="<f4")
m = xgb.XGBClassifier(n_estimators=20, max_depth=4, n_jobs=1).fit(X, c)
m.get_booster().save_model(f"{d}/py_xgb.json")
m.predict_proba(X).astype("<f8").tofile(f"{d}/py_xgb.py")
m = lgb.LGBMRegressor(n_estimators=20, verbose=-1, n_jobs=1).fit(X, y)
m.booster_.save_model(f"{d}/py_lgb.txt")
m.predict(X).astype("<f8").tofile(f"{d}/py_lgb.py")
print(xgb.__version__, lgb.__version__)
"#;

fn python() -> Option<PathBuf> {
    let cache = std::env::var("PGML_CACHE").unwrap_or_else(|_| "/var/cache/pgml".into());
    let venv = std::env::var_os("PGML_BENCH_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(&cache).join("bench-venv"));
    let python = venv.join("bin/python");
    let ok = Command::new(&python)
        .args(["-c", "import numpy, xgboost, lightgbm"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(python)
}

fn write_f32(path: &Path, values: &[f32]) {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

fn read_f64(path: &Path) -> Vec<f64> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn ours_xgb(model: &xgboost::Model, x: &Matrix<'_>) -> Vec<f64> {
    (0..x.rows())
        .flat_map(|i| model.predict(x.row(i), Output::Value).unwrap())
        .collect()
}

fn ours_lgb(model: &lightgbm::Model, x: &Matrix<'_>) -> Vec<f64> {
    (0..x.rows())
        .flat_map(|i| model.predict(x.row(i), Output::Value).unwrap())
        .collect()
}

fn assert_close(name: &str, ours: &[f64], theirs: &[f64], tolerance: f64) {
    assert_eq!(ours.len(), theirs.len(), "{name}");
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert!(
            (a - b).abs() <= tolerance * b.abs().max(1.0),
            "{name} value {i}: ours {a}, Python {b}"
        );
    }
}

#[test]
fn models_cross_between_rust_and_python() {
    let Some(python) = python() else {
        println!("skipped: no Python with numpy, xgboost and lightgbm (set PGML_BENCH_VENV)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("pgml-boost-python-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (rows, cols) = (1000, 6);
    let d = data(rows, cols, 0.05, 11);
    let x = Matrix::new(&d.x, rows, cols).unwrap();
    write_f32(&dir.join("x.f32"), &d.x);
    write_f32(&dir.join("y.f32"), &d.regression);
    write_f32(&dir.join("c3.f32"), &d.classes3);

    let multi = params(&[("objective", "multi:softprob"), ("num_class", "3")]);
    let bin = params(&[("objective", "binary:logistic")]);
    let xgb_models = [
        (
            "xgb_reg",
            xgboost::train(&x, &d.regression, &[], 30, 2).unwrap(),
        ),
        (
            "xgb_bin",
            xgboost::train(&x, &d.binary, &bin, 30, 2).unwrap(),
        ),
        (
            "xgb_multi",
            xgboost::train(&x, &d.classes3, &multi, 20, 2).unwrap(),
        ),
    ];
    let multi = params(&[("objective", "multiclass"), ("num_class", "3")]);
    let bin = params(&[("objective", "binary")]);
    let lgb_models = [
        (
            "lgb_reg",
            lightgbm::train(&x, &d.regression, &[], 30, 2).unwrap(),
        ),
        (
            "lgb_bin",
            lightgbm::train(&x, &d.binary, &bin, 30, 2).unwrap(),
        ),
        (
            "lgb_multi",
            lightgbm::train(&x, &d.classes3, &multi, 20, 2).unwrap(),
        ),
    ];
    for (name, m) in &xgb_models {
        std::fs::write(dir.join(format!("{name}.json")), m.json()).unwrap();
    }
    for (name, m) in &lgb_models {
        std::fs::write(dir.join(format!("{name}.txt")), m.text()).unwrap();
    }
    let out = Command::new(&python)
        .args(["-c", SCRIPT])
        .arg(&dir)
        .args([rows.to_string(), cols.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("Python packages: {}", String::from_utf8_lossy(&out.stdout));

    for (name, m) in &xgb_models {
        let theirs = read_f64(&dir.join(format!("{name}.py")));
        // XGBoost predicts in f32 on both sides.
        assert_close(name, &ours_xgb(m, &x), &theirs, 1e-6);
    }
    for (name, m) in &lgb_models {
        let theirs = read_f64(&dir.join(format!("{name}.py")));
        assert_close(name, &ours_lgb(m, &x), &theirs, 1e-12);
    }
    let py_xgb =
        xgboost::Model::from_json(std::fs::read_to_string(dir.join("py_xgb.json")).unwrap())
            .unwrap();
    let theirs = read_f64(&dir.join("py_xgb.py"));
    assert_close("py_xgb", &ours_xgb(&py_xgb, &x), &theirs, 1e-6);
    let py_lgb =
        lightgbm::Model::from_text(std::fs::read_to_string(dir.join("py_lgb.txt")).unwrap())
            .unwrap();
    let theirs = read_f64(&dir.join("py_lgb.py"));
    assert_close("py_lgb", &ours_lgb(&py_lgb, &x), &theirs, 1e-12);
    std::fs::remove_dir_all(&dir).unwrap();
}
