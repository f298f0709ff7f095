//! Deterministic synthetic data for the tests.
#![allow(dead_code)]

/// xorshift64*: reproducible, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32) / (1u64 << 24) as f32
    }
}

pub struct Data {
    pub x: Vec<f32>,
    pub rows: usize,
    pub cols: usize,
    pub regression: Vec<f32>,
    pub binary: Vec<f32>,
    pub classes3: Vec<f32>,
}

/// `rows` x `cols` features in [-2, 2), about `nan_share` of them NaN and some exactly zero; a
/// regression target and binary / 3-class labels derived from it.
pub fn data(rows: usize, cols: usize, nan_share: f32, seed: u64) -> Data {
    let mut rng = Rng::new(seed);
    let mut x = Vec::with_capacity(rows * cols);
    let (mut regression, mut binary, mut classes3) = (vec![], vec![], vec![]);
    for _ in 0..rows {
        let row: Vec<f32> = (0..cols)
            .map(|_| {
                let u = rng.next_f32();
                if u < nan_share {
                    f32::NAN
                } else if u < nan_share + 0.03 {
                    0.0
                } else {
                    rng.next_f32() * 4.0 - 2.0
                }
            })
            .collect();
        let v = |i: usize| row.get(i).copied().filter(|v| !v.is_nan()).unwrap_or(0.5);
        let y = 3.0 * v(0) - 2.0 * v(1) * v(2) + (v(3) * 2.0).sin() + 0.3 * rng.next_f32();
        regression.push(y);
        binary.push(if y > 0.2 { 1.0 } else { 0.0 });
        classes3.push(if y < -1.0 {
            0.0
        } else if y < 1.5 {
            1.0
        } else {
            2.0
        });
        x.extend(row);
    }
    Data {
        x,
        rows,
        cols,
        regression,
        binary,
        classes3,
    }
}

pub fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
