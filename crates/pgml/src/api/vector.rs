//! PostgresML's vector functions on `real[]` and `float8[]` (`pgml_nlp::vector`): element-wise
//! arithmetic, norms, normalisation, distances, and the element-wise aggregates `pgml.sum`,
//! `pgml.min`, `pgml.max`, `pgml.min_abs`, `pgml.max_abs`. Names, argument names (including
//! PostgresML's `subtahend`) and overloads are PostgresML 2.x's.
//!
//! Arrays are read in place (no copy of the elements); a NULL element is an error (22004), as
//! is an array of more than one dimension (2202E).

use pgml_core::{Error, Result, SqlState};
use pgml_nlp::vector::{self as v, Accumulator, Aggregate as Elementwise, Float};
use pgrx::array::RawArray;
use pgrx::datum::{Internal, UnboxDatum};
use pgrx::prelude::*;

use crate::error::OrRaise;

/// The error for a NULL element, 1-based like SQL subscripts.
fn null_element(position: usize) -> Error {
    Error::sql(
        SqlState::NullValueNotAllowed,
        format!("array element {position} is NULL"),
        "vector functions need a value in every element; replace NULLs first (e.g. with \
         coalesce)",
    )
}

/// The elements of `array`, borrowed from PostgreSQL's (detoasted) copy: it must have at most
/// one dimension and no NULL.
fn elements<'a, T: UnboxDatum + Float>(array: Array<'a, T>) -> Result<&'a [T]> {
    if array.contains_nulls() {
        let at = array.iter().position(|x| x.is_none()).unwrap_or(0);
        return Err(null_element(at + 1));
    }
    // SAFETY: pgrx built `array` from this function's T[] argument, detoasted: the
    // ArrayType `from_array` requires. Consuming `array` leaves that detoasted copy allocated
    // in the call's memory context, which outlives 'a.
    let Some(mut raw) = (unsafe { RawArray::from_array(array) }) else {
        return Ok(&[]);
    };
    if raw.dims().len() > 1 {
        return Err(Error::sql(
            SqlState::ArraySubscriptError,
            format!(
                "expected a one-dimensional array, got {} dimensions",
                raw.dims().len()
            ),
            "vectors are one-dimensional arrays; flatten it first (e.g. array(select unnest(a)))",
        ));
    }
    // SAFETY: the elements are T (the SQL signature's element type, a fixed-size
    // pass-by-value type) and none is NULL, so the data area is `len` aligned, initialised Ts.
    Ok(unsafe { raw.data::<T>().as_ref() })
}

/// [`elements`], or the error raised for `function`.
fn vector<'a, T: UnboxDatum + Float>(array: Array<'a, T>, function: &'static str) -> &'a [T] {
    elements(array).or_raise(function)
}

// Element-wise with a scalar.

/// `pgml.add(vector real[], addend real)`: `addend` added to each element.
#[pg_extern(immutable, strict, parallel_safe, name = "add")]
fn add_scalar_s(vector: Array<'_, f32>, addend: f32) -> Vec<f32> {
    v::add_scalar(self::vector(vector, "pgml.add"), addend)
}

/// `pgml.add(vector float8[], addend float8)`.
#[pg_extern(immutable, strict, parallel_safe, name = "add")]
fn add_scalar_d(vector: Array<'_, f64>, addend: f64) -> Vec<f64> {
    v::add_scalar(self::vector(vector, "pgml.add"), addend)
}

/// `pgml.subtract(vector real[], subtahend real)` (PostgresML's spelling of the argument).
#[pg_extern(immutable, strict, parallel_safe, name = "subtract")]
fn subtract_scalar_s(vector: Array<'_, f32>, subtahend: f32) -> Vec<f32> {
    v::subtract_scalar(self::vector(vector, "pgml.subtract"), subtahend)
}

/// `pgml.subtract(vector float8[], subtahend float8)`.
#[pg_extern(immutable, strict, parallel_safe, name = "subtract")]
fn subtract_scalar_d(vector: Array<'_, f64>, subtahend: f64) -> Vec<f64> {
    v::subtract_scalar(self::vector(vector, "pgml.subtract"), subtahend)
}

