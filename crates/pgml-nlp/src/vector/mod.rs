//! Vector math on `real[]` (f32) and `float8[]` (f64): PostgresML 2.x's `pgml.add`,
//! `pgml.norm_l2`, `pgml.cosine_similarity`, ..., and the element-wise aggregates `pgml.sum`,
//! `pgml.min`, `pgml.max`, `pgml.min_abs`, `pgml.max_abs`.
//!
//! PostgresML called BLAS for the reductions; here they are plain Rust written so that LLVM
//! vectorises them: reductions keep [`LANES`] independent accumulators over `chunks_exact`
//! (one SIMD register's worth each for f32 on SSE2, two for f64), element-wise maps are
//! `zip`/`map` over slices. The f32 functions accumulate in f32, as BLAS's `sdot`/`snrm2` do:
//! with 8 partial sums the rounding error of a 1536-element dot product stays around 1e-6
//! relative. The aggregates accumulate in f64 whatever the input, since they may add millions
//! of rows.
//!
//! Edge cases, decided here (PostgresML's answer in brackets):
//! - Arrays of different lengths: error 2202E naming both lengths [silently truncated to the
//!   shorter one, or BLAS reading past the end].
//! - Zero vector: `normalize_*` returns it unchanged (all zeros) and `cosine_similarity` is 0,
//!   as PyTorch's `F.normalize` / `F.cosine_similarity` give [NaN: 0/0]. A NaN would sort
//!   first in `ORDER BY similarity DESC` and poison sums of normalised vectors.
//! - Division by zero (`divide`): IEEE 754, as in numpy and PostgresML: ±Infinity, or NaN for
//!   0/0. No error, so one zero does not abort a query over a table.
//! - NaN inputs propagate (norms, distances, and the element-wise `min`/`max` aggregates, like
//!   numpy's `minimum`/`maximum`).
//! - Empty arrays: norms, distances and dot products are 0, cosine similarity is 0,
//!   element-wise results are empty.
//! - `norm_l2` (and so `distance_l2`, `normalize_l2`, `cosine_similarity`) rescales when the
//!   sum of squares overflows or underflows, as BLAS's `nrm2` does, so `[1e30]::real[]` has
//!   norm 1e30, not Infinity.

use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Sub};

use pgml_core::{Error, Result, SqlState};

/// Independent partial sums per reduction: 8 f32 = two SSE registers, one AVX register.
pub const LANES: usize = 8;

/// f32 or f64.
pub trait Float:
    Copy
    + Debug
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Send
    + Sync
    + 'static
{
    /// 0
    const ZERO: Self;
    /// 1
    const ONE: Self;
    /// Smallest positive normal value: a sum of squares below it has lost precision.
    const MIN_POSITIVE: Self;
    /// |x|
    fn abs(self) -> Self;
    /// √x
    fn sqrt(self) -> Self;
    /// Whether neither infinite nor NaN.
    fn is_finite(self) -> bool;
    /// Whether NaN.
    fn is_nan(self) -> bool;
    /// Exact widening (f32) or identity (f64).
    fn to_f64(self) -> f64;
    /// Rounds to nearest (f32) or identity (f64).
    fn from_f64(value: f64) -> Self;
}

macro_rules! impl_float {
    ($t:ty) => {
        impl Float for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const MIN_POSITIVE: Self = <$t>::MIN_POSITIVE;
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(value: f64) -> Self {
                value as $t
            }
        }
    };
}
impl_float!(f32);
impl_float!(f64);

/// The larger of two, NaN if either is NaN (numpy's `maximum`).
#[inline(always)]
fn max_nan<T: Float>(a: T, b: T) -> T {
    if a > b || a.is_nan() {
        a
    } else {
        b
    }
}

/// The smaller of two, NaN if either is NaN (numpy's `minimum`).
#[inline(always)]
fn min_nan<T: Float>(a: T, b: T) -> T {
    if a < b || a.is_nan() {
        a
    } else {
        b
    }
}

/// Finite and not below the smallest normal magnitude: a result computed without overflow,
/// underflow or precision lost to subnormals.
#[inline(always)]
fn in_range<T: Float>(x: T) -> bool {
    x.is_finite() && x.abs() >= T::MIN_POSITIVE
}

/// The error for arrays that should have the same length.
fn length_mismatch(left: usize, right: usize) -> Error {
    Error::sql(
        SqlState::ArraySubscriptError,
        format!("arrays of different lengths: {left} and {right}"),
        "element-wise operations need arrays with the same number of elements",
    )
}

