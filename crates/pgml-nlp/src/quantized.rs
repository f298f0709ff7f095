//! Dense layers (`y = x Wᵀ + b`) in 16-bit integer arithmetic, for the encoder on CPUs.
//!
//! Why: batched embeddings are bound by f32 matrix products, and an AVX2 core does twice as
//! many 16-bit multiply-adds per cycle (`vpmaddwd`: 16 per instruction, two products summed
//! into each 32-bit lane) as f32 ones (`vfmadd`: 8). PyTorch's own dynamic quantization uses
//! 8 bits for both sides; here the products are 16-bit, so each side gets as many bits as the
//! 32-bit accumulator allows for the layer's width (activations ±2047 per row; weights ±1023
//! per output channel in layers up to 1,024 inputs wide, fewer levels in wider ones: ±683 at
//! 1,536 inputs), which keeps the embeddings within 1e-4 of f32's (cosine),
//! checked against sentence-transformers' vectors in `tests/models.rs`.
//!
//! Layout: activations are quantized per row (one scale per token) and stored in groups of 6
//! rows, pair of inputs (k, k+1) by pair, the 6 rows' pairs side by side (one 32-bit word
//! each); weights per output channel, packed at load into panels of 16 output channels, each
//! holding for every pair of inputs the 16 channels' two weights side by side, so one 32-bit
//! broadcast of an activation pair times one panel row gives 8 channels' partial sums. The
//! kernel computes 6 rows x 16 channels at a time in 12 accumulator registers, reading both
//! operands as two sequential streams.

/// Output channels per panel (two AVX2 registers of 8 x i32).
const PANEL: usize = 16;
/// Rows per kernel call: 12 accumulators + 2 weight registers + 1 broadcast of 16 registers.
const ROWS: usize = 6;
/// Bytes of quantized activations multiplied together: they stay in the core's L2 cache (512
/// KiB on Zen 3, 1-2 MiB on recent Intel) while every panel of weights passes over them, and
/// each panel, loaded once, serves all of their rows.
const ROW_BLOCK_BYTES: usize = 192 * 1024;
/// Largest |quantized activation| (12 bits) and |quantized weight| (11 bits); narrower when
/// the layer is so wide that their products could overflow the 32-bit sums.
const ACTIVATION_LEVELS: i32 = 2047;
const WEIGHT_LEVELS: i32 = 1023;

/// A dense layer's weights, quantized and packed for [`QuantizedLinear::forward`].
pub struct QuantizedLinear {
    inputs: usize,
    outputs: usize,
    /// Inputs rounded up to a pair.
    pairs: usize,
    /// `panels x pairs x PANEL x 2` weights; channels past `outputs` are zero.
    packed: Vec<i16>,
    /// Per output channel: the weight scale (padded to whole panels with zeros).
    weight_scales: Vec<f32>,
    bias: Vec<f32>,
    activation_levels: f32,
}

