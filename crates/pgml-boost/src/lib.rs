//! XGBoost and LightGBM for pgml: the real libraries, linked statically (XGBoost built from its
//! sources by `build.rs`, LightGBM by `lightgbm3-sys`), behind safe wrappers.
//!
//! - Training from a dense row-major f32 matrix, with the library's own parameters.
//! - The model in the library's own format (XGBoost JSON, LightGBM text), which the Python
//!   packages load as they are.
//! - One-row prediction by a Rust evaluator of the same trees ([`trees`]), equal to the
//!   library's own predictions; batch prediction by the library.
//!
//! Threads: both libraries use OpenMP. Nothing here runs at load time; every call that may use
//! threads takes an explicit thread count (a PostgreSQL backend must not get an OpenMP pool
//! it did not ask for).

pub mod lightgbm;
mod shared_trees;
mod trees;
mod xgb_ffi;
pub mod xgboost;

pub use shared_trees::share_trees_in;

/// What can go wrong.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    /// Training stopped because the caller asked (see `xgboost::train_until`).
    #[error("training interrupted")]
    Interrupted,
    /// The library refused (its own message).
    #[error("{library}: {message}")]
    Library {
        library: &'static str,
        message: String,
    },
    /// Bad input from the caller (shapes, labels, parameters).
    #[error("{0}")]
    Invalid(String),
    /// A saved model that cannot be read.
    #[error("cannot read the {library} model: {message}")]
    Model {
        library: &'static str,
        message: String,
    },
}

/// Result of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// A dense row-major matrix of f32 (NaN = missing), borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Matrix<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
}

impl<'a> Matrix<'a> {
    /// `data` holds `rows * cols` values, row after row.
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> Result<Self> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(Error::Invalid(format!(
                "{} values do not make a {rows} x {cols} matrix",
                data.len()
            )));
        }
        if cols == 0 || cols > i32::MAX as usize || rows > i32::MAX as usize {
            return Err(Error::Invalid(format!(
                "a {rows} x {cols} matrix is out of range"
            )));
        }
        Ok(Matrix { data, rows, cols })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (features).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    fn data(&self) -> &'a [f32] {
        self.data
    }
}

/// Which output a prediction gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// The raw sum of the trees (before the link function).
    Margin,
    /// The model's prediction: the value, the probability of class 1, or the probability of
    /// each class.
    Value,
}

/// The link function between summed trees and prediction, from the model's objective.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Link {
    /// Regression: as summed.
    Identity,
    /// `1 / (1 + exp(-scale * x))`: binary classification, logistic regression.
    Sigmoid(f64),
    /// `exp(x)`: Poisson, gamma, Tweedie.
    Exp,
    /// Softmax over the outputs: multi-class classification.
    Softmax,
}

impl Link {
    /// Applies the link in f32, as XGBoost does.
    fn apply_f32(self, out: &mut [f64]) {
        match self {
            Link::Identity => {}
            Link::Sigmoid(_) => {
                for o in out {
                    // XGBoost's common::Sigmoid(float).
                    let x = (-(*o as f32)).min(88.7);
                    *o = (1.0f32 / (x.exp() + 1.0 + 1e-16)) as f64;
                }
            }
            Link::Exp => {
                for o in out {
                    *o = (*o as f32).exp() as f64;
                }
            }
            Link::Softmax => {
                let max = out
                    .iter()
                    .map(|&o| o as f32)
                    .fold(f32::NEG_INFINITY, f32::max);
                let mut sum = 0.0f64;
                for o in out.iter_mut() {
                    let e = (*o as f32 - max).exp();
                    *o = e as f64;
                    sum += e as f64;
                }
                for o in out.iter_mut() {
                    *o = (*o as f32 / sum as f32) as f64;
                }
            }
        }
    }

    /// Applies the link in f64, as LightGBM does.
    fn apply_f64(self, out: &mut [f64]) {
        match self {
            Link::Identity => {}
            Link::Sigmoid(scale) => {
                for o in out {
                    *o = 1.0 / (1.0 + (-scale * *o).exp());
                }
            }
            Link::Exp => {
                for o in out {
                    *o = o.exp();
                }
            }
            Link::Softmax => {
                let max = out.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let mut sum = 0.0;
                for o in out.iter_mut() {
                    *o = (*o - max).exp();
                    sum += *o;
                }
                for o in out.iter_mut() {
                    *o /= sum;
                }
            }
        }
    }
}

/// Checks one row against the model's feature count.
fn check_row(row: &[f32], num_features: usize) -> Result<()> {
    if row.len() != num_features {
        return Err(Error::Invalid(format!(
            "the model takes {num_features} features, got {}",
            row.len()
        )));
    }
    Ok(())
}

/// Checks the labels of a training matrix.
fn check_labels(x: &Matrix<'_>, labels: &[f32]) -> Result<()> {
    if labels.len() != x.rows() {
        return Err(Error::Invalid(format!(
            "{} labels for {} rows",
            labels.len(),
            x.rows()
        )));
    }
    if x.rows() == 0 {
        return Err(Error::Invalid("no rows to train on".into()));
    }
    if let Some(i) = labels.iter().position(|l| !l.is_finite()) {
        return Err(Error::Invalid(format!(
            "label {} of row {} is not a finite number",
            labels[i],
            i + 1
        )));
    }
    Ok(())
}
