//! A minimal PostgreSQL 15 module (no pgrx) that links pgml-boost, to prove that the static
//! XGBoost and LightGBM load in a backend with no extra shared object, and train there with
//! OpenMP threads after the postmaster's fork:
//!
//!   cargo build --release -p pgml-boost --example pg_load_check
//!   CREATE FUNCTION boost_check() RETURNS int
//!     AS '<target>/release/examples/libpg_load_check.so', 'boost_check' LANGUAGE C;
//!   SELECT boost_check();   -- 1 when both libraries trained and predicted correctly
//!
//! Returns -1 (never panics across the C boundary) on any failure.

use std::os::raw::{c_char, c_int, c_void};

use pgml_boost::{lightgbm, xgboost, Matrix, Output};

#[repr(C)]
pub struct PgMagic {
    len: c_int,
    version: c_int,
    funcmaxargs: c_int,
    indexmaxkeys: c_int,
    namedatalen: c_int,
    float8byval: c_int,
    abi_extra: [c_char; 32],
}

const fn abi_extra() -> [c_char; 32] {
    let mut out = [0 as c_char; 32];
    let name = b"PostgreSQL";
    let mut i = 0;
    while i < name.len() {
        out[i] = name[i] as c_char;
        i += 1;
    }
    out
}

static MAGIC: PgMagic = PgMagic {
    len: std::mem::size_of::<PgMagic>() as c_int,
    version: 1500,
    funcmaxargs: 100,
    indexmaxkeys: 32,
    namedatalen: 64,
    float8byval: 1,
    abi_extra: abi_extra(),
};

/// PG_MODULE_MAGIC
#[no_mangle]
pub extern "C" fn Pg_magic_func() -> *const PgMagic {
    &MAGIC
}

#[repr(C)]
pub struct FinfoRecord {
    api_version: c_int,
}

static FINFO_V1: FinfoRecord = FinfoRecord { api_version: 1 };

/// PG_FUNCTION_INFO_V1(boost_check)
#[no_mangle]
pub extern "C" fn pg_finfo_boost_check() -> *const FinfoRecord {
    &FINFO_V1
}

fn check() -> Result<bool, pgml_boost::Error> {
    let rows = 2000;
    let x: Vec<f32> = (0..rows * 4)
        .map(|i| ((i * 7919) % 1000) as f32 / 100.0)
        .collect();
    let y: Vec<f32> = x
        .chunks(4)
        .map(|r| r[0] * 2.0 - r[1] + r[2] * r[3] / 10.0)
        .collect();
    let m = Matrix::new(&x, rows, 4)?;
    let xgb = xgboost::train(&m, &y, &[], 20, 2)?;
    let lgb = lightgbm::train(&m, &y, &[], 20, 2)?;
    let xb = xgb.predict_batch(&m, Output::Value, 2)?;
    let lb = lgb.predict_batch(&m, Output::Value, 2)?;
    let same = (0..rows).all(|i| {
        let ours_x = xgb
            .predict(m.row(i), Output::Value)
            .map_or(f64::NAN, |v| v[0]);
        let ours_l = lgb
            .predict(m.row(i), Output::Value)
            .map_or(f64::NAN, |v| v[0]);
        ours_x as f32 == xb[i] && ours_l == lb[i]
    });
    Ok(same && xgb.num_trees() == 20 && lgb.num_trees() == 20)
}

/// `boost_check() RETURNS int`: 1 if both libraries trained and predicted as expected.
#[no_mangle]
pub extern "C" fn boost_check(_fcinfo: *mut c_void) -> usize {
    match std::panic::catch_unwind(check) {
        Ok(Ok(true)) => 1,
        Ok(Ok(false)) => 0,
        _ => (-1i64) as usize,
    }
}