impl QuantizedLinear {
    /// `weight`: `outputs x inputs`, row-major (as PyTorch and candle store a Linear's).
    pub fn new(
        weight: &[f32],
        bias: Option<&[f32]>,
        outputs: usize,
        inputs: usize,
    ) -> Result<Self, String> {
        if outputs.checked_mul(inputs) != Some(weight.len()) || inputs == 0 || outputs == 0 {
            return Err(format!(
                "dense layer: {} weights for {outputs} x {inputs}",
                weight.len()
            ));
        }
        if bias.is_some_and(|b| b.len() != outputs) {
            return Err(format!("dense layer: bias for {outputs} outputs expected"));
        }
        // The f32 path would spread NaN and infinity through every embedding; quantizing them
        // would hide them (f32::max skips NaN), so such a model is refused as corrupt.
        if !weight
            .iter()
            .chain(bias.unwrap_or(&[]))
            .all(|w| w.is_finite())
        {
            return Err("dense layer: weights or bias not finite (NaN or infinity)".into());
        }
        let pairs = inputs.div_ceil(2);
        let (activation_levels, weight_levels) = levels(pairs * 2);
        let panels = outputs.div_ceil(PANEL);
        let mut packed = vec![0i16; panels * pairs * PANEL * 2];
        let mut weight_scales = vec![0f32; panels * PANEL];
        for (channel, row) in weight.chunks_exact(inputs).enumerate() {
            let levels = weight_levels as f32;
            let scale = row.iter().fold(0f32, |m, w| m.max(w.abs())) / levels;
            if !scale.is_normal() {
                // All zeros, or so close to zero (below about 1e-35) that dividing by the
                // scale would overflow: the channel is zero (its packed weights stay 0).
                weight_scales[channel] = 0.0;
                continue;
            }
            weight_scales[channel] = scale;
            let (panel, lane) = (channel / PANEL, channel % PANEL);
            for (k, &w) in row.iter().enumerate() {
                let at = ((panel * pairs + k / 2) * PANEL + lane) * 2 + k % 2;
                packed[at] = (w / scale).round().clamp(-levels, levels) as i16;
            }
        }
        let mut padded_bias = vec![0f32; panels * PANEL];
        if let Some(bias) = bias {
            padded_bias[..outputs].copy_from_slice(bias);
        }
        Ok(QuantizedLinear {
            inputs,
            outputs,
            pairs,
            packed,
            weight_scales,
            bias: padded_bias,
            activation_levels: activation_levels as f32,
        })
    }

    pub fn inputs(&self) -> usize {
        self.inputs
    }

    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// Bytes the packed weights, scales and bias take.
    pub fn bytes(&self) -> usize {
        self.packed.len() * 2 + (self.weight_scales.len() + self.bias.len()) * 4
    }

    /// `x`: `rows x inputs` row-major; returns `rows x outputs`.
    pub fn forward(&self, x: &[f32]) -> Vec<f32> {
        self.forward_then(x, |v| v)
    }

    /// [`forward`](Self::forward) with `then` applied to each output as it is written (an
    /// activation function, without another pass over the outputs).
    pub fn forward_then(&self, x: &[f32], then: impl Fn(f32) -> f32 + Copy) -> Vec<f32> {
        let rows = x.len() / self.inputs.max(1);
        let mut out = vec![0f32; rows * self.outputs];
        let row_block = (ROW_BLOCK_BYTES / (self.pairs * 4)).clamp(1, rows.max(1));
        let row_block = row_block.div_ceil(ROWS) * ROWS;
        let mut row = vec![0i16; self.pairs * 2];
        let mut groups = vec![0i32; row_block * self.pairs];
        let mut row_scales = vec![0f32; row_block];
        let avx2 = has_avx2();
        for (x, out) in x
            .chunks(row_block * self.inputs)
            .zip(out.chunks_mut(row_block * self.outputs))
        {
            let n = x.len() / self.inputs;
            // Rows past `n` in the last group are zeros (multiplied, never written out).
            groups[..n.div_ceil(ROWS) * ROWS * self.pairs].fill(0);
            for (r, values) in x.chunks_exact(self.inputs).enumerate() {
                row_scales[r] = quantize_row(values, &mut row, self.activation_levels, avx2);
                let group = &mut groups[(r / ROWS) * ROWS * self.pairs..][..ROWS * self.pairs];
                place_row(&row, group, r % ROWS);
            }
            for panel in 0..self.outputs.div_ceil(PANEL) {
                for first in (0..n).step_by(ROWS) {
                    let count = ROWS.min(n - first);
                    let mut sums = [[0i32; PANEL]; ROWS];
                    let group = &groups[first * self.pairs..][..ROWS * self.pairs];
                    self.panel_sums(panel, group, &mut sums, avx2);
                    self.store(
                        panel,
                        &sums[..count],
                        &row_scales[first..],
                        first,
                        out,
                        then,
                    );
                }
            }
        }
        out
    }