fn same_length<T>(a: &[T], b: &[T]) -> Result<()> {
    if a.len() == b.len() {
        Ok(())
    } else {
        Err(length_mismatch(a.len(), b.len()))
    }
}

/// Σ term(aᵢ) with [`LANES`] partial sums.
#[inline(always)]
fn sum_map<T: Float>(a: &[T], term: impl Fn(T) -> T) -> T {
    let chunks = a.chunks_exact(LANES);
    let tail = chunks.remainder();
    let mut acc = [T::ZERO; LANES];
    for chunk in chunks {
        for lane in 0..LANES {
            acc[lane] = acc[lane] + term(chunk[lane]);
        }
    }
    let mut rest = T::ZERO;
    for &x in tail {
        rest = rest + term(x);
    }
    combine_lanes(acc, Add::add) + rest
}

/// Σ term(aᵢ, bᵢ) with [`LANES`] partial sums; `a` and `b` have the same length.
#[inline(always)]
fn sum_zip<T: Float>(a: &[T], b: &[T], term: impl Fn(T, T) -> T) -> T {
    let (chunks_a, chunks_b) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (tail_a, tail_b) = (chunks_a.remainder(), chunks_b.remainder());
    let mut acc = [T::ZERO; LANES];
    for (x, y) in chunks_a.zip(chunks_b) {
        for lane in 0..LANES {
            acc[lane] = acc[lane] + term(x[lane], y[lane]);
        }
    }
    let mut rest = T::ZERO;
    for (&x, &y) in tail_a.iter().zip(tail_b) {
        rest = rest + term(x, y);
    }
    combine_lanes(acc, Add::add) + rest
}

/// Pairwise combination of the lanes (also keeps the rounding error down).
#[inline(always)]
fn combine_lanes<T: Float>(acc: [T; LANES], op: impl Fn(T, T) -> T) -> T {
    let quad = [
        op(acc[0], acc[4]),
        op(acc[1], acc[5]),
        op(acc[2], acc[6]),
        op(acc[3], acc[7]),
    ];
    op(op(quad[0], quad[2]), op(quad[1], quad[3]))
}

/// max |aᵢ| (NaN if any is NaN), 0 for an empty array. The NaN check is a separate flag per
/// lane so that the maximum itself is a plain compare-and-select, which vectorises.
#[inline(always)]
fn max_abs<T: Float>(a: &[T]) -> T {
    let chunks = a.chunks_exact(LANES);
    let tail = chunks.remainder();
    let mut acc = [T::ZERO; LANES];
    let mut nan = [false; LANES];
    for chunk in chunks {
        for lane in 0..LANES {
            let x = chunk[lane].abs();
            acc[lane] = if x > acc[lane] { x } else { acc[lane] };
            nan[lane] |= x.is_nan();
        }
    }
    let mut rest = T::ZERO;
    for &x in tail {
        rest = max_nan(x.abs(), rest);
    }
    if nan.iter().any(|&n| n) {
        return T::from_f64(f64::NAN);
    }
    max_nan(combine_lanes(acc, max_nan), rest)
}

/// `pgml.add(vector, addend)`: element-wise sum.
pub fn add<T: Float>(vector: &[T], addend: &[T]) -> Result<Vec<T>> {
    same_length(vector, addend)?;
    Ok(vector.iter().zip(addend).map(|(&a, &b)| a + b).collect())
}

/// `pgml.subtract(vector, subtahend)`: element-wise difference.
pub fn subtract<T: Float>(vector: &[T], subtrahend: &[T]) -> Result<Vec<T>> {
    same_length(vector, subtrahend)?;
    Ok(vector
        .iter()
        .zip(subtrahend)
        .map(|(&a, &b)| a - b)
        .collect())
}

/// `pgml.multiply(vector, multiplicand)`: element-wise (Hadamard) product.
pub fn multiply<T: Float>(vector: &[T], multiplicand: &[T]) -> Result<Vec<T>> {
    same_length(vector, multiplicand)?;
    Ok(vector
        .iter()
        .zip(multiplicand)
        .map(|(&a, &b)| a * b)
        .collect())
}

/// `pgml.divide(vector, dividend)`: element-wise quotient (IEEE: x/0 is ±Infinity or NaN).
/// PostgresML names the divisor `dividend`; the SQL keeps that name.
pub fn divide<T: Float>(vector: &[T], divisor: &[T]) -> Result<Vec<T>> {
    same_length(vector, divisor)?;
    Ok(vector.iter().zip(divisor).map(|(&a, &b)| a / b).collect())
}

/// `pgml.add(vector, addend scalar)`.
pub fn add_scalar<T: Float>(vector: &[T], addend: T) -> Vec<T> {
    vector.iter().map(|&a| a + addend).collect()
}

