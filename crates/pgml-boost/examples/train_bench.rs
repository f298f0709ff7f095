//! Training time of XGBoost and LightGBM through pgml-boost, on a synthetic table that
//! `bench/boost_train.py` reads too (so Python trains on exactly the same data), plus the
//! one-row prediction time of the Rust evaluator and the batch throughput of the library.
//!
//!   cargo run --release -p pgml-boost --example train_bench -- DIR ROWS THREADS REPEATS
//!
//! Writes DIR/x.f32, DIR/y_reg.f32, DIR/y_clf.f32 (little-endian), then prints one TSV line
//! per measurement: `library task seconds` (median of REPEATS).

use std::error::Error;
use std::time::Instant;

use pgml_boost::{lightgbm, xgboost, Matrix, Output};

const COLS: usize = 20;

fn arg(args: &[String], i: usize, default: &str) -> String {
    args.get(i).cloned().unwrap_or_else(|| default.to_owned())
}

/// The same table as bench/train.sh's: 20 features in [0, 10), a non-linear target.
fn table(rows: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    let (mut x, mut reg, mut clf) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rows {
        let f: Vec<f32> = (0..COLS).map(|_| next() * 10.0).collect();
        let y =
            f[0] * 3.0 - f[1] * 2.0 + f[2] * f[3] + f[4].sin() * 4.0 + f[5] - f[6] * 0.5 + next();
        x.extend_from_slice(&f);
        reg.push(y);
        clf.push(if y > 12.0 {
            2.0
        } else if y > 3.0 {
            1.0
        } else {
            0.0
        });
    }
    (x, reg, clf)
}

fn write(path: &std::path::Path, values: &[f32]) -> std::io::Result<()> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, bytes)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(arg(&args, 1, "/tmp/pgml-boost-bench"));
    let rows: usize = arg(&args, 2, "100000").parse()?;
    let threads: usize = arg(&args, 3, "2").parse()?;
    let repeats: usize = arg(&args, 4, "3").parse()?;
    std::fs::create_dir_all(&dir)?;
    let (x, reg, clf) = table(rows);
    write(&dir.join("x.f32"), &x)?;
    write(&dir.join("y_reg.f32"), &reg)?;
    write(&dir.join("y_clf.f32"), &clf)?;
    let m = Matrix::new(&x, rows, COLS)?;

    let xgb_base = [("max_depth", "6"), ("eta", "0.3"), ("tree_method", "hist")];
    let lgb_base = [("num_leaves", "31"), ("learning_rate", "0.1")];
    let mut xgb_reg = None;
    for (task, y) in [("regression", &reg), ("classification", &clf)] {
        let mut xp = params(&xgb_base);
        let mut lp = params(&lgb_base);
        if task == "classification" {
            xp.extend(params(&[
                ("objective", "multi:softprob"),
                ("num_class", "3"),
            ]));
            lp.extend(params(&[("objective", "multiclass"), ("num_class", "3")]));
        } else {
            lp.extend(params(&[("objective", "regression")]));
        }
        let mut times = Vec::new();
        for _ in 0..repeats {
            let started = Instant::now();
            let model = xgboost::train(&m, y, &xp, 100, threads)?;
            times.push(started.elapsed().as_secs_f64());
            if task == "regression" {
                xgb_reg = Some(model);
            }
        }
        println!("xgboost\t{task}\t{:.3}", median(times));
        let mut times = Vec::new();
        for _ in 0..repeats {
            let started = Instant::now();
            lightgbm::train(&m, y, &lp, 100, threads)?;
            times.push(started.elapsed().as_secs_f64());
        }
        println!("lightgbm\t{task}\t{:.3}", median(times));
    }

    // One-row prediction, 100 trees of depth 6, 20 features (ANCHORS: the C API ~64 us).
    if let Some(model) = xgb_reg {
        let n = 20_000usize;
        let started = Instant::now();
        let mut sum = 0.0;
        let mut out = [0.0f64];
        for i in 0..n {
            model.predict_into(m.row(i % rows), Output::Value, &mut out)?;
            sum += out[0];
        }
        let rust = started.elapsed().as_secs_f64() / n as f64;
        println!("xgboost\tpredict_one_row_rust_us\t{:.3}", rust * 1e6);
        let started = Instant::now();
        let all = model.predict_batch(&m, Output::Value, threads)?;
        println!(
            "xgboost\tpredict_batch_rows_per_s\t{:.0}",
            all.len() as f64 / started.elapsed().as_secs_f64()
        );
        let started = Instant::now();
        for i in 0..rows {
            model.predict_into(m.row(i), Output::Value, &mut out)?;
            sum += out[0];
        }
        println!(
            "xgboost\trust_rows_per_s_one_thread\t{:.0}",
            rows as f64 / started.elapsed().as_secs_f64()
        );
        eprintln!("(checksum {sum})");
    }
    Ok(())
}