/// `pgml.multiply(vector real[], multiplicand real)`.
#[pg_extern(immutable, strict, parallel_safe, name = "multiply")]
fn multiply_scalar_s(vector: Array<'_, f32>, multiplicand: f32) -> Vec<f32> {
    v::multiply_scalar(self::vector(vector, "pgml.multiply"), multiplicand)
}

/// `pgml.multiply(vector float8[], multiplicand float8)`.
#[pg_extern(immutable, strict, parallel_safe, name = "multiply")]
fn multiply_scalar_d(vector: Array<'_, f64>, multiplicand: f64) -> Vec<f64> {
    v::multiply_scalar(self::vector(vector, "pgml.multiply"), multiplicand)
}

/// `pgml.divide(vector real[], dividend real)`: each element divided by `dividend` (IEEE:
/// by zero gives ±Infinity or NaN).
#[pg_extern(immutable, strict, parallel_safe, name = "divide")]
fn divide_scalar_s(vector: Array<'_, f32>, dividend: f32) -> Vec<f32> {
    v::divide_scalar(self::vector(vector, "pgml.divide"), dividend)
}

/// `pgml.divide(vector float8[], dividend float8)`.
#[pg_extern(immutable, strict, parallel_safe, name = "divide")]
fn divide_scalar_d(vector: Array<'_, f64>, dividend: f64) -> Vec<f64> {
    v::divide_scalar(self::vector(vector, "pgml.divide"), dividend)
}

// Element-wise between two arrays of the same length.

/// `pgml.add(vector real[], addend real[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "add")]
fn add_vector_s(vector: Array<'_, f32>, addend: Array<'_, f32>) -> Vec<f32> {
    let f = "pgml.add";
    v::add(self::vector(vector, f), self::vector(addend, f)).or_raise(f)
}

/// `pgml.add(vector float8[], addend float8[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "add")]
fn add_vector_d(vector: Array<'_, f64>, addend: Array<'_, f64>) -> Vec<f64> {
    let f = "pgml.add";
    v::add(self::vector(vector, f), self::vector(addend, f)).or_raise(f)
}

/// `pgml.subtract(vector real[], subtahend real[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "subtract")]
fn subtract_vector_s(vector: Array<'_, f32>, subtahend: Array<'_, f32>) -> Vec<f32> {
    let f = "pgml.subtract";
    v::subtract(self::vector(vector, f), self::vector(subtahend, f)).or_raise(f)
}

/// `pgml.subtract(vector float8[], subtahend float8[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "subtract")]
fn subtract_vector_d(vector: Array<'_, f64>, subtahend: Array<'_, f64>) -> Vec<f64> {
    let f = "pgml.subtract";
    v::subtract(self::vector(vector, f), self::vector(subtahend, f)).or_raise(f)
}

/// `pgml.multiply(vector real[], multiplicand real[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "multiply")]
fn multiply_vector_s(vector: Array<'_, f32>, multiplicand: Array<'_, f32>) -> Vec<f32> {
    let f = "pgml.multiply";
    v::multiply(self::vector(vector, f), self::vector(multiplicand, f)).or_raise(f)
}

/// `pgml.multiply(vector float8[], multiplicand float8[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "multiply")]
fn multiply_vector_d(vector: Array<'_, f64>, multiplicand: Array<'_, f64>) -> Vec<f64> {
    let f = "pgml.multiply";
    v::multiply(self::vector(vector, f), self::vector(multiplicand, f)).or_raise(f)
}

/// `pgml.divide(vector real[], dividend real[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "divide")]
fn divide_vector_s(vector: Array<'_, f32>, dividend: Array<'_, f32>) -> Vec<f32> {
    let f = "pgml.divide";
    v::divide(self::vector(vector, f), self::vector(dividend, f)).or_raise(f)
}

/// `pgml.divide(vector float8[], dividend float8[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "divide")]
fn divide_vector_d(vector: Array<'_, f64>, dividend: Array<'_, f64>) -> Vec<f64> {
    let f = "pgml.divide";
    v::divide(self::vector(vector, f), self::vector(dividend, f)).or_raise(f)
}

// Norms and normalisation.