/// `pgml.subtract(vector, subtahend scalar)`.
pub fn subtract_scalar<T: Float>(vector: &[T], subtrahend: T) -> Vec<T> {
    vector.iter().map(|&a| a - subtrahend).collect()
}

/// `pgml.multiply(vector, multiplicand scalar)`.
pub fn multiply_scalar<T: Float>(vector: &[T], multiplicand: T) -> Vec<T> {
    vector.iter().map(|&a| a * multiplicand).collect()
}

/// `pgml.divide(vector, dividend scalar)` (IEEE division; see [`divide`]).
pub fn divide_scalar<T: Float>(vector: &[T], divisor: T) -> Vec<T> {
    vector.iter().map(|&a| a / divisor).collect()
}

/// `pgml.norm_l0`: how many elements are not zero (NaN counts).
pub fn norm_l0<T: Float>(vector: &[T]) -> T {
    sum_map(vector, |a| if a == T::ZERO { T::ZERO } else { T::ONE })
}

/// `pgml.norm_l1`: Σ|aᵢ|.
pub fn norm_l1<T: Float>(vector: &[T]) -> T {
    sum_map(vector, |a| a.abs())
}

/// `pgml.norm_l2`: √Σaᵢ², rescaled by the largest |aᵢ| when the plain sum of squares
/// overflows or underflows.
pub fn norm_l2<T: Float>(vector: &[T]) -> T {
    let squares = sum_map(vector, |a| a * a);
    if squares.is_nan() || in_range(squares) {
        return squares.sqrt();
    }
    // Overflowed to Infinity, or underflowed (0 or subnormal): scale into range.
    let scale = max_abs(vector);
    if scale == T::ZERO || !scale.is_finite() {
        return scale;
    }
    scale * sum_map(vector, |a| (a / scale) * (a / scale)).sqrt()
}

/// `pgml.norm_max`: max |aᵢ| (NaN if any element is NaN).
pub fn norm_max<T: Float>(vector: &[T]) -> T {
    max_abs(vector)
}

/// `vector / norm`, or `vector` itself when the norm is zero.
fn scaled<T: Float>(vector: &[T], norm: T) -> Vec<T> {
    if norm == T::ZERO {
        return vector.to_vec();
    }
    vector.iter().map(|&a| a / norm).collect()
}

/// `pgml.normalize_l1`: `vector / norm_l1(vector)`; a zero vector stays zero.
pub fn normalize_l1<T: Float>(vector: &[T]) -> Vec<T> {
    scaled(vector, norm_l1(vector))
}

/// `pgml.normalize_l2`: `vector / norm_l2(vector)` (unit length); a zero vector stays zero.
pub fn normalize_l2<T: Float>(vector: &[T]) -> Vec<T> {
    scaled(vector, norm_l2(vector))
}

/// `pgml.normalize_max`: `vector / norm_max(vector)`; a zero vector stays zero.
pub fn normalize_max<T: Float>(vector: &[T]) -> Vec<T> {
    scaled(vector, norm_max(vector))
}

/// `pgml.distance_l1`: Σ|aᵢ - bᵢ| (Manhattan).
pub fn distance_l1<T: Float>(vector: &[T], other: &[T]) -> Result<T> {
    same_length(vector, other)?;
    Ok(sum_zip(vector, other, |a, b| (a - b).abs()))
}

/// `pgml.distance_l2`: √Σ(aᵢ - bᵢ)² (Euclidean).
pub fn distance_l2<T: Float>(vector: &[T], other: &[T]) -> Result<T> {
    same_length(vector, other)?;
    let squares = sum_zip(vector, other, |a, b| (a - b) * (a - b));
    if squares.is_nan() || in_range(squares) {
        return Ok(squares.sqrt());
    }
    // Rare: overflow or underflow; pay for the difference vector.
    let difference = subtract(vector, other)?;
    Ok(norm_l2(&difference))
}

/// `pgml.dot_product`: Σaᵢbᵢ.
pub fn dot_product<T: Float>(vector: &[T], other: &[T]) -> Result<T> {
    same_length(vector, other)?;
    Ok(sum_zip(vector, other, |a, b| a * b))
}