    /// Adds to `sums` the 32-bit sums of one group of ROWS quantized rows (`pairs x ROWS` words, see
    /// [`place_row`]) times one panel of channels.
    fn panel_sums(&self, panel: usize, group: &[i32], sums: &mut [[i32; PANEL]; ROWS], avx2: bool) {
        let weights = &self.packed[panel * self.pairs * PANEL * 2..][..self.pairs * PANEL * 2];
        assert_eq!(group.len(), self.pairs * ROWS, "a whole group of rows");
        assert_eq!(weights.len(), self.pairs * PANEL * 2, "a whole panel");
        #[cfg(target_arch = "x86_64")]
        if avx2 {
            // SAFETY: AVX2 is present (checked at run time); the group holds `pairs` x ROWS
            // words and the panel `pairs` x PANEL x 2 weights (both asserted above), as the
            // kernel reads them.
            unsafe { avx2::kernel(self.pairs, group, weights, sums) };
            return;
        }
        let _ = avx2;
        for p in 0..self.pairs {
            let w = &weights[p * PANEL * 2..][..PANEL * 2];
            for (r, sums) in sums.iter_mut().enumerate() {
                let (a0, a1) = unpack(group[p * ROWS + r]);
                for c in 0..PANEL {
                    sums[c] += a0 * w[2 * c] as i32 + a1 * w[2 * c + 1] as i32;
                }
            }
        }
    }

    /// Scales the sums back to f32 and adds the bias, into `out` (`rows x outputs`).
    fn store(
        &self,
        panel: usize,
        sums: &[[i32; PANEL]],
        row_scales: &[f32],
        first: usize,
        out: &mut [f32],
        then: impl Fn(f32) -> f32,
    ) {
        let channel0 = panel * PANEL;
        let channels = PANEL.min(self.outputs - channel0);
        let scales = &self.weight_scales[channel0..channel0 + channels];
        let bias = &self.bias[channel0..channel0 + channels];
        for (r, sums) in sums.iter().enumerate() {
            let row_scale = row_scales[r];
            let at = (first + r) * self.outputs + channel0;
            for (((o, &s), &w), &b) in out[at..at + channels]
                .iter_mut()
                .zip(&sums[..channels])
                .zip(scales)
                .zip(bias)
            {
                *o = then(s as f32 * (row_scale * w) + b);
            }
        }
    }
}

/// Stores a quantized row (`pairs x 2` values) as row `lane` of a group: pair p goes to word
/// `p * ROWS + lane`, its first value in the low 16 bits (the order `vpmaddwd` pairs them).
fn place_row(row: &[i16], group: &mut [i32], lane: usize) {
    for (p, pair) in row.chunks_exact(2).enumerate() {
        group[p * ROWS + lane] = (pair[0] as u16 as u32 | (pair[1] as u16 as u32) << 16) as i32;
    }
}

/// The two values [`place_row`] put in one word.
fn unpack(word: i32) -> (i32, i32) {
    (word as i16 as i32, (word >> 16) as i16 as i32)
}

/// The quantization ranges for rows of `width` inputs: the widest that keep `width` products
/// inside an i32 (activations keep their 12 bits, weights give way first).
fn levels(width: usize) -> (i32, i32) {
    let budget = i32::MAX as i64 / width.max(1) as i64;
    let activations = (ACTIVATION_LEVELS as i64).min(budget.max(1));
    let weights = (WEIGHT_LEVELS as i64).min((budget / activations).max(1));
    (activations as i32, weights as i32)
}

/// Quantizes one row into `out` (its length rounded up to a pair; the pad stays zero) and
/// returns the scale that maps the integers back.
fn quantize_row(row: &[f32], out: &mut [i16], levels: f32, avx2: bool) -> f32 {
    assert!(out.len() >= row.len(), "room for the row");
    let (max, nan) = max_abs(row);
    if nan || !max.is_finite() {
        out.fill(0);
        // Let NaN and infinity show in the output instead of quantizing garbage.
        return f32::NAN;
    }
    let inverse = levels / max;
    if max == 0.0 || !inverse.is_finite() {
        // All zeros, or all so close to zero (below about 1e-35) that the inverse overflows:
        // the row is zero.
        out.fill(0);
        return 0.0;
    }
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: AVX2 is present (checked at run time); `out` is at least as long as `row`
        // (asserted above).
        unsafe { avx2::quantize(row, out, inverse, levels) };
        return max / levels;
    }
    let _ = avx2;
    for (o, &v) in out.iter_mut().zip(row) {
        *o = (v * inverse).round_ties_even().clamp(-levels, levels) as i16;
    }
    max / levels
}