/// `pgml.norm_l0(vector real[])`: the number of non-zero elements.
#[pg_extern(immutable, strict, parallel_safe, name = "norm_l0")]
fn norm_l0_s(vector: Array<'_, f32>) -> f32 {
    v::norm_l0(self::vector(vector, "pgml.norm_l0"))
}

/// `pgml.norm_l0(vector float8[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "norm_l0")]
fn norm_l0_d(vector: Array<'_, f64>) -> f64 {
    v::norm_l0(self::vector(vector, "pgml.norm_l0"))
}

/// `pgml.norm_l1(vector real[])`: the sum of absolute values.
#[pg_extern(immutable, strict, parallel_safe, name = "norm_l1")]
fn norm_l1_s(vector: Array<'_, f32>) -> f32 {
    v::norm_l1(self::vector(vector, "pgml.norm_l1"))
}

/// `pgml.norm_l1(vector float8[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "norm_l1")]
fn norm_l1_d(vector: Array<'_, f64>) -> f64 {
    v::norm_l1(self::vector(vector, "pgml.norm_l1"))
}

/// `pgml.norm_l2(vector real[])`: the Euclidean length.
#[pg_extern(immutable, strict, parallel_safe, name = "norm_l2")]
fn norm_l2_s(vector: Array<'_, f32>) -> f32 {
    v::norm_l2(self::vector(vector, "pgml.norm_l2"))
}

/// `pgml.norm_l2(vector float8[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "norm_l2")]
fn norm_l2_d(vector: Array<'_, f64>) -> f64 {
    v::norm_l2(self::vector(vector, "pgml.norm_l2"))
}

/// `pgml.norm_max(vector real[])`: the largest absolute value.
#[pg_extern(immutable, strict, parallel_safe, name = "norm_max")]
fn norm_max_s(vector: Array<'_, f32>) -> f32 {
    v::norm_max(self::vector(vector, "pgml.norm_max"))
}

/// `pgml.norm_max(vector float8[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "norm_max")]
fn norm_max_d(vector: Array<'_, f64>) -> f64 {
    v::norm_max(self::vector(vector, "pgml.norm_max"))
}

/// `pgml.normalize_l1(vector real[])`: divided by its L1 norm (a zero vector stays zero).
#[pg_extern(immutable, strict, parallel_safe, name = "normalize_l1")]
fn normalize_l1_s(vector: Array<'_, f32>) -> Vec<f32> {
    v::normalize_l1(self::vector(vector, "pgml.normalize_l1"))
}

/// `pgml.normalize_l1(vector float8[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "normalize_l1")]
fn normalize_l1_d(vector: Array<'_, f64>) -> Vec<f64> {
    v::normalize_l1(self::vector(vector, "pgml.normalize_l1"))
}

/// `pgml.normalize_l2(vector real[])`: unit length (a zero vector stays zero).
#[pg_extern(immutable, strict, parallel_safe, name = "normalize_l2")]
fn normalize_l2_s(vector: Array<'_, f32>) -> Vec<f32> {
    v::normalize_l2(self::vector(vector, "pgml.normalize_l2"))
}

/// `pgml.normalize_l2(vector float8[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "normalize_l2")]
fn normalize_l2_d(vector: Array<'_, f64>) -> Vec<f64> {
    v::normalize_l2(self::vector(vector, "pgml.normalize_l2"))
}

/// `pgml.normalize_max(vector real[])`: divided by its largest absolute value.
#[pg_extern(immutable, strict, parallel_safe, name = "normalize_max")]
fn normalize_max_s(vector: Array<'_, f32>) -> Vec<f32> {
    v::normalize_max(self::vector(vector, "pgml.normalize_max"))
}

/// `pgml.normalize_max(vector float8[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "normalize_max")]
fn normalize_max_d(vector: Array<'_, f64>) -> Vec<f64> {
    v::normalize_max(self::vector(vector, "pgml.normalize_max"))
}

// Between two vectors.

/// `pgml.distance_l1(vector real[], other real[])`: Manhattan distance.
#[pg_extern(immutable, strict, parallel_safe, name = "distance_l1")]
fn distance_l1_s(vector: Array<'_, f32>, other: Array<'_, f32>) -> f32 {
    let f = "pgml.distance_l1";
    v::distance_l1(self::vector(vector, f), self::vector(other, f)).or_raise(f)
}