/// `pgml.cosine_similarity`: a·b / (|a| |b|); 0 when either vector is zero.
pub fn cosine_similarity<T: Float>(vector: &[T], other: &[T]) -> Result<T> {
    let dot = dot_product(vector, other)?;
    let (norm_a, norm_b) = (norm_l2(vector), norm_l2(other));
    if norm_a == T::ZERO || norm_b == T::ZERO {
        return Ok(T::ZERO);
    }
    let denominator = norm_a * norm_b;
    if (in_range(dot) || dot == T::ZERO) && in_range(denominator)
        || !norm_a.is_finite()
        || !norm_b.is_finite()
    {
        return Ok(dot / denominator);
    }
    // The dot product or the norms' product overflowed or underflowed: the same sum over
    // the unit vectors stays in range.
    Ok(sum_zip(vector, other, |a, b| (a / norm_a) * (b / norm_b)))
}

/// Which element-wise aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// `pgml.sum`
    Sum,
    /// `pgml.min`
    Min,
    /// `pgml.max`
    Max,
    /// `pgml.min_abs`: the smallest |x| of each position.
    MinAbs,
    /// `pgml.max_abs`: the largest |x| of each position.
    MaxAbs,
}

impl Aggregate {
    /// The SQL name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Aggregate::Sum => "pgml.sum",
            Aggregate::Min => "pgml.min",
            Aggregate::Max => "pgml.max",
            Aggregate::MinAbs => "pgml.min_abs",
            Aggregate::MaxAbs => "pgml.max_abs",
        }
    }
}

/// The running state of an element-wise aggregate over rows of arrays, in f64 whatever the
/// input type: f32 converts exactly, and sums of many rows keep their precision. Empty until
/// the first row (an aggregate over no rows is NULL).
#[derive(Debug, Clone)]
pub struct Accumulator {
    aggregate: Aggregate,
    values: Option<Vec<f64>>,
}

impl Accumulator {
    /// An accumulator that has seen no rows.
    pub fn new(aggregate: Aggregate) -> Accumulator {
        Accumulator {
            aggregate,
            values: None,
        }
    }

    /// Folds in one row. Every row must have the first row's length (2202E otherwise).
    pub fn add<T: Float>(&mut self, row: &[T]) -> Result<()> {
        let aggregate = self.aggregate;
        let Some(values) = &mut self.values else {
            let first = row.iter().map(|&x| x.to_f64());
            self.values = Some(match aggregate {
                Aggregate::MinAbs | Aggregate::MaxAbs => first.map(f64::abs).collect(),
                _ => first.collect(),
            });
            return Ok(());
        };
        if values.len() != row.len() {
            return Err(row_length_mismatch(aggregate, values.len(), row.len()));
        }
        let pairs = values.iter_mut().zip(row.iter().map(|&x| x.to_f64()));
        match aggregate {
            Aggregate::Sum => pairs.for_each(|(v, x)| *v += x),
            Aggregate::Min => pairs.for_each(|(v, x)| *v = min_nan(x, *v)),
            Aggregate::Max => pairs.for_each(|(v, x)| *v = max_nan(x, *v)),
            Aggregate::MinAbs => pairs.for_each(|(v, x)| *v = min_nan(x.abs(), *v)),
            Aggregate::MaxAbs => pairs.for_each(|(v, x)| *v = max_nan(x.abs(), *v)),
        }
        Ok(())
    }

    /// Merges another partial state of the same aggregate (parallel or partial aggregation).
    pub fn combine(&mut self, other: &Accumulator) -> Result<()> {
        let Some(theirs) = &other.values else {
            return Ok(());
        };
        let Some(ours) = &mut self.values else {
            self.values = Some(theirs.clone());
            return Ok(());
        };
        if ours.len() != theirs.len() {
            return Err(row_length_mismatch(
                self.aggregate,
                ours.len(),
                theirs.len(),
            ));
        }
        let pairs = ours.iter_mut().zip(theirs.iter().copied());
        match self.aggregate {
            Aggregate::Sum => pairs.for_each(|(v, x)| *v += x),
            Aggregate::Min | Aggregate::MinAbs => pairs.for_each(|(v, x)| *v = min_nan(x, *v)),
            Aggregate::Max | Aggregate::MaxAbs => pairs.for_each(|(v, x)| *v = max_nan(x, *v)),
        }
        Ok(())
    }

    /// The result, `None` if no row was added (SQL NULL).
    pub fn values<T: Float>(&self) -> Option<Vec<T>> {
        self.values
            .as_ref()
            .map(|values| values.iter().map(|&v| T::from_f64(v)).collect())
    }
}

fn row_length_mismatch(aggregate: Aggregate, expected: usize, got: usize) -> Error {
    Error::sql(
        SqlState::ArraySubscriptError,
        format!(
            "{} needs arrays of the same length: {got} elements after rows of {expected}",
            aggregate.name()
        ),
        "aggregate element-wise only over arrays of one length (e.g. embeddings of one model)",
    )
}

#[cfg(test)]
mod tests;
