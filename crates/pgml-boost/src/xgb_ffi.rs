//! The few functions of XGBoost's C API (`include/xgboost/c_api.h`, 3.4.1) that pgml calls,
//! declared by hand. Each returns 0 on success and -1 on failure, with the message in
//! `XGBGetLastError` (thread-local); none lets a C++ exception out.

use std::os::raw::{c_char, c_float, c_int, c_void};

pub type BstUlong = u64;
pub type DMatrixHandle = *mut c_void;
pub type BoosterHandle = *mut c_void;

extern "C" {
    pub fn XGBoostVersion(major: *mut c_int, minor: *mut c_int, patch: *mut c_int);
    pub fn XGBGetLastError() -> *const c_char;
    pub fn XGBSetGlobalConfig(config: *const c_char) -> c_int;

    pub fn XGDMatrixCreateFromMat_omp(
        data: *const c_float,
        nrow: BstUlong,
        ncol: BstUlong,
        missing: c_float,
        out: *mut DMatrixHandle,
        nthread: c_int,
    ) -> c_int;
    pub fn XGDMatrixSetFloatInfo(
        handle: DMatrixHandle,
        field: *const c_char,
        array: *const c_float,
        len: BstUlong,
    ) -> c_int;
    pub fn XGDMatrixFree(handle: DMatrixHandle) -> c_int;

    pub fn XGBoosterCreate(
        dmats: *const DMatrixHandle,
        len: BstUlong,
        out: *mut BoosterHandle,
    ) -> c_int;
    pub fn XGBoosterFree(handle: BoosterHandle) -> c_int;
    pub fn XGBoosterSetParam(
        handle: BoosterHandle,
        name: *const c_char,
        value: *const c_char,
    ) -> c_int;
    pub fn XGBoosterUpdateOneIter(
        handle: BoosterHandle,
        iter: c_int,
        dtrain: DMatrixHandle,
    ) -> c_int;
    pub fn XGBoosterSaveModelToBuffer(
        handle: BoosterHandle,
        config: *const c_char,
        out_len: *mut BstUlong,
        out_dptr: *mut *const c_char,
    ) -> c_int;
    pub fn XGBoosterLoadModelFromBuffer(
        handle: BoosterHandle,
        buf: *const c_void,
        len: BstUlong,
    ) -> c_int;
    pub fn XGBoosterPredictFromDense(
        handle: BoosterHandle,
        values: *const c_char,
        config: *const c_char,
        m: DMatrixHandle,
        out_shape: *mut *const BstUlong,
        out_dim: *mut BstUlong,
        out_result: *mut *const c_float,
    ) -> c_int;
}