/// `pgml.distance_l1(vector float8[], other float8[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "distance_l1")]
fn distance_l1_d(vector: Array<'_, f64>, other: Array<'_, f64>) -> f64 {
    let f = "pgml.distance_l1";
    v::distance_l1(self::vector(vector, f), self::vector(other, f)).or_raise(f)
}

/// `pgml.distance_l2(vector real[], other real[])`: Euclidean distance.
#[pg_extern(immutable, strict, parallel_safe, name = "distance_l2")]
fn distance_l2_s(vector: Array<'_, f32>, other: Array<'_, f32>) -> f32 {
    let f = "pgml.distance_l2";
    v::distance_l2(self::vector(vector, f), self::vector(other, f)).or_raise(f)
}

/// `pgml.distance_l2(vector float8[], other float8[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "distance_l2")]
fn distance_l2_d(vector: Array<'_, f64>, other: Array<'_, f64>) -> f64 {
    let f = "pgml.distance_l2";
    v::distance_l2(self::vector(vector, f), self::vector(other, f)).or_raise(f)
}

/// `pgml.dot_product(vector real[], other real[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "dot_product")]
fn dot_product_s(vector: Array<'_, f32>, other: Array<'_, f32>) -> f32 {
    let f = "pgml.dot_product";
    v::dot_product(self::vector(vector, f), self::vector(other, f)).or_raise(f)
}

/// `pgml.dot_product(vector float8[], other float8[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "dot_product")]
fn dot_product_d(vector: Array<'_, f64>, other: Array<'_, f64>) -> f64 {
    let f = "pgml.dot_product";
    v::dot_product(self::vector(vector, f), self::vector(other, f)).or_raise(f)
}

/// `pgml.cosine_similarity(vector real[], other real[])`: 0 if either is a zero vector.
#[pg_extern(immutable, strict, parallel_safe, name = "cosine_similarity")]
fn cosine_similarity_s(vector: Array<'_, f32>, other: Array<'_, f32>) -> f32 {
    let f = "pgml.cosine_similarity";
    v::cosine_similarity(self::vector(vector, f), self::vector(other, f)).or_raise(f)
}

/// `pgml.cosine_similarity(vector float8[], other float8[])`.
#[pg_extern(immutable, strict, parallel_safe, name = "cosine_similarity")]
fn cosine_similarity_d(vector: Array<'_, f64>, other: Array<'_, f64>) -> f64 {
    let f = "pgml.cosine_similarity";
    v::cosine_similarity(self::vector(vector, f), self::vector(other, f)).or_raise(f)
}

// Element-wise aggregates. The state is an `Accumulator` (f64 values) in the aggregate's
// memory context, passed as `internal`: no array is built per row, only the result. Without
// serialisation functions PostgreSQL does not split these across parallel workers.
//
// pgrx cannot hand an aggregate a borrowed `Array` (its transition functions need 'static,
// unwind-safe arguments), so rows arrive as `Vec<Option<T>>`: one copy per row, and the
// array's dimensions are not visible; a multi-dimensional array counts as its elements in
// storage order (as in PostgresML).

/// Folds one row into the state (NULL rows are skipped, as SQL aggregates do).
fn accumulate<T: Float>(
    mut state: Internal,
    row: Option<Vec<Option<T>>>,
    aggregate: Elementwise,
) -> Internal {
    let Some(row) = row else {
        return state;
    };
    let values: Vec<T> = row
        .into_iter()
        .enumerate()
        .map(|(i, x)| x.ok_or_else(|| null_element(i + 1)))
        .collect::<Result<_>>()
        .or_raise(aggregate.name());
    // SAFETY: this aggregate's state is only ever an `Accumulator`, created here in the
    // aggregate memory context (pgrx runs transition functions in it).
    let accumulator = unsafe { state.get_or_insert_with(|| Accumulator::new(aggregate)) };
    accumulator.add(&values).or_raise(aggregate.name());
    state
}

/// Merges two partial states (partial aggregation).
fn combine_states(mut first: Internal, second: Internal, aggregate: Elementwise) -> Internal {
    // SAFETY: both states are `Accumulator`s made by `accumulate`.
    let Some(theirs) = (unsafe { second.get::<Accumulator>() }) else {
        return first;
    };
    // SAFETY: as above; a missing first state is allocated in the aggregate memory context.
    let ours = unsafe { first.get_or_insert_with(|| Accumulator::new(aggregate)) };
    ours.combine(theirs).or_raise(aggregate.name());
    first
}