/// Whether this CPU runs the integer kernel (AVX2); elsewhere f32 is faster.
pub fn available() -> bool {
    has_avx2()
}

/// The largest |value| and whether any is NaN, in 8 independent lanes so that the compiler
/// vectorises it (a plain fold is one long chain of dependent operations).
fn max_abs(row: &[f32]) -> (f32, bool) {
    let mut max = [0f32; 8];
    let mut nan = [false; 8];
    let chunks = row.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for i in 0..8 {
            let a = chunk[i].abs();
            max[i] = if a > max[i] { a } else { max[i] };
            nan[i] |= a.is_nan();
        }
    }
    for &v in rest {
        let a = v.abs();
        max[0] = if a > max[0] { a } else { max[0] };
        nan[0] |= a.is_nan();
    }
    (
        max.iter().fold(0f32, |m, &v| if v > m { v } else { m }),
        nan.iter().any(|&n| n),
    )
}

fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{PANEL, ROWS};
    use std::arch::x86_64::*;

    /// `sums[r][c] += Σ_p a[p][r].0·w[p][c][0] + a[p][r].1·w[p][c][1]`, `a` a group of rows
    /// (`pairs x ROWS` words of two i16, see `place_row`).
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn kernel(
        pairs: usize,
        group: &[i32],
        weights: &[i16],
        sums: &mut [[i32; PANEL]; ROWS],
    ) {
        // SAFETY: the caller's contract (see `panel_sums`).
        unsafe {
            let a = group.as_ptr();
            let w = weights.as_ptr() as *const __m256i;
            let zero = _mm256_setzero_si256();
            let (mut c00, mut c01, mut c10, mut c11, mut c20, mut c21) =
                (zero, zero, zero, zero, zero, zero);
            let (mut c30, mut c31, mut c40, mut c41, mut c50, mut c51) =
                (zero, zero, zero, zero, zero, zero);
            for p in 0..pairs {
                let w0 = _mm256_loadu_si256(w.add(2 * p));
                let w1 = _mm256_loadu_si256(w.add(2 * p + 1));
                let ap = a.add(p * ROWS);
                macro_rules! row {
                    ($r:expr, $lo:ident, $hi:ident) => {
                        let x = _mm256_set1_epi32(ap.add($r).read());
                        $lo = _mm256_add_epi32($lo, _mm256_madd_epi16(x, w0));
                        $hi = _mm256_add_epi32($hi, _mm256_madd_epi16(x, w1));
                    };
                }
                row!(0, c00, c01);
                row!(1, c10, c11);
                row!(2, c20, c21);
                row!(3, c30, c31);
                row!(4, c40, c41);
                row!(5, c50, c51);
            }
            let out = [
                (c00, c01),
                (c10, c11),
                (c20, c21),
                (c30, c31),
                (c40, c41),
                (c50, c51),
            ];
            for (r, (lo, hi)) in out.into_iter().enumerate() {
                let dst = sums[r].as_mut_ptr() as *mut __m256i;
                _mm256_storeu_si256(dst, _mm256_add_epi32(_mm256_loadu_si256(dst), lo));
                let next = dst.add(1);
                _mm256_storeu_si256(next, _mm256_add_epi32(_mm256_loadu_si256(next), hi));
            }
        }
    }

    /// `out[i] = round(row[i] * inverse)` (ties to even), 8 at a time.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn quantize(row: &[f32], out: &mut [i16], inverse: f32, levels: f32) {
        // SAFETY: the caller's contract (see `quantize_row`).
        unsafe {
            let scale = _mm256_set1_ps(inverse);
            let (low, high) = (_mm256_set1_ps(-levels), _mm256_set1_ps(levels));
            let chunks = row.len() / 8;
            for i in 0..chunks {
                let v = _mm256_mul_ps(_mm256_loadu_ps(row.as_ptr().add(8 * i)), scale);
                // Within ±levels already (|v| <= max); the clamp keeps it so whatever rounding
                // does.
                let q = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(v, low), high));
                // i32 -> i16 within each 128-bit half, then the halves' low quarters together.
                let packed = _mm256_packs_epi32(q, q);
                let ordered = _mm256_permute4x64_epi64::<0b1000>(packed);
                _mm_storeu_si128(
                    out.as_mut_ptr().add(8 * i) as *mut __m128i,
                    _mm256_castsi256_si128(ordered),
                );
            }
            for i in chunks * 8..row.len() {
                out[i] = (row[i] * inverse).round_ties_even().clamp(-levels, levels) as i16;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reproducible spread of values (no rand dependency): a linear congruential generator.
    fn values(n: usize, seed: u64, spread: f32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * spread
            })
            .collect()
    }

    fn reference(x: &[f32], w: &[f32], b: &[f32], inputs: usize) -> Vec<f32> {
        let outputs = b.len();
        x.chunks(inputs)
            .flat_map(|row| {
                (0..outputs).map(move |o| {
                    let dot: f64 = row
                        .iter()
                        .zip(&w[o * inputs..(o + 1) * inputs])
                        .map(|(&a, &w)| a as f64 * w as f64)
                        .sum();
                    (dot + b[o] as f64) as f32
                })
            })
            .collect()
    }

    #[test]
    fn matches_f64_products_within_quantization_error() {
        // Odd sizes: rows not a multiple of 6 or 48, inputs odd, outputs not whole panels.
        for (rows, inputs, outputs) in [(1, 7, 3), (13, 33, 17), (53, 384, 40), (97, 1537, 20)] {
            let x = values(rows * inputs, 1, 4.0);
            let w = values(outputs * inputs, 2, 0.2);
            let b = values(outputs, 3, 1.0);
            let layer = QuantizedLinear::new(&w, Some(&b), outputs, inputs).unwrap();
            let got = layer.forward(&x);
            let want = reference(&x, &w, &b, inputs);
            assert_eq!(got.len(), rows * outputs);
            let (mut err, mut norm) = (0f64, 0f64);
            for (g, w) in got.iter().zip(&want) {
                err += ((g - w) as f64).powi(2);
                norm += (*w as f64).powi(2);
            }
            let relative = (err / norm).sqrt();
            assert!(relative < 2e-3, "{rows}x{inputs}x{outputs}: {relative}");
        }
    }

    #[test]
    fn the_avx2_kernel_and_the_portable_loop_agree_exactly() {
        if !has_avx2() {
            return;
        }
        let (rows, inputs, outputs) = (20, 301, 37);
        let layer =
            QuantizedLinear::new(&values(outputs * inputs, 4, 1.0), None, outputs, inputs).unwrap();
        let x = values(rows * inputs, 5, 3.0);
        let group_len = ROWS * layer.pairs;
        let mut groups = vec![0i32; rows.div_ceil(ROWS) * group_len];
        for (r, row) in x.chunks(inputs).enumerate() {
            let (mut fast, mut slow) = (vec![0i16; layer.pairs * 2], vec![0i16; layer.pairs * 2]);
            let s1 = quantize_row(row, &mut fast, 2047.0, true);
            let s2 = quantize_row(row, &mut slow, 2047.0, false);
            assert_eq!((fast.clone(), s1), (slow, s2));
            place_row(
                &fast,
                &mut groups[(r / ROWS) * group_len..][..group_len],
                r % ROWS,
            );
            for (p, pair) in fast.chunks(2).enumerate() {
                let word = groups[(r / ROWS) * group_len + p * ROWS + r % ROWS];
                assert_eq!(unpack(word), (pair[0] as i32, pair[1] as i32));
            }
        }
        for panel in 0..outputs.div_ceil(PANEL) {
            for group in groups.chunks(group_len) {
                let (mut fast, mut slow) = ([[0; PANEL]; ROWS], [[0; PANEL]; ROWS]);
                layer.panel_sums(panel, group, &mut fast, true);
                layer.panel_sums(panel, group, &mut slow, false);
                assert_eq!(fast, slow, "panel {panel}");
            }
        }
    }

    #[test]
    fn wide_layers_never_overflow_their_sums() {
        // Every input at its largest value with every weight at its largest: the worst case.
        for inputs in [384usize, 1536, 3072, 4096, 10_000] {
            let (a, w) = levels(inputs.div_ceil(2) * 2);
            let worst = a as i64 * w as i64 * (inputs.div_ceil(2) * 2) as i64;
            assert!(worst <= i32::MAX as i64, "{inputs}: {worst}");
            let layer = QuantizedLinear::new(&vec![1.0; inputs], None, 1, inputs).unwrap();
            let out = layer.forward(&vec![1.0; inputs]);
            assert!(
                (out[0] - inputs as f32).abs() / (inputs as f32) < 1e-3,
                "{out:?}"
            );
        }
    }

    #[test]
    fn then_is_applied_to_every_output() {
        let (rows, inputs, outputs) = (50, 64, 35);
        let layer = QuantizedLinear::new(
            &values(outputs * inputs, 6, 1.0),
            Some(&values(outputs, 7, 1.0)),
            outputs,
            inputs,
        )
        .unwrap();
        let x = values(rows * inputs, 8, 2.0);
        let plain: Vec<f32> = layer.forward(&x).iter().map(|v| v.max(0.0)).collect();
        assert_eq!(layer.forward_then(&x, |v| v.max(0.0)), plain);
    }

    #[test]
    fn max_abs_sees_every_lane_and_nan() {
        let mut row = vec![0.5f32; 21];
        row[13] = -3.0;
        assert_eq!(max_abs(&row), (3.0, false));
        row[20] = -4.0; // in the remainder after the lanes of 8
        assert_eq!(max_abs(&row), (4.0, false));
        row[5] = f32::NAN;
        assert!(max_abs(&row).1);
    }

    #[test]
    fn values_too_small_to_scale_are_zero() {
        // A channel of weights and a row of activations near the smallest floats: the scales
        // would overflow, so both count as zero instead of saturating the 16 bits.
        let tiny = 1e-38f32;
        let layer =
            QuantizedLinear::new(&[tiny, -tiny, 1.0, 2.0], Some(&[0.25, 0.5]), 2, 2).unwrap();
        assert_eq!(layer.forward(&[3.0, 4.0])[0], 0.25);
        assert!((layer.forward(&[3.0, 4.0])[1] - 11.5).abs() < 0.01);
        assert_eq!(layer.forward(&[tiny, tiny]), vec![0.25, 0.5]);
        for avx2 in [false, has_avx2()] {
            let mut out = [7i16; 9];
            assert_eq!(quantize_row(&[1e-40; 9], &mut out, 2047.0, avx2), 0.0);
            assert_eq!(out, [0; 9]);
        }
    }

    #[test]
    fn zero_and_non_finite_rows() {
        let layer = QuantizedLinear::new(&[1.0, 2.0, 3.0, 4.0], Some(&[0.5, -0.5]), 2, 2).unwrap();
        assert!(QuantizedLinear::new(&[1.0; 3], None, 2, 2).is_err());
        assert!(QuantizedLinear::new(&[], None, 0, 2).is_err());
        assert!(QuantizedLinear::new(&[1.0, f32::NAN], None, 1, 2).is_err());
        assert!(QuantizedLinear::new(&[1.0, 2.0], Some(&[f32::INFINITY]), 1, 2).is_err());
        assert_eq!(layer.forward(&[0.0, 0.0]), vec![0.5, -0.5]);
        assert!(layer.forward(&[f32::NAN, 1.0]).iter().all(|v| v.is_nan()));
        assert!(layer
            .forward(&[f32::INFINITY, 1.0])
            .iter()
            .all(|v| v.is_nan()));
    }
}