/// The result: NULL for no rows (or only NULL rows).
fn finish<T: Float>(state: Internal) -> Option<Vec<T>> {
    // SAFETY: the state is an `Accumulator` made by `accumulate`, or uninitialised.
    unsafe { state.get::<Accumulator>() }.and_then(|accumulator| accumulator.values::<T>())
}

/// Declares one element-wise aggregate for one element type.
macro_rules! elementwise_aggregate {
    ($ty:ident, $elem:ty, $aggregate:expr) => {
        #[pg_aggregate]
        impl Aggregate<$ty> for $ty {
            type State = Internal;
            type Args = Option<Vec<Option<$elem>>>;
            type Finalize = Option<Vec<$elem>>;
            const PARALLEL: Option<ParallelOption> = Some(ParallelOption::Safe);

            #[pgrx(immutable, parallel_safe)]
            fn state(
                current: Self::State,
                row: Self::Args,
                _fcinfo: pg_sys::FunctionCallInfo,
            ) -> Self::State {
                accumulate(current, row, $aggregate)
            }

            #[pgrx(immutable, parallel_safe)]
            fn combine(
                first: Self::State,
                second: Self::State,
                _fcinfo: pg_sys::FunctionCallInfo,
            ) -> Self::State {
                combine_states(first, second, $aggregate)
            }

            #[pgrx(immutable, parallel_safe)]
            fn finalize(
                current: Self::State,
                _direct_args: Self::OrderedSetArgs,
                _fcinfo: pg_sys::FunctionCallInfo,
            ) -> Self::Finalize {
                finish(current)
            }
        }
    };
}

/// `pgml.sum(real[])`: element-wise sum over rows (accumulated in f64).
#[derive(AggregateName)]
#[aggregate_name = "sum"]
pub struct SumS;
elementwise_aggregate!(SumS, f32, Elementwise::Sum);

/// `pgml.sum(float8[])`.
#[derive(AggregateName)]
#[aggregate_name = "sum"]
pub struct SumD;
elementwise_aggregate!(SumD, f64, Elementwise::Sum);

/// `pgml.min(real[])`: element-wise minimum over rows.
#[derive(AggregateName)]
#[aggregate_name = "min"]
pub struct MinS;
elementwise_aggregate!(MinS, f32, Elementwise::Min);

/// `pgml.min(float8[])`.
#[derive(AggregateName)]
#[aggregate_name = "min"]
pub struct MinD;
elementwise_aggregate!(MinD, f64, Elementwise::Min);

/// `pgml.max(real[])`: element-wise maximum over rows.
#[derive(AggregateName)]
#[aggregate_name = "max"]
pub struct MaxS;
elementwise_aggregate!(MaxS, f32, Elementwise::Max);

/// `pgml.max(float8[])`.
#[derive(AggregateName)]
#[aggregate_name = "max"]
pub struct MaxD;
elementwise_aggregate!(MaxD, f64, Elementwise::Max);

/// `pgml.min_abs(real[])`: element-wise smallest absolute value over rows.
#[derive(AggregateName)]
#[aggregate_name = "min_abs"]
pub struct MinAbsS;
elementwise_aggregate!(MinAbsS, f32, Elementwise::MinAbs);

/// `pgml.min_abs(float8[])`.
#[derive(AggregateName)]
#[aggregate_name = "min_abs"]
pub struct MinAbsD;
elementwise_aggregate!(MinAbsD, f64, Elementwise::MinAbs);

/// `pgml.max_abs(real[])`: element-wise largest absolute value over rows.
#[derive(AggregateName)]
#[aggregate_name = "max_abs"]
pub struct MaxAbsS;
elementwise_aggregate!(MaxAbsS, f32, Elementwise::MaxAbs);

/// `pgml.max_abs(float8[])`.
#[derive(AggregateName)]
#[aggregate_name = "max_abs"]
pub struct MaxAbsD;
elementwise_aggregate!(MaxAbsD, f64, Elementwise::MaxAbs);
